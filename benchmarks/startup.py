"""What a user waits for: `python -m bench` commands timed as whole processes (imports, training,
store, tables and figures), medians of several runs, beside the lecture's own code for one model
(benchmarks/lecture_sine.py). Each run's CPU time (user + sys, the command and every process it
started) is printed beside its wall time, and the load average, since a busy machine stretches wall
time and not CPU time. Runs of the lecture script and of the 16-seed cell alternate, so that the
per-model ratio compares like with like.

    PYTHONPATH=$PWD python benchmarks/startup.py [--runs 5] [--only help,list,...] [--long]

quick (default): help, list, refusal, cell-1 (one seed), cell-16 (16 seeds), lecture, figures
(the one-seed report redrawn as PNG, as PNG + PDF, and without figures).
--long adds: stock (GRU hidden 100, 16 seeds: a cell large enough to split over the cores),
grid (`run --grid all`, once) and report (`report --out` of that grid, figures kept).
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = [sys.executable, "-m", "bench"]
SINE = ["run", "--task", "sine", "--model", "rnn", "--profile", "seed"]


def commands(tmp: Path) -> dict[str, tuple[list[str], Path | None]]:
    """name -> (command, an output folder removed before each run so that it trains again, or None)."""
    cell1, grid = tmp / "cell-1", tmp / "all"
    return {
        "help": (BENCH + ["--help"], None),
        "list": (BENCH + ["list"], None),
        "refusal": (BENCH + ["run", "--task", "sine", "--seeds", "0"], None),
        "cell-1": (BENCH + SINE + ["--seeds", "1", "--out", str(cell1)], cell1),
        "cell-16": (BENCH + SINE + ["--seeds", "16", "--out", str(tmp / "cell-16")], tmp / "cell-16"),
        "lecture": ([sys.executable, str(ROOT / "benchmarks" / "lecture_sine.py"), "--out", str(tmp / "lecture")],
                    None),
        "figures-png": (BENCH + ["report", "--out", str(cell1), "--redraw"], None),
        "figures-pdf": (BENCH + ["report", "--out", str(cell1), "--redraw", "--pdf"], None),
        "no-figures": (BENCH + ["report", "--out", str(cell1), "--no-figures"], None),
        "stock": (BENCH + ["run", "--task", "stock", "--model", "gru", "--hidden", "100", "--seeds", "16",
                           "--out", str(tmp / "stock")], tmp / "stock"),
        "grid": (BENCH + ["run", "--grid", "all", "--out", str(grid)], grid),
        "report": (BENCH + ["report", "--out", str(grid)], None),
    }


QUICK = ("help", "list", "refusal", "cell-1", "cell-16", "lecture", "figures-png", "figures-pdf", "no-figures")
LONG = ("stock", "grid", "report")
ONCE = ("grid",)  # minutes each: run once
PAIRED = ("cell-16", "lecture")  # run in turn


def whole_process(cmd: list[str], fresh: Path | None) -> tuple[float, float, int]:
    """(wall s, CPU s of the process and everything it started, exit status) of one run."""
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), p.returncode


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5, help="counted runs of each command (default 5), after one warm-up")
    p.add_argument("--only", help=f"comma-separated subset of {','.join(QUICK + LONG)}")
    p.add_argument("--long", action="store_true", help=f"add {', '.join(LONG)} (minutes)")
    a = p.parse_args()
    names = a.only.split(",") if a.only else list(QUICK + (LONG if a.long else ()))
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(Path(tmp))
        unknown = [n for n in names if n not in cmds]
        if unknown:
            raise SystemExit(f"unknown command {unknown[0]!r}; choose from {', '.join(cmds)}")
        if any(n.startswith(("figures", "no-figures")) for n in names) and "cell-1" not in names:
            names.insert(0, "cell-1")  # the figures are those of the one-seed run
        groups: list[list[str]] = []  # commands run in turn, A B A B ...
        for n in names:
            if n not in PAIRED:
                groups.append([n])
            elif not any(n in g for g in groups):
                groups.append([m for m in PAIRED if m in names])
        results: dict[str, list[tuple[float, float, int]]] = {}
        print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
        for group in groups:
            once = group[0] in ONCE
            for n in group if not once else ():
                whole_process(*cmds[n])  # warm-up: caches, the compiled kernels, the page cache
            for _ in range(1 if once else a.runs):
                for n in group:
                    results.setdefault(n, []).append(whole_process(*cmds[n]))
        print(f"load average at end:   {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print(f"{'command':12s} {'wall median':>11s} {'(min-max)':>15s} {'CPU median':>10s} {'CPU/wall':>8s}  exit  runs")
        for n in names:
            if n not in results:
                continue
            walls, cpus, codes = zip(*results[n])
            print(f"{n:12s} {statistics.median(walls):10.2f}s {min(walls):6.2f}-{max(walls):6.2f}s "
                  f"{statistics.median(cpus):9.2f}s {statistics.median(c / w for c, w in zip(cpus, walls)):8.2f}"
                  f"  {','.join(sorted({str(c) for c in codes})):>4s}  {len(walls)}"
                  f"   {' '.join(cmds[n][0][1:]).replace(tmp, '$TMP')}")
        if "cell-16" in results and "lecture" in results:
            cell = statistics.median(w for w, _, _ in results["cell-16"])
            lecture = statistics.median(w for w, _, _ in results["lecture"])
            ratios = [lw / (cw / 16) for (cw, _, _), (lw, _, _) in zip(results["cell-16"], results["lecture"])]
            print(f"per model: lecture {lecture:.2f} s, 16 seeds {cell / 16:.3f} s each = {lecture / (cell / 16):.1f}x "
                  f"(pair by pair {min(ratios):.1f}-{max(ratios):.1f}x)")
        if "figures-png" in results and "no-figures" in results:
            base = statistics.median(c for _, c, _ in results["no-figures"])
            for n in ("figures-png", "figures-pdf"):
                if n in results:
                    print(f"{n}: figures cost {statistics.median(c for _, c, _ in results[n]) - base:.2f} CPU s "
                          f"over the report without them")


if __name__ == "__main__":
    main()
