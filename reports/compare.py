"""Two runs compared: which cells' scores moved, by how much, and whether more than seed noise.

A pure function of two tidy frames (columns cell, seed, metric, value) and each run's cells (id ->
task, model, settings). Cells are matched on task, model and settings, less the settings that differ
between the runs (found from cells that match otherwise, and listed once). For each matched cell and
metric:

- paired by seed where at least two seeds ran in both (the same seed: the same data and starting
  weights), on those seeds only: Δ = mean over seeds of b - a, its Student-t interval and the paired
  t test; otherwise Welch's interval and test over each run's seeds;
- Holm's correction over every test of the comparison (identical rows are no test); a verdict from
  the adjusted p and the metric's direction: better, worse, no change detected, or identical (every
  seed gave the same value).

A paired t test rather than the sign-flip test: with n seeds the sign-flip test cannot give p below
2 / 2^n, and Holm over the hundred-odd tests of a grid multiplies it past any level, so it could
never flag anything; t's p is continuous. A tolerance tests |Δ| against a margin (a share of a's
mean) instead of against 0: only a change larger than the margin counts.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

from reports.intervals import Interval, seed_interval, t_interval, t_quantile
from reports.stats import holm

if TYPE_CHECKING:
    import pandas as pd

ALPHA = 0.05
VERDICTS = ("worse", "better", "no_change", "identical")  # message keys cmp.verdict.<code>
FAIL_ON = {"worse": ("worse",), "change": ("worse", "better")}  # --fail-on: the verdicts that fail


@dataclass(frozen=True)
class Cell:
    task: str
    model: str
    settings: dict  # every setting that changes what is measured, profile and device included
    label: str = ""  # the run's name for the cell's table (e.g. 'stock (market=sp500, target=level)'), if known


@dataclass(frozen=True)
class Row:
    """One matched cell and metric."""

    cell: str  # its name: task · model, plus settings that tell apart cells of the same task and model
    metric: str
    a: Interval  # each run's mean over the seeds compared
    b: Interval
    delta: Interval  # b - a
    paired: bool
    p: float  # two-sided, against |Δ| <= the tolerance's margin
    p_holm: float  # Holm-adjusted over the comparison's tests (1 for an identical row, which is no test)
    verdict: str

    @property
    def relative(self) -> float:
        """Δ as a share of a's mean (NaN when that is 0)."""
        return self.delta.mean / abs(self.a.mean) if self.a.mean else float("nan")


@dataclass(frozen=True)
class Timing:
    """A cell's wall-clock figure in both runs (no test: one stack per cell measures it)."""

    cell: str
    metric: str
    a: float
    b: float

    @property
    def ratio(self) -> float:
        return self.b / self.a if self.a > 0 else float("nan")


@dataclass(frozen=True)
class Comparison:
    rows: list[Row]  # sorted: the largest significant changes first
    differing: list[tuple[str, str, str, list[str]]]  # (setting, a's value, b's value, cells)
    only_a: list[str]
    only_b: list[str]
    timing: list[Timing]
    matched: int = 0  # cells in both runs
    alpha: float = ALPHA
    tolerance: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)  # verdict -> rows

    @property
    def tests(self) -> int:
        """Holm's family: the rows with a p-value that are not identical."""
        return sum(r.verdict != "identical" and not math.isnan(r.p) for r in self.rows)

    def failing(self, fail_on: str | None) -> list[Row]:
        return [r for r in self.rows if fail_on and r.verdict in FAIL_ON[fail_on]]


# ---------------------------------------------------------------- matching cells

def _show(v) -> str:
    return json.dumps(v, sort_keys=True, default=str, ensure_ascii=False)


def _match_key(c: Cell, drop: set[str]) -> tuple:
    return (c.task, c.model, tuple((k, _show(v)) for k, v in sorted(c.settings.items()) if k not in drop))


def _index(cells: dict[str, Cell], drop: set[str]) -> dict[tuple, list[str]]:
    out: dict[tuple, list[str]] = {}
    for cid, c in cells.items():
        out.setdefault(_match_key(c, drop), []).append(cid)
    return out


def _differ(a: Cell, b: Cell) -> set[str]:
    return {k for k in set(a.settings) | set(b.settings) if _show(a.settings.get(k)) != _show(b.settings.get(k))}


def _pairs(ca: dict[str, Cell], cb: dict[str, Cell], drop: set[str]) -> list[tuple[str, str]]:
    ia, ib = _index(ca, drop), _index(cb, drop)
    return [(ia[k][0], ib[k][0]) for k in ia if k in ib and len(ia[k]) == len(ib[k]) == 1]


