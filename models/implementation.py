"""Which implementation runs a model's arithmetic (native C kernels, the framework's fused kernel per
member, or torch operations under autograd): the one rule, `choose_impl`, and the record of what
ran, which every result row keeps (env "impl"). The rule, its thresholds and the measurements behind
them are written out once, in docs/implementations.md; $SEQBENCH_IMPL forces one implementation.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the names and the rule load without torch (reports name what ran)
    import torch
    from torch import nn

SWITCH = "SEQBENCH_IMPL"  # forces one implementation wherever it can serve, e.g. to compare them
IMPLS = ("native", "fused", "torch")
FORCED = ("auto",) + IMPLS  # what a model's impl setting may be; auto: choose_impl's rule
OPS = ("step", "forward", "run")
RECURRENT = ("rnn", "lstm", "gru")

FUSED_MIN_HIDDEN = 128  # on a GPU, per-member cuDNN from this hidden size on
# Native kernels serve a batch of more than LARGE_BATCH rows only while the largest weight matrix
# stays within MAX_WEIGHT_FLOATS (512 KB): beyond, the framework's packed, cache-blocked products win.
MAX_WEIGHT_FLOATS = 1 << 17
LARGE_BATCH = 64
# Without autograd, the native forward holds every step's state (of one member at a time), the torch
# loop only the current step's: inputs with more than this many state floats in all (K·B·T·G) take
# the torch loop. The rule's one clause that counts K (docs/implementations.md).
NO_GRAD_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class Call:
    """What a model is asked to do, as the rule sees it."""

    model: str  # "rnn", "lstm", "gru" or "mlp"
    op: str  # "step": forward, MSE and backward without autograd; "forward": outputs (K, B, out) from a
    #          zero state; "run": hidden states, from a given state or after every step
    shape: tuple[int, ...]  # x (K, B, T, F)
    device: str  # "cpu" or "cuda"
    float32: bool  # inputs and parameters are float32
    grad: bool  # autograd records the call (a training step)
    x_grad: bool  # a gradient is wanted for the inputs themselves
    hidden: int
    width: int  # floats of state per step and row (G·H for a recurrence)
    largest: int  # floats in the model's largest weight matrix (W_hh for a recurrence), per member
    initial_state: bool = False  # run: starts from a given state
    every_step: bool = False  # run: returns every step's hidden state


def choose_impl(call: Call, forced: str = "auto") -> str:
    """The implementation that serves call: forced (a model's setting, else $SEQBENCH_IMPL) where it
    can serve the call, else the rule. For op "step", anything but native means that the caller
    takes the autograd path instead (whose forward is a call of its own)."""
    if forced == "auto":
        forced = os.environ.get(SWITCH) or "auto"
    if forced not in FORCED:
        raise ValueError(f"unknown implementation {forced!r}; choose from {', '.join(FORCED)}")
    if forced == "native":
        return "native" if _native_serves(call) else "torch"
    if forced != "auto":
        return forced if call.model in RECURRENT or forced == "torch" else "torch"
    if call.model in RECURRENT and call.device == "cuda" and call.hidden >= FUSED_MIN_HIDDEN:
        return "fused"  # one kernel for the whole sequence
    return "native" if _native_serves(call) else "torch"


def _native_serves(c: Call) -> bool:
    from models import native
    if c.device != "cpu" or not c.float32 or c.x_grad or c.op == "run" or native.library() is None:
        return False  # native runs whole networks from a zero state, no gradient for the inputs
    if c.op == "step" and not c.grad:
        return False  # evaluation never takes a training step
    if c.op == "forward" and c.model not in RECURRENT:
        return False  # the MLP has a native training step only
    K, B, T, _ = c.shape
    if c.largest > MAX_WEIGHT_FLOATS and B > LARGE_BATCH:
        return False
    return c.grad or c.op != "forward" or K * B * T * c.width <= NO_GRAD_ELEMENTS


def note(model: nn.Module, impl: str) -> None:
    """Record that impl ran one of model's calls."""
    model.__dict__.setdefault("_impls_ran", set()).add(impl)


def take_record(model: nn.Module) -> set[str]:
    """The implementations that ran model's calls (those of its submodules included) since the last
    take_record, forgotten here."""
    ran = set()
    for m in model.modules():
        ran |= m.__dict__.pop("_impls_ran", set())
    return ran


def describe(train: set[str], evaluate: set[str]) -> str:
    """What a cell records: 'native' when one implementation ran everything, else per phase, e.g.
    'train native, evaluate native+torch'; 'torch' for models without recurrences or layers of
    their own (the naive baselines)."""
    both = train | evaluate
    if len(both) <= 1:
        return next(iter(both), "torch")
    return f"train {'+'.join(sorted(train)) or '-'}, evaluate {'+'.join(sorted(evaluate)) or '-'}"


def is_float32(*tensors: torch.Tensor) -> bool:
    import torch
    return all(t.dtype == torch.float32 for t in tensors)
