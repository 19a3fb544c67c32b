"""What a task is: how to build its windows from a sequence, and how to score a trained stack."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
from torch import nn

from bench.windows import WindowSet

# Settings every task's profile defaults must give (task-specific ones come on top).
TRAIN_KEYS = ("window", "hidden", "layers", "epochs", "lr", "batch_size", "optimizer", "shuffle",
              "patience", "clip", "data_seed")


@dataclass
class TaskData:
    """Everything a cell needs to train and score, built once per cell (shared by its members)."""

    train: WindowSet
    val: WindowSet | None
    test: WindowSet
    in_features: int
    out_features: int
    classification: bool
    floors: dict[str, float] = field(default_factory=dict)  # analytic floor per metric name
    protocol: dict[str, str] = field(default_factory=dict)  # source, split, scaler, caveats
    arrays: dict[str, np.ndarray] = field(default_factory=dict)  # cell-level arrays for figures
    extra: dict = field(default_factory=dict)  # whatever evaluate needs (scalers, clean targets)
    # Early-stopping score (model, val WindowSet) -> (K,), lower is better; None: one-step val loss.
    val_score: Callable | None = None


# evaluate(model, data, settings) -> (metrics name -> (K,), per-member arrays name -> (K, ...))
Evaluate = Callable[[nn.Module, TaskData, Mapping], tuple[dict[str, np.ndarray], dict[str, np.ndarray]]]
# figures(task name, {model: {seed: arrays}}, cell arrays, out dir) -> written paths
Figures = Callable[[str, dict, dict, Path], list[Path]]


@dataclass(frozen=True)
class Task:
    name: str
    kind: str  # "regression" or "classification"
    description: str
    defaults: Mapping[str, Mapping]  # profile name -> settings (TRAIN_KEYS + task parameters)
    build: Callable[[Mapping, np.random.Generator], TaskData]
    evaluate: Evaluate
    figures: Figures | None = None
    models: tuple[str, ...] = ("mlp", "rnn", "lstm", "gru", "persistence", "mean")

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
