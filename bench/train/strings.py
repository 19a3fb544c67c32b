"""Variable-length symbol strings, predicted at every step (many-to-many), for the formal tasks.

Unlike a WindowSet (fixed T, one target per window), a StringSet holds whole strings, padded on
the right, and a target after every symbol read:

    string  S a a b b E        inputs   S a a b b · ·      (· padding, masked out)
                               targets  a a b b E · ·
                               valid    1 1 1 1 1 0 0

Recurrent models read the whole prefix (the hidden state after step t predicts target t); any
other model (the MLP, the naive baselines) sees only the last ``window`` symbols, one-hot, with
zeros before the start, so it cannot count past its window.

Training follows the legal-set protocol (sequences/formal.py): the outputs are one logit per
symbol, each a sigmoid's, fitted by binary cross-entropy to the set of legal next symbols at
every real step; a symbol is predicted legal when its sigmoid exceeds 0.5. Training stops for a
member once it accepts every training string (or at the epoch cap).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import torch
from torch import nn

from bench.train.loop import TrainLog, fit_members, members
from bench.train.settings import TrainSettings
from models.recurrent import Recurrent
from sequences import Series
from sequences.formal import strings_accepted, strings_correct


FIT_CHECK = 10  # epochs between checks that the training strings are fitted (a check costs about half an epoch)


@dataclass
class StringSet:
    inputs: torch.Tensor  # (N, L) long: symbol read at step t (0 in padding)
    next_symbols: torch.Tensor  # (N, L) long: the target after step t (0 in padding)
    valid: torch.Tensor  # (N, L) bool: a real step of the string
    deterministic: torch.Tensor  # (N, L) bool: the target is forced by the prefix (False in padding)
    legal: torch.Tensor  # (N, L, C) bool: the symbols that may follow step t (False in padding)
    n: torch.Tensor  # (N,) long: each string's n
    symbols: int  # alphabet size C: one-hot width and number of outputs

    def __len__(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def targets(self) -> torch.Tensor:
        """Every real target (M,), what a naive baseline is fitted on."""
        return self.next_symbols[self.valid]

    def to(self, device: torch.device) -> "StringSet":
        return StringSet(self.inputs.to(device), self.next_symbols.to(device), self.valid.to(device),
                         self.deterministic.to(device), self.legal.to(device), self.n.to(device), self.symbols)

    def one_hot(self, idx: torch.Tensor) -> torch.Tensor:
        """Inputs of strings idx (...,) as one-hot floats (..., L, symbols)."""
        return nn.functional.one_hot(self.inputs[idx], self.symbols).float()


def string_set(strings: Sequence[Series]) -> StringSet:
    """Pad strings (Series of symbols with meta['deterministic']) into one StringSet."""
    steps = max(len(s.values) for s in strings) - 1
    N, C = len(strings), int(strings[0].n_classes)
    inputs, nxt = np.zeros((N, steps), np.int64), np.zeros((N, steps), np.int64)
    valid, det = np.zeros((N, steps), bool), np.zeros((N, steps), bool)
    legal = np.zeros((N, steps, C), bool)
    for i, s in enumerate(strings):
        L = len(s.values) - 1
        inputs[i, :L], nxt[i, :L], valid[i, :L] = s.values[:-1], s.values[1:], True
        det[i, :L], legal[i, :L] = s.meta["deterministic"], s.meta["legal"]
    return StringSet(torch.from_numpy(inputs), torch.from_numpy(nxt), torch.from_numpy(valid),
                     torch.from_numpy(det), torch.from_numpy(legal), torch.tensor([s.meta["n"] for s in strings]), C)


def step_outputs(model: nn.Module, x: torch.Tensor, window: int) -> torch.Tensor:
    """Predictions after every step: (K, B, L, F) -> (K, B, L, out)."""
    if isinstance(model, Recurrent):
        return model.sequence(x)[0]
    K, B, L, F = x.shape
    padded = nn.functional.pad(x, (0, 0, window - 1, 0))  # zeros before the start: (K, B, L+W-1, F)
    w = padded.unfold(2, window, 1).transpose(-1, -2)  # (K, B, L, W, F): the last W symbols at step t
    return model(w.reshape(K, B * L, window, F)).view(K, B, L, -1)


def set_losses(out: torch.Tensor, legal: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy of the logits out (K, B, L, C) against the legal sets (K, B, L, C),
    averaged over symbols, then over each member's real steps valid (K, B, L) -> (K,)."""
    bce = nn.functional.binary_cross_entropy_with_logits(out, legal.to(out.dtype), reduction="none").mean(-1)
    w = valid.to(bce.dtype)
    return (bce * w).sum((1, 2)) / w.sum((1, 2)).clamp(min=1.0)


