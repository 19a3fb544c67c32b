"""Economic features beside a market's closes: other daily series aligned to its trading days
without look-ahead, one column each.

    other    the other market's daily log return (S&P 500 <-> NASDAQ; the Nikkei 225 reads the S&P 500)
    volume   the traded market's own log volume (its file's Volume column: Yahoo files, arch's markets)
    vix      the CBOE VIX, log level (arch.data.vix, 2014-01-03 .. 2019-01-03)
    wti      WTI crude oil spot, daily log return (arch.data.wti: FRED DCOILWTICO, 1986 .. 2019-01-03)

Alignment: the value for trading day t is the feature's last value dated d with d < t, or d = t
when the feature's source closes no later than the traded market (sequences/markets.py gives the
hours); so the forecast made at the close of day t reads only what was known then. A user's own
file has no known closing hour: it reads only features dated before t. A feature that starts after
the first close, or whose last value is more than STALE_DAYS before a close it must inform, does
not cover the data: SequenceError naming both spans.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Callable

import numpy as np

from sequences.series import SequenceError, Series
from sequences.stock import load_stock_csv, parse_date
from sequences.textfile import read_text

STALE_DAYS = 7  # a value older than this (calendar days) informs no close: the source has stopped


@dataclass(frozen=True)
class Dated:
    """A feature's values (N,) on its own dates (N,) datetime64[D], and its source's closing hour (UTC)."""

    dates: np.ndarray
    values: np.ndarray
    close_utc: float
    source: str


def log_return(s: Series, close_utc: float) -> Dated:
    return Dated(s.index[1:], np.diff(np.log(s.values)), close_utc, s.source)


def log_level(s: Series, close_utc: float) -> Dated:
    return Dated(s.index, np.log(s.values), close_utc, s.source)


def arch_file(name: str) -> Path:
    """One of arch's data files (e.g. vix/vix.csv.gz), found without importing arch."""
    spec = find_spec("arch")
    p = Path(list(spec.submodule_search_locations)[0]) / "data" / name if spec and spec.submodule_search_locations \
        else None
    if p is None or not p.exists():
        raise SequenceError(f"the feature data {name} come with the `arch` package: pip install arch")
    return p


@dataclass(frozen=True)
class Feature:
    description: str
    # load(traded file, traded market's name or None, its closing hour or None) -> Dated
    load: Callable[[Path, str | None, float | None], Dated]


def _other(path: Path, market: str | None, close: float | None) -> Dated:
    from sequences.markets import MARKETS, check_market, market_file
    if market is None:
        raise SequenceError("feature other: a file of your own has no other market; use the markets' names "
                            "(--market) or drop the feature")
    other = check_market(market).other
    return log_return(load_stock_csv(market_file(other)), MARKETS[other].close_utc)


def _volume(path: Path, market: str | None, close: float | None) -> Dated:
    """The file's Volume column; a zero or missing volume (arch's NASDAQ has one) is no value that day."""
    text, _ = read_text(path)
    rows = [r for r in csv.reader(text.splitlines()) if r]
    header = [h.strip().lstrip("\ufeff").lower() for h in rows[0]]
    if "volume" not in header:
        raise SequenceError(f"feature volume: {path} has no Volume column (it has {', '.join(rows[0])})")
    col = header.index("volume")
    dates, values = [], []
    for r in rows[1:]:
        d, v = parse_date(r[0]), r[col].strip() if len(r) > col else ""
        try:
            v = float(v)
        except ValueError:
            continue
        if d is not None and np.isfinite(v) and v > 0:
            dates.append(d)
            values.append(v)
    if not dates:
        raise SequenceError(f"feature volume: {path} has no positive volume")
    order = np.argsort(np.array(dates, dtype="datetime64[D]"), kind="stable")
    d = np.array(dates, dtype="datetime64[D]")[order]
    return Dated(d, np.log(np.array(values)[order]), close if close is not None else -np.inf, f"{path.name} Volume")


def _series(name: str, close_utc: float, transform) -> Callable:
    return lambda path, market, close: transform(load_stock_csv(arch_file(name)), close_utc)


FEATURES: dict[str, Feature] = {
    "other": Feature("the other market's daily log return (S&P 500 <-> NASDAQ; S&P 500 for the Nikkei 225)", _other),
    "volume": Feature("the traded market's log volume (files with a Volume column)", _volume),
    "vix": Feature("CBOE VIX, log level (arch, 2014-2019)", _series("vix/vix.csv.gz", 21.25, log_level)),
    "wti": Feature("WTI crude oil, daily log return (arch: FRED DCOILWTICO, 1986-2019)",
                   _series("wti/wti.csv.gz", 19.5, log_return)),
}
NONE = "none"


def parse_features(text: str) -> tuple[str, ...]:
    """Comma-separated names -> the canonical tuple (registry order, no repeats); "none" or "" -> ()."""
    names = [t.strip() for t in text.split(",") if t.strip()]
    if names == [NONE] or not names:
        return ()
    bad = [n for n in names if n not in FEATURES]
    if bad:
        raise SequenceError(f"unknown feature {bad[0]!r}; choose from {', '.join(FEATURES)} (or {NONE})")
    return tuple(n for n in FEATURES if n in names)


def align(f: Dated, dates: np.ndarray, close_utc: float | None, name: str) -> np.ndarray:
    """The feature's value known at the close of each trading day dates (N,) -> (N,) float64."""
    same_day = close_utc is not None and f.close_utc <= close_utc
    i = np.searchsorted(f.dates, dates, side="right" if same_day else "left") - 1  # (N,) last usable value
    span = f"{f.dates[0]}..{f.dates[-1]}"
    if i[0] < 0:
        raise SequenceError(f"feature {name} ({f.source}) covers {span}: nothing is known at the first close "
                            f"{dates[0]} (the data run {dates[0]}..{dates[-1]}); pick a later span or drop it")
    age = (dates - f.dates[i]).astype(int)
    if age.max() > STALE_DAYS:
        k = int(np.argmax(age > STALE_DAYS))
        raise SequenceError(f"feature {name} ({f.source}) covers {span}: its last value is {age[k]} days old at "
                            f"{dates[k]} (the data run {dates[0]}..{dates[-1]}); pick an earlier span or drop it")
    return f.values[i]


def feature_matrix(names: tuple[str, ...], dates: np.ndarray, path: Path, market: str | None,
                   close_utc: float | None) -> np.ndarray:
    """(N, E) features for the trading days dates (N,), one column per name."""
    return np.stack([align(FEATURES[n].load(path, market, close_utc), dates, close_utc, n) for n in names], axis=1)
