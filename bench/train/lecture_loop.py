"""The lecture's training loop, kept as the yardstick for speed: one model at a time.

Written the way the notebook trains its sine RNN: a torch module (nn.RNN / nn.LSTM / nn.GRU with
batch_first, a Linear head on the last step), a DataLoader over a TensorDataset with shuffling,
MSELoss, and `loss.item()` after every step. The MLP gets the same loop around an nn.Sequential.
Only the training loop is timed; the notebook's periodic plotting is not part of the work.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from bench.device import timed

MODULES = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class LectureRNN(nn.Module):
    """The notebook's class: a recurrent module, then a Linear on the last time step."""

    def __init__(self, kind: str, in_features: int, hidden: int, out_features: int):
        super().__init__()
        self.rnn = MODULES[kind](in_features, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, F) -> (B, out)
        y, _ = self.rnn(x, None)
        return self.fc(y[:, -1, :])


def lecture_model(kind: str, in_features: int, hidden: int, out_features: int, window: int,
                  layers: int) -> nn.Module:
    if kind in MODULES:
        return LectureRNN(kind, in_features, hidden, out_features)
    if kind != "mlp":
        raise ValueError(f"no lecture loop for model {kind!r}; choose from mlp, {', '.join(MODULES)}")
    sizes = [window * in_features] + [hidden] * layers
    body = [m for a, b in zip(sizes, sizes[1:]) for m in (nn.Linear(a, b), nn.ReLU())]
    return nn.Sequential(nn.Flatten(), *body, nn.Linear(sizes[-1], out_features))


def train_lecture_loop(model: nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, batch_size: int,
                       lr: float, optimizer: str = "sgd", seed: int = 0) -> tuple[float, list[float]]:
    """Train one model the notebook's way on x (S, T, F), y (S, out); returns (seconds, losses)."""
    torch.manual_seed(seed)  # the DataLoader's shuffle
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    loss_fnc = nn.MSELoss()
    record = []
    clock = timed(x.device)
    for _ in range(epochs):
        model.train()
        loss_train = 0.0
        for j, (xb, tb) in enumerate(loader):
            loss = loss_fnc(model(xb), tb)
            loss_train += loss.item()  # the host sync the notebook does every step
            opt.zero_grad()
            loss.backward()
            opt.step()
        record.append(loss_train / (j + 1))
    return clock(), record
