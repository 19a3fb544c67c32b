"""Periodic digit sequences (assignment 2): repeating decimals, m:n block interleaving of two
periodic sequences, their digit-wise sum modulo 10, and a real-valued sum of two sinusoids.

Every function is pure; a periodic Series carries its exact (minimal) period, so
``series.values[:series.period]`` is one full cycle.
"""
from __future__ import annotations

import math

import numpy as np

from sequences.series import SequenceError, Series

MAX_Q = 10**6  # one period is found by long division in Python: q - 1 steps at most
MAX_CYCLE = 10**7  # longest combined cycle built in memory (concat, summed)


def _positive_int(name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise SequenceError(f"{name} must be an integer, got {value!r}")
    if value < low:
        raise SequenceError(f"{name} must be >= {low}, got {value}")
    return int(value)


def multiplicative_order(base: int, modulus: int) -> int:
    """Smallest k >= 1 with base**k ≡ 1 (mod modulus); needs gcd(base, modulus) == 1."""
    if modulus == 1:
        return 1
    if math.gcd(base, modulus) != 1:
        raise SequenceError(f"{base} has no multiplicative order modulo {modulus} (not coprime)")
    k, x = 1, base % modulus
    while x != 1:
        x = x * base % modulus
        k += 1
    return k


def minimal_period(cycle: np.ndarray) -> int:
    """Smallest p dividing len(cycle) such that the cyclic sequence repeats every p steps."""
    c = np.asarray(cycle)
    n = len(c)
    if n == 0:
        raise SequenceError("a periodic sequence needs a period of at least one symbol, got length 0")
    for p in range(1, n + 1):
        if n % p == 0 and np.array_equal(c, np.roll(c, -p)):
            return p
    return n  # unreachable: p = n always matches


def _check_cycle(what: str, bound: int) -> None:
    if bound > MAX_CYCLE:
        raise SequenceError(f"{what}: the combined period could reach {bound} symbols (at most {MAX_CYCLE})")


def _tile(cycle: np.ndarray, length: int) -> np.ndarray:
    return cycle[np.arange(length) % len(cycle)]


def periodic_digits(pattern: str | np.ndarray, length: int, source: str = "") -> Series:
    """The digits of pattern (e.g. "142857") repeated to length symbols."""
    length = _positive_int("length", length)
    cycle = np.array([int(ch) for ch in pattern], dtype=np.int64) if isinstance(pattern, str) \
        else np.asarray(pattern, dtype=np.int64)
    if cycle.size == 0:
        raise SequenceError("periodic: zero-length period (empty pattern)")
    if cycle.min() < 0 or cycle.max() > 9:
        raise SequenceError(f"periodic: pattern symbols must be digits 0-9, got {cycle.min()}..{cycle.max()}")
    period = minimal_period(cycle)
    return Series(values=_tile(cycle[:period], length), source=source or f"periodic {pattern}", kind="digits",
                  n_classes=10, period=period, meta={"cycle": "".join(map(str, cycle[:period]))})


def repeating_period(p: int, q: int) -> int:
    """Period of the decimal expansion of p/q (q coprime to 10): the order of 10 modulo q/gcd(p, q)."""
    p, q = _check_fraction(p, q)
    return multiplicative_order(10, q // math.gcd(p, q))


def _check_fraction(p, q) -> tuple[int, int]:
    p = _positive_int("repeating: numerator p", p)
    q = _positive_int("repeating: denominator q", q, low=2)
    if math.gcd(q, 10) != 1:
        raise SequenceError(f"repeating: q={q} is not coprime to 10 (its expansion is not purely periodic); "
                            "choose q without factors 2 or 5")
    if p >= q:
        raise SequenceError(f"repeating: need 0 < p < q for a proper fraction, got {p}/{q}")
    if q > MAX_Q:
        raise SequenceError(f"repeating: q={q} is too large (at most {MAX_Q})")
    return p, q


def repeating_decimal(p: int, q: int, length: int) -> Series:
    """The first length digits after the point of p/q, e.g. 1/7 -> 1 4 2 8 5 7 1 4 ...

    With q coprime to 10 the expansion is purely periodic; its period is the multiplicative
    order of 10 modulo the reduced denominator.
    """
    p, q = _check_fraction(p, q)
    length = _positive_int("length", length)
    g = math.gcd(p, q)
    p, q = p // g, q // g
    period = multiplicative_order(10, q)
    cycle = np.empty(period, dtype=np.int64)
    r = p
    for i in range(period):  # long division over one period
        r *= 10
        cycle[i], r = divmod(r, q)
    return Series(values=_tile(cycle, length), source=f"{p}/{q}", kind="digits", n_classes=10, period=period,
                  meta={"cycle": "".join(map(str, cycle)), "p": p, "q": q})


def _cycle(s: Series) -> np.ndarray:
    if s.period is None or s.period < 1:
        raise SequenceError(f"{s.source}: not a periodic sequence (zero-length or unknown period)")
    if len(s.values) < s.period:
        raise SequenceError(f"{s.source}: holds {len(s.values)} values, less than its period {s.period}")
    return np.asarray(s.values[:s.period])


def concat_blocks(a: Series, b: Series, m: int, n: int, length: int) -> Series:
    """m symbols of a, then n of b, then the next m of a, ... (each stream continues where it stopped).

        a = 1 4 2 8 5 7 ...,  b = 0 5 8 8 2 3 ...,  m:n = 3:2  ->  1 4 2 0 5 8 5 7 8 8 1 4 2 2 3 ...

    One cycle of blocks (m + n symbols) advances a by m and b by n, so the period divides
    (m + n) · lcm(pa / gcd(pa, m), pb / gcd(pb, n)).
    """
    m = _positive_int("concat: block length m", m)
    n = _positive_int("concat: block length n", n)
    length = _positive_int("length", length)
    ca, cb = _cycle(a), _cycle(b)
    pa, pb = len(ca), len(cb)
    bound = (m + n) * math.lcm(pa // math.gcd(pa, m), pb // math.gcd(pb, n))
    _check_cycle("concat", bound)

    def at(t: np.ndarray) -> np.ndarray:
        block, r = np.divmod(t, m + n)
        from_a = ca[(block * m + r) % pa]
        from_b = cb[(block * n + np.maximum(r - m, 0)) % pb]
        return np.where(r < m, from_a, from_b)

    period = minimal_period(at(np.arange(bound)))
    return Series(values=at(np.arange(length)), source=f"concat {a.source} | {b.source} in {m}:{n} blocks",
                  kind="digits", n_classes=10, period=period, meta={"m": m, "n": n, "periods": [pa, pb]})


def summed_digits(a: Series, b: Series, length: int) -> Series:
    """(a_t + b_t) mod 10, digit by digit; the period divides lcm(pa, pb)."""
    length = _positive_int("length", length)
    ca, cb = _cycle(a), _cycle(b)
    bound = math.lcm(len(ca), len(cb))
    _check_cycle("summed", bound)
    t = np.arange(bound)
    cycle = (ca[t % len(ca)] + cb[t % len(cb)]) % 10
    period = minimal_period(cycle)
    return Series(values=_tile(cycle[:period], length), source=f"({a.source} + {b.source}) mod 10",
                  kind="digits", n_classes=10, period=period, meta={"periods": [len(ca), len(cb)]})


def sum_of_sines(p1: int, p2: int, length: int) -> Series:
    """sin(2πt/p1) + sin(2πt/p2) for t = 0..length-1 (periods in samples); period lcm(p1, p2)."""
    p1 = _positive_int("sumsine: period p1", p1, low=3)  # sin(2πt/p) vanishes for p <= 2
    p2 = _positive_int("sumsine: period p2", p2, low=3)
    length = _positive_int("length", length)
    t = np.arange(length)
    v = np.sin(2 * np.pi * t / p1) + np.sin(2 * np.pi * t / p2)
    return Series(values=v.astype(np.float32), source=f"sin(2πt/{p1}) + sin(2πt/{p2})", kind="real",
                  period=math.lcm(p1, p2), index=t, meta={"periods": [p1, p2]})
