"""Read-only inspection of a result store before a run or a report opens it for writing.

SQLite decides whether the file is a sound database: it is opened read-only the way SQLite reads
any store, its -wal included, and SQLite's integrity_check reads every page. The suite adds only
what SQLite cannot know: the magic string (so a text file gets a plain message), the suite's
tables and result-schema version (bench.store.db.schema_problem), and that every stored value decodes
as the suite reads it back. A refusal is one line naming the file and what rejected it, and the
file is left byte-for-byte as it was:

- no -wal (or -journal) beside it: opened ``immutable``, so SQLite takes no lock and creates no
  -wal or -shm file;
- a non-empty -wal (a run killed before its first checkpoint, a copy of a live store): opened with
  ``mode=ro``, the reader protocol, which replays the committed frames of the -wal and never writes
  the database or the -wal; SQLite may create or rebuild the -shm, its wal-index, which is a cache
  rebuilt from the -wal, not data.

Only after this passes does bench.store.db.Store open the file read-write.
"""
from __future__ import annotations

import json
import os
import sqlite3
import urllib.parse
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from bench.errors import UserError
from bench.store.db import COLUMNS, DONE, STATUSES, schema_problem
from sequences.files import check_output, shown

MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class StoreState:
    exists: bool  # False: a fresh store will be created
    done: dict[str, set[int]] = field(default_factory=dict)  # cell key -> seeds a rerun skips


def _refuse(path: Path, problem: str) -> UserError:
    problem = " ".join(problem.split())  # SQLite's reports can span lines
    return UserError(f"{path}: {problem}; use another --out or move the file away (it was left unchanged)")


def _check_magic(path: Path) -> None:
    """The header checks SQLite leaves to us: a file of another kind gets a plain message, and a
    file-format write version above 2 (bytes 18-19), which a read-only open accepts but which
    SQLite would open only read-only, so that no run could store into it."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(MAGIC) + 4)
    except OSError as e:
        raise UserError(f"{path}: cannot be read ({e.strerror})") from None
    if head[:len(MAGIC)] != MAGIC:
        raise _refuse(path, f"not an SQLite file (starts with {head[:len(MAGIC)]!r})")
    versions = head[len(MAGIC) + 2:len(MAGIC) + 4]
    if len(versions) == 2 and max(versions) > 2:
        raise _refuse(path, f"SQLite file format versions {versions[0]}/{versions[1]} in its header "
                            "(this SQLite writes 1 or 2)")


def _connect(path: Path) -> sqlite3.Connection:
    """Read-only, as SQLite reads a store a killed run left: a -wal (or a rollback -journal) beside it
    is read through SQLite's own recovery, never ignored, so ``immutable`` only when there is none."""
    quiet = all(not p.exists() or p.stat().st_size == 0
                for p in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")))
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + ("?mode=ro&immutable=1" if quiet else "?mode=ro")
    return sqlite3.connect(uri, uri=True, timeout=30)


def _sqlite_check(path: Path, conn: sqlite3.Connection) -> None:
    """SQLite's integrity_check (every page, every index against its table: quick_check skips the latter)."""
    conn.text_factory = lambda b: b.decode("utf-8", "replace")  # its report may quote damaged text
    try:
        report = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as e:
        raise _refuse(path, f"SQLite rejects it ({e})") from None
    finally:
        conn.text_factory = str  # from here on, text that does not decode is damage
    if report != ["ok"]:
        first = report[0].removeprefix("*** in database main ***").strip()
        more = f" and {len(report) - 1} more" if len(report) > 1 else ""
        raise _refuse(path, f"SQLite's integrity_check rejects it ({first[:160]}{more})")


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


SIDE_FILES = ("-wal", "-shm", "-journal")  # the files SQLite keeps beside a database
MAX_PATH = 511 - len("-journal")  # bytes: SQLite's unix path limit (512 with its NUL) for the longest side file


def check_store_files(path: Path) -> None:
    """The store and SQLite's side files are absent or regular files of one name (UnsafeFile naming the first
    that is not: SQLite would follow a link), and the store's path is one SQLite can open."""
    full = os.path.abspath(path)
    if len(os.fsencode(full)) > MAX_PATH:
        raise UserError(f"{shown(full)}: the store's path is {len(os.fsencode(full))} bytes long, SQLite opens at most "
                        f"{MAX_PATH} (with its side files); use a shorter --out")
    for p in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
        if not (p == path and p.is_dir() and not p.is_symlink()):  # a folder there: its own message below
            check_output(p)


def inspect_store(path: Path, any_version: bool = False) -> StoreState:
    """Check path as a result store without changing it; UserError (one line) if it cannot be used.
    any_version: accept another result-schema version with the same columns (a store only read)."""
    path = Path(path)
    check_store_files(path)
    if not path.exists():
        return StoreState(False)
    if path.is_dir():
        raise UserError(f"{path}: is a directory, not a result store; use another --out or remove it")
    if not path.is_file():
        raise UserError(f"{path}: is not a regular file, so it cannot be a result store")
    if path.stat().st_size == 0:
        return StoreState(False)  # SQLite treats an empty file as a new database
    _check_magic(path)
    try:
        conn = _connect(path)
    except sqlite3.DatabaseError as e:
        raise _refuse(path, f"SQLite rejects it ({e})") from None
    try:
        _sqlite_check(path, conn)
        problem = schema_problem(conn, any_version)
        if problem:
            raise _refuse(path, problem)
        if conn.execute("SELECT 1 FROM sqlite_master").fetchone() is None:
            return StoreState(False)  # an empty database (a run killed while creating it) holds nothing
        return StoreState(True, _check_rows(path, conn))
    except sqlite3.DatabaseError as e:
        raise _refuse(path, f"SQLite rejects it ({e})") from None
    except UnicodeDecodeError as e:
        raise _refuse(path, f"cannot be read as a result store (text that is not UTF-8: {e.reason})") from None
    finally:
        conn.close()
