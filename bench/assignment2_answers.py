"""The assignment-2 answers of a run: each table of an assignment-2 task becomes one piece of
evidence (its window, minimal window, bounds, intervals and per-point losses) for
``reports.assignment2``, which writes the answers in plain words."""
from __future__ import annotations

from bench.metrics import get_field
from bench.report_inputs import Run
from bench.store import Store
from bench.tasks.assignment2 import question_of
from reports.assignment2 import RECURRENT, CellEvidence, answers_markdown
from reports.summary import TaskInputs, TaskTable

SCORE = {"classification": "accuracy", "regression": "mse"}  # the metric the answers quote


def evidence(run: Run, store: Store, label: str, inp: TaskInputs, table: TaskTable) -> CellEvidence | None:
    """One table as evidence, or None when its task is not one of the assignment's sequences."""
    cs = run.labels[label]
    task = cs[0]["task"]
    q = question_of(task)
    cells = [run.cells[c["key"]] for c in cs if c["key"] in run.cells]
    if q is None or not cells:
        return None
    metric = SCORE["classification" if "accuracy" in inp.metrics else "regression"]
    minimal = next((a[-1]["minimal_window"] for a in (store.arrays(c["key"], ("minimal_window",)) for c in cs)
                    if -1 in a), None)
    own = inp.model_floors.get(RECURRENT, inp.floors)
    return CellEvidence(
        label=label, task=task, question=q, window=int(cells[0]["settings"]["window"]),
        minimal_window=int(minimal[0]) if minimal is not None else None, metric=metric,
        better=get_field(metric).better, bound=inp.floors.get(metric), past_bound=own.get(metric),
        scores={m: iv for (m, k), iv in table.intervals.items() if k == metric},
        losses=dict(inp.pointwise), flagged=list(dict.fromkeys(m for m, _ in table.flagged)))


def answers(run: Run, store: Store, tables: list[tuple[str, TaskInputs, TaskTable]], lang: str = "en") -> str:
    """The answers section for the run's assignment-2 tables in lang, or "" when it has none."""
    found = [evidence(run, store, label, inp, table) for label, inp, table in tables]
    return answers_markdown([e for e in found if e is not None], lang)
