"""Training K members at once on whole tensors: no DataLoader, no host sync inside the step loop.

Each member k has its own shuffle (a generator seeded from its seed), its own loss (the mean
over its batch), and the stack minimises the *sum* of the members' losses, so the gradients of
member k are exactly those of training it alone; SGD and Adam act element-wise, and gradient
clipping is done per member. Hence stacked training equals separate training (tests/test_equivalence.py).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator

import numpy as np
import torch
from torch import nn

from bench.train.optim import make_optimizer
from bench.train.settings import TrainSettings
from bench.train.windows import WindowSet
from models import native
from models.stacked import member_generators
from models.stateful import carries_state

SHUFFLE_SALT = 0x5EED  # shuffle generators differ from initialisation generators
GATHER_ELEMENTS = 1 << 21  # inputs gathered per block of steps (8 MiB float32), not per step


@dataclass
class TrainLog:
    train_loss: np.ndarray  # (K, epochs_run) mean training loss per epoch
    val_loss: np.ndarray  # (K, epochs_run), empty second axis without validation data
    best_epoch: np.ndarray  # (K,) epoch whose parameters were kept
    diverged: np.ndarray  # (K,) bool: a non-finite loss was seen
    steps: int  # optimiser steps taken
    epochs: np.ndarray | None = None  # (K,) epochs each member would have run alone (<= epochs_run)
    samples: int | None = None  # training samples processed, all members; None: windows x epochs_run x K
    # (K,) 1: stopped by its rule (patience ran out, target reached) before the cap; 0: still
    # improving at the cap; NaN: no rule, a fixed budget (or diverged)
    converged: np.ndarray | None = None
    # (K,) the score a learning-rate sweep selects on, when not the validation loss at best_epoch
    # (walk-forward: the mean over folds of each fold's own, bench/walkforward.concat_logs)
    selection: np.ndarray | None = None
    # (K, F) walk-forward: each fold's validation loss at its own kept epoch (selects each fold's rate)
    fold_selection: np.ndarray | None = None


def member_losses(pred: torch.Tensor, target: torch.Tensor, classification: bool,
                  mask: torch.Tensor | None = None) -> torch.Tensor:
    """Per-member mean loss (K,): MSE, or cross-entropy in nats for class labels.

    mask (K, B) bool (classification only) keeps some samples, e.g. the real steps of padded
    strings: the mean is then over each member's kept samples.
    """
    if classification:
        K, B, C = pred.shape
        ce = nn.functional.cross_entropy(pred.reshape(K * B, C), target.reshape(K * B), reduction="none")
        if mask is not None:
            w = mask.to(ce.dtype)
            return (ce.view(K, B) * w).sum(1) / w.sum(1).clamp(min=1.0)
        return ce.view(K, B).mean(1)
    return (pred - target).pow(2).flatten(1).mean(1)


def _clip_per_member(params: list[nn.Parameter], max_norm: float) -> None:
    K = params[0].shape[0]
    sq = sum(p.grad.pow(2).reshape(K, -1).sum(1) for p in params if p.grad is not None)
    scale = (max_norm / (sq.sqrt() + 1e-6)).clamp(max=1.0)
    for p in params:
        if p.grad is not None:
            p.grad.mul_(scale.view(K, *([1] * (p.dim() - 1))))


@torch.no_grad()
def predict(model: nn.Module, ws: WindowSet, chunk: int = 8192) -> torch.Tensor:
    """Outputs (K, S, out) for every sample of ws, in chunks; every member sees the same samples.
    A model that carries its state reads the whole series before each target instead of its window."""
    if carries_state(model):
        return model.outputs_at(ws.base, ws.seq, ws.start + ws.window)
    model.eval()
    outs = []
    for lo in range(0, len(ws), chunk):
        idx = torch.arange(lo, min(lo + chunk, len(ws)), device=ws.seq.device)
        x = ws.inputs(idx)  # (B, T, F)
        K = members(model)
        outs.append(forward(model, x.unsqueeze(0).expand(K, *x.shape), ws.start[idx] + ws.window))
    model.train()
    return torch.cat(outs, dim=1)


def forward(model: nn.Module, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """model(x); a positional baseline (models.baselines.RowMean) also gets each target's position (B,)."""
    return model(x, positions) if getattr(model, "positional", False) else model(x)


def members(model: nn.Module) -> int:
    """K, the number of members model holds."""
    p = next(model.parameters(), None)
    if p is not None:
        return p.shape[0]
    return model.members