def train_strings(model: nn.Module, train: StringSet, seeds: list[int], cfg: TrainSettings,
                  window: int) -> TrainLog:
    """Train K members on whole strings until each accepts every training string (its score, the
    share of training strings not accepted, checked every FIT_CHECK epochs, reaches 0) or the
    epoch cap, whichever comes first; each member's loss is
    its mean over the real steps of its own batch. Batches pad to the training set's longest
    string: with K independent shuffles a batch's longest string is near it anyway, and a fixed
    length needs no host sync."""
    def batch_losses(idx: torch.Tensor) -> torch.Tensor:  # (K, B) string indices -> (K,)
        out = step_outputs(model, train.one_hot(idx), window)  # (K, B, L, C)
        return set_losses(out, train.legal[idx], train.valid[idx])

    epoch, last = 0, None

    def not_fitted() -> torch.Tensor:  # (K,) share of training strings not accepted, every FIT_CHECK epochs
        nonlocal epoch, last
        epoch += 1
        if last is None or epoch % FIT_CHECK == 0:
            last = torch.from_numpy(1.0 - score_strings(model, train, window)["accepted"].mean(1))
        return last
    return fit_members(model, len(train), batch_losses, not_fitted, seeds, replace(cfg, target=0.0))


@torch.no_grad()
def score_strings(model: nn.Module, ss: StringSet, window: int, max_tokens: int = 1 << 17) -> dict[str, np.ndarray]:
    """Every member on every string, in chunks of consecutive strings (similar lengths when they
    are in n order) of at most max_tokens padded steps. Per string (K, N): 'accepted' (the
    legal-set rule), 'correct' (the next-symbol rule), 'det_hits' and 'det_total' (deterministic
    targets whose argmax is right, and their number), 'loss' (the set loss, mean over real steps)."""
    model.eval()
    K = members(model)
    lengths = ss.valid.sum(1).cpu().numpy()
    parts: dict[str, list] = {k: [] for k in ("accepted", "correct", "det_hits", "det_total", "loss")}
    lo = 0
    while lo < len(ss):
        hi = lo + 1  # grow the chunk while its padded size stays within max_tokens
        while hi < len(ss) and (hi + 1 - lo) * lengths[lo:hi + 1].max() <= max_tokens:
            hi += 1
        idx = torch.arange(lo, hi, device=ss.inputs.device)
        L = int(lengths[lo:hi].max())
        x = ss.one_hot(idx)[:, :L]  # (B, L, F)
        out = step_outputs(model, x.unsqueeze(0).expand(K, *x.shape), window)  # (K, B, L, C)
        tgt, det, valid, legal = ss.next_symbols[idx, :L], ss.deterministic[idx, :L], ss.valid[idx, :L], ss.legal[idx, :L]
        bce = nn.functional.binary_cross_entropy_with_logits(out.double(), legal.expand(K, *legal.shape).double(),
                                                             reduction="none").mean(-1)  # (K, B, L)
        parts["loss"].append(((bce * valid).sum(-1) / valid.sum(-1)).cpu().numpy())
        pred = out.argmax(-1)  # (K, B, L)
        parts["det_hits"].append(((pred == tgt) & det).sum(-1).cpu().numpy())
        parts["det_total"].append(np.broadcast_to(det.sum(-1).cpu().numpy(), (K, hi - lo)))
        parts["correct"].append(strings_correct(pred.cpu().numpy(), tgt.cpu().numpy(), det.cpu().numpy()))
        parts["accepted"].append(strings_accepted((out > 0).cpu().numpy(), legal.cpu().numpy(), valid.cpu().numpy()))
        lo = hi
    model.train()
    return {k: np.concatenate(v, 1) for k, v in parts.items()}
