"""Small price files written the way their sources write them (helpers for the stock tests)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

YAHOO_HEADER = "Date,Open,High,Low,Close,Adj Close,Volume"
KABU_TITLE = "1321 ETF 日経225連動型上場投資信託"
KABU_HEADER = ("日付", "始値", "高値", "安値", "終値", "出来高", "終値調整値")


def walk(n: int, seed: int = 0, start: float = 2000.0) -> np.ndarray:
    """A geometric random walk of n positive prices, rounded to cents like a quote."""
    r = np.random.default_rng(seed).normal(0.0003, 0.01, n)
    return np.round(start * np.exp(np.cumsum(r)), 2)


def business_days(n: int, start: str = "2019-01-01") -> np.ndarray:
    return np.busday_offset(np.datetime64(start, "D"), np.arange(n), roll="forward")


def yahoo(path: Path, prices: np.ndarray, us_dates: bool = False, holidays: tuple[int, ...] = (),
          newline: str = "\n") -> Path:
    """Yahoo Finance download: ISO dates (or M/D/YYYY after a spreadsheet), `null` rows on holidays."""
    lines = [YAHOO_HEADER]
    for i, (d, p) in enumerate(zip(business_days(len(prices)), prices)):
        y, m, dd = str(d).split("-")
        ds = f"{int(m)}/{int(dd)}/{y}" if us_dates else str(d)
        if i in holidays:
            lines.append(f"{ds},null,null,null,null,null,null")
        else:
            lines.append(f"{ds},{p - 1:.6f},{p + 5:.6f},{p - 5:.6f},{p:.6f},{p:.6f},{1000000 + i}")
    path.write_text(newline.join(lines) + newline, encoding="utf-8")
    return path


def kabuoji3(path: Path, prices: np.ndarray, encoding: str = "cp932") -> Path:
    """kabuoji3.com download: cp932, a title line, a header, every value quoted, CRLF."""
    lines = [f'"{KABU_TITLE}"', ",".join(f'"{h}"' for h in KABU_HEADER)]
    for i, (d, p) in enumerate(zip(business_days(len(prices)), prices)):
        vals = [str(d), f"{p:.0f}", f"{p + 50:.0f}", f"{p - 50:.0f}", f"{p:.0f}", str(5000 + i), f"{p:.0f}"]
        lines.append(",".join(f'"{v}"' for v in vals))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def fred(path: Path, prices: np.ndarray, series: str = "SP500", missing: tuple[int, ...] = (),
         date_col: str = "DATE", start: str = "2019-01-01") -> Path:
    """FRED download: DATE,<SERIES>, `.` for a missing value."""
    lines = [f"{date_col},{series}"]
    for i, (d, p) in enumerate(zip(business_days(len(prices), start), prices)):
        lines.append(f"{d},{'.' if i in missing else f'{p:.2f}'}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
