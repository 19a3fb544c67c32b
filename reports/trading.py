"""Trading on one-step forecasts: positions, daily returns after fees, and what they add up to.

    day i: today's close c_i, the forecast f_i of tomorrow's close, tomorrow's close p_i
    asset return      r_i = p_i / c_i - 1
    position          long-flat: 1 if f_i > c_i else 0;  long-short: sign(f_i - c_i)
                      (decided at today's close, held until tomorrow's; flat before the first day)
    strategy return   g_i = pos_i · r_i - fee · |pos_i - pos_{i-1}|

The fee is a fraction of the value traded, paid on every change of position (long -> short
trades twice the value). Nothing is charged for the position still open after the last day.
Buy-and-hold is position 1 every day (one entry fee); never trading is 0 every day. Risk-free
rate 0; a year is ANNUAL_DAYS trading days. Pure functions of numpy arrays.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np

from reports.block_bootstrap import BOOT_SEED, block_length, circular_block_starts, resample_sums

STRATEGIES = ("long-flat", "long-short")
MAX_FEE = 0.1  # a fee above 10 % of the value traded is a typo, not a market
ANNUAL_DAYS = 252
RESAMPLES = 2000  # block-bootstrap resamples of the Sharpe difference
LEVEL = 0.95


def check_strategy(name: str) -> str:
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; choose from {', '.join(STRATEGIES)}")
    return name


def positions(pred: np.ndarray, last: np.ndarray, strategy: str) -> np.ndarray:
    """Forecasts (..., S) and today's closes (S,) -> positions (..., S) in {0, 1} or {-1, 0, 1}."""
    move = np.sign(np.asarray(pred, dtype=np.float64) - last)
    return np.maximum(move, 0.0) if check_strategy(strategy) == "long-flat" else move


