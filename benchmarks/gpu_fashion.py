"""GPU check (UNVERIFIED: written without a GPU): the lecture's full Fashion-MNIST LSTM protocol
through the suite's CLI on one GPU, timed, with its test MSE, beside the lecture's own loop.

    python benchmarks/gpu_fashion.py [--out DIR] [--lecture-epochs 1] [--data-dir DIR]

1. Runs `python -m bench run --task fashion-mnist --model lstm --profile seed --device cuda
   --seeds 1` (the seed profile is the notebook's protocol: hidden 400, 14-row windows, batch 128,
   Adam, 40 epochs) and reads train_wall_s, eval_wall_s and mse from its results.csv.
   Goal: training in <= 120 s on one H100.
2. Trains the lecture's loop (nn.LSTM + Linear, DataLoader over host tensors, batch 128, `.item()`
   every step, `.to(device)` per batch) on the same training windows for --lecture-epochs epochs
   (default 1, seconds on an H100), extrapolates its time to the protocol's epochs and prints its
   test MSE on the same test windows. With --lecture-epochs 40 the MSEs compare like for like
   (goal: the suite's MSE equal or lower); that run takes many minutes.

Needs the fashion-mnist task (another issue's work) and its data; prints one line and exits 2
when either is missing.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def suite_run(out: Path, extra: list[str]) -> dict[str, float]:
    cmd = [sys.executable, "-m", "bench", "run", "--task", "fashion-mnist", "--model", "lstm", "--profile", "seed",
           "--device", "cuda", "--seeds", "1", "--executor", "local", "--no-figures", "--out", str(out)] + extra
    print("$", " ".join(cmd), flush=True)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, text=True, capture_output=True)
    wall = time.perf_counter() - t0
    print(p.stdout.strip() or p.stderr.strip())
    if p.returncode != 0:
        raise SystemExit(f"suite run failed (exit {p.returncode}): {p.stderr.strip().splitlines()[-1:]}")
    import pandas as pd
    df = pd.read_csv(out / "results.csv")
    row = df[(df.model == "lstm")].set_index("metric")["value"]
    got = {k: float(row[k]) for k in ("train_wall_s", "eval_wall_s", "mse") if k in row}
    got["command_wall_s"] = wall
    return got


def lecture_run(epochs: int) -> dict[str, float]:
    import torch

    from bench.tasks import get_task
    from bench.train.lecture_loop import LectureRNN, train_lecture_loop
    task = get_task("fashion-mnist")
    s = task.settings("seed")
    data = task.build(s, np.random.default_rng(s["data_seed"]))  # may raise Unavailable
    dev = torch.device("cuda")
    x, y = data.train.inputs(), data.train.targets  # host tensors, as the notebook keeps them
    net = LectureRNN("lstm", data.in_features, s["hidden"], data.out_features).to(dev)

    class OnDevice(torch.nn.Module):  # the notebook moves each batch inside the loop
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, xb):
            return self.inner(xb.to(dev)).cpu()

    seconds, losses = train_lecture_loop(OnDevice(net), x, y, epochs, s["batch_size"], s["lr"], s["optimizer"])
    with torch.no_grad():
        xt, yt = data.test.inputs(), data.test.targets
        pred = torch.cat([net(xt[i:i + 4096].to(dev)).cpu() for i in range(0, len(xt), 4096)])
        mse = float(((pred - yt) ** 2).mean())
    return {"epochs": epochs, "seconds": seconds, "per_epoch_s": seconds / epochs,
            "protocol_epochs": s["epochs"], "extrapolated_s": seconds / epochs * s["epochs"], "test_mse": mse}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("results/gpu_fashion"))
    ap.add_argument("--lecture-epochs", type=int, default=1, help="0 skips the lecture's loop")
    ap.add_argument("--data-dir", help="passed on to the task if it takes one (e.g. --data-dir)")
    a = ap.parse_args()
    import torch
    if not torch.cuda.is_available():
        print("no CUDA device: this check needs one GPU")
        return 2
    from bench.tasks import TASKS, FAMILIES
    if "fashion-mnist" not in TASKS and "fashion" not in FAMILIES:
        print("the fashion-mnist task is not in this checkout (it comes with the images issue)")
        return 2
    extra = ["--data-dir", a.data_dir] if a.data_dir else []
    suite = suite_run(a.out, extra)
    print(f"suite: train {suite.get('train_wall_s', float('nan')):.1f} s, eval {suite.get('eval_wall_s', float('nan')):.1f} s, "
          f"test mse {suite.get('mse', float('nan')):.5f} ({torch.cuda.get_device_name()}); goal: train <= 120 s")
    if a.lecture_epochs > 0:
        lec = lecture_run(a.lecture_epochs)
        print(f"lecture loop: {lec['per_epoch_s']:.1f} s/epoch -> {lec['extrapolated_s']:.0f} s for "
              f"{lec['protocol_epochs']} epochs (extrapolated from {lec['epochs']}); test mse after "
              f"{lec['epochs']} epochs {lec['test_mse']:.5f}")
        if "train_wall_s" in suite:
            print(f"speed-up of the suite over the lecture loop: {lec['extrapolated_s'] / suite['train_wall_s']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
