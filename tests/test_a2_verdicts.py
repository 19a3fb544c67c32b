"""Assignment 2's rule on made-up evidence: each verdict, and the numbers that flip it."""
import numpy as np
import pytest

from reports.a2_verdicts import CellEvidence, Matched, limited, verdicts
from reports.assignment2 import answers_markdown
from reports.intervals import seed_interval

NAIVE = ("chance", "persistence", "mean")


def evidence(label, task, question, window, minimal, bound, past, means, losses, better="higher", params=None,
             **kw) -> CellEvidence:
    """means: model -> per-seed values of the quoted metric; losses: model -> (K, S) per-point losses."""
    return CellEvidence(label, task, question, window, minimal, "accuracy" if better == "higher" else "mse", better,
                        bound, past, {m: seed_interval(np.array(v, dtype=float)) for m, v in means.items()},
                        {m: dict(enumerate(a)) for m, a in losses.items()},
                        values={m: dict(enumerate(v)) for m, v in means.items()},
                        naive=tuple(m for m in means if m in NAIVE), params=params or {}, **kw)


def _uniform(rng, mean_loss_shift=0.0):
    """`uniform` at window 8: the stateful GRU a little better than the MLP in every seed and on the
    points, both worse than the constant mean (1/12 is the floor) unless shifted."""
    S = 600
    y = rng.uniform(0, 1, S)
    base = (y - 0.5) ** 2  # the mean forecast's per-point loss
    mlp = base + 0.006 + rng.normal(0, 0.004, (10, S))
    rec = base + 0.002 + mean_loss_shift + rng.normal(0, 0.004, (10, S))
    means = {"mlp": mlp.mean(1), "gru": mlp.mean(1) + 0.001, "gru-stateful": rec.mean(1), "mean": [base.mean()] * 10,
             "persistence": [2 * base.mean()] * 10}
    losses = {"mlp": mlp, "gru-stateful": rec, "mean": base[None], "persistence": 2 * base[None]}
    return evidence("uniform (window=8)", "uniform", "aperiodic", 8, None, 1 / 12, 1 / 12, means, losses,
                    better="lower", params={"mlp": 697, "gru": 12929, "gru-stateful": 12929})


def test_uniform_alone_beats_the_mlp_but_not_the_mean_so_not_yes():
    c = _uniform(np.random.default_rng(0))
    v = verdicts([c])[c.label]
    assert v.mlp.direction == 1 and v.naive.against == "mean" and v.naive.direction == -1
    assert v.verdict == "mlp_only"
    text = answers_markdown([c])
    assert "**Answer: yes" not in text and "Recurrence helps in none of the 1 cells" in text
    assert "the stateful GRU beats the MLP but not the best naive forecast in 1" in text
    assert "mlp (697 parameters)" in text and "gru-stateful (12,929)" in text
    # flipped: the stateful GRU also beats the mean by both tests -> recurrence helps
    better = _uniform(np.random.default_rng(0), mean_loss_shift=-0.004)
    assert verdicts([better])[better.label].verdict == "helps"


def _concat53(rng, every):
    """`concat-1_7-1_17-5x3` at window 8 (minimal window 13): the stateful GRU exact in 10 of 10 seeds,
    the MLP wrong on one point in `every` (its best possible is 0.9978)."""
    S = 1800
    wrong = (np.arange(S) % every == 0)
    point = rng.uniform(0, 2e-3, S)  # each point's confidence, shared by both models where both are right
    mlp = np.where(wrong, 3.0, point) + rng.uniform(0, 1e-4, (10, S))
    rec = point + rng.uniform(0, 1e-4, (10, S))
    acc = 1 - wrong.mean()
    means = {"mlp": acc - rng.uniform(0, 2e-4, 10), "gru": [acc] * 10, "gru-stateful": [1.0] * 10,
             "chance": [0.3] * 10}
    losses = {"mlp": mlp, "gru-stateful": rec, "chance": np.full((1, S), 1.6)}
    return evidence("concat-1_7-1_17-5x3 (window=8)", "concat-1_7-1_17-5x3", "concat", 8, 13, 0.9978, 1.0, means,
                    losses, params={"mlp": 1290, "gru": 1234, "gru-stateful": 1234})


def test_concat_5x3_exact_gru_against_rare_mlp_errors_is_a_disagreement_not_no_difference():
    c = _concat53(np.random.default_rng(1), every=450)  # 4 errors in 1,800 points: DM cannot see them
    v = verdicts([c])[c.label]
    assert v.mlp.p_seed < 0.05 <= v.mlp.p_dm and v.verdict == "disagree"
    text = answers_markdown([c])
    assert "**the tests disagree**" in text and "do not differ" not in text
    assert "minimal window 13; the window limits" in text
    frequent = _concat53(np.random.default_rng(1), every=20)  # errors on 5 % of the points: both tests agree
    assert verdicts([frequent])[frequent.label].verdict == "helps"


