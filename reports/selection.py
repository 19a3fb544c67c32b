"""Learning-rate selection on validation data.

Per group (a task label and a model), the rate whose members' validation scores (each member's
kept epoch; lower is better) have the lowest mean over seeds is chosen. The mean runs over the
seeds that every rate of the group has, so rates are compared on the same seeds. Only validation
scores are read: no test number can move the choice.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = ["label", "model", "lr", "mean", "lo", "hi", "seeds", "chosen", "edge"]


def select_rates(rows: pd.DataFrame) -> pd.DataFrame:
    """rows: label, model, lr, seed, val_score (one per trained member) -> one row per (label,
    model, lr): mean, lo and hi (the seeds' range) of the score, seeds (how many), chosen (the
    selected rate of its group), edge (chosen and the smallest or largest rate of the group: the
    best rate may lie beyond the grid). A non-finite score (a diverged member) counts as +inf, so
    such a rate loses to any finite one; ties go to the smaller rate."""
    out = []
    for (label, model), g in rows.groupby(["label", "model"], sort=False):
        score = g.val_score.astype(float).where(np.isfinite(g.val_score.astype(float)), np.inf)
        g = g.assign(val_score=score)
        rates = sorted(g.lr.unique())
        common = set.intersection(*(set(g[g.lr == r].seed) for r in rates))
        use = g[g.seed.isin(common)] if common else g
        stats = [(r, use[use.lr == r].val_score) for r in rates]
        means = [float(v.mean()) if len(v) else np.inf for _, v in stats]
        best = int(np.argmin(means))  # the first (smallest) rate among equal means
        for i, (r, v) in enumerate(stats):
            finite = v[np.isfinite(v)]
            out.append([label, model, float(r), means[i], float(finite.min()) if len(finite) else np.nan,
                        float(finite.max()) if len(finite) else np.nan, len(v), i == best,
                        i == best and len(rates) > 1 and i in (0, len(rates) - 1)])
    return pd.DataFrame(out, columns=COLUMNS)
