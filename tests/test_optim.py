"""The lean optimisers update parameters bit-for-bit as torch.optim's foreach SGD and Adam do."""
import pytest
import torch

from bench.optim import make_optimizer

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
