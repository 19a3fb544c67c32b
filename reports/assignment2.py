"""Assignment 2 answered in plain words: does a recurrent network beat a fully connected one on
sequences with no period, periodic ones, m:n-concatenated ones and sums of two?

Input: one ``CellEvidence`` per table (a sequence at one MLP window) with the models' intervals
over seeds and per-point test losses. Each answer compares the MLP with the stateful GRU on the
same test targets (Diebold–Mariano on the per-point losses, Holm-adjusted over every comparison
of the section) and says, from the numbers, where recurrence helps and where it cannot. Every
word comes from the message catalogue (keys "a2.*" in reports/messages), in the report's language.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from reports.intervals import Interval
from reports.messages import text
from reports.stats import dm_over_seeds, holm
from reports.summary import _stack
from reports.tables import ALPHA, Estimate, fmt_number

REFERENCE, RECURRENT, WINDOWED = "mlp", "gru-stateful", "gru"  # the assignment's MLP vs GRU, and the GRU on a window
QUESTIONS = ("aperiodic", "periodic", "concat", "summed")  # in the assignment's order
HEADINGS = {"aperiodic": "a2.q_aperiodic", "periodic": "a2.q_periodic", "concat": "a2.q_concat",
            "summed": "a2.q_summed"}  # question -> its heading's message
EXACT = 1e-3  # a mean this close to its bound counts as at the bound (float noise, one test point in a thousand)
SHARES = ("accuracy",)  # metrics that are shares of the test points: EXACT is absolute for them, else relative


@dataclass
class CellEvidence:
    """One table of the answers: a sequence at one window, with what its models scored."""

    label: str
    task: str
    question: str  # one of QUESTIONS
    window: int
    minimal_window: int | None
    metric: str  # "accuracy" or "mse"
    better: str  # "higher" or "lower"
    bound: float | None  # best any function of the window can score (the floor of windowed models)
    past_bound: float | None  # best any forecast from the whole past can score (the stateful models' floor)
    scores: dict[str, Interval] = field(default_factory=dict)  # model -> interval over seeds on metric
    losses: dict[str, dict[int, np.ndarray]] = field(default_factory=dict)  # model -> seed -> per-point losses (S,)
    flagged: list[str] = field(default_factory=list)  # models whose mean beats their analytic floor


@dataclass
class _Test:
    delta: float
    p: float  # Holm-adjusted
    verdict: str  # "better", "same", "worse": the stateful GRU against the MLP


def _tolerance(c: CellEvidence, a: Interval, b: Interval) -> float:
    return EXACT if c.metric in SHARES else EXACT * max(abs(a.mean), abs(b.mean))


def _tests(cells: list[CellEvidence]) -> dict[str, _Test]:
    """The stateful GRU against the MLP per cell: DM on the per-point losses, Holm over the cells;
    a difference needs the test and the quoted score to agree on its direction."""
    raw = {}
    for c in cells:
        a, b = c.scores.get(RECURRENT), c.scores.get(REFERENCE)
        la, lb = (_stack(c.losses.get(m, {})) for m in (RECURRENT, REFERENCE))
        if a is None or b is None:
            continue
        dm = dm_over_seeds(la, lb) if la is not None and lb is not None else None
        raw[c.label] = (c, a.mean - b.mean, dm.stat if dm else float("nan"), dm.p if dm else float("nan"),
                        _tolerance(c, a, b))
    adjusted = holm([p for *_, p, _ in raw.values()])
    out = {}
    for (label, (c, delta, stat, _, tol)), p in zip(raw.items(), adjusted):
        gain = delta if c.better == "higher" else -delta
        verdict = "same"
        if p < ALPHA and gain > tol and stat < 0:  # DM statistic < 0: the stateful GRU's losses are lower
            verdict = "better"
        elif p < ALPHA and gain < -tol and stat > 0:
            verdict = "worse"
        out[label] = _Test(delta, p, verdict)
    return out


def _score(iv: Interval | None, lang: str) -> str:
    return "–" if iv is None else Estimate(iv, lang=lang).md()


def _limited(c: CellEvidence) -> bool | None:
    """Whether the window's best possible falls short of the whole past's (None: not known)."""
    if c.minimal_window is None or c.bound is None or c.past_bound is None:
        return None
    return abs(c.bound - c.past_bound) > EXACT


def _gap(c: CellEvidence, model: str) -> float:
    """How much better than the window's best possible the model's mean is (negative: worse)."""
    iv = c.scores.get(model)
    if iv is None or c.bound is None or not math.isfinite(iv.mean):
        return float("nan")
    return iv.mean - c.bound if c.better == "higher" else c.bound - iv.mean


def _held(c: CellEvidence, model: str) -> bool:
    """The model's mean is at or under the window's best possible."""
    return _gap(c, model) <= EXACT


def _reaches(c: CellEvidence, model: str) -> bool:
    """The model's mean is the window's best possible."""
    return abs(_gap(c, model)) <= EXACT


def _name(c: CellEvidence, lang: str) -> str:
    return text(lang, "a2.name", task=c.task, window=c.window)


def _range(cells: list[CellEvidence], model: str, lang: str) -> str:
    """The model's means over the cells, lowest–highest, per metric when they mix metrics."""
    parts = []
    for metric in dict.fromkeys(c.metric for c in cells):
        means = [c.scores[model].mean for c in cells if model in c.scores and c.metric == metric]
        if means:
            lo, hi = min(means), max(means)
            parts.append(fmt_number(lo) if lo == hi else f"{fmt_number(lo)}–{fmt_number(hi)}")
            if len({c.metric for c in cells}) > 1:
                parts[-1] = f"{metric} {parts[-1]}"
    return text(lang, "sep.list").join(parts) or "–"


