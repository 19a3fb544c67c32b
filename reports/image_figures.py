"""Image completion figure, as in the lecture: originals above, each model's completions below."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from reports.figures import plt, save
from reports.messages import text


def plot_completions(originals: np.ndarray, completed: dict[str, np.ndarray], given_rows: int, stem: Path,
                     title: str, lang: str = "en") -> list[Path]:
    """originals (N, H, W) and, per model, completed (N, H, W): rows given_rows.. generated.

    One row of N images per model under the originals; a red line marks where generation starts.
    """
    n = len(originals)
    rows = [(text(lang, "fig.original"), originals)] + list(completed.items())
    fig, axes = plt.subplots(len(rows), n, figsize=(0.9 * n + 1.2, 0.9 * len(rows) + 0.6), squeeze=False)
    for r, (name, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(np.clip(images[c], 0.0, 1.0), cmap="Greys_r", vmin=0.0, vmax=1.0)
            if r > 0:
                ax.axhline(given_rows - 0.5, color="tab:red", lw=0.8)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    h = 0.9 * len(rows) + 0.6
    fig.subplots_adjust(left=0.1, right=0.99, top=1 - 0.45 / h, bottom=0.3 / h, wspace=0.06, hspace=0.1)
    fig.suptitle(title, fontsize=10, y=1 - 0.1 / h)
    fig.text(0.5, 0.05 / h, text(lang, "fig.completion_note", rows=given_rows), ha="center", fontsize=8)
    return save(fig, stem)


def plot_row_errors(row_mse: dict[str, np.ndarray], first_row: int, stem: Path, title: str,
                    lang: str = "en") -> list[Path]:
    """row_mse: model -> (K, R) closed-loop MSE of each generated row (rows first_row+1 .. first_row+R,
    1-based); the median over members with its range. Nothing is written for an empty dict."""
    if not row_mse:
        return []
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, r in row_mse.items():
        r = np.atleast_2d(r)
        rows = np.arange(first_row + 1, first_row + 1 + r.shape[1])
        line, = ax.plot(rows, np.median(r, 0), marker=".", label=name)
        ax.fill_between(rows, r.min(0), r.max(0), color=line.get_color(), alpha=0.15)
    ax.set_xlabel(text(lang, "fig.generated_row"))
    ax.set_ylabel(text(lang, "fig.row_mse_axis"))
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=2)
    return save(fig, stem)
