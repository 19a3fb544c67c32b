"""Assignment 2 answered in plain words: does a recurrent network beat a fully connected one on
sequences with no period, periodic ones, m:n-concatenated ones and sums of two?

Input: one ``CellEvidence`` per table (a sequence at one MLP window) with the models' intervals
over seeds and per-point test losses. Each answer compares the MLP with the stateful GRU on the
same test targets (Diebold–Mariano on the per-point losses, Holm-adjusted over every comparison
of the section) and says, from the numbers, where recurrence helps and where it cannot. Every
word is a keyed string in TEXT, the one place to translate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from reports.intervals import Interval
from reports.stats import dm_over_seeds, holm
from reports.summary import _stack
from reports.tables import ALPHA, Estimate, fmt_number

REFERENCE, RECURRENT, WINDOWED = "mlp", "gru-stateful", "gru"  # the assignment's MLP vs GRU, and the GRU on a window
QUESTIONS = ("aperiodic", "periodic", "concat", "summed")  # in the assignment's order
EXACT = 1e-3  # a mean this close to its bound counts as at the bound (float noise, one test point in a thousand)
SHARES = ("accuracy",)  # metrics that are shares of the test points: EXACT is absolute for them, else relative

TEXT = {
    "title": "## Assignment 2: does a recurrent network beat a fully connected one?\n",
    "intro": ("The MLP (`{ref}`) reads a window of T values. The windowed GRU (`{win}`) reads the same window "
              "from a zero state, so it sees no more of the past than the MLP. The stateful GRU (`{rec}`) reads "
              "the whole series before each target and carries its state: the only way a recurrent network "
              "can use more of the past. All are scored on the same test targets. Each line gives the mean and "
              "95 % interval over seeds of the test {metrics}; the test is Diebold–Mariano on the per-point "
              "losses (cross-entropy in nats, or squared error), `{rec}` against `{ref}`, Holm-adjusted over "
              "the {n} comparisons of this section, with a Newey–West long-run variance for the serial "
              "correlation of the loss differences; Δ = `{rec}` − `{ref}`. A cell counts as a difference when "
              "the test says so (adjusted p < {alpha:g}) and the quoted score differs the same way by more than "
              "{tol:g} (accuracy; relative for an error): two exact forecasters differ only in confidence.\n"),
    "q.aperiodic": "### (1) Sequences with no period (uniform random numbers, digits of π)\n",
    "q.periodic": "### (2) Periodic sequences (repeating decimals)\n",
    "q.concat": "### (3) Two periodic sequences joined in m:n blocks\n",
    "q.summed": "### (4) Two periodic sequences added\n",
    "verdict.yes": "**Answer: yes.** The stateful GRU beats the MLP in every cell ({n} of {n}).",
    "verdict.no": "**Answer: no.** The stateful GRU beats the MLP in none of the {n} cells",
    "verdict.some": "**Answer: in {better} of {n} cells.** The stateful GRU beats the MLP in {better}{better_list}",
    "verdict.same": "; they do not differ in {same}{same_list}",
    "verdict.worse": "; the MLP is better in {worse}{worse_list}",
    "verdict.list": " ({cells})",
    "verdict.limited": ("Of the cells whose window is shorter than the minimal window ({k}), the stateful GRU "
                        "beats the MLP in {kb}."),
    "floor.held": ("Nothing to learn: no model beats the analytic floor (the best any forecast can do) in any "
                   "of these cells, so recurrence cannot help; a model that did would be a leak."),
    "floor.beaten": "⚠ beats its analytic floor, a leak until explained: {cells}.",
    "floor.worse": ("Where the MLP is better, both are at the floor and the stateful GRU is the one further "
                    "above it: with nothing to learn, more capacity can only fit the training noise."),
    "window.held": ("Where the window is shorter than the minimal window, so that its best possible falls short "
                    "of what the whole past allows, the MLP stays at or under that best possible in {held} of "
                    "{n} cells ({mlp_range}), while the stateful GRU reaches {rec_range}: the window, not the "
                    "kind of network, is what limits the MLP."),
    "window.exact": ("Where the window alone can determine the next value, the MLP reaches {mlp_range} and the "
                     "stateful GRU {rec_range}."),
    "cell": ("- `{task}`, window {window} (minimal window {minimal}; {where}): {ref} {ref_score}, {win} "
             "{win_score}, {rec} {rec_score}; best possible at this window {bound}, from the whole past "
             "{past}; Δ {metric} {delta}, DM p {p}{mark}.{others}"),
    "cell.limited": "the window limits",
    "cell.open": "the window can suffice",
    "cell.none": "no period",
    "cell.others": " Other stateful: {scores}.",
    "where.title": "### Where recurrence helps, and where it cannot\n",
    "where.helps": "- Helps: {cells}.",
    "where.helps_limited": ("In {k} of these {n} the MLP's window is shorter than the minimal window, and the "
                            "stateful GRU, having read the whole past, is not held to the window's bound."),
    "where.helps_open": ("In {cells} the window could determine the next value, yet the MLP does not learn "
                         "to: recurrence helps there by learning more easily, not by seeing more."),
    "where.helps_none": "- Helps: in no cell of this run.",
    "where.aperiodic": ("- Cannot help on a sequence with no period: the past says nothing about the next value "
                        "(measured: {cells})."),
    "where.exact": ("- Need not help where the window reaches the minimal window: the MLP is already exact "
                    "(measured: {cells})."),
    "where.windowed": ("- A recurrent network that reads only the MLP's window gains nothing: the windowed GRU "
                       "is held to the same bound as the MLP ({cells})."),
}


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


def _score(iv: Interval | None) -> str:
    return "–" if iv is None else Estimate(iv).md()


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


def _name(c: CellEvidence) -> str:
    return f"`{c.task}` at window {c.window}"


def _range(cells: list[CellEvidence], model: str) -> str:
    """The model's means over the cells, lowest–highest, per metric when they mix metrics."""
    parts = []
    for metric in dict.fromkeys(c.metric for c in cells):
        means = [c.scores[model].mean for c in cells if model in c.scores and c.metric == metric]
        if means:
            lo, hi = min(means), max(means)
            parts.append(fmt_number(lo) if lo == hi else f"{fmt_number(lo)}–{fmt_number(hi)}")
            if len({c.metric for c in cells}) > 1:
                parts[-1] = f"{metric} {parts[-1]}"
    return "; ".join(parts) or "–"


