"""Scale-out and crash safety: executors agree, kills lose nothing, a failing cell fails alone."""
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.cli import main
from bench.errors import UserError
from bench.metrics import FIELD_NAMES, TIMING_FIELDS
from bench.run import executors
from bench.run.cell import Job
from bench.run.executors import open_backend, work
from bench.run.grids import Entry, GRIDS, Grid
from bench.run.runner import plan, run_cells
from bench.store.db import Store
from bench.tasks import TASKS
from bench.tasks.sine import TASK as SINE

ROOT = Path(__file__).resolve().parents[1]
TINY = {"epochs": 2, "hidden": 4}
FAST = ["--epochs", "2", "--hidden", "4", "--seeds", "2", "--no-figures"]
CPU = torch.device("cpu")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def _cells(*models: str):
    return plan((Entry("sine", models),), "quick", "cpu", TINY)


def stored(path: Path) -> dict:
    """(cell key, seed) -> (status, non-timing metrics, arrays) of a store."""
    out = {}
    with Store(path) as st:
        df = st.results()
        for key in df.cell_key.unique():
            arrays = st.arrays(key)
            for _, r in df[df.cell_key == key].iterrows():
                metrics = {k: r[k] for k in FIELD_NAMES if k in r and k not in TIMING_FIELDS}
                out[key, r.seed] = (r.status, metrics, {**arrays.get(-1, {}), **arrays.get(r.seed, {})})
    return out


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys() and a
    for k in a:
        (sa, ma, xa), (sb, mb, xb) = a[k], b[k]
        assert sa == sb, k
        assert ma.keys() == mb.keys()
        np.testing.assert_allclose([ma[m] for m in ma], [mb[m] for m in ma], rtol=0, atol=1e-6, equal_nan=True)
        assert xa.keys() == xb.keys()
        for name in xa:
            np.testing.assert_allclose(xa[name], xb[name], rtol=0, atol=1e-6, equal_nan=True)


def _run(path: Path, backend, cells, **kw):
    with Store(path) as st:
        return run_cells(cells, [0, 1], st, backend, CPU, **kw)


def die_on_rnn(job: Job):
    """A worker that is killed (as by the OOM killer) when it gets the rnn cell; runs in a spawned worker."""
    if job.config.model == "rnn":
        os.kill(os.getpid(), signal.SIGKILL)
    return work(job)


def test_executors_agree_and_a_dead_worker_fails_only_its_cell(tmp_path):
    pytest.importorskip("distributed")  # the dask extra; installed with ".[test,dask]"
    cells = _cells("mlp", "gru", "persistence")
    dask = open_backend("dask", CPU, workers=1)  # one Dask worker: cheaper to start
    # The process pool also gets an rnn cell, first, whose worker is killed: it fails alone, and a fresh
    # worker runs the other cells (one worker: cheaper, and the replacement is certain).
    killed = _run(tmp_path / "process.sqlite", open_backend("process", CPU, workers=1), _cells("rnn") + cells,
                  work=die_on_rnn)
    assert killed.cells == {"ok": 3, "diverged": 0, "skipped": 0, "failed": 1} and killed.ran == 4
    assert len(killed.failures) == 1 and "rnn: WorkerLost: the worker process died" in killed.failures[0]
    try:
        runs = {"local": _run(tmp_path / "local.sqlite", "local", cells),  # a name works too
                "dask": _run(tmp_path / "dask.sqlite", dask, cells)}  # a LocalCluster, started on first use
        # The same cluster again, reached as an existing one through its scheduler's address.
        remote = open_backend("dask", CPU, scheduler=dask.cluster.scheduler_address)
        try:
            runs["scheduler"] = _run(tmp_path / "scheduler.sqlite", remote, cells)
        finally:
            remote.close()
    finally:
        dask.close()
    for name, s in runs.items():
        assert (s.ran, s.cells["ok"]) == (3, 3), name
    idle = open_backend("dask", CPU)  # everything stored: no cluster is started
    assert _run(tmp_path / "dask.sqlite", idle, cells).reused == 3 and idle.cluster is None
    ref = stored(tmp_path / "local.sqlite")
    assert len(ref) == 6 and {v[0] for v in ref.values()} == {"ok"}
    for name in ("dask", "scheduler"):
        assert_same(ref, stored(tmp_path / f"{name}.sqlite"))
    rnn = _cells("rnn")[0].config.key
    pool = stored(tmp_path / "process.sqlite")
    assert [pool.pop((rnn, seed))[0] for seed in (0, 1)] == ["failed", "failed"]
    assert_same(ref, pool)


