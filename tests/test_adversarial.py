"""What an attacker or an unlucky user may leave in --out or pass as an input, one case a row: the command is
refused with one line naming the file or value at fault (exit 1), every file outside --out keeps its bytes (a
planted link's target above all), and --out itself is left as it was (store, tables, the planted thing)."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pytest

from bench import cli
from bench.cli import main
from bench.store.db import Store
from stock_files import YAHOO_HEADER, walk, yahoo
from idx_files import write_fashion

CELL = ["run", "--task", "sine", "--model", "persistence", "--executor", "local", "--seeds", "1"]
REPORT = ["report", "--no-figures"]
STOCK = ["run", "--task", "stock", "--model", "persistence", "--executor", "local", "--seeds", "1", "--no-figures"]
VICTIM = b"precious: must keep every byte\n"
OUTPUTS = ("results.csv", "results.md", "results.tex", "report.md", "report.html", "window_study.md",
           "manifest.json", "results.sqlite", "results.sqlite-wal", "results.sqlite-shm", "results.sqlite-journal",
           "results.sqlite.lock")


@dataclass(frozen=True)
class Case:
    plant: Callable[[Path, Path], None]  # (out, outside): what is left there before the command
    args: Callable[[Path, Path], list[str]]  # the command
    needle: str  # what its one line must say (besides "error: ")
    finished: bool = False  # out starts as a copy of a finished run (store, manifest, tables, figures)


def _link(name: str, target: str = "victim.txt"):
    def plant(out: Path, outside: Path) -> None:
        out.mkdir(exist_ok=True)
        (out / name).unlink(missing_ok=True)
        (out / name).symlink_to(outside / target)
    return plant


def _fifo(name: str):
    def plant(out: Path, outside: Path) -> None:
        out.mkdir(exist_ok=True)
        (out / name).unlink(missing_ok=True)
        os.mkfifo(out / name)
    return plant


def _hard(name: str):
    def plant(out: Path, outside: Path) -> None:
        out.mkdir(exist_ok=True)
        (out / name).unlink(missing_ok=True)
        os.link(outside / "victim.txt", out / name)
    return plant


def _text(name: str, body: str):
    def plant(out: Path, outside: Path) -> None:
        out.mkdir(exist_ok=True)
        (out / name).unlink(missing_ok=True)
        (out / name).write_text(body)
    return plant


def _loop(name: str):
    def plant(out: Path, outside: Path) -> None:
        out.mkdir(exist_ok=True)
        (out / name).unlink(missing_ok=True)
        (out / name).symlink_to(out / name)
    return plant


def _figure_link(out: Path, outside: Path) -> None:
    (out / "figures").mkdir(parents=True, exist_ok=True)
    pngs = sorted((out / "figures").glob("*.png"))
    p = pngs[0] if pngs else out / "figures" / "sine_intervals.png"
    p.unlink(missing_ok=True)
    p.symlink_to(outside / "victim.txt")


def _figures_dir_link(out: Path, outside: Path) -> None:
    out.mkdir(exist_ok=True)
    if (out / "figures").exists():
        shutil.rmtree(out / "figures")
    (out / "figures").symlink_to(outside, target_is_directory=True)


def _nothing(out: Path, outside: Path) -> None:
    pass


def run(*extra):
    return lambda out, outside: CELL + list(extra) + ["--out", str(out)]


def report(out: Path, outside: Path) -> list[str]:
    return REPORT + ["--out", str(out)]


def report_figures(out: Path, outside: Path) -> list[str]:
    return ["report", "--out", str(out)]


def stock(name: str):
    return lambda out, outside: STOCK + ["--stock-csv", str(outside / name), "--out", str(out)]


def _prices(name: str, edit: Callable[[list[str]], None] = lambda lines: None, gz: bool = False):
    """Plant a valid 300-day Yahoo file outside, its lines changed by edit (line i of the file: lines[i - 1])."""
    def plant(out: Path, outside: Path) -> None:
        p = yahoo(outside / name, walk(300, seed=1))
        lines = p.read_text().splitlines()
        edit(lines)
        body = ("\n".join(lines) + "\n").encode()
        p.write_bytes(gzip.compress(body, mtime=0) if gz else body)
    return plant


def _close(line: int, value: str):
    def edit(lines: list[str]) -> None:
        cells = lines[line - 1].split(",")
        cells[4] = cells[5] = value
        lines[line - 1] = ",".join(cells)
    return edit


def _constant(lines: list[str]) -> None:
    for i in range(1, len(lines)):
        cells = lines[i].split(",")
        cells[4] = cells[5] = "100"
        lines[i] = ",".join(cells)


def _special(name: str, kind: str):
    def plant(out: Path, outside: Path) -> None:
        p = outside / name
        if kind == "fifo":
            os.mkfifo(p)
        elif kind == "zero":
            p.symlink_to("/dev/zero")
        elif kind == "loop":
            p.symlink_to(p)
        elif kind == "dir":
            p.mkdir()
        elif kind == "socket":
            s = socket.socket(socket.AF_UNIX)
            s.bind(str(p))
            s.close()
    return plant


def _fashion_planted(kind: str):
    def plant(out: Path, outside: Path) -> None:
        write_fashion(outside / "fm", n_train=12, n_test=6, gz=False)
        (outside / "fm" / "train-images-idx3-ubyte").unlink()
        _special("fm/train-images-idx3-ubyte", kind)(out, outside)
    return plant


def fashion(out: Path, outside: Path) -> list[str]:
    return ["run", "--task", "fashion-mnist", "--model", "persistence", "--executor", "local", "--seeds", "1",
            "--no-figures", "--fashion-mnist-dir", str(outside / "fm"), "--out", str(out)]


def long_out(out: Path, outside: Path) -> list[str]:
    return CELL + ["--out", str(out / "/".join(["d" * 60] * 9))]


def task(name: str):
    return lambda out, outside: ["run", "--task", name, "--executor", "local", "--seeds", "1", "--out", str(out)]


CASES: dict[str, Case] = {}
for _name in OUTPUTS:  # a link at every name the suite writes, to a file outside, for run and for report
    CASES[f"run: link at {_name}"] = Case(_link(_name), run(), f"{_name}: is a symbolic link")
    CASES[f"report: link at {_name}"] = Case(_link(_name), report, f"{_name}: is a symbolic link", finished=True)
CASES.update({
    "run: figures folder a link": Case(_figures_dir_link, run(), "figures: is a symbolic link"),
    "report: figures folder a link": Case(_figures_dir_link, report_figures, "figures: is a symbolic link", True),
    "run: link in figures": Case(_figure_link, run(), "sine_intervals.png: is a symbolic link"),
    "report: link in figures": Case(_figure_link, report_figures, ".png: is a symbolic link", True),
    "run: dangling link at results.md": Case(_link("results.md", "new.txt"), run(), "results.md: is a symbolic link"),
    "run: dangling link at the lock": Case(_link("results.sqlite.lock", "new.txt"), run(),
                                           "results.sqlite.lock: is a symbolic link"),
    "run: dangling link at the store": Case(_link("results.sqlite", "new.sqlite"), run(),
                                            "results.sqlite: is a symbolic link"),
    "run: link loop at the store": Case(_loop("results.sqlite"), run(), "results.sqlite: is a symbolic link"),
    "report: link loop at the lock": Case(_loop("results.sqlite.lock"), report,
                                          "results.sqlite.lock: is a symbolic link", True),
    "run: FIFO at results.md": Case(_fifo("results.md"), run(), "results.md: is a FIFO"),
    "run: FIFO at the lock": Case(_fifo("results.sqlite.lock"), run(), "results.sqlite.lock: is a FIFO"),
    "report: FIFO at the lock": Case(_fifo("results.sqlite.lock"), report, "results.sqlite.lock: is a FIFO", True),
    "run: FIFO at the store": Case(_fifo("results.sqlite"), run(), "results.sqlite: is a FIFO"),
    "report: FIFO at results.csv": Case(_fifo("results.csv"), report, "results.csv: is a FIFO", True),
    "run: hard link at results.md": Case(_hard("results.md"), run(), "results.md: is a hard link"),
    "run: hard link at the lock": Case(_hard("results.sqlite.lock"), run(), "results.sqlite.lock: is a hard link"),
    "report: hard link at report.md": Case(_hard("report.md"), report, "report.md: is a hard link", True),
    "run: foreign text at the lock": Case(_text("results.sqlite.lock", "my notes\n"), run(),
                                          "results.sqlite.lock: is not a lock file of this suite"),
    "report: foreign JSON at the lock": Case(_text("results.sqlite.lock", '{"a": 1}'), report,
                                             "results.sqlite.lock: is not a lock file of this suite", True),
    "run: folder at window_study.md": Case(lambda o, x: (o / "window_study.md").mkdir(parents=True), run(),
                                           "window_study.md: is a directory"),
    "rates: FIFO at manifest.json": Case(_fifo("manifest.json"), lambda o, x: ["rates", "--out", str(o)],
                                         "manifest.json: unreadable run manifest (is a FIFO", True),
    "run: --out too long for SQLite": Case(_nothing, long_out, "the store's path is"),
    # task names: ASCII digits only, and a huge name quoted shortly
    "run: Arabic-Indic digits": Case(_nothing, task("repeating-١_٧"), "task 'repeating-١_٧': expected"),
    "run: full-width digits": Case(_nothing, task("sumsine-７-17"), "task 'sumsine-７-17': expected"),
    "run: superscript digits": Case(_nothing, task("concat-1_7-1_17-3x²"), "task 'concat-1_7-1_17-3x²'"),
    "run: 100,000-character task": Case(_nothing, task("x" * 100_000), "characters)"),
    # --stock-csv: regular files only, read to their limit, prices bounded
    "stock: /dev/zero": Case(_special("z.csv", "zero"), stock("z.csv"), "z.csv: is a character device"),
    "stock: a FIFO": Case(_special("f.csv", "fifo"), stock("f.csv"), "f.csv: is a FIFO"),
    "stock: a link loop": Case(_special("l.csv", "loop"), stock("l.csv"), "l.csv: a symbolic link loop"),
    "stock: a directory": Case(_special("d.csv", "dir"), stock("d.csv"), "d.csv: is a directory"),
    "stock: a socket": Case(_special("s.csv", "socket"), stock("s.csv"), "s.csv: is a socket"),
    "stock: missing": Case(_nothing, stock("none.csv"), "none.csv: file not found"),
    "stock: a price of 1e300": Case(_prices("p.csv", _close(7, "1e300")), stock("p.csv"),
                                    "p.csv: line 7: Adj Close is 1e+300; prices must lie in"),
    "stock: a price of 1e-300": Case(_prices("p.csv", _close(9, "1e-300")), stock("p.csv"),
                                     "p.csv: line 9: Adj Close is 1e-300; prices must lie in"),
    "stock: prices a million-fold apart": Case(_prices("p.csv", _close(5, "0.0001")), stock("p.csv"),
                                               "p.csv: column 'Adj Close' spans 0.0001 to"),
    "stock: a constant series": Case(_prices("p.csv", _constant), stock("p.csv"),
                                     "p.csv: every close is 100; a constant series has nothing to predict"),
    "stock: an infinite price": Case(_prices("p.csv", _close(4, "inf")), stock("p.csv"),
                                     "line 4: Adj Close is not finite"),
    "stock: a negative price": Case(_prices("p.csv", _close(4, "-3")), stock("p.csv"), "prices must be positive"),
    "stock: unterminated quote": Case(_prices("p.csv", lambda ls: ls.__setitem__(4, ls[4] + ',"9')),
                                      stock("p.csv"), "p.csv: line 5: a quote opened on this line is not closed"),
    "stock: unterminated quote, long rows after": Case(
        _prices("p.csv", lambda ls: (ls.__setitem__(9, '2019-01-14,"1'), ls.extend(["9" * 2000] * 80))),
        stock("p.csv"), "p.csv: line 10: "),
    "stock: gzip that inflates past the limit": Case(_nothing, lambda o, x: STOCK + [
        "--stock-csv", str(_bomb(x)), "--out", str(o)], "bomb.csv.gz: decompresses to more than"),
    # --fashion-mnist-dir: regular IDX files only
    "fashion: FIFO as the training images": Case(_fashion_planted("fifo"), fashion,
                                                 "train-images-idx3-ubyte: is a FIFO"),
    "fashion: link loop as the training images": Case(_fashion_planted("loop"), fashion,
                                                      "train-images-idx3-ubyte: a symbolic link loop"),
    "fashion: /dev/zero as the training images": Case(_fashion_planted("zero"), fashion,
                                                      "train-images-idx3-ubyte: is a character device"),
})
ADVERSARIAL = len(CASES)


def _bomb(outside: Path) -> Path:
    p = outside / "bomb.csv.gz"
    p.write_bytes(gzip.compress((YAHOO_HEADER + "\n").encode() + b"0" * (2 * 2 ** 20), mtime=0))
    return p


def snapshot(root: Path) -> dict[str, object]:
    """Every name under root as it is: a file's bytes, a link's target, a folder, a FIFO (links not followed)."""
    out = {}
    if not os.path.lexists(root):
        return out
    for dirpath, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(dirpath) / name
            st = os.lstat(p)
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                out[rel] = p.read_bytes()
            else:
                out[rel] = stat.S_IFMT(st.st_mode)
    return out


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished run with figures: the store, its manifest and every table."""
    out = tmp_path_factory.mktemp("finished")
    assert main(CELL + ["--out", str(out)]) == 0
    assert any((out / "figures").glob("*.png"))
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_adversarial(name, finished, tmp_path, capsys, monkeypatch):
    case = CASES[name]
    if "inflates" in name:  # the same refusal at a limit the test can reach quickly
        monkeypatch.setattr("sequences.textfile.MAX_BYTES", 2 ** 20)
    outside, out = tmp_path / "outside", tmp_path / "out"
    outside.mkdir()
    (outside / "victim.txt").write_bytes(VICTIM)
    if case.finished:
        shutil.copytree(finished, out, symlinks=True)
    case.plant(out, outside)
    args = case.args(out, outside)
    before_out, before_outside = snapshot(out), snapshot(outside)
    capsys.readouterr()
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    assert case.needle in err, err
    assert len(err) < 800, len(err)  # a long value is quoted cut, not whole
    assert snapshot(outside) == before_outside  # a link's target, an input: byte for byte
    assert snapshot(out) == before_out  # the store, the tables and what was planted: as they were
    assert (outside / "victim.txt").read_bytes() == VICTIM


