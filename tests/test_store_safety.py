"""The store's promise: a kill -9 at any moment loses at most the cell in flight and the next run
resumes to the results of an uninterrupted one; one writer per --out; a cell skipped because its
data was unavailable is tried again."""
import hashlib
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from bench.cli import main
from bench.metrics import TIMING_FIELDS
from bench.store.check import inspect_store
from bench.store.db import COLUMNS, Store, _SCHEMA
from bench.store.lock import lock_path, writing
from faults import at_commits
from idx_files import write_fashion
from test_executors import assert_same, stored

FAULTS = str(Path(__file__).resolve().with_name("faults.py"))
RUN = ["run", "--grid", "sine", "--executor", "local", "--epochs", "2", "--hidden", "4", "--seeds", "2",
       "--no-figures"]
CELLS = 6
STORE = "results.sqlite"
FILES = (STORE, STORE + "-wal", STORE + "-shm", STORE + ".lock")  # what a killed run leaves
FRAME = 24 + 4096  # a WAL frame: its header and one page


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    assert main(RUN + ["--out", str(out)]) == 0
    return out


def snapshot(out: Path, dst: Path) -> Path:
    """What a kill -9 now would leave: the OS keeps every byte written, so the files as they are."""
    dst.mkdir(parents=True)
    for name in FILES:
        if (out / name).exists():
            shutil.copyfile(out / name, dst / name)
    return dst


def tidy(out: Path) -> pd.DataFrame:
    """results.csv without its timing rows, in a fixed order."""
    df = pd.read_csv(out / "results.csv")
    return df[~df.metric.isin(TIMING_FIELDS)].sort_values(list(df.columns)).reset_index(drop=True)


def assert_resumes(killed: Path, stored_cells: int, reference: Path, capsys) -> None:
    """killed is accepted as it is, holds stored_cells cells, and a rerun completes it to reference's results."""
    assert len(inspect_store(killed / STORE).done) == stored_cells
    assert main(RUN + ["--out", str(killed)]) == 0
    io = capsys.readouterr()
    assert f"({CELLS - stored_cells} run, {stored_cells} already stored): {CELLS} ok" in io.out, io
    assert "error" not in io.err and "damaged" not in io.err, io.err
    assert not lock_path(killed / STORE).exists()
    with closing(sqlite3.connect(killed / STORE)) as c:
        assert c.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert c.execute("SELECT COUNT(*) FROM results").fetchone()[0] == CELLS * 2  # no duplicates
    assert_same(stored(reference / STORE), stored(killed / STORE))
    pd.testing.assert_frame_equal(tidy(reference), tidy(killed))


