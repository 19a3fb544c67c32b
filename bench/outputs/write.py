"""From the store to files: results.csv (tidy), results.md, results.tex, report.md, report.html and figures.

The run manifest (manifest.json) remembers which cells a grid run planned and their labels,
so ``python -m bench report`` regenerates everything without training. During a run, the report
code runs in a process of its own (bench.outputs.write.start_reporter): ``label_figures`` as each
label's cells are stored, ``report_run`` at the end. The report code (pandas, scipy, matplotlib)
is imported where it is used, so that parsing and refusing arguments never pays for it.
"""
from __future__ import annotations

import json
import os
import posixpath
import sys
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING

from bench.device import cores
from bench.errors import UserError
from bench.run.slots import Inline, Slots
from bench.store.db import Store
from bench.tasks import TASKS, get_task
from reports.messages import name_in, recorded, text
from sequences.files import UnsafeFile, read_regular, write_text_atomic

if TYPE_CHECKING:
    import pandas as pd

    from bench.outputs.report_inputs import Run

MANIFEST = "manifest.json"
STORE = "results.sqlite"
FORMATS = ("md", "tex", "csv")  # md: results.md, report.md and report.html; tex: results.tex; csv: results.csv
FIGURE_FORMATS = ("png",)  # the default; --pdf adds "pdf"
MAX_MANIFEST = 2 ** 26  # bytes read of manifest.json at most (a grid's is kilobytes)


def warm_reporter() -> None:
    """What the report process imports while the cells train."""
    import bench.outputs.figures  # noqa: F401  (pandas, scipy.stats)
    import bench.outputs.window_study  # noqa: F401
    import reports.document  # noqa: F401
    import reports.html  # noqa: F401  (markdown-it-py)
    import reports.figures  # (matplotlib)
    reports.figures.warm()


def parse_formats(text: str) -> tuple[str, ...]:
    """'md,tex' -> ('md', 'tex'); an unknown or empty entry is a one-line UserError."""
    got = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",")))
    bad = [f for f in got if f not in FORMATS]
    if bad or not got:
        raise UserError(f"--format: unknown format {bad[0] if bad else text!r}; "
                        f"give a comma-separated subset of {','.join(FORMATS)}")
    return got


def manifest_doc(grid: str, profile: str, seeds: list[int], cells) -> dict:
    return {"grid": grid, "profile": profile, "seeds": seeds,
            "cells": [{"key": c.config.key, "label": c.label, "task": c.config.task, "model": c.config.model}
                      for c in cells]}


def write_manifest(out: Path, grid: str, profile: str, seeds: list[int], cells) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / MANIFEST, json.dumps(manifest_doc(grid, profile, seeds, cells), indent=1))


def read_manifest(out: Path) -> dict:
    p = out / MANIFEST
    if not os.path.lexists(p):
        raise UserError(f"{p}: no run manifest here; run `python -m bench run --out {out}` first")
    try:
        return _checked_manifest(json.loads(read_regular(p, MAX_MANIFEST, "run manifest")), p)
    except (ValueError, RecursionError, OSError) as e:  # bad JSON or UTF-8, too deep, a directory, a FIFO
        raise UserError(f"{p}: unreadable run manifest ({getattr(e, 'strerror', None) or str(e)[:200]})") from None


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


def report_run(out: Path, manifest: dict, figures: bool = True, formats: tuple[str, ...] = FORMATS,
               figure_formats: tuple[str, ...] = FIGURE_FORMATS, lang: str = "en") -> tuple[list[Path], list[str]]:
    """The end of a run, in the report process: every output file in lang (write_reports), and the
    lines naming the cells whose seeds diverged or failed (outcome_lines)."""
    with Store.reader(out / STORE) as store:  # every cell is in: the cores are the report's
        written = write_reports(out, store, manifest, figures=figures, formats=formats,
                                figure_formats=figure_formats, lang=lang, processes=cores())
        return written, outcome_lines(store, manifest)


