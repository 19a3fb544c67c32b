"""Where cells run: one backend per executor name, each handing the runner a concurrent.futures.Executor.

- ``local``: in this process, one cell after another (debugging; a crash here ends the run).
- ``process``: one spawned worker per core, one torch thread each. Each worker runs one cell at a
  time in its own single-process pool, so a worker that dies (killed, out of memory) loses only
  its own cell, and a fresh worker takes its place. (One shared ProcessPoolExecutor would fail
  every cell in flight or queued with BrokenProcessPool.)
- ``dask``: a ``distributed.Client``'s executor, on an existing cluster (``--scheduler ADDRESS``,
  e.g. one that dask-jobqueue started on Slurm) or on a LocalCluster of one single-threaded worker
  process per core. The scheduler reschedules the cells of a dead worker and gives up on a cell
  that keeps killing workers (KilledWorker).

Workers only compute: each returns a CellRecord, and the coordinating process writes the store.
"""
from __future__ import annotations

import asyncio
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

import torch

from bench.cell import Job, run_job
from bench.errors import UserError
from bench.store import CellRecord

CONNECT_TIMEOUT_S = 5  # an unreachable --scheduler is refused after this long


def work(job: Job) -> CellRecord:
    """What every worker runs: one torch thread (tiny models: one thread per process beats two, measured)."""
    torch.set_num_threads(1)
    return run_job(job)


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


def _init_worker(coordinator: int) -> None:
    torch.set_num_threads(1)
    _die_with(coordinator)


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
    """n worker processes, each in its own single-process pool, each running one call at a time.

    A dead worker fails only the call it was running (WorkerLost); its slot starts a fresh
    process for the next call.
    """

    def __init__(self, n: int):
        self._calls: queue.SimpleQueue = queue.SimpleQueue()  # (future, fn, args, kwargs) or None
        self._threads = [threading.Thread(target=self._slot, daemon=True, name=f"slot-{i}") for i in range(n)]
        for t in self._threads:
            t.start()

    def _slot(self) -> None:
        pool = None
        try:
            while (call := self._calls.get()) is not None:
                fut, fn, args, kwargs = call
                if not fut.set_running_or_notify_cancel():
                    continue
                if pool is None:
                    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                               initializer=_init_worker, initargs=(os.getpid(),))
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


class LocalBackend:
    """In this process; one cell in flight, so each lands in the store as soon as it is done."""

    def executor(self, jobs: int) -> Executor:
        return Inline()

    def in_flight(self, jobs: int) -> int:
        return 1

    def close(self) -> None:
        pass


class ProcessBackend:
    """One worker process per core (CPU), even for a single cell, so that a crash never takes the
    coordinator with it. On a GPU, cells run in this process instead: processes sharing one device
    would only contend."""

    def __init__(self, device: torch.device, workers: int | None):
        self.inline = device.type != "cpu"
        self.workers = workers or cores()

    def _workers(self, jobs: int) -> int:
        return 0 if self.inline else max(1, min(jobs, self.workers))

    def executor(self, jobs: int) -> Executor:
        n = self._workers(jobs)
        return Slots(n) if n else Inline()

    def in_flight(self, jobs: int) -> int:
        return max(1, self._workers(jobs))

    def close(self) -> None:
        pass


class DaskBackend:
    """A distributed.Client: connected now to --scheduler (so a bad address fails before the store is
    touched), or to a LocalCluster started on first use (not at all when every cell is stored)."""

    def __init__(self, device: torch.device, scheduler: str | None, workers: int | None):
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

    def executor(self, jobs: int) -> Executor:
        if self.client is None:
            self.cluster = self._distributed.LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                          processes=True, dashboard_address=None,
                                                          silence_logs=logging.ERROR)
            self.client = self._distributed.Client(self.cluster)
        return self.client.get_executor(pure=False)  # pure=False: a retried cell is computed again

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


# name -> (description, factory(device, scheduler, workers))
EXECUTORS = {
    "process": ("one worker process per core, one torch thread each (default)",
                lambda device, scheduler, workers: ProcessBackend(device, workers)),
    "local": ("in this process, one cell after another (debugging)",
              lambda device, scheduler, workers: LocalBackend()),
    "dask": ("a Dask cluster: --scheduler ADDRESS, or a LocalCluster with one worker per core",
             DaskBackend),
}


def check_executor(name: str, scheduler: str | None = None, workers: int | None = None) -> None:
    if name not in EXECUTORS:
        raise UserError(f"unknown executor {name!r}; choose from {', '.join(EXECUTORS)}")
    if scheduler is not None and name != "dask":
        raise UserError(f"--scheduler needs --executor dask (got --executor {name})")
    if workers is not None and (name == "local" or scheduler is not None):
        where = "--executor local" if name == "local" else "--scheduler (the cluster has its own)"
        raise UserError(f"--workers does not apply to {where}")


def open_backend(name: str, device: torch.device, scheduler: str | None = None, workers: int | None = None):
    """Validate the executor choice and connect to any scheduler; raises UserError (one line).
    workers: processes for ``process`` or a LocalCluster (default: one per core)."""
    check_executor(name, scheduler, workers)
    return EXECUTORS[name][1](device, scheduler, workers)
