"""Daily price files: Yahoo Finance, kabuoji3 and FRED CSV, detected from their header.

    Yahoo     Date,Open,High,Low,Close,Adj Close,Volume     `null` rows on holidays; ISO or M/D/YYYY dates
    kabuoji3  <title line, e.g. "1321 ETF ...">              cp932, every value quoted
              "日付","始値","高値","安値","終値","出来高","終値調整値"
    FRED      DATE,<SERIES>  (or observation_date,<SERIES>)  `.` for a missing value

Rows are sorted by date; rows whose chosen column is missing are dropped and counted; a date
given twice keeps its later row (counted, and counted apart when the values differ). Anything
else that is wrong raises SequenceError: one line naming the file and the problem.
"""
from __future__ import annotations

import csv
import re
from datetime import date
from importlib.util import find_spec
from pathlib import Path

import numpy as np

from sequences.series import SequenceError, Series
from sequences.textfile import mojibake_hint, read_text

FORMATS = ("yahoo", "kabuoji3", "fred")
MISSING = {"", "null", ".", "nan", "na", "n/a", "-", "--", "#n/a"}
_ISO = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[ T])")
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# Bounds on a price history, so that every error of a forecast, squared, stays finite in float32: a price in
# [MIN_PRICE, MAX_PRICE], and at most MAX_RATIO between the largest and the smallest (a century of a split-adjusted
# share spans about 10^4; more is a unit or a typing mistake). A task refuses a constant series (nothing to
# predict; bench/tasks/stock.py).
MIN_PRICE, MAX_PRICE, MAX_RATIO = 1e-6, 1e15, 1e6
_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")
# kabuoji3's Japanese headers, reachable by the English names too (--stock-column close).
_KABU_ALIASES = {"open": "始値", "high": "高値", "low": "安値", "close": "終値", "volume": "出来高",
                 "adj close": "終値調整値"}
# Default column per format: the adjusted close where there is one (splits leave no jump), else the close.
_DEFAULT_COLUMNS = {"yahoo": ("Adj Close", "Close"), "kabuoji3": ("終値調整値", "終値")}


def detect_format(cells: list[str]) -> str | None:
    """The format whose header these cells are, or None."""
    norm = [c.strip().lstrip("\ufeff").lower() for c in cells]
    if not norm:
        return None
    if norm[0] == "日付":
        return "kabuoji3"
    if norm[0] in ("date", "observation_date"):
        return "fred" if len(norm) == 2 and norm[1] not in ("open", "close", "adj close") else "yahoo"
    return None


def _header(path, rows: list[list[str]], text: str) -> tuple[int, str]:
    """(index of the header row, format); a title line may precede a kabuoji3 header only."""
    for i, cells in enumerate(rows[:2]):
        fmt = detect_format(cells)
        if fmt is not None and (i == 0 or fmt == "kabuoji3"):
            return i, fmt
    first = ",".join(rows[0])[:60] if rows else ""
    raise SequenceError(f"{path}: unrecognised header {first!r}: expected Yahoo (Date,...,Close,Adj Close,Volume), "
                        f"kabuoji3 (title line, then 日付,...,終値,...) or FRED (DATE,<SERIES>)"
                        + mojibake_hint(text[:2000]))


def choose_column(path, fmt: str, header: list[str], column: str | None) -> int:
    """Index of the price column: the one named (case-insensitive), else the format's default."""
    norm = [h.strip().lstrip("\ufeff").lower() for h in header]
    if column is not None:
        want = column.strip().lower()
        if fmt == "kabuoji3":
            want = _KABU_ALIASES.get(want, want)
        if want in norm[1:]:
            return norm.index(want, 1)
        raise SequenceError(f"{path}: no column {column!r}; it has {', '.join(h.strip() for h in header[1:])}")
    if fmt == "fred":
        return 1
    for name in _DEFAULT_COLUMNS[fmt]:
        if name.lower() in norm:
            return norm.index(name.lower())
    raise SequenceError(f"{path}: no close column ({' or '.join(_DEFAULT_COLUMNS[fmt])}); "
                        f"it has {', '.join(h.strip() for h in header)}")


def parse_date(text: str) -> np.datetime64 | None:
    """YYYY-MM-DD, YYYY/MM/DD (an appended time is ignored) or M/D/YYYY; None if not a valid date."""
    t = text.strip()
    m = _ISO.match(t)
    ymd = (m[1], m[2], m[3]) if m else ((m[3], m[1], m[2]) if (m := _US.fullmatch(t)) else None)
    if ymd is None:
        return None
    try:
        return np.datetime64(date(*map(int, ymd)), "D")
    except ValueError:  # e.g. 2019-02-30
        return None


def parse_price(path, line: int, name: str, text: str) -> float:
    """A positive finite price, or NaN for a missing value; anything else is an error."""
    t = text.strip()
    if t.lower() in MISSING:
        return float("nan")
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    try:
        v = float(t)
    except ValueError:
        raise SequenceError(f"{path}: line {line}: {name} is not a number: {text[:40]!r}") from None
    if not np.isfinite(v):
        raise SequenceError(f"{path}: line {line}: {name} is not finite ({text.strip()!r})")
    if v <= 0:
        raise SequenceError(f"{path}: line {line}: {name} is {v:g}; prices must be positive")
    if not MIN_PRICE <= v <= MAX_PRICE:
        raise SequenceError(f"{path}: line {line}: {name} is {v:g}; prices must lie in "
                            f"[{MIN_PRICE:g}, {MAX_PRICE:g}]")
    return v


