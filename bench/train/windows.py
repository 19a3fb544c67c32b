"""Series -> windows without copies, and chronological splits with a one-window gap.

A WindowSet never materialises (S, T, F): it keeps the base sequences (M, L, F) and, per
sample, which sequence and where the window starts. Gathering a batch of indices idx of any
shape (..., ) gives inputs (..., T, F) and targets (..., out) on whatever device the base is.

    base[m]: x0 x1 x2 x3 x4 x5 x6 x7 ...        window T = 3
    sample (m, start=2): inputs x2 x3 x4  -> target x5
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # imported where windows are built: a plan's size checks need no torch
    import torch


@dataclass
class WindowSet:
    base: torch.Tensor  # (M, L, F) float32, shared between splits
    seq: torch.Tensor  # (S,) long: which base sequence
    start: torch.Tensor  # (S,) long: first time step of the window
    targets: torch.Tensor  # (S, out) float32, or (S,) long class labels
    window: int

    def __len__(self) -> int:
        return int(self.seq.shape[0])

    def inputs(self, idx: torch.Tensor | None = None) -> torch.Tensor:
        """Windows for sample indices idx (...,) -> (..., T, F); all samples when idx is None."""
        import torch
        seq, start = (self.seq, self.start) if idx is None else (self.seq[idx], self.start[idx])
        steps = torch.arange(self.window, device=self.base.device)
        return self.base[seq.unsqueeze(-1), start.unsqueeze(-1) + steps]

    def to(self, device: torch.device) -> "WindowSet":
        return WindowSet(self.base.to(device), self.seq.to(device), self.start.to(device),
                         self.targets.to(device), self.window)

    def subset(self, idx: np.ndarray | torch.Tensor) -> "WindowSet":
        import torch
        idx = torch.as_tensor(idx, dtype=torch.long, device=self.seq.device)
        return WindowSet(self.base, self.seq[idx], self.start[idx], self.targets[idx], self.window)


def series_windows(values: np.ndarray, window: int, targets: np.ndarray | None = None) -> WindowSet:
    """All windows of one series values (N,) or (N, F): sample i reads i..i+T-1, target i+T.

    targets (N, out) or (N,) defaults to the values themselves (next-value prediction).
    """
    import torch
    v = np.asarray(values, dtype=np.float32)
    v = v[:, None] if v.ndim == 1 else v
    n = len(v)
    if window < 1 or n <= window:
        raise ValueError(f"a window of {window} needs a series longer than {window}, got {n} values")
    t = v if targets is None else np.asarray(targets)
    t = t[:, None] if (t.ndim == 1 and t.dtype.kind == "f") else t
    start = torch.arange(n - window)
    tgt = torch.from_numpy(np.ascontiguousarray(t[window:]))
    return WindowSet(torch.from_numpy(v).unsqueeze(0), torch.zeros_like(start), start, tgt, window)


@dataclass(frozen=True)
class SplitPoints:
    """Series positions: train targets < a, validation windows in [a, b), test windows from b."""

    a: int
    b: int


def split_points(n: int, train: float, val: float) -> SplitPoints:
    """Boundaries on a series of n values for train/validation fractions (test is the rest)."""
    if not (0 < train <= 1 and 0 <= val < 1 and train + val <= 1):
        raise ValueError(f"split fractions must satisfy 0 < train, 0 <= val, train + val <= 1; got {train}, {val}")
    a = int(n * train)
    return SplitPoints(a, int(n * (train + val)))


def chronological_split(ws: WindowSet, points: SplitPoints) -> tuple[WindowSet, WindowSet, WindowSet]:
    """Train: windows whose target lies before a. Validation: windows that start at or after a and
    whose target lies before b. Test: windows that start at or after b.

    So a window of T values is lost at each boundary, and no validation or test target is ever an
    input or a target of training (nor a test target of validation).
    """
    import torch
    start = ws.start
    end = start + ws.window  # target position
    train = torch.nonzero(end < points.a).flatten()
    val = torch.nonzero((start >= points.a) & (end < points.b)).flatten()
    test = torch.nonzero(start >= points.b).flatten()
    return ws.subset(train), ws.subset(val), ws.subset(test)


def split_window_counts(n: int, window: int, points: SplitPoints) -> tuple[int, int, int]:
    """How many train, validation and test windows chronological_split gives on n values, without
    building them (the same rules), so a plan can be checked before anything is trained."""
    windows = max(0, n - window)  # starts 0 .. n - window - 1
    train = max(0, min(windows, points.a - window))  # start + window < a
    val = max(0, min(points.b - window, windows) - points.a)  # a <= start, start + window < b
    test = max(0, windows - points.b)  # start >= b
    return train, val, test


def check_split_sizes(n: int, window: int, train: float, val: float) -> None:
    """ValueError naming the sizes when a window leaves no training or no test window of n values
    (train >= 1 means the in-sample protocol: every window trains and tests)."""
    if train >= 1.0:
        if n - window >= 1:
            return
        raise ValueError(f"window {window} needs more than {window} values, the series has {n} "
                         f"(the largest window that works is {n - 1})")
    p = split_points(n, train, val)
    tr, _, te = split_window_counts(n, window, p)
    if tr >= 1 and te >= 1:
        return
    largest = min(p.a - 1, n - p.b - 1)
    hint = f"the largest window that works is {largest}" if largest >= 1 else "no window fits"
    raise ValueError(f"window {window} leaves {tr} training and {te} test windows in {n} values "
                     f"(train {train:.0%}, validation {val:.0%}); {hint}")
def sequence_windows(base: np.ndarray | torch.Tensor, window: int) -> WindowSet:
    """Every window of M equal-length sequences base (M, L, F), e.g. images as rows of pixels:
    sample (m, j) reads base[m, j:j+T] and predicts base[m, j+T], for j = 0 .. L-T-1.

    Samples are ordered image-major (s = m·(L-T) + j). The base is shared, not copied; only the
    targets (S, F) = base[:, T:] are gathered, T times smaller than the (S, T, F) windows would be.
    """
    import torch
    b = torch.as_tensor(base)
    if b.dim() != 3:
        raise ValueError(f"sequence_windows needs a base (M, L, F), got shape {tuple(b.shape)}")
    M, L, F = b.shape
    if window < 1 or L <= window:
        raise ValueError(f"a window of {window} needs sequences longer than {window}, got length {L}")
    per = L - window
    seq = torch.arange(M, device=b.device).repeat_interleave(per)
    start = torch.arange(per, device=b.device).repeat(M)
    return WindowSet(b, seq, start, b[:, window:].reshape(M * per, F), window)