def asset_returns(true: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Tomorrow's close over today's, minus 1: (S,)."""
    return np.asarray(true, dtype=np.float64) / last - 1


def strategy_returns(pos: np.ndarray, asset: np.ndarray, fee: float) -> np.ndarray:
    """Daily returns (..., S) after fees of holding pos (..., S) (fractions of equity) over asset (S,)."""
    change = np.abs(np.diff(pos, axis=-1, prepend=0.0))
    return pos * asset - fee * change


def trades(pos: np.ndarray) -> np.ndarray:
    """Number of position changes (..., ), the first entry included."""
    return (np.diff(pos, axis=-1, prepend=0.0) != 0).sum(-1)


def equity(g: np.ndarray) -> np.ndarray:
    """Wealth after each day (..., S), starting from 1."""
    return np.cumprod(1 + np.asarray(g, dtype=np.float64), axis=-1)


def sharpe(g: np.ndarray) -> np.ndarray:
    """Annualised Sharpe ratio of daily returns (..., S): mean / sd · sqrt(ANNUAL_DAYS); 0 for
    returns that are all zero (never trading), NaN for other constant returns."""
    g = np.asarray(g, dtype=np.float64)
    return _sharpe(g.mean(-1), g.std(-1, ddof=1))


def _sharpe(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        s = mean / sd * math.sqrt(ANNUAL_DAYS)
    return np.where(sd > 0, s, np.where(mean == 0, 0.0, np.nan))


def _resampled_sharpe(g: np.ndarray, starts: np.ndarray, block: int) -> np.ndarray:
    """Sharpe ratio (..., R) of every circular-block resample of daily returns g (..., S), from the
    resamples' sums of g and g² (sd = 0 when the spread is within rounding of the mean square)."""
    n = g.shape[-1]
    s1, s2 = resample_sums(g, starts, block), resample_sums(g * g, starts, block)
    var = (s2 - s1 * s1 / n) / (n - 1)
    return _sharpe(s1 / n, np.sqrt(np.where(var > 1e-12 * s2 / n, var, 0.0)))


def max_drawdown(g: np.ndarray) -> np.ndarray:
    """Largest fall from a running peak of wealth (the start, 1, included), as a fraction (..., )."""
    eq = equity(g)
    peak = np.maximum.accumulate(np.maximum(eq, 1.0), axis=-1)
    return (1 - eq / peak).max(-1)


def summary(g: np.ndarray, pos: np.ndarray) -> dict[str, np.ndarray]:
    """Total and annualised return, annualised Sharpe, maximum drawdown and trades of (..., S) returns."""
    total = equity(g)[..., -1]
    years = g.shape[-1] / ANNUAL_DAYS
    with np.errstate(invalid="ignore"):
        annual = np.where(total > 0, np.power(np.maximum(total, 0), 1 / years) - 1, -1.0)
    return {"total_return": total - 1, "annual_return": annual, "sharpe": sharpe(g),
            "max_drawdown": max_drawdown(g), "trades": trades(pos).astype(np.float64)}


_DIFFERENCES: dict[tuple, tuple[float, float, float, int]] = {}  # sharpe_difference's results by content
_KEEP = 512  # results kept: a report asks for each (strategy, days) pair twice (its table and its answer)


def sharpe_difference(g: np.ndarray, hold: np.ndarray, block: int | None = None, resamples: int = RESAMPLES,
                      level: float = LEVEL, seed: int = BOOT_SEED) -> tuple[float, float, float, int]:
    """_sharpe_difference, remembered by the bytes of its inputs (the bootstrap is a report's largest
    cost, and the same inputs give the same interval: the resamples come from a fixed seed)."""
    g64, h64 = np.asarray(g, dtype=np.float64), np.asarray(hold, dtype=np.float64)
    key = (hashlib.sha1(g64.tobytes()).hexdigest(), g64.shape, hashlib.sha1(h64.tobytes()).hexdigest(),
           block, resamples, level, seed)
    if key not in _DIFFERENCES:
        if len(_DIFFERENCES) >= _KEEP:
            _DIFFERENCES.pop(next(iter(_DIFFERENCES)))
        _DIFFERENCES[key] = _sharpe_difference(g64, h64, block, resamples, level, seed)
    return _DIFFERENCES[key]


def _sharpe_difference(g: np.ndarray, hold: np.ndarray, block: int | None = None, resamples: int = RESAMPLES,
                       level: float = LEVEL, seed: int = BOOT_SEED) -> tuple[float, float, float, int]:
    """Mean over members of Sharpe(g_k) - Sharpe(hold), with a circular-block-bootstrap interval.

    g (K, S) daily strategy returns of K members, hold (S,) buy-and-hold's. Each resample draws
    the same days for every member and for buy-and-hold, so the interval carries the uncertainty
    of the test period (one sample of days), not only the members' spread. Returns (difference,
    low, high, block length)."""
    block = block_length(np.shape(g)[-1]) if block is None else block
    return (*sharpe_test(g, hold, block, resamples, level, seed)[:3], block)


# ---------------------------------------------------------------- the lecture's trading suggestions
FEE_SWEEP = (0.0, 0.0005, 0.001, 0.003)  # fees every strategy is also traded at: 0, 0.05 %, 0.1 %, 0.3 %
RECENT = 20  # past forecast errors (days) whose root mean square sizes an error-sized position


def fee_aware_positions(pred: np.ndarray, last: np.ndarray, strategy: str, fee: float) -> np.ndarray:
    """(..., S): the sign rule's position on days whose forecast move |f_i - c_i| / c_i exceeds the
    round-trip fee (2 · fee), else the position already held (flat before the first day): a
    position is taken or changed only when the forecast says the trade pays for itself."""
    want = positions(pred, last, strategy)
    go = np.abs(np.asarray(pred, dtype=np.float64) - last) > 2 * fee * last  # (..., S)
    at = np.maximum.accumulate(np.where(go, np.arange(want.shape[-1]), -1), axis=-1)  # last day that decided
    return np.where(at >= 0, np.take_along_axis(want, np.maximum(at, 0), axis=-1), 0.0)


def error_sized_positions(pred: np.ndarray, last: np.ndarray, true: np.ndarray, strategy: str,
                          recent: int = RECENT) -> np.ndarray:
    """(..., S): forecast move over the root mean square of the member's last `recent` forecast
    errors known on the day (those of days before it: a forecast's error is known a day later),
    clipped to [-1, 1] (long-flat: [0, 1]); flat on the first day, which knows no error."""
    pred = np.asarray(pred, dtype=np.float64)
    e2 = (pred - true) ** 2  # (..., S): known at the close of the day after
    c = np.concatenate([np.zeros(e2.shape[:-1] + (1,)), np.cumsum(e2, axis=-1)], axis=-1)  # (..., S + 1)
    i = np.arange(e2.shape[-1])
    lo = np.maximum(i - recent, 0)
    n = i - lo  # errors known on day i
    with np.errstate(divide="ignore", invalid="ignore"):
        rms = np.sqrt((c[..., i] - c[..., lo]) / n)
        size = np.where((n > 0) & (rms > 0), (pred - last) / rms, 0.0)
    size = np.clip(size, -1.0, 1.0)
    return np.maximum(size, 0.0) if check_strategy(strategy) == "long-flat" else size


def exposure(pos: np.ndarray) -> dict[str, np.ndarray]:
    """Time in the market (mean |position|) and turnover (equity traded per year) of (..., S) positions."""
    change = np.abs(np.diff(pos, axis=-1, prepend=0.0)).sum(-1)
    return {"in_market": np.abs(pos).mean(-1), "turnover": change * ANNUAL_DAYS / pos.shape[-1]}


def break_even_fee(pos: np.ndarray, asset: np.ndarray) -> float:
    """The fee at which the members' mean sum of daily returns after fees falls to 0: their gross
    gain over what they trade (positions (..., S)); inf when nothing is traded, NaN when the gross
    gain is not positive (no fee is low enough)."""
    gain = float(np.mean((pos * asset).sum(-1)))
    traded = float(np.mean(np.abs(np.diff(pos, axis=-1, prepend=0.0)).sum(-1)))
    if gain <= 0:
        return math.nan
    return gain / traded if traded > 0 else math.inf


def sharpe_test(g: np.ndarray, hold: np.ndarray, block: int | None = None, resamples: int = RESAMPLES,
                level: float = LEVEL, seed: int = BOOT_SEED) -> tuple[float, float, float, float]:
    """sharpe_difference's (difference, low, high) and a two-sided bootstrap p-value: twice the
    smaller share of resamples on either side of 0 (at most 1; NaN where there is no interval)."""
    g = np.atleast_2d(np.asarray(g, dtype=np.float64))
    S = g.shape[1]
    point = float(np.mean(sharpe(g)) - sharpe(hold))
    if S < 3 or not np.isfinite(g).all():
        return (point, math.nan, math.nan, math.nan)
    block = block_length(S) if block is None else block
    starts = circular_block_starts(S, block, resamples, np.random.default_rng(seed))
    both = _resampled_sharpe(np.vstack([g, hold]), starts, block)
    diff = both[:-1].mean(0) - both[-1]
    lo, hi = np.quantile(diff, [(1 - level) / 2, (1 + level) / 2])
    p = min(1.0, 2 * min(float(np.mean(diff <= 0)), float(np.mean(diff >= 0))))
    return (point, float(lo), float(hi), p)
