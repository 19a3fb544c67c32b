"""Parameters for K members trained together: every tensor has a leading member axis K.

Each member draws its initial values from its own torch.Generator, in a fixed order, so a
member initialised inside a stack of K is bit-identical to the same member built alone (K = 1).
"""
from __future__ import annotations

import math

import torch
from torch import nn


def member_generators(seeds: list[int]) -> list[torch.Generator]:
    """One CPU generator per member, seeded with that member's seed."""
    gens = []
    for s in seeds:
        g = torch.Generator()
        g.manual_seed(int(s))
        gens.append(g)
    return gens


def stacked_uniform(gens: list[torch.Generator], shape: tuple[int, ...], bound: float) -> nn.Parameter:
    """(K, *shape) parameter, member k ~ U(-bound, bound) drawn from gens[k]."""
    members = [(torch.rand(shape, generator=g) * 2.0 - 1.0) * bound for g in gens]
    return nn.Parameter(torch.stack(members))


class StackedLinear(nn.Module):
    """K independent affine maps: (K, B, in) -> (K, B, out), initialised like nn.Linear."""

    def __init__(self, gens: list[torch.Generator], in_features: int, out_features: int):
        super().__init__()
        bound = 1.0 / math.sqrt(in_features)
        self.weight = stacked_uniform(gens, (in_features, out_features), bound)  # (K, in, out)
        self.bias = stacked_uniform(gens, (1, out_features), bound)  # (K, 1, out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)
