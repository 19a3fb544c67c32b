"""The lecture's third suggestion (add the economic situation as features), answered from the numbers:
each model's ratio to persistence, pooled Diebold–Mariano and Clark–West tests with and without the
features, on the same market, target and days. Pure functions of stored forecasts.
"""
from __future__ import annotations

import math

import numpy as np

from reports.intervals import t_interval
from reports.messages import text
from reports.stats import clark_west, dm_test, holm

NETWORKS = ("mlp", "rnn", "lstm", "gru")
ALPHA = 0.05


def pooled(by_seed: dict, persistence: np.ndarray, cell: dict | None = None) -> tuple[float, float, float, float]:
    """(ratio of MSE to persistence's, geometric mean over seeds; DM statistic and p of the
    seed-averaged squared errors against persistence's on every test day; Clark–West p against
    persistence, which every model nests, where the cell keeps the forecasts, else NaN)."""
    got = [a for _, a in sorted(by_seed.items()) if "pointwise_loss" in a]
    loss = np.stack([a["pointwise_loss"] for a in got])
    ratio = t_interval(loss.mean(1) / persistence.mean(), log=True).mean
    dm = dm_test((loss - persistence).mean(0), np.zeros_like(persistence))
    cw = float("nan")
    if cell is not None and {"test_true", "test_last"} <= set(cell) and all("test_pred" in a for a in got):
        cw = clark_west(cell["test_true"], cell["test_last"], np.stack([a["test_pred"] for a in got])).p
    return ratio, dm.stat, dm.p, cw


def _p(p: float) -> str:
    return "–" if math.isnan(p) else f"{p:.3g}"


def features_paragraph(pairs: list[tuple[str, tuple, tuple]], lang: str = "en") -> list[str]:
    """pairs: (market, (column, by_model, cell) without features, the same with them) -> one paragraph.
    The p-values quoted are each test's own; the verdicts (beats, worse) read them Holm-adjusted over
    every model and market of the paragraph, per test."""
    per, rows, names = [], [], ""
    for market, (_, plain, cell), (column, rich, rich_cell) in pairs:
        if "persistence_loss" not in cell:
            continue
        names = column.split(" + ", 1)[1]
        pers, bits = cell["persistence_loss"], []
        for m in NETWORKS:
            if m not in plain or m not in rich:
                continue
            r0, _, p0, c0 = pooled(plain[m], pers, cell)
            r1, s1, p1, c1 = pooled(rich[m], pers, rich_cell)
            bits.append(text(lang, "feat.model", model=m, without=r0, with_=r1, p_without=_p(p0), p_with=_p(p1),
                             cw_without=_p(c0), cw_with=_p(c1)))
            rows.append((m, market, column, r1, s1, p1, c1))
        if bits:
            per.append(text(lang, "feat.market", market=market, models=", ".join(bits)) + f" (`{column}`)")
    if not per:
        return []
    dm = holm([r[5] for r in rows])
    present = [i for i, r in enumerate(rows) if not math.isnan(r[6])]  # Clark–West needs the forecasts kept
    cw = [math.nan] * len(rows)
    for i, a in zip(present, holm([rows[i][6] for i in present])):
        cw[i] = a
    beat = [f"{m} ({market}, `{column}`)" for (m, market, column, r1, s1, _, _), p, c in zip(rows, dm, cw)
            if p < ALPHA and s1 < 0 and r1 < 1 and not c >= ALPHA]  # Clark–West, where present, agrees
    worse = [f"{m} ({market})" for (m, market, _, _, s1, _, _), p in zip(rows, dm) if p < ALPHA and s1 > 0]
    n = len(rows)
    tail = text(lang, "feat.some", names=", ".join(beat), n=n) if beat else text(lang, "feat.none", n=n)
    if worse:
        tail += text(lang, "feat.worse", names=", ".join(worse), n=n)
    return ["", text(lang, "feat.para", features=names, per=text(lang, "sep.list").join(per), tail=tail), ""]