def test_a_kill_anywhere_in_a_grid_resumes_to_the_same_results(reference, tmp_path, monkeypatch, capsys):
    """Kill points: before the store exists, while it is created, inside every cell's commit and right
    after it, while the -wal is half written during the first and the fourth commit, and during the
    first checkpoint. Every one of them is before the store's first checkpoint: its main file holds
    one page."""
    out, kills, wal_before = tmp_path / "run", [], {}

    def inside(n):
        kills.append((snapshot(out, tmp_path / f"inside-{n}"), n - 1))
        wal_before[n] = (out / (STORE + "-wal")).stat().st_size

    def after(n):
        kills.append((snapshot(out, tmp_path / f"after-{n}"), n))
        if n in (1, 4):  # the commit's frames torn anywhere: a kill during the write of the -wal
            wal = (out / (STORE + "-wal")).read_bytes()
            for cut in (wal_before[n] + 1, wal_before[n] + FRAME, (wal_before[n] + len(wal)) // 2, len(wal) - 1):
                torn = shutil.copytree(tmp_path / f"inside-{n}", tmp_path / f"torn-{n}-{cut}")
                (torn / (STORE + "-wal")).write_bytes(wal[:cut])
                kills.append((torn, n - 1))

    monkeypatch.setattr(Store, "write_cell", at_commits(inside, after))
    assert main(RUN + ["--out", str(out)]) == 0
    monkeypatch.undo()
    capsys.readouterr()
    first = (tmp_path / "inside-1" / STORE).read_bytes()
    assert len(first) == 4096 and first[56:60] == bytes(4)  # one page, its text encoding not yet written
    before = tmp_path / "before"
    before.mkdir()
    (before / (STORE + ".lock")).write_text('{"pid": 1, "host": "gone", "command": "run", "since": ""}')
    kills.append((before, 0))
    creating = tmp_path / "creating"  # killed as Store.__init__ had made the new file WAL, before its schema
    creating.mkdir()
    with closing(sqlite3.connect(creating / STORE)) as c:
        c.execute("PRAGMA journal_mode=WAL")
        kills.append((snapshot(creating, tmp_path / "creating-killed"), 0))
    # The first checkpoint writes pages in order, page 1 first: page 1 says the file has all its
    # pages, the file holds one, the -wal holds them all.
    midway = shutil.copytree(tmp_path / f"after-{CELLS}", tmp_path / "checkpoint-src")
    with closing(sqlite3.connect(midway / STORE)) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    killed = shutil.copytree(tmp_path / f"after-{CELLS}", tmp_path / "checkpoint")
    (killed / STORE).write_bytes((midway / STORE).read_bytes()[:4096])
    kills.append((killed, CELLS))
    assert len(kills) == 2 * CELLS + 2 * 4 + 3
    for killed, stored_cells in kills:
        assert_resumes(killed, stored_cells, reference, capsys)


def test_real_kill_9_inside_a_commit_then_resume(reference, tmp_path, capsys):
    """A process really killed inside its second cell's transaction: its lock is taken over silently."""
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, FAULTS, "kill-inside:2"] + RUN + ["--out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == -9, p.stderr
    assert lock_path(out / STORE).exists() and (out / (STORE + "-wal")).stat().st_size > 0
    assert_resumes(out, 1, reference, capsys)


def test_a_second_writer_is_refused_while_the_first_finishes(reference, tmp_path, capsys):
    """While a run writes (paused after its first commit): a second run, a report and a dry run on
    its --out are each refused with one line naming it; a copy of its live store (main file, -wal,
    -shm) opens and resumes; the first run then finishes with every row once."""
    out, go = tmp_path / "out", tmp_path / "go"
    first = subprocess.Popen([sys.executable, FAULTS, f"pause-after:1:{go}"] + RUN + ["--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not (tmp_path / "go.reached").exists():
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        for argv in (RUN, RUN + ["--dry-run"], ["report", "--no-figures"]):
            assert main(argv + ["--out", str(out)]) == 1
            err = capsys.readouterr().err
            assert err.startswith(f"error: {out}: another process is writing this folder (pid {first.pid} on "
                                  f"{socket.gethostname()}, `bench run` since "), err
            assert err.endswith("); wait for it to finish, or use another --out\n") and err.count("\n") == 1
        copy = snapshot(out, tmp_path / "copy")
        assert (copy / (STORE + "-wal")).stat().st_size > 0
    finally:
        go.touch()
        io = first.communicate(timeout=600)
    assert first.returncode == 0 and f"({CELLS} run, 0 already stored)" in io[0], io
    with closing(sqlite3.connect(out / STORE)) as c:
        assert c.execute("SELECT COUNT(*), COUNT(DISTINCT cell_key || seed) FROM results").fetchone() == \
            (CELLS * 2, CELLS * 2)
    assert_same(stored(reference / STORE), stored(out / STORE))
    os.remove(copy / (STORE + ".lock"))  # copied from a live holder: as stale as a dead one's
    assert_resumes(copy, 1, reference, capsys)


def test_a_lock_held_in_this_process_refuses_and_a_dead_ones_is_taken(tmp_path, capsys):
    out = tmp_path / "out"
    cell = ["run", "--task", "sine", "--model", "persistence", "--executor", "local", "--seeds", "1",
            "--no-figures", "--out", str(out)]
    with writing(out / STORE, "report"):
        assert main(cell) == 1
        assert f"(pid {os.getpid()} on {socket.gethostname()}, `bench report` since " in capsys.readouterr().err
    assert list(out.iterdir()) == []  # the holder's lock file is gone with it; nothing was written
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    out.mkdir(exist_ok=True)
    lock_path(out / STORE).write_text(f'{{"pid": {dead.stdout.strip()}, "host": "{socket.gethostname()}", '
                                      f'"command": "run", "since": "earlier"}}')
    assert main(cell) == 0
    assert capsys.readouterr().err == "" and not lock_path(out / STORE).exists()


def test_a_skipped_cell_is_tried_again(tmp_path, monkeypatch, capsys):
    """Fashion-MNIST offline: skipped; offline again: tried and skipped again (rows replaced, not
    added); with the files in the cache: run, and its rows replace the skipped ones."""
    out = tmp_path / "out"
    cell = ["run", "--task", "fashion-mnist", "--model", "mean", "--executor", "local", "--seeds", "2",
            "--no-figures", "--out", str(out)]

    def rows():
        with closing(sqlite3.connect(out / STORE)) as c:
            return c.execute("SELECT seed, status, created FROM results ORDER BY seed").fetchall()
    for attempt in range(2):
        assert main(cell) == 0
        assert "(1 run, 0 already stored): 0 ok, 0 diverged, 1 skipped" in capsys.readouterr().out
        now = rows()
        assert [(s, st) for s, st, _ in now] == [(0, "skipped"), (1, "skipped")]
        assert attempt == 0 or all(b[2] > a[2] for a, b in zip(then, now))  # replaced, not kept
        then = now
    cache = Path(os.environ["SEQBENCH_CACHE"]) / "fashion-mnist"  # conftest: an empty cache, offline
    write_fashion(cache, n_train=40, n_test=10)
    import sequences.images as images
    monkeypatch.setattr(images, "FASHION_FILES", {k: (stem, hashlib.md5((cache / (stem + ".gz")).read_bytes())
                                                      .hexdigest()) for k, (stem, _) in images.FASHION_FILES.items()})
    assert main(cell) == 0
    assert "(1 run, 0 already stored): 1 ok, 0 diverged, 0 skipped" in capsys.readouterr().out
    assert [(s, st) for s, st, _ in rows()] == [(0, "ok"), (1, "ok")]
    assert main(cell) == 0
    assert "(0 run, 1 already stored): 1 ok" in capsys.readouterr().out


def test_columns_are_the_schema():
    """The columns the checks demand are exactly those the store creates."""
    with closing(sqlite3.connect(":memory:")) as c:
        c.executescript(_SCHEMA)
        assert {t: tuple(r[1] for r in c.execute(f"PRAGMA table_info({t})")) for t in COLUMNS} == COLUMNS
