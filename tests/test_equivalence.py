"""Stacked training of K members equals training each member alone."""
import pytest
import torch

from bench.train import TrainSettings, train_members
from bench.windows import series_windows
from models import MODELS, BuildArgs

SEEDS = [3, 5, 11]


@pytest.mark.parametrize("name", ["mlp", "rnn", "lstm", "gru"])
@pytest.mark.parametrize("optimizer,clip", [("sgd", None), ("adam", 0.5)])
def test_stacked_equals_separate(name, optimizer, clip, noisy_series):
    ws = series_windows(noisy_series, 8)
    cfg = TrainSettings(epochs=2, lr=0.01, batch_size=8, optimizer=optimizer, clip=clip)
    stacked = MODELS[name].build(BuildArgs(tuple(SEEDS), 1, 1, 8, 12))
    log = train_members(stacked, ws, None, SEEDS, cfg)
    assert log.steps >= 20
    for k, seed in enumerate(SEEDS):
        alone = MODELS[name].build(BuildArgs((seed,), 1, 1, 8, 12))
        train_members(alone, ws, None, [seed], cfg)
        for p, q in zip(stacked.parameters(), alone.parameters()):
            torch.testing.assert_close(p[k], q[0], atol=1e-5, rtol=0)
    # Members really differ (different seeds), so the check above is not vacuous.
    first = next(stacked.parameters())
    assert (first[0] - first[1]).abs().max() > 1e-3


@pytest.mark.parametrize("impl", ["torch", "fused"])
@pytest.mark.parametrize("kind,module", [("rnn", torch.nn.RNN), ("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU)])
def test_cell_matches_torch(kind, module, impl):
    """Every step's hidden state and the final state, from a given initial state, are nn.RNN's,
    nn.LSTM's and nn.GRU's with the same weights."""
    from models.recurrent import Recurrent
    from models.stacked import member_generators
    r = Recurrent(kind, member_generators([0, 1]), 3, 5, 2, impl=impl)
    t = module(3, 5, batch_first=True)
    x = torch.randn(4, 6, 3)
    start = tuple(torch.randn(2, 4, 5) for _ in range(2 if kind == "lstm" else 1))
    hs, end = r.run(x.unsqueeze(0).expand(2, 4, 6, 3), start, every_step=True)
    for k in range(2):
        with torch.no_grad():
            t.weight_ih_l0.copy_(r.w_ih[k].T)
            t.weight_hh_l0.copy_(r.w_hh[k].T)
            t.bias_ih_l0.copy_(r.b_ih[k, 0])
            t.bias_hh_l0.copy_(r.b_hh[k, 0])
        s0 = tuple(s[k:k + 1] for s in start)  # (layers = 1, B, H)
        y, s1 = t(x, s0 if kind == "lstm" else s0[0])
        torch.testing.assert_close(hs[k], y, atol=1e-6, rtol=1e-5)
        for mine, theirs in zip(end, s1 if kind == "lstm" else (s1,)):
            torch.testing.assert_close(mine[k], theirs[0], atol=1e-6, rtol=1e-5)
