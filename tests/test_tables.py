"""Table rows from a fixed small DataFrame: golden markdown and LaTeX, floors, tests, escaping.

Regenerate the golden files after an intended format change with UPDATE_GOLDEN=1.
"""
import math
import os
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reports.document import LATEX_FLUSH, Section, results_latex
from reports.intervals import seed_interval
from reports.summary import TaskInputs, beats_floor, build_table
from reports.tables import (TEXT_WIDTH_PT, Estimate, PValue, column_parts, fmt_with_error, latex_escape, to_latex,
                            to_markdown)
from tests.system_tools import compile_latex, need

GOLDEN = Path(__file__).parent / "golden"
LABEL = "toy_task (window=4) & 50%"
S = 40  # test points
SEEDS = range(5)


def _losses(base: float, spread: float, seed: int, phase: float) -> np.ndarray:
    """Deterministic per-point losses (no RNG, so the golden files never depend on numpy's streams)."""
    i = np.arange(S)
    return base + spread * np.sin(1.7 * i + phase + 0.9 * seed) ** 2


# model -> (base, spread per point, per-seed offsets)
MODELS = {
    "mlp": (0.10, 0.04, [0.004, -0.003, 0.001, 0.006, -0.002]),
    "gru": (0.08, 0.03, [0.0, 0.001, 0.0005, 0.0002, 0.02]),  # one bad seed: skewed, still a t-interval
    "rnn": (0.048, 0.004, [0.0, 0.0005, -0.0005, 0.0002, 0.0001]),  # far below the 0.09 floor
    "copy_last_row": (0.15, 0.1, [0.0] * 5),  # deterministic naive baselines
    "mean": (0.40, 0.2, [0.0] * 5),
}
NAIVE = frozenset({"copy_last_row", "mean"})


def toy_inputs(**changes) -> TaskInputs:
    rows, pointwise = [], {}
    for j, (m, (base, spread, offsets)) in enumerate(MODELS.items()):
        pointwise[m] = {}
        for s in SEEDS:
            loss = _losses(base + offsets[s], spread, s if m not in NAIVE else 0, j)
            pointwise[m][s] = loss
            rows += [(m, s, "mse", float(loss.mean())), (m, s, "mae", float(np.sqrt(loss).mean())),
                     (m, s, "accuracy", 0.5 + 0.01 * j + 0.001 * s * (m not in NAIVE))]
    kw = dict(label=LABEL, values=pd.DataFrame(rows, columns=["model", "seed", "metric", "value"]),
              metrics=["mse", "mae", "accuracy"], better={"mse": "lower", "mae": "lower", "accuracy": "higher"},
              models=list(MODELS), naive=NAIVE, floors={"mse": 0.09}, test_metric="mse", pointwise=pointwise,
              proportions=frozenset({"accuracy"}))
    kw.update(changes)
    return TaskInputs(**kw)


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_golden_markdown_and_latex_from_the_same_rows():
    t = build_table(toy_inputs())
    _golden("table.md", to_markdown(t.header, t.rows) + "\n")
    _golden("table.tex", to_latex(t.header, t.rows, caption=LABEL, notes="a note with 5% and x_1") + "\n")


def test_rows_say_what_the_reader_needs():
    t = build_table(toy_inputs())
    assert t.reference == "copy_last_row"  # the best naive baseline on mse, not the worse one
    names = [r[0] for r in t.rows]
    assert names == ["mlp", "gru", "rnn", "copy_last_row (naive, reference)", "mean (naive)", "floor (analytic)"]
    assert t.flagged == [("rnn", "mse")]
    md = to_markdown(t.header, t.rows)
    assert "⚠ beats floor" in md.splitlines()[4]  # rnn's row
    assert t.header[-3:] == ["Δ mse vs copy_last_row", "sign-flip p (seeds)", "DM p (test points)"]
    # The interval shown is the seed interval of the per-seed values.
    mlp = [float(_losses(0.10 + o, 0.04, s, 0).mean()) for s, o in zip(SEEDS, MODELS["mlp"][2])]
    assert t.intervals[("mlp", "mse")] == seed_interval(np.array(mlp))
    assert t.intervals[("gru", "mse")].method == "t"
    assert t.intervals[("copy_last_row", "mse")].method == "exact"


