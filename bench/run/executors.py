"""Where cells run: one backend per executor name, each handing the runner a concurrent.futures.Executor.

- ``local``: in this process, one cell after another (debugging; a crash here ends the run).
- ``process``: one spawned worker per core, one torch thread each. Each worker runs one cell at a
  time in its own single-process pool, so a worker that dies (killed, out of memory) loses only
  its own cell, and a fresh worker takes its place. (One shared ProcessPoolExecutor would fail
  every cell in flight or queued with BrokenProcessPool.) A worker costs seconds of imports before
  its first cell, so with fewer cells than workers this process trains (a small cell split over its
  threads), and only a part of a large cell goes to a worker (bench/run/layout.py); a pool for a grid
  is started while the command is still validating (``start_workers``), so that the workers'
  imports overlap the checks.
- ``dask``: a ``distributed.Client``'s executor, on an existing cluster (``--scheduler ADDRESS``,
  e.g. one that dask-jobqueue started on Slurm) or on a LocalCluster of one single-threaded worker
  process per core. The scheduler reschedules the cells of a dead worker and gives up on a cell
  that keeps killing workers (KilledWorker).

Workers only compute: each returns a CellRecord, and the coordinating process writes the store.
Reports are written by one more process (bench.outputs.write.start_reporter), which imports pandas, scipy and
matplotlib while the cells train and draws a task's figures as soon as its cells are stored.
"""
from __future__ import annotations

from concurrent.futures import Executor
from typing import TYPE_CHECKING

from bench.device import cores
from bench.errors import UserError
from bench.run.slots import Inline, Slots

if TYPE_CHECKING:  # torch and the cell code load in the processes that train, not to parse arguments
    import torch

    from bench.run.cell import Job
    from bench.store.db import CellRecord

CONNECT_TIMEOUT_S = 5  # an unreachable --scheduler is refused after this long


def work(job: Job) -> CellRecord:
    """What every worker runs: one torch thread (tiny models: one thread per process beats two, measured)."""
    import torch

    from bench.run.cell import run_job
    torch.set_num_threads(1)
    return run_job(job)


def warm_trainer() -> None:
    """What a worker started ahead of its first cell imports meanwhile: torch, the cell code, the kernels."""
    from bench.run.cell import run_job  # noqa: F401  (imports torch, the tasks' code and models)
    from models import native
    native.library()


def start_workers(executor: str, workers: int | None, jobs: int) -> Slots | None:
    """For ``process`` with at least as many cells to run as workers: the workers, started now and
    importing while the command validates (ProcessBackend takes them over); otherwise None."""
    n = workers or cores()
    return Slots(n, warm=warm_trainer) if executor == "process" and jobs >= n else None


class LocalBackend:
    """In this process; one cell in flight, so each lands in the store as soon as it is done."""

    slots = None  # no layout: everything runs here anyway

    def executor(self, jobs: int, here: int = 0) -> Executor:
        return Inline()

    def in_flight(self, jobs: int) -> int:
        return 1

    def close(self) -> None:
        pass


class ProcessBackend:
    """One worker process per core (CPU); a crash in a worker never takes the coordinator with it.
    With fewer cells than workers the runner has this process take a slot (``here``; bench/run/layout.py):
    one small cell trains here alone, sooner than any worker could import torch, or split over
    threads of this process. On a GPU, cells run in this process: processes sharing one device would
    only contend.

    started: workers from start_workers, used for the first executor asked for (closed unused on a GPU)."""

    def __init__(self, device: torch.device, workers: int | None, started: Slots | None = None):
        self.inline = device.type != "cpu"
        self.workers = workers or cores()
        self._started = started
        if started is not None and self.inline:
            self.close()

    @property
    def slots(self) -> int | None:
        """How many cells can train at once, for the runner's layout (None on a GPU: one at a time here)."""
        return None if self.inline else self.workers

    def _workers(self, jobs: int) -> int:
        return 0 if self.inline else max(1, min(jobs, self.workers))

    def executor(self, jobs: int, here: int = 0) -> Executor:
        """here: how many of the slots this process takes, a thread each (with one slot: it runs
        everything itself); the others are worker processes."""
        n = self._workers(jobs)
        if self._started is not None:
            pool, self._started = self._started, None
            if not here:
                return pool
            pool.abandon()
        if not n or (here and n == 1):
            return Inline()
        return Slots(n, here=min(here, n))

    def in_flight(self, jobs: int) -> int:
        return max(1, self._workers(jobs))

    def close(self) -> None:
        if self._started is not None:
            self._started.abandon()
            self._started = None


