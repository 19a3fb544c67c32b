"""Read-only inspection of a result store before a run or a report opens it for writing.

A file that is not this suite's store (another program's, another result-schema version, garbage,
truncated, damaged) is refused with one line naming it, and is left byte-for-byte as it was:

- no -wal file (or an empty one): the file is opened ``immutable``, so SQLite takes no lock and
  creates no -wal or -shm file beside it;
- a non-empty -wal (a run killed before its checkpoint, or a run in progress): opened with
  ``mode=ro``, the reader protocol, which never writes the database or the -wal; SQLite may
  create or rebuild the -shm, its wal-index, which is a cache rebuilt on every open, not data.

Only after this passes does bench.store.Store open the file read-write.
"""
from __future__ import annotations

import json
import sqlite3
import urllib.parse
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from bench import SCHEMA_VERSION
from bench.errors import UserError
from bench.store import DONE, STATUSES

MAGIC = b"SQLite format 3\x00"
# Columns this suite reads and writes, per table (a store may not lack any of them).
COLUMNS = {
    "meta": ("key", "value"),
    "cells": ("cell_key", "task", "model", "profile", "device", "settings", "floors", "protocol"),
    "results": ("cell_key", "seed", "task", "model", "profile", "status", "reason", "metrics", "env", "created"),
    "arrays": ("cell_key", "seed", "name", "data"),
}


@dataclass(frozen=True)
class StoreState:
    exists: bool  # False: a fresh store will be created
    done: dict[str, set[int]] = field(default_factory=dict)  # cell key -> seeds a rerun skips


def _refuse(path: Path, problem: str) -> UserError:
    problem = " ".join(problem.split())  # SQLite's reports can span lines
    return UserError(f"{path}: {problem}; use another --out or move the file away (it was left unchanged)")


def _check_header(path: Path, size: int) -> None:
    """The SQLite file header (100 bytes): magic, page size, fixed fields, and truncation."""
    try:
        with open(path, "rb") as f:
            h = f.read(100)
    except OSError as e:
        raise UserError(f"{path}: cannot be read ({e.strerror})") from None
    if not h.startswith(MAGIC):
        raise _refuse(path, f"not an SQLite file (starts with {h[:16]!r})")
    if len(h) < 100:
        raise _refuse(path, f"truncated SQLite file ({size} bytes, shorter than its 100-byte header)")
    page = int.from_bytes(h[16:18], "big")
    page = 65536 if page == 1 else page
    if page < 512 or page & (page - 1):
        raise _refuse(path, f"damaged SQLite header (page size {page})")
    if h[18] not in (1, 2) or h[19] not in (1, 2) or h[21:24] != b"\x40\x20\x20" or \
            int.from_bytes(h[56:60], "big") not in (1, 2, 3) or int.from_bytes(h[44:48], "big") > 4:
        raise _refuse(path, "damaged SQLite header")
    if size % page:
        raise _refuse(path, f"truncated SQLite file ({size} bytes is not a whole number of {page}-byte pages)")
    pages = int.from_bytes(h[28:32], "big")
    if h[92:96] == h[24:28] and pages * page > size:  # the in-header size is valid: compare
        raise _refuse(path, f"truncated SQLite file (header says {pages} pages, the file holds {size // page})")


def _connect(path: Path) -> sqlite3.Connection:
    wal = path.with_name(path.name + "-wal")
    quiet = not wal.exists() or wal.stat().st_size == 0
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + ("?mode=ro&immutable=1" if quiet else "?mode=ro")
    return sqlite3.connect(uri, uri=True, timeout=30)


def _check_rows(path: Path, conn: sqlite3.Connection) -> dict[str, set[int]]:
    """Every stored value has the type the suite reads back, so no later query can fail on it."""
    done: dict[str, set[int]] = {}
    for key, seed, _, _, _, status, _, metrics, env, _ in conn.execute(  # every column decodes
            f"SELECT {', '.join(COLUMNS['results'])} FROM results"):
        if not isinstance(key, str) or not isinstance(seed, int) or status not in STATUSES:
            raise _refuse(path, f"damaged result row (cell {key!r}, seed {seed!r}, status {status!r})")
        for text in (metrics, env):
            _json_object(path, text, f"result row of cell {key}")
        if status in DONE:
            done.setdefault(key, set()).add(seed)
    for key, _, _, _, _, *texts in conn.execute(f"SELECT {', '.join(COLUMNS['cells'])} FROM cells"):
        for text in texts:
            _json_object(path, text, f"cell {key!r}")
    for key, seed, name, blob in conn.execute("SELECT cell_key, seed, name, data FROM arrays"):
        if not _packed_array(blob):
            raise _refuse(path, f"damaged array {name!r} of cell {key!r}, seed {seed!r}")
    return done


def _packed_array(blob) -> bool:
    """A zlib stream of an .npy file, checked to its end (adler32) in 1 MiB pieces."""
    if not isinstance(blob, bytes):
        return False
    d = zlib.decompressobj()
    try:
        ok = d.decompress(blob, 6).startswith(b"\x93NUMPY")
        while ok and d.unconsumed_tail:
            d.decompress(d.unconsumed_tail, 1 << 20)
        return ok and d.eof and not d.unused_data
    except zlib.error:
        return False


def _json_object(path: Path, text, where: str) -> dict:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise _refuse(path, f"damaged {where} (not a JSON object)")
    return value


def inspect_store(path: Path) -> StoreState:
    """Check path as a result store without changing it; UserError (one line) if it cannot be used."""
    path = Path(path)
    if not path.exists():
        return StoreState(False)
    if path.is_dir():
        raise UserError(f"{path}: is a directory, not a result store; use another --out or remove it")
    if not path.is_file():
        raise UserError(f"{path}: is not a regular file, so it cannot be a result store")
    size = path.stat().st_size
    if size == 0:
        return StoreState(False)  # SQLite treats an empty file as a new database
    _check_header(path, size)
    try:
        conn = _connect(path)
    except sqlite3.DatabaseError as e:
        raise _refuse(path, f"cannot be opened as a result store ({e})") from None
    try:
        conn.text_factory = lambda b: b.decode("utf-8", "replace")  # its report may quote damaged text
        try:
            check = conn.execute("PRAGMA integrity_check").fetchall()  # quick_check skips index contents
        except sqlite3.DatabaseError as e:
            check = [(str(e),)]
        conn.text_factory = str  # from here on, text that does not decode is damage
        if check != [("ok",)]:
            raise _refuse(path, f"damaged SQLite file (integrity_check: {str(check[0][0])[:160]})")
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            raise _refuse(path, "not a result store of this suite (no meta table)")
        row = conn.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None or str(row[0]) != str(SCHEMA_VERSION):
            found = "none" if row is None else repr(row[0])[:40]
            raise _refuse(path, f"result-schema version {found}, this suite reads and writes {SCHEMA_VERSION}")
        for table, cols in COLUMNS.items():
            have = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
            if not set(cols) <= have:
                raise _refuse(path, f"table {table!r} lacks columns {sorted(set(cols) - have)}")
        return StoreState(True, _check_rows(path, conn))
    except (sqlite3.DatabaseError, UnicodeDecodeError) as e:
        raise _refuse(path, f"cannot be read as a result store ({e})") from None
    finally:
        conn.close()
