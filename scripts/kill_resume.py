"""kill -9 a grid run at many points spread over its whole run, resume it each time, and compare the
end result with an uninterrupted run of the same command (not a test; it prints the figures).

    PYTHONPATH=$PWD python scripts/kill_resume.py --grid assignment2 --seeds 3 [--kills 20] [--dir D] [-- ARGS]

Each attempt is ``python -m bench run --grid G --seeds S --out D/killed ARGS``, killed with SIGKILL
(the coordinator alone, as ``kill -9 PID`` does) at, counted from its own start: three points in its
first second; the moment it holds the store's lock; the moment it first writes the -wal (on a new
store: its schema, before the first checkpoint); a random moment in the first cell; the moment the
first cell is committed; then once the store holds a given share of the grid (shares spread evenly
up to all of it) plus a random delay, so later kills land anywhere in a cell, its commit or the
writing of the tables. The attempt after a kill is the resume; the last
one runs to the end. The store is only ever read with ``mode=ro`` connections, which never
checkpoint, so each kill leaves the files exactly as the killed process left them.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from contextlib import closing
from pathlib import Path

import pandas as pd

from bench.metrics import TIMING_FIELDS

STORE = "results.sqlite"


def rows(db: Path) -> set[tuple[str, int]]:
    """The (cell key, seed) rows of a store, read without writing anything; empty if there is none yet."""
    if not db.exists() or db.stat().st_size == 0:
        return set()
    uri = "file:" + urllib.parse.quote(str(db.resolve())) + "?mode=ro"
    try:
        with closing(sqlite3.connect(uri, uri=True, timeout=5)) as c:
            return set(c.execute("SELECT cell_key, seed FROM results"))
    except sqlite3.Error:  # the schema is not written yet
        return set()


def start(cmd: list[str], log: Path) -> tuple[subprocess.Popen, float]:
    err = open(log, "w")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
    err.close()
    return p, time.perf_counter()


def wait_for(p: subprocess.Popen, ready, timeout: float) -> bool:
    """Poll until ready() or the process ends; False if it ended (finished or refused) first."""
    end = time.perf_counter() + timeout
    while p.poll() is None and time.perf_counter() < end:
        if ready():
            return True
        time.sleep(0.01)
    return p.poll() is None


def kill_points(n: int, total: int, rng: random.Random) -> list[tuple[str, float]]:
    """(event, then a delay in s) per kill, the event being this attempt's: 'start', 'locked' (it
    holds the store's lock), 'wal' (it has written the -wal) or a number of stored rows."""
    early = [("start", 0.15), ("start", 0.5), ("start", 0.95), ("locked", 0.0), ("wal", 0.0),
             ("wal", rng.uniform(0.05, 1.0)), (1, 0.0)]
    rest = n - len(early)
    return early[:n] + [(max(1, round(total * (i + 1) / rest)), rng.uniform(0, 1.0)) for i in range(rest)]


def written_since(path: Path, t: float) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    return st.st_size > 0 and st.st_mtime >= t


def holder(lock: Path) -> int | None:
    try:
        return json.loads(lock.read_text())["pid"]
    except (OSError, ValueError, KeyError):
        return None


def leftovers(sid: int, wait: float = 10.0) -> int:
    """Processes of the killed run's session (its workers) still alive `wait` s after the kill: a
    worker dies with its coordinator, once it has started far enough to notice."""
    end = time.perf_counter() + wait
    while True:
        alive = subprocess.run(["ps", "-o", "pid=", "--sid", str(sid)], capture_output=True, text=True).stdout.split()
        if not alive or time.perf_counter() > end:
            return len(alive)
        time.sleep(0.1)


