"""Capacity-probe figure: how far past its training range each model keeps predicting strings."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from reports.figures import plt, save


def plot_accuracy_by_n(n: np.ndarray, correct: dict[str, np.ndarray], symbol_acc: dict[str, np.ndarray],
                       train_max: int, stem: Path, title: str) -> list[Path]:
    """Top: share of seeds whose string n is predicted correctly; bottom: accuracy on the string's
    deterministic symbols (median over seeds, band = range). n (N,); correct and symbol_acc:
    model -> (K, N) per seed. The training range 1..train_max is shaded."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    for name, c in correct.items():
        c = np.atleast_2d(c).astype(float)
        line, = top.step(n, c.mean(0), where="mid", label=f"{name} ({c.shape[0]} seeds)")
        a = np.atleast_2d(symbol_acc[name])
        bottom.plot(n, np.median(a, 0), color=line.get_color(), lw=1.2)
        bottom.fill_between(n, a.min(0), a.max(0), color=line.get_color(), alpha=0.15)
    for ax in (top, bottom):
        ax.axvspan(n[0] - 0.5, train_max + 0.5, color="0.85", zorder=0)
        ax.set_ylim(-0.03, 1.03)
    top.text(train_max / 2, 0.5, "training range", ha="center", color="0.4", fontsize=8)
    top.set_ylabel("share of seeds correct")
    bottom.set_ylabel("deterministic-symbol accuracy")
    bottom.set_xlabel("n")
    top.set_title(title)
    top.legend(fontsize=8, loc="upper right")
    return save(fig, stem)
