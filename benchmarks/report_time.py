"""How long `python -m bench report` takes on a store the size of the `all` grid (no training).

Builds a synthetic store: LABELS task labels (sine windows standing in for the other tasks, whose
figure hooks cost about the same), each with the sine task's models and SEEDS seeds, per-point
losses over POINTS test points, loss curves and closed-loop drawings; metrics are computed from
the synthetic predictions, so they agree with the per-point losses as real runs do. Then it times
the CLI as a user runs it, in a fresh interpreter (imports included):

  cold      --redraw: every figure drawn again, as PNG (what the end of `run` pays once)
  cold+pdf  --redraw --pdf: the same, as PNG and PDF
  warm      figures whose inputs are unchanged are kept; tables, CSV and report.md rebuilt
  tables    --no-figures

    PYTHONPATH=$PWD python benchmarks/report_time.py [--labels 30] [--seeds 5] [--points 2000] [--keep DIR]

Wall time depends on the machine's load; the CPU time of the child process is printed beside it,
and the command's own figure (everything after its imports), and `python -m bench list` (imports
only: torch, pandas, scipy) for scale.
"""
from __future__ import annotations

import argparse
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.outputs.write import STORE, write_manifest
from bench.run.config import CellConfig
from bench.run.runner import PlannedCell
from bench.store.db import CellRecord, Store
from bench.tasks import get_task

TASK = "sine"


def synthetic_store(out: Path, labels: int, seeds: int, points: int, epochs: int = 60) -> int:
    """Write `labels` x models cells with `seeds` seeds each; returns the number of cells."""
    task = get_task(TASK)
    rng = np.random.default_rng(0)
    planned = []
    with Store(out / STORE) as store:
        for i in range(labels):
            settings = {**task.settings("quick"), "window": 4 + i, "n_points": points * 5}
            data = task.build(settings, np.random.default_rng(settings["data_seed"]))
            true = data.arrays["test_true"][:points]
            steps = len(data.arrays["x"]) - int(data.arrays["test_start"][0])
            for j, model in enumerate(task.models):
                cfg = CellConfig.make(TASK, model, "quick", "cpu", settings)
                planned.append(PlannedCell(cfg, f"{TASK} (window={settings['window']})"))
                trained = model not in ("persistence", "mean")
                arrays = {(-1, k): v for k, v in data.arrays.items()}
                metrics = {}
                for s in range(seeds):
                    noise = 0.3 + 0.05 * j + (0.02 * rng.standard_normal() if trained else 0.0)
                    pred = true + noise * rng.standard_normal(len(true))
                    loss = (pred - true) ** 2
                    metrics[s] = {"mse": float(loss.mean()), "mae": float(np.abs(pred - true).mean()),
                                  "rmse": float(np.sqrt(loss.mean())), "mse_clean": float(loss.mean() * 0.1),
                                  "closed_loop_mse": float(rng.gamma(2.0, 0.1)), "params": 100 * j,
                                  "train_wall_s": 1.0 + j, "eval_wall_s": 0.1, "samples_per_s": 1e4,
                                  "members": seeds}
                    arrays[(s, "pointwise_loss")] = loss.astype(np.float32)
                    arrays[(s, "test_pred")] = pred.astype(np.float32)
                    arrays[(s, "closed_loop")] = np.sin(np.linspace(0, 6, steps)).astype(np.float32)
                    if trained:
                        arrays[(s, "train_loss")] = np.exp(-np.arange(epochs) / 10) + 0.1 * rng.random(epochs)
                store.write_cell(CellRecord(cfg.key, TASK, model, "quick", "cpu", settings, list(range(seeds)),
                                            {s: "ok" for s in range(seeds)}, {s: "" for s in range(seeds)}, metrics,
                                            env={"device_name": "synthetic", "torch": "n/a", "git_commit": "n/a", "impl": "native"},
                                            floors=data.floors, protocol=data.protocol, arrays=arrays))
    write_manifest(out, "all", "quick", list(range(seeds)), planned)
    return len(planned)


def timed_report(out: Path, *flags: str) -> tuple[float, float, str]:
    """(wall s, child CPU s, the command's own 'in X s' figure, imports excluded) of one
    `python -m bench report` in a fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "bench", "report", "--out", str(out), *flags], check=True,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    inside = re.search(r" in ([\d.]+ s)", p.stdout)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), \
        inside.group(1) if inside else "?"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--labels", type=int, default=30)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--points", type=int, default=2000)
    p.add_argument("--keep", type=Path, help="build the store here and keep it")
    p.add_argument("--no-cold", action="store_true", help="skip the cold passes (with --keep: figures already drawn)")
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = a.keep or Path(tmp) / "all"
        t0 = time.perf_counter()
        cells = synthetic_store(out, a.labels, a.seeds, a.points)
        print(f"synthetic store: {a.labels} labels, {cells} cells, {cells * a.seeds} rows, "
              f"{a.points} test points ({time.perf_counter() - t0:.1f} s to build)")
        passes = (("cold", ("--redraw",)), ("cold+pdf", ("--redraw", "--pdf")), ("warm", ()),
                  ("tables", ("--no-figures",)))
        for name, flags in passes[2 * a.no_cold:]:
            wall, cpu, inside = timed_report(out, *flags)
            print(f"{name:8s} wall {wall:6.1f} s   cpu {cpu:6.1f} s   after imports {inside:>7s}   "
                  f"python -m bench report {' '.join(flags)}")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bench", "list"], check=True, capture_output=True)
        print(f"imports alone (python -m bench list): wall {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
