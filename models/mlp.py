"""Plain fully connected network on the flattened window (the assignment's "general NN")."""
from __future__ import annotations

import torch
from torch import nn

from models import native
from models.implementation import Call, choose_impl, is_float32, note
from models.stacked import StackedLinear


class MLP(nn.Module):
    """(K, B, T, F) -> flatten (K, B, T·F) -> [Linear, ReLU] × layers -> Linear -> (K, B, out)."""

    def __init__(self, gens: list[torch.Generator], in_features: int, window: int, hidden: int,
                 out_features: int, layers: int = 2):
        super().__init__()
        sizes = [window * in_features] + [hidden] * layers
        self.hidden_layers = nn.ModuleList(StackedLinear(gens, a, b) for a, b in zip(sizes, sizes[1:]))
        self.head = StackedLinear(gens, sizes[-1], out_features)

    def _choose(self, op: str, x: torch.Tensor) -> str:
        layers = [*self.hidden_layers, self.head]
        return choose_impl(Call("mlp", op, tuple(x.shape), x.device.type, float32=is_float32(x, self.head.weight),
                                grad=torch.is_grad_enabled(), x_grad=x.requires_grad, hidden=self.head.weight.shape[1],
                                width=0, largest=max(m.weight.shape[1] * m.weight.shape[2] for m in layers)))

    def mse_step(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor | None:
        """The members' mean squared errors (K,) with their gradients stored in .grad, computed
        natively without autograd (bench/train/loop.py); None where the native step does not serve."""
        if self._choose("step", x) != "native":
            return None
        note(self, "native")
        layers = [*self.hidden_layers, self.head]
        K, B = x.shape[:2]
        return native.mlp_mse_step(x.reshape(K, B, -1), target, [m.weight for m in layers], [m.bias for m in layers])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        note(self, self._choose("forward", x))  # torch: the MLP's forward has no other implementation
        K, B = x.shape[:2]
        h = x.reshape(K, B, -1)
        for layer in self.hidden_layers:
            h = torch.relu(layer(h))
        return self.head(h)