def test_paired_tests_and_holm():
    t = build_table(toy_inputs())
    by = {c.model: c for c in t.comparisons}
    assert set(by) == {"mlp", "gru", "rnn", "mean"}
    # Every network beats copy_last_row on all five seeds: raw p = 2 / 2^5 = 0.0625, Holm x3 -> 0.1875;
    # mean and copy_last_row are both deterministic, so they get no seed-level test (and no share of Holm).
    assert by["mlp"].sign_flip == pytest.approx(0.0625) and by["mlp"].sign_flip_holm == pytest.approx(0.1875)
    assert math.isnan(by["mean"].sign_flip) and by["mean"].sign_flip_note == "no seed variation"
    # each column's m as applied: the sign-flip test over the 3 networks, DM over all 4 comparisons
    assert t.notes[0].startswith("Holm adjusts each p-value column over the comparisons it tests in this table only "
                                 "(sign-flip 3, DM 4)")
    assert "symmetric about 0" in t.notes[1] and t.notes[-1].startswith("DM long-run variance")
    assert by["mlp"].delta < 0 < by["mean"].delta
    assert by["rnn"].dm_holm < 0.05 and by["rnn"].dm_note == ""
    cell = t.rows[2][-1]
    assert isinstance(cell, PValue) and cell.md().endswith("*")


def test_ten_seeds_can_reach_significance_after_holm():
    # Three networks beat the reference in all ten seeds: raw p = 2 / 2^10, Holm over m = 4 -> 0.0078.
    seeds = range(10)
    rows = [(m, s, "mse", base - 0.01 * (m != "ref") + 0.001 * s) for m, base in
            (("a", 0.5), ("b", 0.6), ("c", 0.7), ("ref", 0.8), ("other", 0.9)) for s in seeds]
    inp = TaskInputs(label="ten", values=pd.DataFrame(rows, columns=["model", "seed", "metric", "value"]),
                     metrics=["mse"], better={"mse": "lower"}, models=["a", "b", "c", "ref", "other"],
                     naive=frozenset({"ref", "other"}), test_metric="mse")
    t = build_table(inp)
    by = {c.model: c for c in t.comparisons}
    assert by["a"].sign_flip_holm == pytest.approx(4 * 2 / 1024) and by["a"].sign_flip_holm < 0.05
    assert t.notes[0] == ("Holm adjusts each p-value column over the comparisons it tests in this table only "
                          "(sign-flip 4, DM 0), not across tables, targets or windows")
    assert t.notes[2] == "with 10 paired seeds the smallest sign-flip p is 0.00195 and the smallest adjusted p 0.00781"
    assert all(c.dm_note == "no per-point losses" and c.dm_lags is None for c in t.comparisons)
    t5 = build_table(replace(inp, values=inp.values[inp.values.seed < 5]))
    assert t5.notes[2].endswith("so no model can reach 0.05 on seeds alone: run more seeds")


def test_dm_refused_when_losses_do_not_match_the_metric():
    inp = toy_inputs()
    bad = {m: {s: a * 2 for s, a in by.items()} for m, by in inp.pointwise.items()}
    t = build_table(toy_inputs(pointwise=bad))
    assert all(math.isnan(c.dm) and "do not average to mse" in c.dm_note for c in t.comparisons)
    t = build_table(toy_inputs(pointwise={}))
    assert all(c.dm_note == "no per-point losses" for c in t.comparisons)


def test_no_naive_model_means_no_tests():
    inp = toy_inputs()
    t = build_table(toy_inputs(models=["mlp", "gru"], naive=frozenset(),
                               values=inp.values[inp.values.model.isin(["mlp", "gru"])]))
    assert t.reference is None and "sign-flip p (seeds)" not in t.header
    assert t.notes == ["no naive baseline in this table, so no paired tests"]


def test_floor_allowance_for_a_finite_test_set():
    # A deterministic model whose test mse is 0.085 against a 0.09 floor, on 40 noisy points:
    # below the floor by less than the test-sample allowance, so not flagged.
    loss = 0.085 + 0.1 * np.sin(np.arange(S)) * np.sign(np.sin(np.arange(S)))  # mean shifted below
    loss = loss - loss.mean() + 0.085
    inp = toy_inputs(pointwise={"mlp": {s: loss for s in SEEDS}})
    iv = seed_interval(np.full(5, 0.085))
    assert not beats_floor(inp, "mlp", "mse", iv)
    tight = toy_inputs(pointwise={"mlp": {s: np.full(S, 0.085) for s in SEEDS}})
    assert beats_floor(tight, "mlp", "mse", iv)  # no spread at all: 0.085 < 0.09 is real


