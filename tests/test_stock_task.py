"""The stock task: targets and their inverses, persistence under every target, the lecture's
protocol, planning-time checks, and an end-to-end run from a user's CSV through the CLI."""
import numpy as np
import pandas as pd
import pytest

from bench.cli import main
from bench.run.grids import GRID_TARGETS, get_grid
from bench.run.runner import cells_for, plan
from bench.tasks import get_task
from bench.train.targets import TARGETS, represent, to_price
from models import BuildArgs, MODELS
from sequences.stock import MARKETS, between, load_stock_csv, market_path
from stock_files import fred, kabuoji3, walk, yahoo

STOCK = get_task("stock")
FAST = ["--epochs", "2", "--hidden", "4", "--executor", "local", "--seeds", "2"]


@pytest.fixture(scope="module")
def sp500():
    return load_stock_csv(market_path("sp500")).values


@pytest.mark.parametrize("target", TARGETS)
def test_transform_round_trips_on_real_prices(sp500, target):
    w = np.lib.stride_tricks.sliding_window_view(sp500, 7)  # (S, 7): 6 inputs, then the next close
    r = represent(target, w)
    assert r.shape == w.shape
    np.testing.assert_allclose(to_price(target, r[:, -1], w[:, -2]), w[:, -1], rtol=1e-12)
    np.testing.assert_allclose(to_price(target, r[:, :-1].T, w[:, -2]).T, w[:, :-1], rtol=1e-12)
    if target != "level":  # "no change" sits at the last input
        assert np.all(r[:, -2] == (1.0 if target == "window-norm" else 0.0))


def _score(model_name: str, settings: dict):
    data = STOCK.build(settings, np.random.default_rng(0))
    model = MODELS[model_name].build(BuildArgs((0, 1), 1, 1, settings["window"], 4))
    model.fit(data.train.targets)
    return STOCK.evaluate(model, data, settings)


@pytest.mark.parametrize("profile", ["quick", "seed"])
def test_persistence_is_the_same_forecast_under_every_target(profile):
    runs = {t: _score("persistence", {**STOCK.settings(profile), "target": t}) for t in TARGETS}
    ref_metrics, ref_arrays = runs["level"]
    assert ref_metrics["mse_vs_persistence"][0] == 1.0
    assert ref_metrics["dm_stat_vs_persistence"][0] == 0.0
    assert ref_metrics["trade_count"][0] == 0 and ref_metrics["trade_return"][0] == 0  # no move: never trades
    for t, (m, a) in runs.items():
        for name in ("mse", "mae", "mse_vs_persistence", "direction_acc", "dm_p_vs_persistence",
                     "trade_sharpe_vs_hold"):
            np.testing.assert_array_equal(m[name], ref_metrics[name], err_msg=f"{t} {name}")
        np.testing.assert_array_equal(a["test_pred"], ref_arrays["test_pred"])


def test_mean_baseline_differs_by_target():
    """The mean is a different forecast per target (a price level vs a drift), unlike persistence."""
    level = _score("mean", {**STOCK.settings("quick"), "target": "level"})[0]["mse_vs_persistence"][0]
    logret = _score("mean", {**STOCK.settings("quick"), "target": "logret"})[0]["mse_vs_persistence"][0]
    assert level > 10 and 0.9 < logret < 1.1


def test_seed_profile_is_the_lecture():
    s = STOCK.settings("seed")
    assert (s["window"], s["hidden"], s["optimizer"], s["lr"], s["epochs"], s["batch_size"], s["shuffle"]) == \
        (6, 100, "adam", 0.01, 50, 32, False)
    assert (s["target"], s["scaler"], s["scaler_fit"], s["test"], s["val"]) == ("level", "minmax", "all", 0.3, 0.0)
    data = STOCK.build(s, np.random.default_rng(0))
    prices = between(load_stock_csv(market_path("sp500")), "2016-01-01", "2018-12-31").values
    n = len(prices)
    train_len = n - int(n * 0.3)  # the notebook's split
    assert len(data.train) == train_len - 6 and len(data.test) == n - train_len - 6 and data.val is None
    assert data.extra["folds"][0].scaler.shift == prices.min()  # fitted on the whole series: the leak
    assert "leaks" in data.protocol["scaler"]


