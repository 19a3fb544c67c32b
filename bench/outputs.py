"""From the store to files: results.csv (tidy), results.md, results.tex and figures.

The run manifest (manifest.json) remembers which cells a grid run planned and their labels,
so ``python -m bench report`` regenerates everything without training.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from bench.errors import UserError
from bench.metrics import FIELD_NAMES, FIELDS
from bench.store import Store
from bench.tasks import get_task
from models import MODELS
from reports.figures import plot_loss_curves
from reports.tables import summarize, table_rows, to_latex, to_markdown

MANIFEST = "manifest.json"
STORE = "results.sqlite"
# Descriptive fields kept out of the main tables (they stay in results.csv).
NOT_IN_TABLES = {"best_epoch", "epochs_run", "members", "final_train_loss", "eval_wall_s"}


def write_manifest(out: Path, grid: str, profile: str, seeds: list[int], cells) -> None:
    out.mkdir(parents=True, exist_ok=True)
    doc = {"grid": grid, "profile": profile, "seeds": seeds,
           "cells": [{"key": c.config.key, "label": c.label, "task": c.config.task, "model": c.config.model}
                     for c in cells]}
    (out / MANIFEST).write_text(json.dumps(doc, indent=1))


def read_manifest(out: Path) -> dict:
    p = out / MANIFEST
    if not p.exists():
        raise UserError(f"{p}: no run manifest here; run `python -m bench run --out {out}` first")
    try:
        return json.loads(p.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UserError(f"{p}: unreadable run manifest ({e})") from None


def tidy_results(store: Store, manifest: dict) -> pd.DataFrame:
    """Columns grid, task, model, seed, metric, value (task holds the cell label), plus status."""
    labels = {c["key"]: c["label"] for c in manifest["cells"]}
    wide = store.results(list(labels))
    if wide.empty:
        return pd.DataFrame(columns=["grid", "task", "model", "seed", "metric", "value", "status"])
    wide = wide[wide.status.isin(["ok", "diverged"])]
    metric_cols = [f for f in FIELD_NAMES if f in wide.columns]
    long = wide.melt(id_vars=["cell_key", "model", "seed", "status"], value_vars=metric_cols,
                     var_name="metric", value_name="value").dropna(subset=["value"])
    long["task"] = long.cell_key.map(labels)
    long["grid"] = manifest["grid"]
    order = {f: i for i, f in enumerate(FIELD_NAMES)}
    long["_o"] = long.metric.map(order)
    long = long.sort_values(["task", "model", "_o", "seed"]).drop(columns=["_o", "cell_key"])
    return long[["grid", "task", "model", "seed", "metric", "value", "status"]].reset_index(drop=True)


def write_reports(out: Path, store: Store, manifest: dict, figures: bool = True) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    tidy = tidy_results(store, manifest)
    written = []
    csv = out / "results.csv"
    tidy.drop(columns=["status"]).to_csv(csv, index=False)
    written.append(csv)
    cells = store.cells([c["key"] for c in manifest["cells"]])
    summary = summarize(tidy.drop(columns=["status"]))
    md, tex = [f"# Results: grid `{manifest['grid']}`, profile `{manifest['profile']}`, "
               f"seeds {manifest['seeds']}\n", "Each cell: mean ± sample standard deviation over seeds."], []
    model_order = list(MODELS)
    labels = list(dict.fromkeys(c["label"] for c in manifest["cells"]))
    for label in labels:
        keys = [c["key"] for c in manifest["cells"] if c["label"] == label]
        info = next((cells[k] for k in keys if k in cells), None)
        present = set(summary[summary.task == label].metric)
        metrics = [f.name for f in FIELDS if f.name in present and f.name not in NOT_IN_TABLES]
        if not metrics:
            md.append(f"\n## {label}\n\n" + _no_results(store, keys))
            continue
        floors = info["floors"] if info else {}
        header, rows = table_rows(summary, label, metrics, model_order, {k: v for k, v in floors.items()
                                                                         if k in metrics})
        md.append(f"\n## {label}\n")
        if info:
            md.append("\n".join(f"- {k}: {v}" for k, v in info["protocol"].items()) + "\n")
        md.append(to_markdown(header, rows))
        tex.append(to_latex(header, rows, caption=f"{label} ({manifest['profile']} profile)"))
    (out / "results.md").write_text("\n".join(md) + "\n")
    (out / "results.tex").write_text("% needs \\usepackage{booktabs}\n" + "\n\n".join(tex) + "\n")
    written += [out / "results.md", out / "results.tex"]
    if figures:
        written += write_figures(out / "figures", store, manifest)
    return written


def _no_results(store: Store, keys: list[str]) -> str:
    """Why a label has no table: its cells' reasons (e.g. skipped: data not available offline)."""
    rows = store.results(keys)
    if rows.empty:
        return "No results yet."
    why = rows[rows.status != "ok"].drop_duplicates(["status", "reason"])
    return "\n".join(f"Cells {r.status}: {r.reason}" for r in why.itertuples()) or "No results yet."


def write_figures(figdir: Path, store: Store, manifest: dict) -> list[Path]:
    """Per task label: its own figures (the task's hook) and the loss curves."""
    written = []
    by_label: dict[str, list[dict]] = {}
    for c in manifest["cells"]:
        by_label.setdefault(c["label"], []).append(c)
    for label, cs in by_label.items():
        by_model, cell_arrays, curves = {}, {}, {}
        for c in cs:
            arrays = store.arrays(c["key"])
            if not arrays:
                continue
            cell_arrays = arrays.get(-1, cell_arrays)
            seeds = {s: a for s, a in arrays.items() if s >= 0}
            by_model[c["model"]] = seeds
            losses = [a["train_loss"] for a in seeds.values() if "train_loss" in a]
            if losses and len({len(x) for x in losses}) == 1:
                curves[c["model"]] = pd.DataFrame(losses).to_numpy()
            elif losses:  # early stopping: pad shorter curves with NaN
                curves[c["model"]] = pd.DataFrame(losses).to_numpy(dtype=float)
        stem = label.replace(" ", "").replace("(", "_").replace(")", "").replace(",", "_").replace("=", "")
        task = get_task(cs[0]["task"])
        if task.figures and by_model:
            written += task.figures(stem, by_model, cell_arrays, figdir)
        if curves:
            written += plot_loss_curves(curves, figdir / f"{stem}_loss", f"{label}: training loss (median, range over seeds)")
    return written
