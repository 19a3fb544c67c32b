"""Learning rates in a run's report: which cell of a sweep enters the tables, how each model's rate
was chosen (a protocol line per task label), and validation score against rate (a figure).

A (label, model) with several cells in the manifest is a sweep (bench/store/rates.py): its cells differ
only in rate. reports.selection picks one per group from the validation scores alone; the other
cells leave the tables (their rows stay in the store, and a failed one is still listed). A
walk-forward group also holds a composed cell (bench/store/fold_rates.py), a rate per fold: that cell is
kept, and every rate some fold chose is marked chosen.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from bench.store import fold_rates
from bench.errors import UserError
from bench.outputs.report_inputs import IN_TABLES, Run, load_run
from bench.store.rates import STORE_COMMAND, SWEEP_COMMAND, at_edge, stored_rate, write_stored
from bench.tasks import get_task
from models import MODELS
from reports.messages import text
from reports.selection import COLUMNS, select_rates


def sweep_groups(run: Run) -> dict[tuple[str, str], list[dict]]:
    """(label, model) -> its manifest cells, for the groups with more than one cell."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for label, cs in run.labels.items():
        for c in cs:
            groups.setdefault((label, c["model"]), []).append(c)
    return {k: v for k, v in groups.items() if len(v) > 1}


def apply_selection(run: Run) -> Run:
    """Select each sweep's rate; run.sweep holds the selection's rows (reports.selection.COLUMNS),
    run.dropped the keys of the cells not selected, and run.labels keeps only the selected cell."""
    groups = sweep_groups(run)
    rows, key_of, composed = [], {}, {}
    for (label, model), cs in groups.items():
        for c in cs:
            if c["key"] in run.folds and "sweep_lr" in run.folds[c["key"]]:  # the per-fold composition
                composed[(label, model)] = c["key"]
                continue
            lr = float(run.cells.get(c["key"], {}).get("settings", {}).get("lr", np.nan))
            key_of[(label, model, lr)] = c["key"]
            w = run.wide[(run.wide.cell_key == c["key"]) & run.wide.status.isin(IN_TABLES)] if len(run.wide) else []
            if len(w) and "val_score" in w:
                rows += [(label, model, lr, int(s), float(v)) for s, v in zip(w.seed, w.val_score)]
    sel = select_rates(pd.DataFrame(rows, columns=["label", "model", "lr", "seed", "val_score"])) if rows \
        else pd.DataFrame(columns=COLUMNS)
    for (label, model), key in composed.items():  # walk-forward: every rate some fold chose
        used = set(run.folds[key]["fold_lr"].tolist())
        g = (sel.label == label) & (sel.model == model)
        ends = sel[g].lr.agg(["min", "max"]).tolist() if g.any() else []
        sel.loc[g, "chosen"] = sel[g].lr.isin(used)
        sel.loc[g, "edge"] = sel[g].lr.isin(used) & sel[g].lr.isin(ends) & (g.sum() > 1)
    keep = {key_of[(r.label, r.model, r.lr)] for r in sel[sel.chosen].itertuples() if (r.label, r.model)
            not in composed} | set(composed.values())
    decided = {(r.label, r.model) for r in sel[sel.chosen].itertuples()} | set(composed)
    run.dropped = {c["key"] for g, cs in groups.items() if g in decided for c in cs} - keep
    run.labels = {label: [c for c in cs if c["key"] not in run.dropped] for label, cs in run.labels.items()}
    run.table_seeds = {k: v for k, v in run.table_seeds.items() if k not in run.dropped}
    run.sweep = sel
    return run


def rate_text(run: Run, key: str) -> str:
    """A cell's rate as the report names it: one rate, or one per walk-forward fold ("a | b | c")."""
    per_fold = run.folds.get(key, {}).get("fold_lr")
    if per_fold is None:
        return f"{float(run.cells[key]['settings']['lr']):g}"
    return " | ".join(f"{r:g}" for r in per_fold)


def _grid(rates) -> str:
    return ", ".join(f"{r:g}" for r in sorted(rates))


def rate_protocol(run: Run, label: str, lang: str = "en") -> dict[str, str]:
    """The label's protocol line on learning rates, in lang: selected by this run's sweep, by a stored
    sweep, or fixed (and why)."""
    sel = run.sweep[run.sweep.label == label] if run.sweep is not None else pd.DataFrame(columns=COLUMNS)
    how: dict[str, list[str]] = {}
    stored_edge: list[str] = []  # stored choices at their sweep's edge
    for c in run.labels.get(label, []):
        info = run.cells.get(c["key"])
        if info is None or not MODELS.get(c["model"]) or not MODELS[c["model"]].trainable:
            continue
        s, m = info["settings"], c["model"]
        lr = rate_text(run, c["key"])
        entry = stored_rate(run.manifest["profile"], label, m, s)
        if m in set(sel.model):
            kind = "rate.by_sweep"
        elif entry is not None and float(entry["lr"]) == float(s["lr"]) and (
                c["key"] not in run.folds or entry.get("fold_lr") == run.folds[c["key"]]["fold_lr"].tolist()):
            kind = "rate.by_stored"
        elif not _has_validation(info):
            kind = "rate.no_validation"
        else:
            kind = "rate.no_stored"
        how.setdefault(kind, []).append(f"{m} {lr}")
        if kind == "rate.by_stored" and at_edge(entry):
            stored_edge.append(m)
    if not how:
        return {}
    parts = []
    for kind, models in how.items():
        part = text(lang, "rate.part", kind=text(lang, kind), models=", ".join(models))
        if kind == "rate.by_sweep":
            part += text(lang, "rate.sweep_detail", grid=_grid(sel.lr.unique()))
            edge = sel[sel.edge]
            if len(edge):
                part += text(lang, "rate.edge", models=", ".join(dict.fromkeys(edge.model)))
        elif kind == "rate.by_stored":
            part += text(lang, "rate.stored_detail", sources=stored_sources(run, label, lang), sweep=SWEEP_COMMAND,
                         store=STORE_COMMAND)
            if stored_edge:
                part += text(lang, "rate.edge", models=", ".join(stored_edge))
        parts.append(part)
    line = text(lang, "sep.list").join(parts)
    if any(c["key"] in run.folds for c in run.labels.get(label, [])):
        line += text(lang, "rate.per_fold")
    return {"learning rate": line}  # the field's name is translated with the others


