"""The statistics on known numbers: textbook values, hand computations and scipy on fixed data."""
import math

import numpy as np
import pytest
from scipy import stats

from reports.stats import (bootstrap_interval, diebold_mariano, dm_over_seeds, holm, min_wilcoxon_p, seed_interval,
                           skewness, t_interval, wilcoxon_paired, wilson_interval)


def test_t_interval_by_hand():
    # mean 3, s = sqrt(2.5), se = s / sqrt(5) = 0.70711, t_{0.975, 4} = 2.776445
    iv = t_interval(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert iv.method == "t" and iv.n == 5
    assert iv.mean == 3.0
    assert iv.half_width == pytest.approx(2.776445 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)
    assert (iv.lo, iv.hi) == pytest.approx((1.036757, 4.963243), abs=1e-6)


def test_t_interval_one_value_has_none():
    iv = t_interval(np.array([0.5]))
    assert iv.method == "none" and iv.mean == 0.5 and math.isnan(iv.lo)


def test_skewness_of_one_outlier_in_five():
    # deviations -1.8 x4 and 7.2: m2 = 12.96, m3 = 139.968, g1 = 139.968 / 12.96^1.5 = 1.5
    assert skewness(np.array([1.0, 1, 1, 1, 10])) == pytest.approx(1.5)
    assert skewness(np.array([1.0, 2, 3, 4, 5])) == 0.0


def test_seed_interval_rule():
    assert seed_interval(np.array([1.0, 2, 3, 4, 5])).method == "t"  # symmetric
    assert seed_interval(np.array([1.0, 1, 1, 1, 10])).method == "bootstrap"  # |g1| = 1.5 > 1, n = 5
    assert seed_interval(np.array([1.0, 1, 10])).method == "t"  # skewed but n < 5: too few to resample
    exact = seed_interval(np.array([0.25] * 5))
    assert exact.method == "exact" and exact.lo == exact.hi == 0.25
    assert seed_interval(np.array([1.0, np.nan, 3.0])).n == 2  # NaN dropped


def test_bootstrap_is_seeded_and_matches_its_definition():
    x = np.array([1.0, 1, 1, 1, 10])
    iv = bootstrap_interval(x, resamples=2000, rng=np.random.default_rng(7))
    again = bootstrap_interval(x, resamples=2000, rng=np.random.default_rng(7))
    assert (iv.lo, iv.hi) == (again.lo, again.hi)
    means = x[np.random.default_rng(7).integers(0, 5, size=(2000, 5))].mean(1)
    assert (iv.lo, iv.hi) == pytest.approx(tuple(np.quantile(means, [0.025, 0.975])))
    # Resampled means of {1,1,1,1,10} lie on the grid 1 + 9k/5; the lowest is 1 (no 10 drawn, p = 0.33).
    assert iv.lo == 1.0 and iv.hi == pytest.approx(1 + 9 * 3 / 5)
    assert iv.mean == pytest.approx(2.8)


def test_wilcoxon_exact_textbook():
    # Darwin's Zea mays differences (cross- minus self-fertilised, eighths of an inch), Fisher 1935;
    # the exact two-sided p is 0.041259765625 (scipy's documentation uses the same data).
    d = np.array([6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75], dtype=float)
    p, note = wilcoxon_paired(d, np.zeros_like(d))
    assert note == "" and p == pytest.approx(0.041259765625)


def test_wilcoxon_five_seeds_cannot_reach_five_percent():
    # All five differences positive: exact two-sided p = 2 / 2^5 = 0.0625, the smallest possible.
    p, _ = wilcoxon_paired(np.array([1.1, 1.2, 1.3, 1.4, 1.5]), np.ones(5))
    assert p == pytest.approx(0.0625) == min_wilcoxon_p(5)
    assert min_wilcoxon_p(6) == pytest.approx(0.03125)


def test_wilcoxon_zeros_and_degenerate_cases():
    p, note = wilcoxon_paired(np.ones(5), np.ones(5))
    assert (p, note) == (1.0, "identical")
    # One zero difference is dropped: four positive differences left, p = 2 / 16.
    p, _ = wilcoxon_paired(np.array([1.0, 2, 3, 4, 5]), np.array([1.0, 0, 0, 0, 0]))
    assert p == pytest.approx(0.125)
    p, note = wilcoxon_paired(np.array([1.0]), np.array([0.0]))
    assert math.isnan(p) and note == "1 pair"


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> monotone 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    out = holm([0.2, float("nan"), 0.01])  # NaN stays NaN and does not count in m
    assert out[0] == pytest.approx(0.2) and math.isnan(out[1]) and out[2] == pytest.approx(0.02)
    assert holm([0.6, 0.7]) == [1.0, 1.0]  # capped at 1


def test_diebold_mariano_by_hand():
    # d = 1, 2, 3, 4: mean 2.5, gamma0 = 1.25, var = 1.25 / 4, DM = 2.5 / sqrt(0.3125) = 4.4721;
    # HLN factor sqrt((4 + 1 - 2) / 4) = 0.86603 -> 3.8730, compared with t_3.
    stat, p = diebold_mariano(np.array([1.0, 2, 3, 4]), np.zeros(4))
    assert stat == pytest.approx(2.5 / math.sqrt(0.3125) * math.sqrt(0.75))
    assert p == pytest.approx(2 * stats.t.sf(stat, df=3))
    assert diebold_mariano(np.ones(5), np.ones(5)) == (0.0, 1.0)


def test_dm_over_seeds_averages_losses_first():
    rng = np.random.default_rng(3)
    a, b = rng.random((5, 50)), rng.random((1, 50))
    assert dm_over_seeds(a, b) == diebold_mariano(a.mean(0), b[0])
    assert all(math.isnan(v) for v in dm_over_seeds(a, rng.random((5, 49))))


def test_wilson_known_values():
    lo, hi = wilson_interval(0, 10)  # z^2 / (n + z^2) = 3.8415 / 13.8415
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(0.27753, abs=1e-5)
    lo, hi = wilson_interval(50, 100)
    assert (lo, hi) == pytest.approx((0.40383, 0.59617), abs=1e-5)


def test_accuracy_counts_ties_as_a_uniform_pick():
    import numpy as np
    from bench.metrics import accuracy
    labels = np.array([3, 1, 0, 2])
    assert accuracy(np.zeros((1, 4, 10)), labels)[0] == pytest.approx(0.1)  # chance: 1/C
    assert accuracy(np.eye(10)[[3, 1, 1, 2]][None], labels)[0] == pytest.approx(0.75)
    two_way = np.zeros((1, 1, 10))
    two_way[0, 0, [0, 3]] = 1.0  # a tie between the right class and one other
    assert accuracy(two_way, np.array([3]))[0] == pytest.approx(0.5)


def test_an_infinite_seed_value_gives_an_infinite_mean_and_no_interval():
    import warnings
    from reports.stats import seed_interval
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iv = seed_interval(np.array([0.1, 0.2, np.inf, 0.15, 0.12]))
    assert iv.method == "non-finite" and iv.mean == np.inf and iv.n == 5
    assert np.isnan(iv.lo) and np.isnan(iv.hi)
