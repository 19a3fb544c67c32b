"""The answers that open report.md: each is chosen from the numbers, so made-up numbers that flip
must flip the answer; every part is written in both languages; differences come from settings."""
from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from reports import answers as A
from reports.differences import differences_markdown, setting_lines
from reports.document import glossary
from reports.messages import en, ja
from reports.summary import TaskInputs


def inputs(means: dict[str, float], naive=("persistence",), seeds: int = 8, points: int = 300,
           metric: str = "mse", seed: int = 0) -> TaskInputs:
    """Per-point losses mean × a shared test-point base × per-point noise (none for naive models),
    and the stored metric their mean, as the store would give them."""
    rng = np.random.default_rng(seed)
    base = rng.exponential(1.0, points)
    base /= base.mean()
    rows, pointwise = [], {}
    for m, mu in means.items():
        pointwise[m] = {}
        for s in range(seeds):
            jitter = 0.0 if m in naive else 0.05 * rng.standard_normal(points)
            loss = mu * base * (1 + jitter)
            pointwise[m][s] = loss
            rows.append((m, s, metric, float(loss.mean())))
    values = pd.DataFrame(rows, columns=["model", "seed", "metric", "value"])
    return TaskInputs(label="t", values=values, metrics=[metric], better={metric: "lower"}, models=list(means),
                      naive=frozenset(naive), test_metric=metric, pointwise=pointwise)


def render(answer: A.Answer, lang: str = "en") -> str:
    return "\n".join(A.answers_markdown([answer], lang))


def test_versus_flips_with_the_numbers():
    good = A.versus(inputs({"persistence": 1.0, "rnn": 0.5, "gru": 0.6}), "persistence", ["rnn", "gru"])
    bad = A.versus(inputs({"persistence": 1.0, "rnn": 1.5, "gru": 1.6}), "persistence", ["rnn", "gru"])
    assert [d.verdict for d in good] == ["better", "better"]
    assert [d.verdict for d in bad] == ["worse", "worse"]
    assert "all 2 networks beat" in render(A.sine_answer(good, good))
    assert "no network beats" in render(A.sine_answer(bad, bad))
    assert render(A.sine_answer(good, bad)).index("all 2") < render(A.sine_answer(good, bad)).index("no network")


def test_images_answer_says_which_model_beats_the_mean_row_and_by_how_much():
    inp = inputs({"mean_row": 1.0, "rnn": 0.8, "lstm": 1.0, "gru": 1.3}, naive=("mean_row",))
    text = render(A.images_answer(A.versus(inp, "mean_row", ["rnn", "lstm", "gru"])))
    assert "Only some recurrent models beat the mean row" in text
    assert "`rnn` by 20." in text and "`gru` is 30.0 % worse" in text and "`lstm` not distinguishable" in text
    every = inputs({"mean_row": 1.0, "rnn": 0.8, "lstm": 0.9, "gru": 0.7}, naive=("mean_row",))
    assert "every recurrent model beats" in render(A.images_answer(A.versus(every, "mean_row", ["rnn", "lstm", "gru"])))


def market(rnn: float, lstm: float, gru: float, outside: float | None = 0.9, name: str = "Nikkei.csv") -> A.Market:
    vs, pairs, ratios = {}, {}, {}
    for target, scale in (("level", 5.0), ("logret", 1.0)):
        inp = inputs({"persistence": 1.0, "rnn": rnn * scale, "lstm": lstm * scale, "gru": gru * scale})
        vs[target] = A.versus(inp, "persistence", ["rnn", "lstm", "gru"])
        pairs[target] = A.pairwise(inp)
        for m, v in (("rnn", rnn), ("lstm", lstm), ("gru", gru)):
            ratios[(m, target)] = (v * scale, v * scale * 0.99, v * scale * 1.01)
    return A.Market(name, vs, ratios, pairs, outside)


