"""The stock section's statistics and sentences on known numbers."""

import numpy as np
import pandas as pd
import pytest

from reports.stock import ratio_section, ratio_table


def _tidy(rows):
    return pd.DataFrame([dict(task=t, model=m, seed=s, metric=k, value=v) for t, m, s, k, v in rows])


def _rows(label, model, ratios, dm_p=0.5):
    out = []
    for s, r in enumerate(ratios):
        out += [(label, model, s, "mse_vs_persistence", r), (label, model, s, "direction_acc", 0.5),
                (label, model, s, "dm_stat_vs_persistence", 3.0 if r > 1 else -3.0),
                (label, model, s, "dm_p_vs_persistence", dm_p)]
    return out


def test_section_tables_and_sentences():
    labels = {"stock (target=level)": "level", "stock (target=logret)": "logret"}
    tidy = _tidy(_rows("stock (target=level)", "gru", [5.0, 6.0, 7.0], dm_p=0.001)
                 + _rows("stock (target=level)", "persistence", [1.0, 1.0, 1.0], dm_p=1.0)
                 + _rows("stock (target=logret)", "gru", [0.999, 1.001, 1.0])
                 + _rows("stock (target=logret)", "persistence", [1.0, 1.0, 1.0], dm_p=1.0))
    header, rows, st = ratio_table(tidy, labels)
    assert header == ["model", "target=level", "target=logret"]
    assert [r[0] for r in rows] == ["gru", "persistence"]
    assert st[("gru", "level")][0] == pytest.approx((5 * 6 * 7) ** (1 / 3))  # geometric mean
    assert rows[1][1:] == ["1", "1"]
    md = ratio_section(tidy, labels)
    assert "under `level`: gru worse than persistence (whole interval above 1)" in md
    assert "under `logret`: gru interval includes 1" in md
    assert "No network beats persistence" in md
    assert "| gru         | 0 / 3 of 3     | 0 / 0 of 3      |" in md  # DM: 3 seeds significantly worse


def test_section_says_when_a_network_wins():
    labels = {"s (target=diff)": "diff"}
    md = ratio_section(_tidy(_rows("s (target=diff)", "lstm", [0.90, 0.91, 0.92], dm_p=0.01)), labels)
    assert "better than persistence (whole interval below 1)" in md
    assert "best: lstm under `diff`, ratio 0.910" in md and "No network beats" not in md
