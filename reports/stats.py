"""Statistics on known formulas; every function is a pure function of numpy arrays."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

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


# ---------------------------------------------------------------- intervals over seeds

LEVEL = 0.95
SKEW_LIMIT = 1.0  # |g1| above this (with at least BOOT_MIN_N values) -> bootstrap interval
BOOT_MIN_N = 5
BOOT_RESAMPLES = 4000
BOOT_SEED = 20240607  # fixed: the same store always gives the same report


@dataclass(frozen=True)
class Interval:
    """A mean over n values with a 95 % interval [lo, hi]; method 't', 'bootstrap', 'exact', 'none'
    or 'non-finite'.

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


def skewness(x: np.ndarray) -> float:
    """Sample skewness g1 = m3 / m2^1.5 (the moment estimator, no small-sample adjustment)."""
    x = np.asarray(x, dtype=np.float64)
    d = x - x.mean()
    m2 = float(np.mean(d * d))
    return 0.0 if m2 == 0 else float(np.mean(d ** 3) / m2 ** 1.5)


@lru_cache(maxsize=None)
def _t_quantile(q: float, df: int) -> float:
    return float(stats.t.ppf(q, df))


def t_interval(x: np.ndarray, level: float = LEVEL) -> Interval:
    """Student-t interval for the mean: mean ± t_{n-1} · s / √n."""
    x = np.asarray(x, dtype=np.float64)
    n, mean = len(x), float(np.mean(x)) if len(x) else float("nan")
    if n < 2:
        return Interval(mean, float("nan"), float("nan"), n, "none")
    half = float(_t_quantile(0.5 + level / 2, n - 1) * np.std(x, ddof=1) / math.sqrt(n))
    return Interval(mean, mean - half, mean + half, n, "t")


def bootstrap_interval(x: np.ndarray, level: float = LEVEL, resamples: int = BOOT_RESAMPLES,
                       rng: np.random.Generator | None = None) -> Interval:
    """Percentile bootstrap interval for the mean (resampling the values with replacement)."""
    x = np.asarray(x, dtype=np.float64)
    rng = rng if rng is not None else np.random.default_rng(BOOT_SEED)
    means = x[rng.integers(0, len(x), size=(resamples, len(x)))].mean(1)  # (resamples,)
    lo, hi = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return Interval(float(x.mean()), float(lo), float(hi), len(x), "bootstrap")


def seed_interval(x: np.ndarray, level: float = LEVEL) -> Interval:
    """The interval a table shows for values over seeds.

    Rule: identical values -> 'exact'; n >= BOOT_MIN_N and |skewness| > SKEW_LIMIT -> percentile
    bootstrap (a t-interval assumes a roughly symmetric sampling distribution, which one bad seed
    breaks); otherwise the t-interval. NaN values are dropped first; an infinite value (a
    diverged seed) makes the mean infinite and the bounds NaN, without numpy's warnings.
    """
    x = np.asarray(x, dtype=np.float64)
    x = x[~np.isnan(x)]
    if not np.isfinite(x).all():
        with np.errstate(invalid="ignore"):
            return Interval(float(x.mean()), float("nan"), float("nan"), len(x), "non-finite")
    if len(x) >= 1 and np.ptp(x) <= 1e-12 * max(abs(float(x[0])), 1e-300):
        m = float(x.mean())
        return Interval(m, m, m, len(x), "exact")
    if len(x) >= BOOT_MIN_N and abs(skewness(x)) > SKEW_LIMIT:
        return bootstrap_interval(x, level)
    return t_interval(x, level)


# ---------------------------------------------------------------- paired tests and corrections

def wilcoxon_paired(a: np.ndarray, b: np.ndarray) -> tuple[float, str]:
    """Two-sided Wilcoxon signed-rank test of a - b over paired seeds: (p, note).

    Zero differences are dropped (Wilcoxon's convention); the exact null distribution is used
    (scipy handles ties in it). With m non-zero differences the smallest possible two-sided p is
    2 / 2^m: 0.0625 for 5 seeds, so no 5-seed comparison can reach p < 0.05. Returns p = 1 with
    note 'identical' when every difference is zero, NaN with a note when fewer than 2 pairs.
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    d = d[~np.isnan(d)]
    if len(d) < 2:
        return float("nan"), f"{len(d)} pair{'s' * (len(d) != 1)}"
    nz = d[d != 0]
    if len(nz) == 0:
        return 1.0, "identical"
    if len(nz) == 1:
        return 1.0, "1 non-zero pair"
    p = stats.wilcoxon(nz, zero_method="wilcox", method="exact").pvalue
    return float(p), ""


def min_wilcoxon_p(n: int) -> float:
    """Smallest two-sided exact p-value of the signed-rank test with n non-zero pairs: 2 / 2^n."""
    return min(1.0, 2.0 / 2 ** n) if n > 0 else 1.0


def holm(pvalues: list[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (step-down; NaN entries are ignored and stay NaN)."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full_like(p, np.nan)
    idx = np.flatnonzero(~np.isnan(p))
    m = len(idx)
    running = 0.0
    for rank, i in enumerate(idx[np.argsort(p[idx], kind="stable")]):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out.tolist()


def dm_over_seeds(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1) -> tuple[float, float]:
    """Diebold–Mariano test of two models from their pointwise test losses (K_a, S) and (K_b, S).

    The losses are first averaged over each model's seeds, point by point, then one DM test runs
    on the S differences. Why average rather than test each seed and combine: every seed is scored
    on the same test points, so per-seed tests are strongly dependent and the usual p-value
    combinations (Fisher, Stouffer) assume independence; averaging asks the question the table
    asks (is this model, over its seeds, more accurate than the reference on these test points?)
    and removes initialisation noise from the differential. Seed-to-seed variation is the
    Wilcoxon test's job. Serial correlation beyond `horizon` - 1 lags is not modelled.
    """
    a = np.atleast_2d(np.asarray(loss_a, dtype=np.float64)).mean(0)
    b = np.atleast_2d(np.asarray(loss_b, dtype=np.float64)).mean(0)
    if a.shape != b.shape:
        return float("nan"), float("nan")
    return diebold_mariano(a, b, horizon)
