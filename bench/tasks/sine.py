"""The lecture's first experiment: learn a noisy sine and draw it closed-loop.

seed profile: exactly the notebook (50 points on [-2π, 2π], noise N(0, 0.3²), window 10, hidden
64, SGD 0.01, batch 8, 200 epochs, trained and scored on all 40 windows — there is no held-out
data — and the drawing starts from the first window and runs 40 steps).
quick/full: the same spacing over a longer span, a 60/20/20 chronological split with one-window
gaps, Adam with early stopping, scored on the future part; the drawing starts at the first test
window and runs across the test part.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

import numpy as np

from bench.tasks.base import Task, TaskData
from bench.tasks.scoring import one_step, regression_metrics
from bench.train.scalers import Scaler
from bench.train.windows import check_split_sizes, chronological_split, series_windows, split_points
from sequences.sine import noisy_sine

STEP = 4 * math.pi / 49  # the lecture's spacing: np.linspace(-2π, 2π) has 50 points

_COMMON = dict(noise_std=0.3, start=-2 * math.pi, data_seed=0, layers=2, clip=None, scaler="none")
DEFAULTS = {
    "seed": dict(_COMMON, n_points=50, window=10, hidden=64, epochs=200, lr=0.01, batch_size=8,
                 optimizer="sgd", shuffle=True, patience=None, train=1.0, val=0.0),
    "quick": dict(_COMMON, n_points=393, window=10, hidden=32, epochs=200, lr=0.01, batch_size=16,
                  optimizer="adam", shuffle=True, patience=10, train=0.6, val=0.2),
    "full": dict(_COMMON, n_points=1961, window=10, hidden=64, epochs=300, lr=0.005, batch_size=32,
                 optimizer="adam", shuffle=True, patience=30, train=0.6, val=0.2),
}


def build(s: Mapping, rng: np.random.Generator) -> TaskData:
    stop = s["start"] + (s["n_points"] - 1) * STEP
    series = noisy_sine(s["n_points"], s["start"], stop, s["noise_std"], rng)
    n = len(series.values)
    pts = split_points(n, s["train"], s["val"])
    scaler = Scaler.fit(s["scaler"], series.values[:pts.a])
    ws = series_windows(scaler.transform(series.values), s["window"])
    floors = {"mse": series.meta["noise_var"], "mse_clean": 0.0}
    if s["train"] >= 1.0:  # the lecture: train and score on the same 40 windows
        train, val, test = ws, None, ws
        split = ("in-sample: all windows train and test (the lecture has no held-out data), so the "
                 "noise-variance floor does not apply: a model can fit the noise")
        floors = {"mse_clean": 0.0}
    else:
        train, val, test = chronological_split(ws, pts)
        split = (f"chronological {s['train']:.0%}/{s['val']:.0%}/{1 - s['train'] - s['val']:.0%} "
                 f"with a one-window gap at each boundary")
    return TaskData(
        train=train, val=val, test=test, in_features=1, out_features=1, classification=False,
        floors=floors,
        protocol={"source": f"sin(x) + N(0, {s['noise_std']}²), {n} points, step 4π/49",
                  "split": split, "scaler": f"{s['scaler']} (fitted on the training part)",
                  "closed_loop": "free-running from the first test window, scored against the noise-free sine"},
        arrays={"x": series.index, "noisy": series.values, "clean": series.clean,
                "test_start": np.array([int(test.start[0]) + s["window"]]),
                "test_true": scaler.inverse(test.targets.numpy()[:, 0]),
                "persistence_loss": (scaler.inverse(test.inputs()[:, -1, 0].numpy())
                                     - scaler.inverse(test.targets.numpy()[:, 0])) ** 2},
        extra={"scaler": scaler, "clean": series.clean},
    )


def check(s: Mapping) -> None:
    check_split_sizes(s["n_points"], s["window"], s["train"], s["val"])


def evaluate(model, data: TaskData, s: Mapping):
    import torch

    from bench.train.loop import closed_loop
    scaler, clean, T = data.extra["scaler"], data.extra["clean"], s["window"]
    pred, true, last = one_step(model, data.test, scaler)
    target_pos = data.test.start.cpu().numpy() + T
    out = regression_metrics(pred, true, last)
    out["mse_clean"] = ((pred - clean[target_pos][None]) ** 2).mean(1)
    # Closed loop: from the first test window, feed outputs back for the rest of the series.
    first = int(data.test.start[0])
    steps = len(clean) - first - T
    K = pred.shape[0]
    w = data.test.inputs(torch.zeros(1, dtype=torch.long, device=data.test.seq.device))  # (1, T, 1)
    drawn = closed_loop(model, w.unsqueeze(0).expand(K, 1, T, 1).contiguous(), steps)
    drawn = scaler.inverse(drawn.cpu().numpy()[:, 0, :, 0])  # (K, steps)
    out["closed_loop_mse"] = ((drawn - clean[first + T:][None]) ** 2).mean(1)
    return out, {"closed_loop": drawn, "test_pred": pred, "pointwise_loss": (pred - true[None]) ** 2}


def figures(task: str, by_model: dict, cell: dict, outdir: Path, lang: str = "en",
            settings: Mapping | None = None) -> list[Path]:
    from reports.figures import plot_drawings
    from reports.messages import text
    drawings = {m: seeds[min(seeds)]["closed_loop"] for m, seeds in by_model.items() if seeds
                and "closed_loop" in seeds[min(seeds)]}
    if not drawings or "x" not in cell:
        return []
    return plot_drawings(cell["x"], cell["noisy"], cell["clean"], int(cell["test_start"][0]), drawings,
                         outdir / f"{task}_closed_loop",
                         title=text(lang, "fig.sine_title", label=words(settings, lang) if settings else task), lang=lang)


def words(settings: Mapping, lang: str = "en") -> str:
    """The task in words, for figure titles and headings."""
    from reports.messages import text
    return text(lang, "fig.words_sine")


TASK = Task(name="sine", kind="regression",
            description="noisy sine (lecture exp. 1): one-step MSE and closed-loop drawing",
            defaults=DEFAULTS, build=build, evaluate=evaluate, figures=figures, check=check,
            words=words)
