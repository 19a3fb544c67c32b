"""The trading table, its plain-words reading and the equity figure, from stored forecasts.

Inputs per task label (one target on one market): its target, {model: {seed: arrays}} with each
seed's `test_pred` and `trade_returns`, and the cell-level `test_last`, `hold_returns`,
`test_dates` (see reports/trading.py for the strategy).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np

from reports import trading
from reports.figures import plt, save
from reports.tables import to_markdown

VOTE = "seed vote"


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


def _row(target: str, model: str, g: np.ndarray, pos: np.ndarray, hold: np.ndarray | None) -> Row:
    s = {k: float(np.mean(v)) for k, v in trading.summary(g, pos).items()}
    d = trading.sharpe_difference(g, hold) if hold is not None else (math.nan,) * 3
    return Row(target, model, s["total_return"], s["annual_return"], s["sharpe"], s["max_drawdown"], s["trades"],
               *d[:3])


def vote_positions(preds: np.ndarray, last: np.ndarray, strategy: str) -> np.ndarray:
    """Positions (S,) sized by agreement across seeds: the mean of the seeds' positions (the share
    of seeds calling a rise for long-flat; rises minus falls over seeds for long-short)."""
    return trading.positions(preds, last, strategy).mean(0)


def trading_rows(labels: dict[str, tuple[str, dict, dict]], fee: float, strategy: str) -> list[Row]:
    """Buy-and-hold and never trading, then per target each model (mean over seeds) and, for
    models whose seeds disagree, their seed vote. labels: label -> (target, by_model, cell arrays)."""
    rows: list[Row] = []
    for target, by_model, cell in labels.values():
        if "hold_returns" not in cell:
            continue
        hold, last = cell["hold_returns"], cell["test_last"]
        if not rows:
            ones = np.ones_like(hold)
            rows += [_row("", "buy-and-hold", hold, ones, None),
                     _row("", "never trade", np.zeros_like(hold), 0 * ones, None)]
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
                rows.append(_row(target, f"{m} ({VOTE})", trading.strategy_returns(pos, asset, fee), pos, hold))
    return rows


def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{round(100 * x, 1) + 0.0:+.1f} %"


def _num(x: float, signed: bool = False) -> str:
    x = round(x, 2) + 0.0 if math.isfinite(x) else x  # no "-0.00"
    return "–" if not math.isfinite(x) else (f"{x:+.2f}" if signed else f"{x:.2f}")


def trading_table(rows: list[Row]) -> str:
    header = ["target", "strategy", "total return", "per year", "Sharpe", "max drawdown", "trades",
              "Sharpe − buy-and-hold [95 % CI]"]
    body = []
    for r in rows:
        ci = f" [{_num(r.lo, True)}, {_num(r.hi, True)}]" if math.isfinite(r.lo) else ""
        trades = f"{r.trades:.0f}" if float(r.trades).is_integer() else f"{r.trades:.1f}"
        body.append([r.target or "–", r.model, _pct(r.total), _pct(r.annual), _num(r.sharpe),
                     f"{100 * r.drawdown:.1f} %" if math.isfinite(r.drawdown) else "–", trades,
                     (_num(r.diff, True) + ci) if math.isfinite(r.diff) else "–"])
    return to_markdown(header, body)


def _names(rows: list[Row]) -> str:
    return ", ".join(f"{r.model} under `{r.target}`" for r in rows)


def _range(rows: list[Row]) -> str:
    lo, hi = min(rows, key=lambda r: r.total), max(rows, key=lambda r: r.total)
    if _pct(lo.total) == _pct(hi.total):
        return _pct(lo.total) + (f" (`{lo.target}`)" if len(rows) == 1 else " under each target")
    return f"from {_pct(lo.total)} (`{lo.target}`) to {_pct(hi.total)} (`{hi.target}`)"


def trading_sentences(rows: list[Row], fee: float, strategy: str, days: int) -> list[str]:
    """What a user could and could not have earned with each model, in plain words, from the rows."""
    if len(rows) < 3:
        return []
    hold, models = rows[0], [r for r in rows[2:] if r.model != "persistence"]
    out = [f"Buying and holding over these {days} test days turned 1 into {1 + hold.total:.3f} ({_pct(hold.total)}, "
           f"Sharpe {_num(hold.sharpe)}, worst fall {100 * hold.drawdown:.1f} %); never trading keeps 1. Trading "
           f"{strategy} on a model's forecasts, paying {100 * fee:.2g} % of the value at every change of position, "
           "a user would have ended with (mean over seeds; persistence never moves, so it never trades):"]
    tie = 1e-12 * max(1.0, abs(hold.total))
    for name in dict.fromkeys(r.model for r in models):
        mine = [r for r in models if r.model == name]
        richer = [r for r in mine if r.total > hold.total + tie]
        same = [r for r in mine if abs(r.total - hold.total) <= tie]
        verdict = (f"more than buy-and-hold under {', '.join(f'`{r.target}`' for r in richer)}" if richer else
                   "never more than buy-and-hold")
        if same:
            verdict += f"; exactly as much under {', '.join(f'`{r.target}`' for r in same)} (long every day)"
        lost = [r for r in mine if r.total < 0]
        if lost:
            verdict += f"; lost money under {', '.join(f'`{r.target}`' for r in lost)}"
        out.append(f"- {name}: {_range(mine)}; {verdict}.")
    better = [r for r in models if r.lo > 0]
    worse = [r for r in models if r.hi < 0]
    if better:
        out.append("- A better Sharpe ratio than buy-and-hold beyond the 95 % block-bootstrap interval: "
                   f"{_names(better)}; check the fold table before trusting it: one test period is one sample of days.")
    else:
        out.append("- No strategy has a Sharpe ratio above buy-and-hold's beyond its 95 % block-bootstrap interval: on "
                   "these days no model's forecasts earned more per unit of risk than simply holding the index"
                   + (f"; {_names(worse)} did significantly worse." if worse else "."))
    return out


def median_member(g: np.ndarray) -> int:
    """Index of the member whose final wealth is the median (the lower one of two middles)."""
    final = trading.equity(g)[:, -1]
    return int(np.argsort(final, kind="stable")[(len(final) - 1) // 2])


def plot_equity(dates: np.ndarray, hold: np.ndarray, returns: dict[str, np.ndarray], fold_starts: np.ndarray,
                stem: Path, title: str) -> list[Path]:
    """Wealth of each model's strategy (its median seed; returns[m] is (K, S)) and buy-and-hold."""
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, g in returns.items():
        ax.plot(dates, trading.equity(g[median_member(g)]), lw=1.0, alpha=0.9, label=name)
    ax.plot(dates, trading.equity(hold), color="black", ls="--", lw=1.2, zorder=5, label="buy-and-hold")
    for i in np.asarray(fold_starts)[1:]:
        ax.axvline(dates[int(i)], color="0.6", ls=":", lw=1)
    ax.axhline(1.0, color="0.4", lw=0.6)
    ax.set_xlabel("date (dotted: a new walk-forward fold)" if len(fold_starts) > 1 else "date")
    ax.set_ylabel("wealth after fees (start = 1)")
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, ncol=4)
    return save(fig, stem)