def match_cells(ca: dict[str, Cell], cb: dict[str, Cell]) -> tuple[list[tuple[str, str]], set[str]]:
    """Pairs (a's id, b's id) and the settings left out of the match. Candidates to leave out: for each
    unmatched cell of a, the settings in which it differs from its nearest unmatched cell of b with the
    same task and model; a candidate is taken when leaving it out matches more cells (so a setting that
    tells cells apart within a run, e.g. a window study's, is kept)."""
    drop: set[str] = set()
    pairs = _pairs(ca, cb, drop)
    while True:
        done_a, done_b = {p[0] for p in pairs}, {p[1] for p in pairs}
        candidates = set()
        for ida, a in ca.items():
            near = [_differ(a, b) for idb, b in cb.items()
                    if idb not in done_b and ida not in done_a and (b.task, b.model) == (a.task, a.model)]
            if near:
                candidates.add(frozenset(min(near, key=len)))
        best = max(((len(got), -len(keys), sorted(keys), got) for keys in candidates
                    for got in [_pairs(ca, cb, drop | keys)]), default=None)
        if best is None or best[0] <= len(pairs):
            return pairs, drop
        drop |= set(best[2])
        pairs = best[3]


def _names(ca: dict[str, Cell], cb: dict[str, Cell], drop: set[str]) -> dict[tuple[int, str], str]:
    """(side, id) -> 'label · model' (the task without a label) plus the settings (other than drop) that
    vary among the cells of that name in either run."""
    groups: dict[tuple, list[Cell]] = {}
    for c in (*ca.values(), *cb.values()):
        groups.setdefault((c.label or c.task, c.model), []).append(c)
    out = {}
    for side, cells in enumerate((ca, cb)):
        for cid, c in cells.items():
            group = groups[(c.label or c.task, c.model)]
            vary = sorted(k for k in set().union(*(g.settings for g in group)) - drop
                          if len({_show(g.settings.get(k)) for g in group}) > 1)
            extra = ", ".join(f"{k}={_show(c.settings.get(k))}" for k in vary)
            out[(side, cid)] = f"{c.label or c.task} · {c.model}" + (f" ({extra})" if extra else "")
    return out


# ---------------------------------------------------------------- one cell and metric

def _values(frame: pd.DataFrame) -> dict[tuple[str, str], dict[int, float]]:
    """(cell, metric) -> seed -> value, finite values only."""
    v = frame[np.isfinite(frame.value.to_numpy(dtype=np.float64))]
    out: dict[tuple[str, str], dict[int, float]] = {}
    for cell, metric, seed, value in zip(v.cell, v.metric, v.seed, v.value.astype(float)):
        out.setdefault((cell, metric), {})[int(seed)] = value
    return out


def _delta(x: np.ndarray, y: np.ndarray, paired: bool) -> tuple[Interval, float, float, bool]:
    """(Δ = y - x with its interval, its standard error, degrees of freedom, identical)."""
    if paired:
        d = y - x
        n = len(d)
        if np.ptp(d) == 0:  # every seed moved by the same amount (none, or a deterministic model's change)
            m = float(d[0])
            return Interval(m, m, m, n, "exact"), 0.0, n - 1, m == 0
        iv = t_interval(d)
        return iv, float(d.std(ddof=1)) / math.sqrt(n), n - 1, False
    mean = float(y.mean() - x.mean())
    both = np.concatenate([x, y])
    if np.ptp(both) == 0:
        return Interval(0.0, 0.0, 0.0, len(both), "exact"), 0.0, len(both) - 2, True
    if len(x) < 2 or len(y) < 2:
        return Interval(mean, float("nan"), float("nan"), len(both), "none"), float("nan"), 0.0, False
    va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    se = math.sqrt(va + vb)
    if se == 0:  # two deterministic values
        return Interval(mean, mean, mean, len(both), "exact"), 0.0, len(both) - 2, False
    df = (va + vb) ** 2 / (va ** 2 / (len(x) - 1) + vb ** 2 / (len(y) - 1))  # Welch–Satterthwaite
    half = t_quantile(0.5 + (1 - ALPHA) / 2, df) * se
    return Interval(mean, mean - half, mean + half, len(both), "t"), se, df, False  # Welch's t


