"""The figures that only the answers show: the sine's closed-loop error against the horizon, and the
stock ratio to persistence by model × target (one panel per market)."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from reports.figures import plt, save
from reports.messages import text


def plot_horizon(errors: dict[str, np.ndarray], stem: Path, title: str, lang: str = "en") -> list[Path]:
    """errors: model -> (K, steps) squared error of each closed-loop step; mean over seeds, the middle
    half of the seeds (25th to 75th percentile) shaded."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for i, (name, e) in enumerate(errors.items()):
        e = np.where(np.isfinite(e), e, np.nan)  # a diverged seed's drawing leaves gaps
        if np.isnan(e).all():
            continue
        steps = np.arange(1, e.shape[1] + 1)
        with warnings.catch_warnings():  # a step that every seed left non-finite is a gap, not a warning
            warnings.simplefilter("ignore", RuntimeWarning)
            mean, (lo, hi) = np.nanmean(e, 0), np.nanpercentile(e, [25, 75], axis=0)
        ax.plot(steps, mean, color=f"C{i}", lw=1.4, label=name)
        ax.fill_between(steps, lo, hi, color=f"C{i}", alpha=0.15, lw=0)
    ax.set_yscale("log")
    ax.set_xlabel(text(lang, "ans.fig_horizon_x"))
    ax.set_ylabel(text(lang, "ans.fig_horizon_y"))
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, ncol=4)
    return save(fig, stem)


def plot_ratios(markets: dict[str, dict[tuple[str, str], tuple[float, float, float]]], stem: Path, title: str,
                lang: str = "en") -> list[Path]:
    """markets: name -> {(model, target): (geometric mean, lo, hi)}; one panel per market, a group of
    points per target, one colour per model, the 95 % interval as a bar; log y, 1 = persistence."""
    fig, axes = plt.subplots(1, len(markets), figsize=(5.2 * len(markets), 3.8), squeeze=False)
    for ax, (name, ratios) in zip(axes.flat, markets.items()):
        targets = list(dict.fromkeys(t for _, t in ratios))
        models = [m for m in dict.fromkeys(m for m, _ in ratios) if m != "persistence"]
        for i, m in enumerate(models):
            x = np.arange(len(targets)) + (i - (len(models) - 1) / 2) * 0.12
            r = np.array([ratios.get((m, t), (np.nan,) * 3) for t in targets], dtype=float)
            err = np.clip([r[:, 0] - r[:, 1], r[:, 2] - r[:, 0]], 0, None)
            err = np.where(np.isfinite(err), err, 0)
            ax.errorbar(x, r[:, 0], yerr=err, fmt="o", ms=4, capsize=2, color=f"C{i}", label=m)
        ax.axhline(1.0, color="0.3", ls="--", lw=1, label=text(lang, "ans.fig_persistence"))
        ax.set_xticks(range(len(targets)))
        ax.set_xticklabels(targets)
        ax.set_yscale("log")
        ax.set_title(name, fontsize=9)
        ax.set_ylabel(text(lang, "ans.fig_ratio_y"))
    axes.flat[0].legend(fontsize=7, ncol=2)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return save(fig, stem)
