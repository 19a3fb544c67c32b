"""Benchmarks (pytest-benchmark): one torch thread, as each worker of the runner uses.

Run: python -m pytest benchmarks --benchmark-autosave
Gate: python -m pytest benchmarks --benchmark-compare --benchmark-compare-fail=median:15%
"""
import pytest
import torch

from bench.train.loop import warm_up

MEDIANS: dict[str, float] = {}  # benchmark name -> median seconds, for the summary below
FLOPS: dict[str, float] = {}  # train-step benchmark -> analytic FLOPs per step


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    warm_up()
    yield


def record(benchmark, key: str, flops: float | None = None) -> None:
    """Keep a finished benchmark's median for the summary printed at the end."""
    stats = getattr(benchmark, "stats", None)
    if stats is not None:
        MEDIANS[key] = stats.stats.median
        if flops is not None:
            FLOPS[key] = flops


def pytest_terminal_summary(terminalreporter):
    lines = []
    for kind in ("mlp", "rnn", "lstm", "gru"):
        cell, ref = MEDIANS.get(f"cell-{kind}"), MEDIANS.get(f"lecture-{kind}")
        if cell and ref:
            lines.append(f"sine seed protocol, {kind}: {ref:.2f} s per model (lecture loop) vs "
                         f"{cell:.2f} s for 16 stacked seeds end to end = {16 * ref / cell:.1f}x per model")
    if FLOPS:
        from bench.speed import matmul_rate
        rate = matmul_rate()
        lines.append(f"train steps: achieved FLOP/s (analytic FLOPs / median) as a share of this machine's "
                     f"single-thread 512x512 matmul, {rate / 1e9:.1f} GFLOP/s:")
        for key, flops in FLOPS.items():
            lines.append(f"  {key}: {flops / MEDIANS[key] / 1e9:6.2f} GFLOP/s = {flops / MEDIANS[key] / rate:6.1%}")
    if lines:
        terminalreporter.write_sep("-", "speed summary (medians)")
        for line in lines:
            terminalreporter.write_line(line)
