"""A learning rate per walk-forward fold: the choice reads only its own fold's validation losses,
and a sweep's composed cell scores exactly the hand-composed forecasts."""
from types import SimpleNamespace

import numpy as np
import pytest

from bench.run.cell import _composed
from bench.run.config import CellConfig
from bench.store.fold_rates import KEY, choose, compose, fixed, fixed_text, swept, swept_text
from bench.store.rates import fingerprint, rate_settings, stored_rate
from bench.tasks import get_task
from stock_files import walk, yahoo

STOCK = get_task("stock")


def test_each_fold_takes_its_own_lowest_rate_and_ignores_later_folds():
    # scores (R=3 rates, n=2 seeds, F=3 folds)
    scores = np.array([[[1.0, 5.0, 2.0], [1.2, 5.0, 2.0]],
                       [[3.0, 1.0, 2.0], [3.0, 1.4, 2.0]],
                       [[2.0, 4.0, np.nan], [2.0, 4.0, 1.0]]])
    np.testing.assert_array_equal(choose(scores), [0, 1, 0])  # NaN loses; the tie at fold 3 to the smaller rate
    rng = np.random.default_rng(0)
    for _ in range(20):  # no look-ahead: later folds' losses never move an earlier fold's choice
        later = scores.copy()
        later[..., 1:] = rng.normal(0, 10, later[..., 1:].shape)
        assert choose(later)[0] == 0
        later[..., 2] = rng.normal(0, 10, later[..., 2].shape)
        later[..., :2] = scores[..., :2]
        np.testing.assert_array_equal(choose(later)[:2], [0, 1])


def test_compose_takes_each_fold_from_its_rate():
    pred = np.arange(4 * 7).reshape(4, 7)  # 2 rates x 2 seeds, 7 test days in folds of 3, 2, 2
    out = compose(pred, np.array([0, 3, 5]), np.array([1, 0, 1]), 2)
    np.testing.assert_array_equal(out, np.concatenate([pred[2:4, 0:3], pred[0:2, 3:5], pred[2:4, 5:7]], axis=1))


def test_the_setting_round_trips():
    assert fixed({KEY: fixed_text([0.001, 0.01])}) == (0.001, 0.01) and swept({KEY: fixed_text([0.1])}) is None
    assert swept({KEY: swept_text([0.1, 0.001])}) == (0.001, 0.1) and fixed({KEY: swept_text([0.1])}) is None
    assert fixed({}) is None and swept({}) is None


def test_a_composed_sweep_cell_scores_the_hand_composed_forecasts(tmp_path):
    """A made-up sweep: fold 1 prefers rate A, fold 2 rate B, fold 3 rate A again; every metric and
    array of the composed cell equals the task's scoring of the hand-composed forecasts."""
    s = STOCK.resolve({**STOCK.settings("quick"), "stock_csv": str(yahoo(tmp_path / "a.csv", walk(300, seed=1)))})
    data = STOCK.build(s, np.random.default_rng(0))
    rates, seeds = [0.001, 0.01], [0, 1]
    S = len(data.extra["true"])
    rng = np.random.default_rng(1)
    pred = data.extra["last"][None] * np.exp(rng.normal(0, 0.01, (4, S)))  # (rates x seeds, S)
    val = np.array([[1.0, 3.0, 1.0], [1.1, 3.2, 1.1],     # rate A, seeds 0 and 1
                    [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]])    # rate B
    log = SimpleNamespace(fold_selection=val, diverged=np.zeros(4, bool))
    cfg = CellConfig.make("stock", "gru", "quick", "cpu", {**s, KEY: swept_text(rates)})
    rec = _composed(cfg, seeds, rates, {"test_pred": pred}, log, {"params": 7}, data, {}, {}, STOCK)
    b1, b2 = data.arrays["fold_starts"][1:]
    hand = np.concatenate([pred[0:2, :b1], pred[2:4, b1:b2], pred[0:2, b2:]], axis=1)
    metrics, arrays = STOCK.score(hand, data, s)
    for i, seed in enumerate(seeds):
        for name, v in metrics.items():
            assert rec.metrics[seed][name] == pytest.approx(float(v[i]), nan_ok=True), name
        np.testing.assert_array_equal(rec.arrays[(seed, "test_pred")], hand[i])
        assert rec.metrics[seed]["val_score"] == pytest.approx(np.mean([val[i, 0], 2.0, val[i, 2]]))
    np.testing.assert_array_equal(rec.arrays[(-1, "fold_lr")], [0.001, 0.01, 0.001])
    np.testing.assert_allclose(rec.arrays[(-1, "fold_val")], [[1.05, 3.1, 1.05], [2, 2, 2]])
    assert set(rec.status.values()) == {"ok"}
    assert rec.metrics[0]["dm_p_vs_persistence"] != pytest.approx(STOCK.score(pred[0:2], data, s)[0]
                                                                  ["dm_p_vs_persistence"][0])


