"""Calls spread over copies of this process, for work that needs what the process has already
loaded (e.g. a report process with matplotlib imported and the results read): each copy is forked
from it, computes its share and sends the results back through a pipe, so nothing is imported
again and nothing needs to be picklable but the results.

Forking is used only where it is safe: on a system that has it, and in a process running one
thread (a thread holding a lock at the fork would leave that lock held in the copy forever);
anywhere else the calls run here, one after another, with the same results.
"""
from __future__ import annotations

import os
import pickle
import threading
from typing import Callable, TypeVar

T = TypeVar("T")


def fork_map(calls: list[Callable[[], T]], processes: int) -> list[T]:
    """Each call's result, in order, computed by up to `processes` processes (this one included).
    A call that raises raises here (the first such call's exception, once every copy has ended)."""
    n = min(processes, len(calls))
    if n <= 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        return [c() for c in calls]
    children = [_fork(calls, k, n) for k in range(1, n)]
    got = dict(_share(calls, 0, n))
    lost = []
    for pid, fd in children:
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        if data:
            got.update(pickle.loads(data))
        else:
            lost.append(pid)
    if lost:
        raise RuntimeError(f"process {lost[0]}, computing part of the calls, ended without its results")
    for i in range(len(calls)):
        if isinstance(got[i], _Raised):
            raise got[i].error
    return [got[i] for i in range(len(calls))]


class _Raised:
    def __init__(self, error: BaseException):
        self.error = error


def _share(calls: list[Callable], k: int, n: int) -> list[tuple[int, object]]:
    """Calls k, k + n, k + 2n, ... with their results (or what they raised)."""
    out = []
    for i in range(k, len(calls), n):
        try:
            out.append((i, calls[i]()))
        except Exception as e:
            out.append((i, _Raised(e)))
    return out


def _fork(calls: list[Callable], k: int, n: int) -> tuple[int, int]:
    r, w = os.pipe()
    pid = os.fork()
    if pid:
        os.close(w)
        return pid, r
    os.close(r)  # the copy: compute its share, send it, and end without running anything of the parent's
    code = 0
    try:
        results = _share(calls, k, n)
        try:
            data = pickle.dumps(results)
        except Exception:  # an exception that does not pickle: its text does
            data = pickle.dumps([(i, _Raised(RuntimeError(f"{type(v.error).__name__}: {v.error}")))
                                 if isinstance(v, _Raised) else (i, v) for i, v in results])
        with os.fdopen(w, "wb") as pipe:
            pipe.write(data)
    except BaseException:
        code = 1
    finally:
        os._exit(code)

