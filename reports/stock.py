"""The stock section per market: ratio to persistence by model × target, the walk-forward folds,
the trading table (reports/trading_report.py), and the predictions figure.

Pure functions of the tidy results (columns task, model, seed, metric, value) and of arrays.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from reports import trading
from reports.block_bootstrap import block_length
from reports.figures import date_axis, plt, save
from reports.intervals import t_interval
from reports.messages import text
from reports.stats import clark_west, dm_test, holm
from reports.tables import fmt_number, to_markdown
from reports.trading_report import trading_rows, trading_sentences, trading_table

NETWORKS = ("mlp", "rnn", "lstm", "gru")
ORDER = NETWORKS + ("persistence", "mean")


def _cell(m: float, lo: float, hi: float) -> str:
    if math.isnan(m):
        return "–"
    if math.isnan(lo) or hi - lo <= 1e-9 * max(abs(m), 1e-300):
        return fmt_number(m)
    return f"{fmt_number(m)} [{fmt_number(lo)}, {fmt_number(hi)}]"


def ratio_table(tidy: pd.DataFrame, target_by_label: dict[str, str], metric: str = "mse_vs_persistence",
                log: bool = True, lang: str = "en"):
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
    return [text(lang, "table.model")] + [f"target={t}" for t in targets], rows, stats_


def _verdict(stats_: dict, targets: list[str], lang: str = "en",
             cw: list[tuple[str, str, float]] | None = None) -> list[str]:
    """Two plain sentences, whatever the numbers show: the seed intervals of the ratios, then what the
    Clark–West test against persistence finds (cw: (model, target, Holm-adjusted p) per network row)."""
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
        groups = ((worse, "stock.worse"), (same, "stock.same_one" if len(same) == 1 else "stock.same"),
                  (better, "stock.better"))
        bits = [text(lang, key, models=", ".join(g)) for g, key in groups if g]
        per.append(text(lang, "stock.under_target", target=t, groups=text(lang, "sep.list").join(bits)))
    if not per:
        return []
    first = text(lang, "stock.verdict", per=text(lang, "sep.list").join(per))
    if better_any:
        best = min(better_any, key=lambda x: x[2])
        second = text(lang, "stock.some_better", model=best[0], target=best[1], ratio=best[2], lower=1 - best[2])
    else:
        second = text(lang, "stock.none_better")
    if cw:
        found = [(m, t, p) for m, t, p in cw if p < 0.05]
        low = min(cw, key=lambda x: x[2])
        second += " " + (text(lang, "stock.cw_some", models=", ".join(f"{m} (`{t}`, p = {p:.3g})" for m, t, p in found))
                         if found else text(lang, "stock.cw_none", model=low[0], target=low[1], p=low[2], m=len(cw)))
    return [first, second]


def _count(n: pd.Series) -> str:
    lo, hi = (int(n.min()), int(n.max())) if len(n) else (0, 0)
    return f"{lo}" if lo == hi else f"{lo}–{hi}"


def fold_ratios(loss: np.ndarray, persistence: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Ratio of MSE to persistence's per fold: losses (K, S), persistence (S,), each fold's first
    day (F,) -> (K, F)."""
    bounds = list(starts) + [loss.shape[1]]
    return np.stack([loss[:, a:b].mean(1) / persistence[a:b].mean() for a, b in zip(bounds, bounds[1:])], 1)


def _seed_counts(tidy: pd.DataFrame, label: str, model: str, lang: str = "en") -> str:
    """Seeds whose own DM test against persistence is significant (p < 0.05): better / worse, of all."""
    d = tidy[(tidy.task == label) & (tidy.model == model)]
    s = d[d.metric == "dm_p_vs_persistence"].merge(d[d.metric == "dm_stat_vs_persistence"], on="seed",
                                                    suffixes=("_p", "_s"))
    hit = s[s.value_p < 0.05]
    return text(lang, "stock.dm_cell", better=int((hit.value_s < 0).sum()), worse=int((hit.value_s > 0).sum()),
                n=len(s)) if len(s) else "–"


def fold_table(tidy: pd.DataFrame, labels: dict[str, tuple[str, dict, dict]],
               lang: str = "en") -> tuple[list[str], list[list[str]], list[tuple[str, str, float]]]:
    """Rows: target × model; columns: each fold's ratio to persistence (geometric mean over seeds),
    the pooled ratio with its interval, the pooled Diebold–Mariano test on the losses averaged over
    seeds, the Clark–West test of the networks (persistence is nested in each), both p-columns
    Holm-adjusted over the rows they test, and the count of seeds whose own test is significant.
    labels: label -> (target, {model: {seed: arrays}}, cell arrays). Also returns each network's
    (model, target, Holm-adjusted Clark–West p), for the sentences."""
    header, found = [], []
    for label, (target, by_model, cell) in labels.items():
        if "persistence_loss" not in cell:
            continue
        pers, starts, dates = cell["persistence_loss"], cell["fold_starts"], cell["test_dates"]
        ends = list(starts[1:] - 1) + [len(dates) - 1]
        header = header or ([text(lang, "stock.target"), text(lang, "table.model")]
                            + [text(lang, "stock.fold", i=i + 1, first=dates[a], last=dates[b])
                               for i, (a, b) in enumerate(zip(starts, ends))]
                            + [text(lang, k) for k in ("stock.pooled", "stock.dm_stat", "stock.dm_p", "stock.cw_p",
                                                       "stock.seed_counts")])
        for m, seeds in by_model.items():
            got = [a for _, a in sorted(seeds.items()) if "pointwise_loss" in a]
            loss = np.stack([a["pointwise_loss"] for a in got])
            per = fold_ratios(loss, pers, starts)
            pooled = t_interval(loss.mean(1) / pers.mean(), log=True)
            dm = dm_test((loss - pers).mean(0), np.zeros_like(pers))  # differences first: exactly 0 for persistence
            cw = float("nan")
            if m in NETWORKS and "test_true" in cell and "test_last" in cell and all("test_pred" in a for a in got):
                cw = clark_west(cell["test_true"], cell["test_last"], np.stack([a["test_pred"] for a in got])).p
            found.append((target, m, per, pooled, dm, cw, label))
    dm_adj = holm([f[4].p for f in found])
    cw_adj = holm([f[5] for f in found])
    rows, cw_out = [], []
    for (target, m, per, pooled, dm, _, label), p_dm, p_cw in zip(found, dm_adj, cw_adj):
        rows.append([target, m] + [fmt_number(t_interval(per[:, j], log=True).mean) for j in range(per.shape[1])]
                    + [_cell(pooled.mean, pooled.lo, pooled.hi), fmt_number(dm.stat), _p(p_dm), _p(p_cw),
                       _seed_counts(tidy, label, m, lang)])
        if not math.isnan(p_cw):
            cw_out.append((m, target, p_cw))
    return header, rows, cw_out


