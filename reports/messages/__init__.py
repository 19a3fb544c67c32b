"""Report text in two languages: one literal catalogue per language (en.py, ja.py), keyed by the report code.

    text("ja", "doc.report_title", grid="all")        -> the Japanese template, filled in

A key missing from a language falls back to English with a ``MissingMessage`` warning: a missing
translation never costs a report, and the test suite turns the warning into an error.

Text that is recorded before any report is written (a task's protocol notes and their names, a skipped
cell's reason, a test's remark) is stored in English, as it always was. Its English templates sit in the catalogue under
the namespace ``RECORDED`` names, like gettext's msgids: ``recorded`` matches the stored text against them
and writes it again in the report's language, translating the matched arguments the same way. Text no
template matches (a file name, an error message) is shown as it was recorded.
"""
from __future__ import annotations

import re
import string
import warnings
from functools import lru_cache

from reports.messages import en, ja

CATALOGUES: dict[str, dict[str, str]] = {"en": en.MESSAGES, "ja": ja.MESSAGES}
LANGS = tuple(CATALOGUES)
RECORDED = ("protocol", "note", "reason", "pnote")  # namespaces of templates for text recorded in English


class MissingMessage(UserWarning):
    """A key absent from a catalogue: the text falls back to English (an error under pytest)."""


def check_lang(lang: str) -> str:
    if lang not in CATALOGUES:
        raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGS)}")
    return lang


def text(lang: str, key: str, /, **args) -> str:
    """The template of key in lang, filled in; English (with a MissingMessage warning) when lang lacks it."""
    got = CATALOGUES[check_lang(lang)].get(key)
    if got is None:
        warnings.warn(f"message {key!r} missing in {lang!r}; English used", MissingMessage, stacklevel=2)
        got = en.MESSAGES[key]  # a key English lacks too is a bug in the calling code: KeyError
    return got.format(**args)


def name_in(lang: str, namespace: str, name: str) -> str:
    """A word from a closed set (a status, a unit, a task kind). English shows the name itself, so
    English output never depends on the catalogue; another language looks up namespace.name."""
    if lang == "en":
        return name
    key = f"{namespace}.{name}"
    if key not in en.MESSAGES:
        warnings.warn(f"no message {key!r}; {name!r} shown as recorded", MissingMessage, stacklevel=2)
        return name
    return text(lang, key)


# ---------------------------------------------------------------- text recorded in English

@lru_cache(maxsize=None)
def _patterns(namespace: str) -> tuple[tuple[str, re.Pattern, int], ...]:
    """(key, regex, literal length) per English template of the namespace: literals exact, fields lazy."""
    out = []
    for key, tmpl in en.MESSAGES.items():
        if key.startswith(namespace + "."):
            body, seen, literal = [], set(), 0
            for lit, name, _, _ in string.Formatter().parse(tmpl):
                body.append(re.escape(lit))
                literal += len(lit)
                if name is not None:  # a field used twice must match the same text twice
                    body.append(f"(?P={name})" if name in seen else f"(?P<{name}>.*?)")
                    seen.add(name)
            out.append((key, re.compile("".join(body) + r"\Z", re.S), literal))
    return tuple(out)


def matches_recorded(value: str, namespace: str, strict: bool = True) -> list[tuple[str, dict[str, str], int]]:
    """Every English template of namespace that value fills: (key, field values, literal length).
    strict: a field may hold the list separator only where its text is recorded text itself (a template's,
    or a list of them), so that a lazy field does not swallow the next items of a list."""
    sep = en.MESSAGES["sep.list"]
    return [(key, fields, literal) for key, pattern, literal in _patterns(namespace)
            for m in [pattern.match(value)] if m
            for fields in [m.groupdict()]
            if not strict or all(sep not in v or _readable(v, namespace) for v in fields.values())]


def _readable(value: str, namespace: str) -> bool:
    """value fills a template of namespace, or is a list of pieces that each do."""
    if matches_recorded(value, namespace):
        return True
    pieces = value.split(en.MESSAGES["sep.list"])
    return len(pieces) > 1 and all(matches_recorded(p, namespace) for p in pieces)


def match_recorded(value: str, namespace: str, strict: bool = True) -> tuple[str, dict[str, str]] | None:
    """The template that value fills with the most literal text (the most specific one: a template whose
    first field could swallow another's words loses to it), with the field values; None without one."""
    hits = matches_recorded(value, namespace, strict)
    if not hits:
        return None
    key, fields, _ = max(hits, key=lambda h: h[2])  # max keeps the first of equals: catalogue order
    return key, fields


def recorded(value: str, lang: str, namespace: str) -> str:
    """English text recorded from a template of namespace, written in lang, its fields translated alike.
    Preference: a strict match; a list of recorded texts joined by the list separator, piece by piece;
    a loose match (a field holding the separator, e.g. an error message quoted inside); else as is."""
    if lang == "en" or not isinstance(value, str) or not value:
        return value
    hit = match_recorded(value, namespace)
    pieces = value.split(en.MESSAGES["sep.list"])
    if hit is None and len(pieces) > 1 and all(match_recorded(p, namespace) for p in pieces):
        return text(lang, "sep.list").join(recorded(p, lang, namespace) for p in pieces)
    hit = hit or match_recorded(value, namespace, strict=False)
    if hit is None:
        return value
    key, fields = hit
    return text(lang, key, **{k: recorded(v, lang, namespace) for k, v in fields.items()})


__all__ = ["LANGS", "CATALOGUES", "RECORDED", "MissingMessage", "check_lang", "text", "name_in", "recorded",
           "match_recorded", "matches_recorded"]
