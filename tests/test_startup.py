"""Start-up and the layout of small runs: what the CLI imports before it answers, when this process
trains instead of a pool, split cells storing what whole cells store, figures drawn per label."""
import json
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

import bench.cli as cli
from bench.cli import main
from bench.outputs.write import label_figures, read_manifest, write_reports
from bench.run import layout
from bench.run.cell import Job
from bench.run.executors import ProcessBackend, open_backend, start_workers
from bench.run.grids import Entry
from bench.run.runner import plan, run_cells
from bench.run.slots import Inline, Slots
from bench.store.db import Store
from tests.test_report import report_time
from tests.test_executors import stored

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "pandas", "scipy", "matplotlib", "markdown_it")  # the last: report.html's
CPU = torch.device("cpu")
TINY = {"epochs": 2, "hidden": 4}

# Runs `python -m bench ARGS` in a fresh interpreter; as it exits (bench.run.process_exit runs the exit
# handlers before ending the process), prints which heavy modules it imported.
PROBE = """
import atexit, json, runpy, sys
heavy = set(json.loads(sys.argv[2]))
sys.argv = ["bench"] + json.loads(sys.argv[1])
atexit.register(lambda: print(json.dumps(sorted({m.split(".")[0] for m in sys.modules} & heavy)), flush=True))
runpy.run_module("bench", run_name="__main__", alter_sys=True)
"""


