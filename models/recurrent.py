"""One stacked recurrent network for the three cells (rnn, lstm, gru).

    x (K, B, T, F) ──input projection, all T steps in one bmm──▶ (K, T, B, G·H)
                    ──recurrence over T, h (K, B, H)──▶ last h ──head──▶ (K, B, out)
    many-to-many (``sequence``): every step's h (K, B, T, H) ──head──▶ (K, B, T, out)

The cell equations are PyTorch's (nn.RNN tanh, nn.LSTM, nn.GRU), with the same initialisation
U(-1/√H, 1/√H); tests check the forward pass against the torch modules with copied weights.

Two implementations share the parameters (chosen by `impl`, see `choose_impl`):
``stacked`` runs all K members in one recurrence with a hand-written backward
(models/recurrence.py); ``fused`` calls the framework's fused kernel once per member
(models/fused.py: cuDNN on a GPU).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from models import native
from models.fused import fused_last_hidden
from models.recurrence import GATES, eager_last_hidden, last_hidden
from models.stacked import StackedLinear, stacked_uniform


IMPLS = ("auto", "stacked", "fused")
FUSED_MIN_HIDDEN = 128  # on a GPU, per-member cuDNN from this hidden size on (not measured here)
# Members per stack are capped so that one stack's input projections (K·T·B·G·H floats) stay
# within this budget: at K = 16, B = 128, T = 14, H = 128, F = 28 stacks of 2-4 members train
# 1.3-1.4x faster than one stack of 16 (a working set of tens of MB; measured, CPU time).
STACK_ELEMENTS = 1 << 21


def choose_impl(hidden: int, device_type: str) -> str:
    """The implementation "auto" resolves to. It never depends on K, so a member's numbers do not
    depend on how many seeds train with it. CPU: always stacked, which runs the native kernels
    where they were built (models/native.py). Measured in CPU time per training step
    (benchmarks/test_train_step.py::test_recurrent_impl, B = 128, T = 14, F = 28, H = 128): the
    native step beats one oneDNN kernel per member 1.07-1.85x at K = 1 and K = 16, and 7-31x at
    the sine seed sizes; the torch-operation path (no compiler) loses to per-member oneDNN for
    lstm and gru at K = 1 (1.4x, 1.07x) and for gru at K = 16 (1.2x), and wins otherwise. GPU: cuDNN (one kernel for
    the whole sequence) for wide layers, the stacked loop for narrow ones; not measured here."""
    return "fused" if device_type == "cuda" and hidden >= FUSED_MIN_HIDDEN else "stacked"


class Recurrent(nn.Module):
    """Many-to-one recurrent network over K members: (K, B, T, F) -> (K, B, out)."""

    def __init__(self, kind: str, gens: list[torch.Generator], in_features: int, hidden: int,
                 out_features: int, impl: str = "auto"):
        super().__init__()
        if kind not in GATES:
            raise ValueError(f"unknown recurrent kind {kind!r}; choose from {', '.join(GATES)}")
        if impl not in IMPLS:
            raise ValueError(f"unknown implementation {impl!r}; choose from {', '.join(IMPLS)}")
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

    def hidden_states(self, x: torch.Tensor, every_step: bool = False) -> torch.Tensor:
        """Last hidden state (K, B, H) after reading x (K, B, T, F); every_step: all of them (K, B, T, H)."""
        K, B, T, F = x.shape
        weights = (self.w_ih, self.w_hh, self.b_ih, self.b_hh)
        if every_step:  # many-to-many (e.g. formal languages): the plain autograd loop
            xp = torch.baddbmm(self.b_ih, x.transpose(1, 2).reshape(K, T * B, F), self.w_ih).view(K, T, B, -1)
            return eager_last_hidden(self.kind, xp, self.w_hh, self.b_hh, every_step=True).transpose(1, 2)
        if self._impl(x) == "fused":
            return fused_last_hidden(self.kind, x, *weights)
        per_stack = max(1, STACK_ELEMENTS // (B * T * self.w_hh.shape[2]))
        if per_stack >= K:
            return self._stacked(x, *weights)
        # Stacks of per_stack members; members are independent in any stack (tested).
        parts = zip(x.split(per_stack), *(w.split(per_stack) for w in weights))
        return torch.cat([self._stacked(*part) for part in parts])

    def _stacked(self, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                 b_hh: torch.Tensor) -> torch.Tensor:
        """h_T (k, B, H) of one stack: x (k, B, T, F) and those k members' weights."""
        K, B, T, F = x.shape
        # One matmul for every time step's input projection, time-major: (K, T·B, F) @ (K, F, G·H).
        xt = x.transpose(1, 2).reshape(K, T * B, F)
        xp = torch.baddbmm(b_ih, xt, w_ih).view(K, T, B, -1)
        return last_hidden(self.kind, xp, w_hh, b_hh)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self._native(x):
            return native.Network.apply(self.kind, x, *self._params())
        return self.head(self.hidden_states(x))

    def mse_step(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor | None:
        """The members' mean squared errors (K,) with their gradients stored in .grad, computed
        natively without autograd (bench/train.py); None where the native path does not serve."""
        if not (torch.is_grad_enabled() and self._native(x)):
            return None
        if self._train_step is None:
            self._train_step = native.TrainStep(self.kind, self._params())
        return self._train_step(x, target)

    def _native(self, x: torch.Tensor) -> bool:
        return self._impl(x) == "stacked" and native.network_usable(x, self.w_hh)

    def _params(self) -> list[torch.Tensor]:
        return [self.w_ih, self.b_ih, self.w_hh, self.b_hh, self.head.weight, self.head.bias]

    def _impl(self, x: torch.Tensor) -> str:
        return choose_impl(self.hidden, x.device.type) if self.impl == "auto" else self.impl

    def sequence(self, x: torch.Tensor) -> torch.Tensor:
        """Many-to-many: the head after every step, (K, B, T, F) -> (K, B, T, out)."""
        K, B, T, _ = x.shape
        hs = self.hidden_states(x, every_step=True)  # (K, B, T, H)
        return self.head(hs.reshape(K, B * T, self.hidden)).view(K, B, T, -1)
