"""The suite's one rule for the files it touches.

Inputs are regular files, read to at most their size limit: a FIFO, a device, a folder or a symlink loop is
refused before anything is read (opened with O_NONBLOCK, so a FIFO never blocks the open), and a file is read
to its limit plus one byte, so /dev/zero or a file that grows cannot exhaust memory.

Outputs are written only as regular files the suite owns: never through a symbolic link and never onto
anything but a regular file; each goes to a temporary file in the same folder that is then ``os.replace``d,
so a reader sees the old file or the new one, never half of one, and a kill leaves at most a ``.tmp-`` file.
A planted link or special file at an output's name is refused (UnsafeFile, an OSError naming the file, so the
CLI prints it as one line) and left as it is, its target untouched.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

SHOWN = 200  # characters of a path or value a message quotes
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class UnsafeFile(OSError):
    """An output name held by a link or a special file, or an input that is not a regular file."""


def shown(value: object, limit: int = SHOWN) -> str:
    """value as text, cut to about limit characters (its start and its end kept) for a one-line message."""
    s = str(value)
    return s if len(s) <= limit else f"{s[:limit * 2 // 3]}…{s[-(limit // 3):]} ({len(s)} characters)"


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def unsafe_output(path: Path) -> str | None:
    """Why path cannot be (re)written as an output file, or None: absent or a regular file of one link."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return f"is {_kind(st.st_mode)}"
    if st.st_nlink > 1:  # a hard link shares its bytes with a file elsewhere
        return f"is a hard link ({st.st_nlink} names)"
    return None


def check_output(path: Path) -> None:
    """UnsafeFile naming path when an output may not be written there (see unsafe_output)."""
    why = unsafe_output(path)
    if why is not None:
        raise UnsafeFile(errno.EEXIST, f"{why}; the suite writes only regular files it owns and follows no link "
                                       f"(move it away or use another --out; it was left unchanged)", shown(path))


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path in path's folder (same suffix, so writers that pick a format by it still do) for the
    block to write; then it replaces path. Refused first if path is a link or special file (check_output)."""
    path = Path(path)
    check_output(path)
    fd, tmp = tempfile.mkstemp(prefix=f".tmp-{path.stem[:40]}-", suffix=path.suffix, dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # as open() would create it (mkstemp's are private)
    finally:
        os.close(fd)
    try:
        yield Path(tmp)
        check_output(path)  # planted while we wrote: refused still
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write data as the regular file path (temporary file, then os.replace); returns path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """write_bytes_atomic of text encoded."""
    return write_bytes_atomic(path, text.encode(encoding))


def read_regular(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of the regular file at path (links followed), or UnsafeFile naming it: missing, a symlink
    loop, not a regular file, or over limit bytes (read to limit + 1 at most, whatever its size says)."""
    name = shown(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)  # a FIFO's open returns at once
    except OSError as e:
        why = {errno.ENOENT: "file not found", errno.ELOOP: "a symbolic link loop (links that point at each other)",
               errno.EISDIR: f"is a directory, not a {what}"}.get(e.errno, f"cannot read ({e.strerror or e})")
        if e.errno == errno.ENXIO:  # a socket
            why = f"is {_kind(os.stat(path).st_mode)}, not a regular {what}"
        raise UnsafeFile(e.errno or errno.EIO, why, name) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(errno.EINVAL, f"is {_kind(st.st_mode)}, not a regular {what}", name)
        if st.st_size > limit:
            raise UnsafeFile(errno.EFBIG, f"{_size(st.st_size)} is too large for a {what} (limit {_size(limit)})",
                             name)
        chunks, n = [], 0
        while n <= limit and (chunk := os.read(fd, min(1 << 20, limit + 1 - n))):
            chunks.append(chunk)
            n += len(chunk)
    except OSError as e:
        if isinstance(e, UnsafeFile):
            raise
        raise UnsafeFile(e.errno or errno.EIO, f"cannot read ({e.strerror or e})", name) from None
    finally:
        os.close(fd)
    if n > limit:  # it grew while we read
        raise UnsafeFile(errno.EFBIG, f"more than {_size(limit)}, too large for a {what}", name)
    return b"".join(chunks)


def gunzip_limited(blob: bytes, limit: int) -> bytes:
    """A gzip file's data (every member), at most limit bytes: ValueError beyond, so that a small file cannot
    inflate without bound; zlib.error or EOFError for a damaged or truncated stream."""
    out, rest = b"", blob
    while True:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out += d.decompress(rest, limit + 1 - len(out))
        if len(out) > limit:
            raise ValueError(f"decompresses to more than {_size(limit)}")
        if not d.eof:
            raise EOFError("truncated gzip stream")
        rest = d.unused_data
        if not rest.strip(b"\x00"):  # gzip's own reader ignores trailing zeros too
            return out


def _size(n: int) -> str:
    return f"{n / 2 ** 20:.0f} MiB" if n >= 2 ** 20 else f"{n} bytes"
