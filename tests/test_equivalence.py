"""Stacked training of K members equals training each member alone: one matrix over every way a
member is trained (windowed networks on each implementation, the stateful regime, string models,
early stopping). Bit for bit where the native kernels train the whole member (they compute each
member by the same code whatever K is), else to float32 rounding."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
import torch

from bench.tasks import get_task
from bench.train.loop import train_members
from bench.train.settings import Stateful, TrainSettings
from bench.train.stateful import train_stateful
from bench.train.strings import string_set, train_strings
from bench.train.windows import chronological_split, series_windows, split_points
from models import BuildArgs, MODELS, native
from sequences.formal import formal_string

SEEDS = (3, 5, 11)
HAS_CC = shutil.which("cc") is not None


def _series() -> np.ndarray:
    rng = np.random.default_rng(0)
    return (np.sin(np.arange(120) * 0.3) + rng.normal(0, 0.3, 120)).astype(np.float32)


def _windowed(name: str, optimizer: str, clip, impl: str | None = None, alone_impl: str | None = None):
    """A windowed network on the noisy sine; impl forces the stack's implementation (the one
    trained alone takes alone_impl, else the same)."""
    ws = series_windows(_series(), 8)
    cfg = TrainSettings(epochs=2, lr=0.01, batch_size=8, optimizer=optimizer, clip=clip)

    def train(seeds, alone=False):
        net = MODELS[name].build(BuildArgs(tuple(seeds), 1, 1, 8, 12))
        chosen = alone_impl if alone and alone_impl else impl
        if chosen is not None:
            net.impl = chosen
        return net, train_members(net, ws, None, list(seeds), cfg)
    return train


def _early_stopping(name: str):
    """Patience 1: members stop at different epochs, the stopped ones frozen while the rest train on."""
    train_ws, val, _ = chronological_split(series_windows(_series(), 6), split_points(120, 0.6, 0.2))
    cfg = TrainSettings(epochs=40, lr=0.05, batch_size=8, optimizer="adam", patience=1)

    def train(seeds, alone=False):
        net = MODELS[name].build(BuildArgs(tuple(seeds), 1, 1, 6, 8))
        return net, train_members(net, train_ws, val, list(seeds), cfg)
    return train


def _stateful(kind: str):
    """The stateful regime on 3:2 blocks of two repeating decimals: streams, chunks, carried state."""
    t = get_task("concat-1_7-1_17-3x2")
    data = t.build({**t.settings("quick"), "window": 2, "n_points": 300}, np.random.default_rng(0))
    cfg = TrainSettings(epochs=3, lr=0.02, batch_size=12, optimizer="adam", patience=1, clip=0.5,
                        classification=True)
    args = dict(in_features=10, out_features=10, window=2, hidden=6, classification=True)

    def train(seeds, alone=False):
        net = MODELS[f"{kind}-stateful"].build(BuildArgs(tuple(seeds), **args))
        return net, train_stateful(net, data.train, data.val, list(seeds), cfg, Stateful(bptt=5, streams=3))
    return train


def _strings(name: str):
    """Many-to-many string models on aⁿbⁿ."""
    ss = string_set([formal_string("anbn", n) for n in range(1, 9)])
    cfg = TrainSettings(epochs=3, lr=0.01, batch_size=3, clip=1.0, classification=True)

    def train(seeds, alone=False):
        net = MODELS[name].build(BuildArgs(tuple(seeds), 4, 4, 4, 6, 2, True))
        return net, train_strings(net, ss, list(seeds), cfg, 4)
    return train


@dataclass(frozen=True)
class Case:
    trainer: Callable
    exact: bool = False  # bit for bit (the native kernels train the whole member)
    stops: bool = False  # members stop at different epochs: compare the stopping too


def _cases():
    for name in ("mlp", "rnn", "lstm", "gru"):
        for optimizer, clip in (("sgd", None), ("adam", 0.5)):
            yield f"{name}-{optimizer}-auto", Case(_windowed(name, optimizer, clip), exact=HAS_CC)
        if name != "mlp":
            yield f"{name}-adam-torch", Case(_windowed(name, "adam", 0.5, impl="torch"))
    yield "lstm-adam-fused", Case(_windowed("lstm", "adam", None, impl="fused", alone_impl="torch"))
    for name in ("mlp", "gru"):
        yield f"{name}-early-stopping", Case(_early_stopping(name), stops=True)
    for kind in ("rnn", "lstm", "gru"):
        yield f"{kind}-stateful", Case(_stateful(kind))
    for name in ("lstm", "mlp"):
        yield f"{name}-strings", Case(_strings(name))


CASES = dict(_cases())


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_stacked_equals_separate(case):
    c = CASES[case]
    if c.exact:
        assert native.library() is not None, native.why_not()
    stacked, log = c.trainer(SEEDS)
    assert log.steps >= 9
    if c.stops:
        assert len(set(log.epochs)) > 1  # members stopped at different epochs, so the check has teeth
    for k, seed in enumerate(SEEDS):
        alone, one = c.trainer((seed,), alone=True)
        if c.stops:
            assert (log.best_epoch[k], log.epochs[k]) == (one.best_epoch[0], one.epochs[0])
            assert log.train_loss[k, :log.epochs[k]] == pytest.approx(one.train_loss[0], rel=1e-4)
        for p, q in zip(stacked.parameters(), alone.parameters()):
            if c.exact:
                assert torch.equal(p[k], q[0]), case
            else:
                torch.testing.assert_close(p[k], q[0], atol=1e-5, rtol=0)
    first = next(stacked.parameters())
    assert (first[0] - first[1]).abs().max() > 1e-3  # the members differ, so the check is not vacuous
