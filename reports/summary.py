"""One task's table: intervals over seeds, paired tests against a reference, the floor row and flags.

Inputs are plain data (a tidy DataFrame and per-point loss arrays) that ``bench`` reads from the
store; nothing here knows a task by name.

Reference model: the task's best naive baseline (the non-trainable model with the best mean on
the test metric). Beating the strongest naive forecast is the least a network must do, and taking
the best one can only make the tests harder to pass.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from reports.intervals import Interval, seed_interval
from reports.messages import name_in, recorded, text
from reports.stats import EWC_DF, clark_west, dm_over_seeds, holm, min_holm_p, min_sign_flip_p, sign_flip_test
from reports.tables import ALPHA, Estimate, PValue, fmt_number


@dataclass(frozen=True)
class TaskInputs:
    """What one table needs, all read from the store by ``bench``."""

    label: str
    values: pd.DataFrame  # columns model, seed, metric, value (this label only)
    metrics: list[str]  # table columns, in order
    better: dict[str, str]  # metric -> "lower", "higher" or "" (descriptive)
    models: list[str]  # row order; naive ones are listed after the networks
    naive: frozenset[str]
    floors: dict[str, float] = field(default_factory=dict)  # metric -> analytic floor
    # model -> its own floors where they differ from the table's (e.g. a model that reads the
    # whole past is not held to the best any short window allows), and what its floor row is called
    model_floors: dict[str, dict[str, float]] = field(default_factory=dict)
    floor_names: dict[str, str] = field(default_factory=dict)  # model -> e.g. "whole past"
    test_metric: str | None = None  # what the paired tests compare; its per-point losses feed DM
    pointwise: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)  # model -> seed -> (S,)
    proportions: frozenset[str] = frozenset()  # metrics that are shares of the S test points
    # squared-error tasks: each model's test forecasts (seed -> (S,)) and the targets (S,), for Clark–West
    predictions: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)
    truth: np.ndarray | None = None


@dataclass
class Comparison:
    """One model against the reference on the test metric."""

    model: str
    delta: float  # mean over paired seeds of (model - reference)
    pairs: int
    sign_flip: float  # p of the sign-flip test over the paired seeds
    sign_flip_note: str
    dm_stat: float
    dm: float
    dm_note: str
    dm_lags: int | None = None  # Bartlett lags of the DM long-run variance
    sign_flip_holm: float = float("nan")
    dm_holm: float = float("nan")
    cw: float = float("nan")  # Clark–West p (one-sided) against a naive reference nested in the model
    cw_holm: float = float("nan")


@dataclass
class TaskTable:
    label: str
    header: list[str]
    rows: list[list]
    reference: str | None
    test_metric: str | None
    comparisons: list[Comparison]
    intervals: dict[tuple[str, str], Interval]  # (model, metric) -> interval over seeds
    flagged: list[tuple[str, str]]  # (model, metric) that beat their floor
    seeds: int  # the most seeds any row has
    notes: list[str]
    floors: dict[str, float] = field(default_factory=dict)


Values = dict[tuple[str, str], dict[int, float]]  # (model, metric) -> seed -> value


def index_values(values: pd.DataFrame) -> Values:
    """The tidy rows as (model, metric) -> seed -> value, NaN dropped (one pass, no pandas per lookup)."""
    out: Values = {}
    v = values.dropna(subset=["value"])
    for model, metric, seed, value in zip(v.model.tolist(), v.metric.tolist(), v.seed.tolist(), v.value.tolist()):
        out.setdefault((model, metric), {})[int(seed)] = float(value)
    return out


def _stack(by_seed: dict[int, np.ndarray]) -> np.ndarray | None:
    """(K, S) per-point losses over seeds, or None when absent or of unequal lengths."""
    arrs = [np.asarray(by_seed[s], dtype=np.float64).ravel() for s in sorted(by_seed)]
    if not arrs or len({len(a) for a in arrs}) != 1:
        return None
    return np.stack(arrs)


def _sign(better: str, x: float) -> float:
    return x if better == "lower" else -x  # positive: worse than the floor/reference side


def choose_reference(inp: TaskInputs, idx: Values) -> str | None:
    """The naive model with the best mean on the test metric (None without one)."""
    if inp.test_metric is None or not inp.better.get(inp.test_metric):
        return None
    means = {m: float(np.mean(list(idx[(m, inp.test_metric)].values()))) for m in inp.models
             if m in inp.naive and (m, inp.test_metric) in idx}
    if not means:
        return None
    pick = min if inp.better[inp.test_metric] == "lower" else max
    return pick(means, key=means.get)


def _consistent(inp: TaskInputs, idx: Values, model: str, losses: dict[int, np.ndarray]) -> bool:
    """The stored per-point losses average to the stored test metric, seed by seed."""
    vals = idx.get((model, inp.test_metric), {})
    for seed, arr in losses.items():
        if seed in vals:
            m, v = float(np.mean(arr, dtype=np.float64)), float(vals[seed])
            if not abs(m - v) <= 1e-4 * max(abs(v), 1e-12) + 1e-9:
                return False
    return True


def compare(inp: TaskInputs, idx: Values, reference: str) -> list[Comparison]:
    """Sign-flip test (seeds) and Diebold–Mariano (test points) of every other model vs the
    reference, each family Holm-corrected over the models of this table. Two models that give the
    same value in every seed (deterministic baselines) get no seed-level test: only DM applies."""
    tm = inp.test_metric
    ref_vals = idx.get((reference, tm), {})
    ref_pw = inp.pointwise.get(reference)
    ref_ok = ref_pw is not None and _consistent(inp, idx, reference, ref_pw)
    out = []
    for m in inp.models:
        if m == reference:
            continue
        vals = idx.get((m, tm), {})
        if not vals:
            continue
        seeds = sorted(set(vals) & set(ref_vals))
        a, b = np.array([vals[s] for s in seeds]), np.array([ref_vals[s] for s in seeds])
        if len(seeds) > 1 and np.ptp(a) == 0 == np.ptp(b) and a[0] != b[0]:
            p_s, note_s = float("nan"), "no seed variation"  # two deterministic models: nothing to test over seeds
        else:
            p_s, note_s = sign_flip_test(a, b)
        stat, p_dm, note_dm, lags = float("nan"), float("nan"), "", None
        pw = inp.pointwise.get(m)
        if pw is None or ref_pw is None:
            note_dm = "no per-point losses"
        elif not (ref_ok and _consistent(inp, idx, m, pw)):
            note_dm = f"per-point losses do not average to {tm}"
        else:
            la, lb = _stack(pw), _stack(ref_pw)
            if la is None or lb is None or la.shape[1] != lb.shape[1]:
                note_dm = "test points differ"
            else:
                r = dm_over_seeds(la, lb)
                stat, p_dm, lags = r.stat, r.p, r.lags
        delta = float(np.mean(a - b)) if len(seeds) else float("nan")
        nested = m not in inp.naive and reference in inp.naive  # a naive forecast is nested in a network
        out.append(Comparison(m, delta, len(seeds), p_s, note_s, stat, p_dm, note_dm, lags,
                              cw=_clark_west(inp, reference, m) if nested else float("nan")))
    for name in ("sign_flip", "dm", "cw"):
        adj = holm([getattr(c, name) for c in out])
        for c, p in zip(out, adj):
            setattr(c, f"{name}_holm", p)
    return out


def _clark_west(inp: TaskInputs, reference: str, model: str) -> float:
    """One-sided Clark–West p of the model's forecasts (over its seeds) against the reference's, or NaN
    when the forecasts or the targets are not stored."""
    ref, mine = _stack(inp.predictions.get(reference, {})), _stack(inp.predictions.get(model, {}))
    if inp.truth is None or ref is None or mine is None or not ref.shape[1] == mine.shape[1] == len(inp.truth):
        return float("nan")
    return clark_west(np.asarray(inp.truth, dtype=np.float64), ref.mean(0), mine).p


def test_sample_se(inp: TaskInputs, model: str, metric: str, mean: float) -> float:
    """Standard error of a metric from the finite test set (the floor is an expectation).

    The test metric: the standard error of the seed-averaged per-point losses; a proportion:
    the binomial sqrt(p(1-p)/S); any other metric: its mean times the relative standard error
    of the per-point losses (squared errors vary more than absolute errors or their root, so
    this errs wide). 0 when no per-point losses are stored.
    """
    la = _stack(inp.pointwise.get(model, {}))
    if la is None:
        return 0.0
    avg = la.mean(0)  # (S,)
    S = len(avg)
    if S < 2:
        return 0.0
    se = float(np.std(avg, ddof=1) / math.sqrt(S))
    if metric == inp.test_metric:
        return se
    if metric in inp.proportions and 0.0 <= mean <= 1.0:
        return math.sqrt(mean * (1 - mean) / S)
    base = float(avg.mean())
    return abs(mean) * se / abs(base) if base != 0 else 0.0


def beats_floor(inp: TaskInputs, model: str, metric: str, iv: Interval) -> bool:
    """True when the mean is better than the floor by more than the combined 95 % allowance:
    the seed interval's half on the floor's side and 1.96 test-sample standard errors, in quadrature."""
    floor, better = inp.model_floors.get(model, inp.floors).get(metric), inp.better.get(metric, "")
    if floor is None or not better or not math.isfinite(iv.mean):
        return False
    seed_side = 0.0
    if iv.method == "t":
        seed_side = (iv.hi - iv.mean) if better == "lower" else (iv.mean - iv.lo)
    allowance = math.hypot(seed_side, special.ndtri(0.975) * test_sample_se(inp, model, metric, iv.mean))
    return _sign(better, iv.mean - floor) + allowance < 0


def _row_name(model: str, inp: TaskInputs, reference: str | None, lang: str) -> str:
    if model == reference:
        return text(lang, "table.row_reference", model=model)
    return text(lang, "table.row_naive", model=model) if model in inp.naive else model


def paired_test_notes(comps: list[Comparison], lang: str = "en") -> list[str]:
    """What the p-value columns of one table can say: Holm's scope per column as applied, the
    sign-flip test's null, the smallest adjusted p it can reach with this table's seeds, and the DM
    long-run variance."""
    tested = [c for c in comps if not math.isnan(c.sign_flip)]
    m_dm = sum(not math.isnan(c.dm) for c in comps)
    m = len(tested)
    if not m and not m_dm:
        return []
    notes = [text(lang, "table.holm_scope", m=m, m_dm=m_dm)]
    if m:
        n = max(c.pairs for c in tested)
        floor_p = min_holm_p(n, m)
        tail = text(lang, "table.seeds_cannot_reach", alpha=ALPHA) if floor_p >= ALPHA else ""
        notes += [text(lang, "table.flip_null"),
                  text(lang, "table.smallest_p", n=n, p_flip=min_sign_flip_p(n), p_holm=floor_p, tail=tail)]
    if m_dm:
        notes.append(text(lang, "table.dm_variance", df=EWC_DF))
    cw = [c for c in comps if not math.isnan(c.cw_holm)]
    if cw:
        notes.append(text(lang, "table.clark_west", m=len(cw), items=", ".join(
            f"{c.model} {c.cw_holm:.3g}" + (" *" if c.cw_holm < ALPHA else "") for c in cw)))
    return notes


def build_table(inp: TaskInputs, lang: str = "en") -> TaskTable:
    """Rows: networks then naive baselines, each `mean ± half-width` per metric, n, the paired
    difference on the test metric and its two Holm-adjusted p-values; then the floor row, and one
    per group of models with floors of their own. lang: the language of the header, row names and
    notes (reports.messages)."""
    idx = index_values(inp.values)
    reference = choose_reference(inp, idx)
    comps = {c.model: c for c in compare(inp, idx, reference)} if reference else {}
    tm = inp.test_metric
    header = [text(lang, "table.model"), "n"] + list(inp.metrics)
    if reference:
        header += [text(lang, "table.delta", metric=tm, reference=reference), text(lang, "table.sign_flip"),
                   text(lang, "table.dm")]
    rows, intervals, flagged, seeds = [], {}, [], 0
    own: dict[tuple[str, str], list[str]] = {}  # models whose own floors differ, by floor row name and floors
    ordered = [m for m in inp.models if m not in inp.naive] + [m for m in inp.models if m in inp.naive]
    for m in ordered:
        present = {s for metric in inp.metrics for s in idx.get((m, metric), {})}
        if not present:
            continue
        n = len(present)
        seeds = max(seeds, n)
        row = [_row_name(m, inp, reference, lang), str(n)]
        for metric in inp.metrics:
            vals = idx.get((m, metric))
            if not vals:
                row.append("–")
                continue
            iv = seed_interval(np.array(list(vals.values())))
            intervals[(m, metric)] = iv
            flag = beats_floor(inp, m, metric, iv)
            if flag:
                flagged.append((m, metric))
            row.append(Estimate(iv, flag, lang))
        if reference:
            c = comps.get(m)
            if m == reference:
                row += [text(lang, "table.reference_cell"), "", ""]
            elif c is None:
                row += ["–", "–", "–"]
            else:
                row += [f"{c.delta:+.3g}", PValue(c.sign_flip_holm, recorded(c.sign_flip_note, lang, "pnote")),
                        PValue(c.dm_holm, recorded(c.dm_note, lang, "pnote"))]
        rows.append(row)
        if inp.model_floors.get(m, inp.floors) != inp.floors:
            own.setdefault((inp.floor_names.get(m, m), repr(sorted(inp.model_floors[m].items()))), []).append(m)
    for name, floors in [(text(lang, "table.floor"), inp.floors)] + [
            (text(lang, "table.floor_named", name=name_in(lang, "floor", name)), inp.model_floors[ms[0]])
            for (name, _), ms in own.items()]:
        floor_cells = [fmt_number(floors[m]) if m in floors else "" for m in inp.metrics]
        if any(floor_cells):
            rows.append([name, ""] + floor_cells + ([""] * 3 if reference else []))
    notes = paired_test_notes(list(comps.values()), lang)
    if tm and not reference:
        notes.append(text(lang, "table.no_reference"))
    return TaskTable(inp.label, header, rows, reference, tm, list(comps.values()), intervals, flagged, seeds, notes,
                     dict(inp.floors))
