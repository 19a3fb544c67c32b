"""`python -m bench speed`: training throughput per model kind, against the lecture's loop and
against this machine's measured matmul rate.

Work: a task's training windows under a profile (default: the sine task's seed profile, i.e. the
lecture's protocol: 40 windows of 10 steps, batch 8, SGD 0.01, hidden 64), trained for a few
epochs (a) by the suite, K seeds stacked in one model, and (b) by the lecture's loop, one model.
The two are run alternately (A B A B ...) in one process on one torch thread, and medians are
reported, so that a busy machine disturbs both alike.

FLOPs are counted analytically, per training sample, from the matrix products only (a
multiply-add is 2 FLOPs; element-wise gate math and bias adds are left out):

    recurrent:  forward = 2·T·G·H·(F + H) + 2·H·O        (G gates: rnn 1, gru 3, lstm 4)
    mlp:        forward = 2·(T·F·H + (L-1)·H·H + H·O)    (L hidden layers)
    training  = 3 × forward (backward: one product for the input gradient, one for the weights)

with T the window, F input features, H hidden units, O outputs. The reference rate is a
512×512 float32 matmul loop on one thread, best of several batches.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch

from bench.device import timed
from bench.run.config import train_settings
from bench.tasks import get_task
from bench.train.lecture_loop import lecture_model, train_lecture_loop
from bench.train.loop import train_members, warm_up
from models import BuildArgs, get_model, native
from models.recurrence import GATES

KINDS = ("mlp", "rnn", "lstm", "gru")


@dataclass(frozen=True)
class Workload:
    task: str = "sine"
    profile: str = "seed"
    seeds: int = 16  # members stacked
    epochs: int = 20
    hidden: int | None = None  # None: the profile's
    repeats: int = 3
    clock: str = "wall"  # "wall", or "cpu": this process's CPU time, steadier on a busy machine


@dataclass(frozen=True)
class SpeedRow:
    model: str
    stacked_s: float  # median seconds to train the K stacked members
    reference_s: float  # median seconds to train one model with the lecture's loop
    members: int
    samples: int  # training samples per member (windows × epochs)
    train_flops: float  # FLOPs per training sample
    matmul_rate: float  # FLOP/s

    @property
    def stacked_samples_per_s(self) -> float:
        return self.members * self.samples / self.stacked_s

    @property
    def reference_samples_per_s(self) -> float:
        return self.samples / self.reference_s

    @property
    def ratio(self) -> float:
        """How many times faster per model than the lecture's loop."""
        return self.stacked_samples_per_s / self.reference_samples_per_s

    @property
    def flop_rate(self) -> float:
        return self.stacked_samples_per_s * self.train_flops

    @property
    def matmul_fraction(self) -> float:
        return self.flop_rate / self.matmul_rate


def matmul_rate(size: int = 512, batches: int = 5, per_batch: int = 10, clock: str = "wall") -> float:
    """Single-thread float32 matmul FLOP/s on this machine (CPU): best of a few timed batches."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    out = torch.empty(size, size)
    torch.mm(a, b, out=out)  # warm up
    best = float("inf")
    for _ in range(batches):
        elapsed = _clock(clock, torch.device("cpu"))
        for _ in range(per_batch):
            torch.mm(a, b, out=out)
        best = min(best, elapsed())
    return 2 * size ** 3 * per_batch / best


def train_flops(model: str, in_features: int, out_features: int, window: int, hidden: int, layers: int) -> float:
    """Analytic FLOPs of one training sample (forward + backward), matrix products only."""
    T, F, H, O = window, in_features, hidden, out_features
    if model == "mlp":
        forward = 2 * (T * F * H + (layers - 1) * H * H + H * O)
    else:
        forward = 2 * T * GATES[model] * H * (F + H) + 2 * H * O
    return 3.0 * forward


def _settings(w: Workload) -> dict:
    s = get_task(w.task).settings(w.profile)
    s["epochs"] = w.epochs
    if w.hidden is not None:
        s["hidden"] = w.hidden
    return s


CLOCKS = ("wall", "cpu")


def _clock(name: str, device: torch.device):
    """t = _clock(...); ...; seconds = t(). cpu: process CPU time (CPU device only)."""
    if name == "wall":
        return timed(device)
    if device.type != "cpu":
        raise ValueError("the cpu clock times CPU work only; use the wall clock on a GPU")
    t0 = time.process_time()
    return lambda: time.process_time() - t0


def time_stacked(model: str, data, s: dict, seeds: list[int], device: torch.device, clock: str = "wall") -> float:
    """Seconds to train len(seeds) members stacked (build excluded), as a cell does."""
    net = get_model(model).build(BuildArgs(tuple(seeds), data.in_features, data.out_features, s["window"],
                                           s["hidden"], s["layers"], data.classification)).to(device)
    elapsed = _clock(clock, device)
    train_members(net, data.train, data.val, seeds, train_settings(s, data.classification))
    return elapsed()


def time_reference(model: str, data, s: dict, device: torch.device, clock: str = "wall") -> float:
    """Seconds to train one model with the lecture's loop on the same windows."""
    x, y = data.train.inputs(), data.train.targets
    net = lecture_model(model, data.in_features, s["hidden"], data.out_features, s["window"], s["layers"]).to(device)
    elapsed = _clock(clock, device)
    train_lecture_loop(net, x, y, s["epochs"], s["batch_size"], s["lr"], s["optimizer"])
    return elapsed()


