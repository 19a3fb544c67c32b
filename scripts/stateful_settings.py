"""The stateful regime's settings measured: per value of one setting (e.g. the chunk length bptt),
a stateful model's best validation loss, test accuracy and the CPU seconds of its cell.

    PYTHONPATH=. python scripts/stateful_settings.py [--task concat-1_7-1_17-5x3] [--window 4]
        [--model gru-stateful] [--setting bptt] [--values 4,8,16,32] [--seeds 5]

Each value runs one cell (all seeds stacked) in this process with the quick profile's settings
otherwise; the CPU seconds are this process's (time.process_time) for that cell: building the
data, training, validation and scoring, without start-up.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from bench.run.cell import Job, run_job
from bench.run.grids import Entry
from bench.run.runner import plan
from bench.train.loop import warm_up


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--task", default="concat-1_7-1_17-5x3")
    p.add_argument("--window", type=int, default=4)
    p.add_argument("--model", default="gru-stateful")
    p.add_argument("--setting", default="bptt")
    p.add_argument("--values", default="4,8,16,32")
    p.add_argument("--seeds", type=int, default=5)
    a = p.parse_args()
    torch.set_num_threads(1)
    warm_up()  # one-time costs (imports, native kernels) stay out of the first value's CPU seconds
    seeds = tuple(range(a.seeds))
    print(f"| {a.setting} | best validation loss (mean over seeds) | test accuracy, mean [min, max] | CPU s |")
    print("|---|---|---|---|")
    for text in a.values.split(","):
        value = type(_default(a))(text) if _default(a) is not None else text
        cell = plan((Entry(a.task, (a.model,), ({"window": a.window},)),), "quick", "cpu", {a.setting: value})[0]
        t0 = time.process_time()
        rec = run_job(Job(cell.config, seeds, "cpu"))
        cpu = time.process_time() - t0
        val = np.mean([rec.arrays[(s, "val_loss")].min() for s in seeds])
        acc = np.array([rec.metrics[s]["accuracy"] for s in seeds])
        print(f"| {value} | {val:.4f} | {acc.mean():.4f} [{acc.min():.4f}, {acc.max():.4f}] | {cpu:.1f} |")


def _default(a):
    """The setting's planned value, whose type parses the others."""
    cell = plan((Entry(a.task, (a.model,), ({"window": a.window},)),), "quick", "cpu", {})[0]
    return cell.config.settings_dict.get(a.setting)


if __name__ == "__main__":
    main()