def t_p(delta: float, se: float, df: float, margin: float = 0.0) -> float:
    """Two-sided p of |Δ| > margin from a t statistic: 2 P(T_df > (|Δ| - margin) / se), at most 1."""
    excess = abs(delta) - margin
    if excess <= 0:
        return 1.0
    if math.isnan(se) or df < 1:
        return float("nan")
    if se == 0:
        return 0.0
    return float(min(1.0, 2 * special.stdtr(df, -excess / se)))


def _verdict(identical: bool, p_holm: float, delta: float, better: str, alpha: float) -> str:
    if identical:
        return "identical"
    if not p_holm < alpha:
        return "no_change"
    return "better" if (delta < 0) == (better == "lower") else "worse"


# ---------------------------------------------------------------- the comparison

def compare(a: pd.DataFrame, b: pd.DataFrame, cells_a: dict[str, Cell], cells_b: dict[str, Cell],
            better: dict[str, str], timing: tuple[str, ...] = (), tolerance: float = 0.0,
            alpha: float = ALPHA) -> Comparison:
    """Compare run b with run a (the baseline). a, b: tidy frames (cell, seed, metric, value);
    better: the metrics compared -> 'lower' or 'higher' (which way is better);
    timing: wall-clock metrics, shown apart; tolerance: the share of a's mean a change must exceed."""
    pairs, drop = match_cells(cells_a, cells_b)
    names = _names(cells_a, cells_b, drop)
    va, vb = _values(a), _values(b)
    pending = []
    for ida, idb in pairs:
        for metric in better:
            xa, xb = va.get((ida, metric)), vb.get((idb, metric))
            if not xa or not xb:
                continue
            shared = sorted(set(xa) & set(xb))
            paired = len(shared) >= 2
            x = np.array([xa[s] for s in (shared if paired else sorted(xa))])
            y = np.array([xb[s] for s in (shared if paired else sorted(xb))])
            delta, se, df, same = _delta(x, y, paired)
            p = 1.0 if same else t_p(delta.mean, se, df, tolerance * abs(float(x.mean())))
            pending.append((names[(0, ida)], metric, seed_interval(x), seed_interval(y), delta, paired, p, same))
    # Identical rows are no test (p = 1 by construction, e.g. a deterministic baseline): out of Holm's family.
    adjusted = [1.0 if same else ph for same, ph in
                zip((r[7] for r in pending), holm([float("nan") if r[7] else r[6] for r in pending]))]
    rows = [Row(name, metric, ia, ib, d, paired, p, ph, _verdict(same, ph, d.mean, better[metric], alpha))
            for (name, metric, ia, ib, d, paired, p, same), ph in zip(pending, adjusted)]
    rank = {"worse": 0, "better": 0, "no_change": 1, "identical": 2}
    rows.sort(key=lambda r: (rank[r.verdict], -abs(r.relative) if r.verdict in FAIL_ON["change"] and
                             not math.isnan(r.relative) else 0.0,
                             r.p_holm if not math.isnan(r.p_holm) else 2.0, r.cell, r.metric))
    differing: dict[tuple[str, str, str], list[str]] = {}
    for ida, idb in pairs:
        sa, sb = cells_a[ida].settings, cells_b[idb].settings
        for k in sorted(drop):
            if _show(sa.get(k)) != _show(sb.get(k)):
                differing.setdefault((k, _show(sa.get(k)), _show(sb.get(k))), []).append(names[(0, ida)])
    times = [Timing(names[(0, ida)], m, float(np.mean(list(va[(ida, m)].values()))),
                    float(np.mean(list(vb[(idb, m)].values()))))
             for ida, idb in pairs for m in timing if va.get((ida, m)) and vb.get((idb, m))]
    done_a, done_b = {p[0] for p in pairs}, {p[1] for p in pairs}
    return Comparison(rows=rows, differing=[(*k, v) for k, v in sorted(differing.items())],
                      only_a=sorted(names[(0, c)] for c in cells_a if c not in done_a),
                      only_b=sorted(names[(1, c)] for c in cells_b if c not in done_b),
                      timing=times, matched=len(pairs), alpha=alpha, tolerance=tolerance,
                      counts={v: sum(r.verdict == v for r in rows) for v in VERDICTS})


def geometric_mean_ratio(timing: list[Timing], metric: str) -> float:
    """The geometric mean of b / a over the cells that have the metric in both runs (NaN without any)."""
    r = np.array([t.ratio for t in timing if t.metric == metric])
    r = r[np.isfinite(r) & (r > 0)]
    return float(np.exp(np.log(r).mean())) if len(r) else float("nan")
