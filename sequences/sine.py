"""Noisy sine wave, the lecture's first experiment."""
from __future__ import annotations

import numpy as np

from sequences.series import SequenceError, Series


def noisy_sine(n_points: int, start: float, stop: float, noise_std: float,
               rng: np.random.Generator) -> Series:
    """sin(x) + N(0, noise_std²) on n_points evenly spaced x in [start, stop] (both included).

    The lecture uses np.linspace(-2π, 2π) (50 points) and noise_std 0.3, i.e. noise variance 0.09.
    """
    if n_points < 2:
        raise SequenceError(f"sine needs at least 2 points, got {n_points}")
    if not stop > start:
        raise SequenceError(f"sine needs stop > start, got [{start}, {stop}]")
    if noise_std < 0:
        raise SequenceError(f"sine noise std must be >= 0, got {noise_std}")
    x = np.linspace(start, stop, n_points)
    clean = np.sin(x)
    noisy = clean + rng.normal(0.0, noise_std, n_points)
    return Series(values=noisy.astype(np.float32), source="sine", kind="real", units="",
                  clean=clean.astype(np.float32), index=x,
                  meta={"noise_var": float(noise_std) ** 2})
