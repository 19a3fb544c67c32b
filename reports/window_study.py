"""Score against window length: one panel per sequence, a line per model, and the same as a table.

Input is a tidy frame, one row per (task, window, model, seed) with columns
    task, window, model, seed, value          the metric of that seed
    bound                                     best any function of the window can score (NaN if none)
    minimal_window                            the sequence's minimal window (NaN if it has none)
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from reports.figures import plt, save
from reports.messages import text
from reports.tables import fmt_number


def _by_window(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, window): mean, min, max over seeds, plus the task's bound and minimal window."""
    g = frame.groupby(["task", "model", "window"], sort=False)
    return g.agg(mean=("value", "mean"), lo=("value", "min"), hi=("value", "max"), n=("value", "count"),
                 bound=("bound", "first"), minimal_window=("minimal_window", "first")).reset_index()


def plot_metric_vs_window(frame: pd.DataFrame, metric: str, stem: Path, title: str,
                          models: list[str] | None = None, faint: tuple[str, ...] = (),
                          flat: tuple[str, ...] = (), log_y: bool = False, lang: str = "en") -> list[Path]:
    """One panel per task (in order of appearance): metric (mean over seeds, bar = min..max) against
    window length, a line per model (those in faint drawn thin and dashed, e.g. naive baselines;
    those in flat, models that read no window, as one horizontal line at their mean over every
    window and seed, shaded min..max); dashed black: the best any function of the window can do;
    dotted vertical: the minimal window."""
    s = _by_window(frame)
    tasks = list(dict.fromkeys(s.task))
    if not tasks:
        return []
    models = [m for m in (models or list(dict.fromkeys(s.model))) if m in set(s.model)]
    cols = min(3, len(tasks))
    rows = math.ceil(len(tasks) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks):
        st = s[s.task == task]
        windows = sorted(st.window.unique())
        for i, m in enumerate(models):
            sm = st[st.model == m].sort_values("window")
            if sm.empty:
                continue
            color = f"C{i % 10}"  # one colour per model in every panel
            if m in flat:
                values = frame[(frame.task == task) & (frame.model == m)].value
                ax.axhline(values.mean(), ls="-.", lw=1.4, color=color, label=text(lang, "window.no_window", model=m))
                ax.axhspan(values.min(), values.max(), color=color, alpha=0.12, lw=0)
                continue
            x = sm.window * (1 + 0.03 * (i - len(models) / 2))  # small offsets keep the bars apart
            err = np.clip([sm["mean"] - sm.lo, sm.hi - sm["mean"]], 0, None)  # float noise when seeds agree
            # points, not lines: only the windows drawn were measured, nothing lies between them
            style = dict(ms=3, alpha=0.7, mfc="none") if m in faint else dict(ms=5)
            ax.errorbar(x, sm["mean"], yerr=err, marker="o", ls="none", capsize=2, label=m, color=color, **style)
        bounds = st.drop_duplicates("window").sort_values("window")
        if bounds.bound.notna().any():
            ax.plot(bounds.window, bounds.bound, "k_", ms=14, mew=1.5, ls="none",
                    label=text(lang, "window.best_possible"))
        k = st.minimal_window.dropna()
        ticks = list(windows)
        if len(k):  # the minimal window inside the axis, even where no window was run there
            kw = max(float(k.iloc[0]), 0.5)
            ax.axvline(kw, color="0.5", ls=":", lw=1.2, label=text(lang, "window.minimal"))
            ax.text(kw, 0.02, f" {int(kw)}", transform=ax.get_xaxis_transform(), color="0.4", fontsize=8)
            ticks.append(kw)
        ax.set_xscale("log", base=2)
        ax.set_xlim(min(ticks) / 1.5, max(ticks) * 1.5)
        ax.set_xticks(windows)
        ax.set_xticklabels([str(int(w)) for w in windows])
        if log_y:
            ax.set_yscale("log")
        ax.set_title(task, fontsize=9)
        ax.set_xlabel(text(lang, "fig.window_axis"))
        ax.set_ylabel(metric)
    for ax in list(axes.flat)[len(tasks):]:
        ax.axis("off")
    legend = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(lab, h)
    handles, labels = list(legend.values()), list(legend)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 8), fontsize=8,
               bbox_to_anchor=(0.5, -0.02))
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return save(fig, stem)


def window_table(frame: pd.DataFrame, models: list[str] | None = None,
                 lang: str = "en") -> tuple[list[str], list[list[str]]]:
    """Rows (task, window): minimal window, best possible, then each model's mean ± std over seeds."""
    models = [m for m in (models or list(dict.fromkeys(frame.model))) if m in set(frame.model)]
    header = [text(lang, k) for k in ("window.task", "window.window", "window.minimal", "window.best_possible")] + models
    rows = []
    for (task, window), f in frame.groupby(["task", "window"], sort=False):
        k, bound = f.minimal_window.iloc[0], f.bound.iloc[0]
        row = [task, str(int(window)), "–" if pd.isna(k) else str(int(k)), fmt_number(bound)]
        for m in models:
            v = f[f.model == m].value.to_numpy(dtype=float)
            row.append("–" if v.size == 0 else fmt_number(v.mean()) if v.size == 1 or np.ptp(v) == 0
                       else f"{fmt_number(v.mean())} ± {fmt_number(v.std(ddof=1))}")
        rows.append(row)
    return header, rows
