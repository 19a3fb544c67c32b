"""Tests on known formulas: Wilson's interval, Diebold–Mariano and Clark–West with a long-run variance, the sign-flip
test over seeds and Holm's correction. Every function is a pure function of numpy arrays; the
intervals over seeds live in ``reports.intervals``."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special  # (scipy.stats costs a second to import; the quantiles are special functions)


def wilson_interval(successes: float, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    if n <= 0:
        return (float("nan"), float("nan"))
    z = special.ndtri(0.5 + level / 2)
    p = successes / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (mid - half, mid + half)


# ---------------------------------------------------------------- Diebold–Mariano and Clark–West

RHO_LIMIT = 0.97  # |AR(1) coefficient| cap for the prewhitening (Andrews & Monahan)
EWC_DF = 8  # cosine terms of the long-run variance = the t statistic's degrees of freedom (docs/statistics.md)


def binomial_range(n: int, p: float, level: float = 0.95) -> tuple[int, int]:
    """The central range of a Binomial(n, p) count: its (1 - level) / 2 and (1 + level) / 2 quantiles,
    each the smallest count whose distribution function reaches it (scipy.stats.binom.interval)."""
    cdf = special.bdtr(np.arange(n + 1), n, p)
    lo, hi = np.searchsorted(cdf, [(1 - level) / 2, (1 + level) / 2])
    return int(lo), int(min(hi, n))


def newey_west_variance(d: np.ndarray, lags: int) -> float:
    """Bartlett-kernel (Newey–West) long-run variance of a series d (S,):
    γ0 + 2 Σ_{k=1..L} (1 - k/(L+1)) γk, with γk = Σ_t dc_t dc_{t-k} / S and dc = d - mean(d).
    The Bartlett weights make it a variance of a weighted sum, so it is never negative."""
    dc = np.asarray(d, dtype=np.float64) - np.mean(d)
    S = len(dc)
    v = float(dc @ dc) / S
    for k in range(1, min(lags, S - 1) + 1):
        v += 2 * (1 - k / (lags + 1)) * float(dc[k:] @ dc[:-k]) / S
    return v


def cosine_variance(e: np.ndarray, terms: int = EWC_DF) -> float:
    """Equal-weighted cosine (EWC) long-run variance of a series e (S,): the mean of the squares of its
    first `terms` cosine transforms Λ_j = √(2/S) Σ_t cos(π j (t + ½) / S) e_t (Müller 2007; Lazarus,
    Lewis, Stock & Watson 2018). Each Λ_j is orthogonal to a constant, so e need not be centred; a
    t statistic scaled by it is Student t with `terms` degrees of freedom under fixed-smoothing asymptotics."""
    e = np.asarray(e, dtype=np.float64)
    S = len(e)
    j = np.arange(1, terms + 1)[:, None]  # (terms, 1)
    lam = math.sqrt(2 / S) * np.cos(np.pi * j * (np.arange(S) + 0.5) / S) @ e  # (terms,)
    return float(np.mean(lam ** 2))


def ar1_coefficient(d: np.ndarray) -> float:
    """Least-squares slope of dc_t on dc_{t-1} (dc: d centred), capped at ±RHO_LIMIT; 0 when undefined or
    not finite (non-finite losses: no autocorrelation to correct for)."""
    dc = np.asarray(d, dtype=np.float64) - np.mean(d)
    den = float(dc[:-1] @ dc[:-1])
    rho = float(dc[1:] @ dc[:-1] / den) if den != 0 else 0.0
    return float(np.clip(rho, -RHO_LIMIT, RHO_LIMIT)) if math.isfinite(rho) else 0.0


@dataclass(frozen=True)
class DMResult:
    """A test of equal predictive accuracy: statistic (negative: forecast a more accurate), its p-value
    (two-sided for DM, one-sided for Clark–West), the Bartlett lags (0: the cosine variance), the
    prewhitening AR(1) coefficient and the Student-t degrees of freedom of the p-value."""

    stat: float
    p: float
    lags: int = 0
    rho: float = 0.0
    df: int = 0


def _mean_test(d: np.ndarray, lags: int | None, prewhiten: bool, horizon: int = 1) -> DMResult:
    """t statistic of mean(d) = 0 with a long-run variance, and its two-sided p.

    Default (lags None): d is AR(1)-prewhitened with a bias-corrected coefficient (ρ̂ + (1 + 3ρ̂)/S,
    Kendall), the residuals (the first point kept, Prais–Winsten) get the cosine variance,
    recoloured by 1 / (1 - ρ)², and p comes from t_{EWC_DF}: the fixed-smoothing test whose size scripts/dm_size.py measures. lags given: a
    Newey–West variance with that many lags (at least horizon - 1), the Harvey–Leybourne–Newbold
    factor and t_{S-1} (the classic DM, kept for comparison: it over-rejects under strong
    autocorrelation)."""
    S = len(d)
    if S < 3:
        return DMResult(float("nan"), float("nan"))
    mean = float(d.mean())
    dc = d - mean
    rho = 0.0
    if prewhiten:
        rho = ar1_coefficient(d)
        if lags is None:
            rho = float(np.clip(rho + (1 + 3 * rho) / S, -RHO_LIMIT, RHO_LIMIT))
    e = dc[1:] - rho * dc[:-1] if prewhiten else dc
    if lags is None:
        if prewhiten:  # Prais–Winsten keeps the first point, which a lone outlier there would otherwise leave out
            e = np.concatenate([[math.sqrt(1 - rho ** 2) * dc[0]], e])
        L, df, scale = 0, EWC_DF, 1.0
        var = cosine_variance(e) / (1 - rho) ** 2 / S
    else:
        L, df = max(horizon - 1, lags), S - 1
        var = newey_west_variance(e, L) / (1 - rho) ** 2 / S
        scale = math.sqrt((S + 1 - 2 * horizon + horizon * (horizon - 1) / S) / S)
    if not var > 0:  # a constant differential: no variance to scale by
        stat = 0.0 if mean == 0 else math.copysign(math.inf, mean)
        return DMResult(stat, 1.0 if mean == 0 else 0.0, L, rho, df)
    stat = mean / math.sqrt(var) * scale
    return DMResult(stat, float(2 * special.stdtr(df, -abs(stat))), L, rho, df)


def dm_test(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1, lags: int | None = None,
            prewhiten: bool = True) -> DMResult:
    """Diebold–Mariano test of equal predictive accuracy from the pointwise losses (S,) of two forecasts:
    the two-sided test of mean(loss_a - loss_b) = 0 of `_mean_test` (by default prewhitened, cosine
    variance, t_{EWC_DF}; `lags` fixes a Newey–West bandwidth instead)."""
    d = np.asarray(loss_a, dtype=np.float64) - np.asarray(loss_b, dtype=np.float64)
    return _mean_test(d, lags, prewhiten, horizon)


def clark_west(y: np.ndarray, small: np.ndarray, large: np.ndarray) -> DMResult:
    """Clark & West (2007) test of a large model against a small one nested in it (e.g. persistence):
    the adjusted differential (y - small)² - [(y - large)² - (small - large)²] (S,), or its mean over
    the large model's seeds when large is (K, S), tested one-sided (mean > 0: the large model adds
    information) with `_mean_test`'s variance. stat is signed like DM's (negative: large more accurate);
    p is one-sided. Under the null the large model's extra parameters only add noise, which DM counts
    against it (DM is undersized for nested models, Clark & McCracken 2001): the adjustment removes that."""
    y, f1 = np.asarray(y, dtype=np.float64), np.asarray(small, dtype=np.float64)
    f2 = np.atleast_2d(np.asarray(large, dtype=np.float64))
    with np.errstate(invalid="ignore", over="ignore"):  # a diverged member's forecasts are inf/NaN by nature
        adj = ((y - f1) ** 2 - ((y - f2) ** 2 - (f1 - f2) ** 2)).mean(0)  # (S,)
    r = _mean_test(adj, None, True)
    if math.isnan(r.stat):
        return r
    return DMResult(-r.stat, float(special.stdtr(r.df, -r.stat)), r.lags, r.rho, r.df)


def diebold_mariano(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1) -> tuple[float, float]:
    """(statistic, two-sided p) of `dm_test` with its defaults."""
    r = dm_test(loss_a, loss_b, horizon)
    return (r.stat, r.p)


def dm_over_seeds(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1) -> DMResult:
    """Diebold–Mariano test of two models from their pointwise test losses (K_a, S) and (K_b, S).

    The losses are first averaged over each model's seeds, point by point, then one DM test runs
    on the S differences. Why average rather than test each seed and combine: every seed is scored
    on the same test points, so per-seed tests are strongly dependent and the usual p-value
    combinations (Fisher, Stouffer) assume independence; averaging asks the question the table
    asks (is this model, over its seeds, more accurate than the reference on these test points?)
    and removes initialisation noise from the differential. Seed-to-seed variation is the
    sign-flip test's job.
    """
    a = np.atleast_2d(np.asarray(loss_a, dtype=np.float64)).mean(0)
    b = np.atleast_2d(np.asarray(loss_b, dtype=np.float64)).mean(0)
    if a.shape != b.shape:
        return DMResult(float("nan"), float("nan"))
    return dm_test(a, b, horizon)


# ---------------------------------------------------------------- paired test over seeds and corrections

EXACT_MAX_N = 20  # up to this many pairs every sign pattern is enumerated (2^20, in two halves)
FLIP_DRAWS = 20_000  # random sign patterns above it
FLIP_SEED = 20240608


def _signed_sums(d: np.ndarray) -> np.ndarray:
    """All 2^k sums Σ ±d_i of d (k,), as (2^k,)."""
    k = len(d)
    signs = ((np.arange(2 ** k)[:, None] >> np.arange(k)) & 1) * 2.0 - 1.0  # (2^k, k)
    return signs @ d


def sign_flip_test(a: np.ndarray, b: np.ndarray) -> tuple[float, str]:
    """Two-sided paired sign-flip (permutation) test over seeds of the differences a - b: (p, note).

    Its null is symmetry of the differences about 0, not a zero mean: the sign of each seed's
    difference is a fair coin. Against a deterministic reference a skewed spread of seeds (a bad
    seed now and then, lognormal scores) rejects more often than the level with a zero mean
    difference (scripts/sign_flip_size.py; docs/statistics.md), so a "better" verdict also needs
    DM. p is the share of the 2^n sign patterns whose |Σ ±d_i| is at least the observed |Σ d_i|: exact, ties and zero
    differences included (a zero flips to itself). n <= EXACT_MAX_N: every pattern (the sums of
    the two halves are combined by sorting); above: FLIP_DRAWS random patterns from a fixed seed,
    p = (1 + hits) / (1 + draws). The smallest possible p is 2 / 2^n (`min_sign_flip_p`).
    Returns p = 1 with note 'identical' when every difference is zero, NaN with a note for < 2 pairs.
    """
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    d = d[~np.isnan(d)]
    n = len(d)
    if n < 2:
        return float("nan"), f"{n} pair{'s' * (n != 1)}"
    if not d.any():
        return 1.0, "identical"
    threshold = abs(float(d.sum())) - 1e-9 * float(np.abs(d).sum())  # equal sums count as extreme
    if threshold <= 0:
        return 1.0, ""
    if n <= EXACT_MAX_N:
        left, right = _signed_sums(d[: n // 2]), np.sort(_signed_sums(d[n // 2:]))
        upper = len(right) - np.searchsorted(right, threshold - left, side="left")  # l + r >= threshold
        lower = np.searchsorted(right, -threshold - left, side="right")  # l + r <= -threshold
        return float((upper.sum() + lower.sum()) / 2.0 ** n), ""
    rng = np.random.default_rng(FLIP_SEED)
    hits, rows = 0, max(1, 2_000_000 // n)
    for start in range(0, FLIP_DRAWS, rows):
        signs = rng.integers(0, 2, size=(min(rows, FLIP_DRAWS - start), n)) * 2.0 - 1.0
        hits += int((np.abs(signs @ d) >= threshold).sum())
    return (1 + hits) / (1 + FLIP_DRAWS), ""


def min_sign_flip_p(n: int) -> float:
    """Smallest two-sided p of the sign-flip test with n non-zero pairs: 2 / 2^n (1 / (1 + draws) above
    EXACT_MAX_N)."""
    if n <= 0:
        return 1.0
    return min(1.0, 2.0 / 2 ** n) if n <= EXACT_MAX_N else 1 / (1 + FLIP_DRAWS)


def min_holm_p(n: int, m: int) -> float:
    """Smallest Holm-adjusted p any of m comparisons can reach with n pairs each: m times the smallest p."""
    return min(1.0, m * min_sign_flip_p(n))


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
