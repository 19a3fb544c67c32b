"""The lecture's trading suggestions: the fee-aware rule, error-sized positions (past errors only),
break-even fees, the bootstrap p-value beside its interval, and one Holm family over the table."""
import math

import numpy as np
import pytest

from reports import trading
from reports.strategies import (STRATEGY_KEYS, confidence_paragraph, fee_paragraph, strategy_rows,
                                strategy_table)


def test_fee_aware_moves_only_when_the_forecast_pays_the_round_trip():
    last = np.full(5, 100.0)
    pred = np.array([103.0, 100.1, 99.9, 97.0, 101.0])  # moves +3 %, +0.1 %, -0.1 %, -3 %, +1 %
    np.testing.assert_array_equal(trading.fee_aware_positions(pred, last, "long-flat", 0.01), [1, 1, 1, 0, 0])
    np.testing.assert_array_equal(trading.fee_aware_positions(pred, last, "long-short", 0.01), [1, 1, 1, -1, -1])
    np.testing.assert_array_equal(trading.fee_aware_positions(pred, last, "long-flat", 0.0),
                                  trading.positions(pred, last, "long-flat"))


def test_error_sized_positions_read_only_errors_known_on_the_day():
    rng = np.random.default_rng(0)
    true = 100 + np.cumsum(rng.normal(0, 1, 60))
    last = np.r_[100.0, true[:-1]]
    pred = last + rng.normal(0, 0.5, (3, 60))
    pos = trading.error_sized_positions(pred, last, true, "long-short")
    assert np.all(pos[:, 0] == 0) and np.all(np.abs(pos) <= 1) and np.any(np.abs(pos) < 1)
    k = 30
    bumped = true.copy()
    bumped[k] += 50  # the close after day k: known from day k + 1 on
    again = trading.error_sized_positions(pred, last, bumped, "long-short")
    np.testing.assert_array_equal(again[:, :k + 1], pos[:, :k + 1])
    assert np.any(again[:, k + 1] != pos[:, k + 1])
    assert np.all(trading.error_sized_positions(pred, last, true, "long-flat") >= 0)


def test_break_even_fee_zeroes_the_sum_of_returns():
    rng = np.random.default_rng(1)
    asset = rng.normal(0.001, 0.01, 200)
    pos = (rng.random((4, 200)) < 0.6).astype(float)
    pos[:, asset > 0] = 1.0  # a prescient strategy: it gains before fees
    f = trading.break_even_fee(pos, asset)
    assert f > 0
    assert np.mean(trading.strategy_returns(pos, asset, f).sum(-1)) == pytest.approx(0, abs=1e-12)
    assert math.isnan(trading.break_even_fee(np.zeros((1, 200)), asset))  # no gain before fees: no fee pays
    assert trading.break_even_fee(np.ones((1, 200)), np.abs(asset)) == pytest.approx(np.abs(asset).sum())


def test_exposure_of_buy_and_hold_and_of_a_flip_flop():
    ex = trading.exposure(np.ones((1, 252)))
    assert ex["in_market"][0] == 1 and ex["turnover"][0] == pytest.approx(1.0)
    ex = trading.exposure(np.tile([1.0, 0.0], (1, 126)))
    assert ex["in_market"][0] == 0.5 and ex["turnover"][0] == pytest.approx(252)


def test_bootstrap_p_agrees_with_the_interval():
    rng = np.random.default_rng(2)
    hold = rng.normal(0.0005, 0.01, 500)
    cases = [hold[None] + 0.004] + [rng.normal(0.0005 + shift, 0.01, (3, 500)) for shift in (0.0, 0.001, 0.002)]
    for i, g in enumerate(cases):
        d, lo, hi, p = trading.sharpe_test(g, hold)
        assert lo <= d <= hi and (p < 0.05) == (lo > 0 or hi < 0)  # one resample set: one verdict
        assert i > 0 or p < 0.05
    assert trading.sharpe_difference(g, hold)[:3] == trading.sharpe_test(g, hold)[:3]


def _labels(days=300, seeds=4):
    rng = np.random.default_rng(3)
    true = 100 * np.exp(np.cumsum(rng.normal(0.0005, 0.01, days)))
    last = np.r_[100.0, true[:-1]]
    hold = trading.strategy_returns(np.ones(days), trading.asset_returns(true, last), 0.001)
    cell = {"test_last": last, "test_true": true, "hold_returns": hold, "test_dates": np.arange(days)}
    out = {}
    for t in ("level", "logret"):
        preds = last + rng.normal(0, 1, (seeds, days))
        out[t] = (t, {"gru": {k: {"test_pred": p} for k, p in enumerate(preds)}}, cell)
    return out


def test_one_holm_family_over_every_strategy_row():
    sweep = trading.FEE_SWEEP
    rows = strategy_rows(_labels(), 0.001, "long-flat", sweep)
    assert rows[0].key == "hold" and [r.key for r in rows[1:5]] == list(STRATEGY_KEYS)
    assert len(rows) == 1 + 2 * len(STRATEGY_KEYS)
    ps = np.array([r.p for r in rows[1:]])
    adj = np.array([r.p_holm for r in rows[1:]])
    assert np.all(adj >= ps) and adj[np.argmin(ps)] == pytest.approx(min(1.0, len(ps) * ps.min()))
    assert all(len(r.returns) == len(sweep) for r in rows)
    assert all(r.returns[0] >= r.returns[-1] for r in rows if r.key != "fee_aware")  # fees only cost
    table = strategy_table(rows, sweep, "en")
    assert "return at 0.3 %" in table and "break-even fee" in table and "Holm p" in table
    for lang in ("en", "ja"):
        (fee,) = fee_paragraph(rows, 0.001, sweep, lang)
        (conf,) = confidence_paragraph(rows, 0.001, lang)
        holm = {"en": "After Holm over the 8 strategies", "ja": "8 戦略で Holm 補正すると"}[lang]
        assert holm in fee and holm in conf
        assert "`logret`" in fee and "`level`" in conf


def test_the_answer_flips_for_a_forecast_that_knows_tomorrow():
    labels = _labels()
    for t, (target, by_model, cell) in labels.items():
        for a in by_model["gru"].values():
            a["test_pred"] = cell["test_true"].copy()  # perfect foresight
    rows = strategy_rows(labels, 0.001, "long-flat", trading.FEE_SWEEP)
    assert all(r.p_holm < 0.05 and r.diff > 0 for r in rows if r.key == "sign")
    (fee,) = fee_paragraph(rows, 0.001, trading.FEE_SWEEP, "en")
    assert "beat buy-and-hold's Sharpe ratio" in fee and "none beats" not in fee
