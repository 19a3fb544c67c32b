"""`python -m bench compare A B`: read two --out folders without writing either, then reports.compare.

A store is read the way bench.store.check inspects one: without a -wal beside it, SQLite opens it
``immutable`` (no lock, no -shm, nothing created); with one (a killed run's, a copy of a live
store), the store and its -wal are copied to a temporary folder first and read there, so that not
even SQLite's wal-index appears in the folder compared. Either way the folder is byte-for-byte as
it was. Exit status: 0, or 2 when --fail-on matches a verdict; 1 for a user mistake.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import UserError
from bench.metrics import FIELD_NAMES, FIELDS, TIMING_FIELDS  # timing: compared apart, untested
from bench.outputs.write import STORE, read_manifest
from bench.store.check import inspect_store
from bench.store.db import Store
from bench.store.lock import check_no_writer
from bench.validate import share_arg
from sequences.files import write_text_atomic

if TYPE_CHECKING:  # pandas and scipy load once the arguments have passed (--help stays quick)
    import pandas as pd

    from reports.compare import Cell, Comparison

FORMATS = ("md", "csv", "json")  # reports.compare_output.render's
FAIL_ON = ("worse", "change")  # reports.compare.FAIL_ON's keys, named here so that parsing imports no scipy
SCORED = {f.name: f.better for f in FIELDS if f.better and not f.timing}  # what --metrics may name


def _has_wal(store: Path) -> bool:
    return any(p.exists() and p.stat().st_size > 0
               for p in (store.with_name(store.name + "-wal"), store.with_name(store.name + "-journal")))


def _read(store: Path, immutable: bool, folder: Path) -> tuple[pd.DataFrame, dict[str, Cell]]:
    from bench.outputs.report_inputs import IN_TABLES
    from reports.compare import Cell
    state = inspect_store(store, any_version=True)  # cells are matched by their settings, not their keys
    if not state.exists:
        raise UserError("holds no results")
    labels = _labels(folder)
    keys = list(labels) or None  # the run's cells, as `report` reads them; the whole store without a manifest
    with Store.reader(store, immutable=immutable) as s:
        wide, cells = s.results(keys), s.cells(keys)
    if wide.empty:
        raise UserError("holds no results")
    wide = wide[wide.status.isin(IN_TABLES)]
    metrics = [f for f in FIELD_NAMES if f in wide.columns]
    tidy = wide.melt(id_vars=["cell_key", "seed"], value_vars=metrics, var_name="metric",
                     value_name="value").dropna(subset=["value"]).rename(columns={"cell_key": "cell"})
    return tidy, {k: Cell(c["task"], c["model"], {**c["settings"], "profile": c["profile"], "device": c["device"]},
                          labels.get(k, "")) for k, c in cells.items()}


def _labels(folder: Path) -> dict[str, str]:
    """cell key -> its table's label, for the cells of the run's manifest (a store may also hold cells of
    earlier runs into the folder, which `report` leaves out too); none when the manifest is missing or
    unreadable: then every stored cell is compared, named by its task."""
    try:
        return {c["key"]: str(c["label"]) for c in read_manifest(folder)["cells"]}
    except (UserError, KeyError, TypeError):
        return {}


def read_folder(folder: Path) -> tuple[pd.DataFrame, dict[str, Cell]]:
    """A run's tidy scores (cell, seed, metric, value) and its cells, read without changing the folder."""
    if not folder.is_dir():
        raise UserError(f"{folder}: {'is not a folder' if folder.exists() else 'no such folder'}")
    store = folder / STORE
    if not store.is_file():
        raise UserError(f"{folder}: not a folder written by `run` (no {STORE})")
    check_no_writer(store)  # a run writing it now: compare once it has finished
    if not _has_wal(store):
        try:
            return _read(store, True, folder)
        except UserError as e:
            raise UserError(str(e) if str(e).startswith(str(store)) else f"{store}: {e}") from None
    with tempfile.TemporaryDirectory(prefix="seqbench-compare-") as tmp:
        copy = Path(tmp) / STORE
        for suffix in ("", "-wal", "-journal"):
            if Path(f"{store}{suffix}").exists():
                shutil.copyfile(f"{store}{suffix}", f"{copy}{suffix}")
        try:
            return _read(copy, False, folder)
        except UserError as e:  # name the folder's store, not the copy
            msg = str(e).replace(str(copy.resolve()), str(store)).replace(str(copy), str(store))
            raise UserError(msg if msg.startswith(str(store)) else f"{store}: {msg}") from None


def metrics_arg(text: str) -> tuple[str, ...]:
    """--metrics: comma-separated scores with a direction (lower or higher is better)."""
    names = tuple(dict.fromkeys(t.strip() for t in text.split(",") if t.strip()))
    bad = [n for n in names if n not in SCORED]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"--metrics: unknown score {(bad or [text])[0]!r}; choose from "
                                         f"{', '.join(SCORED)}")
    return names


def tolerance_arg(text: str) -> float:
    """--tolerance: the share of A's mean a change must exceed to count: 0.05 or 5%."""
    return share_arg(text, "--tolerance", 10.0)


def _write(path: Path, body: str) -> None:
    """The output file, whole or not at all, never through a planted link (sequences.files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, body)


def run_compare(a_dir: Path, b_dir: Path, metrics: tuple[str, ...] | None = None,
                tolerance: float = 0.0) -> Comparison:
    from bench.outputs.report_inputs import NOT_IN_TABLES  # the scores the report's tables show are the default
    from reports.compare import compare
    if a_dir.resolve() == b_dir.resolve():
        raise UserError(f"{a_dir}: the same folder twice; compare two runs' --out folders")
    (ta, ca), (tb, cb) = read_folder(a_dir), read_folder(b_dir)
    scored = {m: better for m, better in SCORED.items() if (m in metrics if metrics else m not in NOT_IN_TABLES)}
    c = compare(ta, tb, ca, cb, scored, TIMING_FIELDS, tolerance=tolerance)
    if not c.matched:
        raise UserError(f"{a_dir} and {b_dir} have no cell in common (task, model and settings)")
    return c


def cmd_compare(a: argparse.Namespace) -> int:
    for d in (a.a, a.b):
        if a.out is not None and a.out.resolve().is_relative_to(d.resolve()):
            raise UserError(f"--out {a.out}: inside {d}, which compare only reads; write it elsewhere")
    from reports.compare_output import render
    c = run_compare(a.a, a.b, a.metrics, a.tolerance)
    body = render(c, a.format, str(a.a), str(a.b), a.lang)
    if a.out is not None:
        _write(a.out, body)
    else:
        sys.stdout.write(body)
    failing = c.failing(a.fail_on)
    if failing:
        print(f"compare: {len(failing)} result(s) {' or '.join(sorted({r.verdict for r in failing}))} "
              f"(--fail-on {a.fail_on})", file=sys.stderr)
        return 2
    return 0