class DaskBackend:
    """A distributed.Client: connected now to --scheduler (so a bad address fails before the store is
    touched), or to a LocalCluster started on first use (not at all when every cell is stored)."""

    def __init__(self, device: torch.device, scheduler: str | None, workers: int | None):
        import torch
        try:
            import distributed
        except ImportError as e:
            raise UserError(f"--executor dask needs the dask extra: pip install -e \".[dask]\" ({e})") from None
        self._distributed = distributed
        self.workers = workers or (cores() if device.type == "cpu" else max(1, torch.cuda.device_count()))
        self.cluster = None
        self.client = None
        if scheduler is not None:
            try:
                _probe(scheduler)
                self.client = distributed.Client(scheduler, timeout=CONNECT_TIMEOUT_S)
            except Exception as e:  # refused, timed out, malformed address, not a dask scheduler
                msg = " ".join((str(e) if isinstance(e, ConnectionError) else
                                "an answer that is not a Dask message" if isinstance(e, MemoryError) else
                                f"{type(e).__name__}: {e}").split())
                raise UserError(f"--scheduler {scheduler}: no Dask scheduler reachable there ({msg}; "
                                f"connect timeout {CONNECT_TIMEOUT_S} s)") from None

    def executor(self, jobs: int, here: int = 0) -> Executor:
        import logging
        if self.client is None:
            self.cluster = self._distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                          processes=True, dashboard_address=None,
                                                          silence_logs=logging.ERROR)
            self.client = self._distributed.Client(self.cluster)
        return self.client.get_executor(pure=False)  # pure=False: a retried cell is computed again

    slots = None  # the scheduler balances; no layout

    def in_flight(self, jobs: int) -> int:
        return jobs  # the scheduler queues and balances; an adaptive cluster may grow meanwhile

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _probe(address: str) -> None:
    """Check a tcp:// scheduler before handing it to a Client: a plain connect, so that a port nobody
    listens on is refused at once (a Client would retry until its timeout, waiting for a scheduler that
    is still starting), then dask's identity handshake, so that a server of another kind fails cleanly."""
    import asyncio
    import socket
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm import connect, parse_address, parse_host_port
    scheme, location = parse_address(address)
    if scheme != "tcp":
        return
    try:
        socket.create_connection(parse_host_port(location), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise ConnectionError(f"cannot connect: {type(e).__name__}: {e}") from None

    async def identity() -> dict:
        comm = await connect(address, timeout=CONNECT_TIMEOUT_S)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    # The bound covers dask's own handshake too, which waits forever on a server that stays silent; a
    # thread of its own gives the probe an event loop even when the caller runs one (e.g. Jupyter).
    try:
        with ThreadPoolExecutor(1) as thread:
            kind = thread.submit(asyncio.run, asyncio.wait_for(identity(), CONNECT_TIMEOUT_S)).result().get("type")
    except MemoryError:  # a length field of garbage read as a size ("Unable to allocate 3.07 EiB")
        raise ConnectionError("the server there answers with bytes that are not Dask messages") from None
    except Exception as e:
        why = f"{type(e).__name__}: {e}" if str(e) else f"no answer within {CONNECT_TIMEOUT_S} s"
        raise ConnectionError(f"the server there does not answer as a Dask scheduler ({why})") from None
    if kind != "Scheduler":
        raise ConnectionError(f"the server there is a Dask {kind}, not a scheduler")


# name -> (description, factory(device, scheduler, workers, started))
EXECUTORS = {
    "process": ("one worker process per core, one torch thread each (default)",
                lambda device, scheduler, workers, started: ProcessBackend(device, workers, started)),
    "local": ("in this process, one cell after another (debugging)",
              lambda device, scheduler, workers, started: LocalBackend()),
    "dask": ("a Dask cluster: --scheduler ADDRESS, or a LocalCluster with one worker per core",
             lambda device, scheduler, workers, started: DaskBackend(device, scheduler, workers)),
}


def check_executor(name: str, scheduler: str | None = None, workers: int | None = None) -> None:
    if name not in EXECUTORS:
        raise UserError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
    if scheduler is not None and name != "dask":
        raise UserError(f"--scheduler needs --executor dask (got --executor {name})")
    if workers is not None and (name == "local" or scheduler is not None):
        where = "--executor local" if name == "local" else "--scheduler (the cluster has its own)"
        raise UserError(f"--workers does not apply to {where}")


def open_backend(name: str, device: torch.device, scheduler: str | None = None, workers: int | None = None,
                 started: Slots | None = None):
    """Validate the executor choice and connect to any scheduler; raises UserError (one line).
    workers: processes for ``process`` or a LocalCluster (default: one per core); started: from
    start_workers."""
    check_executor(name, scheduler, workers)
    return EXECUTORS[name][1](device, scheduler, workers, started)