def stored_sources(run: Run, label: str, lang: str = "en") -> str:
    """How the stored rates of a label's cells were selected: grid, seeds and commit, once each."""
    seen = []
    for c in run.labels.get(label, []):
        info = run.cells.get(c["key"])
        entry = stored_rate(run.manifest["profile"], label, c["model"], info["settings"]) if info else None
        if entry is not None:
            source = text(lang, "rate.source", grid=_grid(float(r) for r in entry["val"]), seeds=entry["seeds"],
                          commit=entry.get("commit", "?"))
            if source not in seen:
                seen.append(source)
    return text(lang, "sep.list").join(seen)


def _has_validation(info: dict) -> bool:
    try:
        return get_task(info["task"]).has_validation(info["settings"])
    except UserError:  # a store written when the registry held this task
        return False


def rate_curves(run: Run, label: str) -> tuple[pd.DataFrame, dict[str, tuple[float, float]]]:
    """The figure's data: validation score against rate per model (this run's sweep, else the stored
    sweep that chose this run's rate), and, for the models this run did not sweep, the (rate, mean
    score) it trained."""
    sel = run.sweep[run.sweep.label == label] if run.sweep is not None else pd.DataFrame(columns=COLUMNS)
    now: dict[str, tuple[float, float]] = {}
    stored_rows = []
    for c in run.labels.get(label, []):
        info = run.cells.get(c["key"])
        w = run.wide[run.wide.cell_key == c["key"]] if len(run.wide) else []
        if info is None or not len(w) or "val_score" not in w or w.val_score.isna().all():
            continue
        m, lr = c["model"], float(info["settings"]["lr"])
        if m in set(sel.model):
            continue
        now[m] = (lr, float(w.val_score.mean()))
        entry = stored_rate(run.manifest["profile"], label, m, info["settings"])
        if entry is not None and float(entry["lr"]) == lr:
            used = {float(x) for x in entry.get("fold_lr", [lr])} if fold_rates.fixed(info["settings"]) else {lr}
            stored_rows += [(label, m, float(r), v, np.nan, np.nan, entry["seeds"], float(r) in used, False)
                            for r, v in sorted((float(r), v) for r, v in entry["val"].items())]
    parts = [x for x in (sel, pd.DataFrame(stored_rows, columns=COLUMNS)) if len(x)]
    curves = pd.concat(parts) if parts else sel
    return curves.reset_index(drop=True), now


def store_selection(store, manifest: dict) -> list[str]:
    """Store the rates a sweep run selected as its profile's defaults (bench/store/rates.json); one line
    per (label, model) stored. UserError when the run holds no sweep."""
    run = apply_selection(load_run(store, manifest))
    sel = run.sweep
    if sel is None or not sel.chosen.any():
        raise UserError("this run holds no learning-rate sweep with results; run it with --lr-sweep first")
    settings = {}
    for label, cs in run.labels.items():
        for c in cs:
            if c["key"] in run.cells:
                settings[(label, c["model"])] = run.cells[c["key"]]["settings"]
    per_fold = {}  # (label, model) -> the per-fold fields of its entry
    for label, cs in run.labels.items():
        for c in cs:
            f = run.folds.get(c["key"], {})
            if "sweep_lr" in f:
                mean = np.nanmean(np.where(np.isfinite(f["fold_val"]), f["fold_val"], np.inf), axis=1)
                per_fold[(label, c["model"])] = {
                    "lr": float(f["sweep_lr"][int(np.argmin(mean))]),  # one rate for every fold: older readers
                    "fold_lr": [float(r) for r in f["fold_lr"]],
                    "fold_val": {repr(float(r)): [float(v) for v in row]
                                 for r, row in zip(f["sweep_lr"], f["fold_val"])}}
    commits = sorted({str(v) for v in run.wide.get("git_commit", pd.Series(dtype=str)).dropna()})
    n = write_stored(sel, settings, manifest["profile"], {"commit": ", ".join(commits) or "unknown"},
                     per_fold=per_fold)
    lines = []
    for (label, model), g in sel[sel.chosen].groupby(["label", "model"], sort=False):
        pf = per_fold.get((label, model))
        lr = " | ".join(f"{r:g}" for r in pf["fold_lr"]) + " (one per fold)" if pf else f"{g.lr.iloc[0]:g}"
        lines.append(f"{label} {model}: lr {lr}" + (" (at the grid's edge)" if g.edge.any() else ""))
    return lines + [f"stored {n} rates for profile {manifest['profile']}"]