def test_quick_profile_walks_forward_with_a_scaler_per_fold():
    s = STOCK.settings("quick")
    data = STOCK.build(s, np.random.default_rng(0))
    prices = between(load_stock_csv(market_path("sp500")), "2012-01-01", "2018-12-31").values
    n = len(prices)
    days, val = int(0.3 * n) // 3, int(0.1 * n)
    folds = data.extra["folds"]
    starts = [n - days - k * (days + val) for k in (2, 1, 0)]  # each test block after its own validation block
    assert [int(f.at[0]) for f in folds] == starts
    assert all(len(f.at) == days for f in folds)
    tested = np.concatenate([np.arange(b, b + days) for b in starts])
    for f, b in zip(folds, starts):
        before = np.arange(b - val)
        seen = prices[before[~np.isin(before, tested)]]
        assert f.scaler.shift == seen.min() and f.scaler.scale == seen.max() - seen.min()
        assert len(f.val) == val - 6
    np.testing.assert_array_equal(data.arrays["test_true"], prices[tested])  # every test day, once
    np.testing.assert_array_equal(data.arrays["fold_starts"], [0, days, 2 * days])
    assert "walk-forward" in data.protocol and data.protocol["scaler"].endswith("each fold's training part only")


def test_grid_assignment1_runs_every_model_and_target_on_both_markets():
    cells = plan(get_grid("assignment1").entries, "quick", "cpu", {})
    combos = {(c.config.model, c.config.settings_dict["market"], c.config.settings_dict["target"]) for c in cells}
    assert combos == {(m, k, t) for m in ("mlp", "rnn", "lstm", "gru", "persistence", "mean") for k in MARKETS
                      for t in GRID_TARGETS}
    assert set(TARGETS) - set(GRID_TARGETS) == {"diff"}  # on request: every variant becomes diff
    asked = plan(get_grid("assignment1").entries, "quick", "cpu", {"target": "diff"})
    assert {(c.config.settings_dict["market"], c.config.settings_dict["target"]) for c in asked} == \
        {(k, "diff") for k in MARKETS}
    assert {c.label for c in cells} >= {"stock (market=sp500, target=level)", "stock (market=nasdaq, target=logret)"}
    # Same settings otherwise: only the market, the target and the rates selected for them (per fold) differ.
    by_model = {}
    for c in cells:
        p = {k: v for k, v in c.config.settings_dict.items()
             if k not in ("target", "market", "stock_sha256", "lr", "fold_lr")}
        by_model.setdefault(c.config.model, []).append(p)
    assert all(all(p == ps[0] for p in ps) for ps in by_model.values())


def test_a_user_file_replaces_both_markets(tmp_path):
    f = yahoo(tmp_path / "prices.csv", walk(300))
    cells = plan(get_grid("assignment1").entries, "quick", "cpu", {"stock_csv": str(f)})
    assert len(cells) == 6 * len(GRID_TARGETS)
    assert {c.label for c in cells} == {f"stock (market=prices.csv, target={t})" for t in GRID_TARGETS}


def test_cell_key_follows_the_file_contents(tmp_path):
    f = yahoo(tmp_path / "y.csv", walk(120))
    key = lambda: {c.config.key for c in plan(cells_for(None, "stock", "gru"), "quick", "cpu",  # noqa: E731
                                              {"stock_csv": str(f)})}
    first = key()
    assert key() == first
    yahoo(f, walk(120, seed=9))
    assert key() != first


@pytest.mark.parametrize("writer", [yahoo, kabuoji3, fred])
def test_end_to_end_from_a_user_csv(tmp_path, capsys, writer):
    f = writer(tmp_path / "prices.csv", walk(150, seed=4, start=3000))
    out = tmp_path / "out"
    figs = [] if writer is yahoo else ["--no-figures"]
    assert main(["run", "--task", "stock", "--stock-csv", str(f), "--target", "logret", "--out", str(out)]
                + FAST + figs) == 0
    df = pd.read_csv(out / "results.csv")
    assert set(df.model) == {"mlp", "rnn", "lstm", "gru", "persistence", "mean"}
    assert set(df.task) == {"stock (market=prices.csv, target=logret)"}
    ratio = df[(df.metric == "mse_vs_persistence") & (df.model == "persistence")].value
    assert np.allclose(ratio, 1.0)
    assert {"direction_acc", "direction_acc_lo", "dm_stat_vs_persistence", "dm_p_vs_persistence"} <= set(df.metric)
    trade = {"trade_return", "trade_sharpe", "trade_max_drawdown", "trade_count", "trade_sharpe_vs_hold"}
    assert trade <= set(df.metric)
    md, report = (out / "results.md").read_text(), (out / "details.md").read_text()
    top = (out / "report.md").read_text()  # the answers name the user's file
    assert "**prices.csv: " in top and "`--stock-csv FILE`" not in top
    assert "dm_stat_vs_persistence" not in md  # per-seed test results are counted, not averaged over seeds
    for text in (md, report):  # the same walk-forward and trading evaluation as on the default markets
        assert "### Ratio to persistence by model × target (prices.csv)" in text
        assert "| fold 1: " in text and "| fold 3: " in text and "| DM p" in text
        assert "### Trading the forecasts after fees (prices.csv)" in text and "| buy-and-hold " in text
        assert "Buying and holding over these 45 test days turned 1 into" in text
    assert "prices.csv" in report and "- fold 3: train " in report  # the protocol names the file and the folds
    if not figs:
        for name in ("predictions", "equity"):
            assert (out / "figures" / f"stock_marketprices.csv_targetlogret_{name}.png").exists()


