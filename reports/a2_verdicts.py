"""Assignment 2's verdicts as data: per cell (a sequence at one MLP window), whether recurrence helps,
by one rule (docs/statistics.md, "Assignment 2's rule"):

- "helps": the stateful GRU beats the MLP *and* the best naive forecast, and for each comparison the
  seed-level sign-flip test and the Diebold–Mariano test both say so (Holm-adjusted p < ALPHA) in the
  direction of the quoted score;
- "mlp_only": it beats the MLP by both tests but not the best naive forecast;
- "worse": the MLP is better by both tests;
- "disagree": one test finds a difference the other does not, or they point opposite ways;
- "not_detected": neither test finds one;
- "both_exact": both models reach the same best possible score (exact forecasters differ only in
  confidence), so nothing is tested.

Holm adjusts each column as it is applied: the seed-level and the DM p-values of each comparison
(MLP; best naive; each equal-budget control) over the cells given. The window limits a cell when it
is shorter than the minimal window (one definition for every family, sequences.contexts).
Rendering lives in ``reports.assignment2``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from reports.intervals import Interval
from reports.stats import dm_over_seeds, holm, sign_flip_test
from reports.tables import ALPHA

REFERENCE, RECURRENT, WINDOWED = "mlp", "gru-stateful", "gru"  # the assignment's MLP vs GRU, and the GRU on a window
EXACT = 1e-3  # a mean this close to its bound counts as at the bound (float noise, one test point in a thousand)
SHARES = ("accuracy",)  # metrics that are shares of the test points: EXACT is absolute for them, else relative
VERDICTS = ("helps", "mlp_only", "disagree", "not_detected", "worse", "both_exact")


@dataclass
class Matched:
    """One model of a cell retrained at the other model's parameter count (the capacity control)."""

    model: str  # REFERENCE or RECURRENT, resized
    params: int
    score: Interval
    values: dict[int, float] = field(default_factory=dict)  # seed -> quoted metric
    losses: dict[int, np.ndarray] = field(default_factory=dict)  # seed -> per-point losses (S,)


@dataclass
class CellEvidence:
    """One table of the answers: a sequence at one window, with what its models scored."""

    label: str
    task: str
    question: str  # one of reports.assignment2.QUESTIONS
    window: int
    minimal_window: int | None  # None: no period
    metric: str  # "accuracy" or "mse"
    better: str  # "higher" or "lower"
    bound: float | None  # best any function of the window can score (the floor of windowed models)
    past_bound: float | None  # best any forecast from the whole past can score (the stateful models' floor)
    scores: dict[str, Interval] = field(default_factory=dict)  # model -> interval over seeds on metric
    losses: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)  # model -> seed -> per-point losses (S,)
    flagged: list[str] = field(default_factory=list)  # models whose mean beats their analytic floor
    values: dict[str, dict[int, float]] = field(default_factory=dict)  # model -> seed -> metric (seed-level test)
    naive: tuple[str, ...] = ()  # the naive baselines among scores
    params: dict[str, int] = field(default_factory=dict)  # model -> parameters of one member
    linear: float | None = None  # the metric of a least-squares linear predictor of the window (reals)
    matched: list[Matched] = field(default_factory=list)  # the capacity control, where it ran


@dataclass
class Test:
    """One comparison of the stateful GRU (or its resized self) with another forecaster."""

    against: str
    delta: float  # mean(first) - mean(against) on the quoted metric
    p_seed: float  # sign-flip over seeds, Holm-adjusted within its column
    p_dm: float  # Diebold–Mariano on the per-point losses, Holm-adjusted within its column
    direction: int  # +1 first better by both tests, -1 worse by both, 0 neither, 2 the tests disagree


@dataclass
class CellVerdict:
    verdict: str  # one of VERDICTS
    mlp: Test | None  # the stateful GRU against the MLP
    naive: Test | None  # the stateful GRU against the best naive forecast
    # each resized model with its comparison: the resized GRU against the MLP, or the GRU against the resized MLP
    controls: list[tuple[Matched, Test]] = field(default_factory=list)
    survives: bool | None = None  # the comparison's direction holds at equal budgets (None: no control ran)


def limited(c: CellEvidence) -> bool | None:
    """Whether the window is shorter than the minimal window (None: no period)."""
    return None if c.minimal_window is None else c.window < c.minimal_window


def gain(c: CellEvidence, x: float) -> float:
    """x > 0 reads as better on the cell's metric."""
    return x if c.better == "higher" else -x


def tolerance(c: CellEvidence, *means: float) -> float:
    return EXACT if c.metric in SHARES else EXACT * max(abs(m) for m in means)


