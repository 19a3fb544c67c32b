"""The suite's one cache folder, for whatever is computed or downloaded once per machine (π digits,
Fashion-MNIST files, the compiled kernels): $SEQBENCH_CACHE, else $XDG_CACHE_HOME/seqbench, else
~/.cache/seqbench."""
from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "SEQBENCH_CACHE"
OFFLINE_ENV = "SEQBENCH_OFFLINE"  # set (not 0): nothing is downloaded, only the cache is read


def cache_dir() -> Path:
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seqbench"


def downloads_allowed() -> bool:
    return os.environ.get(OFFLINE_ENV, "") in ("", "0")
