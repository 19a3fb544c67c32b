"""The stock section: ratio to persistence by model × target, and the predictions figure.

Pure functions of the tidy results (columns task, model, seed, metric, value) and of arrays.
"""
from __future__ import annotations

import math
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from reports.figures import plt, save
from reports.intervals import t_interval
from reports.tables import fmt_number, to_markdown

NETWORKS = ("mlp", "rnn", "lstm", "gru")
ORDER = NETWORKS + ("persistence", "mean")


def _cell(m: float, lo: float, hi: float) -> str:
    if math.isnan(m):
        return "–"
    if math.isnan(lo) or hi - lo <= 1e-9 * max(abs(m), 1e-300):
        return fmt_number(m)
    return f"{fmt_number(m)} [{fmt_number(lo)}, {fmt_number(hi)}]"


def ratio_table(tidy: pd.DataFrame, target_by_label: dict[str, str], metric: str = "mse_vs_persistence",
                log: bool = True):
    """Rows: model; columns: target. Returns (header, rows, {(model, target): (mean, lo, hi)})."""
    d = tidy[(tidy.metric == metric) & tidy.task.isin(target_by_label)]
    targets = list(dict.fromkeys(target_by_label[label] for label in target_by_label))
    models = [m for m in ORDER if m in set(d.model)] + sorted(set(d.model) - set(ORDER))
    stats_, rows = {}, []
    for m in models:
        row = [m]
        for t in targets:
            labels = [lb for lb, tt in target_by_label.items() if tt == t]
            v = d[(d.model == m) & d.task.isin(labels)].value.to_numpy()
            iv = t_interval(v, log=log)
            stats_[(m, t)] = (iv.mean, iv.lo, iv.hi)
            row.append(_cell(*stats_[(m, t)]))
        rows.append(row)
    return ["model"] + [f"target={t}" for t in targets], rows, stats_


def _verdict(stats_: dict, targets: list[str]) -> list[str]:
    """Two plain sentences, whatever the numbers show."""
    per = []
    better_any = []
    for t in targets:
        nets = [(m, stats_[(m, t)]) for m in NETWORKS if (m, t) in stats_ and not math.isnan(stats_[(m, t)][0])]
        if not nets:
            continue
        worse = [m for m, (_, lo, _) in nets if lo > 1]
        better = [m for m, (_, _, hi) in nets if hi < 1]
        same = [m for m, _ in nets if m not in worse and m not in better]
        better_any += [(m, t, stats_[(m, t)][0]) for m in better]
        bits = [f"{', '.join(g)} {w}" for g, w in ((worse, "worse than persistence (whole interval above 1)"),
                                                    (same, "interval includes 1" if len(same) == 1 else
                                                     "intervals include 1"),
                                                    (better, "better than persistence (whole interval below 1)")) if g]
        per.append(f"under `{t}`: " + "; ".join(bits))
    if not per:
        return []
    first = "Ratio of test MSE to the persistence forecast (tomorrow's close = today's): " + "; ".join(per) + "."
    if better_any:
        best = min(better_any, key=lambda x: x[2])
        second = (f"Some rows beat persistence beyond their seed interval (best: {best[0]} under `{best[1]}`, "
                  f"ratio {best[2]:.3f}, i.e. {1 - best[2]:.1%} lower MSE); check the Diebold-Mariano p-values "
                  "before reading this as predictability, since the test period is a single sample.")
    else:
        second = ("No network beats persistence by more than its interval under any target: on these data the "
                  "last closes carry no usable information about the next close beyond the last one, which is "
                  "what the random-walk view of prices predicts.")
    return [first, second]


def _count(n: pd.Series) -> str:
    lo, hi = (int(n.min()), int(n.max())) if len(n) else (0, 0)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def ratio_section(tidy: pd.DataFrame, target_by_label: dict[str, str]) -> str:
    """Markdown: ratio-to-persistence and direction-accuracy tables by model × target, two sentences."""
    header, rows, st = ratio_table(tidy, target_by_label)
    if not rows:
        return ""
    targets = list(dict.fromkeys(target_by_label.values()))
    n = tidy[tidy.metric == "mse_vs_persistence"].groupby(["task", "model"]).seed.nunique()
    dh, drows, _ = ratio_table(tidy, target_by_label, "direction_acc", log=False)
    sig = tidy[tidy.metric == "dm_p_vs_persistence"].merge(
        tidy[tidy.metric == "dm_stat_vs_persistence"], on=["task", "model", "seed"], suffixes=("_p", "_s"))
    sig_rows = []
    for m in [r[0] for r in rows]:
        row = [m]
        for t in targets:
            s = sig[(sig.model == m) & sig.task.isin([lb for lb, tt in target_by_label.items() if tt == t])]
            hit = s[s.value_p < 0.05]
            row.append(f"{int((hit.value_s < 0).sum())} / {int((hit.value_s > 0).sum())} of {len(s)}" if len(s) else "–")
        sig_rows.append(row)
    lines = ["\n## Stock: ratio to persistence by model × target\n",
             "Test MSE ÷ persistence MSE, in prices (below 1: better than repeating today's close). Geometric "
             f"mean over seeds (n = {_count(n)}) with the 95 % t-interval of the mean log ratio, mapped back: "
             "training randomness only; the test period is one sample (the Diebold–Mariano table speaks to that).\n",
             to_markdown(header, rows),
             "\nDirection accuracy, mean over seeds [95 % t-interval] (share of test days whose up/down move is "
             "called right; persistence calls no move, so it scores only the rare unchanged days; compare with the up-day base rate in the "
             "protocol notes, the score of always guessing up):\n",
             to_markdown(dh, drows),
             "\nDiebold–Mariano test against persistence per seed (squared errors, p < 0.05): seeds significantly "
             "better / significantly worse, of all seeds:\n",
             to_markdown(["model"] + [f"target={t}" for t in targets], sig_rows), ""]
    return "\n".join(lines + _verdict(st, targets)) + "\n"


def plot_predictions(dates: np.ndarray, true: np.ndarray, preds: dict[str, np.ndarray], stem: Path,
                     title: str, zoom: int = 60) -> list[Path]:
    """Test-period closes with each model's one-step predictions (S,), and the last `zoom` days."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [2, 1]})
    span = float(np.ptp(true)) or 1.0
    for ax, lo in ((axes[0], 0), (axes[1], max(len(true) - zoom, 0))):
        ax.plot(dates[lo:], true[lo:], color="black", lw=1.6, label="close")
        for name, p in preds.items():
            ax.plot(dates[lo:], p[lo:], lw=0.9, alpha=0.85, label=name)
        t = true[lo:]
        pad = 0.1 * (float(np.ptp(t)) or span)  # a forecast far off (e.g. a level mean) leaves the view
        ax.set_ylim(float(t.min()) - pad, float(t.max()) + pad)
        ax.set_xlabel("date")
        ax.set_ylabel("close (price units)")
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=6))
        ax.tick_params(axis="x", labelrotation=30)
    axes[0].set_title(title, fontsize=9)
    axes[1].set_title(f"last {min(zoom, len(true))} test days", fontsize=9)
    axes[0].legend(fontsize=7, ncol=4)
    return save(fig, stem)
