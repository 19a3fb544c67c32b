"""One walk-forward fold's windows for the stock task, in the target's representation, with any
feature columns beside the closes; every scaler fitted on the fold's training part, less the days
any fold tests (the closes' on the whole series under the lecture's protocol, the features' always
on those training days only).
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from bench.train.scalers import Scaler
from bench.train.walkforward import Fold, FoldPoints, window_starts
from bench.train.windows import WindowSet, series_windows


def relative_windows(rep: np.ndarray, idx: np.ndarray, scaler: Scaler, feats: np.ndarray | None) -> WindowSet:
    """Each window is relative to its own last close, so windows share no base sequence: the
    base is the (S, T, 1 + E) windows themselves (float32; small for daily prices), the scaled
    features (N, E) of the window's days beside the closes."""
    import torch
    r = scaler.transform(rep[idx]).astype(np.float32)  # (S, T+1)
    S, T = len(idx), rep.shape[1] - 1
    x = r[:, :T, None]
    if feats is not None:
        x = np.concatenate([x, feats[idx[:, None] + np.arange(T)].astype(np.float32)], axis=2)  # (S, T, 1 + E)
    return WindowSet(torch.from_numpy(np.ascontiguousarray(x)), torch.arange(S),
                     torch.zeros(S, dtype=torch.long), torch.from_numpy(np.ascontiguousarray(r[:, T:])), T)


def untested(p: FoldPoints) -> np.ndarray:
    """Positions before the fold's validation block that no fold tests: what its scalers may read."""
    keep = np.ones(p.a, dtype=bool)
    for b, e in p.held:
        keep[b:min(e, p.a)] = False
    return np.flatnonzero(keep)


def scale_features(feats: np.ndarray | None, days: int | np.ndarray) -> np.ndarray | None:
    """Each feature column (N, E) standardised by a scaler fitted on the training days only: those
    before `days` (an int), or the positions `days`."""
    if feats is None:
        return None
    idx = np.arange(days) if isinstance(days, (int, np.integer)) else days
    return np.stack([Scaler.fit("standard", col[idx]).transform(col) for col in feats.T], axis=1)


def fold_windows(prices: np.ndarray, rep: np.ndarray | None, p: FoldPoints, s: Mapping,
                 feats: np.ndarray | None = None) -> Fold:
    """One fold's windows in the target's representation, scaled by a scaler fitted on its
    training part (the whole series under the lecture's protocol); feature columns (N, E) beside
    the closes, each scaled on the training days only."""
    T, fit_all = s["window"], s["scaler_fit"] == "all"
    starts = window_starts(len(prices), T, p)  # train, validation, test
    seen = untested(p)  # the training days no fold tests
    feats = scale_features(feats, seen)
    if rep is None:  # level, the lecture's windows: strided views over one scaled series
        scaler = Scaler.fit(s["scaler"], prices if fit_all else prices[seen])
        scaled = scaler.transform(prices)
        ws = series_windows(scaled, T) if feats is None else \
            series_windows(np.column_stack([scaled, feats]), T, scaled[:, None].astype(np.float32))
        train, val, test = (ws.subset(i) for i in starts)
    else:
        scaler = Scaler.fit(s["scaler"], rep if fit_all else rep[starts[0]])
        train, val, test = (relative_windows(rep, i, scaler, feats) for i in starts)
    return Fold(train, val if len(val) else None, test, scaler, starts[2] + T)
