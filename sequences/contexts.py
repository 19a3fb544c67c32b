"""How much of the past determines the next symbol: minimal windows and the best any window can do.

For a periodic sequence seen at a random phase, a model that reads the last k symbols can be
always right only if every k-symbol context in the cycle has one successor. The smallest such
k is the sequence's *minimal window*. Below it, the best any function of the window can do is
to predict each context's most frequent successor (``context_bounds``).

    cycle 0 1 1 (repeated): k = 1: after "1" comes 1 or 0 -> ambiguous
                            k = 2: "01"->1, "11"->0, "10"->1 -> determined: minimal window 2
"""
from __future__ import annotations

import numpy as np

from sequences.series import SequenceError


def _codes(x: np.ndarray) -> np.ndarray:
    """Dense integer codes 0..u-1 for the values (or rows) of x."""
    return np.unique(x, axis=0 if x.ndim > 1 else None, return_inverse=True)[1].reshape(len(x))


def _pair(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.astype(np.int64) * (int(b.max()) + 1) + b


def minimal_window(cycle: np.ndarray) -> int:
    """Smallest k >= 0 such that every length-k context of the cyclic sequence has one successor.

    cycle (L,) is one period, of any hashable numeric symbols (round reals first). The answer is
    at most L - 1 for a cycle whose minimal period is L (all rotations then differ).
    """
    s = np.asarray(cycle)
    L = len(s)
    if L == 0:
        raise SequenceError("minimal window: zero-length period")
    sym = _codes(s)
    pos = np.arange(L)
    context = np.zeros(L, dtype=np.int64)  # code of the k symbols starting at i; k = 0: all equal
    for k in range(L + 1):
        nxt = sym[(pos + k) % L]  # the successor of context i, and its extension symbol
        extended = _codes(_pair(context, nxt))
        if extended.max() == context.max():  # no context gained a second successor
            return k
        context = extended
    raise AssertionError("unreachable: contexts of length L have one successor each")


def cyclic_windows(cycle: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every k-symbol context of the cyclic sequence (L, k) and its successor (L,)."""
    s = np.asarray(cycle)
    L = len(s)
    idx = (np.arange(L)[:, None] + np.arange(k + 1)[None]) % L
    return s[idx[:, :k]], s[idx[:, k]]


def context_bounds(windows: np.ndarray, successors: np.ndarray) -> tuple[float, float]:
    """The best any function of the window can score on these samples.

    windows (S, k) symbols, successors (S,) labels -> (accuracy: each context predicts its most
    frequent successor; cross-entropy in nats: the conditional entropy H(next | window) of the
    samples' own distribution, a lower bound for any predicted distribution by Gibbs' inequality).
    """
    w = np.asarray(windows).reshape(len(successors), -1)
    S = len(successors)
    if S == 0:
        raise SequenceError("context bounds: no samples")
    ctx = _codes(w) if w.shape[1] else np.zeros(S, dtype=np.int64)
    pair = _codes(_pair(ctx, _codes(np.asarray(successors))))
    pair_count = np.bincount(pair)  # (pairs,) samples per (context, successor)
    pair_ctx = np.zeros(len(pair_count), dtype=np.int64)
    pair_ctx[pair] = ctx
    ctx_count = np.bincount(ctx)  # (contexts,)
    best = np.zeros(len(ctx_count), dtype=np.int64)
    np.maximum.at(best, pair_ctx, pair_count)
    p = pair_count / ctx_count[pair_ctx]  # p(successor | context) per pair
    entropy = -(pair_count * np.log(p)).sum() / S
    return float(best.sum() / S), max(float(entropy), 0.0) + 0.0  # + 0.0: no -0.0
