"""The evidence behind report.md's answers, read from a run: which tables answer which part of the
lecture, the closed-loop errors of the sine, the stock markets' comparisons, the trading rows, and
how the run's settings differ from the notebook's (reports.answers and reports.differences write them)."""
from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from bench.outputs.report_inputs import Run
from bench.tasks import get_task
from models import MODELS
from reports import answers as A
from reports.summary import TaskInputs, TaskTable, choose_reference, index_values

Tables = list[tuple[str, TaskInputs, TaskTable]]
Arrays = Callable[[str], tuple[dict, dict]]  # label -> ({model: {seed: arrays}}, cell arrays)
IMAGE_TASKS = ("fashion-mnist", "mnist")  # the lecture's data set first
MEAN_ROW = "mean_row"


def _networks(inp: TaskInputs) -> list[str]:
    return [m for m in inp.models if MODELS[m].trainable]


def _task(run: Run, label: str) -> str:
    return run.labels[label][0]["task"]


def _settings(run: Run, label: str) -> dict:
    """The settings of the label's first stored cell (a trainable model's where there is one)."""
    stored = [run.cells[c["key"]] for c in run.labels[label] if c["key"] in run.cells]
    trained = [c for c in stored if c["model"] in MODELS and MODELS[c["model"]].trainable]
    return (trained or stored or [{"settings": {}}])[0]["settings"]


def _figure(out: Path, rel: str) -> str | None:
    return rel if (out / rel).exists() else None


def closed_loop_inputs(inp: TaskInputs, by_model: dict, cell: dict) -> TaskInputs | None:
    """The sine's closed-loop drawing as a table's inputs: per seed the squared error of each drawn
    step against the noise-free sine (its mean is the stored closed_loop_mse)."""
    if "clean" not in cell:
        return None
    clean = np.asarray(cell["clean"], dtype=np.float64)
    pointwise = {m: {s: (np.asarray(a["closed_loop"], np.float64) - clean[-len(a["closed_loop"]):]) ** 2
                     for s, a in seeds.items() if "closed_loop" in a}
                 for m, seeds in by_model.items() if m in inp.models}
    values = inp.values[inp.values.metric == "closed_loop_mse"]
    if values.empty:
        return None
    return TaskInputs(label=inp.label, values=values, metrics=["closed_loop_mse"], better=inp.better,
                      models=inp.models, naive=inp.naive, test_metric="closed_loop_mse",
                      pointwise={m: p for m, p in pointwise.items() if p})


def _fingerprint(*arrays) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    return h.hexdigest()


def _drawn(out: Path, key: str, fp: str, draw, formats: tuple[str, ...], lang: str) -> None:
    """Draw an answer's figure in formats and lang unless the record keeps it (bench.outputs.figures)."""
    from bench.outputs.figures import kept_or_drawn
    from reports.figures import figure_formats
    from reports.fonts import figure_language

    def drawing():
        with figure_formats(formats), figure_language(lang):
            return draw()
    kept_or_drawn(out, key, fp + ",".join(formats), drawing)


def sine_part(out: Path, run: Run, tables: Tables, arrays: Arrays, lang: str, formats: tuple[str, ...]) -> A.Answer:
    from bench.outputs.figures import source_hash
    found = [(label, inp, t) for label, inp, t in tables if _task(run, label) == "sine" and t.reference]
    if not found:
        return A.not_run("sine")
    label, inp, t = found[0]
    one = A.versus(inp, t.reference, _networks(inp))
    by_model, cell = arrays(label)
    closed_inp = closed_loop_inputs(inp, by_model, cell)
    closed, fig = [], None
    if closed_inp is not None:
        ref = choose_reference(closed_inp, index_values(closed_inp.values))
        # tested over seeds alone: a drawing's step errors are one trajectory, not a stationary loss series
        closed = A.versus(replace(closed_inp, pointwise={}), ref, _networks(closed_inp)) if ref else []
        errors = {m: np.stack([p[s] for s in sorted(p)]) for m, p in closed_inp.pointwise.items()
                  if m in _networks(closed_inp)}
        if formats and errors:
            from reports.answer_figures import plot_horizon
            from reports.messages import text
            rel = "figures/sine_horizon.png"
            fp = _fingerprint(*errors.values()) + source_hash("reports.answer_figures", "reports.messages.en",
                                                              f"reports.messages.{lang}") + lang
            _drawn(out, "answers: sine horizon", fp, lambda: plot_horizon(
                errors, out / "figures" / "sine_horizon", text(lang, "ans.fig_horizon_title"), lang), formats, lang)
            fig = _figure(out, rel)
    return A.sine_answer(one, closed, fig)