def exact(c: CellEvidence, iv: Interval | None) -> bool:
    """A mean at the best any forecast from the whole past can score: within EXACT of it (accuracy),
    or for a squared error within EXACT² of the best naive forecast's (a root-mean-square error
    within EXACT of zero, relative to the naive forecast's)."""
    best = c.past_bound
    if iv is None or best is None or not math.isfinite(iv.mean):
        return False
    if c.metric in SHARES:
        return abs(iv.mean - best) <= EXACT
    naive = [abs(c.scores[m].mean) for m in c.naive if m in c.scores and math.isfinite(c.scores[m].mean)]
    return abs(iv.mean - best) <= EXACT ** 2 * min(naive or [1.0])


def best_naive(c: CellEvidence) -> str | None:
    means = {m: c.scores[m].mean for m in c.naive if m in c.scores and math.isfinite(c.scores[m].mean)}
    return max(means, key=lambda m: gain(c, means[m])) if means else None


def _raw(c: CellEvidence, first: tuple, other: tuple) -> tuple[float, float, float, float]:
    """(delta, seed-level p, DM statistic, DM p) of first against other; each (score, values, losses)."""
    (a, va, la), (b, vb, lb) = first, other
    seeds = sorted(set(va) & set(vb))
    p_seed = sign_flip_test(np.array([va[s] for s in seeds]), np.array([vb[s] for s in seeds]))[0] \
        if seeds else float("nan")
    sa, sb = (_stack(x) for x in (la, lb))
    dm = dm_over_seeds(sa, sb) if sa is not None and sb is not None else None
    return a.mean - b.mean, p_seed, dm.stat if dm else float("nan"), dm.p if dm else float("nan")


def _stack(by_seed: dict[int, np.ndarray]) -> np.ndarray | None:
    arrs = [np.asarray(by_seed[s], dtype=np.float64).ravel() for s in sorted(by_seed)]
    return np.stack(arrs) if arrs and len({len(a) for a in arrs}) == 1 else None


def _direction(c: CellEvidence, delta: float, p_seed: float, stat: float, p_dm: float, tol: float) -> int:
    """+1: first better by both tests; -1: worse by both; 0: neither test; 2: they disagree."""
    g = gain(c, delta)
    seed = (1 if g > tol else -1 if g < -tol else 0) if p_seed < ALPHA else 0
    dm = (1 if stat < 0 else -1) if p_dm < ALPHA else 0  # DM statistic < 0: first's losses are lower
    return seed if seed == dm else 2


def _family(rows: list[tuple[CellEvidence, str, tuple, tuple]]) -> list[Test]:
    """Tests of one column family (e.g. every cell's stateful GRU against its MLP), Holm per column."""
    raw = [_raw(c, f, o) for c, _, f, o in rows]
    ps, pd_ = holm([r[1] for r in raw]), holm([r[3] for r in raw])
    out = []
    for (c, against, f, o), (delta, _, stat, _), p_seed, p_dm in zip(rows, raw, ps, pd_):
        out.append(Test(against, delta, p_seed, p_dm,
                        _direction(c, delta, p_seed, stat, p_dm, tolerance(c, f[0].mean, o[0].mean))))
    return out


def _side(c: CellEvidence, model: str) -> tuple:
    return c.scores[model], c.values.get(model, {}), c.losses.get(model, {})


def _verdict(mlp: Test, naive: Test | None, rec_exact: bool, ref_exact: bool) -> str:
    if rec_exact and ref_exact:
        return "both_exact"
    if mlp.direction == 1:
        return "helps" if naive is not None and naive.direction == 1 else "mlp_only"
    return {-1: "worse", 0: "not_detected", 2: "disagree"}[mlp.direction]


def verdicts(cells: list[CellEvidence]) -> dict[str, CellVerdict]:
    """label -> the cell's verdict, for every cell where both the MLP and the stateful GRU ran."""
    both = [c for c in cells if RECURRENT in c.scores and REFERENCE in c.scores]
    mlp = _family([(c, REFERENCE, _side(c, RECURRENT), _side(c, REFERENCE)) for c in both])
    with_naive = [c for c in both if best_naive(c)]
    naive = dict(zip([c.label for c in with_naive], _family(
        [(c, best_naive(c), _side(c, RECURRENT), _side(c, best_naive(c))) for c in with_naive])))
    out = {c.label: CellVerdict(_verdict(t, naive.get(c.label), exact(c, c.scores[RECURRENT]),
                                         exact(c, c.scores[REFERENCE])), t, naive.get(c.label))
           for c, t in zip(both, mlp)}
    # The capacity control: the resized model in place of its own size, the other as it ran; the effect
    # (the direction of the comparison with the MLP) survives when every control finds it too.
    rows, owners = [], []
    for c in both:
        for m in c.matched:
            side = (m.score, m.values, m.losses)
            first, other = (side, _side(c, REFERENCE)) if m.model == RECURRENT else (_side(c, RECURRENT), side)
            rows.append((c, REFERENCE, first, other))
            owners.append((c, m))
    for (c, m), t in zip(owners, _family(rows)):
        out[c.label].controls.append((m, t))
    for v in out.values():
        if v.controls:
            v.survives = all(t.direction == v.mlp.direction for _, t in v.controls)
    return out
