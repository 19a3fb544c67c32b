"""Scoring helpers shared by the real-valued tasks: one-step predictions in data units."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bench import metrics
from bench.train.scalers import Scaler

if TYPE_CHECKING:  # the scoring runs where the cell trains; planning imports this without torch
    from torch import nn

    from bench.train.windows import WindowSet


def one_step(model: nn.Module, ws: WindowSet, scaler: Scaler) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Predictions (K, S), targets (S,) and the windows' last values (S,), all in data units
    (first output feature)."""
    from bench.train.loop import predict
    pred = scaler.inverse(predict(model, ws).cpu().numpy()[..., 0])
    true = scaler.inverse(ws.targets.cpu().numpy()[:, 0])
    last = scaler.inverse(ws.inputs()[:, -1, 0].cpu().numpy())
    return pred, true, last


def regression_metrics(pred: np.ndarray, true: np.ndarray, last: np.ndarray) -> dict[str, np.ndarray]:
    """mse, mae, rmse and the ratio to the persistence forecast (last value) for (K, S) predictions."""
    m = metrics.mse(pred, true)
    persistence = float(np.mean((last.astype(np.float64) - true) ** 2))
    return {"mse": m, "mae": metrics.mae(pred, true), "rmse": np.sqrt(m),
            "mse_vs_persistence": m / persistence if persistence > 0 else np.full_like(m, np.nan)}
