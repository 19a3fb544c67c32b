"""The lecture's noisy-sine experiment as one script: the yardstick that benchmarks/startup.py times
as a whole process beside `python -m bench run --task sine --profile seed`.

What the notebook does for one model, on one torch thread: import torch and matplotlib, make the 50
noisy points and their 40 windows, train with its loop (bench/train/lecture_loop.py: a torch module, a
DataLoader, SGD 0.01, batch 8, 200 epochs, `.item()` every step), then draw the closed-loop
prediction and the loss curve, here saved as PNG. Its periodic plots during training are left out,
so the yardstick is, if anything, fast.

    PYTHONPATH=$PWD python benchmarks/lecture_sine.py [--model rnn] [--out DIR]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.train.lecture_loop import lecture_model, train_lecture_loop  # noqa: E402
from bench.tasks import get_task  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="rnn", help="mlp, rnn, lstm or gru (default rnn)")
    p.add_argument("--out", type=Path, default=Path("results/lecture"))
    a = p.parse_args()
    torch.set_num_threads(1)
    s = get_task("sine").settings("seed")
    data = get_task("sine").build(s, np.random.default_rng(s["data_seed"]))
    x, y = data.train.inputs(), data.train.targets  # (40, 10, 1), (40, 1)
    net = lecture_model(a.model, 1, s["hidden"], 1, s["window"], s["layers"])
    seconds, losses = train_lecture_loop(net, x, y, s["epochs"], s["batch_size"], s["lr"], s["optimizer"])
    predicted = list(x[0, :, 0].tolist())  # the notebook's drawing: from the first window, outputs fed back
    net.eval()
    with torch.no_grad():
        for _ in range(len(x)):
            predicted.append(net(torch.tensor(predicted[-s["window"]:]).reshape(1, -1, 1)).item())
    a.out.mkdir(parents=True, exist_ok=True)
    for name, curves in (("closed_loop", {"Correct": data.arrays["noisy"], "Predicted": predicted}),
                         ("loss", {"Train": losses})):
        fig, ax = plt.subplots()
        for label, values in curves.items():
            ax.plot(range(len(values)), values, label=label)
        ax.legend()
        fig.savefig(a.out / f"lecture_{a.model}_{name}.png")
        plt.close(fig)
    print(f"lecture loop, {a.model}: trained in {seconds:.2f} s; final loss {losses[-1]:.4f}")


if __name__ == "__main__":
    main()
