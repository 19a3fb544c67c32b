"""Plan a grid's cells, run the missing ones on an executor, and write each result as it lands.

Executors are any concurrent.futures.Executor: ``local`` (in-process) or ``process`` (a pool of
spawned workers, one torch thread each). Only this coordinating process writes the store.
"""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import torch

from bench.cell import Job, run_job
from bench.config import CellConfig
from bench.errors import UserError
from bench.grids import Entry, Grid
from bench.store import CellRecord, Store
from bench.tasks import get_task
from models import get_model

EXECUTORS = ("process", "local")


@dataclass(frozen=True)
class PlannedCell:
    config: CellConfig
    label: str  # task name plus any grid variant, e.g. "sine" or "repeating-1_7 (window=4)"


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)  # status -> seeds
    ran: int = 0  # cells trained now
    reused: int = 0  # cells already complete in the store

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)


def plan(entries: tuple[Entry, ...], profile: str, device_type: str, overrides: Mapping) -> list[PlannedCell]:
    """Every (task, model, variant) cell of the entries with its resolved settings."""
    cells, seen = [], set()
    for e in entries:
        task = get_task(e.task)
        for variant in e.variants:
            base = task.settings(profile)
            # An override reaches only the tasks that have that setting (e.g. a stock file path).
            settings = {**base, **variant, **{k: v for k, v in overrides.items() if k in base}}
            if task.resolve is not None:
                settings = task.resolve(settings)
            named = dict.fromkeys([*task.label_keys, *variant])  # labelled by resolved values
            label = e.task + (" (" + ", ".join(f"{k}={settings[k]}" for k in named) + ")" if named else "")
            for m in e.models or task.models:
                spec = get_model(m)
                if spec.tasks not in ("any", task.kind):
                    continue
                cfg = CellConfig.make(e.task, m, profile, device_type, settings)
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


def _init_worker() -> None:
    torch.set_num_threads(1)  # tiny models: one thread per process beats two (measured)


def make_executor(name: str, device: torch.device, jobs: int) -> Executor | None:
    """None means run in this process; a process pool gets one worker per core (CPU only)."""
    if name not in EXECUTORS:
        raise UserError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
    if name == "local" or device.type != "cpu" or jobs <= 1:
        return None
    workers = min(jobs, os.cpu_count() or 1)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_worker)


def run_cells(cells: list[PlannedCell], seeds: list[int], store: Store, executor: str,
              device: torch.device, progress: bool | None = None, deterministic: bool = False) -> Summary:
    """Run what the store lacks; each finished cell is committed at once."""
    summary = Summary()
    jobs = []
    for c in cells:
        missing = tuple(s for s in seeds if s not in store.done_seeds(c.config.key))
        if missing:
            jobs.append(Job(c.config, missing, str(device), deterministic))
        else:
            summary.reused += 1
    commit = git_commit()
    if progress is None:
        progress = sys.stderr.isatty()
    from tqdm import tqdm
    bar = tqdm(total=len(jobs), desc="cells", unit="cell", disable=not progress, leave=False)

    def land(rec: CellRecord) -> None:
        rec.env["git_commit"] = commit
        store.write_cell(rec)
        for st in rec.status.values():
            summary.counts[st] = summary.counts.get(st, 0) + 1
        summary.ran += 1
        bar.update(1)

    pool = make_executor(executor, device, len(jobs))
    if device.type == "cpu" and pool is None:
        torch.set_num_threads(1)
    try:
        if pool is None:
            for job in jobs:
                land(run_job(job))
        else:
            with pool:
                futures: dict[Future, Job] = {pool.submit(run_job, j): j for j in jobs}
                for fut in as_completed(futures):
                    try:
                        land(fut.result())
                    except Exception as e:  # the worker itself died (killed, out of memory)
                        land(_lost(futures[fut], f"worker lost: {type(e).__name__}: {e}"))
    finally:
        bar.close()
    return summary


def _lost(job: Job, reason: str) -> CellRecord:
    c = job.config
    return CellRecord(c.key, c.task, c.model, c.profile, c.device, c.params, list(job.seeds),
                      {s: "failed" for s in job.seeds}, {s: reason for s in job.seeds}, {})


def cells_for(grid: Grid | None, task: str | None, model: str | None) -> tuple[Entry, ...]:
    """The entries to run: a grid's, or one --task (optionally one --model)."""
    if task is not None:
        return (Entry(task, (model,) if model else None),)
    if model is not None:
        return tuple(Entry(e.task, (model,), e.variants) for e in grid.entries)
    return grid.entries