def _cell_line(c: CellEvidence, t: _Test | None) -> str:
    others = {m: iv for m, iv in c.scores.items() if m.endswith("-stateful") and m != RECURRENT}
    limited = _limited(c)
    return TEXT["cell"].format(
        task=c.task, window=c.window, minimal=c.minimal_window if c.minimal_window is not None else "–",
        where=TEXT["cell.none"] if limited is None else TEXT["cell.limited" if limited else "cell.open"],
        ref=REFERENCE, ref_score=_score(c.scores.get(REFERENCE)), win=WINDOWED,
        win_score=_score(c.scores.get(WINDOWED)), rec=RECURRENT, rec_score=_score(c.scores.get(RECURRENT)),
        bound=fmt_number(c.bound) if c.bound is not None else "–",
        past=fmt_number(c.past_bound) if c.past_bound is not None else "–", metric=c.metric,
        delta=f"{t.delta:+.3g}" if t else "–", p=(f"= {t.p:.3g}" if t and t.p >= 0.001 else "< 0.001" if t else "–"),
        mark=" *" if t and t.p < ALPHA else "",
        others=TEXT["cell.others"].format(scores=", ".join(f"{m} {_score(iv)}" for m, iv in others.items()))
        if others else "")


def _verdict(cells: list[CellEvidence], tests: dict[str, _Test]) -> str:
    groups = {v: [c for c in cells if c.label in tests and tests[c.label].verdict == v]
              for v in ("better", "same", "worse")}
    n = sum(len(g) for g in groups.values())
    if n and len(groups["better"]) == n:
        return TEXT["verdict.yes"].format(n=n)
    counts = {v: len(g) for v, g in groups.items()}
    lists = {f"{v}_list": TEXT["verdict.list"].format(cells=", ".join(_name(c) for c in g)) if g else ""
             for v, g in groups.items()}
    text = TEXT["verdict.some" if groups["better"] else "verdict.no"].format(n=n, **counts, **lists)
    for v in ("same", "worse"):
        if groups[v]:
            text += TEXT[f"verdict.{v}"].format(**counts, **lists)
    limited = [c for c in cells if _limited(c)]
    if limited:
        text += ". " + TEXT["verdict.limited"].format(k=len(limited), kb=sum(c in groups["better"] for c in limited))
        return text
    return text + "."


