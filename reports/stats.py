"""Statistics on known formulas; every function is a pure function of numpy arrays."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats


def wilson_interval(successes: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n <= 0:
        return (float("nan"), float("nan"))
    z = stats.norm.ppf(0.5 + level / 2)
    p = successes / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (mid - half, mid + half)


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1) -> tuple[float, float]:
    """Diebold–Mariano test of equal predictive accuracy from pointwise losses (S,) of two forecasts.

    Returns (statistic, two-sided p-value) with the Harvey–Leybourne–Newbold small-sample
    correction and a Student t reference; negative statistics favour forecast a.
    """
    d = np.asarray(loss_a, dtype=np.float64) - np.asarray(loss_b, dtype=np.float64)
    n = len(d)
    if n < 3:
        return (float("nan"), float("nan"))
    mean = d.mean()
    dc = d - mean
    gamma = [dc @ dc / n] + [dc[k:] @ dc[:-k] / n for k in range(1, horizon)]
    var = (gamma[0] + 2 * sum(gamma[1:])) / n
    if var <= 0:
        return (0.0, 1.0) if mean == 0 else (math.copysign(math.inf, mean), 0.0)
    dm = mean / math.sqrt(var)
    hln = math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    stat = dm * hln
    return (float(stat), float(2 * stats.t.sf(abs(stat), df=n - 1)))