def _cell_line(c: CellEvidence, t: _Test | None, lang: str) -> str:
    others = {m: iv for m, iv in c.scores.items() if m.endswith("-stateful") and m != RECURRENT}
    limited = _limited(c)
    return text(
        lang, "a2.cell", task=c.task, window=c.window,
        minimal=c.minimal_window if c.minimal_window is not None else "–",
        where=text(lang, "a2.cell_none" if limited is None else "a2.cell_limited" if limited else "a2.cell_open"),
        ref=REFERENCE, ref_score=_score(c.scores.get(REFERENCE), lang), win=WINDOWED,
        win_score=_score(c.scores.get(WINDOWED), lang), rec=RECURRENT, rec_score=_score(c.scores.get(RECURRENT), lang),
        bound=fmt_number(c.bound) if c.bound is not None else "–",
        past=fmt_number(c.past_bound) if c.past_bound is not None else "–", metric=c.metric,
        delta=f"{t.delta:+.3g}" if t else "–", p=(f"= {t.p:.3g}" if t and t.p >= 0.001 else "< 0.001" if t else "–"),
        mark=" *" if t and t.p < ALPHA else "",
        others=text(lang, "a2.cell_others", scores=", ".join(f"{m} {_score(iv, lang)}" for m, iv in others.items()))
        if others else "")


def _verdict(cells: list[CellEvidence], tests: dict[str, _Test], lang: str) -> str:
    groups = {v: [c for c in cells if c.label in tests and tests[c.label].verdict == v]
              for v in ("better", "same", "worse")}
    n = sum(len(g) for g in groups.values())
    if n and len(groups["better"]) == n:
        return text(lang, "a2.verdict_yes", n=n)
    counts = {v: len(g) for v, g in groups.items()}
    lists = {f"{v}_list": text(lang, "a2.verdict_list", cells=", ".join(_name(c, lang) for c in g)) if g else ""
             for v, g in groups.items()}
    said = text(lang, "a2.verdict_some" if groups["better"] else "a2.verdict_no", n=n, **counts, **lists)
    for v, key in (("same", "a2.verdict_same"), ("worse", "a2.verdict_worse")):
        if groups[v]:
            said += text(lang, key, **counts, **lists)
    limited = [c for c in cells if _limited(c)]
    if limited:
        return said + text(lang, "a2.sentence_end") + text(lang, "a2.verdict_limited", k=len(limited),
                                                          kb=sum(c in groups["better"] for c in limited))
    return said + text(lang, "doc.stop")


