"""The grid registry: which tasks, models and setting variants a named grid runs.

A grid entry is a task with its models and a tuple of setting variants (e.g. windows below and
above a sequence's minimal window). ``all`` is the lecture's experiments and its two assignments
together (every grid but the capacity probes of ``formal``, which run by name).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from bench.errors import UserError
from bench.train.targets import TARGETS
from sequences.features import FEATURES
from sequences.markets import MARKETS as ALL_MARKETS
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
_a2 = partial(Entry, exclude=A2_ON_REQUEST)

# The capacity control at the cells that decide assignment 2's answers (those where the stateful GRU
# beats the MLP; a few CPU seconds each, docs/statistics.md): the stateful GRU resized to the MLP's
# parameter count, and the MLP to the stateful GRU's (bench/run/matching.py).
CAPACITY_CELLS = (("repeating-1_17", 1), ("concat-1_7-1_17-3x2", 2), ("concat-1_7-1_17-5x3", 4),
                  ("summed-1_7-1_17", 2), ("sumsine-7-17", 2))
CAPACITY_CONTROL = tuple(Entry(task, (model,), ({"window": w, "match_params": other},))
                         for task, w in CAPACITY_CELLS
                         for model, other in (("gru-stateful", "mlp"), ("mlp", "gru-stateful")))

# Price differences tell what log returns tell (a return is a difference scaled by the price):
# the grid runs the three distinct ideas, and --target diff runs the fourth on request.
GRID_TARGETS = tuple(t for t in TARGETS if t != "diff")

# The features grid: the span where arch's VIX (from 2014-01-03) and every market's data exist; the
# Nikkei 225 runs when it is cached or can be fetched (skipped otherwise), and has no volume.
FEATURE_SPAN = "2014-01-06/2018-12-31"


def _features(market: str) -> str:
    """Every feature the market has data for (FRED's series carry no volume)."""
    return ",".join(n for n in FEATURES if n != "volume" or not ALL_MARKETS[market].fred)


_GRIDS: tuple[Grid, ...] = (
    Grid("sine", "noisy sine: MLP/RNN/LSTM/GRU and naive baselines, one-step and closed-loop",
         (Entry("sine"),)),
    Grid("assignment1", "next-day close (S&P 500 and NASDAQ, or --stock-csv): RNN/LSTM/GRU/MLP vs persistence "
         "and mean, on prices, log returns and window-normalised prices (--target diff on request), "
         "walk-forward, traded after fees",
         (Entry("stock", variants=tuple({"market": m, "target": t} for m in MARKETS for t in GRID_TARGETS)),)),
    Grid("features", "next-day close with and without economic features (other market's return, volume, VIX, "
         "WTI crude) on 2014-2018, where all of them exist: does any model beat persistence with them?",
         (Entry("stock", variants=tuple({"market": m, "target": "logret", "span": FEATURE_SPAN, "features": f}
                                        for m in ALL_MARKETS for f in ("none", _features(m)))),)),
    Grid("formal", "capacity probes: can each cell count? aⁿbⁿ and aⁿbⁿcⁿ, tested far past the training n",
         (Entry("anbn"), Entry("anbncn"))),
    Grid("assignment2", "the assignment's pair, MLP vs GRU, on no-period, repeating, m:n-concatenated and summed sequences: "
         "windows below and above each minimal window, beside a stateful GRU that reads the whole past "
         "(rnn, lstm and their stateful kinds with --model)",
         # no period: nothing to learn at any window, so one window shows it
         (_a2("uniform", variants=({"window": 8},)),
          _a2("pi", variants=({"window": 8},)),
          _a2("repeating-1_7", variants=({"window": 1}, {"window": 4})),  # minimal window 1
          _a2("repeating-1_17", variants=({"window": 1}, {"window": 4})),  # minimal window 2
          _a2("concat-1_7-1_17-3x2", variants=({"window": 2}, {"window": 8})),  # minimal 4
          # minimal window 13, above every window of this grid: only a model that carries its state can be exact
          _a2("concat-1_7-1_17-5x3", variants=({"window": 4}, {"window": 8})),
          _a2("summed-1_7-1_17", variants=({"window": 2}, {"window": 8})),  # minimal window 3
          _a2("sumsine-7-17", variants=({"window": 2}, {"window": 8})),  # minimal window 1, linear order 4
          *CAPACITY_CONTROL)),
    Grid("images", "image completion: the bottom 14 rows of 28×28 images generated row by row (MNIST, Fashion-MNIST)",
         (Entry("mnist"), Entry("fashion-mnist"))),
)

GRIDS: dict[str, Grid] = {g.name: g for g in _GRIDS}
GRIDS["all"] = Grid("all", "the lecture's experiments and both assignments: every grid above but features and formal",
                    tuple(e for g in _GRIDS if g.name not in ("features", "formal") for e in g.entries))


def get_grid(name: str) -> Grid:
    if name not in GRIDS:
        raise UserError(f"unknown grid {name!r}; choose from {', '.join(GRIDS)}")
    return GRIDS[name]
