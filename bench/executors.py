"""Where cells run: one backend per executor name, each handing the runner a concurrent.futures.Executor.

- ``local``: in this process, one cell after another (debugging; a crash here ends the run).
- ``process``: one spawned worker per core, one torch thread each. Each worker runs one cell at a
  time in its own single-process pool, so a worker that dies (killed, out of memory) loses only
  its own cell, and a fresh worker takes its place. (One shared ProcessPoolExecutor would fail
  every cell in flight or queued with BrokenProcessPool.) A worker costs seconds of imports before
  its first cell, so with fewer cells than workers this process trains, and only a part of a large
  cell goes to a worker (bench/layout.py); a pool for a grid is started while the command is still
  validating (``start_workers``), so that the workers' imports overlap the checks.
- ``dask``: a ``distributed.Client``'s executor, on an existing cluster (``--scheduler ADDRESS``,
  e.g. one that dask-jobqueue started on Slurm) or on a LocalCluster of one single-threaded worker
  process per core. The scheduler reschedules the cells of a dead worker and gives up on a cell
  that keeps killing workers (KilledWorker).

Workers only compute: each returns a CellRecord, and the coordinating process writes the store.
Reports are written by one more process (``start_reporter``), which imports pandas, scipy and
matplotlib while the cells train and draws a task's figures as soon as its cells are stored.
"""
from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import queue
import signal
import socket
import threading
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Callable

from bench.errors import UserError

if TYPE_CHECKING:  # torch and the cell code load in the processes that train, not to parse arguments
    import torch

    from bench.cell import Job
    from bench.store import CellRecord

CONNECT_TIMEOUT_S = 5  # an unreachable --scheduler is refused after this long


def work(job: Job) -> CellRecord:
    """What every worker runs: one torch thread (tiny models: one thread per process beats two, measured)."""
    import torch

    from bench.cell import run_job
    torch.set_num_threads(1)
    return run_job(job)


def warm_trainer() -> None:
    """What a worker started ahead of its first cell imports meanwhile: torch, the cell code, the kernels."""
    from bench.cell import run_job  # noqa: F401  (imports torch, the tasks' code and models)
    from models import native
    native.library()


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class WorkerLost(Exception):
    """The process running a cell died before returning it."""


