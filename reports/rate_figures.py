"""Learning-rate figure: each model's validation score against the rate, the selected rate marked."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from reports.figures import plt, save
from reports.messages import text


def plot_rate_curves(curves: pd.DataFrame, stem: Path, title: str, ylabel: str,
                     this_run: dict[str, tuple[float, float]] | None = None, lang: str = "en") -> list[Path]:
    """curves: model, lr, mean, lo, hi, chosen (lo/hi NaN: no range) -> one line per model on a log
    rate axis, the seeds' range shaded, the chosen rate circled. this_run: model -> (lr, mean
    score) of the cells this run trained, drawn as crosses (a run at stored rates)."""
    if curves.empty:
        return []
    fig, ax = plt.subplots(figsize=(7, 4))
    values = []
    for model, g in curves.groupby("model", sort=False):
        g = g.sort_values("lr").astype({"lr": float, "mean": float, "lo": float, "hi": float})
        mean = np.where(np.isfinite(g["mean"]), g["mean"], np.nan)  # a diverged rate is a gap
        line, = ax.plot(g.lr, mean, "o-", ms=3, label=model)
        if g.lo.notna().any():
            ax.fill_between(g.lr, g.lo, g.hi, color=line.get_color(), alpha=0.12)
        pick = g[g.chosen]
        ax.plot(pick.lr, pick["mean"], "o", ms=11, mfc="none", mec=line.get_color(), mew=1.5)
        if this_run and model in this_run:
            ax.plot(*this_run[model], "x", ms=8, color=line.get_color())
        values += [v for v in np.r_[mean, g.lo.to_numpy(dtype=float), g.hi.to_numpy(dtype=float)] if np.isfinite(v)]
    ax.set_xscale("log")
    if values and min(values) > 0 and max(values) / min(values) > 10:  # e.g. one rate far off
        ax.set_yscale("log")
    ax.set_xlabel(text(lang, "fig.learning_rate"))
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return save(fig, stem)