def imported(args: list[str], cwd: Path = ROOT) -> tuple[int, list[str], str]:
    """(exit status, heavy modules imported, stderr) of `python -m bench ARGS`."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args), json.dumps(HEAVY)], capture_output=True,
                       text=True, env=env, cwd=cwd, timeout=120)
    return p.returncode, json.loads(p.stdout.strip().splitlines()[-1]), p.stderr


@pytest.mark.parametrize("args", [
    ["--help"], ["run", "--help"], ["list"],
    ["run", "--task", "sine", "--seeds", "0"],  # refused by argparse
    ["run", "--task", "nope"],  # by a registry
    ["run", "--task", "sine", "--model", "transformer"],
    ["run", "--grid", "assignment2", "--executor", "local", "--workers", "2"],  # by the executor checks
    ["run", "--task", "sine", "--window", "500"],  # by the task's own size check
    ["run", "--task", "repeating-1_4"],  # by a family's parser (4 shares a factor with 10)
    ["report", "--out", "nowhere"],  # no manifest there
])
def test_help_list_and_refusals_import_no_heavy_module(args, tmp_path):
    code, heavy, err = imported(args, cwd=tmp_path)
    assert heavy == [], (args, heavy, err)
    assert code in (0, 1) and (code == 0) == (args in (["--help"], ["run", "--help"], ["list"])), err
    assert "Traceback" not in err


def test_report_imports_no_torch(tmp_path):
    out = tmp_path / "one"
    report_time.synthetic_store(out, labels=1, seeds=2, points=40, epochs=3)
    code, heavy, err = imported(["report", "--out", str(out), "--no-figures"])
    assert code == 0 and "torch" not in heavy and "pandas" in heavy, err  # it did load the results


def _job(model="rnn", seeds=(0, 1, 2, 3), **settings):
    cell = plan((Entry("sine", (model,)),), "quick", "cpu", {**TINY, **settings})[0]
    return Job(cell.config, tuple(seeds), "cpu")


def test_chunks_are_contiguous_and_even():
    assert layout.chunks((0, 1, 2, 3, 4), 2) == [(0, 1, 2), (3, 4)]
    assert layout.chunks((5, 6, 7), 3) == [(5,), (6,), (7,)]
    assert layout.chunks((0, 1, 2), 1) == [(0, 1, 2)]


def test_layout_keeps_small_work_here_and_splits_large_cells(monkeypatch):
    small, large = _job(seeds=(0, 1)), _job(seeds=tuple(range(16)))
    monkeypatch.setattr(layout, "training_seconds", lambda j: {2: 0.1, 16: 60.0}[len(j.seeds)])
    assert layout.lay_out([small], 2) == ([small], 1, 1)  # a tenth of a second: no worker, no split
    parts, processes, here = layout.lay_out([large], 2)
    assert (processes, here) == (2, 1) and [p.seeds for p in parts] == [tuple(range(8)), tuple(range(8, 16))]
    assert all(replace(p, seeds=large.seeds) == large for p in parts)  # only the seeds differ
    parts, processes, here = layout.lay_out([large], 8)  # 60 s pays for at most 60 / MIN_PART_S parts
    assert processes == len(parts) == min(8, int(60 // layout.MIN_PART_S)) and here == 1
    parts, processes, here = layout.lay_out([small, large], 4)  # each job gets its share of the slots
    assert [len(p.seeds) for p in parts] == [2, 8, 8] and (processes, here) == (3, 1)
    one = _job(seeds=(0,))
    monkeypatch.setattr(layout, "training_seconds", lambda j: pytest.fail("no estimate for one member"))
    assert layout.lay_out([one], 2) == ([one], 1, 1)
    assert layout.lay_out([large], 1) == ([large], 1, 1)


def test_layout_keeps_a_per_fold_selection_whole(monkeypatch):
    """A sweep's composed walk-forward cell averages each fold's choice over every seed: never split."""
    from bench.store.fold_rates import KEY, swept_text
    large = _job(seeds=tuple(range(16)))
    composed = replace(large.config, settings=tuple(sorted({**large.config.settings_dict,
                                                             KEY: swept_text([0.01, 0.1])}.items())))
    monkeypatch.setattr(layout, "training_seconds", lambda j: 60.0)
    whole = replace(large, siblings=(composed,))
    parts, processes, here = layout.lay_out([whole], 4)
    assert parts == [whole] and processes == 1
    assert len(layout.lay_out([large], 4)[0]) > 1  # without it the same job is split


def test_layout_splits_a_second_of_work_over_threads_here(monkeypatch):
    mid = _job(seeds=(0, 1, 2))
    monkeypatch.setattr(layout, "training_seconds", lambda j: 1.0)  # no worker pays for its start
    parts, slots, here = layout.lay_out([mid], 2)
    assert [p.seeds for p in parts] == [(0, 1), (2,)] and slots == here == 2  # both slots: threads here
    assert layout.lay_out([replace(mid, deterministic=True)], 2)[1:] == (1, 1)  # its mode is per process
    monkeypatch.setattr(layout, "training_seconds", lambda j: layout.MIN_THREAD_S / 2)
    assert layout.lay_out([mid], 2) == ([mid], 1, 1)  # too small to pay for a part's fixed costs


def test_a_cell_split_over_threads_stores_what_it_would_whole(tmp_path, monkeypatch):
    import threading

    from bench.run.executors import work
    cells = plan((Entry("sine", ("rnn",)),), "quick", "cpu", TINY)
    numbers = ["mse", "closed_loop_mse", "final_train_loss"]
    stored = {}
    for split in (False, True):
        monkeypatch.setattr(layout, "training_seconds", lambda j, s=split: 1.0 if s else 0.0)
        threads = set()

        def traced(job):
            threads.add(threading.current_thread().name)
            return work(job)
        with Store(tmp_path / f"{split}.sqlite") as store:
            run_cells(cells, [0, 1, 2], store, ProcessBackend(CPU, workers=2), CPU, progress=False, work=traced)
            stored[split] = store.results().set_index("seed")[numbers]
        assert len(threads) == (2 if split else 1) and (threading.current_thread().name in threads) != split
    assert stored[True].equals(stored[False]) and len(stored[True]) == 3  # the same numbers, bit for bit


def test_training_estimate_tells_a_second_from_a_minute():
    sine = layout.training_seconds(_job(seeds=tuple(range(16)), epochs=60, hidden=32))
    stock = plan((Entry("stock", ("gru",)),), "quick", "cpu", {"hidden": 100})[0]
    big = layout.training_seconds(Job(stock.config, tuple(range(16)), "cpu"))
    assert 0 < sine < layout.MIN_PART_S < big / 2
    assert layout.training_seconds(_job(model="persistence")) == 0.0
    # The MLP uses its weights once per window, a recurrent model once per step.
    mlp, rnn = (layout.training_seconds(_job(model=m, window=20, hidden=16)) for m in ("mlp", "rnn"))
    assert 0 < mlp < rnn


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


class _Canary:
    """Writes its file when freed: at a normal exit, the interpreter's teardown frees module globals."""

    def __init__(self, path: str):
        self.path = path

    def __del__(self):
        Path(self.path).write_text("freed")