def _p(p: float) -> str:
    return "–" if math.isnan(p) else f"{p:.3g}" + (" *" if p < 0.05 else "")


def market_section(tidy: pd.DataFrame, market: str, labels: dict[str, tuple[str, dict, dict]], fee: float,
                   strategy: str, lang: str = "en") -> str:
    """Markdown for one market, in lang: ratio and direction tables by model × target, the walk-forward
    folds with the pooled DM test, the trading table, and sentences. labels: label -> (target,
    {model: {seed: arrays}}, cell arrays), as bench reads them from the store."""
    target_by_label = {label: v[0] for label, v in labels.items()}
    header, rows, st = ratio_table(tidy, target_by_label, lang=lang)
    if not rows:
        return ""
    targets = list(dict.fromkeys(target_by_label.values()))
    n = tidy[tidy.metric == "mse_vs_persistence"].groupby(["task", "model"]).seed.nunique()
    dh, drows, _ = ratio_table(tidy, target_by_label, "direction_acc", log=False, lang=lang)
    fh, frows, cw = fold_table(tidy, labels, lang)
    trade = trading_rows(labels, fee, strategy, lang)
    days = next((len(c["test_dates"]) for _, _, c in labels.values() if "test_dates" in c), 0)
    lines = ["\n## " + text(lang, "stock.market_title", market=market) + "\n",
             "### " + text(lang, "stock.ratio_title", market=market) + "\n",
             text(lang, "stock.ratio_intro", n=_count(n)) + "\n",
             to_markdown(header, rows),
             "\n" + text(lang, "stock.direction_intro") + "\n",
             to_markdown(dh, drows)]
    if frows:
        lines += ["\n### " + text(lang, "stock.folds_title", market=market) + "\n",
                  text(lang, "stock.folds_intro", m=len(frows), m_cw=len(cw)) + "\n",
                  to_markdown(fh, frows)]
    if trade:
        lines += ["\n### " + text(lang, "stock.trading_title", market=market) + "\n",
                  text(lang, "stock.trading_intro", strategy=strategy, fee=100 * fee, days=days,
                       resamples=trading.RESAMPLES, block=block_length(days)) + "\n",
                  trading_table(trade, lang), ""]
    lines += _verdict(st, targets, lang, cw) + [""] + trading_sentences(trade, fee, strategy, days, lang)
    return "\n".join(lines) + "\n"


def plot_predictions(dates: np.ndarray, true: np.ndarray, preds: dict[str, np.ndarray], stem: Path,
                     title: str, zoom: int = 60, fold_starts: np.ndarray = np.zeros(1, dtype=int),
                     lang: str = "en", returns: bool = False) -> list[Path]:
    """Test-period closes with each model's one-step predictions (S,), and the last `zoom` days;
    dotted lines where a walk-forward fold begins (fold_starts: each fold's first day)."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 4), gridspec_kw={"width_ratios": [2, 1]})
    span = float(np.ptp(true)) or 1.0
    for ax, lo in ((axes[0], 0), (axes[1], max(len(true) - zoom, 0))):
        ax.plot(dates[lo:], true[lo:], color="black", lw=1.6,
                label=text(lang, "fig.actual_return" if returns else "fig.close"))
        for name, p in preds.items():
            ax.plot(dates[lo:], p[lo:], lw=0.9, alpha=0.85, label=name)
        t = true[lo:]
        pad = 0.1 * (float(np.ptp(t)) or span)  # a forecast far off (e.g. a level mean) leaves the view
        ax.set_ylim(float(t.min()) - pad, float(t.max()) + pad)
        for i in np.asarray(fold_starts)[1:]:
            if i >= lo:
                ax.axvline(dates[int(i)], color="0.6", ls=":", lw=1)
        ax.set_xlabel(text(lang, "fig.date"))
        ax.set_ylabel(text(lang, "fig.return_axis" if returns else "fig.close_axis"))
        date_axis(ax)
        ax.tick_params(axis="x", labelrotation=30)
    axes[0].set_title(title, fontsize=9)
    axes[1].set_title(text(lang, "fig.last_days", days=min(zoom, len(true))), fontsize=9)
    axes[0].legend(fontsize=7, ncol=4)
    return save(fig, stem)
