"""The decimal digits of π (3 1 4 1 5 9 ...), computed with mpmath and cached on disk.

The cache holds the longest digit string computed so far (``pi_digits.txt`` in the suite's cache
folder, sequences/cache.py): a line with
the SHA-256 of the digits, then the digits. It is written atomically (a temporary file renamed
into place), so concurrent workers never read half a file; a cache whose checksum or first
digits do not match is recomputed, not trusted.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from sequences.cache import cache_dir
from sequences.files import read_regular, write_text_atomic
from sequences.series import SequenceError, Series

CACHE_NAME = "pi_digits.txt"
KNOWN_PREFIX = "31415926535897932384626433832795028841971"
MAX_CACHE = 2 ** 26  # bytes of the cache file read at most (a million digits are 1 MiB)
GUARD = 25  # extra digits computed, so rounding of the last printed digit never reaches the kept ones


def compute_pi_digits(n: int) -> str:
    """The first n digits of π as a string, "314159..." (mpmath, pure Python or gmpy backend)."""
    import mpmath
    with mpmath.workdps(n + GUARD + 5):
        text = mpmath.nstr(+mpmath.pi, n + GUARD, strip_zeros=False)
    return text.replace(".", "")[:n]


def _digest(digits: str) -> str:
    return hashlib.sha256(digits.encode("ascii")).hexdigest()


def _read_cache(path: Path) -> str:
    try:
        digest, _, text = read_regular(path, MAX_CACHE, "π cache").decode("ascii").partition("\n")
    except (OSError, UnicodeDecodeError):  # missing, not a regular file (never a FIFO's wait), or foreign
        return ""
    text = text.strip()
    if digest != _digest(text) or not text.isdigit() or not (text.startswith(KNOWN_PREFIX)
                                                             or KNOWN_PREFIX.startswith(text)):
        return ""  # corrupt or foreign: recompute
    return text


def pi_digits(n: int, cache: Path | None = None) -> Series:
    """The first n digits of π (the leading 3 included) as classes 0..9; no period."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise SequenceError(f"pi: number of digits must be a positive integer, got {n!r}")
    path = (cache or cache_dir()) / CACHE_NAME
    text = _read_cache(path)
    if len(text) < n:
        text = compute_pi_digits(int(n))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, f"{_digest(text)}\n{text}\n", "ascii")
        except OSError:
            pass  # an unwritable cache only costs the recomputation next time
    values = np.frombuffer(text[:n].encode("ascii"), dtype=np.uint8).astype(np.int64) - ord("0")
    return Series(values=values, source=f"digits of π (mpmath, {n} digits)", kind="digits", n_classes=10,
                  meta={"cache": str(path)})
