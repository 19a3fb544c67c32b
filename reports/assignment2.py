"""Assignment 2 answered in plain words: does a recurrent network beat a fully connected one on
sequences with no period, periodic ones, m:n-concatenated ones and sums of two?

Input: one ``CellEvidence`` per table (a sequence at one MLP window). The verdicts are data
(``reports.a2_verdicts.verdicts``: the rule, the tests, the capacity control); this module only
chooses the sentences. Every word comes from the message catalogue (keys "a2.*" in
reports/messages), in the report's language.
"""
from __future__ import annotations

import math

from reports.a2_verdicts import (EXACT, RECURRENT, REFERENCE, VERDICTS, WINDOWED, CellEvidence, CellVerdict, Matched,
                                 Test, gain, limited, verdicts)
from reports.intervals import Interval
from reports.messages import text
from reports.tables import ALPHA, Estimate, fmt_number

__all__ = ["CellEvidence", "CellVerdict", "Matched", "QUESTIONS", "answers_markdown", "verdicts"]

QUESTIONS = ("aperiodic", "periodic", "concat", "summed")  # in the assignment's order
HEADINGS = {"aperiodic": "a2.q_aperiodic", "periodic": "a2.q_periodic", "concat": "a2.q_concat",
            "summed": "a2.q_summed"}  # question -> its heading's message
SAID = {"helps": "a2.v_helps", "mlp_only": "a2.v_mlp_only", "disagree": "a2.v_disagree",
        "not_detected": "a2.v_not_detected", "worse": "a2.v_worse", "both_exact": "a2.v_both_exact"}  # verdict -> words
DIRECTION = {1: "a2.dir_better", -1: "a2.dir_worse", 0: "a2.dir_none", 2: "a2.dir_disagree"}  # Test.direction -> words


def _score(iv: Interval | None, lang: str) -> str:
    return "–" if iv is None else Estimate(iv, lang=lang).md()


def _gap(c: CellEvidence, model: str) -> float:
    """How much better than the window's best possible the model's mean is (negative: worse)."""
    iv = c.scores.get(model)
    if iv is None or c.bound is None or not math.isfinite(iv.mean):
        return float("nan")
    return gain(c, iv.mean - c.bound)


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


def _p(p: float) -> str:
    return "–" if not math.isfinite(p) else "< 0.001" if p < 0.001 else f"{p:.3g}"


def _params(c: CellEvidence, model: str) -> str:
    n = c.params.get(model)
    return f"{n:,}" if n is not None else "–"


def _test(t: Test | None, lang: str) -> str:
    if t is None:
        return "–"
    return text(lang, "a2.test", delta=f"{t.delta:+.3g}", p_seed=_p(t.p_seed), p_dm=_p(t.p_dm),
                said=text(lang, DIRECTION[t.direction]))


def _control(c: CellEvidence, v: CellVerdict, lang: str) -> str:
    if not v.controls:
        return ""
    parts = [text(lang, "a2.control_item", model=m.model, params=f"{m.params:,}", score=_score(m.score, lang),
                  test=_test(t, lang)) for m, t in v.controls]
    return text(lang, "a2.control", items=text(lang, "sep.list").join(parts),
                survives=text(lang, "a2.survives" if v.survives else "a2.not_survives"))


