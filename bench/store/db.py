"""SQLite result store (WAL): one row per (cell key, seed), written only by the coordinating process.

A cell's rows, its cell-level record and its arrays are committed in one transaction, so a kill
at any moment loses at most the cells in flight, and a rerun finds exactly what is missing.
"""
from __future__ import annotations

import io
import json
import sqlite3
import time
import urllib.parse
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench import SCHEMA_VERSION
from bench.errors import UserError
from sequences.files import SHOWN, shown

if TYPE_CHECKING:  # pandas only to read results back (reports), not to write them
    import pandas as pd

STATUSES = ("ok", "diverged", "skipped", "failed")  # a seed's, and a cell's (bench.run.runner.cell_status)
DONE = ("ok", "diverged")  # what a rerun does not repeat; skipped (data unavailable) and failed are tried again

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    cell_key TEXT PRIMARY KEY, task TEXT, model TEXT, profile TEXT, device TEXT,
    settings TEXT, floors TEXT, protocol TEXT);
CREATE TABLE IF NOT EXISTS results (
    cell_key TEXT, seed INTEGER, task TEXT, model TEXT, profile TEXT, status TEXT, reason TEXT,
    metrics TEXT, env TEXT, created REAL, PRIMARY KEY (cell_key, seed));
CREATE TABLE IF NOT EXISTS arrays (
    cell_key TEXT, seed INTEGER, name TEXT, data BLOB, PRIMARY KEY (cell_key, seed, name));
"""
# Columns this suite reads and writes, per table of _SCHEMA (a store may not lack any of them).
COLUMNS = {
    "meta": ("key", "value"),
    "cells": ("cell_key", "task", "model", "profile", "device", "settings", "floors", "protocol"),
    "results": ("cell_key", "seed", "task", "model", "profile", "status", "reason", "metrics", "env", "created"),
    "arrays": ("cell_key", "seed", "name", "data"),
}


# What SQLite's message means for a store, and what to do (the first that the message holds).
_ADVICE = (
    ("unable to open", "SQLite cannot open it (a folder it may not write, or a path too long); use another --out"),
    ("disk I/O error", "SQLite met a disk I/O error (a -wal or -shm file removed while it was open, or a failing "
                       "disk); the cells committed before it are stored: rerun the same command"),
    ("disk is full", "the disk is full; free space and rerun the same command: the cells committed before it "
                     "are stored"),
    ("locked", "another program holds it locked (an sqlite3 shell, a viewer); close it and rerun the same command"),
    ("readonly", "SQLite may not write it (a read-only file or folder); use another --out or allow writing"),
)


def sqlite_problem(path: Path | str, e: Exception) -> str:
    """One line naming the store, what an SQLite error means there and what to do."""
    said = " ".join(str(e).split())
    advice = next((a for key, a in _ADVICE if key in said), "SQLite cannot use it; use another --out or move it away")
    return f"{shown(path)}: {advice} (SQLite: {said[:SHOWN]})"


def schema_problem(conn: sqlite3.Connection, any_version: bool = False) -> str | None:
    """Why an SQLite database is not a store this suite can read and write, or None. any_version: a
    store of another result-schema version passes if it has the columns (to be read, not written)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not tables:  # an empty database, e.g. a run killed while it created the store: the schema comes next
        return None
    if "meta" not in tables:
        return "not a result store of this suite (no meta table)"
    row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    if row is None or (str(row[0]) != str(SCHEMA_VERSION) and not any_version):
        found = "none" if row is None else repr(row[0])[:40]
        return f"result-schema version {found}, this suite reads and writes {SCHEMA_VERSION}"
    for table, cols in COLUMNS.items():
        have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
        if not set(cols) <= have:
            return f"table {table!r} lacks columns {sorted(set(cols) - have)}"
    return None


@dataclass
class CellRecord:
    """What a worker returns for one cell: rows per seed, plus arrays (seed -1: cell-level)."""

    cell_key: str
    task: str
    model: str
    profile: str
    device: str
    settings: dict
    seeds: list[int]
    status: dict[int, str]  # seed -> status
    reason: dict[int, str]  # seed -> reason ("" when ok)
    metrics: dict[int, dict[str, float]]  # seed -> metric -> value
    env: dict = field(default_factory=dict)
    floors: dict = field(default_factory=dict)
    protocol: dict = field(default_factory=dict)
    arrays: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)
    siblings: list["CellRecord"] = field(default_factory=list)  # cells trained in the same stack (each written alone)


def _pack(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.asarray(a), allow_pickle=False)
    return zlib.compress(buf.getvalue(), 3)