def measure(models: tuple[str, ...], w: Workload, device: torch.device, rate: float | None = None) -> list[SpeedRow]:
    """Interleaved timings (reference, stacked, reference, stacked, ...) and their medians."""
    s = _settings(w)
    task = get_task(w.task)
    data = task.build(s, np.random.default_rng(s["data_seed"]))
    data.train = data.train.to(device)
    data.val = None  # training only: no validation passes, no early stopping
    s["patience"] = None
    warm_up()
    rate = rate if rate is not None else matmul_rate(clock=w.clock)
    seeds = list(range(w.seeds))
    rows = []
    for m in models:
        stacked, ref = [], []
        for _ in range(w.repeats):
            ref.append(time_reference(m, data, s, device, w.clock))
            stacked.append(time_stacked(m, data, s, seeds, device, w.clock))
        rows.append(SpeedRow(m, statistics.median(stacked), statistics.median(ref), w.seeds,
                             len(data.train) * w.epochs,
                             train_flops(m, data.in_features, data.out_features, s["window"], s["hidden"],
                                         s["layers"]), rate))
    return rows


def format_rows(rows: list[SpeedRow], w: Workload) -> str:
    from tabulate import tabulate
    head = ["model", "stacked samples/s", "lecture loop samples/s", "× per model", "GFLOP/s", "of matmul rate"]
    body = [[r.model, f"{r.stacked_samples_per_s:,.0f}", f"{r.reference_samples_per_s:,.0f}", f"{r.ratio:.1f}",
             f"{r.flop_rate / 1e9:.2f}", f"{r.matmul_fraction:.1%}"] for r in rows]
    rate = rows[0].matmul_rate if rows else float("nan")
    kernels = "native" if native.library() is not None else f"torch ({native.why_not()})"
    return (f"{w.task} ({w.profile} profile), {w.seeds} members stacked vs the lecture's loop (one model), "
            f"{w.epochs} epochs, medians of {w.repeats} interleaved runs, {w.clock} clock, 1 torch thread\n"
            f"CPU recurrence kernels: {kernels}\n"
            f"single-thread 512x512 float32 matmul: {rate / 1e9:.1f} GFLOP/s\n"
            + tabulate(body, head, tablefmt="github", disable_numparse=True))


def cmd_speed(a) -> int:
    """The CLI's `speed` subcommand: validate, measure on one torch thread, print the table."""
    from bench.device import resolve_device
    from bench.errors import UserError
    from bench.profiles import get_profile
    get_profile(a.profile)
    try:
        task = get_task(a.task)
        models = tuple(m for m in a.models.split(",") if m)
        for m in models:
            get_model(m)
            if m not in KINDS:
                raise ValueError(f"speed compares trainable models only; choose from {', '.join(KINDS)}")
        task.settings(a.profile)
    except ValueError as e:
        raise UserError(str(e)) from None
    device = resolve_device(a.device)
    torch.set_num_threads(1)
    if a.clock not in CLOCKS:
        raise UserError(f"unknown clock {a.clock!r}; choose from {', '.join(CLOCKS)}")
    if a.clock == "cpu" and device.type != "cpu":
        raise UserError("--clock cpu times CPU work only; use --clock wall with --device cuda")
    w = Workload(a.task, a.profile, a.seeds, a.epochs, a.hidden, a.repeats, a.clock)
    print(format_rows(measure(models, w, device), w))
    return 0
