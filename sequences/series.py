"""The value every generator and loader returns, and the one error they raise."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class SequenceError(ValueError):
    """Bad parameters or a malformed file; the message is one line naming the problem."""


@dataclass(frozen=True)
class Series:
    """A 1-D or 2-D sequence of values (N,) or (N, F) with its metadata.

    kind is "real" for real values and "digits" for class labels 0..n_classes-1.
    period is the exact period for periodic sequences, else None.
    clean holds the noise-free signal when the series is signal plus noise.
    """

    values: np.ndarray
    source: str
    kind: str = "real"
    units: str = ""
    period: int | None = None
    n_classes: int | None = None
    clean: np.ndarray | None = None
    index: np.ndarray | None = None  # e.g. x positions or dates, same length as values
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in ("real", "digits"):
            raise SequenceError(f"series kind must be 'real' or 'digits', got {self.kind!r}")
        if self.kind == "digits" and not self.n_classes:
            raise SequenceError("a digit series needs n_classes")
        if len(self.values) == 0:
            raise SequenceError(f"{self.source}: the series is empty")