def test_stock_and_assignment1_answers_flip_and_name_the_file():
    same = market(1.01, 1.01, 1.01)
    text = render(A.stock_answer([same], ("rnn", "lstm", "gru")))
    assert "**Nikkei.csv: no**" in text
    a1 = render(A.assignment1_answer([same]))
    assert "**Nikkei.csv: none**" in a1 and "because 90 % of the test days" in a1
    differ = market(0.7, 1.01, 1.3, outside=0.0)
    a1 = render(A.assignment1_answer([differ]))
    assert "pairs differ" in a1 and "`rnn` beats `gru`" in a1
    assert "although only 0 % of the test days" in a1
    assert "in 1 of 6 network × target cells" in render(A.stock_answer([differ], ("rnn", "lstm", "gru")))


def test_assignment2_and_trading_answers_flip():
    none = [("periodic", "same", False), ("summed", "worse", False)]
    some = [("periodic", "better", True), ("summed", "same", False)]
    assert "**No**" in render(A.assignment2_answer(none))
    text = render(A.assignment2_answer(some, "figures/window_accuracy.png"))
    assert "beats the MLP in 1 of 2 cells (periodic 1/2" not in text and "periodic 1/1" in text
    assert "](figures/window_accuracy.png)" in text and "**Only where the window is short**" in text
    wide = [("periodic", "better", False), ("summed", "same", False)]
    assert "**In some cells**" in render(A.assignment2_answer(wide))
    poor = [A.Strategy("S&P 500", "logret", "gru", 0.05, 0.13, -0.3, -0.6, -0.01)]
    rich = [A.Strategy("S&P 500", "logret", "gru", 0.25, 0.13, 0.4, 0.1, 0.7)]
    assert "**No**" in render(A.trading_answer(poor, 0.001)) and "1 below" in render(A.trading_answer(poor, 0.001))
    assert "**In 1 of 1 strategies**" in render(A.trading_answer(rich, 0.001))


def test_a_part_that_did_not_run_names_its_command():
    assert "`python -m bench run --grid assignment2`" in render(A.not_run("assignment2"))
    assert "`python -m bench run --grid images`" in render(A.not_run("images"), "ja")


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_answer_renders_in_both_languages(lang):
    m = market(1.01, 1.01, 1.01)
    parts = [A.sine_answer([], []), A.images_answer([]), A.stock_answer([m], ("rnn",)), A.assignment1_answer([m]),
             A.assignment2_answer([("periodic", "better", True)]), A.trading_answer([], 0.001)]
    lines = A.answers_markdown(parts, lang)
    assert sum(line.startswith("### ") for line in lines) == 6
    assert len(lines) <= 6 * 8 + 2


def test_catalogues_have_the_same_answer_keys():
    for prefix in ("ans.", "diff.", "gloss."):
        assert {k for k in en.MESSAGES if k.startswith(prefix)} == {k for k in ja.MESSAGES if k.startswith(prefix)}


def test_differences_come_from_the_settings():
    seed = {"hidden": 64, "epochs": 200, "span": "a"}
    lines = setting_lines([("sine", {"hidden": 32, "epochs": 200, "span": "b"}, seed)])
    assert len(lines) == 1 and "`hidden=32` (lecture `64`)" in lines[0] and "epochs" not in lines[0]
    assert "span" not in lines[0] and "`--profile seed`" in lines[0]
    assert setting_lines([("sine", dict(seed), seed)]) == []
    stock = {"market": "sp500", "span": "2012/2018", "stock_csv": None, "hidden": 100}
    doc = "\n".join(differences_markdown([("stock", stock, {"hidden": 100})], {}, "quick"))
    assert "S&P 500" in doc and "`--stock-csv FILE`" in doc
    mine = dict(stock, stock_csv="/tmp/n225.csv", market="n225.csv")
    doc = "\n".join(differences_markdown([("stock", mine, {"hidden": 100})], {}, "seed"))
    assert "--stock-csv" not in doc and "profile `seed` used the notebook's settings" in doc
    images = "\n".join(differences_markdown([("mnist", {"hidden": 400}, {"hidden": 400})],
                                             {"fashion-mnist": "Fashion-MNIST is not available here (x)"}, "quick"))
    assert "`--fashion-mnist-dir DIR`" in images and "(x)" not in images


def test_glossary_lists_the_labels_of_the_run_in_both_languages():
    en_lines = glossary(["concat-1_7-1_17-3x2 (window=2)", "gru-stateful", "mean_row"])
    assert any("`gru-stateful`" in x for x in en_lines) and any("concat-1_7-1_17-3x2" in x for x in en_lines)
    assert not any("`window-norm`" in x for x in en_lines)
    assert any("幾何平均" in x for x in glossary(["sine"], "ja"))


