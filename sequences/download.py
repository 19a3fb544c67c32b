"""Fetch a file into a cache folder, verified by its md5, trying mirrors in turn.

A file already in the cache with the right md5 is used as it is; a wrong one is fetched again.
Writes go to a temporary file renamed into place, so concurrent workers never see half a file.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CHUNK = 1 << 20


class DownloadError(Exception):
    """The file could not be had (offline, every mirror failed, or md5 mismatch); one line."""


def md5sum(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def fetch_verified(name: str, md5: str, mirrors: tuple[str, ...], cache: Path, allow_download: bool = True,
                   timeout: float = 30.0) -> Path:
    """cache/name with the given md5, downloaded from the first mirror that serves it.

    mirrors are URL prefixes (``https://…/``, ``file:///…/``), the name is appended.
    """
    cache = Path(cache)
    dest = cache / name
    if dest.is_file() and md5sum(dest) == md5:
        return dest
    if not allow_download:
        state = "has a different md5" if dest.exists() else "is not in the cache"
        raise DownloadError(f"{name} {state} ({cache}) and downloads are off")
    return _download(name, tuple(m + name for m in mirrors), cache, md5, timeout)


def fetch_once(name: str, urls: tuple[str, ...], cache: Path, allow_download: bool = True,
               timeout: float = 30.0) -> Path:
    """cache/name as first downloaded from the first of urls that serves it (a source that changes
    daily has no md5 to check: whoever reads it checks its content)."""
    dest = Path(cache) / name
    if dest.is_file():
        return dest
    if not allow_download:
        raise DownloadError(f"{name} is not in the cache ({cache}) and downloads are off")
    return _download(name, urls, Path(cache), None, timeout)


def _download(name: str, urls: tuple[str, ...], cache: Path, md5: str | None, timeout: float) -> Path:
    """cache/name from the first url that serves it (with md5, when given), written atomically."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"cannot create the cache folder {cache} ({e.strerror or e})") from None
    dest = cache / name
    errors = []
    for url in urls:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=cache)
        try:
            h = hashlib.md5(usedforsecurity=False)
            import urllib.request  # here: the task registry loads this module, and http costs imports
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
                for block in iter(lambda: resp.read(CHUNK), b""):
                    h.update(block)
                    out.write(block)
            if md5 is not None and h.hexdigest() != md5:
                errors.append(f"{url}: md5 {h.hexdigest()} != {md5}")
                continue
            os.replace(tmp, dest)
            return dest
        except (OSError, ValueError) as e:  # URLError, timeouts and bad URLs are OSError/ValueError
            errors.append(f"{url}: {getattr(e, 'reason', None) or e}")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise DownloadError(f"{name}: no mirror served it ({'; '.join(errors)})".replace("\n", " "))