def _rows(path, text: str) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each non-blank row; a row never spans lines in these formats, so one that
    does (or that csv rejects) is reported at the line where it opens: an unterminated quote's line."""
    reader, numbered, start = csv.reader(text.splitlines()), [], 1
    try:
        for r in reader:
            if reader.line_num > start:
                raise SequenceError(f"{path}: line {start}: a quote opened on this line is not closed "
                                    f"before line {reader.line_num}")
            if any(c.strip() for c in r):
                numbered.append((start, r))
            start = reader.line_num + 1
    except csv.Error as e:
        raise SequenceError(f"{path}: line {start}: malformed CSV from this line on ({e}; "
                            f"an unterminated quote?)") from None
    return numbered


def load_stock_csv(path: str | Path, column: str | None = None) -> Series:
    """Dated prices (N,) float64 from a Yahoo, kabuoji3 or FRED CSV (plain or gzip)."""
    text, encoding = read_text(path)
    numbered = _rows(path, text)
    if not numbered:
        raise SequenceError(f"{path}: empty file")
    h, fmt = _header(path, [r for _, r in numbered], text)
    header = numbered[h][1]
    col = choose_column(path, fmt, header, column)
    name = header[col].strip()
    body = numbered[h + 1:]
    if not body:
        raise SequenceError(f"{path}: a header but no data rows")
    dates, values = [], []
    for line, cells in body:
        if len(cells) != len(header):
            raise SequenceError(f"{path}: line {line}: {len(cells)} fields, the header has {len(header)} "
                                f"(truncated or malformed row)")
        d = parse_date(cells[0])
        if d is None:
            raise SequenceError(f"{path}: line {line}: bad date {cells[0][:30]!r} "
                                f"(expected YYYY-MM-DD, YYYY/MM/DD or M/D/YYYY)")
        dates.append(d)
        values.append(parse_price(path, line, name, cells[col]))
    return _clean(path, fmt, name, encoding, np.array(dates, dtype="datetime64[D]"), np.array(values))


def _clean(path, fmt: str, name: str, encoding: str, dates: np.ndarray, values: np.ndarray) -> Series:
    """Drop missing values, sort by date, keep the later row of a repeated date; count each."""
    ok = ~np.isnan(values)
    missing = int((~ok).sum())
    if not ok.any():
        raise SequenceError(f"{path}: no usable values in column {name!r}: all {len(values)} rows are missing")
    dates, values = dates[ok], values[ok]
    order = np.argsort(dates, kind="stable")  # equal dates keep file order, the later row last
    reordered = bool(np.any(order != np.arange(len(order))))
    dates, values = dates[order], values[order]
    last = np.r_[dates[1:] != dates[:-1], True]  # the last row of each date
    group = np.cumsum(np.r_[True, dates[1:] != dates[:-1]]) - 1  # (N,) index of each row's date
    kept_value = values[last][group]
    duplicates = int((~last).sum())
    conflicting = int(np.unique(group[values != kept_value]).size)
    dates, values = dates[last], values[last]
    lo, hi = float(values.min()), float(values.max())
    if hi / lo > MAX_RATIO:
        raise SequenceError(f"{path}: column {name!r} spans {lo:g} to {hi:g}, a ratio of {hi / lo:.3g}, "
                            f"more than {MAX_RATIO:g} (a unit or a typing mistake?)")
    meta = {"format": fmt, "column": name, "encoding": encoding, "path": str(path), "missing_dropped": missing,
            "duplicates_dropped": duplicates, "conflicting_dates": conflicting, "reordered": reordered,
            "first": str(dates[0]), "last": str(dates[-1])}
    return Series(values=values, source=f"{Path(path).name} ({fmt} CSV, column {name})", kind="real",
                  units="price", index=dates, meta=meta)


def between(series: Series, start: str | None, end: str | None) -> Series:
    """The part of a dated series with start <= date <= end (ISO dates; None: open)."""
    d = series.index
    keep = np.ones(len(d), dtype=bool)
    if start:
        keep &= d >= np.datetime64(start, "D")
    if end:
        keep &= d <= np.datetime64(end, "D")
    if not keep.any():
        raise SequenceError(f"{series.source}: no rows between {start} and {end} "
                            f"(the data cover {d[0]} to {d[-1]})")
    meta = {**series.meta, "first": str(d[keep][0]), "last": str(d[keep][-1]), "span": f"{start}/{end}"}
    return Series(values=series.values[keep], source=series.source, kind=series.kind, units=series.units,
                  index=d[keep], meta=meta)


# The daily indices shipped with the ``arch`` package (1999-2018, Yahoo CSV, gzip): name -> (index, file).
MARKETS = {
    "sp500": ("S&P 500", "sp500/sp500.csv.gz"),
    "nasdaq": ("NASDAQ Composite", "nasdaq/nasdaq.csv.gz"),
}


def market_path(market: str) -> Path | None:
    """The file of one of MARKETS, found without importing arch (its import takes seconds); None
    when arch is not installed. An unknown name raises SequenceError listing the valid ones."""
    if market not in MARKETS:
        raise SequenceError(f"unknown market {market!r}; choose from {', '.join(MARKETS)}")
    spec = find_spec("arch")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(list(spec.submodule_search_locations)[0]) / "data" / MARKETS[market][1]
    return p if p.exists() else None