def _cell_line(c: CellEvidence, v: CellVerdict | None, lang: str) -> str:
    others = {m: iv for m, iv in c.scores.items() if m.endswith("-stateful") and m != RECURRENT}
    lim = limited(c)
    return text(
        lang, "a2.cell", task=c.task, window=c.window,
        minimal=c.minimal_window if c.minimal_window is not None else "–",
        where=text(lang, "a2.cell_none" if lim is None else "a2.cell_limited" if lim else "a2.cell_open"),
        ref=REFERENCE, ref_score=_score(c.scores.get(REFERENCE), lang), ref_params=_params(c, REFERENCE),
        win=WINDOWED, win_score=_score(c.scores.get(WINDOWED), lang), win_params=_params(c, WINDOWED),
        rec=RECURRENT, rec_score=_score(c.scores.get(RECURRENT), lang), rec_params=_params(c, RECURRENT),
        bound=fmt_number(c.bound) if c.bound is not None else "–",
        past=fmt_number(c.past_bound) if c.past_bound is not None else "–", metric=c.metric,
        verdict=text(lang, SAID[v.verdict]) if v else "–",
        vs_mlp=text(lang, "a2.untested") if v and v.verdict == "both_exact" else _test(v.mlp if v else None, lang),
        vs_naive=text(lang, "a2.vs_naive", naive=v.naive.against, score=_score(c.scores.get(v.naive.against), lang),
                      test=_test(v.naive, lang)) if v and v.naive else "",
        control=_control(c, v, lang) if v else "",
        others=text(lang, "a2.cell_others", scores=", ".join(f"{m} {_score(iv, lang)}" for m, iv in others.items()))
        if others else "")


def _verdict(cells: list[CellEvidence], vs: dict[str, CellVerdict], lang: str) -> str:
    judged = [c for c in cells if c.label in vs]
    groups = {k: [c for c in judged if vs[c.label].verdict == k] for k in VERDICTS}
    n, k = len(judged), len(groups["helps"])
    lead = "a2.verdict_yes" if n and k == n else "a2.verdict_some" if k else "a2.verdict_no"
    said = text(lang, lead, n=n, helps=k, helps_list=_list(groups["helps"], lang))
    for key in VERDICTS[1:]:
        if groups[key]:
            said += text(lang, "a2.verdict_group", k=len(groups[key]), what=text(lang, SAID[key]),
                         cells=_list(groups[key], lang))
    lim = [c for c in judged if limited(c)]
    if lim:
        return said + text(lang, "a2.sentence_end") + text(lang, "a2.verdict_limited", k=len(lim),
                                                          kb=sum(c in groups["helps"] for c in lim))
    return said + text(lang, "doc.stop")


def _list(cells: list[CellEvidence], lang: str) -> str:
    return text(lang, "a2.verdict_list", cells=", ".join(_name(c, lang) for c in cells)) if cells else ""


def _question(q: str, cells: list[CellEvidence], vs: dict[str, CellVerdict], lang: str) -> list[str]:
    lines = [text(lang, HEADINGS[q]), _verdict(cells, vs, lang)]
    if q == "aperiodic":
        beaten = [f"{c.label} {m}" for c in cells for m in c.flagged]
        lines.append(text(lang, "a2.floor_beaten", cells=text(lang, "sep.list").join(beaten)) if beaten
                     else text(lang, "a2.floor_held"))
        if not beaten and any(vs[c.label].verdict == "worse" for c in cells if c.label in vs):
            lines.append(text(lang, "a2.floor_worse"))
    below = [c for c in cells if limited(c)]
    if below:
        lines.append(text(lang, "a2.window_held", held=sum(_held(c, REFERENCE) for c in below), n=len(below),
                          mlp_range=_range(below, REFERENCE, lang), rec_range=_range(below, RECURRENT, lang)))
    open_ = [c for c in cells if limited(c) is False]
    if open_:
        lines.append(text(lang, "a2.window_exact", mlp_range=_range(open_, REFERENCE, lang),
                          rec_range=_range(open_, RECURRENT, lang)))
    return [lines[0], text(lang, "a2.join").join(lines[1:]) + "\n",
            *[_cell_line(c, vs.get(c.label), lang) for c in cells], ""]


def _shows_learning(c: CellEvidence) -> str | None:
    """Which predictor of the MLP's own window does better than the MLP (the windowed GRU, or a
    linear predictor of the window), showing that the window holds what the MLP fails to learn;
    None when neither does."""
    ref = c.scores.get(REFERENCE)
    if ref is None:
        return None
    win = c.scores.get(WINDOWED)
    for name, score in ((WINDOWED, win.mean if win else None), ("linear", c.linear)):
        if score is not None and math.isfinite(score) and gain(c, score - ref.mean) > EXACT * max(abs(ref.mean), 1e-12):
            return name
    return None


