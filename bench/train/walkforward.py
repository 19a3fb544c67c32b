"""Walk-forward (rolling-origin) evaluation of one long series: F test blocks at its end, each
preceded by its own validation block, each fold's members retrained on the days before.

    closes  0 ........... a1 ~~val~~ b1 == test 1 == a2 ~~val~~ b2 == test 2 == ... == e_F = n
            training (< a_f, no tested day)   validation [a_f, b_f)   test targets [b_f, e_f)

Fold f has e_f = n - (F - 1 - f) · (val_days + days), b_f = e_f - days, a_f = b_f - val_days: the
validation block of a fold lies between the test block before it and its own, so no day that any
fold tests is a validation day. Training windows of fold f end before a_f and touch no tested day
(`FoldPoints.held`), so a fold's parameters, its stopping epoch and its validation loss (which
selects its learning rate: one rate per fold, docs/fairness.md states the rule) are functions of
untested days before its test block only: replacing every tested close by noise changes the
forecasts, never a selection (a test does it).
The price: later folds do not train on earlier test blocks. A test window's inputs may reach back
before its block: those closes are known on the day of the forecast. Every fold starts from the
members' initial parameters (their seeds), so fold f is exactly a fresh stack trained on its own part.

The lecture's single split is one fold whose test windows also start at or after b (a window
is lost at each boundary: "windows inside each part").
"""
from __future__ import annotations

from dataclasses import dataclass

from typing import TYPE_CHECKING

import numpy as np

from bench.train.scalers import Scaler
from bench.train.windows import WindowSet

if TYPE_CHECKING:  # training imports torch; planning a fold split does not
    from torch import nn

    from bench.train.loop import TrainLog
    from bench.train.settings import TrainSettings


@dataclass(frozen=True)
class FoldPoints:
    a: int  # training targets lie before a; validation windows start at or after it
    b: int  # first test target (validation targets lie before it)
    e: int  # end of the test block (exclusive)
    inside: bool = False  # test windows start at or after b (the lecture's split), not only their targets
    held: tuple[tuple[int, int], ...] = ()  # [b, e) of every fold's test block: no training window touches one


def fold_points(n: int, folds: int, days: int, val_days: int) -> list[FoldPoints]:
    """F blocks of `days` test closes ending at the series' end, each after val_days of its own validation."""
    step = days + val_days
    ends = [n - (folds - 1 - f) * step for f in range(folds)]
    held = tuple((e - days, e) for e in ends)
    return [FoldPoints(e - days - val_days, e - days, e, held=held) for e in ends]


def lecture_split(n: int, window: int, test: float, val: float) -> FoldPoints:
    """The lecture's split as one fold: int(test·n) test closes at the end, int(val·n) validation
    closes before them, windows inside each part. ValueError naming the sizes when a part is too short."""
    test_len, val_len = int(n * test), int(n * val)
    b = n - test_len
    a = b - val_len
    parts = {"training": a, "validation": val_len, "test": test_len} if val else {"training": a, "test": test_len}
    short = [f"{k} part has {v}" for k, v in parts.items() if v <= window]
    if short:
        need = int(np.ceil((window + 1) / min(test, val or 1, 1 - test - val)))
        raise ValueError(f"too few for window {window} ({', '.join(short)} closes, each part needs more than "
                         f"{window}); give at least {need} closes or a smaller --window")
    return FoldPoints(a, b, n, inside=True)