def test_count_of_adversarial_cases():
    """The table above holds the cases the suite promises to refuse (printed for the docs)."""
    print(f"{ADVERSARIAL} adversarial cases")
    assert ADVERSARIAL >= 60


# --- the rule's own promises ---------------------------------------------------------------------------

def test_outputs_replace_a_file_atomically_with_the_usual_permissions(tmp_path):
    from sequences.files import write_text_atomic
    p = tmp_path / "results.md"
    p.write_text("old")
    write_text_atomic(p, "new")
    assert p.read_text() == "new" and sorted(x.name for x in tmp_path.iterdir()) == ["results.md"]
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from sequences.files import atomic_path
    p = tmp_path / "report.md"
    p.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(p) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed")
    assert p.read_text() == "old" and sorted(x.name for x in tmp_path.iterdir()) == ["report.md"]


def test_a_lock_left_by_a_finished_run_is_taken(finished, tmp_path, capsys):
    """A lock record of a dead process (kill -9) is not foreign: the next report takes it and removes it."""
    out = tmp_path / "o"
    shutil.copytree(finished, out, symlinks=True)
    (out / "results.sqlite.lock").write_text('{"pid": 999999999, "host": "x", "command": "run", "since": "t"}')
    assert main(REPORT + ["--out", str(out)]) == 0
    assert not (out / "results.sqlite.lock").exists()


