"""The trading evaluation on series small enough to check by hand: positions, fees, returns,
drawdown, Sharpe, the perfect-foresight maximum, and the Sharpe difference's bootstrap interval."""
import itertools
import math

import numpy as np
import pytest

from reports import trading
from reports.trading_report import median_member, trading_rows, trading_sentences, vote_positions

CLOSES = np.array([100.0, 110.0, 99.0, 99.0, 108.9])  # asset returns +10 %, -10 %, 0, +10 %
LAST, TRUE = CLOSES[:-1], CLOSES[1:]
PRED = np.array([105.0, 120.0, 90.0, 100.0])  # up, up, down, up


def test_long_flat_by_hand_with_fees():
    r = trading.asset_returns(TRUE, LAST)
    np.testing.assert_allclose(r, [0.1, -0.1, 0.0, 0.1])
    pos = trading.positions(PRED, LAST, "long-flat")
    np.testing.assert_array_equal(pos, [1, 1, 0, 1])
    g = trading.strategy_returns(pos, r, fee=0.01)  # enter, hold, leave, enter: three fees of 1 %
    np.testing.assert_allclose(g, [0.09, -0.10, -0.01, 0.09])
    s = trading.summary(g, pos)
    assert s["total_return"] == pytest.approx(1.09 * 0.90 * 0.99 * 1.09 - 1)
    assert s["trades"] == 3
    assert s["max_drawdown"] == pytest.approx(1 - 1.09 * 0.90 * 0.99 / 1.09)  # from the peak after day 1
    assert s["annual_return"] == pytest.approx((1 + s["total_return"]) ** (252 / 4) - 1)


def test_long_short_pays_twice_for_a_reversal():
    r = trading.asset_returns(TRUE, LAST)
    pos = trading.positions(PRED, LAST, "long-short")
    np.testing.assert_array_equal(pos, [1, 1, -1, 1])
    np.testing.assert_allclose(trading.strategy_returns(pos, r, 0.01), [0.09, -0.10, -0.02, 0.08])
    assert trading.trades(pos) == 3


def test_buy_and_hold_and_never_trading():
    r = trading.asset_returns(TRUE, LAST)
    hold = trading.strategy_returns(np.ones(4), r, 0.01)
    np.testing.assert_allclose(hold, [0.09, -0.1, 0.0, 0.1])  # one entry fee
    never = trading.summary(np.zeros(4), np.zeros(4))
    assert all(float(v) == 0 for v in never.values())


def test_sharpe_known_values():
    assert trading.sharpe(np.array([0.02, 0.0])) == pytest.approx(0.01 / math.sqrt(2e-4) * math.sqrt(252))
    assert trading.sharpe(np.array([0.01, -0.01, 0.01, -0.01])) == 0.0
    assert math.isnan(trading.sharpe(np.full(5, 0.001)))  # constant non-zero returns: no risk to divide by


@pytest.mark.parametrize("strategy,choices", [("long-flat", (0.0, 1.0)), ("long-short", (-1.0, 0.0, 1.0))])
def test_perfect_foresight_earns_the_maximum(strategy, choices):
    """Without fees, positions from the true next close earn the most any sequence of positions can."""
    rng = np.random.default_rng(3)
    closes = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, 9)))
    last, true = closes[:-1], closes[1:]
    r = trading.asset_returns(true, last)
    every = np.array(list(itertools.product(choices, repeat=len(r))))  # (C, 8) all position sequences
    best = trading.equity(trading.strategy_returns(every, r, 0.0))[:, -1].max()
    foresight = trading.equity(trading.strategy_returns(trading.positions(true, last, strategy), r, 0.0))[-1]
    assert foresight == pytest.approx(best)
    assert foresight == pytest.approx(np.prod(1 + (np.abs(r) if strategy == "long-short" else np.maximum(r, 0))))
    noisy = trading.positions(true + rng.normal(0, 2, len(r)), last, strategy)
    assert trading.equity(trading.strategy_returns(noisy, r, 0.0))[-1] <= foresight + 1e-12


def test_perfect_foresight_with_fees_by_hand():
    r = trading.asset_returns(TRUE, LAST)
    pos = trading.positions(TRUE, LAST, "long-flat")  # no move on day 3 counts as flat
    np.testing.assert_array_equal(pos, [1, 0, 0, 1])
    np.testing.assert_allclose(trading.strategy_returns(pos, r, 0.01), [0.09, -0.01, 0.0, 0.09])