def check_folds(n: int, window: int, folds: int, days: int, val_days: int) -> None:
    """ValueError naming the sizes when the first fold has no room for training windows, or a
    block or the validation part is too short for a window."""
    first = n - folds * (days + val_days)  # training closes of the first fold
    if days >= 1 and first > window and (val_days == 0 or val_days > window):
        return
    if days < 1:
        raise ValueError(f"{folds} folds leave no closes to a fold; use fewer --folds, a --fold-days, or more closes")
    if val_days and val_days <= window:
        raise ValueError(f"{val_days} validation closes are too few for window {window}; give more closes or a "
                         "smaller --window")
    most = max(0, (n - window - 1) // max(folds, 1) - val_days)
    raise ValueError(f"{folds} folds of {days} closes after {val_days} validation closes leave {max(first, 0)} of {n} "
                     f"closes to train the first fold on, which needs more than the window ({window}); at most {most} "
                     "closes per fold fit, or give more closes or a smaller --window")


def window_starts(n: int, window: int, p: FoldPoints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start positions of the training, validation and test windows (each of `window` closes,
    its target the close after it) of one fold on a series of n closes."""
    start = np.arange(n - window)
    target = start + window
    touched = np.zeros(n - window, dtype=bool)  # the window or its target reads a tested close
    for b, e in p.held:
        touched |= (start < e) & (target >= b)
    train = start[(target < p.a) & ~touched]
    val = start[(start >= p.a) & (target < p.b)]
    test = start[(target >= p.b) & (target < p.e) & ((start >= p.b) if p.inside else True)]
    return train, val, test


@dataclass
class Fold:
    """One fold's windows, the scaler fitted on its training part, and its test targets' positions."""

    train: WindowSet
    val: WindowSet | None
    test: WindowSet
    scaler: Scaler
    at: np.ndarray  # (S_f,) positions of the test targets in the series


def train_folds(model: nn.Module, folds: list[Fold], seeds: list[int], cfg: TrainSettings,
                val_score=None, rates: tuple[float, ...] | None = None) -> tuple[TrainLog, list[dict]]:
    """Train the stack once per fold from the same initial parameters (fold f at rates[f] when
    given); returns the folds' logs joined (concat_logs) and each fold's trained parameters (state
    dicts, in fold order)."""
    from dataclasses import replace

    from bench.train.loop import train_members
    if rates is not None and len(rates) != len(folds):
        raise ValueError(f"{len(rates)} per-fold learning rates for {len(folds)} folds")
    device = next(model.parameters()).device
    init = {k: v.detach().clone() for k, v in model.state_dict().items()}
    logs, states = [], []
    for i, f in enumerate(folds):
        fold_cfg = cfg if rates is None else replace(cfg, lr=float(rates[i]))
        model.load_state_dict(init)  # copies in place: prepared native steps keep their addresses
        val = f.val.to(device) if f.val is not None and len(f.val) else None
        logs.append(train_members(model, f.train.to(device), val, seeds, fold_cfg, val_score))
        states.append({k: v.detach().clone() for k, v in model.state_dict().items()})
    return concat_logs(logs, [len(f.train) for f in folds]), states


def concat_logs(logs: list[TrainLog], sizes: list[int]) -> TrainLog:
    """The folds' logs one after another: member k's curve is its fold curves joined (each as long
    as that member would have run alone), NaN-padded to the longest; its best epoch is the last
    fold's, counted from its first epoch of all; fold_selection (K, F) each fold's validation loss
    at that fold's own best epoch, selection its mean over folds. sizes: training windows per fold."""
    from bench.train.loop import TrainLog
    K = logs[0].train_loss.shape[0]
    epochs = np.sum([log.epochs for log in logs], axis=0)
    width = int(epochs.max())
    has_val = all(log.val_loss.size for log in logs)
    tr = np.full((K, width), np.nan)
    va = np.full((K, width), np.nan) if has_val else np.zeros((K, 0))
    best = np.empty(K, dtype=int)
    for k in range(K):
        off = 0
        for log in logs:
            e = int(log.epochs[k])
            tr[k, off:off + e] = log.train_loss[k, :e]
            if has_val:
                va[k, off:off + e] = log.val_loss[k, :e]
            last, off = off, off + e
        b = int(logs[-1].best_epoch[k])
        best[k] = last + b if b >= 0 else -1
    samples = sum(n * log.train_loss.shape[1] * K for n, log in zip(sizes, logs))
    # converged in every fold, or not (NaN where a fold had no rule or diverged)
    converged = np.min([log.converged for log in logs], axis=0) if all(log.converged is not None for log in logs) \
        else None
    selection = fold_selection = None
    if has_val:
        at_best = [np.where(log.best_epoch >= 0, log.val_loss[np.arange(K), np.maximum(log.best_epoch, 0)], np.nan)
                   for log in logs]
        fold_selection = np.stack(at_best, axis=1)  # (K, F)
        selection = fold_selection.mean(axis=1)  # (K,)
    return TrainLog(tr, va, best, np.any([log.diverged for log in logs], axis=0), sum(log.steps for log in logs),
                    epochs, samples=samples, converged=converged, selection=selection,
                    fold_selection=fold_selection)

