"""The suite's one cache folder, for whatever is computed or downloaded once per machine (π digits,
Fashion-MNIST files, the compiled kernels): $SEQBENCH_CACHE, else $XDG_CACHE_HOME/seqbench (when absolute), else
~/.cache/seqbench."""
from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "SEQBENCH_CACHE"
OFFLINE_ENV = "SEQBENCH_OFFLINE"  # set (not 0): nothing is downloaded, only the cache is read


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG spec: a relative path there is invalid and ignored (else the cache would follow the working folder).
    return (Path(xdg) if os.path.isabs(xdg) else Path.home() / ".cache") / "seqbench"


def downloads_allowed() -> bool:
    return os.environ.get(OFFLINE_ENV, "") in ("", "0")
