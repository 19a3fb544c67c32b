"""Plain fully connected network on the flattened window (the assignment's "general NN")."""
from __future__ import annotations

import torch
from torch import nn

from models import native
from models.stacked import StackedLinear


class MLP(nn.Module):
    """(K, B, T, F) -> flatten (K, B, T·F) -> [Linear, ReLU] × layers -> Linear -> (K, B, out)."""

    def __init__(self, gens: list[torch.Generator], in_features: int, window: int, hidden: int,
                 out_features: int, layers: int = 2):
        super().__init__()
        sizes = [window * in_features] + [hidden] * layers
        self.hidden_layers = nn.ModuleList(StackedLinear(gens, a, b) for a, b in zip(sizes, sizes[1:]))
        self.head = StackedLinear(gens, sizes[-1], out_features)

    def mse_step(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor | None:
        """The members' mean squared errors (K,) with their gradients stored in .grad, computed
        natively without autograd (bench/train.py); None where the native path does not serve."""
        layers = [*self.hidden_layers, self.head]
        largest = max((m.weight for m in layers), key=lambda w: w.shape[1] * w.shape[2])
        if not (torch.is_grad_enabled() and native.usable(x, weights=largest, rows=x.shape[1]) and not x.requires_grad
                and len(layers) <= native.MLP_MAX_LAYERS + 1):
            return None
        K, B = x.shape[:2]
        return native.mlp_mse_step(x.reshape(K, B, -1), target, [m.weight for m in layers], [m.bias for m in layers])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        K, B = x.shape[:2]
        h = x.reshape(K, B, -1)
        for layer in self.hidden_layers:
            h = torch.relu(layer(h))
        return self.head(h)