def compare(ref: Path, got: Path) -> dict:
    """Non-timing content of two stores and their results.csv."""
    def load(db):
        with closing(sqlite3.connect(db)) as c:
            res = {(k, s): (st, r, {m: v for m, v in json.loads(js).items() if m not in TIMING_FIELDS})
                   for k, s, st, r, js in c.execute("SELECT cell_key, seed, status, reason, metrics FROM results")}
            arr = dict(((k, s, n), d) for k, s, n, d in c.execute("SELECT cell_key, seed, name, data FROM arrays"))
            dup = c.execute("SELECT COUNT(*) - COUNT(DISTINCT cell_key || ':' || seed) FROM results").fetchone()[0]
            check = c.execute("PRAGMA integrity_check").fetchone()[0]
        return res, arr, dup, check
    (r1, a1, _, _), (r2, a2, dup, check) = load(ref / STORE), load(got / STORE)

    def tidy(d):
        df = pd.read_csv(d / "results.csv")
        return df[~df.metric.isin(TIMING_FIELDS)].sort_values(list(df.columns)).reset_index(drop=True)
    return {"rows": len(r2), "lost": len(r1.keys() - r2.keys()), "extra": len(r2.keys() - r1.keys()),
            "duplicated": dup, "rows_differing": sum(r1[k] != r2[k] for k in r1.keys() & r2.keys()),
            "arrays_differing": sum(a1.get(k) != a2.get(k) for k in a1.keys() | a2.keys()),
            "csv_identical": tidy(ref).equals(tidy(got)), "integrity_check": check}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", default="assignment2")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--dir", type=Path, default=Path("results") / "kill_resume")
    ap.add_argument("--random-seed", type=int, default=0)
    ap.add_argument("args", nargs="*", help="more `bench run` arguments (after --)")
    a = ap.parse_args()
    rng = random.Random(a.random_seed)
    a.dir.mkdir(parents=True, exist_ok=True)
    run = [sys.executable, "-m", "bench", "run", "--grid", a.grid, "--seeds", str(a.seeds), *a.args, "--out"]
    ref, out = a.dir / "reference", a.dir / "killed"
    t0, cpu0 = time.perf_counter(), os.times()
    p = subprocess.run(run + [str(ref)], capture_output=True, text=True)
    if p.returncode != 0:
        print(p.stderr, file=sys.stderr)
        return 1
    cpu = os.times()
    total = len(rows(ref / STORE))
    print(f"uninterrupted: {time.perf_counter() - t0:.1f} s wall, "
          f"{cpu.children_user + cpu.children_system - cpu0.children_user - cpu0.children_system:.0f} s CPU, "
          f"{total} (cell, seed) rows; {p.stdout.strip()}")
    db, stored, log, kills, t1, cpu1 = out / STORE, set(), [], 0, time.perf_counter(), os.times()
    for attempt, (kind, arg) in enumerate(kill_points(a.kills, total, rng) + [("end", 0.0)]):
        p, t = start(run + [str(out)], a.dir / f"attempt-{attempt:02d}.err")
        wal, began = Path(str(db) + "-wal"), time.time()
        if kind == "start":
            alive = wait_for(p, lambda: True, 0)
        elif kind == "locked":
            alive = wait_for(p, lambda: holder(out / (STORE + ".lock")) == p.pid, 3600)
        elif kind == "wal":
            alive = wait_for(p, lambda: written_since(wal, began), 3600)
        elif kind == "end":
            p.wait()
            alive = False
        elif len(stored) < total:  # a share of the grid stored, with progress in this attempt
            kind = min(total, max(kind, len(stored) + 1))
            alive = wait_for(p, lambda: len(rows(db)) >= kind, 3600)
        else:  # all stored: while it checks the store and writes the tables
            kind = "locked"
            alive = wait_for(p, lambda: holder(out / (STORE + ".lock")) == p.pid, 3600)
        time.sleep(arg if kind != "start" else max(0.0, arg - (time.perf_counter() - t)))
        entry = {"attempt": attempt, "after": kind, "delay_s": round(arg, 2)}
        if alive and p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
            p.wait()
            kills += 1
            entry.update(killed_at_s=round(time.perf_counter() - t, 2), orphans=leftovers(p.pid))
        now = rows(db)
        err = (a.dir / f"attempt-{attempt:02d}.err").read_text()
        entry.update(exit=p.returncode, refused="error:" in err, rows_before=len(stored), rows_after=len(now),
                     lost=len(stored - now), main_pages=db.stat().st_size // 4096 if db.exists() else 0,
                     wal_bytes=os.path.getsize(str(db) + "-wal") if os.path.exists(str(db) + "-wal") else 0)
        log.append(entry)
        print(json.dumps(entry))
        stored = now
    cpu = os.times()
    print(f"kills and resumes: {time.perf_counter() - t1:.1f} s wall, "
          f"{cpu.children_user + cpu.children_system - cpu1.children_user - cpu1.children_system:.0f} s CPU")
    result = compare(ref, out)
    resumed = sum(1 for e in log[1:] if not e["refused"] and (e["exit"] in (0, -signal.SIGKILL)))
    summary = {"kills": kills, "resumes_ok": resumed, "resumes": len(log) - 1,
               "first_second_kills": sum(1 for e in log if e.get("killed_at_s", 99) <= 1.0),
               "kills_before_first_checkpoint": sum(1 for e in log if "killed_at_s" in e and e["main_pages"] <= 1
                                                    and e["wal_bytes"] > 0),
               "lost_at_kills": sum(e["lost"] for e in log), "final_exit": log[-1]["exit"],
               "orphans": sum(e.get("orphans", 0) for e in log), **result}
    (a.dir / "kill_resume.json").write_text(json.dumps({"attempts": log, "summary": summary}, indent=1))
    print(json.dumps(summary))
    ok = (summary["resumes_ok"] == summary["resumes"] and summary["final_exit"] == 0 and result["lost"] == 0
          and result["extra"] == 0 and result["duplicated"] == 0 and result["rows_differing"] == 0
          and result["arrays_differing"] == 0 and result["csv_identical"] and result["integrity_check"] == "ok")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
