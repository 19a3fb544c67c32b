"""Figures as PNG and PDF, axes labelled; each function returns the paths it wrote."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save(fig, stem: Path) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.with_suffix(".png"), stem.with_suffix(".pdf")]
    for p in paths:
        fig.savefig(p, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return paths


def plot_drawings(x: np.ndarray, noisy: np.ndarray, clean: np.ndarray, test_start: int,
                  drawings: dict[str, np.ndarray], stem: Path, title: str) -> list[Path]:
    """The noisy data and each model's free-running drawing from test_start - T onwards.

    drawings: model -> (steps,) values for positions len(x) - steps .. len(x) - 1.
    """
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(x, noisy, ".", color="0.6", ms=4, label="noisy data")
    ax.plot(x, clean, "-", color="0.2", lw=1, label="sin(x) (noise-free)")
    for name, d in drawings.items():
        ax.plot(x[len(x) - len(d):], d, lw=1.5, label=f"{name} closed loop")
    ax.axvline(x[test_start], color="0.5", ls=":", lw=1)
    ax.set_xlabel("x (rad)")
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=3)
    return save(fig, stem)


def plot_loss_curves(curves: dict[str, np.ndarray], stem: Path, title: str, ylabel: str = "training loss") -> list[Path]:
    """curves: model -> (K, epochs) per-member losses; the median across members with its range."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, c in curves.items():
        c = np.atleast_2d(c)
        e = np.arange(1, c.shape[1] + 1)
        line, = ax.plot(e, np.nanmedian(c, 0), label=name)
        ax.fill_between(e, np.nanmin(c, 0), np.nanmax(c, 0), color=line.get_color(), alpha=0.15)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return save(fig, stem)