def _plant_canary(path: str) -> int:
    sys.modules["__main__"].canary = _Canary(path)
    return os.getpid()


def test_a_worker_exits_without_the_teardown(tmp_path):
    pool = Slots(1)
    try:
        assert pool.submit(_plant_canary, str(tmp_path / "freed")).result() != os.getpid()
        procs = [p for q in pool._pools for p in q._processes.values()]
    finally:
        pool.shutdown()
    assert [p.exitcode for p in procs] == [0]
    assert not (tmp_path / "freed").exists()  # ended before its globals were freed


def test_the_command_flushes_everything_before_it_exits(tmp_path, capsys):
    assert main(["list"]) == 0
    expected = capsys.readouterr().out
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with open(tmp_path / "out", "w") as f:  # a file: block-buffered, so only a flush gets it there
        code = subprocess.run([sys.executable, "-m", "bench", "list"], stdout=f, env=env, cwd=tmp_path).returncode
    assert code == 0 and (tmp_path / "out").read_text() == expected
    p = subprocess.run([sys.executable, "-m", "bench", "run", "--task", "nope"], capture_output=True, text=True,
                       env=env, cwd=tmp_path)
    assert p.returncode == 1 and p.stderr.startswith("error: ") and len(p.stderr.splitlines()) == 1


def test_one_cell_trains_in_this_process_and_a_grid_starts_its_pool_early():
    backend = ProcessBackend(CPU, workers=2)
    assert backend.slots == 2 and isinstance(backend.executor(1, here=True), Inline)
    mixed = backend.executor(2, here=True)  # a split cell: one part here, one in a worker
    try:
        pids = {f.result() for f in [mixed.submit(_pid_after, 0.5) for _ in range(2)]}
    finally:
        mixed.shutdown()
    assert os.getpid() in pids and len(pids) == 2
    assert start_workers("process", 2, jobs=1) is None and start_workers("local", 2, jobs=9) is None
    pool = start_workers("process", 2, jobs=6)
    try:
        assert isinstance(pool, Slots) and len(pool._pools) == 2  # both workers spawned before any call
        assert ProcessBackend(CPU, 2, started=pool).executor(6) is pool
    finally:
        pool.abandon()
    assert ProcessBackend(torch.device("meta"), 2).slots is None  # an accelerator: cells run here


