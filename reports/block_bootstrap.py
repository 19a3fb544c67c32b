"""The circular block bootstrap for daily series whose days are not independent (volatility
clusters): resampling whole blocks of consecutive days keeps the dependence inside each block.
Pure functions of numpy arrays.
"""
from __future__ import annotations

import numpy as np

BOOT_SEED = 20260101  # fixed: the same stored forecasts always give the same interval


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
