"""Timings of the scale-out machinery (not a test; nothing is asserted):

- how long an unreachable --scheduler takes to be refused (the CLI, end to end, as a subprocess);
- how long a Dask LocalCluster takes to start and to close;
- what a Dask worker killed by its cell becomes (KilledWorker, after the scheduler's retries), and how long that takes;
- the same for the process executor (one fresh worker replaces the dead one).

    PYTHONPATH=$PWD python scripts/scale_timings.py [--workers N]
"""
from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from bench.errors import UserError
from bench.run.executors import open_backend, work
from bench.run.grids import Entry
from bench.run.runner import plan, run_cells
from bench.store.db import Store

CPU = torch.device("cpu")


def die_on_rnn(job):
    if job.config.model == "rnn":
        os.kill(os.getpid(), signal.SIGKILL)
    return work(job)


def refuse_unreachable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "bench", "run", "--grid", "sine", "--scheduler",
                        f"tcp://127.0.0.1:{port}", "--out", tempfile.mkdtemp()], capture_output=True, text=True)
    print(f"unreachable scheduler: exit {p.returncode} after {time.perf_counter() - t0:.1f} s "
          f"(interpreter start and imports included); stderr: {p.stderr.strip()}")
    import distributed  # noqa: F401  (imported once, so the timings below are the refusal alone)
    with socket.socket() as silent:  # listens (the kernel accepts) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        for what, port in (("nothing listening", port), ("silent server", silent.getsockname()[1])):
            t0 = time.perf_counter()
            try:
                open_backend("dask", CPU, scheduler=f"tcp://127.0.0.1:{port}")
            except UserError:
                print(f"  in process, {what}: refused after {time.perf_counter() - t0:.2f} s")


def dead_worker(executor: str, workers: int) -> None:
    cells = plan((Entry("sine", ("rnn", "persistence")),), "quick", "cpu", {"epochs": 2, "hidden": 4})
    t0 = time.perf_counter()
    backend = open_backend(executor, CPU, workers=workers)
    with tempfile.TemporaryDirectory() as d, Store(Path(d) / "r.sqlite") as st:
        s = run_cells(cells, [0, 1], st, backend, CPU, work=die_on_rnn)
        t1 = time.perf_counter()
        backend.close()
    print(f"{executor} ({workers} workers), rnn cell kills its worker: cells {s.cells} in {t1 - t0:.1f} s "
          f"(start included), close {time.perf_counter() - t1:.1f} s; reason: {s.failures}")


def local_cluster(workers: int) -> None:
    from distributed import Client, LocalCluster
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    t1 = time.perf_counter()
    client.close()
    cluster.close()
    print(f"LocalCluster, {workers} single-threaded worker processes: start {t1 - t0:.1f} s, "
          f"close {time.perf_counter() - t1:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    a = ap.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    refuse_unreachable()
    local_cluster(a.workers)
    dead_worker("process", a.workers)
    dead_worker("dask", a.workers)


if __name__ == "__main__":
    main()
