"""Choosing the device once, at the edge; everything below receives it as an argument."""
from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from bench.errors import UserError

if TYPE_CHECKING:  # torch is imported once a device is chosen, not to parse or refuse arguments
    import torch

DEVICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> torch.device:
    """auto -> cuda when available else cpu; asking for cuda without one is a UserError."""
    check_device(name)
    import torch
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda: no CUDA device is available (torch.cuda.is_available() is False)")
    return torch.device(name)


def check_device(name: str) -> None:
    if name not in DEVICES:
        raise UserError(f"unknown device {name!r}; choose from {', '.join(DEVICES)}")


def synchronize(device: torch.device) -> None:
    """Wait for queued device work, so that wall-clock timings include it."""
    if device.type == "cuda":
        import torch
        torch.cuda.synchronize(device)


def timed(device: torch.device):
    """A clock that synchronises the device before reading: t = timed(dev); ...; seconds = t()."""
    synchronize(device)
    t0 = time.perf_counter()

    def elapsed() -> float:
        synchronize(device)
        return time.perf_counter() - t0

    return elapsed


def cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
