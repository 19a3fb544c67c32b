"""Independent uniform draws: the sequences with nothing to learn (assignment 2, part 1)."""
from __future__ import annotations

import numpy as np

from sequences.series import SequenceError, Series


def _length(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SequenceError(f"uniform: length must be a positive integer, got {n!r}")
    return int(n)


def uniform_reals(n: int, rng: np.random.Generator) -> Series:
    """n i.i.d. U[0, 1) values: the best forecast is the mean 1/2, with MSE = variance = 1/12."""
    v = rng.random(_length(n))
    return Series(values=v.astype(np.float32), source="i.i.d. U[0, 1)", kind="real",
                  meta={"variance": 1.0 / 12.0})


def uniform_digits(n: int, rng: np.random.Generator) -> Series:
    """n i.i.d. uniform digits 0..9: accuracy 1/10 and cross-entropy ln 10 at best."""
    return Series(values=rng.integers(0, 10, _length(n)), source="i.i.d. uniform digits", kind="digits",
                  n_classes=10)
