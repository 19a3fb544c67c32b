"""Budgets that converge: name the models whose members were still improving at the epoch cap."""
from __future__ import annotations

import pandas as pd


def not_converged(values: pd.DataFrame, caps: dict[str, tuple[int, str]]) -> list[str]:
    """values: model, seed, metric, value (one table's rows; `converged` is 1 when a member's
    stopping rule fired before the cap, 0 when it did not); caps: model -> (epoch cap, what the
    rule watches). One note per model with a member that did not converge."""
    rows = values[values.metric == "converged"]
    out = []
    for model, g in rows.groupby("model", sort=False):
        bad = sorted(int(s) for s in g[g.value == 0].seed)
        if not bad:
            continue
        cap, why = caps.get(model, (None, "its stopping rule"))
        at = f"the cap of {cap} epochs" if cap is not None else "the cap"
        out.append(f"not converged: {model}, {len(bad)} of {len(g)} seeds ({', '.join(map(str, bad))}): "
                   f"{why} at {at}; its numbers may reflect the budget, not the model")
    return out
