"""Ending a process without the interpreter's teardown.

Once torch is loaded, a normal exit spends most of a second freeing its modules one object at a
time (docs/speed.md), after every file the command wrote is already closed. ``leave`` ends the
command's own process: it flushes stdout and stderr, winds down what a normal exit would (executors'
workers, multiprocessing's semaphores and children), then exits at once. ``leave_at_exit`` does
the same for a worker process, whose pool has already run those handlers by then.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a reader that went away (`| head`), a closed stream
            pass


def leave(code: int) -> NoReturn:
    """Exit with code: streams flushed and exit handlers run, the interpreter's teardown skipped."""
    _flush()
    # The interpreter's own order: first threading's exit hooks (executors wind their worker processes
    # down) and the threads that are not daemons, then the exit handlers (multiprocessing's join the
    # processes left). Running the handlers first would close a pool's queues under it and wait forever.
    shutdown = getattr(threading, "_shutdown", None)
    if shutdown is not None:
        shutdown()
    atexit._run_exitfuncs()
    _flush()
    os._exit(code)


def _now() -> NoReturn:
    _flush()
    os._exit(0)


def leave_at_exit() -> None:
    """In a worker: when its pool lets it exit, skip the teardown (the last exit handler to register
    runs first; multiprocessing's own ran when the worker's work returned)."""
    atexit.register(_now)