def label_figures(out: Path, manifest: dict, label: str, figure_formats: tuple[str, ...] = FIGURE_FORMATS,
                  lang: str = "en") -> None:
    """Draw one label's figures, their words in lang, as soon as its cells are stored (in the report
    process, while other cells train); the run's report then keeps them. A failure is left for that
    report to meet and say."""
    from bench.outputs.figures import write_figures
    one = {**manifest, "cells": [c for c in manifest["cells"] if c["label"] == label]}
    try:
        with Store.reader(out / STORE) as store:
            run, tidy = _read(store, one)
            write_figures(out, store, run, _sections(run, tidy, store, lang)[0], formats=figure_formats, lang=lang)
    except Exception:
        pass


def _read(store: Store, manifest: dict) -> tuple[Run, pd.DataFrame]:
    """The run's rows (a learning-rate sweep's selection applied) and its tidy table."""
    from bench.outputs.report_inputs import load_run, tidy_results
    from bench.outputs.report_rates import apply_selection
    run = apply_selection(load_run(store, manifest))
    return run, tidy_results(run)


def _sections(run: Run, tidy: pd.DataFrame, store: Store, lang: str = "en") -> tuple[list, list[str], list]:
    """Each label's tables as a report Section in lang, a paragraph for each label without results,
    and every (label, inputs, table)."""
    from bench.outputs.report_inputs import cost_inputs, implementations, task_inputs, task_kind
    from bench.outputs.report_rates import rate_protocol
    from reports.convergence import not_converged
    from reports.document import Section
    from reports.summary import build_table
    sections, empty, tables = [], [], []
    for label, cs in run.labels.items():
        inp = task_inputs(run, label, tidy, store)
        table = build_table(inp, lang)
        tables.append((label, inp, table))
        if not table.rows:  # e.g. skipped offline: say why instead of a table
            empty.append(f"\n## {label}\n\n" + _no_results(run.wide, [c["key"] for c in cs], lang) + "\n")
            continue
        costs = cost_inputs(inp)
        cost = build_table(costs, lang) if costs.metrics else None
        info = [run.cells[c["key"]] for c in cs if c["key"] in run.cells]
        protocol = dict(info[0]["protocol"]) if info else {}
        ran = implementations(run, [c["key"] for c in cs], lang)
        if ran:
            protocol["implementation"] = ran
        protocol.update(rate_protocol(run, label, lang))
        table.notes += not_converged(inp.values, stopping_rules(info), lang)
        words = get_task(cs[0]["task"]).words if cs[0]["task"] in TASKS else None
        title = words(info[0]["settings"], lang) if words and info else ""
        sections.append(Section(table, cost, task_kind(cs[0]["task"]), protocol, {i["model"]: i["settings"] for i in info},
                                title=title))
    return sections, empty, tables


