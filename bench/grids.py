"""The grid registry: which tasks, models and setting variants a named grid runs.

A grid entry is a task with its models and a tuple of setting variants (e.g. windows below and
above a sequence's minimal window). ``all`` is every other grid's entries together, so it grows
as grids are added.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bench.errors import UserError


@dataclass(frozen=True)
class Entry:
    task: str
    models: tuple[str, ...] | None = None  # None: the task's own model list
    variants: tuple[dict, ...] = field(default_factory=lambda: ({},))


@dataclass(frozen=True)
class Grid:
    name: str
    description: str
    entries: tuple[Entry, ...]


_GRIDS: tuple[Grid, ...] = (
    Grid("sine", "noisy sine: MLP/RNN/LSTM/GRU and naive baselines, one-step and closed-loop",
         (Entry("sine"),)),
    Grid("images", "image completion: the bottom 14 rows of 28×28 images generated row by row (MNIST, Fashion-MNIST)",
         (Entry("mnist"), Entry("fashion-mnist"))),
)

GRIDS: dict[str, Grid] = {g.name: g for g in _GRIDS}
GRIDS["all"] = Grid("all", "every grid above", tuple(e for g in _GRIDS for e in g.entries))


def get_grid(name: str) -> Grid:
    if name not in GRIDS:
        raise UserError(f"unknown grid {name!r}; choose from {', '.join(GRIDS)}")
    return GRIDS[name]
