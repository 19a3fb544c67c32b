"""The stock section's statistics and sentences on known numbers."""
import re

import numpy as np
import pandas as pd
import pytest

from reports.stock import fold_ratios, market_section, ratio_table


def _tidy(rows):
    return pd.DataFrame([dict(task=t, model=m, seed=s, metric=k, value=v) for t, m, s, k, v in rows])


def _rows(label, model, ratios, dm_p=0.5):
    out = []
    for s, r in enumerate(ratios):
        out += [(label, model, s, "mse_vs_persistence", r), (label, model, s, "direction_acc", 0.5),
                (label, model, s, "dm_stat_vs_persistence", 3.0 if r > 1 else -3.0),
                (label, model, s, "dm_p_vs_persistence", dm_p)]
    return out


def _arrays(ratios, days=40, seed=0):
    """Cell arrays and per-seed losses whose per-fold ratio to persistence is known: two folds."""
    rng = np.random.default_rng(seed)
    last = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, days)))
    true = last * np.exp(rng.normal(0, 0.01, days))
    pers = (last - true) ** 2
    cell = {"persistence_loss": pers, "fold_starts": np.array([0, days // 2]), "test_last": last, "test_true": true,
            "test_dates": np.arange("2020-01-01", days, dtype="datetime64[D]"),
            "hold_returns": true / last - 1}
    by_seed = {}
    for s, (r1, r2) in enumerate(ratios):
        loss = pers * np.r_[np.full(days // 2, r1), np.full(days - days // 2, r2)]
        pred = last + np.sqrt(loss)  # always above today's close: long every day
        by_seed[s] = {"pointwise_loss": loss, "test_pred": pred, "trade_returns": true / last - 1}
    return cell, by_seed


def test_fold_ratios_by_fold():
    cell, seeds = _arrays([(2.0, 0.5)])
    np.testing.assert_allclose(fold_ratios(seeds[0]["pointwise_loss"][None], cell["persistence_loss"],
                                           cell["fold_starts"]), [[2.0, 0.5]])


def test_market_section_tables_and_sentences():
    labels = {"stock (market=m, target=level)": "level", "stock (market=m, target=logret)": "logret"}
    tidy = _tidy(_rows("stock (market=m, target=level)", "gru", [5.0, 6.0, 7.0], dm_p=0.001)
                 + _rows("stock (market=m, target=level)", "persistence", [1.0, 1.0, 1.0], dm_p=1.0)
                 + _rows("stock (market=m, target=logret)", "gru", [0.999, 1.001, 1.0])
                 + _rows("stock (market=m, target=logret)", "persistence", [1.0, 1.0, 1.0], dm_p=1.0))
    header, rows, st = ratio_table(tidy, labels)
    assert header == ["model", "target=level", "target=logret"]
    assert [r[0] for r in rows] == ["gru", "persistence"]
    assert st[("gru", "level")][0] == pytest.approx((5 * 6 * 7) ** (1 / 3))  # geometric mean
    assert rows[1][1:] == ["1", "1"]
    cell, gru = _arrays([(4.0, 9.0), (4.0, 9.0)])
    _, pers = _arrays([(1.0, 1.0)] * 5)  # five identical seeds: a mean over them is not exact in floats
    arrays = {lb: (t, {"gru": gru, "persistence": pers}, cell) for lb, t in labels.items()}
    md = market_section(tidy, "Market M", arrays, fee=0.0, strategy="long-flat")
    assert "## Stock: Market M" in md and "### Walk-forward folds (Market M)" in md
    assert "| fold 1: 2020-01-01..2020-01-20 | fold 2: 2020-01-21..2020-02-09 |" in md.replace("  ", "")
    assert "| level    | gru         | 4                                | 9 " in md  # per-fold geometric means
    assert re.search(r"\| level +\| persistence +\| 1 +\| 1 +\| 1 +\| 0 +\| 1 +\|", md)  # DM of itself: 0, p 1
    assert "under `level`: gru worse than persistence (whole interval above 1)" in md
    assert "under `logret`: gru interval includes 1" in md
    assert "No network beats persistence" in md
    assert re.search(r"No evidence that any network forecasts the next close better than persistence: the smallest "
                     r"Clark–West p, Holm-adjusted over the 2 network rows, is [0-9.]+ \(gru under `level`\)", md)
    assert "CW p (one-sided)" in md and "(DM 4, CW 2;" in md
    # gru is long every day at no fee: exactly buy-and-hold, so its Sharpe difference is 0 in every resample
    assert re.search(r"\| level +\| gru +\| .* \| \+0\.00 \[\+0\.00, \+0\.00\] +\|", md)
    assert "- gru: +12.8 % under each target; never more than buy-and-hold; exactly as much under `level`, `logret` " \
           "(long every day)." in md


def test_section_says_when_a_network_wins():
    labels = {"s (target=diff)": "diff"}
    tidy = _tidy(_rows("s (target=diff)", "lstm", [0.90, 0.91, 0.92], dm_p=0.01))
    md = market_section(tidy, "M", {lb: (t, {}, {}) for lb, t in labels.items()}, fee=0.001, strategy="long-flat")
    assert "better than persistence (whole interval below 1)" in md
    assert "best: lstm under `diff`, ratio 0.910" in md and "No network beats" not in md


def test_clark_west_finds_a_network_that_knows_tomorrow():
    """A network whose forecasts carry most of the next move: Clark–West, Holm-adjusted, says so."""
    cell, _ = _arrays([(1.0, 1.0)], days=200)
    rng = np.random.default_rng(1)
    move = cell["test_true"] - cell["test_last"]
    seeds = {}
    for s in range(3):
        pred = cell["test_last"] + 0.8 * move + rng.normal(0, 0.1 * np.std(move), 200)
        seeds[s] = {"pointwise_loss": (pred - cell["test_true"]) ** 2, "test_pred": pred,
                    "trade_returns": cell["hold_returns"]}
    labels = {"s (target=logret)": "logret"}
    tidy = _tidy(_rows("s (target=logret)", "gru", [0.3, 0.3, 0.3], dm_p=0.001))
    md = market_section(tidy, "M", {lb: (t, {"gru": seeds}, cell) for lb, t in labels.items()}, fee=0.0,
                        strategy="long-flat")
    assert "Clark–West finds a network better than persistence (Holm-adjusted p < 0.05): gru (`logret`, p = " in md
    assert "No evidence" not in md
