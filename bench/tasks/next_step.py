"""One series, next-step prediction: digits as 10-class classification, reals as regression.

Digits enter as one-hot windows (T, 10) and the model outputs 10 logits; scored by accuracy and
cross-entropy (nats), with the per-point NLL stored for paired tests. Reals enter as (T, 1) and
are scored by MSE and the ratio to persistence. Both use a chronological split with a one-window
gap at each boundary (bench.train.windows), so no test target is ever seen in training.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from bench import metrics
from bench.tasks.base import TaskData
from bench.tasks.scoring import one_step, regression_metrics
from bench.train.scalers import Scaler
from bench.train.windows import WindowSet, chronological_split, series_windows, split_points
from sequences import Series


def _split(values: np.ndarray, s: Mapping, targets: np.ndarray | None = None):
    """Train/validation/test WindowSets of values (N, F) and a sentence saying how they were cut."""
    ws = series_windows(values, s["window"], targets)
    train, val, test = chronological_split(ws, split_points(len(values), s["train"], s["val"]))
    if len(train) == 0 or len(test) == 0:
        raise ValueError(f"{len(values)} values are too few for window {s['window']} and split "
                         f"{s['train']}/{s['val']}: {len(train)} training and {len(test)} test windows")
    rest = 1 - s["train"] - s["val"]
    text = (f"chronological {s['train']:.0%}/{s['val']:.0%}/{rest:.0%} of {len(values)} values with a "
            f"one-window gap at each boundary: {len(train)} train, {len(val)} validation, {len(test)} test windows")
    return train, (val if len(val) else None), test, text


def symbol_windows(labels: np.ndarray, ws: WindowSet) -> np.ndarray:
    """The symbols each window reads (S, T), from the labels (N,) without touching one-hot inputs."""
    start = ws.start.cpu().numpy()
    return labels[start[:, None] + np.arange(ws.window)[None]]


def build_digits(series: Series, s: Mapping, floors: dict, protocol: dict,
                 arrays: dict | None = None) -> TaskData:
    """Windows of one-hot digits (T, C) -> next digit's class; C = series.n_classes."""
    from models.baselines import Persistence
    labels = np.asarray(series.values, dtype=np.int64)
    C = int(series.n_classes)
    onehot = np.eye(C, dtype=np.float32)[labels]  # (N, C)
    train, val, test, split = _split(onehot, s, labels)
    test_true = test.targets.numpy()
    persist = Persistence(1, C, True)(test.inputs().unsqueeze(0)).numpy()  # (1, S, C) log-probabilities
    return TaskData(
        train=train, val=val, test=test, in_features=C, out_features=C, classification=True, floors=floors,
        protocol={"source": series.source, "split": split, "input": f"one-hot windows of {s['window']} digits",
                  **protocol},
        arrays={"test_true": test_true, "persistence_loss": metrics.pointwise_nll(persist, test_true)[0],
                "window": np.array([s["window"]]), **(arrays or {})},
    )


def evaluate_digits(model, data: TaskData, s: Mapping):
    from bench.train.loop import predict
    logits = predict(model, data.test).cpu().numpy()  # (K, S, C)
    labels = data.test.targets.cpu().numpy()
    nll = metrics.pointwise_nll(logits, labels)  # (K, S) nats
    return ({"accuracy": metrics.accuracy(logits, labels), "cross_entropy": nll.mean(1)},
            {"pointwise_loss": nll.astype(np.float32), "test_pred": logits.argmax(-1).astype(np.int8)})


def build_reals(series: Series, s: Mapping, floors: dict, protocol: dict, arrays: dict | None = None) -> TaskData:
    """Windows of real values (T, 1) -> the next value; no scaling (the values are O(1))."""
    train, val, test, split = _split(series.values, s)
    scaler = Scaler.fit("none", series.values)
    true = test.targets.numpy()[:, 0]
    last = test.inputs()[:, -1, 0].numpy()
    return TaskData(
        train=train, val=val, test=test, in_features=1, out_features=1, classification=False, floors=floors,
        protocol={"source": series.source, "split": split, "scaler": "none", **protocol},
        arrays={"test_true": true, "persistence_loss": (last - true) ** 2, "window": np.array([s["window"]]),
                **(arrays or {})},
        extra={"scaler": scaler},
    )


def evaluate_reals(model, data: TaskData, s: Mapping):
    pred, true, last = one_step(model, data.test, data.extra["scaler"])
    return regression_metrics(pred, true, last), {"pointwise_loss": ((pred - true[None]) ** 2).astype(np.float32),
                                                  "test_pred": pred.astype(np.float32)}
