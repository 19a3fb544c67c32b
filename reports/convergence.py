"""Budgets that converge: name the models whose members were still improving at the epoch cap."""
from __future__ import annotations

import pandas as pd

from reports.messages import text


def not_converged(values: pd.DataFrame, caps: dict[str, tuple[int, str]], lang: str = "en") -> list[str]:
    """values: model, seed, metric, value (one table's rows; `converged` is 1 when a member's
    stopping rule fired before the cap, 0 when it did not); caps: model -> (epoch cap, the message
    key of what the rule watches). One note per model with a member that did not converge, in lang."""
    rows = values[values.metric == "converged"]
    out = []
    for model, g in rows.groupby("model", sort=False):
        bad = sorted(int(s) for s in g[g.value == 0].seed)
        if not bad:
            continue
        cap, why = caps.get(model, (None, "conv.its_rule"))
        at = text(lang, "conv.cap", cap=cap) if cap is not None else text(lang, "conv.cap_unknown")
        out.append(text(lang, "conv.note", model=model, bad=len(bad), n=len(g), seeds=", ".join(map(str, bad)),
                        why=text(lang, why), at=at))
    return out