def test_cli_starts_workers_before_it_imports_torch(monkeypatch, tmp_path):
    calls, planned = [], []
    monkeypatch.setattr(cli, "start_workers", lambda *a: calls.append(("workers", a[2])))
    sizes = cli.check_sizes
    monkeypatch.setattr(cli, "check_sizes", lambda cells: planned.append(len(cells)) or sizes(cells))
    real = cli.resolve_device
    monkeypatch.setattr(cli, "resolve_device", lambda name: calls.append(("device", name)) or real(name))
    monkeypatch.setattr(cli, "run_cells", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    assert main(["run", "--grid", "sine", "--out", str(tmp_path), "--executor", "local"] + ["--epochs", "2"]) == 130
    assert planned and planned[0] > 1  # a fresh store: every planned cell is still to do
    assert calls == [("workers", planned[0]), ("device", "auto")]


def test_split_cell_stores_what_the_whole_cell_stores(tmp_path, monkeypatch):
    cells = plan((Entry("sine", ("gru",)),), "quick", "cpu", TINY)
    seeds = [0, 1, 2, 3, 4]
    with Store(tmp_path / "whole.sqlite") as st:
        whole = run_cells(cells, seeds, st, "local", CPU)
    monkeypatch.setattr(layout, "training_seconds", lambda job: 100.0)  # pretend it is large
    backend = open_backend("process", CPU, workers=2)
    with Store(tmp_path / "split.sqlite") as st:
        split = run_cells(cells, seeds, st, backend, CPU)  # 3 seeds here, 2 in a worker
        members = st.results().members.tolist()
    assert whole.cells == split.cells and whole.ran == split.ran == 1 and split.counts == {"ok": 5}
    assert members == [3, 3, 3, 2, 2]
    a, b = stored(tmp_path / "whole.sqlite"), stored(tmp_path / "split.sqlite")
    assert a.keys() == b.keys() and len(a) == 5
    for k in a:  # identical, not close: a member's arithmetic does not depend on its stack
        (sa, ma, xa), (sb, mb, xb) = a[k], b[k]
        assert sa == sb == "ok" and ma["members"] == 5 and mb["members"] in (2, 3)
        np.testing.assert_equal({m: v for m, v in ma.items() if m != "members"},
                                {m: v for m, v in mb.items() if m != "members"})
        np.testing.assert_equal(xa, xb)


def test_labels_are_reported_as_their_cells_land(tmp_path):
    cells = plan((Entry("sine", ("mlp", "persistence")), Entry("repeating-1_7", ("mlp",), ({"window": 1},))),
                 "quick", "cpu", TINY)
    seen = []
    with Store(tmp_path / "s.sqlite") as st:
        def landed(label):
            keys = [c.config.key for c in cells if c.label == label]
            seen.append((label, all(len(st.statuses(k)) == 2 for k in keys)))
        run_cells(cells, [0, 1], st, "local", CPU, landed=landed)
        run_cells(cells, [0, 1], st, "local", CPU, landed=landed)  # all stored: nothing lands
    assert seen == [("sine", True)]  # the last label lands with the run's end: its report draws it


def test_figures_drawn_per_label_are_kept_by_the_report(tmp_path):
    out = tmp_path / "two"
    report_time.synthetic_store(out, labels=2, seeds=2, points=60, epochs=3)
    manifest = read_manifest(out)
    first = manifest["cells"][0]["label"]
    label_figures(out, manifest, first)
    early = {p: p.stat().st_mtime_ns for p in (out / "figures").glob("*.png")}
    assert early and all(p.name.startswith("sine_window4") for p in early)
    with Store(out / "results.sqlite") as st:
        written = write_reports(out, st, manifest)
    assert {p: p.stat().st_mtime_ns for p in early} == early  # kept, not drawn again
    pngs = [p for p in written if p.suffix == ".png" and p.name.startswith("sine_")]  # the labels' own
    assert len(pngs) == 2 * len(early) and not list((out / "figures").glob("*.pdf"))  # PNG unless asked
    record = json.loads((out / "figures" / "figures.json").read_text())
    assert set(record) == {c["label"] for c in manifest["cells"]} | {"window study: mse", "answers: sine horizon"}
    window = out / "figures" / "window_mse.png"
    drawn = window.stat().st_mtime_ns
    with Store(out / "results.sqlite") as st:
        assert window in write_reports(out, st, manifest)
        assert window.stat().st_mtime_ns == drawn  # the window study too is kept when unchanged
        write_reports(out, st, manifest, redraw=True)
    assert window.stat().st_mtime_ns != drawn


def test_a_label_drawn_alone_is_kept_where_other_labels_lack_a_column(tmp_path):
    """Read whole, a run's table holds a column as floats when another label's rows lack it (a skipped
    cell, another task's metrics); read alone, the label's whole numbers are integers. The figures
    drawn alone while other cells trained must still be kept by the run's report."""
    out = tmp_path / "mixed"
    report_time.synthetic_store(out, labels=2, seeds=2, points=60, epochs=3)
    manifest = read_manifest(out)
    first, second = dict.fromkeys(c["label"] for c in manifest["cells"])
    with Store(out / "results.sqlite") as st:
        for c in manifest["cells"]:
            if c["label"] == second:  # the second label's rows lose their parameter counts
                st.conn.execute("UPDATE results SET metrics = json_remove(metrics, '$.params') WHERE cell_key = ?",
                                (c["key"],))
        st.conn.commit()
    label_figures(out, manifest, first)
    early = {p: p.stat().st_mtime_ns for p in (out / "figures").glob("*.png")}
    assert early
    with Store(out / "results.sqlite") as st:
        write_reports(out, st, manifest)
    assert {p: p.stat().st_mtime_ns for p in early} == early


def test_abandon_returns_with_every_slot_shut_down():
    """A refusal after the report process started (e.g. an unreachable scheduler) abandons it while
    it is still warming up: abandon kills it and returns only once each slot has shut its pool down,
    so nothing is left to be reported as leaked when the command exits."""
    import functools
    slots = Slots(1, warm=functools.partial(time.sleep, 30))
    started = time.perf_counter()
    slots.abandon()
    assert time.perf_counter() - started < 10  # killed, not waited for
    assert not any(t.is_alive() for t in slots._threads)
    assert all(not p.is_alive() for pool in slots._pools for p in (pool._processes or {}).values())
