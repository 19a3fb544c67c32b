"""What a training loop is told, as frozen objects checked when they are made.

A cell's settings are parsed into these once, when the cell is planned (bench.run.config), so a
bad value is refused before anything trains; the loops read them by attribute. No torch here:
planning a run imports this module.
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TrainSettings:
    epochs: int  # the cap
    lr: float | tuple[float, ...]  # one rate, or one per member (a learning-rate sweep, bench/store/rates.py)
    batch_size: int
    optimizer: str = "adam"
    shuffle: bool = True
    patience: int | None = None  # early stopping on validation loss; None trains all epochs
    # patience counts epochs without a gain of more than min_delta × the first epoch's score (a
    # loss that falls for ever by ever smaller steps, as on noise-free sequences, still stops)
    min_delta: float = 0.0
    target: float | None = None  # a member also stops once its score is <= target (e.g. no string wrong)
    clip: float | None = None  # max gradient norm per member
    classification: bool = False

    def __post_init__(self):
        _at_least("epochs", self.epochs, 1)
        _at_least("batch_size", self.batch_size, 1)
        for lr in self.lr if isinstance(self.lr, tuple) else (self.lr,):
            if not (isinstance(lr, (int, float)) and math.isfinite(lr) and lr >= 0):
                raise ValueError(f"lr must be a finite number >= 0, got {lr!r}")
        if self.patience is not None:
            _at_least("patience", self.patience, 0)
        if self.clip is not None and not self.clip > 0:
            raise ValueError(f"clip must be positive or None, got {self.clip!r}")
        if not self.min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {self.min_delta!r}")


@dataclass(frozen=True)
class Stateful:
    """The stateful regime (bench.train.stateful), as word_language_model's --bptt: the training part
    read as B contiguous streams in chunks of L steps. Only stateful models' cells carry these (and
    hash them into their key); the defaults were chosen by measurement (docs/assignment2.md)."""

    bptt: int = 16  # L: steps per chunk; gradients flow back L steps at most
    streams: int = 8  # B: contiguous streams; a step reads B·L targets

    def __post_init__(self):
        _at_least("bptt", self.bptt, 1)
        _at_least("streams", self.streams, 1)


def _at_least(name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