def _one_line_refusal(args, tmp_path, capsys, needle, path=None):
    out = tmp_path / "out"
    assert main(["run", "--out", str(out)] + args) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: " if path else "error: ") and needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()  # refused before the store is touched


@pytest.mark.parametrize("case", ["empty", "header only (yahoo)", "no close column", "non-numeric",
                                  "all missing (null)", "negative price", "utf-16", "binary garbage",
                                  "euc-jp kabuoji3", "directory", "missing file"])
def test_cli_refuses_a_malformed_file(tmp_path, capsys, case):
    from test_stock_loaders import MALFORMED
    make, needle = MALFORMED[case]
    (tmp_path / "in").mkdir()
    path = make(tmp_path / "in")
    _one_line_refusal(["--grid", "assignment1", "--stock-csv", str(path)], tmp_path, capsys, needle, path)


def test_cli_refuses_a_file_shorter_than_the_window(tmp_path, capsys):
    f = fred(tmp_path / "short.csv", walk(15))
    _one_line_refusal(["--task", "stock", "--stock-csv", str(f)], tmp_path, capsys,
                      f"{f}: 15 usable closes: 1 validation closes are too few for window 6")
    _one_line_refusal(["--task", "stock", "--stock-csv", str(f), "--profile", "seed"], tmp_path, capsys,
                      f"{f}: 15 usable closes: too few for window 6 (test part has 4 closes")  # the lecture's split
    g = fred(tmp_path / "ok.csv", walk(200))
    _one_line_refusal(["--task", "stock", "--stock-csv", str(g), "--window", "80"], tmp_path, capsys,
                      "20 validation closes are too few for window 80")


@pytest.mark.parametrize("args,needle", [
    (["--task", "stock", "--target", "price"], "argument --target: invalid choice: 'price'"),
    (["--grid", "sine", "--stock-csv", "x.csv"], "--stock-csv does not apply to any task of this run"),
    (["--task", "stock", "--stock-column", "Nope"], "no column 'Nope'; it has Open, High"),
    (["--task", "stock", "--profile", "seed", "--folds", "3"], "--folds: walk-forward fits a scaler on each fold's"),
    (["--task", "stock", "--profile", "seed", "--fold-days", "50"], "--fold-days needs --folds"),
    (["--task", "stock", "--folds", "0"], "argument --folds: --folds must be in [1, 1000], got '0'"),
    (["--task", "stock", "--fold-days", "800"], "3 folds of 800 closes after 176 validation closes leave 0 of 1760 "
                                                "closes to train the first fold on"),
    (["--task", "stock", "--fee", "20%"], "argument --fee: --fee must be in [0, 0.1] (10%), got '20%'"),
    (["--task", "stock", "--fee", "-0.1"], "argument --fee: --fee must be in [0, 0.1] (10%), got '-0.1'"),
    (["--task", "stock", "--fee", "nan"], "argument --fee: --fee must be in [0, 0.1] (10%), got 'nan'"),
    (["--task", "stock", "--fee", "x%"], "argument --fee: --fee must be a number or a percentage, got 'x%'"),
    (["--task", "stock", "--strategy", "short"], "argument --strategy: invalid choice: 'short'"),
    (["--grid", "sine", "--folds", "2"], "--folds does not apply to any task of this run"),
])
def test_cli_refuses_bad_stock_options(tmp_path, capsys, args, needle):
    _one_line_refusal(args, tmp_path, capsys, needle)


def test_cli_trading_and_fold_options_reach_the_settings():
    from bench.cli import build_parser, fee_arg
    assert fee_arg("0.1%") == pytest.approx(0.001) and fee_arg("0.002") == 0.002 and fee_arg(" 0 % ") == 0.0
    a = build_parser().parse_args(["run", "--task", "stock", "--fee", "0.25%", "--strategy", "long-short",
                                   "--folds", "4", "--fold-days", "100"])
    cells = plan(cells_for(None, "stock", "gru"), "quick", "cpu",
                 {"fee": a.fee, "strategy": a.strategy, "folds": a.folds, "fold_days": a.fold_days})
    s = cells[0].config.settings_dict
    assert (s["fee"], s["strategy"], s["folds"], s["fold_days"]) == (0.0025, "long-short", 4, 100)
    derived = plan(cells_for(None, "stock", "gru"), "quick", "cpu", {"folds": 4})[0].config.settings_dict
    assert derived["fold_days"] == int(0.3 * 1760) // 4  # pinned when planned
