"""The markets the stock task knows by name: the daily indices `arch` ships (offline, 1999-2018)
and those fetched on first use from FRED (no key) into the data cache, then read from there.

Each market says when it closes (hour, UTC, approximate) so that a feature series can be aligned
to it without look-ahead: a value dated d is known at the close of day t when d < t, or d = t and
the feature's market closes no later than this one (the S&P 500 of Monday closes after Tokyo's).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sequences.cache import cache_dir, downloads_allowed
from sequences.download import DownloadError, fetch_once
from sequences.series import SequenceError
from sequences.stock import MARKETS as SHIPPED, market_path

FRED_URL_ENV = "SEQBENCH_FRED_URL"  # a template with {series}, e.g. file:///mirror/{series}.csv
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv?id={series}"


@dataclass(frozen=True)
class Market:
    title: str
    close_utc: float  # hour of the daily close in UTC
    other: str  # the market whose daily return is this one's `other` feature
    lecture_span: str  # the seed profile's period: the lecture's 2017-2019 where the data reach it
    fred: str | None = None  # FRED series fetched on first use; None: shipped with arch


MARKETS: dict[str, Market] = {
    # arch's data end in 2018: the closest span to the lecture's 2017-2019
    "sp500": Market(SHIPPED["sp500"][0], 21.0, "nasdaq", "2016-01-01/2018-12-31"),
    "nasdaq": Market(SHIPPED["nasdaq"][0], 21.0, "sp500", "2016-01-01/2018-12-31"),
    "nikkei225": Market("Nikkei 225", 6.0, "sp500", "2017-01-01/2019-12-31", fred="NIKKEI225"),
}


def check_market(name: str) -> Market:
    if name not in MARKETS:
        raise SequenceError(f"unknown market {name!r}; choose from {', '.join(MARKETS)}")
    return MARKETS[name]


def fred_url(series: str) -> str:
    """Where a FRED series is fetched from: $SEQBENCH_FRED_URL (its {series} filled in), else FRED."""
    return (os.environ.get(FRED_URL_ENV) or FRED_URL).replace("{series}", series)


class NotHere(Exception):
    """The market's file is neither shipped nor cached, and could not be fetched; one line."""


def market_file(name: str, fetch: bool = True) -> Path:
    """The market's CSV: arch's file, or FRED's series from the cache (fetched first when `fetch`
    and downloads are allowed: a run fetches once, while planning). NotHere names the reason and the
    alternatives."""
    m = check_market(name)
    if m.fred is None:
        p = market_path(name)
        if p is None:
            raise NotHere(f"the {m.title} data come with the `arch` package: pip install arch, "
                          "or pass --stock-csv FILE")
        return p
    cache = cache_dir() / "fred"
    if not fetch and not (cache / f"{m.fred}.csv").is_file():
        raise NotHere(f"the {m.title} (FRED series {m.fred}) is not in the cache ({cache}): planning the run could "
                      "not fetch it (offline, or $SEQBENCH_OFFLINE set); pass --stock-csv FILE (a FRED, Yahoo or "
                      "kabuoji3 CSV of the index), or run again with network access to cache it")
    try:
        return fetch_once(f"{m.fred}.csv", (fred_url(m.fred),), cache, allow_download=fetch and downloads_allowed())
    except DownloadError as e:
        raise NotHere(f"the {m.title} (FRED series {m.fred}) is not available here ({e}); pass --stock-csv FILE "
                      f"(a FRED, Yahoo or kabuoji3 CSV of the index), or run once with network access to cache "
                      f"it in {cache}") from None