def write_reports(out: Path, store: Store, manifest: dict, figures: bool = True,
                  formats: tuple[str, ...] = FORMATS, redraw: bool = False,
                  figure_formats: tuple[str, ...] = FIGURE_FORMATS, lang: str = "en",
                  processes: int = 1) -> list[Path]:
    """Every output of a run, regenerated from the store alone; returns the files written (figures
    whose inputs are unchanged are kept, see bench.outputs.figures). lang: the language of every
    table, report and figure (results.csv holds identifiers and numbers, the same in every language);
    processes: how many processes draw the figures (bench.outputs.fork_map)."""
    from bench.outputs.assignment2_answers import evidence_cells
    from bench.outputs.figures import write_figures
    from bench.outputs.report_inputs import environment, not_in_tables
    from bench.outputs.window_study import write_window_study
    from reports.assignment2 import answers_markdown
    from reports.document import details_markdown, report_markdown, results_latex, results_markdown
    out.mkdir(parents=True, exist_ok=True)
    run, tidy = _read(store, manifest)
    written = []
    if "csv" in formats:
        csv = out / "results.csv"
        write_text_atomic(csv, tidy.drop(columns=["status"]).to_csv(index=False))
        written.append(csv)
    sections, empty, tables = _sections(run, tidy, store, lang)
    if figures:
        try:
            written += write_figures(out, store, run, sections, redraw, figure_formats, lang, processes)
        except UnsafeFile:  # a planted link or special file: refused, like any other output
            raise
        except Exception as e:  # a figure must never cost the run its tables; say so and go on
            print(f"warning: figures not drawn ({type(e).__name__}: {str(e)[:200]})", file=sys.stderr)
    seeds = len(manifest.get("seeds", [])) or max((s.table.seeds for s in sections), default=0)
    title = text(lang, "doc.results_title", grid=manifest["grid"], profile=manifest["profile"], seeds=seeds)
    plain = tidy.drop(columns=["status"])
    study = write_window_study(out, store, manifest, plain, figures, figure_formats, lang)  # linked below
    written += study
    arrays = _arrays_once(store, run)
    a2_cells = evidence_cells(run, store, tables)
    summaries = ([a for a in (answers_markdown(a2_cells, lang),) if a]
                 + task_sections(plain, manifest, run, store, lang, arrays) if {"md", "tex"} & set(formats) else [])
    if "md" in formats:
        extra = summaries + diverged_note(tidy, lang) + empty
        write_text_atomic(out / "results.md", results_markdown(title, sections, seeds, extra, lang))
        doc = {**manifest, "environment": environment(run, lang)}
        write_text_atomic(out / "details.md", details_markdown(doc, sections, not_in_tables(run, lang), summaries, lang))
        report = report_markdown(doc, top_parts(out, run, tables, arrays, a2_cells, lang,
                                                figure_formats if figures else ()), lang)
        write_text_atomic(out / "report.md", report)
        written += [out / "results.md", out / "details.md", out / "report.md"] + write_html(out, report, lang)
    if "tex" in formats:
        tables_md = summaries + [p.read_text() for p in study if p.suffix == ".md"]
        write_text_atomic(out / "results.tex", results_latex(sections, lang, tables_md))
        written.append(out / "results.tex")
    return written


def write_html(out: Path, report: str, lang: str = "en") -> list[Path]:
    """report.html from report.md's text, and an .html beside each .md under out that it links (read from
    the file there), each with its figures embedded: pages a browser opens without a markdown viewer."""
    from reports.html import linked_pages, render_html
    root = out.resolve()

    def inside(rel: str) -> Path | None:  # a regular file under out, not through a link
        p = out / rel
        return p if p.is_file() and not p.is_symlink() and p.resolve().is_relative_to(root) else None

    def load(rel: str) -> bytes | None:
        p = inside(rel)
        return p.read_bytes() if p else None

    pages = {"report.md": report}
    pages.update({rel: p.read_text() for rel in linked_pages(report) if rel not in pages and (p := inside(rel))})
    written = []
    for rel, markdown in pages.items():
        html = out / (rel[:-3] + ".html")
        here = posixpath.dirname(rel)  # a page's images are relative to its own folder
        write_text_atomic(html, render_html(markdown, lambda src: load(posixpath.join(here, src)), lang,
                                            frozenset(pages)))
        written.append(html)
    return written


def outcome_lines(store: Store, manifest: dict) -> list[str]:
    """One line per cell whose seeds diverged or failed, with the first reason."""
    labels = {c["key"]: c["label"] for c in manifest["cells"]}
    df = store.results(list(labels))
    if df.empty:
        return []
    lines = []
    for (key, model, status), g in df[df.status.isin(["diverged", "failed"])].groupby(
            ["cell_key", "model", "status"], sort=False):
        seeds = ", ".join(str(s) for s in sorted(g.seed))
        lines.append(f"  {status}: {labels[key]} {model}, seeds {seeds}: {g.reason.iloc[0]}")
    return lines