def _boom_task(fail_times: list[int]):
    """A sine task whose data building raises while fail_times[0] > 0 (registered by the test only)."""
    def build(settings, rng):
        if fail_times[0] > 0:
            fail_times[0] -= 1
            raise RuntimeError("injected failure")
        return SINE.build(settings, rng)
    return replace(SINE, name="boom", build=build)


@pytest.fixture
def boom(monkeypatch):
    fail_times = [0]
    monkeypatch.setitem(TASKS, "boom", _boom_task(fail_times))
    monkeypatch.setitem(GRIDS, "mixed", Grid("mixed", "sine plus a failing task",
                                             (Entry("sine", ("mlp", "persistence")), Entry("boom", ("mlp",)))))
    return fail_times


def test_failing_cell_leaves_the_others_and_exits_1(tmp_path, capsys, boom):
    out = tmp_path / "m"
    boom[0] = 99
    assert main(["run", "--grid", "mixed", "--executor", "local", "--retries", "2", "--out", str(out)] + FAST) == 1
    io = capsys.readouterr()
    assert "failed: boom mlp: RuntimeError: injected failure (test_executors.py:" in io.err
    assert "3 cells (3 run, 0 already stored, 2 retried): 2 ok, 0 diverged, 0 skipped, 1 failed" in io.out
    assert boom[0] == 99 - 3  # tried once plus two retries
    rows = stored(out / "results.sqlite")
    assert sorted(v[0] for v in rows.values()) == ["failed"] * 2 + ["ok"] * 4
    # The cause fixed, a rerun trains exactly the failed cell.
    boom[0] = 0
    assert main(["run", "--grid", "mixed", "--executor", "local", "--out", str(out)] + FAST) == 0
    assert "(1 run, 2 already stored): 3 ok, 0 diverged, 0 skipped, 0 failed" in capsys.readouterr().out
    again = stored(out / "results.sqlite")
    assert sorted(v[0] for v in again.values()) == ["ok"] * 6
    assert_same({k: v for k, v in again.items() if rows[k][0] == "ok"}, {k: v for k, v in rows.items()
                                                                          if v[0] == "ok"})


def test_retry_recovers_a_flaky_cell(tmp_path, capsys, boom):
    boom[0] = 1
    assert main(["run", "--task", "boom", "--model", "mlp", "--executor", "local", "--retries", "1",
                 "--out", str(tmp_path)] + FAST) == 0
    assert "(1 run, 0 already stored, 1 retried): 1 ok" in capsys.readouterr().out


def test_diverging_cell_is_recorded_and_stopped(tmp_path, capsys):
    # The lecture's SGD protocol with a huge learning rate overflows at once.
    assert main(["run", "--task", "sine", "--model", "rnn", "--profile", "seed", "--lr", "1000", "--epochs", "5",
                 "--executor", "local", "--out", str(tmp_path)] + FAST[2:]) == 0
    assert ": 0 ok, 1 diverged, 0 skipped, 0 failed" in capsys.readouterr().out
    with Store(tmp_path / "results.sqlite") as st:
        df = st.results()
    assert list(df.status) == ["diverged", "diverged"]
    assert all(r.startswith("non-finite training loss at epoch ") for r in df.reason)
    assert (df.epochs_run < 5).all()  # training stopped once every member had diverged


def test_dask_without_the_extra_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["run", "--grid", "sine", "--executor", "dask", "--out", str(tmp_path)] + FAST) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --executor dask needs the dask extra: pip install -e \".[dask]\"")
    assert err.count("\n") == 1 and not (tmp_path / "results.sqlite").exists()


@pytest.mark.parametrize("args,message", [
    (["--executor", "local", "--scheduler", "tcp://127.0.0.1:1"],
     "--scheduler needs --executor dask (got --executor local)"),
    (["--executor", "local", "--workers", "2"], "--workers does not apply to --executor local"),
    (["--scheduler", "tcp://127.0.0.1:1", "--workers", "2"], "--workers does not apply to --scheduler"),
    (["--workers", "0"], "--workers must be in [1, 4096], got '0'"),
    (["--retries", "-1"], "--retries must be in [0, 100], got '-1'"),
])
def test_executor_options_are_checked(args, message, tmp_path, capsys):
    assert main(["run", "--grid", "sine", "--out", str(tmp_path)] + args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "results.sqlite").exists()


