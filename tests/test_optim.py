"""The lean optimisers update parameters bit-for-bit as torch.optim's foreach SGD and Adam do."""
import pytest
import torch

from bench.train.optim import make_optimizer

TORCH = {"sgd": lambda ps, lr: torch.optim.SGD(ps, lr=lr, foreach=True),
         "adam": lambda ps, lr: torch.optim.Adam(ps, lr=lr, foreach=True)}


@pytest.mark.parametrize("name,lr", [("sgd", 0.01), ("adam", 0.01), ("adam", 0.001)])
def test_updates_equal_torch_bit_for_bit(name, lr):
    g = torch.Generator().manual_seed(0)
    start = [torch.randn(4, 3, 5, generator=g), torch.randn(4, 1, 5, generator=g)]
    mine = [p.clone().requires_grad_() for p in start]
    ref = [p.clone().requires_grad_() for p in start]
    opt, ref_opt = make_optimizer(name, mine, lr), TORCH[name](ref, lr)
    for step in range(30):
        grads = [torch.randn(p.shape, generator=g) * (1 + step) for p in start]
        for ps in (mine, ref):
            for p, gr in zip(ps, grads):
                p.grad = gr.clone()
        opt.step()
        ref_opt.step()
        opt.zero_grad()
        assert all(p.grad is None for p in mine)
    moved = sum((a - b).abs().sum() for a, b in zip(mine, start))
    assert moved > 0.1
    for a, b in zip(mine, ref):
        assert torch.equal(a, b)


def test_unknown_optimizer_is_refused():
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'; choose from sgd, adam"):
        make_optimizer("rmsprop", [torch.zeros(1, requires_grad=True)], 0.1)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_per_member_rates_equal_lone_runs_bit_for_bit(name):
    """A stack whose members differ in rate updates each member exactly as a lone run at its rate."""
    rates = [0.1, 0.1, 0.003, 0.003, 0.02]
    g = torch.Generator().manual_seed(1)
    start = [torch.randn(5, 3, 4, generator=g), torch.randn(5, 1, 4, generator=g)]
    stack = [p.clone().requires_grad_() for p in start]
    alone = [[p[k:k + 1].clone().requires_grad_() for p in start] for k in range(5)]
    opt = make_optimizer(name, stack, rates)
    lone = [make_optimizer(name, ps, r) for ps, r in zip(alone, rates)]
    for step in range(20):
        grads = [torch.randn(p.shape, generator=g) for p in start]
        for p, gr in zip(stack, grads):
            p.grad = gr.clone()
        for k, ps in enumerate(alone):
            for p, gr in zip(ps, grads):
                p.grad = gr[k:k + 1].clone()
        opt.step()
        for o in lone:
            o.step()
    for k in range(5):
        for p, q in zip(stack, alone[k]):
            assert torch.equal(p[k:k + 1], q)
    assert not torch.equal(stack[0][0], stack[0][2])  # the rates really differ in effect


def test_rate_blocks():
    from bench.train.optim import rate_blocks
    assert rate_blocks(0.01, 4) == [(slice(None), 0.01)]
    assert rate_blocks([0.01] * 3, 3) == [(slice(None), 0.01)]
    assert rate_blocks([1, 1, 2, 1], 4) == [(slice(0, 2), 1.0), (slice(2, 3), 2.0), (slice(3, 4), 1.0)]
    with pytest.raises(ValueError, match="3 learning rates for 4 members"):
        rate_blocks([1, 2, 3], 4)
