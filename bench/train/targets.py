"""What a real-valued series task trains on: the lecture's levels, or a representation that
survives a trend. Every representation is a function of the same window of T prices and maps
back to price units, so every score is in prices and comparable across targets.

    window w = (p_{t-T+1}, ..., p_t), next value p_{t+1}, last value c = p_t

    target       inputs (T values)      trained target       back to a price
    level        w                      p_{t+1}              r
    diff         w - c                  p_{t+1} - c          c + r
    logret       log(w / c)             log(p_{t+1} / c)     c · exp(r)
    window-norm  w / c                  p_{t+1} / c          c · r

The relative ones put "no change" at the window's last input (0, 0, 1), so the persistence
forecast (repeat the last input) is the same price forecast under every target. diff and logret
inputs are the window's cumulative differences / log returns back from c: the same information
as its T-1 daily differences or returns, arranged so that every target sees the same T prices.
"""
from __future__ import annotations

import numpy as np

TARGETS = ("level", "diff", "logret", "window-norm")

DESCRIPTIONS = {
    "level": "prices themselves (the lecture)",
    "diff": "next close minus last close; inputs: window minus its last close",
    "logret": "log(next close / last close); inputs: log(window / its last close)",
    "window-norm": "next close / last close; inputs: window / its last close",
}


def check_target(name: str) -> str:
    if name not in TARGETS:
        raise ValueError(f"unknown target {name!r}; choose from {', '.join(TARGETS)}")
    return name


def represent(name: str, windows: np.ndarray) -> np.ndarray:
    """Windows of prices (S, T+1) (inputs then the next value) -> the same shape in the target's
    representation, relative to each window's last input (column T-1)."""
    w = np.asarray(windows, dtype=np.float64)
    c = w[:, -2:-1]  # (S, 1) last input
    if name == "level":
        return w
    if name == "diff":
        return w - c
    if name == "logret":
        return np.log(w / c)
    if name == "window-norm":
        return w / c
    raise ValueError(f"unknown target {name!r}; choose from {', '.join(TARGETS)}")


def to_price(name: str, r: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Represented next values r (..., S) and the windows' last prices (S,) -> prices (..., S)."""
    r = np.asarray(r, dtype=np.float64)
    c = np.asarray(last, dtype=np.float64)
    if name == "level":
        return r
    if name == "diff":
        return c + r
    if name == "logret":
        return c * np.exp(r)
    if name == "window-norm":
        return c * r
    raise ValueError(f"unknown target {name!r}; choose from {', '.join(TARGETS)}")
