"""Plan a grid's cells, run the missing ones on an executor, and write each result as it lands.

The backend comes from bench/run/executors.py (local, process, dask): it hands the runner a
concurrent.futures.Executor and says how many jobs to keep in flight; the runner only submits jobs
and reads futures (a new backend implements executor, in_flight and close, and says how many slots it
has, or None). Only this coordinating process writes the store, one transaction per cell (per part of
a cell whose members were split, bench/run/layout.py), so a kill at any moment loses at most the cells in
flight.
A cell whose worker died or that raised is ``failed`` with its reason and the grid goes on;
``retries`` runs failed cells again. A rerun runs every seed the store does not hold as done
(bench.store.db.DONE): missing, failed, or skipped because its data was unavailable then.
"""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from bench.run import executors
from bench.run.config import CellConfig, regime_settings
from bench.run.grids import Entry, Grid
from bench.store.db import CellRecord, DONE, STATUSES, Store
from bench.store.rates import RESIZING, rate_settings, stack_rates
from bench.tasks import Task, get_task
from models import ModelSpec, get_model

if TYPE_CHECKING:  # planning needs no torch; running imports it
    import torch

    from bench.run.cell import Job


@dataclass(frozen=True)
class PlannedCell:
    config: CellConfig
    label: str  # task name plus any grid variant, e.g. "sine" or "repeating-1_7 (window=4)"


@dataclass
class Summary:
    cells: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))  # all planned
    counts: dict[str, int] = field(default_factory=dict)  # seed status -> seeds trained now
    ran: int = 0  # cells trained now
    reused: int = 0  # cells already complete in the store
    retried: int = 0  # cell runs repeated after a failure
    failures: list[str] = field(default_factory=list)  # "label model: reason", one per failed cell
    skips: list[str] = field(default_factory=list)  # "label model: reason", one per cell skipped now

    @property
    def failed(self) -> int:
        return self.cells["failed"]


def cell_status(statuses: Iterable[str]) -> str:
    """A cell's status from its seeds': failed if any failed, else diverged if any diverged, else
    skipped if all were skipped, else ok."""
    st = set(statuses)
    for s in ("failed", "diverged"):
        if s in st:
            return s
    return "skipped" if st == {"skipped"} else "ok"


def applies(spec: ModelSpec, task: Task) -> bool:
    """Whether a model can run on a task: its kind of output, and for a stateful model a task that
    lists it (one series to read as streams; other tasks' data are not)."""
    return spec.tasks in ("any", task.kind) and (spec.regime != "stateful" or spec.name in task.models)


def model_settings(settings: Mapping, spec: ModelSpec, overrides: Mapping) -> dict:
    """One model's cell settings: the task's; its regime's own with their defaults (e.g. the stateful
    models' bptt, bench.train.settings.Stateful); the task's settings for the model's regime
    ("stateful.epochs" is the epochs of stateful models, other models' cells leave it out); then the
    command line's overrides."""
    prefix = spec.regime + "."
    out = {k: v for k, v in settings.items() if "." not in k}
    out.update(regime_settings(spec.regime))
    out.update({k.removeprefix(prefix): v for k, v in settings.items() if k.startswith(prefix)})
    out.update({k: v for k, v in overrides.items() if k in out})
    return out


def plan(entries: tuple[Entry, ...], profile: str, device_type: str, overrides: Mapping,
         lr_sweep: tuple[float, ...] | None = None, match_params: bool = False) -> list[PlannedCell]:
    """Every (task, model, variant) cell of the entries with its resolved settings; a trained model
    gets its stored rate, or one cell per rate of lr_sweep (bench/store/rates.py), and with match_params
    a hidden size matching the GRU's parameter count (bench/run/matching.py, chosen by the worker)."""
    cells, seen = [], set()
    for e in entries:
        task = get_task(e.task)
        for variant in e.variants:
            base = task.settings(profile)
            # An override reaches only the tasks that have that setting (e.g. a stock file path).
            settings = {**base, **variant, **{k: v for k, v in overrides.items() if k in base}}
            if task.resolve is not None:
                settings = task.resolve(settings)
            # labelled by resolved values; a label key resolve left out at its default is not named
            named = [k for k in dict.fromkeys([*task.label_keys, *variant]) if k in settings or k in variant]
            # (a setting resolve left out of the key at its default is named by the variant's value)
            label = e.task + (" (" + ", ".join(f"{k}={settings.get(k, variant.get(k))}" for k in named) + ")"
                              if named else "")
            # the label of the cell a capacity control resizes: its stored rates are the control's
            kept = [k for k in named if k not in RESIZING]
            own_label = e.task + (" (" + ", ".join(f"{k}={settings.get(k, variant.get(k))}" for k in kept) + ")"
                                  if kept else "")
            for m in e.models or task.models:
                spec = get_model(m)
                if not applies(spec, task) or m in e.exclude:
                    continue
                own = model_settings(settings, spec, overrides)
                if match_params and spec.trainable:
                    own["match_params"] = True
                elif isinstance(own.get("match_params"), str):  # a grid's capacity control: that model's own size
                    own["match_hidden"] = model_settings(settings, get_model(own["match_params"]), overrides)["hidden"]
                for s in rate_settings(task, own_label, m, spec.trainable, profile, own, lr_sweep, "lr" in overrides):
                    cfg = CellConfig.make(e.task, m, profile, device_type, s)
                    if cfg.key not in seen:
                        seen.add(cfg.key)
                        cells.append(PlannedCell(cfg, label))
    return cells


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_cells(cells: list[PlannedCell], seeds: list[int], store: Store, executor, device: torch.device,
              progress: bool | None = None, retries: int = 0,
              work: Callable[[Job], CellRecord] = executors.work, deterministic: bool = False,
              landed: Callable[[str], None] | None = None) -> Summary:
    """Run what the store lacks, committing each cell as it lands; failed cells are run again up to
    `retries` times. executor: a backend from bench.run.executors.open_backend, or an executor name (opened
    and closed here). `work` is what a worker calls on a Job. landed(label) is called once every cell of
    a label trained by this run is stored while other cells still train (e.g. to draw its figures
    meanwhile)."""
    backend = executors.open_backend(executor, device) if isinstance(executor, str) else executor
    try:
        return _run_cells(cells, seeds, store, backend, device, progress, retries, work, deterministic, landed)
    finally:
        if backend is not executor:
            backend.close()


