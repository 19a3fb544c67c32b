"""Training in the stateful regime: one series read as B contiguous streams in chunks of L steps.

As pytorch/examples' word_language_model (batchify, get_batch, repackage_hidden):

    training targets t_0 t_1 ... t_{P-1}, each forecast from the value before it
    streams (B = 3):  t_0 .. t_{n-1} | t_n .. t_{2n-1} | t_{2n} .. t_{3n-1}   (the rest is dropped)
    step i reads columns i·L .. i·L + L - 1 of every stream, starting from the state the previous
    step left (detached: gradients flow back L steps at most); the state is zero at each epoch's start

Every step of a chunk has a loss; a member's loss is its mean over the chunk's B·L targets and
the stack minimises the sum over members, so stacked members train as they would alone
(bench.train.loop.fit_members: the same optimiser, per-member clipping and early stopping). The
training targets are exactly the windowed models' (the same split); validation and test
forecasts read the whole series before each target (models.stateful.outputs_at), so the
validation score used for early stopping has run through the whole training part first.
"""
from __future__ import annotations

from dataclasses import replace
from functools import partial

import torch

from bench.train.loop import TrainLog, eval_loss, fit_members, member_losses
from bench.train.settings import Stateful, TrainSettings
from bench.train.windows import WindowSet
from models.stateful import StatefulRecurrent


def training_stream(ws: WindowSet) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs (P, F) and targets (P, ...) of ws's targets read as one stream: the target at
    position p is forecast from the value at p - 1. ValueError unless the targets are the
    consecutive positions of one series (a chronological split's training part)."""
    pos = ws.start + ws.window
    order = torch.argsort(pos)
    pos = pos[order]
    if ws.base.shape[0] != 1 or len(pos) == 0 or bool((pos.diff() != 1).any()):
        raise ValueError("the stateful regime reads one series: its training targets must be consecutive "
                         "positions of a single sequence")
    return ws.base[0, pos - 1], ws.targets[order]


def batchify(x: torch.Tensor, y: torch.Tensor, streams: int) -> tuple[torch.Tensor, torch.Tensor]:
    """x (P, F), y (P, ...) -> (B, n, F), (B, n, ...): B contiguous streams of n = P // B steps."""
    n = x.shape[0] // streams
    if n < 1:
        raise ValueError(f"{x.shape[0]} training steps are too few for {streams} streams")
    return x[:streams * n].view(streams, n, *x.shape[1:]), y[:streams * n].reshape(streams, n, *y.shape[1:])


def train_stateful(model: StatefulRecurrent, train: WindowSet, val: WindowSet | None, seeds: list[int],
                   cfg: TrainSettings, regime: Stateful) -> TrainLog:
    """Train the K = len(seeds) members of model on train's targets as regime.streams
    streams B read in chunks of regime.bptt steps L (cfg.batch_size is not used: a step has
    B·L targets); early stopping watches val read with the carried state."""
    L = regime.bptt
    x, y = batchify(*training_stream(train), regime.streams)  # (B, n, F), (B, n, ...)
    B, n = x.shape[:2]
    K = len(seeds)
    state = None

    def chunks(perm: torch.Tensor, batch: int):
        """Each step's chunk (x (K, B, l, F), y (K, B·l, ...)) in stream order; perm and batch
        are unused (nothing is shuffled: order is what the state carries)."""
        nonlocal state
        state = None  # every epoch starts from a zero state
        for lo in range(0, n, L):
            xc = x[:, lo:lo + L]  # (B, l, F)
            yc = y[:, lo:lo + L].flatten(0, 1)  # (B·l, ...) in the order the outputs are flattened
            yield (xc.expand(K, *xc.shape), yc.expand(K, *yc.shape)), yc.shape[0]

    def chunk_losses(chunk) -> torch.Tensor:  # the members' mean losses (K,) on one chunk
        nonlocal state
        xc, yc = chunk
        out, new = model(xc, state)  # (K, B, l, out)
        state = tuple(s.detach() for s in new)  # carried on, but no gradient flows past this chunk
        return member_losses(out.reshape(K, -1, out.shape[-1]), yc, cfg.classification)

    score = partial(eval_loss, model, val, cfg.classification) if val is not None and len(val) else None
    return fit_members(model, B * n, chunk_losses, score, seeds, replace(cfg, shuffle=False), batches=chunks)