def _question(q: str, cells: list[CellEvidence], tests: dict[str, _Test]) -> list[str]:
    lines = [TEXT[f"q.{q}"], _verdict(cells, tests)]
    if q == "aperiodic":
        beaten = [f"{c.label} {m}" for c in cells for m in c.flagged]
        lines.append(TEXT["floor.beaten"].format(cells="; ".join(beaten)) if beaten else TEXT["floor.held"])
        if not beaten and any(tests[c.label].verdict == "worse" for c in cells if c.label in tests):
            lines.append(TEXT["floor.worse"])
    below = [c for c in cells if _limited(c)]
    if below:
        lines.append(TEXT["window.held"].format(held=sum(_held(c, REFERENCE) for c in below), n=len(below),
                                                mlp_range=_range(below, REFERENCE),
                                                rec_range=_range(below, RECURRENT)))
    open_ = [c for c in cells if _limited(c) is False]
    if open_:
        lines.append(TEXT["window.exact"].format(mlp_range=_range(open_, REFERENCE),
                                                 rec_range=_range(open_, RECURRENT)))
    return [lines[0], " ".join(lines[1:]) + "\n", *[_cell_line(c, tests.get(c.label)) for c in cells], ""]


def _where(cells: list[CellEvidence], tests: dict[str, _Test]) -> list[str]:
    helps = [c for c in cells if c.label in tests and tests[c.label].verdict == "better"]
    lines = [TEXT["where.title"]]
    if helps:
        text = TEXT["where.helps"].format(cells=", ".join(_name(c) for c in helps)) + " " + TEXT[
            "where.helps_limited"].format(k=sum(bool(_limited(c)) for c in helps), n=len(helps))
        learned = [c for c in helps if _limited(c) is False]
        if learned:
            text += " " + TEXT["where.helps_open"].format(cells=", ".join(
                f"{_name(c)} ({REFERENCE} {fmt_number(c.scores[REFERENCE].mean)}, best possible "
                f"{fmt_number(c.bound)})" for c in learned))
        lines.append(text)
    else:
        lines.append(TEXT["where.helps_none"])
    aperiodic = [c for c in cells if c.question == "aperiodic"]
    if aperiodic:
        lines.append(TEXT["where.aperiodic"].format(cells="; ".join(
            f"{_name(c)}: {RECURRENT} {_score(c.scores.get(RECURRENT))} against floor {fmt_number(c.bound)}"
            for c in aperiodic if c.bound is not None)))
    exact = [c for c in cells if _limited(c) is False and _reaches(c, REFERENCE)]
    if exact:
        lines.append(TEXT["where.exact"].format(cells=", ".join(
            f"{_name(c)}: {REFERENCE} {_score(c.scores.get(REFERENCE))}" for c in exact)))
    held = [c for c in cells if _limited(c) and _held(c, WINDOWED)]
    if held:
        lines.append(TEXT["where.windowed"].format(cells=", ".join(
            f"{_name(c)}: {WINDOWED} {fmt_number(c.scores[WINDOWED].mean)}, bound {fmt_number(c.bound)}"
            for c in held)))
    return lines + [""]


def answers_markdown(cells: list[CellEvidence]) -> str:
    """The answers section (markdown), or "" when no cell compares the MLP with the stateful GRU."""
    tests = _tests(cells)
    if not tests:
        return ""
    metrics = " and ".join(dict.fromkeys(c.metric for c in cells))
    out = [TEXT["title"], TEXT["intro"].format(ref=REFERENCE, win=WINDOWED, rec=RECURRENT, metrics=metrics,
                                               n=len(tests), alpha=ALPHA, tol=EXACT)]
    for q in QUESTIONS:
        group = [c for c in cells if c.question == q]
        if group:
            out += _question(q, group, tests)
    out += _where(cells, tests)
    return "\n".join(out)