def _where(cells: list[CellEvidence], vs: dict[str, CellVerdict], lang: str) -> list[str]:
    helps = [c for c in cells if c.label in vs and vs[c.label].verdict == "helps"]
    join = text(lang, "a2.join")
    lines = [text(lang, "a2.where_title")]
    if helps:
        said = text(lang, "a2.where_helps", cells=", ".join(_name(c, lang) for c in helps)) + join + text(
            lang, "a2.where_helps_limited", k=sum(bool(limited(c)) for c in helps), n=len(helps))
        learned = [c for c in helps if limited(c) is False]
        shown = [(c, _shows_learning(c)) for c in learned]
        if any(w for _, w in shown):
            said += join + text(lang, "a2.where_helps_open", cells=", ".join(
                text(lang, "a2.learned_item", name=_name(c, lang), model=REFERENCE,
                     score=fmt_number(c.scores[REFERENCE].mean), by=w,
                     by_score=fmt_number(c.linear if w == "linear" else c.scores[WINDOWED].mean))
                for c, w in shown if w))
        if any(not w for _, w in shown):
            said += join + text(lang, "a2.where_helps_untold", cells=", ".join(_name(c, lang) for c, w in shown
                                                                              if not w))
        lines.append(said)
    else:
        lines.append(text(lang, "a2.where_helps_none"))
    controlled = [c for c in cells if c.label in vs and vs[c.label].survives is not None]
    if controlled:
        lines.append(text(lang, "a2.where_budget", cells=", ".join(
            text(lang, "a2.budget_item", name=_name(c, lang), ref=REFERENCE, ref_params=_params(c, REFERENCE),
                 rec=RECURRENT, rec_params=_params(c, RECURRENT),
                 said=text(lang, "a2.survives" if vs[c.label].survives else "a2.not_survives"))
            for c in controlled)))
    aperiodic = [c for c in cells if c.question == "aperiodic"]
    if aperiodic:
        lines.append(text(lang, "a2.where_aperiodic", cells=text(lang, "sep.list").join(
            text(lang, "a2.against_floor", name=_name(c, lang), model=RECURRENT,
                 score=_score(c.scores.get(RECURRENT), lang), floor=fmt_number(c.bound))
            for c in aperiodic if c.bound is not None)))
    exact_ = [c for c in cells if limited(c) is False and _reaches(c, REFERENCE)]
    if exact_:
        lines.append(text(lang, "a2.where_exact", cells=", ".join(
            text(lang, "a2.scored", name=_name(c, lang), model=REFERENCE, score=_score(c.scores.get(REFERENCE), lang))
            for c in exact_)))
    held = [c for c in cells if limited(c) and _held(c, WINDOWED)]
    if held:
        lines.append(text(lang, "a2.where_windowed", cells=", ".join(
            text(lang, "a2.against_bound", name=_name(c, lang), model=WINDOWED,
                 score=fmt_number(c.scores[WINDOWED].mean), bound=fmt_number(c.bound))
            for c in held)))
    return lines + [""]


def answers_markdown(cells: list[CellEvidence], lang: str = "en") -> str:
    """The answers section (markdown) in lang, or "" when no cell compares the MLP with the stateful GRU."""
    vs = verdicts(cells)
    if not vs:
        return ""
    metrics = text(lang, "sep.and").join(dict.fromkeys(c.metric for c in cells))
    n_ctl = sum(len(v.controls) for v in vs.values())
    n_naive = sum(v.naive is not None for v in vs.values())
    out = [text(lang, "a2.title"), text(lang, "a2.intro", ref=REFERENCE, win=WINDOWED, rec=RECURRENT, metrics=metrics,
                                        n=len(vs), n_naive=n_naive, n_ctl=n_ctl, alpha=ALPHA, tol=EXACT)]
    for q in QUESTIONS:
        group = [c for c in cells if c.question == q]
        if group:
            out += _question(q, group, vs, lang)
    out += _where(cells, vs, lang)
    return "\n".join(out)