def test_too_few_seeds_for_the_sign_flip_test_leave_the_verdict_to_dm():
    """With 3 seeds the sign-flip test's smallest p is 0.25: it can never say yes, so DM decides."""
    few = A.versus(inputs({"persistence": 1.0, "rnn": 0.5}, seeds=3), "persistence", ["rnn"])
    assert few[0].p_seed >= 0.05 and not few[0].seed_reachable and few[0].verdict == "better"
    many = A.versus(inputs({"persistence": 1.0, "rnn": 0.5}, seeds=8), "persistence", ["rnn"])
    assert many[0].seed_reachable and many[0].p == max(many[0].p_seed, many[0].p_dm)


def test_labels_in_words_for_titles_and_headings():
    from bench.tasks import get_task
    stock = get_task("stock").words
    assert stock({"market": "sp500", "target": "logret"}, "en") == "S&P 500, log returns"
    assert stock({"market": "n225.csv", "target": "level"}, "ja") == "n225.csv、価格"
    assert get_task("fashion-mnist").words({}, "en") == "Fashion-MNIST, bottom half"
    assert get_task("sine").words({}, "ja") == "ノイズ付きサイン曲線"


def test_the_closed_loop_is_tested_over_seeds_alone():
    """A drawing's step errors are one trajectory per seed (growing with the horizon), so the closed-loop
    verdict rests on the seeds: a network far closer to the clean sine in every seed is better, whatever
    Diebold–Mariano would make of the periodic loss differential."""
    from bench.outputs.answer_inputs import sine_part

    rng = np.random.default_rng(0)
    clean = np.sin(np.arange(70) * 0.3)
    drawn = {s: clean[-40:] + rng.normal(0, 0.05, 40) for s in range(10)}
    by_model = {"lstm": {s: {"closed_loop": d} for s, d in drawn.items()},
                "mean": {s: {"closed_loop": np.zeros(40)} for s in range(10)}}
    rows = [(m, s, "closed_loop_mse", float(np.mean((a["closed_loop"] - clean[-40:]) ** 2)))
            for m, seeds in by_model.items() for s, a in seeds.items()]
    rows += [(m, s, "mse", v) for m, v in (("lstm", 0.1), ("mean", 0.5)) for s in range(10)]
    inp = TaskInputs(label="sine", values=pd.DataFrame(rows, columns=["model", "seed", "metric", "value"]),
                     metrics=["mse", "closed_loop_mse"], better={"mse": "lower", "closed_loop_mse": "lower"},
                     models=["lstm", "mean"], naive=frozenset({"mean"}), test_metric="mse")
    run = SimpleNamespace(labels={"sine": [{"task": "sine"}]})
    answer = sine_part(Path("."), run, [("sine", inp, SimpleNamespace(reference="mean"))],
                       lambda label: (by_model, {"clean": clean}), "en", ())
    (closed,) = answer.args["closed"]
    assert math.isnan(closed.p_dm) and closed.verdict == "better" and closed.p < 0.01


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_assignment2_answer_says_whether_the_effect_survives_equal_budgets(lang):
    verdicts = [("periodic", "better", True), ("summed", "better", True), ("aperiodic", "same", False)]
    held = A.Budgets(2, 2, (697, 1834), (12929, 15242))
    lost = A.Budgets(1, 2, (697, 1834), (12929, 15242))
    said = {b: "\n".join(A.answers_markdown([A.assignment2_answer(verdicts, None, b)], lang)) for b in (held, lost)}
    assert said[held] != said[lost]
    assert "697–1,834" in said[held] and "12,929–15,242" in said[held]
    key = {"en": ("in all 2", "in 1 of the 2"), "ja": ("2 セルすべて", "2 セルのうち 1 セル")}[lang]
    assert key[0] in said[held] and key[1] in said[lost]
    plain = "\n".join(A.answers_markdown([A.assignment2_answer(verdicts)], lang))
    assert plain not in (said[held], said[lost])  # no controls ran: no sentence about them