def _question(q: str, cells: list[CellEvidence], tests: dict[str, _Test], lang: str) -> list[str]:
    lines = [text(lang, HEADINGS[q]), _verdict(cells, tests, lang)]
    if q == "aperiodic":
        beaten = [f"{c.label} {m}" for c in cells for m in c.flagged]
        lines.append(text(lang, "a2.floor_beaten", cells=text(lang, "sep.list").join(beaten)) if beaten
                     else text(lang, "a2.floor_held"))
        if not beaten and any(tests[c.label].verdict == "worse" for c in cells if c.label in tests):
            lines.append(text(lang, "a2.floor_worse"))
    below = [c for c in cells if _limited(c)]
    if below:
        lines.append(text(lang, "a2.window_held", held=sum(_held(c, REFERENCE) for c in below), n=len(below),
                          mlp_range=_range(below, REFERENCE, lang), rec_range=_range(below, RECURRENT, lang)))
    open_ = [c for c in cells if _limited(c) is False]
    if open_:
        lines.append(text(lang, "a2.window_exact", mlp_range=_range(open_, REFERENCE, lang),
                          rec_range=_range(open_, RECURRENT, lang)))
    return [lines[0], text(lang, "a2.join").join(lines[1:]) + "\n",
            *[_cell_line(c, tests.get(c.label), lang) for c in cells], ""]


def _where(cells: list[CellEvidence], tests: dict[str, _Test], lang: str) -> list[str]:
    helps = [c for c in cells if c.label in tests and tests[c.label].verdict == "better"]
    join = text(lang, "a2.join")
    lines = [text(lang, "a2.where_title")]
    if helps:
        said = text(lang, "a2.where_helps", cells=", ".join(_name(c, lang) for c in helps)) + join + text(
            lang, "a2.where_helps_limited", k=sum(bool(_limited(c)) for c in helps), n=len(helps))
        learned = [c for c in helps if _limited(c) is False]
        if learned:
            said += join + text(lang, "a2.where_helps_open", cells=", ".join(
                text(lang, "a2.learned_item", name=_name(c, lang), model=REFERENCE,
                     score=fmt_number(c.scores[REFERENCE].mean), bound=fmt_number(c.bound)) for c in learned))
        lines.append(said)
    else:
        lines.append(text(lang, "a2.where_helps_none"))
    aperiodic = [c for c in cells if c.question == "aperiodic"]
    if aperiodic:
        lines.append(text(lang, "a2.where_aperiodic", cells=text(lang, "sep.list").join(
            text(lang, "a2.against_floor", name=_name(c, lang), model=RECURRENT,
                 score=_score(c.scores.get(RECURRENT), lang), floor=fmt_number(c.bound))
            for c in aperiodic if c.bound is not None)))
    exact = [c for c in cells if _limited(c) is False and _reaches(c, REFERENCE)]
    if exact:
        lines.append(text(lang, "a2.where_exact", cells=", ".join(
            text(lang, "a2.scored", name=_name(c, lang), model=REFERENCE, score=_score(c.scores.get(REFERENCE), lang))
            for c in exact)))
    held = [c for c in cells if _limited(c) and _held(c, WINDOWED)]
    if held:
        lines.append(text(lang, "a2.where_windowed", cells=", ".join(
            text(lang, "a2.against_bound", name=_name(c, lang), model=WINDOWED,
                 score=fmt_number(c.scores[WINDOWED].mean), bound=fmt_number(c.bound))
            for c in held)))
    return lines + [""]


def answers_markdown(cells: list[CellEvidence], lang: str = "en") -> str:
    """The answers section (markdown) in lang, or "" when no cell compares the MLP with the stateful GRU."""
    tests = _tests(cells)
    if not tests:
        return ""
    metrics = text(lang, "sep.and").join(dict.fromkeys(c.metric for c in cells))
    out = [text(lang, "a2.title"), text(lang, "a2.intro", ref=REFERENCE, win=WINDOWED, rec=RECURRENT,
                                        metrics=metrics, n=len(tests), alpha=ALPHA, tol=EXACT)]
    for q in QUESTIONS:
        group = [c for c in cells if c.question == q]
        if group:
            out += _question(q, group, tests, lang)
    out += _where(cells, tests, lang)
    return "\n".join(out)
