"""The answers that open report.md: one part per question of the lecture, in its order.

Each part is a verdict chosen from the numbers by a rule (an ``Answer``: the message key of the
chosen sentence and the numbers that fill it), then written from the message catalogue ("ans.*")
in the report's language. The rules read ``Diff``s: one model against another on one metric, with
the seed-level sign-flip test and Diebold–Mariano on the per-point losses, Holm-adjusted within
the family the part names (reports.summary.compare runs the tests).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from reports.intervals import t_interval
from reports.messages import text
from reports.summary import TaskInputs, compare, index_values
from reports.stats import holm, min_holm_p
from reports.tables import ALPHA, fmt_number

PARTS = ("sine", "images", "stock", "assignment1", "assignment2", "trading")  # the lecture's order
COMMANDS = {"sine": "sine", "images": "images", "stock": "assignment1", "assignment1": "assignment1",
            "assignment2": "assignment2", "trading": "assignment1"}  # part -> the grid that answers it
RECURRENT = ("rnn", "lstm", "gru")  # assignment 1's three cells
OUTSIDE_MANY = 0.25  # a share of test days outside the training range that explains a level model's failure
# part -> the messages of its heading, its question and its figure's caption
WORDS = {"sine": ("ans.h_sine", "ans.ask_sine", "ans.fig_sine"),
         "images": ("ans.h_images", "ans.ask_images", "ans.fig_images"),
         "stock": ("ans.h_stock", "ans.ask_stock", "ans.fig_stock"),
         "assignment1": ("ans.h_assignment1", "ans.ask_assignment1", "ans.fig_assignment1"),
         "assignment2": ("ans.h_assignment2", "ans.ask_assignment2", "ans.fig_assignment2"),
         "trading": ("ans.h_trading", "ans.ask_trading", "ans.fig_trading")}
# how many of the compared models win -> the sentence, per kind of answer
COUNTED = {"beat": {"none": "ans.beat_none", "some": "ans.beat_some", "all": "ans.beat_all"},
           "images": {"none": "ans.images_none", "some": "ans.images_some", "all": "ans.images_all"},
           "stock": {"none": "ans.stock_none", "some": "ans.stock_some", "all": "ans.stock_all"},
           "a2": {"none": "ans.a2_none", "some": "ans.a2_some", "all": "ans.a2_all"}}
IMAGE_ITEM = {"better": "ans.images_better", "same": "ans.images_same", "worse": "ans.images_worse"}
QUESTIONS = {"aperiodic": "ans.q_aperiodic", "periodic": "ans.q_periodic", "concat": "ans.q_concat",
             "summed": "ans.q_summed"}


@dataclass(frozen=True)
class Answer:
    """One part: the sentence chosen (its message key and numbers), further sentences, one figure."""

    part: str
    key: str  # "ans.not_run" for a part whose grid did not run, else ""
    args: dict = field(default_factory=dict)
    more: tuple[tuple[str, dict], ...] = ()  # (key, args) sentences after the answer
    figure: str | None = None  # path relative to the report


@dataclass(frozen=True)
class Diff:
    """model against other on metric: means over seeds and the Holm-adjusted p-values."""

    model: str
    other: str
    mean: float
    other_mean: float
    p_seed: float  # sign-flip over seeds (NaN: not testable, e.g. two deterministic models)
    p_dm: float  # Diebold–Mariano on the per-point losses (NaN: no losses)
    better: str = "lower"
    seed_reachable: bool = True  # the sign-flip test can reach ALPHA with these seeds after Holm

    def _ps(self) -> list[float]:
        """The p-values that decide: DM, and the sign-flip test where its seeds can reach ALPHA
        (2 / 2ⁿ times Holm's factor; below that it could never say yes, so it has no say)."""
        seed = self.p_seed if self.seed_reachable or math.isnan(self.p_dm) else math.nan
        return [p for p in (seed, self.p_dm) if not math.isnan(p)]

    @property
    def verdict(self) -> str:
        """'better', 'worse' or 'same': a difference needs every test that decides below ALPHA and
        the means to differ the same way."""
        ps = self._ps()
        if not ps or max(ps) >= ALPHA or self.mean == self.other_mean:
            return "same"
        lower = self.mean < self.other_mean
        return "better" if lower == (self.better == "lower") else "worse"

    @property
    def p(self) -> float:
        """The larger of the p-values that decide."""
        ps = self._ps()
        return max(ps) if ps else float("nan")


def _mean(inp: TaskInputs, model: str, metric: str) -> float:
    v = inp.values[(inp.values.model == model) & (inp.values.metric == metric)].value.to_numpy(dtype=float)
    return float(np.mean(v)) if v.size else float("nan")


def versus(inp: TaskInputs, reference: str, models: list[str]) -> list[Diff]:
    """Each of models against reference on inp's test metric, Holm over models."""
    present = [m for m in models if m in inp.models and m != reference]
    if reference not in inp.models or not present:
        return []
    sub = replace(inp, models=[reference] + present)
    tm, better = inp.test_metric, inp.better.get(inp.test_metric, "lower")
    comps = compare(sub, index_values(sub.values), reference)
    return [Diff(c.model, reference, _mean(inp, c.model, tm), _mean(inp, reference, tm), c.sign_flip_holm,
                 c.dm_holm, better, min_holm_p(c.pairs, len(comps)) < ALPHA) for c in comps]


def pairwise(inp: TaskInputs, models: tuple[str, ...] = RECURRENT) -> list[Diff]:
    """Every pair of models on inp's test metric, Holm within the pairs (each test family on its own)."""
    present = [m for m in models if m in inp.models]
    tm, better = inp.test_metric, inp.better.get(inp.test_metric, "lower")
    raw = []
    for i, a in enumerate(present):
        for b in present[i + 1:]:
            sub = replace(inp, models=[a, b])
            c = compare(sub, index_values(sub.values), a)[0]
            raw.append((b, a, c.sign_flip, c.dm, c.pairs))
    seed, dm = holm([r[2] for r in raw]), holm([r[3] for r in raw])
    return [Diff(b, a, _mean(inp, b, tm), _mean(inp, a, tm), ps, pd, better, min_holm_p(n, len(raw)) < ALPHA)
            for (b, a, _, _, n), ps, pd in zip(raw, seed, dm)]


def _p(p: float) -> str:
    return "–" if math.isnan(p) else "< 0.001" if p < 0.001 else f"= {p:.3g}"


def _count_key(kind: str, k: int, n: int) -> str:
    return COUNTED[kind]["none" if k == 0 else "all" if k == n else "some"]


def beat_clause(diffs: list[Diff], lang: str) -> str:
    """'all n / k of n / none of the models beat the reference', with the best model's numbers."""
    if not diffs:
        return text(lang, "ans.untested")
    wins = [d for d in diffs if d.verdict == "better"]
    best = min(diffs, key=lambda d: d.mean if d.better == "lower" else -d.mean)
    return text(lang, _count_key("beat", len(wins), len(diffs)), k=len(wins), n=len(diffs),
                ref=best.other, names=", ".join(d.model for d in wins), best=best.model,
                mean=fmt_number(best.mean), ref_mean=fmt_number(best.other_mean), p=_p(best.p))


# ---------------------------------------------------------------- the six parts

def sine_answer(one_step: list[Diff], closed: list[Diff], figure: str | None = None) -> Answer:
    """Networks against the best naive forecast, one step ahead and drawing closed loop."""
    return Answer("sine", "", {"one": one_step, "closed": closed}, figure=figure)


def images_answer(diffs: list[Diff], figure: str | None = None) -> Answer:
    """Each recurrent model against the mean-row baseline on the closed-loop MSE of the bottom half."""
    return Answer("images", "", {"diffs": diffs}, figure=figure)


@dataclass(frozen=True)
class Market:
    """One market's (or file's) stock evidence."""

    name: str
    vs_persistence: dict[str, list[Diff]]  # target -> each network against persistence on MSE
    ratios: dict[tuple[str, str], tuple[float, float, float]]  # (model, target) -> geometric mean, lo, hi
    pairs: dict[str, list[Diff]] = field(default_factory=dict)  # target -> RNN/LSTM/GRU pairwise
    outside: float | None = None  # share of the level target's test days outside the training closes' range


def _best_ratio(m: Market, models: tuple[str, ...]) -> tuple[str, str, tuple[float, float, float]] | None:
    cells = [(mod, t, r) for (mod, t), r in m.ratios.items() if mod in models and math.isfinite(r[0])]
    return min(cells, key=lambda c: c[2][0]) if cells else None


def _ratio(r: tuple[float, float, float]) -> str:
    mean, lo, hi = r
    return fmt_number(mean) if math.isnan(lo) else f"{fmt_number(mean)} [{fmt_number(lo)}, {fmt_number(hi)}]"


def stock_answer(markets: list[Market], networks: tuple[str, ...], figure: str | None = None) -> Answer:
    return Answer("stock", "", {"markets": markets, "networks": networks}, figure=figure)


def assignment1_answer(markets: list[Market], figure: str | None = None) -> Answer:
    return Answer("assignment1", "", {"markets": markets}, figure=figure)


@dataclass(frozen=True)
class Budgets:
    """The equal-budget controls of assignment 2: in how many controlled cells the comparison's
    direction survives, and the full-size parameter counts of the two models there."""

    survived: int
    controlled: int
    mlp: tuple[int, int]  # (fewest, most) parameters of the MLP over the controlled cells
    recurrent: tuple[int, int]  # the same for the stateful GRU


def assignment2_answer(verdicts: list[tuple[str, str, bool | None]], figure: str | None = None,
                       budgets: Budgets | None = None) -> Answer:
    """verdicts: per cell (question, 'better'/'same'/'worse' for the stateful GRU against the MLP,
    whether the MLP's window is shorter than the minimal window); budgets: the controls, if any ran."""
    return Answer("assignment2", "", {"verdicts": verdicts, "budgets": budgets}, figure=figure)


@dataclass(frozen=True)
class Strategy:
    """One model's strategy on one target: its mean final return and Sharpe difference to buy-and-hold."""

    market: str
    target: str
    model: str
    total: float
    hold_total: float
    diff: float
    lo: float
    hi: float


def trading_answer(strategies: list[Strategy], fee: float, figure: str | None = None) -> Answer:
    return Answer("trading", "", {"strategies": strategies, "fee": fee}, figure=figure)


def not_run(part: str) -> Answer:
    return Answer(part, "ans.not_run", {"command": f"python -m bench run --grid {COMMANDS[part]}"})


# ---------------------------------------------------------------- rendering

def _sentences(a: Answer, lang: str) -> list[str]:
    """The answer's sentences in lang, chosen from its numbers."""
    g = a.args
    if a.key == "ans.not_run":
        return [text(lang, "ans.not_run", **g)]
    if a.part == "sine":
        return [text(lang, "ans.sine", one=beat_clause(g["one"], lang), closed=beat_clause(g["closed"], lang))]
    if a.part == "images":
        return [_images(g["diffs"], lang)]
    if a.part == "stock":
        return [_stock(m, g["networks"], lang) for m in g["markets"]]
    if a.part == "assignment1":
        return [s for m in g["markets"] for s in _a1(m, lang)]
    if a.part == "assignment2":
        return [_a2(g["verdicts"], lang)] + ([_budgets(g["budgets"], lang)] if g.get("budgets") else [])
    if a.part == "trading":
        return [_trade(g["strategies"], g["fee"], lang)]
    raise ValueError(f"unknown answer part {a.part!r}")


def _images(diffs: list[Diff], lang: str) -> str:
    if not diffs:
        return text(lang, "ans.untested")
    items = [text(lang, IMAGE_ITEM[d.verdict], model=d.model, pct=100 * abs(d.mean / d.other_mean - 1),
                  mean=fmt_number(d.mean), p=_p(d.p)) for d in diffs]
    wins = sum(d.verdict == "better" for d in diffs)
    return text(lang, _count_key("images", wins, len(diffs)), ref=diffs[0].other,
                ref_mean=fmt_number(diffs[0].other_mean), items=text(lang, "sep.list").join(items))


def _stock(m: Market, networks: tuple[str, ...], lang: str) -> str:
    diffs = [d for ds in m.vs_persistence.values() for d in ds]
    wins = [d for d in diffs if d.verdict == "better"]
    best = _best_ratio(m, networks)
    key = _count_key("stock", len(wins), len(diffs))
    return text(lang, key, market=m.name, k=len(wins), n=len(diffs),
                best=best[0] if best else "–", target=best[1] if best else "–",
                ratio=_ratio(best[2]) if best else "–",
                worse=sum(d.verdict == "worse" for d in diffs))


def _a1(m: Market, lang: str) -> list[str]:
    diffs = [(t, d) for t, ds in m.pairs.items() for d in ds]
    if not diffs:
        return [text(lang, "ans.a1_none_run", market=m.name)]
    found = [(t, d) for t, d in diffs if d.verdict != "same"]
    items = text(lang, "sep.list").join(
        text(lang, "ans.a1_item", target=t, winner=d.model if d.verdict == "better" else d.other,
             loser=d.other if d.verdict == "better" else d.model, p=_p(d.p)) for t, d in found)
    ratios = text(lang, "sep.list").join(
        f"`{t}` " + ", ".join(f"{mod} {fmt_number(m.ratios[(mod, t)][0])}" for mod in RECURRENT if (mod, t) in m.ratios)
        for t in m.pairs if t != "level" and any((mod, t) in m.ratios for mod in RECURRENT))
    out = [text(lang, "ans.a1_differ" if found else "ans.a1_same", market=m.name, k=len(found), n=len(diffs),
                targets=len(m.pairs), items=items, ratios=ratios or "–")]
    level = [m.ratios[(mod, "level")] for mod in RECURRENT if (mod, "level") in m.ratios]
    if level and m.outside is not None:
        worst = min(r[1] for r in level)  # the lowest lower bound: every model is at least this much worse
        key = (("ans.a1_level_outside" if m.outside >= OUTSIDE_MANY else "ans.a1_level_inside") if worst > 1
               else "ans.a1_level_ok")
        out.append(text(lang, key, lo=fmt_number(min(r[0] for r in level)), hi=fmt_number(max(r[0] for r in level)),
                        share=100 * m.outside))
    return out


def _a2(verdicts: list[tuple[str, str, bool | None]], lang: str) -> str:
    if not verdicts:
        return text(lang, "ans.untested")
    n = len(verdicts)
    better = [v for v in verdicts if v[1] == "better"]
    per_q = ", ".join(text(lang, "ans.a2_q", q=text(lang, QUESTIONS.get(q, "ans.q_other"), name=q), b=sum(v[1] == "better" for v in vs),
                           n=len(vs))
                      for q in dict.fromkeys(v[0] for v in verdicts) for vs in [[v for v in verdicts if v[0] == q]])
    key = _count_key("a2", len(better), n)
    if key == COUNTED["a2"]["some"] and all(v[2] for v in better):  # every win where the window is too short
        key = "ans.a2_short"
    return text(lang, key, b=len(better), n=n, per_q=per_q,
                limited=sum(bool(v[2]) for v in better), worse=sum(v[1] == "worse" for v in verdicts),
                same=sum(v[1] == "same" for v in verdicts))


def _span(lo_hi: tuple[int, int]) -> str:
    lo, hi = lo_hi
    return f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"


def _budgets(b: Budgets, lang: str) -> str:
    """Whether the effect survives when the two models have the same number of parameters."""
    key = "ans.a2_budgets_all" if b.survived == b.controlled else "ans.a2_budgets_some"
    return text(lang, key, k=b.survived, n=b.controlled, mlp=_span(b.mlp), gru=_span(b.recurrent))


def _trade(strategies: list[Strategy], fee: float, lang: str) -> str:
    if not strategies:
        return text(lang, "ans.untested")
    richer = [s for s in strategies if s.total > s.hold_total]
    above = [s for s in strategies if s.lo > 0]
    below = [s for s in strategies if s.hi < 0]
    best = max(strategies, key=lambda s: s.diff if math.isfinite(s.diff) else -math.inf)
    holds = ", ".join(f"{s.market} {100 * s.hold_total:+.1f} %" for s in
                      {s.market: s for s in strategies}.values())
    return text(lang, "ans.trade_above" if above else "ans.trade_none", fee=100 * fee, k=len(richer),
                n=len(strategies), holds=holds, a=len(above), b=len(below),
                best=text(lang, "ans.trade_name", model=best.model, target=best.target, market=best.market),
                diff=_signed(best.diff), lo=_signed(best.lo), hi=_signed(best.hi))


def _signed(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{round(x, 2) + 0.0:+.2f}"  # no "-0.00"


def answers_markdown(answers: list[Answer], lang: str = "en") -> list[str]:
    """`## Answers` and one `###` part per answer: the question, the answer, at most one figure."""
    lines = ["## " + text(lang, "ans.title"), ""]
    for a in answers:
        heading, ask, caption = WORDS[a.part]
        lines += [f"### {text(lang, heading)}", "", text(lang, ask), "", " ".join(_sentences(a, lang))]
        if a.figure:
            lines += ["", f"![{text(lang, caption)}]({a.figure})"]
        lines.append("")
    return lines


def geometric(values: np.ndarray) -> tuple[float, float, float]:
    """Geometric mean of positive ratios over seeds with its 95 % interval (t on the logs)."""
    iv = t_interval(values, log=True)
    return iv.mean, iv.lo, iv.hi
