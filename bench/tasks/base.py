"""What a task is: how to build its windows from a sequence, and how to score a trained stack."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Mapping

import numpy as np

if TYPE_CHECKING:
    from torch import nn

    from bench.train.windows import WindowSet

# Settings every task's profile defaults must give (task-specific ones come on top).
TRAIN_KEYS = ("window", "hidden", "layers", "epochs", "lr", "batch_size", "optimizer", "shuffle",
              "patience", "clip", "data_seed")


@dataclass
class TaskData:
    """Everything a cell needs to train and score, built once per cell (shared by its members)."""

    train: WindowSet  # or any set with len() and .to(device) that the task's own train hook reads
    val: WindowSet | None
    test: WindowSet
    in_features: int
    out_features: int
    classification: bool
    floors: dict[str, float] = field(default_factory=dict)  # metric -> best value any forecast reaches in expectation
    # The same for a model that reads the whole series before each target (a stateful one), where
    # that differs: e.g. a periodic sequence is fully determined by its past, not by a short window.
    past_floors: dict[str, float] | None = None
    protocol: dict[str, str] = field(default_factory=dict)  # source, split, scaler, caveats
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # cell-level arrays for figures
    extra: dict = field(default_factory=dict)  # whatever evaluate needs (scalers, clean targets)
    # Early-stopping score (model, val WindowSet) -> (K,), lower is better; None: one-step val loss.
    val_score: Callable | None = None


# evaluate(model, data, settings) -> (metrics name -> (K,), per-member arrays name -> (K, ...))
Evaluate = Callable[["nn.Module", TaskData, Mapping], tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]
# score(forecasts (K, S), data, settings) -> what evaluate returns, from forecasts already made
# (walk-forward: a sweep's per-fold composition of its rates' forecasts, bench/store/fold_rates.py)
Score = Callable[[np.ndarray, TaskData, Mapping], tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]
# figures(task name, {model: {seed: arrays}}, cell arrays, out dir, language, settings=the label's
# settings) -> written paths; the figures' words come from reports.messages in that language
Figures = Callable[[str, dict, dict, Path, str], list[Path]]
# resolve(settings) -> settings checked and pinned at planning time (e.g. a data file's content
# hash); raises ValueError (SequenceError) for a bad file or value, before anything trains
Resolve = Callable[[Mapping], dict]
# section(tidy rows of this task's cells, {cell label: settings}, arrays, language) -> markdown for
# results.md and report.md, its words in that language; arrays(label) -> ({model: {seed: {name: array}}},
# cell-level arrays) reads the store (not reports.document.Section, which is one task label's part of report.md)
SectionText = Callable[[object, dict, Callable, str], str]
# train(model, data, seeds, TrainSettings, settings) -> bench.train.loop.TrainLog, for data that are
# not windows (e.g. whole strings); None trains with bench.train.loop.train_members
Train = Callable[["nn.Module", TaskData, list, object, Mapping], object]
# check(settings) raises ValueError (one line: the sizes and what would work) when the resolved
# settings cannot give a cell, e.g. a window longer than the series; run before anything trains.
Check = Callable[[Mapping], None]


@dataclass(frozen=True)
class Task:
    name: str
    kind: str  # "regression" or "classification"
    description: str
    defaults: Mapping[str, Mapping]  # profile name -> settings (TRAIN_KEYS + task parameters)
    build: Callable[[Mapping, np.random.Generator], TaskData]
    evaluate: Evaluate
    score: Score | None = None
    figures: Figures | None = None
    train: Train | None = None
    check: Check | None = None
    models: tuple[str, ...] = ("mlp", "rnn", "lstm", "gru", "persistence", "mean")
    resolve: Resolve | None = None
    section: SectionText | None = None
    label_keys: tuple[str, ...] = ()  # settings always named in the cell label, e.g. ("target",)
    # words(settings, lang) -> a label in words for figure titles and headings, e.g. "S&P 500, log returns"
    words: Callable[[Mapping, str], str] | None = None
    val_setting: str | None = "val"  # the setting that sizes the validation part (0: none); None: never any
    fold_setting: str | None = None  # the setting that counts walk-forward folds (None or absent: one split)

    def folds(self, settings: Mapping) -> int | None:
        """How many walk-forward folds cells with these settings have (a rate per fold), or None."""
        return settings.get(self.fold_setting) if self.fold_setting else None

    def has_validation(self, settings: Mapping) -> bool:
        """Whether cells with these settings hold validation data (to stop early and select rates on)."""
        return self.val_setting is not None and bool(settings.get(self.val_setting))

    def settings(self, profile: str) -> dict:
        if profile not in self.defaults:
            raise ValueError(f"task {self.name!r} has no settings for profile {profile!r}; "
                             f"it has {', '.join(self.defaults)}")
        s = dict(self.defaults[profile])
        missing = [k for k in TRAIN_KEYS if k not in s]
        if missing:
            raise ValueError(f"task {self.name!r} profile {profile!r} lacks settings {missing}")
        return s


class Unavailable(Exception):
    """The task's data cannot be had here (e.g. offline); its cells are recorded as skipped."""
