"""Figures of a grid run, per task label: the task's own (its hook), loss curves, the interval plot.

Drawing is most of a report's cost (docs/speed.md), so a label's figures are redrawn only when
what they show may have changed: figures/figures.json keeps, per label, a fingerprint of its stored
rows (every metric, wall times included, so any rewrite of a cell changes it), of the drawing code,
the language (and its catalogue) and the formats, and the files written; a missing file or a new
fingerprint redraws that label.
``redraw=True`` (CLI ``--redraw``) ignores the record. A run draws each label as soon as its cells
are stored (a report of that label alone), so the record keeps the other labels' entries, and
figures outside the labels' (the window study) keep theirs the same way (kept_or_drawn).
"""
from __future__ import annotations

import hashlib
import importlib.util
import inspect
import json
import re
import warnings
from pathlib import Path

import pandas as pd

from bench.errors import UserError
from bench.outputs.report_inputs import Run, label_arrays, unit_of
from bench.outputs.report_rates import rate_curves
from bench.store.db import Store
from bench.tasks import get_task
from reports.document import Section
from reports.messages import MissingMessage, name_in, text
from reports.summary import TaskTable
from sequences.files import write_text_atomic

RECORD = "figures.json"
LOSS_LABEL = {"regression": "fig.loss_axis_regression", "classification": "fig.loss_axis_classification"}
# The end of a figure's file name -> its caption in report.md (another end is shown with spaces for '_').
CAPTIONS = {"intervals": "cap.intervals", "loss": "cap.loss", "closed_loop": "cap.closed_loop",
            "predictions": "cap.predictions", "completion": "cap.completion", "row_mse": "cap.row_mse",
            "by_n": "cap.by_n", "equity": "cap.equity", "lr": "cap.lr"}


def file_stem(label: str) -> str:
    """A label as a file name: 'concat-1_7-1_17-3x2 (window=4)' -> 'concat-1_7-1_17-3x2_window4'."""
    return re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_.-]+", "_", label.replace("=", ""))).strip("_")


def source_hash(*objs) -> str:
    """Hash of the source files of functions or modules (named, so matplotlib is imported only to draw)."""
    h = hashlib.sha256()
    for o in objs:
        try:
            path = importlib.util.find_spec(o).origin if isinstance(o, str) else inspect.getsourcefile(o)
            h.update(Path(path).read_bytes())
        except (TypeError, OSError, ImportError, AttributeError):
            h.update(repr(o).encode())
    return h.hexdigest()


def fingerprint(run: Run, label: str, table: TaskTable | None, code: str) -> str:
    """What a label's figures depend on: its stored rows, its table's intervals, and the code (with
    the language and its catalogue)."""
    keys = [c["key"] for c in run.labels[label]]
    rows = run.wide[run.wide.cell_key.isin(keys)] if not run.wide.empty else run.wide
    # The same whether the run was read whole or this label alone: only the columns its rows fill,
    # and no row numbers.
    rows = rows.dropna(axis=1, how="all")
    rows = rows[sorted(rows.columns)].sort_values(["cell_key", "seed"]).reset_index(drop=True)
    # and numbers as floats: a column that is whole in this label alone is float beside others' NaN
    rows = rows.astype({c: "float64" for c in rows.columns if rows[c].dtype.kind in "iuf"})
    blob = rows.to_json(orient="split", default_handler=str) if len(rows) else ""
    ivs = sorted((m, k, repr(v)) for (m, k), v in table.intervals.items()) if table else []
    return hashlib.sha256(json.dumps([label, keys, blob, ivs, code]).encode()).hexdigest()