class Inline(Executor):
    """Runs each call at submit, in this process and thread (so pdb and monkeypatching work)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as e:
            fut.set_exception(e)
        return fut

    def abandon(self) -> None:
        """Nothing runs in the background here (Slots.abandon's counterpart)."""


def _init_worker(coordinator: int, warm: Callable[[], None] | None) -> None:
    _die_with(coordinator)
    if warm is not None:
        try:
            warm()
        except Exception:  # the first call meets the same problem and reports it as its own failure
            pass


def _ready() -> None:
    """A call that makes a pool start its process now."""


def _die_with(coordinator: int) -> None:
    """Linux: have the kernel kill this worker when its parent dies, so a kill -9 of the coordinator
    leaves no orphan training on (measured: without this, spawned workers outlive it forever)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux
        return
    if os.getppid() != coordinator:  # the parent died before prctl took effect
        os._exit(1)


class Slots(Executor):
    """n slots, each running one call at a time: the first `here` in this process (a thread each),
    the others each in a worker process of its own single-process pool.

    A dead worker fails only the call it was running (WorkerLost); its slot starts a fresh
    process for the next call. warm: given, each worker starts now, not at its first call, and
    runs it first (e.g. its imports), so that its start-up overlaps whatever this process does.
    """

    def __init__(self, n: int, here: int = 0, warm: Callable[[], None] | None = None):
        self._calls: queue.SimpleQueue = queue.SimpleQueue()  # (future, fn, args, kwargs) or None
        self._warm = warm
        self._pools: list[ProcessPoolExecutor] = []
        self._threads = [threading.Thread(target=self._slot, args=(i < here, self._spawn() if warm and i >= here
                                                                    else None), daemon=True, name=f"slot-{i}")
                         for i in range(n)]
        for t in self._threads:
            t.start()

    def _spawn(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(os.getpid(), self._warm))
        if self._warm is not None:
            pool.submit(_ready)
        self._pools.append(pool)
        return pool

    def _slot(self, here: bool, pool: ProcessPoolExecutor | None) -> None:
        try:
            while (call := self._calls.get()) is not None:
                fut, fn, args, kwargs = call
                if not fut.set_running_or_notify_cancel():
                    continue
                if here:
                    try:
                        fut.set_result(fn(*args, **kwargs))
                    except BaseException as e:
                        fut.set_exception(e)
                    continue
                if pool is None:
                    pool = self._spawn()
                try:
                    fut.set_result(pool.submit(fn, *args, **kwargs).result())
                except BrokenProcessPool:
                    pool.shutdown(wait=False)
                    pool = None
                    fut.set_exception(WorkerLost("the worker process died while running this cell "
                                                 "(killed, or out of memory)"))
                except BaseException as e:
                    fut.set_exception(e)
        finally:
            if pool is not None:
                pool.shutdown(wait=True)

    def submit(self, fn, /, *args, **kwargs) -> Future:
        fut: Future = Future()
        self._calls.put((fut, fn, args, kwargs))
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Without waiting, queued calls are cancelled too (as a Dask ClientExecutor does)."""
        if cancel_futures or not wait:
            while True:
                try:
                    call = self._calls.get_nowait()
                except queue.Empty:
                    break
                if call is not None:
                    call[0].cancel()
        for _ in self._threads:
            self._calls.put(None)
        if wait:
            for t in self._threads:
                t.join()

    def abandon(self) -> None:
        """Shut down without waiting, and kill the workers (started ahead of need, no longer needed:
        otherwise this process would wait at exit for their imports to finish)."""
        self.shutdown(wait=False)
        for pool in list(self._pools):
            for proc in list((getattr(pool, "_processes", None) or {}).values()):  # no public handle before 3.14
                proc.kill()


def start_workers(executor: str, workers: int | None, jobs: int) -> Slots | None:
    """For ``process`` with at least as many cells to run as workers: the workers, started now and
    importing while the command validates (ProcessBackend takes them over); otherwise None."""
    n = workers or cores()
    return Slots(n, warm=warm_trainer) if executor == "process" and jobs >= n else None


def start_reporter(executor: str) -> Executor:
    """Where a run's reports are written and its figures drawn: a process that imports the report
    code now, while the cells train; with ``local``, this process (debugging)."""
    if executor == "local":
        return Inline()
    from bench.outputs import warm_reporter
    return Slots(1, warm=warm_reporter)


class LocalBackend:
    """In this process; one cell in flight, so each lands in the store as soon as it is done."""

    slots = None  # no layout: everything runs here anyway

    def executor(self, jobs: int, here: bool = False) -> Executor:
        return Inline()

    def in_flight(self, jobs: int) -> int:
        return 1

    def close(self) -> None:
        pass


class ProcessBackend:
    """One worker process per core (CPU); a crash in a worker never takes the coordinator with it.
    With fewer cells than workers the runner has this process take a slot (``here``; bench/layout.py):
    one small cell trains here alone, sooner than any worker could import torch. On a GPU, cells run
    in this process: processes sharing one device would only contend.

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

    def executor(self, jobs: int, here: bool = False) -> Executor:
        """here: this process takes one of the slots (with one slot: runs everything itself)."""
        n = self._workers(jobs)
        if self._started is not None:
            pool, self._started = self._started, None
            if not here:
                return pool
            pool.abandon()
        if not n or (here and n == 1):
            return Inline()
        return Slots(n, here=1 if here else 0)

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
                msg = " ".join((str(e) if isinstance(e, ConnectionError) else f"{type(e).__name__}: {e}").split())
                raise UserError(f"--scheduler {scheduler}: no Dask scheduler reachable there ({msg}; "
                                f"connect timeout {CONNECT_TIMEOUT_S} s)") from None

    def executor(self, jobs: int, here: bool = False) -> Executor:
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
