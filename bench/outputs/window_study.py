"""Grid-level view of every task run at two or more window lengths (assignment 2's question: where
does each model break?): ``window_study.md`` and figures of accuracy (classification) or MSE
(regression) against the window, one panel per sequence, a line per model.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from bench.store.db import Store
from models import MODELS
from reports.fonts import figure_language
from reports.messages import text
from reports.tables import to_markdown
from sequences.files import write_text_atomic

METRICS = (("accuracy", "window.accuracy", False), ("mse", "window.mse", True))  # (metric, label key, log y)


def window_frame(tidy: pd.DataFrame, store: Store, manifest: dict) -> pd.DataFrame:
    """Rows task, window, model, seed, metric, value, bound, minimal_window for tasks run at >= 2 windows."""
    cells = store.cells([c["key"] for c in manifest["cells"]])
    info, minimal = {}, {}
    for c in manifest["cells"]:
        if c["key"] not in cells:
            continue
        rec = cells[c["key"]]
        spec = MODELS.get(c["model"])
        if c["label"] not in info or spec is None or spec.regime != "stateful":  # a window's bound
            info[c["label"]] = (c["task"], rec["settings"].get("window"), rec["floors"])
        if c["label"] not in minimal:  # cell-level arrays are the same for every model of a label
            k = store.arrays(c["key"]).get(-1, {}).get("minimal_window")
            minimal[c["label"]] = float(k[0]) if k is not None else np.nan
    f = tidy[tidy.metric.isin([m for m, _, _ in METRICS]) & tidy.task.isin(list(info))].copy()
    if f.empty:
        return pd.DataFrame(columns=["task", "window", "model", "seed", "metric", "value", "bound",
                                     "minimal_window"])
    f["window"] = f.task.map(lambda lab: info[lab][1])
    f["bound"] = [info[lab][2].get(m, np.nan) for lab, m in zip(f.task, f.metric)]
    f["minimal_window"] = f.task.map(minimal)
    f["task"] = f.task.map(lambda lab: info[lab][0])
    windows = f.groupby("task").window.nunique()
    f = f[f.task.isin(windows[windows >= 2].index)]
    order = {t: i for i, t in enumerate(dict.fromkeys(c["task"] for c in manifest["cells"]))}  # grid order
    f = f.sort_values(["task", "window"], key=lambda col: col.map(order) if col.name == "task" else col,
                      kind="stable")
    return f[["task", "window", "model", "seed", "metric", "value", "bound", "minimal_window"]].reset_index(drop=True)


def write_window_study(out: Path, store: Store, manifest: dict, tidy: pd.DataFrame,
                       figures: bool = True, figure_formats: tuple[str, ...] = ("png",),
                       lang: str = "en") -> list[Path]:
    frame = window_frame(tidy, store, manifest)
    if frame.empty:
        return []
    from bench.outputs.figures import kept_or_drawn, source_hash
    from reports.window_study import window_table  # (matplotlib: only for a grid with a window study)
    order = list(MODELS)
    baselines = tuple(m for m, spec in MODELS.items() if not spec.trainable)
    stateful = tuple(m for m, spec in MODELS.items() if spec.regime == "stateful")
    doc = ["# " + text(lang, "window.title") + "\n", text(lang, "window.intro") + "\n"]
    written = []
    for metric, label_key, log_y in METRICS:
        fm = frame[frame.metric == metric]
        if fm.empty:
            continue
        header, rows = window_table(fm, order, lang)
        doc += [f"\n## {metric}\n", to_markdown(header, rows)]
        if figures:  # drawn again only when its rows, the code, the formats or the language changed
            label = text(lang, label_key)
            fp = hashlib.sha256((fm.reset_index(drop=True).to_json(orient="split") + ",".join(figure_formats)
                                 + source_hash("reports.window_study", "reports.figures", write_window_study,
                                               "reports.messages.en", f"reports.messages.{lang}") + lang
                                 ).encode()).hexdigest()
            written += kept_or_drawn(out, f"window study: {metric}", fp, lambda: _draw(
                out, fm, metric, label, log_y, (order, baselines, stateful), figure_formats, lang))
    path = out / "window_study.md"
    write_text_atomic(path, "\n".join(doc) + "\n")
    return [path] + written


def _draw(out: Path, fm: pd.DataFrame, metric: str, label: str, log_y: bool, models: tuple,
          figure_formats: tuple[str, ...], lang: str) -> list[Path]:
    """models: (every model in order, the faint ones, the flat ones); the words in lang."""
    from reports.figures import figure_formats as saved_as  # matplotlib: only when something is drawn
    from reports.window_study import plot_metric_vs_window
    order, faint, flat = models
    with saved_as(figure_formats), figure_language(lang):
        return plot_metric_vs_window(fm, label, out / "figures" / f"window_{metric}",
                                     text(lang, "window.figure_title", label=label),
                                     order, faint=faint, flat=flat, log_y=log_y, lang=lang)
