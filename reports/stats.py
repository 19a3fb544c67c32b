"""Tests on known formulas: Wilson's interval, Diebold–Mariano with a HAC variance, the sign-flip
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


# ---------------------------------------------------------------- Diebold–Mariano

RHO_LIMIT = 0.97  # |AR(1) coefficient| cap, for the prewhitening and the bandwidth rule (Andrews & Monahan)


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


def ar1_coefficient(d: np.ndarray) -> float:
    """Least-squares slope of dc_t on dc_{t-1} (dc: d centred), capped at ±RHO_LIMIT; 0 when undefined or
    not finite (non-finite losses: no autocorrelation to correct for)."""
    dc = np.asarray(d, dtype=np.float64) - np.mean(d)
    den = float(dc[:-1] @ dc[:-1])
    rho = float(dc[1:] @ dc[:-1] / den) if den != 0 else 0.0
    return float(np.clip(rho, -RHO_LIMIT, RHO_LIMIT)) if math.isfinite(rho) else 0.0


def andrews_lags(d: np.ndarray) -> int:
    """Andrews' (1991) AR(1) plug-in bandwidth for the Bartlett kernel, as a lag count:
    ⌊1.1447 (α S)^(1/3)⌋ with α = 4ρ² / ((1-ρ)² (1+ρ)²), ρ = `ar1_coefficient(d)`; at most S - 1."""
    S, rho = len(d), ar1_coefficient(d)
    alpha = 4 * rho ** 2 / ((1 - rho) ** 2 * (1 + rho) ** 2)
    return int(min(math.floor(1.1447 * (alpha * S) ** (1 / 3)), max(S - 1, 0)))


@dataclass(frozen=True)
class DMResult:
    """A Diebold–Mariano test: HLN-corrected statistic (negative: forecast a more accurate), its
    two-sided p-value (Student t, S - 1 df), the Bartlett lags used and the prewhitening AR(1) coefficient."""

    stat: float
    p: float
    lags: int = 0
    rho: float = 0.0


def dm_test(loss_a: np.ndarray, loss_b: np.ndarray, horizon: int = 1, lags: int | None = None,
            prewhiten: bool = True) -> DMResult:
    """Diebold–Mariano test of equal predictive accuracy from the pointwise losses (S,) of two forecasts.

    The long-run variance of the loss differential d is a Newey–West (Bartlett) estimate, by default
    AR(1)-prewhitened (Andrews & Monahan 1992: the residuals e_t = dc_t - ρ dc_{t-1} get the Bartlett
    estimate, recoloured by 1 / (1 - ρ)²) with Andrews' bandwidth on the residuals, and at least
    horizon - 1 lags. `lags` fixes the bandwidth; prewhiten=False uses d itself. The statistic
    is scaled by the Harvey–Leybourne–Newbold small-sample factor and compared with t_{S-1}.
    """
    d = np.asarray(loss_a, dtype=np.float64) - np.asarray(loss_b, dtype=np.float64)
    S = len(d)
    if S < 3:
        return DMResult(float("nan"), float("nan"))
    mean = float(d.mean())
    dc = d - mean
    rho = ar1_coefficient(d) if prewhiten else 0.0
    e = dc[1:] - rho * dc[:-1] if prewhiten else dc
    L = max(horizon - 1, andrews_lags(e) if lags is None else lags)
    var = newey_west_variance(e, L) / (1 - rho) ** 2 / S
    if not var > 0:  # a constant differential: no variance to scale by
        stat = 0.0 if mean == 0 else math.copysign(math.inf, mean)
        return DMResult(stat, 1.0 if mean == 0 else 0.0, L, rho)
    hln = math.sqrt((S + 1 - 2 * horizon + horizon * (horizon - 1) / S) / S)
    stat = mean / math.sqrt(var) * hln
    return DMResult(stat, float(2 * special.stdtr(S - 1, -abs(stat))), L, rho)  # t_{S-1} tails


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
    """Two-sided paired sign-flip (permutation) test of the mean of a - b over seeds: (p, note).

    Under the null the sign of each seed's difference is a fair coin, so p is the share of the 2^n
    sign patterns whose |Σ ±d_i| is at least the observed |Σ d_i|: exact, ties and zero
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
