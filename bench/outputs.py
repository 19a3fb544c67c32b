"""From the store to files: results.csv (tidy), results.md, results.tex, report.md and figures.

The run manifest (manifest.json) remembers which cells a grid run planned and their labels,
so ``python -m bench report`` regenerates everything without training.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from bench.assignment2_answers import answers
from bench.errors import UserError
from bench.figure_outputs import write_figures
from bench.report_inputs import (Run, cost_inputs, environment, implementations, label_arrays, load_run,
                                 not_in_tables, task_inputs, task_kind, tidy_results)
from bench.report_rates import apply_selection, rate_protocol
from bench.store import Store
from bench.tasks import get_task
from bench.window_study_outputs import write_window_study
from reports.convergence import not_converged
from reports.document import Section, report_markdown, results_latex, results_markdown
from reports.summary import build_table

MANIFEST = "manifest.json"
STORE = "results.sqlite"
FORMATS = ("md", "tex", "csv")  # md: results.md and report.md; tex: results.tex; csv: results.csv


def parse_formats(text: str) -> tuple[str, ...]:
    """'md,tex' -> ('md', 'tex'); an unknown or empty entry is a one-line UserError."""
    got = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",")))
    bad = [f for f in got if f not in FORMATS]
    if bad or not got:
        raise UserError(f"--format: unknown format {bad[0] if bad else text!r}; "
                        f"give a comma-separated subset of {','.join(FORMATS)}")
    return got


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
        return _checked_manifest(json.loads(p.read_text()), p)
    except (ValueError, RecursionError, OSError) as e:  # bad JSON or UTF-8, too deep, a directory
        raise UserError(f"{p}: unreadable run manifest ({str(e)[:200]})") from None


def _checked_manifest(doc, p: Path) -> dict:
    """The manifest's shape, so a hand-edited or foreign file is one line, not a traceback later."""
    cells = doc.get("cells") if isinstance(doc, dict) else None
    ok = (isinstance(cells, list) and isinstance(doc.get("grid"), str) and isinstance(doc.get("profile"), str)
          and isinstance(doc.get("seeds"), list) and all(type(s) is int for s in doc["seeds"])
          and all(isinstance(c, dict) and all(isinstance(c.get(k), str) for k in ("key", "label", "task", "model"))
                  for c in cells))
    if not ok:
        raise UserError(f"{p}: not a run manifest of this suite (expected grid, profile, seeds and cells "
                        f"with key, label, task, model); rerun `python -m bench run` to rewrite it")
    for c in cells:  # an unknown task is one line here, not a failure halfway through the figures
        try:
            get_task(c["task"])
        except UserError as e:
            raise UserError(f"{p}: {e}") from None
    return doc


