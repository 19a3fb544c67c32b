"""Inference on serially dependent daily series: a Newey–West (Bartlett) long-run variance, the
Diebold–Mariano test built on it, and circular block bootstrap indices.

Daily loss differences and strategy returns are not independent from day to day (volatility
clusters), so a variance that assumes independence understates the uncertainty of their mean.
Pure functions of numpy arrays.
"""
from __future__ import annotations

import math

import numpy as np

BOOT_SEED = 20260101  # fixed: the same stored forecasts always give the same interval


def newey_west_lags(n: int) -> int:
    """Newey and West's (1994) rule of thumb for the Bartlett window: floor(4 (n / 100)^(2/9))."""
    return int(math.floor(4 * (n / 100) ** (2 / 9))) if n > 0 else 0


def long_run_variance(x: np.ndarray, lags: int | None = None) -> float:
    """γ0 + 2 Σ_{k=1..L} (1 - k / (L + 1)) γk of x (n,), autocovariances with divisor n.

    The Bartlett weights keep it non-negative; L = 0 gives the plain variance (divisor n)."""
    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    L = newey_west_lags(n) if lags is None else min(int(lags), n - 1)
    d = x - x.mean()
    v = d @ d / n
    for k in range(1, L + 1):
        v += 2 * (1 - k / (L + 1)) * (d[k:] @ d[:-k]) / n
    return float(v)


def diebold_mariano_hac(loss_a: np.ndarray, loss_b: np.ndarray, lags: int | None = None) -> tuple[float, float]:
    """Diebold–Mariano test of equal accuracy from pointwise losses (S,): (statistic, two-sided p).

    The statistic is mean(d) / sqrt(LRV(d) / S) with d = loss_a - loss_b and the Newey–West
    long-run variance (lags: default newey_west_lags(S)) and the standard normal reference (its
    asymptotic law; no scipy needed). Negative statistics favour forecast a."""
    d = np.asarray(loss_a, dtype=np.float64) - np.asarray(loss_b, dtype=np.float64)
    n = len(d)
    if n < 3 or not np.isfinite(d).all():
        return (math.nan, math.nan)
    mean, var = float(d.mean()), long_run_variance(d, lags) / n
    if var <= 0:
        return (0.0, 1.0) if mean == 0 else (math.copysign(math.inf, mean), 0.0)
    stat = mean / math.sqrt(var)
    return (stat, math.erfc(abs(stat) / math.sqrt(2)))


def block_length(n: int) -> int:
    """Block length of the circular block bootstrap: round(n^(1/3)), at least 1."""
    return max(1, round(n ** (1 / 3)))


def circular_block_starts(n: int, block: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, ceil(n / block)) uniform random block starts in [0, n) of Politis and Romano's
    circular block bootstrap: each resample is its blocks of `block` consecutive days (wrapping
    around the end, so every day is equally likely) laid end to end and cut at n days."""
    return rng.integers(0, n, size=(resamples, -(-n // block)))


def resample_sums(x: np.ndarray, starts: np.ndarray, block: int) -> np.ndarray:
    """The sum of every resample of x (..., n) drawn by starts (R, B): (..., R). Each block's sum
    is a difference of cumulative sums, so a resample costs B operations, not n."""
    x = np.asarray(x, dtype=np.float64)
    n = x.shape[-1]
    wrapped = np.take(x, np.arange(n + block), axis=-1, mode="wrap")  # (..., n + block)
    c = np.concatenate([np.zeros(x.shape[:-1] + (1,)), np.cumsum(wrapped, axis=-1)], axis=-1)
    lengths = np.full(starts.shape[1], block)
    lengths[-1] = n - block * (starts.shape[1] - 1)  # the last block is cut at n
    return (c[..., starts + lengths] - c[..., starts]).sum(-1)
