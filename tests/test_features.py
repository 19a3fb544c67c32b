"""Economic features: aligned by date without look-ahead, refused when they do not cover the
closes, scaled on training days only, read by the models as extra input columns; bad input is one line."""
import math

import numpy as np
import pytest

from bench.cli import main
from bench.tasks import get_task
from bench.tasks.stock_windows import scale_features
from sequences.features import Dated, align, parse_features
from sequences.series import SequenceError

STOCK = get_task("stock")
FAST = ["--epochs", "2", "--hidden", "4", "--executor", "local", "--seeds", "2", "--no-figures"]
D = np.arange(np.datetime64("2020-01-06"), np.datetime64("2020-01-11"))  # Mon..Fri


def _dated(close_utc: float) -> Dated:
    return Dated(D, np.arange(5.0), close_utc, "test")


def test_a_later_closing_source_gives_the_day_before():
    """Tokyo (06:00 UTC) forecasting at its close knows New York's close (21:00) of the day before only."""
    np.testing.assert_array_equal(align(_dated(21.0), D[1:], 6.0, "x"), [0, 1, 2, 3])
    np.testing.assert_array_equal(align(_dated(6.0), D[1:], 21.0, "x"), [1, 2, 3, 4])  # earlier close: same day
    np.testing.assert_array_equal(align(_dated(21.0), D[1:], None, "x"), [0, 1, 2, 3])  # unknown hour: before


def test_a_holiday_of_the_source_keeps_its_last_known_value():
    f = Dated(D[[0, 1, 3, 4]], np.array([0.0, 1.0, 3.0, 4.0]), 6.0, "test")
    np.testing.assert_array_equal(align(f, D, 21.0, "x"), [0, 1, 1, 3, 4])


@pytest.mark.parametrize("dates, needle", [
    (np.arange(np.datetime64("2020-01-01"), np.datetime64("2020-01-08")), "nothing is known at the first close"),
    (np.arange(np.datetime64("2020-01-08"), np.datetime64("2020-01-30")), "days old at 2020-01-18"),
])
def test_a_feature_that_does_not_cover_the_closes_is_refused(dates, needle):
    with pytest.raises(SequenceError, match=needle):
        align(_dated(6.0), dates, 21.0, "x")


def test_feature_scalers_see_the_training_days_only():
    x = np.column_stack([np.arange(100.0), np.arange(100.0) ** 2])
    s = scale_features(x, 60)
    np.testing.assert_allclose(s[:60].mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(s[:60].std(0), 1)
    assert s[60:, 0].min() > s[:60, 0].max()  # later days are not squeezed into the training range


def test_names_are_canonical_and_checked():
    assert parse_features("wti, other,wti") == ("other", "wti")
    assert parse_features("none") == ()
    with pytest.raises(SequenceError, match="unknown feature 'gold'; choose from other, volume, vix, wti"):
        parse_features("other,gold")


@pytest.mark.parametrize("target", ["level", "logret"])
def test_models_read_the_features_as_extra_columns(target):
    s = STOCK.resolve({**STOCK.settings("quick"), "target": target, "features": "other,volume,wti"})
    data = STOCK.build(s, np.random.default_rng(0))
    assert data.in_features == 4
    x = data.train.inputs()  # (S, T, 4): the closes' column first, as the baselines read it
    assert x.shape[1:] == (6, 4)
    plain = STOCK.build(STOCK.resolve({**STOCK.settings("quick"), "target": target}), np.random.default_rng(0))
    np.testing.assert_array_equal(x[..., :1].numpy(), plain.train.inputs().numpy())
    np.testing.assert_array_equal(data.train.targets.numpy(), plain.train.targets.numpy())


def test_the_default_leaves_cell_keys_as_they_were():
    s = STOCK.resolve(STOCK.settings("quick"))
    assert "features" not in s and "fee_sweep" not in s
    assert STOCK.resolve({**STOCK.settings("quick"), "features": "wti"})["features"] == "wti"


def test_end_to_end_with_features(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "--task", "stock", "--model", "gru", "--features", "other,wti", "--out", str(out)]
                + FAST) == 0
    md = (out / "results.md").read_text()
    assert "stock (market=sp500, target=level, features=other,wti)" in md and "target=level + other,wti" in md


