"""Where a run's cells train when there are fewer of them than worker slots (or just one).

A worker process pays seconds of imports (torch, the tasks' code) before its first cell, so with
fewer cells than slots this process trains (bench.run.executors: ``here``), and a worker is started
only for a part of the work that takes longer than starting it. A large cell has its members split
into parts, each trained as a stack of its own: a member's numbers do not depend on the stack it
trains in (tests/test_equivalence.py), so the parts store exactly what the whole cell would.

Work too small for a worker may still split over this process's threads: the native kernels
(models/native.py) and torch's operations release the interpreter's lock while they compute, so two
threads of one process train two parts of a cell on two cores, at no start-up cost. A part's fixed
costs (its data, its evaluation) are paid once per part, so only work estimated at MIN_THREAD_S or
more is split this way, and never a --deterministic run (its mode is set per process).

Whether a part is large enough is judged from an estimate of its training time: 6 FLOPs per
parameter per sample (forward and backward), times the window's steps for a model that reuses its
weights at every step, over a nominal single-core rate. It is rough on purpose; it only has to
tell a cell of a second from one of a minute.
"""
from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from bench.store import fold_rates
from bench.tasks import get_task
from models import BuildArgs, get_model

if TYPE_CHECKING:
    from bench.run.cell import Job

RATE_FLOPS = 3e10  # nominal training FLOP/s of one core
MIN_PART_S = 5.0  # a worker is started only for work estimated to take at least this long
MIN_THREAD_S = 0.5  # work split over this process's threads only from this estimate on


def training_seconds(job: Job) -> float:
    """Estimated single-core training seconds of the job's members (0: untrainable, or no data here;
    the cell itself then reports why). Builds the cell's data and one member, so it imports torch."""
    c, s = job.config, job.config.settings_dict
    spec = get_model(c.model)
    if not spec.trainable:
        return 0.0
    try:
        data = get_task(c.task).build(s, np.random.default_rng(s["data_seed"]))
    except Exception:  # unavailable data, a file changed since planning: the cell says so when it runs
        return 0.0
    args = BuildArgs((0,), data.in_features, data.out_features, s["window"], s["hidden"], s["layers"],
                     data.classification)
    params = _count(spec.build(args))
    steps = s["window"] if _count(spec.build(replace(args, window=s["window"] + 1))) == params else 1
    members = len(job.seeds) * (1 + len(job.siblings))  # siblings: the other rates of a sweep, same stack
    return 6 * params * steps * len(data.train) * s["epochs"] * members / RATE_FLOPS


def _selects_per_fold(job: Job) -> bool:
    """Whether the job holds a sweep's composed walk-forward cell, whose per-fold choice averages
    over every seed of the stack (bench/store/fold_rates.py): its seeds stay in one part."""
    return any(fold_rates.swept(c.settings_dict) for c in (job.config, *job.siblings))


def _count(model) -> int:
    return sum(p.numel() for p in model.parameters())


def chunks(seeds: tuple[int, ...], n: int) -> list[tuple[int, ...]]:
    """seeds cut into n contiguous parts whose sizes differ by at most one."""
    size, extra = divmod(len(seeds), n)
    bounds = np.cumsum([0] + [size + (i < extra) for i in range(n)])
    return [tuple(seeds[a:b]) for a, b in zip(bounds, bounds[1:])]


def lay_out(jobs: list[Job], slots: int) -> tuple[list[Job], int, int]:
    """(the parts to run, how many slots run them, how many of those are threads of this process)
    for fewer jobs than slots.

    Each job gets an equal share of the slots and is cut into as many parts as its estimate pays
    for (MIN_PART_S each), the first part here and the others in workers. Work that pays for no
    worker is cut into its share of parts all the same, run by threads here, when it is estimated at
    MIN_THREAD_S or more; else this process trains everything, one part after another: (jobs, 1, 1)."""
    alone = (jobs, 1, 1)
    if len(jobs) == 1 and (slots == 1 or len(jobs[0].seeds) == 1):  # nothing to share: no estimate needed
        return alone
    est = [training_seconds(j) for j in jobs]
    share = max(1, slots // len(jobs))

    def cut(counts) -> list[Job]:  # each job into its count of parts; a per-fold selection needs all its seeds
        return [replace(job, seeds=p) for job, n in zip(jobs, counts)
                for p in chunks(job.seeds, 1 if _selects_per_fold(job) else n)]
    parts = cut(max(1, min(len(job.seeds), share, int(sec // MIN_PART_S))) for job, sec in zip(jobs, est))
    if sum(est) - max(est) >= MIN_PART_S or len(parts) > len(jobs):  # worth a worker
        return parts, min(len(parts), slots), 1
    if sum(est) < MIN_THREAD_S or any(j.deterministic for j in jobs):
        return alone
    parts = cut(min(len(job.seeds), share) for job in jobs)
    width = min(len(parts), slots)
    return (parts, width, width) if width > 1 else alone