def test_a_killed_runs_lock_is_rewritten_whole(tmp_path):
    """The record is written from the file's start, not after the old one it read (which left NUL bytes
    before it, and the next run refused the file as foreign)."""
    from bench.store.lock import lock_path, writing
    lock = lock_path(tmp_path / "results.sqlite")
    lock.write_text('{"pid": 999999999, "host": "elsewhere-long-name", "command": "run", "since": "t"}')
    with writing(tmp_path / "results.sqlite", "run"):
        assert json.loads(lock.read_bytes())["pid"] == os.getpid()
    assert not lock.exists()


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    from sequences.cache import cache_dir
    monkeypatch.delenv("SEQBENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    assert cache_dir() == Path.home() / ".cache" / "seqbench"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "seqbench"


def test_a_non_finite_loss_differential_means_no_autocorrelation():
    from reports.stats import ar1_coefficient, dm_test
    d = np.array([1e300, -1e300, 3e300, np.inf, 1.0, np.nan])
    with np.errstate(all="ignore"):
        assert ar1_coefficient(d) == 0.0
        assert 0.0 <= dm_test(np.tile(d, 10), np.zeros(60)).p <= 1.0  # a test result, not a ValueError


@pytest.mark.parametrize("said,advice", [
    ("database or disk is full", "the disk is full; free space and rerun the same command"),
    ("disk I/O error", "SQLite met a disk I/O error (a -wal or -shm file removed while it was open"),
    ("database is locked", "another program holds it locked"),
    ("unable to open database file", "SQLite cannot open it"),
])
def test_sqlite_failures_mid_run_name_the_store_and_what_to_do(said, advice, finished, tmp_path, capsys,
                                                               monkeypatch):
    out = tmp_path / "o"
    shutil.copytree(finished, out, symlinks=True)
    rows = sqlite3.connect(out / "results.sqlite").execute("SELECT * FROM results").fetchall()

    def fail(self, rec):
        raise sqlite3.OperationalError(said)
    monkeypatch.setattr(Store, "write_cell", fail)
    assert main(CELL[:-1] + ["2", "--no-figures", "--out", str(out)]) == 1  # a second seed to store
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{out / 'results.sqlite'}: {advice}" in err and said in err, err
    assert sqlite3.connect(out / "results.sqlite").execute("SELECT * FROM results").fetchall() == rows


def test_a_dask_address_answering_garbage_is_refused_without_an_allocation_error(monkeypatch):
    """An HTTP server's first 8 bytes, read by dask as a frame length, ask numpy for 3.07 EiB: the refusal
    says the answer is not dask's and quotes no allocation error."""
    comm = pytest.importorskip("distributed.comm")

    async def connect(*a, **k):
        raise MemoryError("Unable to allocate 3.07 EiB for an array with shape (3544385890265608264,)")
    monkeypatch.setattr(comm, "connect", connect)
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    from bench.run.executors import _probe
    with pytest.raises(ConnectionError) as e:
        _probe(f"tcp://127.0.0.1:{srv.getsockname()[1]}")
    srv.close()
    assert "not Dask messages" in str(e.value) and "allocate" not in str(e.value)


# --- SIGTERM, as `timeout` and Slurm send it ----------------------------------------------------------

def test_sigterm_ends_like_ctrl_c_and_the_rerun_completes(finished, tmp_path):
    """The whole group gets SIGTERM: one line, status 143, no worker left and no leaked semaphore; the rerun
    stores exactly what an uninterrupted run does."""
    from test_executors import FAST, _env, _running_in_group, _stored_cells, assert_same, stored
    out, ref = tmp_path / "t", tmp_path / "ref"
    args = ["run", "--grid", "sine", "--workers", "2"] + FAST
    p = subprocess.Popen([sys.executable, "-m", "bench"] + args + ["--out", str(out)], env=_env(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    while p.poll() is None and _stored_cells(out / "results.sqlite") < 1:
        time.sleep(0.01)
    os.killpg(p.pid, signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 143 and err.splitlines() == [
        "interrupted (SIGTERM): finished cells are stored; rerun the same command to continue"], err
    deadline = time.monotonic() + 5
    while _running_in_group(p.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running_in_group(p.pid) == []
    assert main(["run", "--grid", "sine", "--executor", "local"] + FAST + ["--out", str(out)]) == 0
    assert main(["run", "--grid", "sine", "--executor", "local"] + FAST + ["--out", str(ref)]) == 0
    assert_same(stored(ref / "results.sqlite"), stored(out / "results.sqlite"))


def test_sigterm_in_process_is_status_143(monkeypatch, tmp_path, capsys):
    """The handler is main's: SIGTERM raised where the command is, in this process, ends it the same way."""
    monkeypatch.setattr(cli, "run_cells", lambda *a, **k: os.kill(os.getpid(), signal.SIGTERM) or time.sleep(5))
    before = signal.getsignal(signal.SIGTERM)
    assert main(CELL + ["--no-figures", "--out", str(tmp_path / "o")]) == 143
    assert capsys.readouterr().err.startswith("interrupted (SIGTERM)")
    assert signal.getsignal(signal.SIGTERM) is before  # pytest's own handling, back