def write_reports(out: Path, store: Store, manifest: dict, figures: bool = True,
                  formats: tuple[str, ...] = FORMATS, redraw: bool = False) -> list[Path]:
    """Every output of a run, regenerated from the store alone; returns the files written (figures
    whose inputs are unchanged are kept, see bench.figure_outputs)."""
    out.mkdir(parents=True, exist_ok=True)
    run = apply_selection(load_run(store, manifest))
    tidy = tidy_results(run)
    written = []
    if "csv" in formats:
        csv = out / "results.csv"
        tidy.drop(columns=["status"]).to_csv(csv, index=False)
        written.append(csv)
    sections, empty, tables = [], [], []
    for label, cs in run.labels.items():
        inp = task_inputs(run, label, tidy, store)
        table = build_table(inp)
        tables.append((label, inp, table))
        if not table.rows:  # e.g. skipped offline: say why instead of a table
            empty.append(f"\n## {label}\n\n" + _no_results(run.wide, [c["key"] for c in cs]) + "\n")
            continue
        costs = cost_inputs(inp)
        cost = build_table(costs) if costs.metrics else None
        info = [run.cells[c["key"]] for c in cs if c["key"] in run.cells]
        protocol = dict(info[0]["protocol"]) if info else {}
        ran = implementations(run, [c["key"] for c in cs])
        if ran:
            protocol["implementation"] = ran
        protocol.update(rate_protocol(run, label))
        table.notes += not_converged(inp.values, stopping_rules(info))
        sections.append(Section(table, cost, task_kind(cs[0]["task"]), protocol, {i["model"]: i["settings"] for i in info}))
    if figures:
        try:
            written += write_figures(out, store, run, sections, redraw)
        except Exception as e:  # a figure must never cost the run its tables; say so and go on
            print(f"warning: figures not drawn ({type(e).__name__}: {str(e)[:200]})", file=sys.stderr)
    seeds = len(manifest.get("seeds", [])) or max((s.table.seeds for s in sections), default=0)
    title = f"Results: grid `{manifest['grid']}`, profile `{manifest['profile']}`, {seeds} seeds"
    plain = tidy.drop(columns=["status"])
    if "md" in formats:
        answered = [a for a in (answers(run, store, tables),) if a]
        summaries = answered + task_sections(plain, manifest, run, store)
        extra = summaries + diverged_note(tidy) + empty
        (out / "results.md").write_text(results_markdown(title, sections, seeds, extra))
        env = {"environment": environment(run)}
        (out / "report.md").write_text(report_markdown({**manifest, **env}, sections, not_in_tables(run), summaries))
        written += [out / "results.md", out / "report.md"]
    if "tex" in formats:
        (out / "results.tex").write_text(results_latex(sections))
        written.append(out / "results.tex")
    written += write_window_study(out, store, manifest, plain, figures)
    return written


def stopping_rules(info: list[dict]) -> dict[str, tuple[int, str]]:
    """model -> (epoch cap, what its stopping rule watches), for the convergence notes."""
    out = {}
    for i in info:
        try:
            validated = get_task(i["task"]).has_validation(i["settings"])
        except UserError:  # a store written when the registry held this task
            validated = True
        out[i["model"]] = (i["settings"].get("epochs"), "the validation score was still falling" if validated
                           else "the training strings were not all fitted")
    return out


def task_sections(tidy, manifest: dict, run: Run, store: Store) -> list[str]:
    """Each task's own summary section (e.g. stock: ratio to persistence by model × target); it
    reads a label's stored arrays through a loader, so tasks without a section load nothing."""
    out = []
    for name in dict.fromkeys(c["task"] for c in manifest["cells"]):
        task = get_task(name)
        settings = {c["label"]: run.cells[c["key"]]["settings"] for c in manifest["cells"]
                    if c["task"] == name and c["key"] in run.cells}
        if task.section is not None and settings:
            out.append(task.section(tidy[tidy.task.isin(settings)], settings,
                                    lambda label: label_arrays(store, run.labels[label])))
    return [s for s in out if s]


def diverged_note(tidy: pd.DataFrame) -> list[str]:
    """A paragraph naming, per task label, the seeds whose training loss became non-finite."""
    bad = tidy[tidy.status == "diverged"].groupby(["task", "model"], sort=False).seed.unique()
    if bad.empty:
        return []
    return ["\nDiverged (training loss became non-finite; metrics come from the kept parameters and may be "
            "inf or missing): " + "; ".join(f"{t}: {m} seeds {', '.join(map(str, sorted(s)))}"
                                            for (t, m), s in bad.items()) + "\n"]


def _no_results(wide: pd.DataFrame, keys: list[str]) -> str:
    """Why a label has no table: its cells' reasons (e.g. skipped: data not available offline),
    from the rows load_run already read (wide: one row per cell and seed)."""
    rows = wide[wide.cell_key.isin(keys)] if not wide.empty else wide
    if rows.empty:
        return "No results yet."
    why = rows[rows.status != "ok"].drop_duplicates(["status", "reason"])
    return "\n".join(f"Cells {r.status}: {r.reason}" for r in why.itertuples()) or "No results yet."
