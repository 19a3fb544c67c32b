"""Counting languages aⁿbⁿ and aⁿbⁿcⁿ (n >= 1) as next-symbol prediction strings.

A string is  S aⁿ bⁿ E  (or S aⁿ bⁿ cⁿ E); symbols are integers S=0, E=1, a=2, b=3, c=4, and a
language's alphabet is S, E and its letters. Reading symbols 0..t, a model predicts symbol t+1;
that target is *deterministic* when every string of the language that begins with symbols 0..t
continues with the same symbol:

    read:    S  a  a  a  b  b  b          (n = 3; the string ends with E)
    target:  a  a  a  b  b  b  E
    forced:  D  .  .  .  D  D  D          after S (n >= 1) and from the first b on; a or b is free before

So target t is deterministic iff t == 0 or t >= n + 1, in both languages.

Two rules say whether a model got a string right:
- the **legal-set rule** (Gers & Schmidhuber 2001, the standard protocol): after every symbol the
  model names the *set* of symbols that may come next (multi-label), which is the target alone
  where it is forced and {a, b} where either may come; the string is accepted when every step's
  set is exactly right;
- the **next-symbol rule**: the argmax prediction equals the target at every deterministic
  position (end symbol included); what is predicted where the target is free does not matter.
"""
from __future__ import annotations

import numpy as np

from sequences.series import SequenceError, Series

SYMBOLS = "SEabc"  # symbol i is SYMBOLS[i]
START, END = 0, 1
LANGUAGES = {"anbn": "ab", "anbncn": "abc"}  # language -> its letters, each repeated n times


def _letters(language: str) -> str:
    if language not in LANGUAGES:
        raise SequenceError(f"formal language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    return LANGUAGES[language]


def alphabet_size(language: str) -> int:
    """Number of symbols (S, E and the letters): the one-hot width and the output classes."""
    return 2 + len(_letters(language))


def encode(text: str) -> np.ndarray:
    """'SaabbE' -> symbols (L,) int64; for hand-made strings."""
    bad = sorted(set(text) - set(SYMBOLS))
    if bad:
        raise SequenceError(f"formal strings use the symbols {SYMBOLS}, got {''.join(bad)!r}")
    return np.array([SYMBOLS.index(ch) for ch in text], dtype=np.int64)


def decode(symbols: np.ndarray) -> str:
    return "".join(SYMBOLS[int(s)] for s in symbols)


def deterministic_targets(n: int, length: int) -> np.ndarray:
    """(length - 1,) bool: which next-symbol targets of the string for n are forced by its prefix."""
    t = np.arange(length - 1)
    return (t == 0) | (t >= n + 1)


def legal_next(targets: np.ndarray, deterministic: np.ndarray, symbols: int) -> np.ndarray:
    """(L - 1, symbols) bool: the symbols that may follow each prefix, the target alone where it is
    forced, a or b where either may come (targets and deterministic (L - 1,))."""
    legal = np.eye(symbols, dtype=bool)[targets]
    legal[~deterministic, SYMBOLS.index("a")] = True
    legal[~deterministic, SYMBOLS.index("b")] = True
    return legal


def formal_string(language: str, n: int) -> Series:
    """The string S aⁿ bⁿ (cⁿ) E as symbols (L,), L = len(letters)·n + 2; meta holds n, the
    deterministic-target mask (L - 1,) and the legal next-symbol sets (L - 1, symbols)."""
    letters = _letters(language)
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise SequenceError(f"{language}: n must be an integer >= 1, got {n!r}")
    n = int(n)
    body = np.repeat(np.array([SYMBOLS.index(ch) for ch in letters], dtype=np.int64), n)
    values = np.concatenate([[START], body, [END]]).astype(np.int64)
    det = deterministic_targets(n, len(values))
    C = alphabet_size(language)
    return Series(values=values, source=language, kind="digits", n_classes=C, index=np.arange(len(values)),
                  meta={"n": n, "language": language, "deterministic": det,
                        "legal": legal_next(values[1:], det, C)})


def strings_correct(pred: np.ndarray, target: np.ndarray, deterministic: np.ndarray) -> np.ndarray:
    """The correctness rule: pred (..., L) predicted symbols, target and deterministic (..., L)
    (broadcast) -> (...) bool, True where every deterministic target is predicted. Padding
    positions must have deterministic False."""
    return np.all((pred == target) | ~deterministic, axis=-1)


def strings_accepted(sets: np.ndarray, legal: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The legal-set rule: sets and legal (..., L, C) bool (predicted and legal next-symbol sets),
    valid (..., L) the real steps (broadcast) -> (...) bool, True where every real step's set is
    exactly the legal one."""
    return np.all((sets == legal).all(-1) | ~valid, axis=-1)


def window_ceiling(language: str, window: int, n_max: int, rule: str = "legal") -> int:
    """The largest N <= n_max such that some predictor that sees only the last `window` symbols
    (nothing before the start) gets every string n <= N right under `rule` ("legal": the set at
    every step; "next": the symbol at every forced step); exact, by enumerating the strings.

    Strings 1..N can all be right iff no window content must be followed by two different answers;
    the answer is ceil(window / 2) for both languages and both rules (tested), far below any n a
    counter reaches.
    """
    if window < 1 or n_max < 1:
        raise SequenceError(f"window and n_max must be >= 1, got {window}, {n_max}")
    if rule not in ("legal", "next"):
        raise SequenceError(f"rule must be legal or next, got {rule!r}")
    need: dict[tuple, object] = {}
    for n in range(1, n_max + 1):
        s = formal_string(language, n)
        padded = np.concatenate([np.full(window - 1, -1), s.values])
        steps = range(len(s.values) - 1) if rule == "legal" else np.flatnonzero(s.meta["deterministic"])
        for t in steps:
            key = tuple(padded[t:t + window])  # symbols t-W+1..t of the string
            answer = tuple(s.meta["legal"][t]) if rule == "legal" else int(s.values[t + 1])
            if need.setdefault(key, answer) != answer:
                return n - 1
    return n_max
