"""The grid registry: which tasks, models and setting variants a named grid runs.

A grid entry is a task with its models and a tuple of setting variants (e.g. windows below and
above a sequence's minimal window). ``all`` is every other grid's entries together, so it grows
as grids are added.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bench.errors import UserError
from bench.targets import TARGETS
from sequences.stock import MARKETS


@dataclass(frozen=True)
class Entry:
    task: str
    models: tuple[str, ...] | None = None  # None: the task's own model list
    variants: tuple[dict, ...] = field(default_factory=lambda: ({},))
    exclude: tuple[str, ...] = ()  # of the task's own list, the models this grid leaves to --model


@dataclass(frozen=True)
class Grid:
    name: str
    description: str
    entries: tuple[Entry, ...]


# Assignment 2 compares a plain MLP with a GRU; the other recurrent kinds run on request
# (`--grid assignment2 --model lstm-stateful`), which keeps the default grid within its time budget.
A2_ON_REQUEST = ("rnn", "lstm", "rnn-stateful", "lstm-stateful")

_GRIDS: tuple[Grid, ...] = (
    Grid("sine", "noisy sine: MLP/RNN/LSTM/GRU and naive baselines, one-step and closed-loop",
         (Entry("sine"),)),
    Grid("assignment1", "next-day close (S&P 500 and NASDAQ, or --stock-csv): RNN/LSTM/GRU/MLP vs persistence "
         "and mean, every target, walk-forward, traded after fees",
         (Entry("stock", variants=tuple({"market": m, "target": t} for m in MARKETS for t in TARGETS)),)),
    Grid("formal", "capacity probes: can each cell count? aⁿbⁿ and aⁿbⁿcⁿ, tested far past the training n",
         (Entry("anbn"), Entry("anbncn"))),
    Grid("assignment2", "the assignment's pair, MLP vs GRU, on no-period, repeating, m:n-concatenated and summed sequences: "
         "windows below and above each minimal window, beside a stateful GRU that reads the whole past "
         "(rnn, lstm and their stateful kinds with --model)",
         (Entry("uniform", exclude=A2_ON_REQUEST, variants=({"window": 2}, {"window": 8})),
          Entry("pi", exclude=A2_ON_REQUEST, variants=({"window": 2}, {"window": 8})),
          Entry("repeating-1_7", exclude=A2_ON_REQUEST, variants=({"window": 1}, {"window": 4})),  # minimal window 1
          Entry("repeating-1_17", exclude=A2_ON_REQUEST, variants=({"window": 1}, {"window": 4})),  # minimal window 2
          Entry("concat-1_7-1_17-3x2", exclude=A2_ON_REQUEST, variants=({"window": 2}, {"window": 4}, {"window": 8})),  # minimal 4
          # minimal window 13, above every window of this grid: only a model that carries its state can be exact
          Entry("concat-1_7-1_17-5x3", exclude=A2_ON_REQUEST, variants=({"window": 4}, {"window": 8})),
          Entry("summed-1_7-1_17", exclude=A2_ON_REQUEST, variants=({"window": 2}, {"window": 8})),  # minimal window 3
          Entry("sumsine-7-17", exclude=A2_ON_REQUEST, variants=({"window": 2}, {"window": 8})))),  # linear order 4
    Grid("images", "image completion: the bottom 14 rows of 28×28 images generated row by row (MNIST, Fashion-MNIST)",
         (Entry("mnist"), Entry("fashion-mnist"))),
)

GRIDS: dict[str, Grid] = {g.name: g for g in _GRIDS}
GRIDS["all"] = Grid("all", "every grid above", tuple(e for g in _GRIDS for e in g.entries))


def get_grid(name: str) -> Grid:
    if name not in GRIDS:
        raise UserError(f"unknown grid {name!r}; choose from {', '.join(GRIDS)}")
    return GRIDS[name]
