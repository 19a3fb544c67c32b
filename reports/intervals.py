"""The interval a table shows for a mean over a few seeds: Student t.

A cell is the mean over n = 3..20 seeds. The t-interval covers close to its 95 % when the seed
values are roughly normal. When they are skewed (one bad seed, a long tail) no interval from so
few values covers 95 %, and the usual remedies do worse or behave badly here: a percentile
bootstrap is narrower than t and covers less; a bootstrap-t covers more but its bounds run away
when the good seeds nearly agree (its resampled standard error nears 0), the common case of one
diverging seed. ``scripts/interval_coverage.py`` simulates all three; ``tests/test_intervals.py``
checks the t-interval's coverage.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import special

LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A mean over n values with a 95 % interval [lo, hi]; method 't', 'exact', 'none' or 'non-finite'.

    'exact': every value is the same (a deterministic baseline), so there is nothing to estimate;
    'none': fewer than two values; 'non-finite': a value is infinite (a diverged seed), no interval.
    """

    mean: float
    lo: float
    hi: float
    n: int
    method: str

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2


@lru_cache(maxsize=None)
def t_quantile(q: float, df: float) -> float:
    """The q quantile of Student t with df degrees of freedom (df need not be whole: Welch)."""
    return float(special.stdtrit(df, q))


def t_bounds(x: np.ndarray, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (R, n), n >= 2 -> mean, lo, hi (R,): mean ± t_{n-1} · s / √n, for a batch of samples."""
    n = x.shape[-1]
    mean = x.mean(-1)
    half = t_quantile(0.5 + level / 2, n - 1) * x.std(-1, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half


def t_interval(x: np.ndarray, level: float = LEVEL, log: bool = False) -> Interval:
    """Student-t interval of the mean of the finite values: mean ± t_{n-1} · s / √n.

    log=True: the geometric mean and the interval of the mean log, mapped back (for positive
    ratios, where 1.2 and 1/1.2 are the same distance from 1); values <= 0 are left out.
    """
    x = np.asarray(x, dtype=np.float64).ravel()
    x = x[np.isfinite(x) & (x > 0)] if log else x[np.isfinite(x)]
    v = np.log(x) if log else x
    back = np.exp if log else (lambda y: y)
    mean = float(back(v.mean())) if len(v) else float("nan")
    if len(v) < 2:
        return Interval(mean, float("nan"), float("nan"), len(v), "none")
    _, lo, hi = t_bounds(v[None], level)
    return Interval(mean, float(back(lo[0])), float(back(hi[0])), len(v), "t")


def seed_interval(x: np.ndarray, level: float = LEVEL) -> Interval:
    """The interval a table shows for values over seeds.

    NaN values are dropped first; an infinite value (a diverged seed) makes the mean infinite and
    the bounds NaN, without numpy's warnings; identical values -> 'exact'; otherwise `t_interval`.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[~np.isnan(x)]
    if not np.isfinite(x).all():
        with np.errstate(invalid="ignore"):
            return Interval(float(x.mean()), float("nan"), float("nan"), len(x), "non-finite")
    if len(x) >= 1 and np.ptp(x) <= 1e-12 * max(abs(float(x[0])), 1e-300):
        m = float(x.mean())
        return Interval(m, m, m, len(x), "exact")
    return t_interval(x, level)