def test_unreachable_scheduler_is_one_line(tmp_path):
    pytest.importorskip("distributed")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.run([sys.executable, "-m", "bench", "run", "--grid", "sine", "--scheduler",
                        f"tcp://127.0.0.1:{port}", "--out", str(tmp_path)], capture_output=True, text=True,
                       env=_env(), timeout=120)
    assert p.returncode == 1
    assert p.stderr.startswith(f"error: --scheduler tcp://127.0.0.1:{port}: no Dask scheduler reachable there "
                                "(cannot connect: ConnectionRefusedError")
    assert p.stderr.count("\n") == 1 and not (tmp_path / "results.sqlite").exists()


def test_silent_server_is_refused_after_the_timeout(monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 0.5)  # the default, 5 s, works the same way
    with socket.socket() as srv:  # accepts connections (the kernel does) but never says a word
        srv.bind(("127.0.0.1", 0))
        srv.listen(4)
        address = f"tcp://127.0.0.1:{srv.getsockname()[1]}"
        with pytest.raises(UserError, match=r"does not answer as a Dask scheduler \(no answer within 0.5 s\)"):
            open_backend("dask", CPU, scheduler=address)


def _stored_cells(db: Path) -> int:
    if not db.exists():  # connecting would create it
        return 0
    try:
        with closing(sqlite3.connect(db, timeout=1)) as c:
            return c.execute("SELECT COUNT(DISTINCT cell_key) FROM results").fetchone()[0]
    except sqlite3.Error:  # no tables yet
        return 0


def test_kill_9_at_random_points_then_resume(tmp_path):
    args = ["run", "--grid", "sine", "--executor", "local"] + FAST
    main(args + ["--out", str(tmp_path / "ref")])  # uninterrupted, in this process
    out, rng, kills = tmp_path / "k", random.Random(8), []
    db = out / "results.sqlite"
    for new in (0, 1, 0, 1):  # kill once `new` more cells are stored, after a random delay
        target = _stored_cells(db) + new  # new=0: while starting up, or anywhere in the first cell
        p = subprocess.Popen([sys.executable, "-m", "bench"] + args + ["--out", str(out)], env=_env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        while p.poll() is None and _stored_cells(db) < target:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.2) + (rng.uniform(0, 2) if new == 0 else 0))
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
            kills.append(_stored_cells(db))
    assert len(kills) >= 3 and any(0 < k < 6 for k in kills), kills  # most runs really were cut short
    before = _stored_cells(db)
    print(f"killed with {kills} of 6 cells stored; resuming from {before}")
    p = subprocess.run([sys.executable, "-m", "bench"] + args + ["--out", str(out)], env=_env(),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    assert f"({6 - before} run, {before} already stored): 6 ok" in p.stdout  # exactly the missing cells
    with closing(sqlite3.connect(db)) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert_same(stored(tmp_path / "ref" / "results.sqlite"), stored(db))


def _running_in_group(pgid: int) -> list[int]:
    """The processes of a process group that have not exited (Linux /proc)."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            running.append(int(stat.parent.name))
    return running


def test_ctrl_c_stops_the_workers_at_once_and_the_rerun_completes(tmp_path):
    """Ctrl-C reaches the whole process group: the workers ignore it and the coordinator stops them,
    so the command ends at once, with one line and status 130, leaving no process behind."""
    out = tmp_path / "c"
    args = [sys.executable, "-m", "bench", "run", "--grid", "sine", "--workers", "2", "--out", str(out)] + FAST
    p = subprocess.Popen(args, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         start_new_session=True)
    while p.poll() is None and _stored_cells(out / "results.sqlite") < 1:  # the workers are busy by now
        time.sleep(0.01)
    os.killpg(p.pid, signal.SIGINT)
    t0 = time.monotonic()
    _, err = p.communicate(timeout=60)
    waited = time.monotonic() - t0
    assert p.returncode == 130 and err.splitlines() == [
        "interrupted: finished cells are stored; rerun the same command to continue"], err
    assert waited < 10, waited  # not waiting for the cells in flight
    deadline = time.monotonic() + 5  # nothing of its group is left running (an exited one may await reaping)
    while _running_in_group(p.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running_in_group(p.pid) == []
    p = subprocess.run(args, env=_env(), capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and ": 6 ok" in p.stdout and p.stderr == "", p.stderr