@pytest.mark.parametrize("args, needle", [
    (["--features", "gold"], "--features: unknown feature 'gold'; choose from other, volume, vix, wti"),
    (["--features", "vix"], "feature vix ("),  # arch's VIX starts 2014, the quick span 2012
    (["--features", "volume", "--market", "nikkei225", "--stock-csv", "FRED"], "has no Volume column"),
    (["--fee-sweep", "0,-0.1%"], "--fee-sweep: each fee must be in [0, 0.1]"),
    (["--fee-sweep", "0,abc"], "--fee-sweep: each fee must be a number or a percentage"),
])
def test_bad_feature_or_sweep_is_one_line_and_stores_nothing(args, needle, tmp_path, capsys):
    from stock_files import fred, walk
    args = [str(fred(tmp_path / "n.csv", walk(2000), "NIKKEI225", start="2012-01-02")) if a == "FRED" else a
            for a in args]
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.sqlite").write_bytes(b"kept")  # what is stored stays as it was
    assert main(["run", "--task", "stock", "--out", str(out)] + args + FAST) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and needle in err, err
    assert sorted(p.name for p in out.iterdir()) == ["results.sqlite"]
    assert (out / "results.sqlite").read_bytes() == b"kept"


@pytest.mark.parametrize("scale, says", [(0.5, "A model beats persistence"), (1.5, "significantly worse"),
                                         (1.0, "No model beats persistence")])
def test_the_features_answer_follows_the_numbers(scale, says):
    from reports.features_answer import features_paragraph
    rng = np.random.default_rng(0)
    pers = rng.exponential(1.0, 400)
    cell = {"persistence_loss": pers}
    plain = {"gru": {k: {"pointwise_loss": pers * rng.uniform(0.98, 1.02, 400)} for k in range(3)}}
    rich = {"gru": {k: {"pointwise_loss": pers * scale * rng.uniform(0.98, 1.02, 400)} for k in range(3)}}
    (_, para, _) = features_paragraph([("S&P 500", ("logret", plain, cell), ("logret + vix", rich, cell))])
    assert says in para and "gru" in para and "vix" in para


def test_the_features_answer_needs_clark_west_to_agree_where_the_forecasts_are_kept():
    """With the forecasts kept, the paragraph quotes Clark–West's p beside DM's, and a model better by
    both is said to beat persistence; without them Clark–West is not computed."""
    from reports.features_answer import features_paragraph, pooled
    rng = np.random.default_rng(1)
    y = rng.normal(0, 1, 400)
    last = y + rng.normal(0, 1, 400)  # persistence: an unbiased but noisy forecast
    good = {k: {"test_pred": y + rng.normal(0, 0.3, 400)} for k in range(3)}
    for a in good.values():
        a["pointwise_loss"] = (a["test_pred"] - y) ** 2
    cell = {"persistence_loss": (last - y) ** 2, "test_true": y, "test_last": last}
    _, stat, p_dm, p_cw = pooled(good, cell["persistence_loss"], cell)
    assert stat < 0 and p_dm < 0.05 and p_cw < 0.05
    pair = ("S&P 500", ("logret", {"gru": good}, cell), ("logret + vix", {"gru": good}, cell))
    (_, para, _) = features_paragraph([pair])
    assert "Clark–West p" in para and "A model beats persistence" in para
    assert math.isnan(pooled(good, cell["persistence_loss"], {"persistence_loss": cell["persistence_loss"]})[3])


def test_the_features_verdicts_are_holm_adjusted_over_the_rows():
    """A DM p of 0.03 is 'significantly worse' for one model alone, but not among four rows with
    the same p (Holm: 4 × 0.03 > 0.05)."""
    from reports import features_answer
    rows = {m: (1.2, 2.0, 0.03, float("nan")) for m in features_answer.NETWORKS}

    def said(models):
        plain = {m: {} for m in models}
        cell = {"persistence_loss": np.ones(3)}
        with pytest.MonkeyPatch.context() as mp:
            calls = iter([v for m in models for v in ((1.0, 0.0, 0.9, float("nan")), rows[m])])
            mp.setattr(features_answer, "pooled", lambda *a: next(calls))
            (_, para, _) = features_answer.features_paragraph([("S&P 500", ("logret", plain, cell),
                                                                 ("logret + vix", plain, cell))])
        return para
    assert "significantly worse" in said(["gru"])
    assert "significantly worse" not in said(list(features_answer.NETWORKS))