def test_floor_for_a_share_uses_the_binomial_allowance():
    better = {"accuracy": "higher"}
    iv = seed_interval(np.full(5, 0.13))
    many = toy_inputs(floors={"accuracy": 0.1}, better=better,
                      pointwise={"mlp": {s: np.ones(1000) for s in SEEDS}})
    few = toy_inputs(floors={"accuracy": 0.1}, better=better,
                     pointwise={"mlp": {s: np.ones(100) for s in SEEDS}})
    assert beats_floor(many, "mlp", "accuracy", iv)  # 0.13 - 1.96 * 0.0106 > 0.1
    assert not beats_floor(few, "mlp", "accuracy", iv)  # 0.13 - 1.96 * 0.0336 < 0.1


def test_number_formatting():
    assert fmt_with_error(0.09312, 0.00213) == ["0.0931", "0.0021"]
    assert fmt_with_error(1234.5, 56.0) == ["1234", "56"]
    assert fmt_with_error(1.5e-9, 3e-10) == ["1.5e-09", "3e-10"]
    iv = seed_interval(np.array([1.0, 2, 3, 4, 5]))
    assert Estimate(iv).md() == "3.0 ± 2.0"
    assert Estimate(iv).tex() == r"$3.0 \pm 2.0$"
    assert PValue(0.0004).md() == "<0.001 *" and PValue(0.25, "").md() == "0.25"
    assert PValue(float("nan"), "1 pair").md() == "– (1 pair)"


def _strip_escapes(line: str) -> str:
    return re.sub(r"\\[{}_&%$#]", "", line)


def check_latex_structure(tex: str) -> None:
    """Balanced braces, environments and math; no unescaped specials; equal cells per row."""
    body = [ln for ln in tex.splitlines() if not ln.startswith("%")]
    text = "\n".join(_strip_escapes(ln) for ln in body)
    depth = 0
    for ch in text:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, "a } closes nothing"
    assert depth == 0, "unbalanced braces"
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", text):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack.pop() == env, f"\\end{{{env}}} does not close the open environment"
    assert not stack, f"unclosed environments {stack}"
    for ln in text.splitlines():
        assert ln.count("$") % 2 == 0, f"unbalanced math: {ln}"
        assert "_" not in ln and "%" not in ln and "#" not in ln, f"unescaped special: {ln}"
    blocks = re.findall(r"\\begin\{tabular\}\{(\w+)\}(.*?)\\end\{tabular\}", text, flags=re.S)
    assert blocks
    for spec, block in blocks:
        rows = [ln for ln in block.splitlines() if ln.endswith(r"\\")]
        assert rows and all(ln.count("&") == len(spec) - 1 for ln in rows)


def test_latex_structure_of_the_golden_table():
    t = build_table(toy_inputs())
    tex = to_latex(t.header, t.rows, caption=LABEL, notes="5% of x_1 & more")
    check_latex_structure(tex)
    assert r"toy\_task (window=4) \& 50\%" in tex and r"copy\_last\_row" in tex
    assert latex_escape("a_b & c%") == r"a\_b \& c\%"


def _compile(tmp_path: Path, tex: str) -> None:
    need("pdflatex", why="texlive-latex-base, texlive-latex-recommended")
    compile_latex(tmp_path, tex)


def test_latex_compiles_in_a_booktabs_document(tmp_path):
    t = build_table(toy_inputs())
    _compile(tmp_path, to_latex(t.header, t.rows, caption=LABEL, notes="x_1 & 5%"))


def _many_sections(n: int) -> list[Section]:
    return [Section(build_table(toy_inputs(label=f"task_{i}")), build_table(toy_inputs(label=f"task_{i}")))
            for i in range(n)]


