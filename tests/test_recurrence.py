"""The recurrence interface (Recurrent.run): the fused per-member kernels compute what the torch loop
computes, a state carried from chunk to chunk equals reading the whole sequence, and long stacks
split without changing a number."""
import pytest
import torch

from models.implementation import take_record
from models.recurrence import GATES
from models.recurrent import Recurrent
from models.stacked import member_generators


@pytest.mark.parametrize("kind", list(GATES))
def test_fused_kernels_match_the_torch_loop(kind):
    r = Recurrent(kind, member_generators([0, 1, 2]), 3, 5, 2)
    x = torch.randn(3, 4, 6, 3, generator=torch.Generator().manual_seed(2))
    outs, grads = [], []
    for impl in ("torch", "fused"):
        r.impl = impl
        y = r(x)
        assert take_record(r) == {impl}
        outs.append(y)
        grads.append(torch.autograd.grad(y.square().sum(), list(r.parameters())))
    torch.testing.assert_close(outs[0], outs[1], atol=1e-6, rtol=1e-5)
    for a, e in zip(*grads):
        torch.testing.assert_close(a, e, atol=1e-5, rtol=1e-4)


def _state(kind, K, B, H, seed):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(K, B, H, generator=g) for _ in range(2 if kind == "lstm" else 1))


@pytest.mark.parametrize("impl", ["torch", "fused"])
@pytest.mark.parametrize("kind", list(GATES))
def test_a_state_carried_between_chunks_reads_like_the_whole_sequence(kind, impl):
    r = Recurrent(kind, member_generators([0, 1]), 2, 6, 1, impl=impl)
    x = torch.randn(2, 3, 9, 2, generator=torch.Generator().manual_seed(3))
    start = _state(kind, 2, 3, 6, 4)
    whole, end = r.run(x, start, every_step=True)  # (K, B, T, H)
    assert whole.shape == (2, 3, 9, 6) and len(end) == len(start)
    first, mid = r.run(x[:, :, :4], start, every_step=True)
    last, end2 = r.run(x[:, :, 4:], mid)
    torch.testing.assert_close(first, whole[:, :, :4], atol=1e-6, rtol=0)
    torch.testing.assert_close(last, whole[:, :, -1], atol=1e-6, rtol=0)
    for a, b in zip(end, end2):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)
    torch.testing.assert_close(end[0], whole[:, :, -1])  # the state's h is the last hidden state
    zero, _ = r.run(x)
    assert not torch.allclose(zero, last)  # the state mattered
    assert take_record(r) == {impl}


@pytest.mark.parametrize("kind", list(GATES))
def test_the_state_is_differentiable(kind):
    r = Recurrent(kind, member_generators([0]), 2, 4, 1, impl="torch")
    start = tuple(s.requires_grad_() for s in _state(kind, 1, 3, 4, 5))
    h, _ = r.run(torch.randn(1, 3, 5, 2), start)
    grads = torch.autograd.grad(h.sum(), start)
    assert all(g.abs().max() > 0 for g in grads)


@pytest.mark.parametrize("with_state", [False, True])
def test_large_stacks_split_into_smaller_ones_with_the_same_numbers(monkeypatch, with_state):
    import models.recurrent as rec
    r = Recurrent("lstm", member_generators([0, 1, 2, 3, 4]), 2, 3, 1, impl="torch")
    x = torch.randn(5, 4, 6, 2, generator=torch.Generator().manual_seed(3))
    start = _state("lstm", 5, 4, 3, 6) if with_state else None
    whole, whole_end = r.run(x, start)
    weights = [r.w_ih, r.w_hh, r.b_ih, r.b_hh]
    g_whole = torch.autograd.grad(whole.sum(), weights)
    monkeypatch.setattr(rec, "STACK_ELEMENTS", 2 * 4 * 6 * 12)  # two members per stack: 2 + 2 + 1
    sizes = []
    inner = r._torch
    monkeypatch.setattr(r, "_torch", lambda x, *a: sizes.append(x.shape[0]) or inner(x, *a))
    split, split_end = r.run(x, start)
    assert sizes == [2, 2, 1]
    g_split = torch.autograd.grad(split.sum(), weights)
    torch.testing.assert_close(split, whole, atol=1e-7, rtol=0)
    for a, e in zip([*g_split, *split_end], [*g_whole, *whole_end]):
        torch.testing.assert_close(a, e, atol=1e-6, rtol=0)


