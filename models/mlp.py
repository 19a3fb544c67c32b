"""Plain fully connected network on the flattened window (the assignment's "general NN")."""
from __future__ import annotations

import torch
from torch import nn

from models.stacked import StackedLinear


class MLP(nn.Module):
    """(K, B, T, F) -> flatten (K, B, T·F) -> [Linear, ReLU] × layers -> Linear -> (K, B, out)."""

    def __init__(self, gens: list[torch.Generator], in_features: int, window: int, hidden: int,
                 out_features: int, layers: int = 2):
        super().__init__()
        sizes = [window * in_features] + [hidden] * layers
        self.hidden_layers = nn.ModuleList(StackedLinear(gens, a, b) for a, b in zip(sizes, sizes[1:]))
        self.head = StackedLinear(gens, sizes[-1], out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        K, B = x.shape[:2]
        h = x.reshape(K, B, -1)
        for layer in self.hidden_layers:
            h = torch.relu(layer(h))
        return self.head(h)
