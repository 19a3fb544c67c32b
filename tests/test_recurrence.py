"""The hand-written backward and the per-member fused kernels compute what autograd does."""
import pytest
import torch

from bench.train import TrainSettings, train_members
from bench.windows import series_windows
from models import MODELS, BuildArgs
from models.recurrence import GATES, eager_last_hidden, last_hidden
from models.recurrent import Recurrent, choose_impl
from models.stacked import member_generators


def _inputs(kind, dtype, K=3, T=5, B=4, H=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    G = GATES[kind] * H
    xp = torch.randn(K, T, B, G, generator=g, dtype=dtype).requires_grad_()
    w = (0.5 * torch.randn(K, H, G, generator=g, dtype=dtype)).requires_grad_()
    b = torch.randn(K, 1, G, generator=g, dtype=dtype).requires_grad_()
    return xp, w, b


@pytest.mark.parametrize("kind", list(GATES))
@pytest.mark.parametrize("dtype,tol", [(torch.float64, 1e-12), (torch.float32, 2e-6)])
def test_hand_written_backward_matches_autograd(kind, dtype, tol):
    xp, w, b = _inputs(kind, dtype)
    mine, ref = last_hidden(kind, xp, w, b), eager_last_hidden(kind, xp, w, b)
    torch.testing.assert_close(mine, ref, atol=tol, rtol=0)
    up = torch.randn(mine.shape, generator=torch.Generator().manual_seed(1), dtype=dtype)
    for a, e in zip(torch.autograd.grad(mine, (xp, w, b), up), torch.autograd.grad(ref, (xp, w, b), up)):
        assert a.abs().max() > 1e-3  # gradients are not trivially zero
        torch.testing.assert_close(a, e, atol=tol * 10, rtol=0)


def test_gradcheck_rnn_in_double():
    xp, w, b = _inputs("rnn", torch.float64, K=2, T=3, B=2, H=3)
    assert torch.autograd.gradcheck(lambda *a: last_hidden("rnn", *a), (xp, w, b))


def test_no_grad_path_is_the_same_function():
    xp, w, b = _inputs("lstm", torch.float32)
    with torch.no_grad():
        plain = last_hidden("lstm", xp, w, b)
    torch.testing.assert_close(plain, last_hidden("lstm", xp, w, b).detach(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("kind", list(GATES))
def test_fused_kernels_match_the_stacked_recurrence(kind):
    r = Recurrent(kind, member_generators([0, 1, 2]), 3, 5, 2, impl="stacked")
    x = torch.randn(3, 4, 6, 3, generator=torch.Generator().manual_seed(2))
    outs, grads = [], []
    for impl in ("stacked", "fused"):
        r.impl = impl
        y = r(x)
        outs.append(y)
        grads.append(torch.autograd.grad(y.square().sum(), list(r.parameters())))
    torch.testing.assert_close(outs[0], outs[1], atol=1e-6, rtol=1e-5)
    for a, e in zip(*grads):
        torch.testing.assert_close(a, e, atol=1e-5, rtol=1e-4)


def test_fused_training_keeps_members_separate(noisy_series):
    ws = series_windows(noisy_series, 6)
    cfg = TrainSettings(epochs=2, lr=0.01, batch_size=8, optimizer="adam")
    stacked = MODELS["lstm"].build(BuildArgs((3, 5), 1, 1, 6, 8))
    stacked.impl = "fused"
    train_members(stacked, ws, None, [3, 5], cfg)
    alone = MODELS["lstm"].build(BuildArgs((5,), 1, 1, 6, 8))
    alone.impl = "stacked"
    train_members(alone, ws, None, [5], cfg)
    for p, q in zip(stacked.parameters(), alone.parameters()):
        torch.testing.assert_close(p[1], q[0], atol=1e-5, rtol=0)


def test_auto_never_depends_on_members_and_uses_cudnn_for_wide_layers():
    assert choose_impl(64, "cpu") == choose_impl(1024, "cpu") == "stacked"
    assert choose_impl(400, "cuda") == "fused"
    assert choose_impl(64, "cuda") == "stacked"
    with pytest.raises(ValueError, match="unknown implementation 'cudnn'; choose from auto, stacked, fused"):
        Recurrent("gru", member_generators([0]), 1, 4, 1, impl="cudnn")


def test_large_stacks_split_into_smaller_ones_with_the_same_numbers(monkeypatch, torch_recurrence):
    import models.recurrent as rec
    r = Recurrent("gru", member_generators([0, 1, 2, 3, 4]), 2, 3, 1)
    x = torch.randn(5, 4, 6, 2, generator=torch.Generator().manual_seed(3))
    whole = r(x)
    g_whole = torch.autograd.grad(whole.sum(), list(r.parameters()))
    monkeypatch.setattr(rec, "STACK_ELEMENTS", 2 * 4 * 6 * 9)  # two members per stack: 2 + 2 + 1
    sizes = []
    inner = r._stacked
    monkeypatch.setattr(r, "_stacked", lambda x, *w: sizes.append(x.shape[0]) or inner(x, *w))
    split = r(x)
    assert sizes == [2, 2, 1]
    g_split = torch.autograd.grad(split.sum(), list(r.parameters()))
    torch.testing.assert_close(split, whole, atol=1e-7, rtol=0)
    for a, e in zip(g_split, g_whole):
        torch.testing.assert_close(a, e, atol=1e-6, rtol=0)


@pytest.mark.parametrize("kind", ["rnn", "lstm"])
def test_stacked_training_is_bit_identical_to_separate_on_cpu(kind, noisy_series):
    ws = series_windows(noisy_series, 6)
    cfg = TrainSettings(epochs=1, lr=0.01, batch_size=8, optimizer="adam", clip=0.5)
    stacked = MODELS[kind].build(BuildArgs((3, 5, 7), 1, 1, 6, 8))
    train_members(stacked, ws, None, [3, 5, 7], cfg)
    alone = MODELS[kind].build(BuildArgs((5,), 1, 1, 6, 8))
    train_members(alone, ws, None, [5], cfg)
    assert all(torch.equal(p[1], q[0]) for p, q in zip(stacked.parameters(), alone.parameters()))