def test_sharpe_difference_of_buy_and_hold_with_itself_is_zero():
    hold = np.random.default_rng(0).normal(0.0005, 0.01, 300)
    d, lo, hi, block = trading.sharpe_difference(np.stack([hold, hold]), hold)
    assert (d, lo, hi, block) == (0.0, 0.0, 0.0, 7)


def test_sharpe_difference_interval_is_the_percentile_of_resampled_sharpe_ratios():
    """The interval from block sums equals the one from the resampled days written out."""
    from reports.block_bootstrap import BOOT_SEED, circular_block_starts
    rng = np.random.default_rng(2)
    g, hold = rng.normal(0.001, 0.01, (3, 100)), rng.normal(0.0005, 0.01, 100)
    _, lo, hi, block = trading.sharpe_difference(g, hold, resamples=300)
    starts = circular_block_starts(100, block, 300, np.random.default_rng(BOOT_SEED))
    idx = ((starts[:, :, None] + np.arange(block)) % 100).reshape(300, -1)[:, :100]
    diff = trading.sharpe(g[:, idx]).mean(0) - trading.sharpe(hold[idx])
    assert (lo, hi) == pytest.approx(tuple(np.quantile(diff, [0.025, 0.975])), rel=1e-9)


def test_sharpe_difference_interval_covers_zero_for_equal_strategies():
    """Two independent strategies with the same law of daily returns (AR(1) dependence): the
    95 % block-bootstrap interval of their Sharpe difference covers 0 in most samples."""
    rng = np.random.default_rng(5)
    covered = []
    for _ in range(60):
        e = rng.normal(0.0005, 0.01, (2, 400))
        x = e.copy()
        for t in range(1, 400):
            x[:, t] = 0.3 * (x[:, t - 1] - 0.0005) + e[:, t]
        _, lo, hi, _ = trading.sharpe_difference(x[:1], x[1], resamples=400, seed=int(rng.integers(1 << 30)))
        covered.append(lo <= 0 <= hi)
    assert np.mean(covered) >= 0.85


def test_seed_vote_and_median_member():
    preds = np.array([[105.0, 100.0, 90.0, 110.0], [90.0, 120.0, 80.0, 100.0], [105.0, 120.0, 100.0, 95.0]])
    np.testing.assert_allclose(vote_positions(preds, LAST, "long-flat"), [2 / 3, 2 / 3, 1 / 3, 2 / 3])
    np.testing.assert_allclose(vote_positions(preds, LAST, "long-short"), [1 / 3, 1 / 3, -1 / 3, 1 / 3])
    g = np.array([[0.1, 0.0], [0.0, 0.0], [-0.1, 0.0]])
    assert median_member(g) == 1 and median_member(g[:2]) == 1  # two middles: the lower


def test_rows_and_sentences_on_a_known_case():
    r = trading.asset_returns(TRUE, LAST)
    hold = trading.strategy_returns(np.ones(4), r, 0.0)
    foresight = trading.positions(TRUE, LAST, "long-flat")
    seeds = {s: {"test_pred": p, "trade_returns": trading.strategy_returns(trading.positions(p, LAST, "long-flat"),
                                                                            r, 0.0)}
             for s, p in enumerate([TRUE, TRUE + np.array([0, 0, 0, -20.0])])}
    cell = {"hold_returns": hold, "test_last": LAST, "test_true": TRUE}
    none = {0: {"test_pred": LAST, "trade_returns": np.zeros(4)}}
    rows = trading_rows({"x": ("logret", {"oracle": seeds, "persistence": none}, cell)}, 0.0, "long-flat")
    assert [r.model for r in rows] == ["buy-and-hold", "never trade", "oracle", "oracle (seed vote)", "persistence"]
    oracle = rows[2]
    assert oracle.total == pytest.approx((1.1 * 1.1 - 1 + 1.1 - 1) / 2)  # mean of the two seeds
    assert oracle.trades == pytest.approx((trading.trades(foresight) + 2) / 2)  # the second leaves on day 2 only
    text = "\n".join(trading_sentences(rows, 0.0, "long-flat", 4))
    assert "turned 1 into 1.089" in text
    assert "- oracle: +15.5 % (`logret`); more than buy-and-hold under `logret`." in text
    # four test days cannot put even the oracle's Sharpe ratio beyond the bootstrap interval
    assert "- No strategy has a Sharpe ratio above" in text