def _unpack(b: bytes) -> np.ndarray:
    return np.load(io.BytesIO(zlib.decompress(b)), allow_pickle=False)


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise UserError(f"{self.path}: is a directory, not a result store")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = not self.path.exists() or self.path.stat().st_size == 0
        self.conn = sqlite3.connect(self.path, timeout=30)
        try:
            # Read before writing anything, so a foreign file is left untouched (the CLI has
            # already had SQLite check the file, bench.store.check).
            problem = None if fresh else schema_problem(self.conn)
            if problem:
                raise UserError(f"{self.path}: {problem}; use another --out or move the file away")
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            with self.conn:
                self.conn.executescript(_SCHEMA)
                self.conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError as e:
            self.conn.close()
            raise UserError(sqlite_problem(self.path, e)) from None
        except UserError:
            self.conn.close()
            raise

    @classmethod
    def reader(cls, path: Path, immutable: bool = False) -> "Store":
        """The store opened read-only (SQLite's reader protocol), for a process that reads beside the
        writing one, e.g. one that draws a task's figures while other cells still train. immutable: a
        store without a -wal that nothing writes, read without a lock or a -shm (nothing is created)."""
        store = cls.__new__(cls)
        store.path = Path(path)
        uri = "file:" + urllib.parse.quote(str(store.path.resolve())) + ("?mode=ro&immutable=1" if immutable
                                                                        else "?mode=ro")
        store.conn = sqlite3.connect(uri, uri=True, timeout=30)
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def statuses(self, cell_key: str) -> dict[int, str]:
        """seed -> status of every stored row of the cell."""
        return dict(self.conn.execute("SELECT seed, status FROM results WHERE cell_key=?", (cell_key,)))

    def write_cell(self, rec: CellRecord) -> None:
        """All of a cell's rows and arrays in one transaction."""
        now = time.time()
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO cells VALUES (?,?,?,?,?,?,?,?)",
                              (rec.cell_key, rec.task, rec.model, rec.profile, rec.device,
                               json.dumps(rec.settings, sort_keys=True, default=str),
                               json.dumps(rec.floors), json.dumps(rec.protocol)))
            for seed in rec.seeds:
                self.conn.execute("INSERT OR REPLACE INTO results VALUES (?,?,?,?,?,?,?,?,?,?)",
                                  (rec.cell_key, seed, rec.task, rec.model, rec.profile, rec.status[seed],
                                   rec.reason.get(seed, ""), json.dumps(rec.metrics.get(seed, {})),
                                   json.dumps(rec.env), now))
            for (seed, name), arr in rec.arrays.items():
                self.conn.execute("INSERT OR REPLACE INTO arrays VALUES (?,?,?,?)",
                                  (rec.cell_key, seed, name, _pack(arr)))

    def results(self, cell_keys: list[str] | None = None) -> pd.DataFrame:
        """One row per (cell, seed): identity columns, status, reason, then one column per metric."""
        import pandas as pd
        rows = self.conn.execute("SELECT cell_key, seed, task, model, profile, status, reason, metrics, env "
                                 "FROM results ORDER BY task, model, cell_key, seed").fetchall()
        keep = None if cell_keys is None else set(cell_keys)
        recs = []
        for key, seed, task, model, profile, status, reason, metrics, env in rows:
            if keep is not None and key not in keep:
                continue
            recs.append({"cell_key": key, "seed": seed, "task": task, "model": model, "profile": profile,
                         "status": status, "reason": reason, **json.loads(env), **json.loads(metrics)})
        return pd.DataFrame(recs)

    def cells(self, cell_keys: list[str] | None = None) -> dict[str, dict]:
        out = {}
        for key, task, model, profile, device, settings, floors, protocol in self.conn.execute(
                "SELECT * FROM cells"):
            if cell_keys is None or key in cell_keys:
                out[key] = {"task": task, "model": model, "profile": profile, "device": device,
                            "settings": json.loads(settings), "floors": json.loads(floors),
                            "protocol": json.loads(protocol)}
        return out

    def arrays(self, cell_key: str, names: tuple[str, ...] | None = None) -> dict[int, dict[str, np.ndarray]]:
        """seed -> name -> array (seed -1 holds the cell-level arrays); only `names` when given."""
        out: dict[int, dict[str, np.ndarray]] = {}
        q, args = "SELECT seed, name, data FROM arrays WHERE cell_key=?", (cell_key,)
        if names is not None:
            q, args = q + f" AND name IN ({','.join('?' * len(names))})", args + tuple(names)
        for seed, name, data in self.conn.execute(q, args):
            out.setdefault(seed, {})[name] = _unpack(data)
        return out
