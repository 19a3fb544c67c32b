"""One stacked recurrent network for the three cells (rnn, lstm, gru), and the one interface through
which every recurrence runs, whatever implementation serves it.

    x (K, B, T, F) ──input projection──▶ (K, T, B, G·H) ──recurrence over T from a state──▶
        last h (K, B, H) ──head──▶ (K, B, out)                                      forward
        last h, or every step's h (K, B, T, H), and the final state                 run
        the head after every step (K, B, T, out), and the final state               sequence

The cell equations are PyTorch's (nn.RNN tanh, nn.LSTM, nn.GRU), with the same initialisation
U(-1/√H, 1/√H); tests check the forward pass against the torch modules with copied weights.
models/implementation.choose_impl picks, per call, the native kernels, the fused per-member
kernels or torch operations (`impl` forces one); each call notes what ran.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from models import native
from models.fused import fused_recurrence
from models.implementation import FORCED, Call, choose_impl, is_float32, note
from models.recurrence import GATES, State, torch_recurrence
from models.stacked import StackedLinear, stacked_uniform

# The torch implementation runs a long stack in stacks of at most this many input-projection
# floats (K·T·B·G·H): a smaller working set trains faster than one large stack
# (docs/implementations.md); members are independent in any stack (tested).
STACK_ELEMENTS = 1 << 21


class Recurrent(nn.Module):
    """Many-to-one recurrent network over K members: (K, B, T, F) -> (K, B, out)."""

    def __init__(self, kind: str, gens: list[torch.Generator], in_features: int, hidden: int,
                 out_features: int, impl: str = "auto"):
        super().__init__()
        if kind not in GATES:
            raise ValueError(f"unknown recurrent kind {kind!r}; choose from {', '.join(GATES)}")
        if impl not in FORCED:
            raise ValueError(f"unknown implementation {impl!r}; choose from {', '.join(FORCED)}")
        self.kind, self.hidden, self.impl = kind, hidden, impl
        gh = GATES[kind] * hidden
        bound = 1.0 / math.sqrt(hidden)
        # Drawn in nn.RNNBase's order: weight_ih, weight_hh, bias_ih, bias_hh.
        self.w_ih = stacked_uniform(gens, (in_features, gh), bound)  # (K, F, G·H)
        self.w_hh = stacked_uniform(gens, (hidden, gh), bound)  # (K, H, G·H)
        self.b_ih = stacked_uniform(gens, (1, gh), bound)  # (K, 1, G·H)
        self.b_hh = stacked_uniform(gens, (1, gh), bound)  # (K, 1, G·H)
        self.head = StackedLinear(gens, hidden, out_features)
        self._train_step = None  # native.TrainStep, made on first use

    def _choose(self, op: str, x: torch.Tensor, state: State | None = None, every_step: bool = False) -> str:
        H, GH = self.w_hh.shape[1:]
        return choose_impl(Call(self.kind, op, tuple(x.shape), x.device.type, float32=is_float32(x, self.w_hh),
                                grad=torch.is_grad_enabled(), x_grad=x.requires_grad, hidden=H, width=GH,
                                largest=H * GH, initial_state=state is not None, every_step=every_step), self.impl)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        impl = self._choose("forward", x)
        note(self, impl)
        if impl == "native" and torch.is_grad_enabled():
            return native.Network.apply(self.kind, x, *self._params())
        if impl == "native":
            return native.network_outputs(self.kind, x, self._params())[0]
        return self.head(self._recur(impl, x)[0])

    def run(self, x: torch.Tensor, state: State | None = None,
            every_step: bool = False) -> tuple[torch.Tensor, State]:
        """Read x (K, B, T, F) from state ((h,) or, for lstm, (h, c), each (K, B, H); zeros if None):
        the last hidden state (K, B, H), or with every_step all of them (K, B, T, H), and the state
        after the last step."""
        impl = self._choose("run", x, state, every_step)
        note(self, impl)
        return self._recur(impl, x, state, every_step)

    def sequence(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Many-to-many: the head after every step, (K, B, T, F) -> (K, B, T, out), and the final state."""
        K, B, T, _ = x.shape
        hs, final = self.run(x, state, every_step=True)  # (K, B, T, H)
        return self.head(hs.reshape(K, B * T, self.hidden)).view(K, B, T, -1), final

    def mse_step(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor | None:
        """The members' mean squared errors (K,) with their gradients stored in .grad, computed
        natively without autograd (bench/train/loop.py); None where the native step does not serve."""
        if self._choose("step", x) != "native":
            return None
        note(self, "native")
        if self._train_step is None:
            self._train_step = native.TrainStep(self.kind, self._params())
        return self._train_step(x, target)

    def _params(self) -> list[torch.Tensor]:
        return [self.w_ih, self.b_ih, self.w_hh, self.b_hh, self.head.weight, self.head.bias]

    def _recur(self, impl: str, x: torch.Tensor, state: State | None = None,
               every_step: bool = False) -> tuple[torch.Tensor, State]:
        """run() by the fused kernels or torch operations."""
        weights = (self.w_ih, self.w_hh, self.b_ih, self.b_hh)
        if impl == "fused":
            return fused_recurrence(self.kind, x, *weights, state, every_step)
        K, B, T, _ = x.shape
        per_stack = max(1, STACK_ELEMENTS // (B * T * self.w_hh.shape[2]))
        if every_step or per_stack >= K:
            return self._torch(x, *weights, state, every_step)
        # Stacks of per_stack members; members are independent in any stack (tested).
        states = [s.split(per_stack) for s in state] if state is not None else None
        pieces = [self._torch(xs, *ws, tuple(s[i] for s in states) if states else None)
                  for i, (xs, *ws) in enumerate(zip(x.split(per_stack), *(w.split(per_stack) for w in weights)))]
        outs, finals = zip(*pieces)
        return torch.cat(outs), tuple(torch.cat(f) for f in zip(*finals))

    def _torch(self, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
               b_hh: torch.Tensor, state: State | None = None, every_step: bool = False) -> tuple[torch.Tensor, State]:
        """torch_recurrence for x (k, B, T, F) and those k members' weights; every_step as (k, B, T, H)."""
        K, B, T, F = x.shape
        # One matmul for every time step's input projection, time-major: (K, T·B, F) @ (K, F, G·H).
        xp = torch.baddbmm(b_ih, x.transpose(1, 2).reshape(K, T * B, F), w_ih).view(K, T, B, -1)
        out, final = torch_recurrence(self.kind, xp, w_hh, b_hh, state, every_step)
        return (out.transpose(1, 2) if every_step else out), final