def stopping_rules(info: list[dict]) -> dict[str, tuple[int, str]]:
    """model -> (epoch cap, the message key of what its stopping rule watches), for the convergence notes."""
    out = {}
    for i in info:
        try:
            validated = get_task(i["task"]).has_validation(i["settings"])
        except UserError:  # a store written when the registry held this task
            validated = True
        out[i["model"]] = (i["settings"].get("epochs"), "conv.still_falling" if validated else "conv.not_fitted")
    return out


def _arrays_once(store: Store, run: Run):
    """label -> its stored arrays (bench.outputs.report_inputs.label_arrays), each label read at most once."""
    from bench.outputs.report_inputs import label_arrays
    read: dict[str, tuple] = {}

    def arrays(label: str) -> tuple[dict, dict]:
        if label not in read:
            read[label] = label_arrays(store, run.labels[label])
        return read[label]
    return arrays


def top_parts(out: Path, run: Run, tables: list, arrays, a2_cells: list, lang: str = "en",
              formats: tuple[str, ...] = FIGURE_FORMATS) -> list[str]:
    """The markdown of report.md below its header: the answers, the differences from the lecture, the labels."""
    from bench.outputs.answer_inputs import answer_parts, lecture_settings, skipped_reasons
    from reports.answers import answers_markdown as answers_md
    from reports.differences import differences_markdown
    from reports.document import glossary
    parts = answer_parts(out, run, tables, arrays, a2_cells, lang, formats)
    names = [c["label"] for c in run.manifest["cells"]] + [c["model"] for c in run.manifest["cells"]]
    return (answers_md(parts, lang)
            + differences_markdown(lecture_settings(run), skipped_reasons(run), run.manifest["profile"], lang)
            + glossary(names, lang))


def task_sections(tidy, manifest: dict, run: Run, store: Store, lang: str = "en", arrays=None) -> list[str]:
    """Each task's own summary section in lang (e.g. stock: ratio to persistence by model × target);
    it reads a label's stored arrays through a loader (arrays, or one that reads the store), so tasks
    without a section load nothing."""
    arrays = arrays or _arrays_once(store, run)
    out = []
    for name in dict.fromkeys(c["task"] for c in manifest["cells"]):
        task = get_task(name)
        settings = {c["label"]: run.cells[c["key"]]["settings"] for c in manifest["cells"]
                    if c["task"] == name and c["key"] in run.cells}
        if task.section is not None and settings:
            out.append(task.section(tidy[tidy.task.isin(settings)], settings,
                                    arrays, lang))
    return [s for s in out if s]


def diverged_note(tidy: pd.DataFrame, lang: str = "en") -> list[str]:
    """A paragraph naming, per task label, the seeds whose training loss became non-finite."""
    bad = tidy[tidy.status == "diverged"].groupby(["task", "model"], sort=False).seed.unique()
    if bad.empty:
        return []
    which = text(lang, "sep.list").join(text(lang, "doc.diverged_seeds", label=t, model=m,
                                             seeds=", ".join(map(str, sorted(s)))) for (t, m), s in bad.items())
    return ["\n" + text(lang, "doc.diverged", which=which) + "\n"]


def _no_results(wide: pd.DataFrame, keys: list[str], lang: str = "en") -> str:
    """Why a label has no table: its cells' reasons (e.g. skipped: data not available offline),
    from the rows load_run already read (wide: one row per cell and seed)."""
    rows = wide[wide.cell_key.isin(keys)] if not wide.empty else wide
    if rows.empty:
        return text(lang, "doc.no_results")
    why = rows[rows.status != "ok"].drop_duplicates(["status", "reason"])
    return "\n".join(text(lang, "doc.cells_status", status=name_in(lang, "status", r.status),
                           reason=recorded(r.reason, lang, "reason")) for r in why.itertuples()) \
        or text(lang, "doc.no_results")


def start_reporter(executor: str) -> Executor:
    """Where a run's reports are written and its figures drawn: a process that imports the report
    code now, while the cells train; with ``local``, this process (debugging)."""
    if executor == "local":
        return Inline()
    return Slots(1, warm=warm_reporter)
