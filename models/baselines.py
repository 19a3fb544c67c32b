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


class RowMean(Baseline):
    """Per-position mean of the training targets: for images, the mean training image's row at the
    height being predicted. A window alone does not tell its height, so this baseline is
    *positional*: fit and forward also take each target's position in its sequence (B,), which the
    tasks that know it pass (windows know it: start + window). Unseen positions get the global mean.
    """

    positional = True

    def fit(self, y: torch.Tensor, positions: torch.Tensor) -> "RowMean":
        y = y.reshape(-1, self.out_features).float()
        P = int(positions.max()) + 1
        sums = torch.zeros(P, self.out_features, device=y.device).index_add_(0, positions, y)
        counts = torch.bincount(positions, minlength=P).unsqueeze(1)
        table = torch.where(counts > 0, sums / counts.clamp(min=1), y.mean(0))  # (P, out)
        self.register_buffer("table", torch.cat([table, y.mean(0, keepdim=True)]))  # last row: global mean
        return self

    def forward(self, x: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
        if positions is None:
            raise ValueError("mean_row needs the target positions; only positional tasks can score it")
        K, B = x.shape[:2]
        pos = positions.to(self.table.device).clamp(max=len(self.table) - 1)  # beyond: global mean
        return self.table[pos].to(x.device).expand(K, B, self.out_features)