def test_results_tex_of_a_large_grid_is_well_formed():
    tex = results_latex(_many_sections(30))
    check_latex_structure(tex)
    t = build_table(toy_inputs())
    per_section = 2 * len(column_parts(t.header, t.rows))  # main and cost table, each in its parts
    assert tex.count(r"\begin{table}") == 30 * per_section
    runs = [run.count(r"\begin{table}") for run in tex.split(r"\clearpage")]
    assert max(runs) <= LATEX_FLUSH and sum(runs) == 30 * per_section and len(runs) > 30 * per_section / LATEX_FLUSH


def test_results_tex_of_a_large_grid_compiles(tmp_path):
    # 60 floats in a row stop LaTeX's output routine unless they are flushed now and then.
    _compile(tmp_path, results_latex(_many_sections(30)))


def test_a_table_wider_than_the_text_is_split_by_columns():
    header = ["model"] + [f"metric_{i}" for i in range(14)]
    rows = [["persistence (naive, reference)"] + ["0.1234 ± 0.0056"] * 14, ["gru"] + ["1"] * 14]
    parts = column_parts(header, rows)
    assert len(parts) >= 3 and all(p[0] == 0 for p in parts)  # the row names in every part
    assert [j for p in parts for j in p[1:]] == list(range(1, 15))  # every other column once, in order
    assert column_parts(header[:3], [r[:3] for r in rows]) == [[0, 1, 2]]  # a table that fits stays whole
    # A wide (CJK) character takes two: 40 columns' worth each do not fit side by side, 20 do.
    assert len(column_parts(["m", "名" * 20, "名" * 20], [["x", "1", "1"]])) == 2
    assert len(column_parts(["m", "a" * 20, "a" * 20], [["x", "1", "1"]])) == 1
    tex = to_latex(header, rows, caption="wide", notes="n_1", continued="wide, continued")
    assert tex.count(r"\begin{tabular}") == tex.count(r"\begin{table}") == len(parts)  # a float each: pages fit
    # One number for the table: each later part steps the counter back and says it continues.
    assert tex.count(r"\addtocounter{table}{-1}") == tex.count(r"\caption{wide, continued}") == len(parts) - 1
    assert tex.count("n\\_1") == 1 and tex.rindex("n\\_1") > tex.rindex(r"\begin{tabular}")  # notes under the last
    check_latex_structure(tex)
    assert len(to_markdown(header, rows).splitlines()[0].split("|")) == 17  # the markdown keeps one table


def test_a_wide_table_compiles_within_the_text_block(tmp_path):
    header = ["model"] + [f"metric_{i}" for i in range(14)]
    rows = [["persistence (naive, reference)"] + ["0.1234 ± 0.0056"] * 14, ["gru"] + ["–"] * 14]
    assert TEXT_WIDTH_PT == 345.0  # the article class's text width, which compile_latex's document has
    _compile(tmp_path, to_latex(header, rows, caption="wide"))


def test_clark_west_against_a_nested_naive_reference():
    """A network that forecasts much of the next move, and one that adds only noise to the naive
    forecast: the note gives each its Holm-adjusted Clark–West p."""
    rng = np.random.default_rng(5)
    S, last = 300, rng.normal(0, 1, 300)
    truth = last + rng.normal(0, 1, S)
    move = truth - last
    preds = {"ref": {s: last for s in range(5)},
             "good": {s: last + 0.7 * move + rng.normal(0, 0.2, S) for s in range(5)},
             "noisy": {s: last + rng.normal(0, 0.3, S) for s in range(5)}}
    pointwise = {m: {s: (p - truth) ** 2 for s, p in by.items()} for m, by in preds.items()}
    rows = [(m, s, "mse", float(loss.mean())) for m, by in pointwise.items() for s, loss in by.items()]
    inp = TaskInputs(label="cw", values=pd.DataFrame(rows, columns=["model", "seed", "metric", "value"]),
                     metrics=["mse"], better={"mse": "lower"}, models=["good", "noisy", "ref"],
                     naive=frozenset({"ref"}), test_metric="mse", pointwise=pointwise, predictions=preds, truth=truth)
    t = build_table(inp)
    by = {c.model: c for c in t.comparisons}
    assert by["good"].cw_holm < 0.05 < by["noisy"].cw_holm
    note = next(n for n in t.notes if n.startswith("Clark–West"))
    assert "(one-sided: the network adds information; Holm over 2)" in note and "good" in note and "noisy" in note
    assert not any(n.startswith("Clark–West") for n in build_table(toy_inputs()).notes)  # no forecasts stored
