"""Figures as PNG (and PDF on request), axes labelled; each function returns the paths it wrote."""
from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from reports.messages import text  # noqa: E402
from sequences.files import atomic_path  # noqa: E402


FORMATS = ("png", "pdf")  # what save() can write
_formats = ("png",)  # what it writes now; figure_formats() sets it around a report's drawing


@contextmanager
def figure_formats(formats: tuple[str, ...]):
    """save() writes these formats inside the block (PDF costs about as much again as PNG to write),
    so that every figure function and task hook follows one choice without passing it along."""
    global _formats
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"figure formats must be a non-empty subset of {FORMATS}, got {formats!r}")
    before, _formats = _formats, tuple(formats)
    try:
        yield
    finally:
        _formats = before


def save(fig, stem: Path) -> list[Path]:
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [stem.parent / f"{stem.name}.{f}" for f in _formats]  # a stem may hold a dot
    for p in paths:
        with atomic_path(p) as tmp:  # a temporary file, then replaced: never through a planted link
            fig.savefig(tmp, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return paths


def date_axis(ax) -> None:
    """Dates on ax's x axis, 3 to 8 ticks: every span from a few days to years finds an interval (a
    tighter bound finds none for some spans, and matplotlib warns on each drawing)."""
    import matplotlib.dates as mdates
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))


def warm() -> None:
    """Draw one small figure into memory: the first drawing of a process loads the fonts and builds
    the mathtext parser, which a report process can do while the cells still train."""
    import io
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [1, 0.1], label="x")
    ax.set_yscale("log")
    ax.set(title="t", xlabel="$x_t$", ylabel="$\\hat{y}$")
    ax.legend()
    fig.savefig(io.BytesIO(), format="png", dpi=30, bbox_inches="tight")
    plt.close(fig)


def plot_drawings(x: np.ndarray, noisy: np.ndarray, clean: np.ndarray, test_start: int,
                  drawings: dict[str, np.ndarray], stem: Path, title: str,
                  ylabel: str | None = None, lang: str = "en") -> list[Path]:
    """The noisy data and each model's free-running drawing from test_start - T onwards.

    drawings: model -> (steps,) values for positions len(x) - steps .. len(x) - 1; the words in lang.
    """
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(x, noisy, ".", color="0.6", ms=4, label=text(lang, "fig.noisy_data"))
    ax.plot(x, clean, "-", color="0.2", lw=1, label=text(lang, "fig.noise_free"))
    for name, d in drawings.items():
        d = np.where(np.isfinite(d), d, np.nan)  # a diverged drawing leaves gaps, not inf
        ax.plot(x[len(x) - len(d):], d, lw=1.5, label=text(lang, "fig.closed_loop_line", model=name))
    lo, hi = float(np.nanmin(noisy)), float(np.nanmax(noisy))
    pad = 0.5 * (hi - lo) or 1.0
    ax.set_ylim(lo - pad, hi + pad)  # a runaway drawing must not hide the data
    ax.axvline(x[test_start], color="0.5", ls=":", lw=1)
    ax.set_xlabel(text(lang, "fig.x_rad"))
    ax.set_ylabel(ylabel if ylabel is not None else text(lang, "fig.value_axis"))
    ax.set_title(title)
    ax.legend(fontsize=8, ncol=3)
    return save(fig, stem)


def plot_loss_curves(curves: dict[str, np.ndarray], stem: Path, title: str, ylabel: str | None = None,
                     lang: str = "en") -> list[Path]:
    """curves: model -> (K, epochs) per-member losses; the median across members with its range."""
    finite = {}
    for name, c in curves.items():
        c = np.atleast_2d(np.asarray(c, dtype=float))
        c = np.where(np.isfinite(c), c, np.nan)  # a diverged member's inf/NaN epochs are gaps
        if not np.isnan(c).all():
            finite[name] = c
    if not finite:
        return []  # every member diverged at once: nothing to draw
    fig, ax = plt.subplots(figsize=(7, 4))
    positive = False
    for name, c in finite.items():
        positive |= bool(np.nanmax(c) > 0)
        e = np.arange(1, c.shape[1] + 1)
        with warnings.catch_warnings():  # epochs where every member diverged stay NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            line, = ax.plot(e, np.nanmedian(c, 0), label=name)
            ax.fill_between(e, np.nanmin(c, 0), np.nanmax(c, 0), color=line.get_color(), alpha=0.15)
    ax.set_yscale("log" if positive else "linear")
    ax.set_xlabel(text(lang, "fig.epoch"))
    ax.set_ylabel(ylabel if ylabel is not None else text(lang, "fig.loss_axis"))
    ax.set_title(title)
    ax.legend(fontsize=8)
    return save(fig, stem)


def plot_intervals(rows: list[tuple[str, float, float, float]], stem: Path, title: str, xlabel: str,
                   floor: float | None = None, reference: str | None = None, lang: str = "en") -> list[Path]:
    """One task's metric per model: mean with its 95 % interval over seeds, the floor as a line.

    rows: (model, mean, lo, hi); lo/hi NaN draws the mean alone.
    """
    fig, ax = plt.subplots(figsize=(6, 0.45 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    for yi, (name, mean, lo, hi) in zip(y, rows):
        err = None if np.isnan(lo) else [[mean - lo], [hi - mean]]
        color = "0.45" if name == reference else "C0"
        ax.errorbar([mean], [yi], xerr=err, fmt="o", color=color, capsize=3, ms=4)
    values = [v for _, *r in rows for v in r if np.isfinite(v)] + ([floor] if floor is not None else [])
    if values and min(values) > 0 and max(values) / min(values) > 30:
        ax.set_xscale("log")  # e.g. a naive baseline far above the networks
    if floor is not None:
        ax.axvline(floor, color="C3", ls="--", lw=1, label=text(lang, "fig.floor_line", floor=floor))
        ax.legend(fontsize=8, loc="best")
    ax.set_yticks(y, [text(lang, "fig.reference_tick", model=n) if n == reference else n for n, *_ in rows])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(text(lang, "table.model"))
    ax.set_title(title, fontsize=10)
    return save(fig, stem)
