"""Train-step throughput: one optimiser step (forward, backward, update) of K = 16 stacked members
per model kind × hidden size × batch, and the two recurrent implementations side by side."""
import pytest
import torch

from bench.speed import train_flops
from bench.train import make_optimizer, member_losses
from conftest import record
from models import MODELS, BuildArgs

WINDOW, MEMBERS = 10, 16


def _step(kind: str, members: int, batch: int, hidden: int, features: int = 1, window: int = WINDOW,
          impl: str | None = None):
    net = MODELS[kind].build(BuildArgs(tuple(range(members)), features, features, window, hidden))
    if impl is not None:
        net.impl = impl
    opt = make_optimizer("sgd", list(net.parameters()), 1e-3)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(members, batch, window, features, generator=g)
    y = torch.randn(members, batch, features, generator=g)

    def step():
        losses = member_losses(net(x), y, False)
        opt.zero_grad(set_to_none=True)
        losses.sum().backward()
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


@pytest.mark.parametrize("members", [1, 16])
@pytest.mark.parametrize("impl", ["stacked", "fused"])
@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_recurrent_impl(benchmark, kind, impl, members):
    """The hand-written stacked recurrence against one fused framework kernel per member, on a
    wider model (the images task's shape: 28 features, 14 steps, batch 128, hidden 128)."""
    benchmark.group = f"impl {kind} K={members} B=128 T=14 F=28 H=128"
    benchmark(_step(kind, members, 128, 128, features=28, window=14, impl=impl))
