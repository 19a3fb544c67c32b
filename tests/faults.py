"""Faults at a store's cell commits, for the crash and lock tests: in this process (at_commits), or
in a child process that runs ``python -m bench ARGS`` with one fault:

    python tests/faults.py kill-inside:N ARGS...        SIGKILL inside the Nth cell's transaction
                                                        (its rows written, not committed)
    python tests/faults.py kill-after:N ARGS...         SIGKILL right after the Nth cell's commit
    python tests/faults.py pause-after:N:FILE ARGS...   after the Nth commit, create FILE.reached and
                                                        wait until FILE exists

With ``--executor local`` every commit is this process's (the coordinator writes the store).
"""
from __future__ import annotations

import itertools
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.store.db import Store  # noqa: E402

Hook = Callable[[int], None]


class _Committing:
    """A store's connection as one write_cell sees it: `on_commit` runs just before the commit."""

    def __init__(self, conn, on_commit: Callable[[], None]):
        self._conn, self._on_commit = conn, on_commit

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __enter__(self):
        return self._conn.__enter__()

    def __exit__(self, *exc):
        if exc[0] is None:
            self._on_commit()
        return self._conn.__exit__(*exc)


def at_commits(inside: Hook | None = None, after: Hook | None = None):
    """A Store.write_cell that calls inside(n) in the nth cell's transaction once its rows are
    written, and after(n) once it is committed (n counts this process's cell commits from 1)."""
    original, count = Store.write_cell, itertools.count(1)

    def write_cell(self, rec):
        n, conn = next(count), self.conn
        self.conn = _Committing(conn, lambda: inside and inside(n))
        try:
            original(self, rec)
        finally:
            self.conn = conn
        if after:
            after(n)
    return write_cell


def _fault(spec: str) -> dict[str, Hook]:
    kind, n, *file = spec.split(":", 2)

    def kill(k: int) -> None:
        if k == int(n):
            os.kill(os.getpid(), signal.SIGKILL)

    def pause(k: int) -> None:
        if k == int(n):
            Path(file[0] + ".reached").touch()
            while not Path(file[0]).exists():
                time.sleep(0.02)
    return {"kill-inside": {"inside": kill}, "kill-after": {"after": kill}, "pause-after": {"after": pause}}[kind]


if __name__ == "__main__":
    Store.write_cell = at_commits(**_fault(sys.argv[1]))
    from bench.cli import main
    sys.exit(main(sys.argv[2:]))