@torch.no_grad()
def eval_loss(model: nn.Module, ws: WindowSet, classification: bool) -> torch.Tensor:
    pred = predict(model, ws)
    K = pred.shape[0]
    return member_losses(pred, ws.targets.unsqueeze(0).expand(K, *ws.targets.shape), classification)


def warm_up() -> None:
    """One-time costs, paid before any timed region so that a worker's first cell does not carry
    them in train_wall_s: torch.optim imports torch._dynamo on first use (seconds on a busy
    machine; the lecture loop uses torch.optim), and the native kernels are compiled on a
    machine's first use (seconds) and loaded."""
    import torch._dynamo  # noqa: F401
    native.library()


def _gathered(train: WindowSet, perm: torch.Tensor, batch: int) -> Iterator[tuple[tuple, int]]:
    """((inputs (K, B, T, F), targets (K, B, ...)), B) for each step's batch of perm (K, n); the
    inputs are gathered once per block of whole batches instead of twice per step, bounded in
    memory, and each step's batch is a view into its block."""
    K, n = perm.shape
    per_sample = K * train.window * train.base.shape[-1]
    block = batch * max(1, GATHER_ELEMENTS // (per_sample * batch))
    for lo in range(0, n, block):
        idx = perm[:, lo:lo + block]
        xs, ys = train.inputs(idx), train.targets[idx]
        for b in range(0, xs.shape[1], batch):
            x = xs[:, b:b + batch]
            yield (x, ys[:, b:b + batch]), x.shape[1]


def _index_batches(perm: torch.Tensor, batch: int) -> Iterator[tuple[torch.Tensor, int]]:
    """(sample indices (K, B), B) for each step: the default for samples that are not windows."""
    for lo in range(0, perm.shape[1], batch):
        idx = perm[:, lo:lo + batch]
        yield idx, idx.shape[1]


@contextmanager
def _collector_frozen():
    """Hide the objects alive now (torch's own, the data) from Python's cyclic collector while
    the loop runs: each step allocates hundreds of short-lived objects, and the collections they
    trigger otherwise keep walking the old ones, a sizeable share of a small model's step.
    unfreeze hands them back, so nothing is kept from collection for good."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def train_members(model: nn.Module, train: WindowSet, val: WindowSet | None, seeds: list[int],
                  cfg: TrainSettings, val_score=None) -> TrainLog:
    """Train the K = len(seeds) members of model on train (already on the model's device).

    val_score(model, val) -> (K,), lower is better, replaces the one-step validation loss (for
    early stopping and the val_loss log) when a task scores differently, e.g. free-running.
    """
    def batch_losses(batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:  # (x, y) -> (K,)
        x, y = batch
        return member_losses(model(x), y, cfg.classification)

    # A regression step is offered to the model's mse_step first (Recurrent and MLP have one): it
    # runs forward and backward in one native call without autograd where models/implementation
    # chooses the native kernels, and returns None otherwise. The same losses, the same gradients.
    native_step = None if cfg.classification else getattr(model, "mse_step", None)

    has_val = val is not None and len(val) > 0
    if not has_val:
        val_losses = None
    elif val_score is not None:
        val_losses = partial(val_score, model, val)
    else:
        val_losses = partial(eval_loss, model, val, cfg.classification)
    return fit_members(model, len(train), batch_losses, val_losses, seeds, cfg,
                       batches=partial(_gathered, train), native_step=native_step)


def fit_members(model: nn.Module, n: int, batch_losses: Callable[[object], torch.Tensor],
                val_losses: Callable[[], torch.Tensor] | None, seeds: list[int], cfg: TrainSettings,
                batches: Callable[[torch.Tensor, int], Iterator[tuple[object, int]]] = _index_batches,
                native_step: Callable[..., torch.Tensor | None] | None = None) -> TrainLog:
    """The training loop for any kind of sample: n samples; batches(perm (K, n), batch size)
    yields each step's (batch, B), sample indices (K, B) by default; batch_losses maps a batch
    to the members' mean losses (K,); val_losses() gives each member's validation loss (K,), or
    is None (early stopping then watches the training loss). native_step(*batch), where given,
    returns the losses with their gradients already stored in .grad, or None to use autograd."""
    with _collector_frozen():
        return _fit(model, n, batch_losses, val_losses, seeds, cfg, batches, native_step)


def gradients(batch, batch_losses, native_step, opt) -> torch.Tensor:
    """The members' losses (K,) on one batch, their gradients stored in .grad: natively where
    native_step serves the batch, else by autograd."""
    losses = native_step(*batch) if native_step is not None else None
    if losses is None:
        losses = batch_losses(batch)
        opt.zero_grad()
        losses.sum().backward()
    return losses


def _fit(model, n, batch_losses, val_losses, seeds, cfg, batches, native_step) -> TrainLog:
    params = [p for p in model.parameters() if p.requires_grad]
    K, device = len(seeds), params[0].device
    opt = make_optimizer(cfg.optimizer, params, cfg.lr)
    gens = member_generators([int(seed) + SHUFFLE_SALT for seed in seeds])  # one shuffle per member
    has_val = val_losses is not None
    watch = cfg.patience is not None or cfg.target is not None  # keep each member's best epoch
    best = [p.detach().clone() for p in params] if watch else None
    best_val = torch.full((K,), float("inf"))
    ref_val, delta = torch.full((K,), float("inf")), None  # the score patience counts gains from
    best_epoch = np.full(K, -1)
    since_best = np.zeros(K, dtype=int)
    diverged = np.zeros(K, dtype=bool)
    stopped_at = np.zeros(K, dtype=int)  # epochs a member would have run alone; 0 while it runs
    tr_hist, va_hist, steps = [], [], 0
    for epoch in range(cfg.epochs):
        if cfg.shuffle:  # one permutation per member, drawn on the CPU from its own generator
            perm = torch.stack([torch.randperm(n, generator=g) for g in gens]).to(device)
        else:
            perm = torch.arange(n, device=device).expand(K, n)
        total = torch.zeros(K, device=device)
        for batch, size in batches(perm, cfg.batch_size):
            losses = gradients(batch, batch_losses, native_step, opt)
            if cfg.clip is not None:
                _clip_per_member(params, cfg.clip)
            opt.step()
            total.add_(losses.detach(), alpha=size)
            steps += 1
        epoch_loss = (total / n).cpu()  # the one host sync of the epoch
        tr_hist.append(epoch_loss.numpy())
        diverged |= ~np.isfinite(epoch_loss.numpy())
        if has_val:
            v = val_losses().cpu()
            va_hist.append(v.numpy())
        if watch:
            score = v if has_val else epoch_loss
            # A member whose patience ran out would have stopped alone: its best stays frozen.
            running = torch.isfinite(score) & torch.from_numpy(stopped_at == 0)
            improved = (score < best_val) & running
            best_val = torch.where(improved, score, best_val)
            imp = improved.numpy()
            best_epoch[imp] = epoch
            if delta is None:
                delta = cfg.min_delta * score.abs() if cfg.min_delta else 0.0
            gained = (score < ref_val - delta) & running
            ref_val = torch.where(gained, score, ref_val)
            since_best = np.where(gained.numpy(), 0, since_best + 1)
            mask = improved.to(device)
            for b, p in zip(best, params):
                b.copy_(torch.where(mask.view(K, *([1] * (p.dim() - 1))), p.detach(), b))
        done = diverged | (since_best > cfg.patience if cfg.patience is not None else False)
        if cfg.target is not None:
            done |= (best_val <= cfg.target).numpy()
        stopped_at[done & (stopped_at == 0)] = epoch + 1
        if done.all():
            break
    epochs = np.where(stopped_at > 0, stopped_at, len(tr_hist))
    converged = np.where(stopped_at > 0, 1.0, 0.0) if watch else np.full(K, np.nan)
    converged[diverged] = np.nan
    if watch:
        with torch.no_grad():
            for b, p in zip(best, params):
                p.copy_(b)
    else:
        best_epoch[:] = epochs - 1
    return TrainLog(np.stack(tr_hist, 1) if tr_hist else np.zeros((K, 0)),
                    np.stack(va_hist, 1) if va_hist else np.zeros((K, 0)),
                    best_epoch, diverged, steps, epochs, converged=converged)


@torch.no_grad()
def closed_loop(model: nn.Module, window: torch.Tensor, steps: int, feedback=None,
                position: int | None = None) -> torch.Tensor:
    """Free-running generation: (K, B, T, F) start window -> (K, B, steps, out) outputs.

    Each output is fed back as the next input row (through feedback, e.g. argmax -> one-hot for
    symbols); the window slides by one step each time. position: where the first output lies in
    its sequence (only positional baselines use it; default: the window's length).
    """
    model.eval()
    outs = []
    w = window
    pos = torch.full((window.shape[1],), window.shape[2] if position is None else position, device=window.device)
    for i in range(steps):
        y = forward(model, w, pos + i)  # (K, B, out)
        outs.append(y)
        nxt = y if feedback is None else feedback(y)
        w = torch.cat([w[:, :, 1:], nxt.unsqueeze(2)], dim=2)
    model.train()
    return torch.stack(outs, dim=2)
