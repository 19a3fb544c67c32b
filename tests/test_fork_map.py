"""Calls spread over forked copies of the process: the same results as one after another, in order,
errors raised here, and no fork where another thread runs."""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bench.outputs.fork_map import fork_map
from bench.outputs.write import STORE, read_manifest, write_reports
from bench.store.db import Store
from tests.test_report import report_time

LOADED = list(range(50))  # what the copies read without being sent it


def _pid_and(i: int):
    return lambda: (os.getpid(), LOADED[i] * 2)


def _fresh(script: str) -> str:
    """stdout of script run by a fresh interpreter: a test session may hold threads of earlier tests,
    and fork_map rightly declines to fork beside them."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    p = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=root, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_results_in_order_from_several_processes():
    got = json.loads(_fresh(
        "import json, os\n"
        "from tests.test_fork_map import _pid_and\n"
        "from bench.outputs.fork_map import fork_map\n"
        "print(json.dumps([os.getpid(), fork_map([_pid_and(i) for i in range(7)], 3), fork_map([_pid_and(0)], 4)]))"))
    me, many, one = got
    assert [v for _, v in many] == [2 * i for i in range(7)]
    assert len({pid for pid, _ in many}) == 3 and many[0][0] == me  # this process takes a share
    assert one == [[me, 0]]  # one call: no copy


def _fails():
    raise ValueError("drawing failed: no data")


def test_an_error_in_a_copy_is_raised_here():
    out = _fresh("from tests.test_fork_map import _pid_and, _fails\n"
                 "from bench.outputs.fork_map import fork_map\n"
                 "try:\n"
                 "    fork_map([_pid_and(0), _fails, _pid_and(2)], 2)\n"  # the second call runs in the copy
                 "except ValueError as e:\n"
                 "    print('raised', e)\n")
    assert out.strip() == "raised drawing failed: no data"
    with pytest.raises(ValueError, match="no data"):  # the same here, in whichever way this session allows
        fork_map([_pid_and(0), _fails, _pid_and(2)], 2)


def test_no_fork_while_another_thread_runs():
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        got = fork_map([_pid_and(i) for i in range(4)], 4)
    finally:
        stop.set()
        t.join()
    assert {pid for pid, _ in got} == {os.getpid()} and [v for _, v in got] == [0, 2, 4, 6]


def drawn(out: Path, processes: int) -> dict[str, str]:
    """The report's PNG files, drawn by `processes` processes: name -> content hash."""
    with Store.reader(out / STORE) as store:
        files = write_reports(out, store, read_manifest(out), processes=processes)
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in files if p.suffix == ".png"}


def test_figures_drawn_by_two_processes_are_the_same_files(tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    report_time.synthetic_store(one, labels=2, seeds=3, points=40, epochs=5)
    shutil.copytree(one, two)
    seq = drawn(one, 1)
    par = json.loads(_fresh("import json, threading\nfrom pathlib import Path\n"
                            "from tests.test_fork_map import drawn\n"
                            f"print(json.dumps([threading.active_count(), drawn(Path({str(two)!r}), 2)]))"))
    assert par[0] == 1 and len(seq) >= 4 and seq == par[1]  # one thread there: it did fork
    assert (one / "report.md").read_text() == (two / "report.md").read_text()