def images_part(out: Path, run: Run, tables: Tables) -> A.Answer:
    from bench.outputs.figures import file_stem
    for task in IMAGE_TASKS:
        for label, inp, _ in tables:
            if _task(run, label) == task and MEAN_ROW in inp.models:
                rec = [m for m in A.RECURRENT if m in inp.models]
                return A.images_answer(A.versus(inp, MEAN_ROW, rec),
                                       _figure(out, f"figures/{file_stem(label)}_completion.png"))
    return A.not_run("images")


def market_name(market: str | None) -> str:
    """A market in words ('S&P 500'); a user's file by its name."""
    from sequences.markets import MARKETS
    return MARKETS[market].title if market in MARKETS else str(market)


def outside_share(settings: dict) -> float | None:
    """Share of the test days whose close lies outside the range of the closes its fold trained on
    (the part a scaler fitted on the training part maps beyond [0, 1])."""
    from bench.tasks.stock import _source, fold_plan
    from bench.tasks.stock_windows import untested
    try:
        path, series = _source(settings)
        prices = series.values
        points = fold_plan(len(prices), settings, str(path))
    except Exception:  # the data are gone since the run: no sentence rather than no report
        return None
    out, n = 0, 0
    for p in points:
        seen = prices[untested(p)]  # the closes its scaler read: before its validation block, none tested
        lo, hi = seen.min(), seen.max()
        test = prices[p.b:p.e]
        out += int(((test < lo) | (test > hi)).sum())
        n += len(test)
    return out / n if n else None


def stock_markets(run: Run, tables: Tables) -> list[A.Market]:
    """Per market (or user's file): each network against persistence, ratios, RNN/LSTM/GRU pairs."""
    from bench.tasks.stock import _column
    by_market: dict[str, list] = {}
    for label, inp, t in tables:
        if _task(run, label) == "stock" and "persistence" in inp.models:
            s = _settings(run, label)
            by_market.setdefault(market_name(s.get("market")), []).append((s, inp))
    markets = []
    for name, items in by_market.items():
        vs, ratios, pairs, outside = {}, {}, {}, None
        for s, inp in items:
            target = _column(s)  # the target, and the features beside the closes when there are any
            vs[target] = A.versus(inp, "persistence", _networks(inp))
            pairs[target] = A.pairwise(inp)
            r = inp.values[inp.values.metric == "mse_vs_persistence"]
            for m, g in r.groupby("model", sort=False):
                ratios[(m, target)] = A.geometric(g.value.to_numpy(dtype=float))
            if s["target"] == "level":
                outside = outside_share(s)
        markets.append(A.Market(str(name), vs, ratios, pairs, outside))
    return markets


def trading_part(out: Path, run: Run, tables: Tables, arrays: Arrays, lang: str) -> A.Answer:
    """Each network's strategy on each target against buy-and-hold, read through the trading rows."""
    from bench.outputs.figures import file_stem
    from reports.trading_report import trading_rows
    strategies, fee, fig = [], None, None
    labels = [label for label, inp, _ in tables if _task(run, label) == "stock"]
    for label in labels:
        s = _settings(run, label)
        by_model, cell = arrays(label)
        rows = trading_rows({label: (s["target"], by_model, cell)}, s["fee"], s["strategy"], lang)
        if len(rows) < 3:
            continue
        fee, hold = s["fee"], rows[0]
        market = market_name(s["market"])
        strategies += [A.Strategy(market, r.target, r.model, r.total, hold.total, r.diff, r.lo, r.hi)
                       for r in rows[2:] if r.model in MODELS and MODELS[r.model].trainable]
        if fig is None and s["target"] != "level":
            fig = _figure(out, f"figures/{file_stem(label)}_equity.png")
    return A.trading_answer(strategies, fee, fig) if strategies else A.not_run("trading")


