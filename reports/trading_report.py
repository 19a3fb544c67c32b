"""The trading table, its plain-words reading and the equity figure, from stored forecasts.

Inputs per task label (one target on one market): its target, {model: {seed: arrays}} with each
seed's `test_pred` and `trade_returns`, and the cell-level `test_last`, `hold_returns`,
`test_dates` (see reports/trading.py for the strategy).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reports import trading
from reports.figures import date_axis, plt, save
from reports.messages import text
from reports.stats import holm
from reports.tables import ALPHA, to_markdown


@dataclass(frozen=True)
class Row:
    """One strategy: mean over seeds of its figures, the Sharpe difference to buy-and-hold with
    its block-bootstrap interval (NaN for the benchmarks themselves)."""

    target: str
    model: str
    total: float
    annual: float
    sharpe: float
    drawdown: float
    trades: float
    diff: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    p: float = math.nan  # two-sided bootstrap p of diff = 0 (unadjusted)


def _row(target: str, model: str, g: np.ndarray, pos: np.ndarray, hold: np.ndarray | None) -> Row:
    s = {k: float(np.mean(v)) for k, v in trading.summary(g, pos).items()}
    d = trading.sharpe_test(g, hold) if hold is not None else (math.nan,) * 4  # difference, low, high, p
    return Row(target, model, s["total_return"], s["annual_return"], s["sharpe"], s["max_drawdown"], s["trades"], *d)


def vote_positions(preds: np.ndarray, last: np.ndarray, strategy: str) -> np.ndarray:
    """Positions (S,) sized by agreement across seeds: the mean of the seeds' positions (the share
    of seeds calling a rise for long-flat; rises minus falls over seeds for long-short)."""
    return trading.positions(preds, last, strategy).mean(0)


def trading_rows(labels: dict[str, tuple[str, dict, dict]], fee: float, strategy: str, lang: str = "en") -> list[Row]:
    """Buy-and-hold and never trading, then per target each model (mean over seeds) and, for
    models whose seeds disagree, their seed vote (row names in lang). labels: label -> (target,
    by_model, cell arrays)."""
    rows: list[Row] = []
    for target, by_model, cell in labels.values():
        if "hold_returns" not in cell:
            continue
        hold, last = cell["hold_returns"], cell["test_last"]
        if not rows:
            ones = np.ones_like(hold)
            rows += [_row("", text(lang, "trade.buy_hold"), hold, ones, None),
                     _row("", text(lang, "trade.never"), np.zeros_like(hold), 0 * ones, None)]
        for m, by_seed in by_model.items():  # in the run's model order
            seeds = [a for _, a in sorted(by_seed.items()) if "trade_returns" in a]
            if not seeds:
                continue
            preds = np.stack([a["test_pred"] for a in seeds])
            rows.append(_row(target, m, np.stack([a["trade_returns"] for a in seeds]),
                             trading.positions(preds, last, strategy), hold))
            if np.ptp(preds, axis=0).any():  # seeds that disagree somewhere (not a baseline)
                pos = vote_positions(preds, last, strategy)
                asset = trading.asset_returns(cell["test_true"], last)
                rows.append(_row(target, text(lang, "trade.vote", model=m), trading.strategy_returns(pos, asset, fee),
                                 pos, hold))
    return rows


def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{round(100 * x, 1) + 0.0:+.1f} %"


def _num(x: float, signed: bool = False) -> str:
    x = round(x, 2) + 0.0 if math.isfinite(x) else x  # no "-0.00"
    return "–" if not math.isfinite(x) else (f"{x:+.2f}" if signed else f"{x:.2f}")


HEADER = ("stock.target", "trade.h_strategy", "trade.h_total", "trade.h_annual", "trade.h_sharpe", "trade.h_drawdown",
          "trade.h_trades", "trade.h_diff")  # the trading table's columns


def trading_table(rows: list[Row], lang: str = "en") -> str:
    header = [text(lang, k) for k in HEADER]
    body = []
    for r in rows:
        ci = f" [{_num(r.lo, True)}, {_num(r.hi, True)}]" if math.isfinite(r.lo) else ""
        trades = f"{r.trades:.0f}" if float(r.trades).is_integer() else f"{r.trades:.1f}"
        body.append([r.target or "–", r.model, _pct(r.total), _pct(r.annual), _num(r.sharpe),
                     f"{100 * r.drawdown:.1f} %" if math.isfinite(r.drawdown) else "–", trades,
                     (_num(r.diff, True) + ci) if math.isfinite(r.diff) else "–"])
    return to_markdown(header, body)


def _names(rows: list[Row], lang: str) -> str:
    return ", ".join(text(lang, "trade.name", model=r.model, target=r.target) for r in rows)


def _targets(rows: list[Row]) -> str:
    return ", ".join(f"`{r.target}`" for r in rows)


def _range(rows: list[Row], lang: str) -> str:
    lo, hi = min(rows, key=lambda r: r.total), max(rows, key=lambda r: r.total)
    if _pct(lo.total) == _pct(hi.total):
        return text(lang, "trade.range_one", pct=_pct(lo.total), target=lo.target) if len(rows) == 1 else \
            text(lang, "trade.range_each", pct=_pct(lo.total))
    return text(lang, "trade.range", lo=_pct(lo.total), lo_target=lo.target, hi=_pct(hi.total), hi_target=hi.target)


def trading_sentences(rows: list[Row], fee: float, strategy: str, days: int, lang: str = "en") -> list[str]:
    """What a user could and could not have earned with each model, in plain words (lang), from the rows."""
    if len(rows) < 3:
        return []
    hold, models = rows[0], [r for r in rows[2:] if r.model != "persistence"]
    out = [text(lang, "trade.intro", days=days, wealth=1 + hold.total, pct=_pct(hold.total), sharpe=_num(hold.sharpe),
                fall=100 * hold.drawdown, strategy=strategy, fee=100 * fee)]
    tie = 1e-12 * max(1.0, abs(hold.total))
    for name in dict.fromkeys(r.model for r in models):
        mine = [r for r in models if r.model == name]
        richer = [r for r in mine if r.total > hold.total + tie]
        same = [r for r in mine if abs(r.total - hold.total) <= tie]
        verdict = (text(lang, "trade.richer", targets=_targets(richer)) if richer else text(lang, "trade.never_richer"))
        if same:
            verdict += text(lang, "trade.same", targets=_targets(same))
        lost = [r for r in mine if r.total < 0]
        if lost:
            verdict += text(lang, "trade.lost", targets=_targets(lost))
        out.append(text(lang, "trade.model_line", model=name, range=_range(mine, lang), verdict=verdict))
    # The rows compared with buy-and-hold, Holm-adjusted over all of them (their count stated)
    tested = [r for r in models if math.isfinite(r.p)]
    adjusted = dict(zip(map(id, tested), holm([r.p for r in tested])))
    better = [r for r in tested if adjusted[id(r)] < ALPHA and r.diff > 0]
    worse = [r for r in tested if adjusted[id(r)] < ALPHA and r.diff < 0]
    if better:
        out.append(text(lang, "trade.better", names=_names(better, lang), m=len(tested)))
    else:
        out.append(text(lang, "trade.none_better", m=len(tested),
                        tail=text(lang, "trade.worse_tail", names=_names(worse, lang)) if worse
                        else text(lang, "doc.stop")))
    return out


def median_member(g: np.ndarray) -> int:
    """Index of the member whose final wealth is the median (the lower one of two middles)."""
    final = trading.equity(g)[:, -1]
    return int(np.argsort(final, kind="stable")[(len(final) - 1) // 2])


def plot_equity(dates: np.ndarray, hold: np.ndarray, returns: dict[str, np.ndarray], fold_starts: np.ndarray,
                stem: Path, title: str, lang: str = "en") -> list[Path]:
    """Wealth of each model's strategy (its median seed; returns[m] is (K, S)) and buy-and-hold."""
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, g in returns.items():
        ax.plot(dates, trading.equity(g[median_member(g)]), lw=1.0, alpha=0.9, label=name)
    ax.plot(dates, trading.equity(hold), color="black", ls="--", lw=1.2, zorder=5, label=text(lang, "trade.buy_hold"))
    for i in np.asarray(fold_starts)[1:]:
        ax.axvline(dates[int(i)], color="0.6", ls=":", lw=1)
    ax.axhline(1.0, color="0.4", lw=0.6)
    ax.set_xlabel(text(lang, "fig.date_folds" if len(fold_starts) > 1 else "fig.date"))
    ax.set_ylabel(text(lang, "fig.wealth_axis"))
    date_axis(ax)
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, ncol=4)
    return save(fig, stem)
