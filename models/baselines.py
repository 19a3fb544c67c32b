"""Naive forecasts scored by the same metrics code as the networks: (K, B, T, F) -> (K, B, out).

They have no trainable parameters; ``fit`` sees the training targets only.
"""
from __future__ import annotations

import torch
from torch import nn


class Baseline(nn.Module):
    """A forecast with no trainable parameters, fitted on the training windows alone."""

    def __init__(self, members: int, out_features: int, classification: bool):
        super().__init__()
        self.members, self.out_features, self.classification = members, out_features, classification

    def fit(self, y: torch.Tensor) -> "Baseline":
        """y: the training targets (S, out) floats, or (S,) class labels."""
        return self


class Persistence(Baseline):
    """Tomorrow equals today: the window's last value (classification: its last symbol)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = x[:, :, -1, :]  # (K, B, F)
        if self.classification:
            # Inputs are one-hot symbols: put (almost) all mass on the last one, so that
            # cross-entropy stays finite when it is wrong.
            eps = 1e-3
            return torch.log(last[..., :self.out_features] * (1 - eps) + eps / self.out_features)
        return last[..., :self.out_features]


class Mean(Baseline):
    """The training targets' mean (classification: their class frequencies, i.e. majority)."""

    def fit(self, y: torch.Tensor) -> "Mean":
        if self.classification:
            counts = torch.bincount(y.reshape(-1).long(), minlength=self.out_features).float()
            value = torch.log((counts + 1.0) / (counts.sum() + self.out_features))  # Laplace-smoothed
        else:
            value = y.reshape(-1, self.out_features).mean(0)
        self.register_buffer("value", value)
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        K, B = x.shape[:2]
        return self.value.to(x.device).expand(K, B, self.out_features)


class Chance(Baseline):
    """Uniform guess over the classes: accuracy 1/C and cross-entropy ln C in expectation."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        K, B = x.shape[:2]
        return x.new_full((K, B, self.out_features), -torch.log(torch.tensor(float(self.out_features))).item())
