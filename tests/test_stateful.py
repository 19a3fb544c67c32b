"""The stateful regime: a carried state equals one long pass, no forecast reads its own target or
anything after it, stacked members train as they would alone, and the plan and CLI carry `bptt`."""
import math

import numpy as np
import pytest
import torch

from bench.cli import main
from bench.run.grids import Entry, GRIDS
from bench.run.runner import plan
from bench.tasks import get_task
from bench.train.loop import predict
from bench.train.settings import Stateful, TrainSettings
from bench.train.stateful import batchify, train_stateful, training_stream
from models import BuildArgs, MODELS, stateful as stateful_module
from models.stacked import member_generators
from models.stateful import StatefulRecurrent, carries_state

KINDS = ("rnn", "lstm", "gru")
TASK = "concat-1_7-1_17-3x2"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path / "cache"))


def _model(kind: str, seeds=(0, 1), features: int = 3, hidden: int = 5) -> StatefulRecurrent:
    return StatefulRecurrent(kind, member_generators(list(seeds)), features, hidden, 2)


@pytest.mark.parametrize("kind", KINDS)
def test_carried_state_equals_one_long_pass(kind):
    torch.manual_seed(0)
    m = _model(kind)
    x = torch.randn(2, 3, 40, 3)  # (K, B, T, F)
    full, final = m(x)  # (h,) for rnn and gru, (h, c) for lstm
    h, c = final[0], final[-1]
    parts, state = [], None
    for lo, hi in ((0, 7), (7, 8), (8, 29), (29, 40)):
        y, state = m(x[:, :, lo:hi], tuple(s.detach() for s in state) if state else None)
        parts.append(y)
    torch.testing.assert_close(torch.cat(parts, 2), full, atol=1e-5, rtol=0)
    torch.testing.assert_close(state[0], h, atol=1e-5, rtol=0)
    if kind == "lstm":
        torch.testing.assert_close(state[1], c, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", KINDS)
def test_same_weights_and_equations_as_the_windowed_model(kind):
    """From a zero state, the last output over a window is the windowed model's forecast."""
    m = _model(kind)
    windowed = MODELS[kind].build(BuildArgs((0, 1), 3, 2, 12, 5))
    for p, q in zip(m.net.parameters(), windowed.parameters()):
        assert torch.equal(p, q)
    x = torch.randn(2, 4, 12, 3)
    torch.testing.assert_close(m(x)[0][:, :, -1], windowed(x), atol=1e-5, rtol=1e-5)


def test_reading_in_chunks_equals_reading_at_once(monkeypatch):
    m = _model("gru")
    base = torch.randn(1, 50, 3)
    pos = torch.tensor([1, 17, 30, 49])
    seq = torch.zeros_like(pos)
    whole = m.outputs_at(base, seq, pos)
    monkeypatch.setattr(stateful_module, "READ_CHUNK", 6)
    torch.testing.assert_close(m.outputs_at(base, seq, pos), whole, atol=1e-5, rtol=0)
    ys, _ = m(base[:, :48].unsqueeze(0).expand(2, 1, 48, 3))
    torch.testing.assert_close(whole[:, 1], ys[:, 0, 16], atol=1e-6, rtol=0)  # output p - 1 forecasts p


def _data(window: int = 2, n_points: int = 400):
    t = get_task(TASK)
    s = {**t.settings("quick"), "window": window, "n_points": n_points}
    return t, s, t.build(s, np.random.default_rng(0))


def _positions(ws):
    return (ws.start + ws.window).numpy()


def test_forecasts_never_read_their_target_or_later():
    """Poison everything from the first test target on with NaN: validation forecasts and the
    first test forecast are unchanged (the burn-in stops before the test targets); poison from
    the first validation target on: the training stream is unchanged."""
    _, _, data = _data()
    m = _model("gru", features=10, hidden=6)
    m.net.head = MODELS["gru"].build(BuildArgs((0, 1), 10, 10, 2, 6)).head  # 10 classes out
    clean_val, clean_test = predict(m, data.val), predict(m, data.test)
    first_test = int(_positions(data.test).min())
    poisoned = data.test.base.clone()
    poisoned[:, first_test:] = float("nan")
    data.val.base = data.test.base = poisoned
    assert torch.equal(predict(m, data.val), clean_val)
    test = predict(m, data.test)
    assert torch.equal(test[:, 0], clean_test[:, 0]) and torch.isnan(test[:, 1:]).all()
    x, y = training_stream(data.train)
    first_val = int(_positions(data.val).min())
    poisoned = data.train.base.clone()
    poisoned[:, first_val:] = float("nan")
    data.train.base = poisoned
    x2, y2 = training_stream(data.train)
    assert torch.equal(x, x2) and torch.equal(y, y2) and torch.isfinite(x2).all()


def test_training_and_validation_never_read_the_test_part():
    """Train with every value from the first test target on replaced by NaN: every training and
    validation loss stays finite, so neither the streams nor the burn-in reach a test target."""
    _, s, data = _data()
    first_test = int(_positions(data.test).min())
    poisoned = data.train.base.clone()
    poisoned[:, first_test:] = float("nan")
    for ws in (data.train, data.val, data.test):
        ws.base = poisoned
    m = MODELS["gru-stateful"].build(BuildArgs((0,), 10, 10, 2, 6, classification=True))
    cfg = TrainSettings(epochs=2, lr=0.01, batch_size=16, patience=1, classification=True)
    log = train_stateful(m, data.train, data.val, [0], cfg, Stateful(bptt=4, streams=4))
    assert np.isfinite(log.train_loss).all() and np.isfinite(log.val_loss).all() and log.val_loss.shape == (1, 2)


def test_training_stream_is_the_windowed_training_targets_as_streams():
    _, _, data = _data(window=3)
    x, y = training_stream(data.train)
    pos = _positions(data.train)
    assert torch.equal(y, data.train.targets) and len(x) == len(pos)
    assert torch.equal(x.argmax(-1), data.train.base[0, pos - 1].argmax(-1))  # the value before each target
    xs, ys = batchify(x, y, 4)
    n = len(y) // 4
    assert xs.shape == (4, n, 10) and torch.equal(ys[1], y[n:2 * n])  # contiguous streams
    with pytest.raises(ValueError, match="consecutive positions of a single sequence"):
        training_stream(data.train.subset(np.array([0, 2, 3])))


def test_registry_and_plan_give_bptt_to_stateful_cells_only():
    assert all(carries_state(MODELS[f"{k}-stateful"].build(BuildArgs((0,), 1, 1, 4, 3))) for k in KINDS)
    assert not carries_state(MODELS["gru"].build(BuildArgs((0,), 1, 1, 4, 3)))
    cells = plan((Entry(TASK, ("mlp", "gru", "gru-stateful"), ({"window": 2},)),), "quick", "cpu", {"bptt": 7})
    params = {c.config.model: c.config.settings_dict for c in cells}
    assert params["gru-stateful"]["bptt"] == 7 and "bptt" not in params["mlp"] and "bptt" not in params["gru"]
    regimes = {c.config.model: c.config.stateful for c in cells}  # what the training loop reads
    assert regimes == {"mlp": None, "gru": None, "gru-stateful": Stateful(bptt=7, streams=Stateful().streams)}
    default = plan((Entry(TASK, ("mlp", "gru-stateful")),), "quick", "cpu", {})
    assert {c.config.model: c.config.settings_dict.get("bptt") for c in default} == \
        {"mlp": None, "gru-stateful": Stateful().bptt}
    windowed_keys = {c.config.key for c in cells if c.config.model != "gru-stateful"}
    assert windowed_keys == {c.config.key for c in plan((Entry(TASK, ("mlp", "gru"), ({"window": 2},)),),
                                                        "quick", "cpu", {})}


def test_assignment2_grid_has_stateful_rows_and_a_task_beyond_every_window():
    entries = GRIDS["assignment2"].entries
    for e in entries:
        assert {"rnn-stateful", "lstm-stateful", "gru-stateful"} <= set(get_task(e.task).models)
    windows = [v["window"] for e in entries for v in e.variants]
    minimal = {e.task: int(get_task(e.task).build({**get_task(e.task).settings("quick"), "window": 2},
                                                  np.random.default_rng(0)).arrays.get("minimal_window", [0])[0])
               for e in entries if e.task.startswith("concat")}
    assert any(k > max(windows) for k in minimal.values()), minimal


@pytest.mark.parametrize("args,needle", [
    (["--bptt", "0"], "--bptt must be in [1, 100000]"),
    (["--bptt", "x"], "--bptt must be an integer"),
    (["--bptt", "8", "--model", "mlp"], "--bptt does not apply"),
])
def test_bptt_bad_input_is_one_line(args, needle, capsys, tmp_path):
    assert main(["run", "--task", TASK, "--out", str(tmp_path), *args]) == 1
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_periodic_cell_floors_and_table(tmp_path):
    """A stateful cell is held to the whole past's floors (always right on a periodic sequence),
    shown in its own floor row, and never flagged for beating the window's bound."""
    out = tmp_path / "one"
    assert main(["run", "--task", TASK, "--window", "2", "--model", "gru-stateful", "--seeds", "2", "--epochs", "2",
                 "--hidden", "8", "--executor", "local", "--out", str(out), "--no-figures"]) == 0
    lines = (out / "results.md").read_text().splitlines()
    floor = next(line for line in lines if line.startswith("| floor (whole past)"))
    assert [c.strip() for c in floor.split("|")[3:5]] == ["1", "0"]
    row = next(line for line in lines if line.startswith("| gru-stateful "))
    acc = float(row.split("|")[3].split()[0])
    assert 0.0 <= acc <= 1.0 and math.isfinite(acc) and "beats floor" not in row


def test_regime_settings_and_overrides():
    """A task's "stateful.X" sets X for stateful cells only; the command line overrides both."""
    t = get_task(TASK)
    assert t.settings("quick")["stateful.epochs"] < t.settings("quick")["epochs"]
    cells = {c.config.model: c.config.settings_dict for c in plan((Entry(TASK, ("mlp", "gru-stateful")),), "quick", "cpu", {})}
    assert cells["gru-stateful"]["epochs"] == t.settings("quick")["stateful.epochs"]
    assert cells["mlp"]["epochs"] == t.settings("quick")["epochs"]
    assert not any("." in k for s in cells.values() for k in s)
    forced = plan((Entry(TASK, ("mlp", "gru-stateful")),), "quick", "cpu", {"epochs": 3})
    assert {c.config.settings_dict["epochs"] for c in forced} == {3}


def test_stateful_models_run_only_where_a_task_lists_them(capsys, tmp_path):
    assert plan((Entry("sine", ("gru-stateful", "gru")),), "quick", "cpu", {})[0].config.model == "gru"
    assert main(["run", "--task", "sine", "--model", "gru-stateful", "--out", str(tmp_path), "--dry-run"]) == 1
    assert "does not apply to task 'sine'" in capsys.readouterr().err


def test_window_figure_draws_stateful_models_flat(tmp_path):
    import pandas as pd
    from reports.window_study import plot_metric_vs_window, window_table
    rows = [dict(task="concat", window=w, model=m, seed=s, value=v, bound=b, minimal_window=4.0)
            for w, b in ((2, 0.8), (8, 1.0)) for s in range(2)
            for m, v in (("mlp", b), ("gru-stateful", 0.99 + 0.005 * s))]
    frame = pd.DataFrame(rows)
    header, table = window_table(frame, ["mlp", "gru-stateful"])
    assert header[-1] == "gru-stateful" and table[0][-1].startswith("0.9925 ± ")
    import matplotlib.pyplot as plt
    seen = []
    original = plt.Axes.axhline
    plt.Axes.axhline = lambda ax, y, **kw: seen.append((y, kw.get("label"))) or original(ax, y, **kw)
    try:
        paths = plot_metric_vs_window(frame, "test accuracy", tmp_path / "w", "t", ["mlp", "gru-stateful"],
                                      flat=("gru-stateful",))
    finally:
        plt.Axes.axhline = original
    assert seen == [(pytest.approx(0.9925), "gru-stateful (no window)")]
    assert all(p.stat().st_size > 0 for p in paths)
