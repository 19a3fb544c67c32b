"""The lecture's trading suggestions tried on the GRU's forecasts: the sign rule, the fee-aware rule,
and two confidence-sized positions, each at every fee of a sweep, against buy-and-hold.

    sign         reports/trading.positions: long (or short) on the forecast's sign, each seed
    fee-aware    trading.fee_aware_positions: a position taken or changed only when the forecast
                 move exceeds the round-trip fee, each seed
    error-sized  trading.error_sized_positions: forecast move over its recent error, each seed
    seed vote    the share of seeds agreeing on the direction (trading_report.vote_positions)

Per strategy: total return at each fee of the sweep, and at the run's fee its Sharpe ratio, time in
the market, turnover, break-even fee and Sharpe difference to buy-and-hold with its block-bootstrap
interval and p-value, Holm-adjusted over all the strategy rows of the table (one family).
Pure functions of stored forecasts.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from reports import trading
from reports.messages import text
from reports.stats import holm
from reports.tables import to_markdown
from reports.trading_report import _num, _pct, vote_positions  # the trading table's number formats

MODEL = "gru"  # the lecture's model: the one whose forecasts every strategy trades
STRATEGY_KEYS = ("sign", "fee_aware", "error_sized", "vote")
ALPHA = 0.05


@dataclass(frozen=True)
class StrategyRow:
    target: str  # "" for buy-and-hold
    key: str  # one of STRATEGY_KEYS, or "hold"
    returns: tuple[float, ...]  # total return at each fee of the sweep (mean over seeds)
    sharpe: float  # at the run's fee, and the figures below too
    in_market: float
    turnover: float
    break_even: float
    diff: float = math.nan
    lo: float = math.nan
    hi: float = math.nan
    p: float = math.nan
    p_holm: float = math.nan


def strategy_positions(key: str, preds: np.ndarray, last: np.ndarray, true: np.ndarray, strategy: str,
                       fee: float) -> np.ndarray:
    """Positions (K, S) of one strategy from the seeds' forecasts preds (K, S); the vote is (1, S)."""
    if key == "sign":
        return trading.positions(preds, last, strategy)
    if key == "fee_aware":
        return trading.fee_aware_positions(preds, last, strategy, fee)
    if key == "error_sized":
        return trading.error_sized_positions(preds, last, true, strategy)
    if key == "vote":
        return vote_positions(preds, last, strategy)[None]
    raise ValueError(f"unknown strategy {key!r}; choose from {', '.join(STRATEGY_KEYS)}")


def _row(target: str, key: str, position, asset: np.ndarray, fee: float, sweep: tuple[float, ...],
         hold: np.ndarray | None) -> StrategyRow:
    """position(fee) -> (K, S) positions at that fee."""
    returns = tuple(float(np.mean(trading.equity(trading.strategy_returns(position(f), asset, f))[..., -1] - 1))
                    for f in sweep)
    pos = position(fee)
    g = trading.strategy_returns(pos, asset, fee)
    ex = trading.exposure(pos)
    test = trading.sharpe_test(g, hold) if hold is not None else (math.nan,) * 4
    return StrategyRow(target, key, returns, float(np.mean(trading.sharpe(g))), float(np.mean(ex["in_market"])),
                       float(np.mean(ex["turnover"])), trading.break_even_fee(pos, asset), *test)


def strategy_rows(labels: dict[str, tuple[str, dict, dict]], fee: float, strategy: str,
                  sweep: tuple[float, ...]) -> list[StrategyRow]:
    """Buy-and-hold, then per target every strategy on the GRU's forecasts; p-values Holm-adjusted
    over all the strategy rows. labels: label -> (target, {model: {seed: arrays}}, cell arrays)."""
    rows: list[StrategyRow] = []
    for target, by_model, cell in labels.values():
        seeds = [a for _, a in sorted(by_model.get(MODEL, {}).items()) if "test_pred" in a]
        if not seeds or "hold_returns" not in cell:
            continue
        last, true = cell["test_last"], cell["test_true"]
        asset = trading.asset_returns(true, last)
        if not rows:
            ones = np.ones((1, len(asset)))
            rows.append(_row("", "hold", lambda f: ones, asset, fee, sweep, None))
        preds = np.stack([a["test_pred"] for a in seeds])
        for key in STRATEGY_KEYS:
            rows.append(_row(target, key, lambda f, k=key: strategy_positions(k, preds, last, true, strategy, f),
                             asset, fee, sweep, cell["hold_returns"]))
    adjusted = holm([r.p for r in rows[1:]])
    return rows[:1] + [replace(r, p_holm=q) for r, q in zip(rows[1:], adjusted)]


def _fee(x: float, lang: str) -> str:
    if math.isnan(x):
        return text(lang, "strat.no_fee")
    return "∞" if math.isinf(x) else f"{100 * x:.3g} %"