def _run_cells(cells, seeds, store, backend, device, progress, retries, work, deterministic, landed) -> Summary:
    from bench.run.cell import Job
    from bench.run.layout import lay_out
    summary = Summary()
    labels = {c.config.key: c.label for c in cells}
    jobs = []
    for c in cells:
        stored = store.statuses(c.config.key)  # seed -> status
        missing = tuple(s for s in seeds if stored.get(s) not in DONE)
        if missing:
            jobs.append(Job(c.config, missing, str(device), deterministic))
        else:
            summary.reused += 1
            summary.cells[cell_status(stored[s] for s in seeds)] += 1
    jobs = stack_rates(jobs)  # cells that differ only in learning rate train as one stack
    # One cell, or fewer than slots: this process trains, and large cells are split into parts (bench.run.layout).
    slots = getattr(backend, "slots", None)
    here = 0  # how many of the slots are threads of this process (the rest: workers)
    width = None
    if jobs and slots is not None and (len(jobs) < slots or len(jobs) == 1):
        jobs, width, here = lay_out(jobs, slots)
    parts_left = Counter(c.key for j in jobs for c in (j.config, *j.siblings))  # cell key -> parts not landed
    cells_left = Counter(labels[k] for k in parts_left)  # label -> its cells not yet complete
    why_failed: dict[str, str] = {}  # cell key -> the first failed seed's reason
    commit = git_commit()
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm import tqdm
    bar = tqdm(total=len(parts_left), desc="cells", unit="cell", disable=not progress, leave=False)

    def land(rec: CellRecord) -> None:
        rec.env["git_commit"] = commit
        store.write_cell(rec)
        for st in rec.status.values():
            summary.counts[st] = summary.counts.get(st, 0) + 1
        failed = [rec.reason[s] for s in rec.seeds if rec.status[s] == "failed"]
        if failed:
            why_failed.setdefault(rec.cell_key, failed[0])
        parts_left[rec.cell_key] -= 1
        if parts_left[rec.cell_key]:
            return
        stored = store.statuses(rec.cell_key)
        status = cell_status(stored[s] for s in seeds)
        summary.cells[status] += 1
        if status == "failed":
            summary.failures.append(f"{labels[rec.cell_key]} {rec.model}: {why_failed[rec.cell_key]}")
        if status == "skipped":
            summary.skips.append(f"{labels[rec.cell_key]} {rec.model}: {rec.reason[rec.seeds[0]]}")
        summary.ran += 1
        bar.update(1)
        label = labels[rec.cell_key]
        cells_left[label] -= 1
        if not cells_left[label] and landed is not None and any(parts_left.values()):
            landed(label)  # (the last label is the run's report's to draw, with everything else)

    pending = jobs
    try:
        for attempt in range(retries + 1):
            if not pending:  # nothing to run: no pool, no cluster is started
                break
            again = []
            n = len(pending) if width is None else min(width, len(pending))
            pool = backend.executor(n, here=here)
            try:
                for job, rec in _results(pool, pending, work, backend.in_flight(n)):
                    recs = [rec, *rec.siblings]
                    if attempt < retries and any("failed" in r.status.values() for r in recs):
                        again.append(job)
                    else:
                        for r in recs:
                            land(r)
            except BaseException:  # e.g. Ctrl-C: drop what is queued and stop the workers, keep what is stored
                getattr(pool, "abandon", lambda: pool.shutdown(wait=False))()
                raise
            pool.shutdown(wait=True)
            summary.retried += len(again)
            pending = again
    finally:
        bar.close()
    return summary


def _results(pool: Executor, jobs: list[Job], work: Callable, window: int) -> Iterator[tuple[Job, CellRecord]]:
    """Each job with its record as soon as it finishes, at most `window` in flight. A future that
    raises (a dead worker, a lost scheduler) becomes a failed record with the reason."""
    from bench.run.cell import uniform_record
    todo = iter(jobs)
    flight: dict[Future, Job] = {}
    while True:
        for job in islice(todo, window - len(flight)):
            flight[pool.submit(work, job)] = job
        if not flight:
            return
        done, _ = wait(flight, return_when=FIRST_COMPLETED)
        for fut in done:
            job = flight.pop(fut)
            try:
                rec = fut.result()
            except Exception as e:
                rec = uniform_record(job, "failed", " ".join(f"{type(e).__name__}: {e}".split()))
            yield job, rec


def cells_for(grid: Grid | None, task: str | None, model: str | None) -> tuple[Entry, ...]:
    """The entries to run: a grid's, or one --task (optionally one --model)."""
    if task is not None:
        return (Entry(task, (model,) if model else None),)
    if model is not None:  # an entry that names its models (a capacity control) runs only those
        return tuple(Entry(e.task, (model,), e.variants) for e in grid.entries if e.models is None or model in e.models)
    return grid.entries