def test_a_sweep_plans_a_composed_cell_and_a_stored_entry_gives_rates_per_fold(tmp_path, monkeypatch):
    s = STOCK.resolve({**STOCK.settings("quick"), "stock_csv": str(yahoo(tmp_path / "a.csv", walk(300, seed=1)))})
    plan = rate_settings(STOCK, "L", "gru", True, "quick", s, (0.001, 0.01), False)
    assert [p.get(KEY) for p in plan] == [None, None, swept_text([0.001, 0.01])]
    lecture = {**s, "folds": None}
    assert all(KEY not in p for p in rate_settings(STOCK, "L", "gru", True, "quick", lecture, (0.001, 0.01), False))
    path = tmp_path / "rates.json"
    entry = {"lr": 0.01, "settings": fingerprint(s), "val": {"0.001": 1.0, "0.01": 0.5}, "seeds": 3}
    import json
    path.write_text(json.dumps({"profiles": {"quick": {"L": {"gru": {**entry, "fold_lr": [0.001, 0.01, 0.001]},
                                                             "mlp": entry}}}}))
    monkeypatch.setattr("bench.store.rates.RATES_FILE", path)
    assert stored_rate("quick", "L", "gru", {**s, KEY: "x"}) is not None  # the per-fold setting is not fingerprinted
    (gru,) = rate_settings(STOCK, "L", "gru", True, "quick", s, None, False)
    assert fixed(gru) == (0.001, 0.01, 0.001) and gru["lr"] == 0.01
    (mlp,) = rate_settings(STOCK, "L", "mlp", True, "quick", s, None, False)  # an older entry: one rate for all
    assert KEY not in mlp and mlp["lr"] == 0.01


def test_a_stock_sweep_composes_stores_per_fold_rates_and_a_plain_run_trains_them(tmp_path, monkeypatch, capsys):
    import json

    import pandas as pd

    from bench.store import rates
    from bench.cli import main
    path = tmp_path / "rates.json"
    monkeypatch.setattr(rates, "RATES_FILE", path)
    csv = yahoo(tmp_path / "p.csv", walk(300, seed=2))
    args = ["--task", "stock", "--model", "gru", "--stock-csv", str(csv), "--seeds", "2", "--epochs", "3",
            "--hidden", "4", "--executor", "local", "--no-figures"]
    assert main(["run", *args, "--lr-sweep", "0.001,0.03", "--out", str(tmp_path / "sw")]) == 0
    df = pd.read_csv(tmp_path / "sw" / "results.csv")
    gru = df[(df.model == "gru") & (df.metric == "mse")]
    assert len(gru) == 2  # the composed cell only, one row per seed
    assert "rates shown as a | b | c are per walk-forward fold" in (tmp_path / "sw" / "details.md").read_text()
    assert main(["rates", "--out", str(tmp_path / "sw")]) == 0
    assert "(one per fold)" in capsys.readouterr().out
    (entry,) = (e["gru"] for e in json.loads(path.read_text())["profiles"]["quick"].values())
    assert len(entry["fold_lr"]) == 3 and set(entry["fold_lr"]) <= {0.001, 0.03}
    assert set(entry["fold_val"]) == {"0.001", "0.03"} and all(len(v) == 3 for v in entry["fold_val"].values())
    # the same settings without a sweep: every fold at its stored rate, said in the report
    assert main(["run", *args, "--out", str(tmp_path / "plain")]) == 0
    report = (tmp_path / "plain" / "details.md").read_text()  # the protocol notes
    assert "selected on validation data by the stored sweep: gru " + " | ".join(
        f"{r:g}" for r in entry["fold_lr"]) in report
    # and trains exactly the sweep's composed forecasts (a member in a stack equals it alone)
    plain = pd.read_csv(tmp_path / "plain" / "results.csv")
    mse = [d[(d.model == "gru") & (d.metric == "mse")].sort_values("seed").value.to_numpy() for d in (df, plain)]
    np.testing.assert_allclose(mse[0], mse[1], rtol=1e-12)
