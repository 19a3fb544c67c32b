"""Train-step throughput: one optimiser step (forward, backward, update) of K = 16 stacked members
per model kind × hidden size × batch, as the training loop takes it; and the recurrent
implementations side by side (models/implementation.py; the figures are in docs/implementations.md)."""
import pytest
import torch

from bench.speed import train_flops
from bench.train.loop import gradients, member_losses
from bench.train.optim import make_optimizer
from conftest import record
from models import MODELS, BuildArgs
from models.recurrence import GATES

WINDOW, MEMBERS = 10, 16


def _step(kind: str, members: int, batch: int, hidden: int, features: int = 1, window: int = WINDOW,
          autograd: bool = False):
    net = MODELS[kind].build(BuildArgs(tuple(range(members)), features, features, window, hidden))
    opt = make_optimizer("sgd", list(net.parameters()), 1e-3)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(members, batch, window, features, generator=g)
    y = torch.randn(members, batch, features, generator=g)

    native_step = None if autograd else getattr(net, "mse_step", None)

    def step():
        gradients((x, y), lambda b: member_losses(net(b[0]), b[1], False), native_step, opt)
        opt.step()
    return step


@pytest.mark.parametrize("batch", [8, 64])
@pytest.mark.parametrize("hidden", [16, 64, 256])
@pytest.mark.parametrize("kind", ["mlp", "rnn", "lstm", "gru"])
def test_train_step(benchmark, kind, hidden, batch):
    benchmark.group = f"train step K={MEMBERS} T={WINDOW}: {kind}"
    flops = MEMBERS * batch * train_flops(kind, 1, 1, WINDOW, hidden, 2)
    benchmark.extra_info.update(samples_per_step=MEMBERS * batch, flops_per_step=flops)
    benchmark(_step(kind, MEMBERS, batch, hidden))
    record(benchmark, f"{kind} H={hidden} B={batch}", flops)


IMPLS = ["native", "native-autograd", "torch", "fused"]


def _impl_step(kind, members, batch, hidden, features, window, impl, monkeypatch):
    """native: the step without autograd (what training uses); native-autograd: the native network
    as one autograd node; torch: torch operations under autograd; fused: one framework kernel per member."""
    monkeypatch.setenv("SEQBENCH_IMPL", "native" if impl.startswith("native") else impl)
    return _step(kind, members, batch, hidden, features, window, autograd=impl != "native")


@pytest.mark.parametrize("members", [1, 16])
@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recurrent_impl(benchmark, kind, impl, members, monkeypatch):
    """The implementations of one step on a wider model (the images task's shape: 28 features,
    14 steps, batch 128, hidden 128)."""
    benchmark.group = f"impl {kind} K={members} B=128 T=14 F=28 H=128"
    benchmark(_impl_step(kind, members, 128, 128, 28, 14, impl, monkeypatch))


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recurrent_impl_seed_sizes(benchmark, kind, impl, monkeypatch):
    """The same, at the sine seed protocol's sizes (K = 16, batch 8, 10 steps, hidden 64)."""
    benchmark.group = f"impl {kind} K=16 B=8 T=10 F=1 H=64"
    benchmark(_impl_step(kind, MEMBERS, 8, 64, 1, WINDOW, impl, monkeypatch))


@pytest.mark.parametrize("impl", ["native", "torch"])
@pytest.mark.parametrize("batch", [32, 128])
@pytest.mark.parametrize("kind,hidden", [("lstm", 128), ("lstm", 256), ("gru", 256), ("rnn", 400), ("lstm", 400)])
def test_native_limit(benchmark, kind, hidden, batch, impl, monkeypatch):
    """Where the native step stops paying (models/implementation.MAX_WEIGHT_FLOATS, LARGE_BATCH):
    one member, the images task's input shape, growing W_hh, a small and a large batch."""
    benchmark.group = f"limit {kind} H={hidden} B={batch} (W_hh {4 * hidden * hidden * GATES[kind] // 1024} KB)"
    benchmark(_impl_step(kind, 1, batch, hidden, 28, 14, impl, monkeypatch))


@pytest.mark.parametrize("stack", ["split", "whole"])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_torch_stack_size(benchmark, kind, stack, monkeypatch):
    """The torch implementation with K = 16 members in stacks of at most STACK_ELEMENTS
    input-projection floats (split, the default) or in one stack (whole), at the images task's shape."""
    import models.recurrent
    if stack == "whole":
        monkeypatch.setattr(models.recurrent, "STACK_ELEMENTS", 1 << 40)
    benchmark.group = f"torch stacks {kind} K=16 B=128 T=14 F=28 H=128"
    benchmark(_impl_step(kind, MEMBERS, 128, 128, 28, 14, "torch", monkeypatch))
