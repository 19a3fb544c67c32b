"""A learning rate per walk-forward fold, selected on that fold's own validation days.

The rule (docs/fairness.md, "Walk-forward: a rate per fold"): fold f takes the rate whose fold-f
validation loss, averaged over seeds, is lowest (`choose`); later folds' losses never move it.

The setting ``fold_lr`` carries a cell's per-fold rates:

- ``"0.001,0.003,0.01"``: train fold f at the f-th rate (a stored selection, bench/store/rates.py);
- ``"best of 0.0001,0.001,0.01"``: a sweep's composed cell, trained in the stack of those rates.
  Its forecasts on fold f's test days are those of fold f's chosen rate, and every score
  (pooled, per fold, ratios, tests, trading) is computed from those composed forecasts exactly as
  for any other cell (`compose`).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

KEY = "fold_lr"
BEST_OF = "best of "


def fixed(settings: Mapping) -> tuple[float, ...] | None:
    """The per-fold rates a cell trains its folds at, or None (one rate for every fold, or a sweep's
    composed cell)."""
    text = settings.get(KEY)
    if not text or text.startswith(BEST_OF):
        return None
    return tuple(float(t) for t in text.split(","))


def swept(settings: Mapping) -> tuple[float, ...] | None:
    """The rates a sweep's composed cell selects among per fold, ascending; None for any other cell."""
    text = settings.get(KEY)
    if not text or not text.startswith(BEST_OF):
        return None
    return tuple(sorted(float(t) for t in text[len(BEST_OF):].split(",")))


def fixed_text(rates) -> str:
    return ",".join(repr(float(r)) for r in rates)


def swept_text(rates) -> str:
    return BEST_OF + fixed_text(sorted(rates))


def choose(scores: np.ndarray) -> np.ndarray:
    """scores (R, n, F): fold-f validation loss of rate r (ascending) and seed i -> (F,) the index
    of each fold's rate: lowest mean over seeds, non-finite as +inf, the smaller rate on a tie.
    Column f alone decides fold f's choice."""
    s = np.where(np.isfinite(scores), scores, np.inf)
    return np.argmin(s.mean(axis=1), axis=0)  # argmin returns the first of equal minima


def compose(pred: np.ndarray, starts: np.ndarray, pick: np.ndarray, n: int) -> np.ndarray:
    """pred (R·n, S, ...): the stack's forecasts, rate r's seeds in rows r·n .. r·n + n - 1;
    starts (F,): each fold's first test position; pick (F,): each fold's rate index -> (n, S, ...)
    with fold f's test days taken from rate pick[f]."""
    ends = list(starts[1:]) + [pred.shape[1]]
    return np.concatenate([pred[p * n:(p + 1) * n, a:b] for p, a, b in zip(pick, starts, ends)], axis=1)