def stock_parts(out: Path, run: Run, tables: Tables, lang: str,
                formats: tuple[str, ...]) -> tuple[A.Answer, A.Answer]:
    from bench.outputs.figures import file_stem, source_hash
    markets = stock_markets(run, tables)
    if not markets:
        return A.not_run("stock"), A.not_run("assignment1")
    returns = [label for label, _, _ in tables if _task(run, label) == "stock"
               and _settings(run, label).get("target") != "level"]
    pred = _figure(out, f"figures/{file_stem(returns[0])}_predictions.png") if returns else None
    networks = tuple(m for m in MODELS if MODELS[m].trainable)
    fig = None
    if formats:
        from reports.answer_figures import plot_ratios
        from reports.messages import text
        fp = hashlib.sha256(repr([(m.name, sorted(m.ratios.items())) for m in markets]).encode()).hexdigest() \
            + source_hash("reports.answer_figures", "reports.messages.en", f"reports.messages.{lang}") + lang
        _drawn(out, "answers: stock ratios", fp, lambda: plot_ratios(
            {m.name: {(mod, t): m.ratios[(mod, t)] for mod in networks for t in dict.fromkeys(t for _, t in m.ratios)
                      if (mod, t) in m.ratios} for m in markets},  # the registry's model order, as in the tables
            out / "figures" / "stock_ratio", text(lang, "ans.fig_ratio_title"), lang), formats, lang)
        fig = _figure(out, "figures/stock_ratio.png")
    return A.stock_answer(markets, networks, pred), A.assignment1_answer(markets, fig)


# assignment 2's verdicts (reports.a2_verdicts) as the answer counts them: a help, a loss, or neither
A2_COUNTS = {"helps": "better", "worse": "worse"}


def assignment2_part(out: Path, cells: list) -> A.Answer:
    """Per cell: its question, the stateful GRU's verdict against the MLP by assignment 2's rule, and
    whether the MLP's window is shorter than the minimal window."""
    from reports.a2_verdicts import limited, verdicts as a2_verdicts
    vs = a2_verdicts(cells)
    verdicts = [(c.question, A2_COUNTS.get(vs[c.label].verdict, "same"), limited(c)) for c in cells if c.label in vs]
    if not verdicts:
        return A.not_run("assignment2")
    controlled = [c for c in cells if c.label in vs and vs[c.label].survives is not None]
    budgets = None
    if controlled:
        counts = {m: [c.params[m] for c in controlled if m in c.params] for m in ("mlp", "gru-stateful")}
        budgets = A.Budgets(sum(bool(vs[c.label].survives) for c in controlled), len(controlled),
                            *((min(v), max(v)) if v else (0, 0) for v in counts.values()))
    return A.assignment2_answer(verdicts, _figure(out, "figures/window_accuracy.png"), budgets)


def answer_parts(out: Path, run: Run, tables: Tables, arrays: Arrays, a2_cells: list, lang: str = "en",
                 formats: tuple[str, ...] = ("png",)) -> list[A.Answer]:
    """The six parts in the lecture's order (a part whose grid did not run names its command); the
    figures only the answers show are drawn in formats (none: not drawn)."""
    stock, a1 = stock_parts(out, run, tables, lang, formats)
    trading = trading_part(out, run, tables, arrays, lang) if stock.key != "ans.not_run" else A.not_run("trading")
    return [sine_part(out, run, tables, arrays, lang, formats), images_part(out, run, tables), stock, a1,
            assignment2_part(out, a2_cells), trading]


# ---------------------------------------------------------------- differences from the lecture

def lecture_settings(run: Run) -> list[tuple[str, dict, dict]]:
    """(task, the run's settings, the notebook's settings) per task of the run that the lecture ran
    (the stock task once per market)."""
    from reports.differences import LECTURE_TASKS
    skipped = skipped_reasons(run)
    out, seen = [], set()
    for label, cs in run.labels.items():
        task = cs[0]["task"]
        s = _settings(run, label)
        if task not in LECTURE_TASKS or task in skipped or not s or (task, s.get("market")) in seen:
            continue
        seen.add((task, s.get("market")))
        if s:
            out.append((task, s, get_task(task).settings("seed")))
    return out


def skipped_reasons(run: Run) -> dict[str, str]:
    """task -> the reason its cells were skipped, for tasks none of whose cells has results."""
    w = run.wide
    if w.empty:
        return {}
    out = {}
    for label, cs in run.labels.items():
        rows = w[w.cell_key.isin([c["key"] for c in cs])]
        if len(rows) and (rows.status == "skipped").all():
            out[cs[0]["task"]] = str(rows.reason.iloc[0])
    return out
