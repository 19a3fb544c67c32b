"""Executors that run each call in a slot of its own: here (the calling process, in a thread) or in a
worker process, one call at a time per slot.

A worker that dies (killed, out of memory) fails only the call it was running (WorkerLost), and its
slot starts a fresh process for the next call; on Linux a worker dies with the process that started
it. Slots can start their workers ahead of the first call, running a warm-up (imports) meanwhile.
"""
from __future__ import annotations

import os
import queue
import signal
import threading
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Callable

from bench.run.process_exit import leave_at_exit

if TYPE_CHECKING:  # multiprocessing and the pool load when a worker is started, not to parse arguments
    from concurrent.futures import ProcessPoolExecutor


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
    leave_at_exit()
    # Ctrl-C reaches the whole group, and so does `timeout`'s SIGTERM: the coordinator stops us
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
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
    import ctypes
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
        self._here = here
        self._warm = warm
        self._pools: list[ProcessPoolExecutor] = []
        self._threads = [threading.Thread(target=self._slot, args=(i < here, self._spawn() if warm and i >= here
                                                                    else None), daemon=True, name=f"slot-{i}")
                         for i in range(n)]
        for t in self._threads:
            t.start()

    def _spawn(self) -> ProcessPoolExecutor:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_worker, initargs=(os.getpid(), self._warm))
        if self._warm is not None:
            pool.submit(_ready)
        self._pools.append(pool)
        return pool

    def _slot(self, here: bool, pool: ProcessPoolExecutor | None) -> None:
        from concurrent.futures.process import BrokenProcessPool
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
        # Each worker's slot then shuts its pool down (its own thread, so no call races a closed pool):
        # the pool's queues are released before this process exits, not reported leaked at its exit.
        # A call running here cannot be stopped; its thread (a daemon) ends with the process.
        for t in self._threads[self._here:]:
            t.join(timeout=10)
