"""Read a small text data file (CSV) safely: every way it can be unreadable becomes one
SequenceError line naming the file and the problem.

Accepted: UTF-8 (with or without BOM) or cp932 (Shift-JIS, as kabuoji3 writes), optionally
gzip-compressed (arch ships its S&P 500 as ``sp500.csv.gz``).
"""
from __future__ import annotations

import zlib
from pathlib import Path

from sequences.files import UnsafeFile, gunzip_limited, read_regular
from sequences.series import SequenceError

MAX_BYTES = 200 * 2 ** 20  # a daily price history is kilobytes; anything this large is not one
ENCODINGS = ("utf-8-sig", "cp932")


def read_text(path: str | Path) -> tuple[str, str]:
    """(text, encoding) of the file at path, or SequenceError naming the file and the problem."""
    try:
        raw = read_regular(path, MAX_BYTES, "price CSV")
    except UnsafeFile as e:
        raise SequenceError(f"{e.filename}: {e.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gunzip_limited(raw, MAX_BYTES)
        except ValueError as e:
            raise SequenceError(f"{path}: {e}") from None
        except (OSError, EOFError, zlib.error) as e:
            raise SequenceError(f"{path}: corrupt gzip data ({e})") from None
    if not raw.strip():
        raise SequenceError(f"{path}: empty file")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or (b"\x00" in raw[:4096] and _looks_utf16(raw)):
        raise SequenceError(f"{path}: UTF-16 text; save it as UTF-8 or cp932 (Shift-JIS) CSV")
    if b"\x00" in raw:
        raise SequenceError(f"{path}: binary data (NUL bytes), not a CSV text file")
    for enc in ENCODINGS:
        try:
            return raw.decode(enc), enc
        except UnicodeDecodeError as e:
            err = e
    raise SequenceError(f"{path}: not UTF-8 or cp932 (Shift-JIS) text (undecodable byte "
                        f"0x{raw[err.start]:02x} at offset {err.start})")


def _looks_utf16(raw: bytes) -> bool:
    """ASCII text in UTF-16 without a BOM: NUL in every other byte."""
    head = raw[:4096]
    return head[1::2].count(0) > 0.4 * len(head[1::2]) or head[0::2].count(0) > 0.4 * len(head[0::2])


def mojibake_hint(text: str) -> str:
    """A note when decoded text looks like Japanese read in the wrong encoding, else ''."""
    odd = any("\uff61" <= ch <= "\uff9f" or (ch < " " and ch not in "\t\r\n") for ch in text)
    if "\ufffd" in text or odd:  # half-width katakana or escape codes (ISO-2022-JP)
        return " (the text looks mis-encoded: kabuoji3 files must be cp932/Shift-JIS or UTF-8)"
    return ""