def _read_record(figdir: Path) -> dict:
    try:
        return json.loads((figdir / RECORD).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return {}


def write_figures(out: Path, store: Store, run: Run, sections: list[Section], redraw: bool = False,
                  formats: tuple[str, ...] = ("png",), lang: str = "en", processes: int = 1) -> list[Path]:
    """Draw (or keep) every label's figures in `formats`, their words in lang; each section learns its
    figures' relative stems and captions. processes: how many processes draw (this one and copies of
    it, bench.outputs.fork_map), for a report with the cores to itself."""
    figdir = out / "figures"
    record = {} if redraw else _read_record(figdir)
    new_record = {k: v for k, v in record.items() if k not in run.labels}
    by_label = {s.table.label: s for s in sections}
    prints, paths, calls = {}, {}, {}  # label -> fingerprint, kept files, figure calls to make
    for label, cs in run.labels.items():
        section = by_label.get(label)
        try:
            task = get_task(cs[0]["task"])
        except UserError:  # a store written when the registry held this task
            task = None
        code = source_hash("reports.figures", write_figures, task.figures if task and task.figures else None,
                           "reports.messages.en", f"reports.messages.{lang}") + lang
        rates = rate_curves(run, label)
        prints[label] = fingerprint(run, label, section.table if section else None,
                                    code + rates[0].to_json(orient="split") + json.dumps(rates[1]) + ",".join(formats))
        kept = _kept(out, record.get(label, {}), prints[label])
        if kept is None:
            settings = next((run.cells[c["key"]]["settings"] for c in cs if c["key"] in run.cells), {})
            calls[label] = _figure_calls(label, cs, task, section, store, figdir, rates, lang, settings)
        else:
            paths[label] = kept
    paths.update(_draw(calls, formats, lang, processes))
    written = []
    for label in run.labels:
        files = [p.relative_to(out).as_posix() for p in paths[label]]
        new_record[label] = {"fingerprint": prints[label], "files": files}
        if label in by_label:
            stem = file_stem(label)
            seen = dict.fromkeys(p.relative_to(out).with_suffix("").as_posix() for p in paths[label])
            by_label[label].figures = [(s, _caption(s, stem, label, lang)) for s in seen]
            by_label[label].figure_formats = formats
        written += paths[label]
    if new_record:
        figdir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(figdir / RECORD, json.dumps(new_record, indent=1))
    return written


def _kept(out: Path, old: dict, fp: str) -> list[Path] | None:
    """The files a record entry lists, if it was drawn from fingerprint fp and they all exist."""
    if old.get("fingerprint") == fp and all((out / f).exists() for f in old.get("files", [])):
        return [out / f for f in old["files"]]
    return None


def kept_or_drawn(out: Path, key: str, fp: str, draw) -> list[Path]:
    """Figures outside the labels' (e.g. the window study): the recorded files under key if drawn from
    fingerprint fp, else draw() and record what it wrote."""
    record = _read_record(out / "figures")
    paths = _kept(out, record.get(key, {}), fp)
    if paths is None:
        paths = draw()
        record[key] = {"fingerprint": fp, "files": [p.relative_to(out).as_posix() for p in paths]}
        (out / "figures").mkdir(parents=True, exist_ok=True)
        write_text_atomic(out / "figures" / RECORD, json.dumps(record, indent=1))
    return paths


def _draw(calls: dict[str, list], formats: tuple[str, ...], lang: str, processes: int) -> dict[str, list[Path]]:
    """label -> the files its figure calls wrote, the calls spread over `processes` processes."""
    from bench.outputs.fork_map import fork_map
    from reports.figures import figure_formats  # matplotlib: only when something is drawn
    from reports.fonts import figure_language
    flat = [(label, call) for label, cs in calls.items() for call in cs]
    with figure_formats(formats), figure_language(lang):  # tick labels take their font when drawn
        drawn = fork_map([call for _, call in flat], processes)
    out = {label: [] for label in calls}
    for (label, _), files in zip(flat, drawn):
        out[label] += files
    return out


def _figure_calls(label: str, cs: list[dict], task, section: Section | None, store: Store, figdir: Path,
                  rates: tuple, lang: str, settings: dict | None = None) -> list:
    """One label's figures as calls that each draw one figure and return its files; the arrays they
    show are read from the store now, so that the calls need nothing but themselves."""
    from functools import partial

    from reports.figures import plot_loss_curves
    by_model, cell_arrays = label_arrays(store, cs)
    curves = {}
    for model, seeds in by_model.items():
        losses = [a["train_loss"] for a in seeds.values() if "train_loss" in a]
        if losses:  # early stopping: shorter curves are padded with NaN
            curves[model] = pd.DataFrame(losses).to_numpy(dtype=float)
    stem = file_stem(label)
    name = task.words(settings, lang) if task is not None and task.words and settings else label  # titles in words
    calls = []
    if task is not None and task.figures and by_model:
        calls.append(partial(task.figures, stem, by_model, cell_arrays, figdir, lang, settings=settings or None))
    if curves:
        calls.append(partial(plot_loss_curves, curves, figdir / f"{stem}_loss",
                             text(lang, "fig.loss_title", label=name),
                             text(lang, LOSS_LABEL.get(task.kind if task else "", "fig.loss_axis")), lang))
    if section is not None:
        calls.append(partial(_interval_figure, section.table, figdir / f"{stem}_intervals", lang, name))
    if len(rates[0]):  # a sweep (this run's or the stored one) to draw
        from reports.rate_figures import plot_rate_curves
        calls.append(partial(plot_rate_curves, rates[0], figdir / f"{stem}_lr",
                             text(lang, "fig.lr_title", label=name), text(lang, "fig.lr_axis"), rates[1], lang))
    return calls


def _interval_figure(t: TaskTable, stem: Path, lang: str, name: str | None = None) -> list[Path]:
    from reports.figures import plot_intervals
    tm = t.test_metric
    rows = [(m, iv.mean, iv.lo, iv.hi) for (m, metric), iv in t.intervals.items() if metric == tm]
    if not rows:
        return []
    return plot_intervals(rows, stem, text(lang, "fig.intervals_title", label=name or t.label, metric=tm),
                          text(lang, "fig.metric_axis", metric=tm, unit=name_in(lang, "unit", unit_of(tm))),
                          t.floors.get(tm), t.reference, lang)


def _caption(path: str, stem: str, label: str, lang: str = "en") -> str:
    name = path.rsplit("/", 1)[-1]
    rest = name[len(stem) + 1:] if name.startswith(stem + "_") else name
    if rest in CAPTIONS:
        what = text(lang, CAPTIONS[rest])
    else:  # a figure kind the catalogue does not know yet: its name, with a warning outside English
        what = rest.replace("_", " ")
        if lang != "en":
            warnings.warn(f"no caption message for figure kind {rest!r}", MissingMessage, stacklevel=2)
    return text(lang, "cap.caption", label=label, what=what)
