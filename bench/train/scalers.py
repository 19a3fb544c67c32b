"""Scalers fitted on one part of a series (the training part, except in the seed profile)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCALERS = ("none", "standard", "minmax")


@dataclass(frozen=True)
class Scaler:
    kind: str
    shift: float
    scale: float

    @classmethod
    def fit(cls, kind: str, values: np.ndarray) -> "Scaler":
        """Fit on values (the part the scaler may see); constant data gets scale 1."""
        if kind not in SCALERS:
            raise ValueError(f"unknown scaler {kind!r}; choose from {', '.join(SCALERS)}")
        v = np.asarray(values, dtype=np.float64)
        if kind == "none":
            return cls(kind, 0.0, 1.0)
        if kind == "standard":
            shift, scale = float(v.mean()), float(v.std())
        else:
            shift, scale = float(v.min()), float(v.max() - v.min())
        return cls(kind, shift, scale if scale > 0 else 1.0)

    def transform(self, x):
        return (x - self.shift) / self.scale

    def inverse(self, x):
        return x * self.scale + self.shift
