"""The assignment-2 answers of a run: each table of an assignment-2 task becomes one piece of
evidence (its window, minimal window, bounds, intervals, per-seed scores, per-point losses and
parameter counts) for ``reports.assignment2``, which writes the answers in plain words. A table of
a capacity control (a grid variant with "match_params", bench/run/grids.py) is not evidence of its own:
it joins the evidence of the cell it resizes."""
from __future__ import annotations

import re

import numpy as np

from bench.metrics import get_field
from bench.outputs.report_inputs import Run
from bench.store.db import Store
from bench.tasks.assignment2 import question_of
from reports.assignment2 import CellEvidence, Matched, RECURRENT, answers_markdown
from reports.intervals import seed_interval
from reports.summary import TaskInputs, TaskTable

SCORE = {"classification": "accuracy", "regression": "mse"}  # the metric the answers quote
CONTROL = re.compile(r", match_params=[^,)]+")  # a capacity control's part of its label


def _by_seed(inp: TaskInputs, metric: str) -> dict[str, dict[int, float]]:
    v = inp.values[inp.values.metric == metric]
    out: dict[str, dict[int, float]] = {}
    for m, s, x in zip(v.model, v.seed, v.value):
        out.setdefault(m, {})[int(s)] = float(x)
    return out


def _params(inp: TaskInputs) -> dict[str, int]:
    return {m: int(round(max(v.values()))) for m, v in _by_seed(inp, "params").items() if v}


def evidence(run: Run, store: Store, label: str, inp: TaskInputs, table: TaskTable) -> CellEvidence | None:
    """One table as evidence, or None when its task is not one of the assignment's sequences."""
    cs = run.labels[label]
    task = cs[0]["task"]
    q = question_of(task)
    cells = [run.cells[c["key"]] for c in cs if c["key"] in run.cells]
    if q is None or not cells:
        return None
    metric = SCORE["classification" if "accuracy" in inp.metrics else "regression"]
    arrays = [store.arrays(c["key"], ("minimal_window", "linear_mse")).get(-1, {}) for c in cs]
    minimal = next((a["minimal_window"] for a in arrays if "minimal_window" in a), None)
    linear = next((a["linear_mse"] for a in arrays if "linear_mse" in a), None) if metric == "mse" else None
    own = inp.model_floors.get(RECURRENT, inp.floors)
    return CellEvidence(
        label=label, task=task, question=q, window=int(cells[0]["settings"]["window"]),
        minimal_window=int(minimal[0]) if minimal is not None else None, metric=metric,
        better=get_field(metric).better, bound=inp.floors.get(metric), past_bound=own.get(metric),
        scores={m: iv for (m, k), iv in table.intervals.items() if k == metric},
        losses=dict(inp.pointwise), flagged=list(dict.fromkeys(m for m, _ in table.flagged)),
        values=_by_seed(inp, metric), naive=tuple(m for m in inp.models if m in inp.naive), params=_params(inp),
        linear=float(linear[0]) if linear is not None else None)


def _matched(inp: TaskInputs, metric: str) -> list[Matched]:
    values, params = _by_seed(inp, metric), _params(inp)
    return [Matched(m, params.get(m, 0), seed_interval(np.array(list(v.values()))), v, inp.pointwise.get(m, {}))
            for m, v in values.items() if v]


def evidence_cells(run: Run, store: Store, tables: list[tuple[str, TaskInputs, TaskTable]]) -> list[CellEvidence]:
    """The run's assignment-2 tables as evidence, each with its equal-budget controls (none when it has none)."""
    found, controls = {}, []
    for label, inp, table in tables:
        if CONTROL.search(label):
            controls.append((CONTROL.sub("", label), inp))
        else:
            e = evidence(run, store, label, inp, table)
            if e is not None:
                found[label] = e
    for base, inp in controls:
        if base in found:
            found[base].matched += _matched(inp, found[base].metric)
    return list(found.values())


def answers(run: Run, store: Store, tables: list[tuple[str, TaskInputs, TaskTable]], lang: str = "en") -> str:
    """The answers section for the run's assignment-2 tables in lang, or "" when it has none."""
    return answers_markdown(evidence_cells(run, store, tables), lang)
