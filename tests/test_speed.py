"""The speed command's pieces: the FLOP formula, the lecture's loop, block gathering, the CLI."""
import pytest
import torch

import bench.train.loop as train_mod
from bench.cli import main
from bench.speed import SpeedRow, train_flops
from bench.train.lecture_loop import lecture_model, train_lecture_loop
from bench.train.loop import warm_up
from bench.train.windows import series_windows


def test_flops_formula_on_known_sizes():
    # rnn: 3 · (2·T·G·H·(F + H) + 2·H·O) with T=10, G=1, H=64, F=1, O=1
    assert train_flops("rnn", 1, 1, 10, 64, 2) == 3 * (2 * 10 * 64 * 65 + 2 * 64)
    assert train_flops("lstm", 1, 1, 10, 64, 2) == 3 * (2 * 10 * 4 * 64 * 65 + 2 * 64)
    # mlp: 3 · 2 · (T·F·H + (L-1)·H·H + H·O)
    assert train_flops("mlp", 1, 1, 10, 64, 2) == 3 * 2 * (640 + 64 * 64 + 64)


def test_speed_row_ratios():
    r = SpeedRow("rnn", stacked_s=2.0, reference_s=4.0, members=16, samples=100, train_flops=1e6, matmul_rate=1e9)
    assert r.stacked_samples_per_s == 800 and r.reference_samples_per_s == 25
    assert r.ratio == 32 and r.matmul_fraction == pytest.approx(0.8)


@pytest.mark.parametrize("kind", ["mlp", "rnn", "lstm", "gru"])
def test_lecture_loop_learns_the_sine(kind, noisy_series):
    ws = series_windows(noisy_series, 10)
    warm_up()
    torch.manual_seed(0)
    net = lecture_model(kind, 1, 16, 1, 10, 2)
    seconds, losses = train_lecture_loop(net, ws.inputs(), ws.targets, 8, 16, 0.02, "adam")
    assert seconds > 0 and len(losses) == 8
    assert losses[-1] < 0.5 * losses[0]


@pytest.mark.parametrize("elements", [2 * 5 * 7, 1 << 21])  # blocks of one batch, or all in one block
def test_steps_are_whole_batches_in_permutation_order(noisy_series, monkeypatch, elements):
    ws = series_windows(noisy_series, 5)
    perm = torch.stack([torch.randperm(len(ws), generator=torch.Generator().manual_seed(s)) for s in (0, 1)])
    monkeypatch.setattr(train_mod, "GATHER_ELEMENTS", elements)
    steps = list(train_mod._gathered(ws, perm, 4))
    assert [size for _, size in steps[:-1]] == [4] * (len(steps) - 1)
    assert len(steps) == -(-len(ws) // 4)
    assert all(x.shape[1] == size == y.shape[1] for (x, y), size in steps)
    xs = torch.cat([x for (x, _), _ in steps], dim=1)
    ys = torch.cat([y for (_, y), _ in steps], dim=1)
    assert torch.equal(xs, ws.inputs(perm)) and torch.equal(ys, ws.targets[perm])


def test_speed_command_prints_a_row_per_model(capsys):
    assert main(["speed", "--models", "rnn,mlp", "--epochs", "1", "--repeats", "1", "--seeds", "2",
                 "--hidden", "8", "--clock", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "GFLOP/s" in out and "sine (seed profile), 2 members stacked" in out
    rows = [line for line in out.splitlines() if line.startswith("| rnn") or line.startswith("| mlp")]
    assert len(rows) == 2


@pytest.mark.parametrize("args,needle", [
    (["--models", "persistence"], "speed compares trainable models only; choose from mlp, rnn, lstm, gru"),
    (["--models", "transformer"], "unknown model 'transformer'"),
    (["--clock", "sundial"], "unknown clock 'sundial'; choose from wall, cpu"),
    (["--profile", "huge"], "unknown profile 'huge'"),
])
def test_speed_user_errors(args, needle, capsys):
    assert main(["speed"] + args) == 1
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1