def test_two_exact_forecasters_are_both_exact_and_untested():
    S, rng = 300, np.random.default_rng(2)
    c = evidence("repeating (window=4)", "repeating-1_7", "periodic", 4, 1, 1.0, 1.0,
                 {"mlp": [1.0] * 10, "gru-stateful": [1.0] * 10, "chance": [0.1] * 10},
                 {"mlp": np.full((10, S), 1e-4), "gru-stateful": np.full((10, S), 1e-2) + rng.uniform(0, 1e-3, (10, S)),
                  "chance": np.full((1, S), 2.3)})
    assert verdicts([c])[c.label].verdict == "both_exact"
    text = answers_markdown([c])
    line = next(x for x in text.splitlines() if x.startswith("- `repeating-1_7`"))
    assert "**both exact**" in line and "not tested" in line and "DM p" not in line.split("naive")[0]


def test_one_minimal_window_decides_limited_everywhere():
    rng = np.random.default_rng(0)
    c = _uniform(rng)
    assert limited(c) is None  # no period
    for window, minimal, said in ((2, 4, True), (4, 4, False), (8, 1, False)):
        c.window, c.minimal_window = window, minimal
        assert limited(c) is said


def _sumsine(windowed: float, linear: float | None):
    """`sumsine-7-17` at window 2: the stateful GRU beats the MLP and the naive forecasts; the window
    suffices (minimal window 1), so the explanation needs a predictor of the same window."""
    rng = np.random.default_rng(3)
    S = 500
    mlp = 0.07 + rng.normal(0, 0.01, (10, S)) ** 2
    rec = 0.01 + rng.normal(0, 0.005, (10, S)) ** 2
    means = {"mlp": mlp.mean(1), "gru": [windowed] * 10, "gru-stateful": rec.mean(1), "persistence": [0.5] * 10,
             "mean": [1.0] * 10}
    losses = {"mlp": mlp, "gru-stateful": rec, "persistence": np.full((1, S), 0.5), "mean": np.full((1, S), 1.0)}
    return evidence("sumsine (window=2)", "sumsine-7-17", "summed", 2, 1, 0.0, 0.0, means, losses, better="lower",
                    linear=linear, params={"mlp": 697, "gru": 12929, "gru-stateful": 12929})


def test_learning_more_easily_only_where_a_predictor_of_the_window_shows_it():
    worse = _sumsine(windowed=0.0912, linear=0.0906)  # the numbers: neither beats the MLP's 0.07
    assert verdicts([worse])[worse.label].verdict == "helps"
    text = answers_markdown([worse])
    assert "cannot be told apart" in text and "learning more easily, not by seeing more" not in text
    assert "minimal window 1; the window can suffice" in text
    shown = _sumsine(windowed=0.0912, linear=1e-6)  # a linear predictor of the window is exact
    text = answers_markdown([shown])
    assert "learning more easily, not by seeing more" in text and "linear 1e-06" in text


def test_the_effect_is_checked_at_equal_budgets():
    c = _sumsine(windowed=0.0912, linear=None)
    rng = np.random.default_rng(4)
    small = 0.07 + rng.normal(0, 0.01, (10, 500)) ** 2  # at the MLP's 697 parameters the GRU is an MLP's equal
    c.matched = [Matched("gru-stateful", 701, seed_interval(small.mean(1)), dict(enumerate(small.mean(1))),
                         dict(enumerate(small)))]
    v = verdicts([c])[c.label]
    assert v.verdict == "helps" and v.controls[0][1].direction != 1 and v.survives is False
    text = answers_markdown([c])
    assert "gru-stateful at 701 parameters" in text and "the effect does not survive equal budgets" in text
    big = 0.01 + rng.normal(0, 0.005, (10, 500)) ** 2
    c.matched = [Matched("gru-stateful", 701, seed_interval(big.mean(1)), dict(enumerate(big.mean(1))),
                         dict(enumerate(big)))]
    assert verdicts([c])[c.label].survives is True
    assert "the effect survives equal budgets" in answers_markdown([c])


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_every_verdict_renders_in_both_languages(lang):
    cells = [_uniform(np.random.default_rng(0)), _concat53(np.random.default_rng(1), 450), _sumsine(0.0912, None)]
    text = answers_markdown(cells, lang)
    assert text.count("\n- `") == 3