def strategy_table(rows: list[StrategyRow], sweep: tuple[float, ...], lang: str = "en") -> str:
    header = ([text(lang, "stock.target"), text(lang, "trade.h_strategy")]
              + [text(lang, "strat.h_return_at", fee=f"{100 * f:g}") for f in sweep]
              + [text(lang, k) for k in ("trade.h_sharpe", "strat.h_in_market", "strat.h_turnover",
                                         "strat.h_break_even", "trade.h_diff", "strat.h_holm")])
    body = []
    for r in rows:
        ci = f" [{_num(r.lo, True)}, {_num(r.hi, True)}]" if math.isfinite(r.lo) else ""
        body.append([r.target or "–", text(lang, f"strat.{r.key}")] + [_pct(x) for x in r.returns]
                    + [_num(r.sharpe), f"{100 * r.in_market:.0f} %", f"{r.turnover:.1f}", _fee(r.break_even, lang),
                       (_num(r.diff, True) + ci) if math.isfinite(r.diff) else "–",
                       "–" if math.isnan(r.p_holm) else f"{r.p_holm:.3g}" + (" *" if r.p_holm < ALPHA else "")])
    return to_markdown(header, body)


def _by_target(rows: list[StrategyRow], key: str) -> list[StrategyRow]:
    return [r for r in rows if r.key == key]


def _significant(rows: list[StrategyRow], m: int, lang: str) -> str:
    """Which of rows beat (or trail) buy-and-hold after Holm over the table's m strategy rows."""
    better = [r for r in rows if r.p_holm < ALPHA and r.diff > 0]
    worse = [r for r in rows if r.p_holm < ALPHA and r.diff < 0]

    def names(rs: list[StrategyRow]) -> str:
        return ", ".join(text(lang, "strat.name", strategy=text(lang, f"strat.{r.key}"), target=r.target) for r in rs)
    if better:
        return text(lang, "strat.better", names=names(better), m=m)
    return text(lang, "strat.none_better", m=m) + (text(lang, "strat.worse", names=names(worse)) if worse else
                                                   text(lang, "doc.stop"))


def fee_paragraph(rows: list[StrategyRow], fee: float, sweep: tuple[float, ...], lang: str = "en") -> list[str]:
    """The lecture's first suggestion (trade only when the profit after the fee is assured), from the rows."""
    if len(rows) < 2:
        return []
    hold, top = rows[0], len(sweep) - 1
    per = [text(lang, "strat.fee_target", target=a.target, sign=_pct(s.returns[top]), aware=_pct(a.returns[top]),
                sign_turn=s.turnover, aware_turn=a.turnover, aware_in=100 * a.in_market,
                sign_be=_fee(s.break_even, lang), aware_be=_fee(a.break_even, lang))
           for s, a in zip(_by_target(rows, "sign"), _by_target(rows, "fee_aware"))]
    return [text(lang, "strat.fee_para", model=MODEL.upper(), fee=100 * fee, top=100 * sweep[top],
                 hold=_pct(hold.returns[top]), per=text(lang, "sep.list").join(per),
                 tail=_significant(_by_target(rows, "sign") + _by_target(rows, "fee_aware"), len(rows) - 1, lang))]


def confidence_paragraph(rows: list[StrategyRow], fee: float, lang: str = "en") -> list[str]:
    """The lecture's second suggestion (size each trade by the forecast's confidence), from the rows."""
    if len(rows) < 2:
        return []
    per = [text(lang, "strat.conf_target", target=s.target, sign_sharpe=_num(s.sharpe), vote_in=100 * v.in_market,
                vote_sharpe=_num(v.sharpe), err_in=100 * e.in_market, err_sharpe=_num(e.sharpe))
           for s, v, e in zip(_by_target(rows, "sign"), _by_target(rows, "vote"), _by_target(rows, "error_sized"))]
    return [text(lang, "strat.conf_para", model=MODEL.upper(), fee=100 * fee, recent=trading.RECENT,
                 hold_sharpe=_num(rows[0].sharpe), per=text(lang, "sep.list").join(per),
                 tail=_significant(_by_target(rows, "vote") + _by_target(rows, "error_sized"), len(rows) - 1, lang))]


def suggestions_section(labels: dict[str, tuple[str, dict, dict]], market: str, fee: float, strategy: str,
                        sweep: tuple[float, ...], lang: str = "en") -> str:
    """Markdown: the strategy table and the paragraphs on the first two suggestions ('' without GRU forecasts)."""
    sweep = tuple(sorted(set(sweep) | {fee}))  # the run's fee is always one of the columns
    rows = strategy_rows(labels, fee, strategy, sweep)
    if len(rows) < 2:
        return ""
    days = next(len(c["test_dates"]) for _, _, c in labels.values() if "test_dates" in c)
    lines = ["\n### " + text(lang, "strat.title", model=MODEL.upper(), market=market) + "\n",
             text(lang, "strat.intro", model=MODEL.upper(), strategy=strategy, days=days, recent=trading.RECENT,
                  fee=100 * fee, m=len(rows) - 1) + "\n",
             strategy_table(rows, sweep, lang), ""]
    lines += fee_paragraph(rows, fee, sweep, lang) + [""] + confidence_paragraph(rows, fee, lang)
    return "\n".join(lines) + "\n"
