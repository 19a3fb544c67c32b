"""The statistics on known numbers: textbook values, hand computations and scipy on fixed data."""
import itertools
import math

import numpy as np
import pytest
from scipy import stats
from scipy.signal import lfilter

from reports.stats import (EWC_DF, EXACT_MAX_N, FLIP_DRAWS, ar1_coefficient, clark_west, cosine_variance,
                           diebold_mariano, dm_over_seeds, dm_test, holm, min_holm_p, min_sign_flip_p,
                           newey_west_variance, sign_flip_test, wilson_interval)
from scripts.dm_size import rejection_rates


def test_holm_by_hand():
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 = 0.02, 0.03, 0.06, 0.04 -> monotone 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    out = holm([0.2, float("nan"), 0.01])  # NaN stays NaN and does not count in m
    assert out[0] == pytest.approx(0.2) and math.isnan(out[1]) and out[2] == pytest.approx(0.02)
    assert holm([0.6, 0.7]) == [1.0, 1.0]  # capped at 1


def _all_sign_sums(d):
    """Every Σ ±d_i, one sign pattern at a time (the definition, for small n)."""
    return np.array([np.dot(signs, d) for signs in itertools.product([-1.0, 1.0], repeat=len(d))])


def test_sign_flip_by_hand_with_ties():
    # d = 1, 1, -1, 2: Σ = 3. The signed sums are ±1 ±1 ±1 ±2: 2 + {-3, -1, 1, 3} and -2 + {-3, -1, 1, 3},
    # the inner values 1, 3, 3, 1 times; |sum| >= 3 for 5 (1), 3 (3), -3 (3), -5 (1): 8 of 16.
    p, note = sign_flip_test(np.array([1.0, 1, -1, 2]), np.zeros(4))
    assert (p, note) == (0.5, "")
    # A zero difference flips to itself: d = 0, 2, 2 has |Σ ±d| = 4 in 4 of 8 patterns.
    assert sign_flip_test(np.array([3.0, 5, 5]), np.array([3.0, 3, 3]))[0] == 0.5
    # Every difference of one sign: only the observed pattern and its mirror are as extreme.
    assert sign_flip_test(np.arange(1.0, 11), np.zeros(10))[0] == pytest.approx(2 / 2 ** 10) == min_sign_flip_p(10)


def test_sign_flip_matches_enumeration():
    rng = np.random.default_rng(5)
    for n in (2, 3, 7, 12):
        d = rng.integers(-3, 4, n).astype(float)  # small integers: many ties and zeros
        if not d.any():
            continue
        sums = _all_sign_sums(d)
        expected = np.mean(np.abs(sums) >= abs(d.sum()) - 1e-9)
        assert sign_flip_test(d, np.zeros(n))[0] == pytest.approx(expected), d


def test_sign_flip_degenerate_cases_and_monte_carlo():
    assert sign_flip_test(np.ones(5), np.ones(5)) == (1.0, "identical")
    p, note = sign_flip_test(np.array([1.0]), np.array([0.0]))
    assert math.isnan(p) and note == "1 pair"
    assert sign_flip_test(np.array([1.0, -1, 2, -2]), np.zeros(4))[0] == 1.0  # Σ d = 0
    d = np.random.default_rng(6).normal(0.3, 1, EXACT_MAX_N + 4)  # above the enumeration limit
    p, _ = sign_flip_test(d, np.zeros(len(d)))
    assert p == sign_flip_test(d, np.zeros(len(d)))[0]  # a fixed seed
    t = abs(d.sum()) / (d.std(ddof=1) * math.sqrt(len(d)))
    assert p == pytest.approx(2 * stats.norm.sf(t), abs=0.03)  # the permutation null is close to normal here
    assert min_sign_flip_p(EXACT_MAX_N + 4) == 1 / (1 + FLIP_DRAWS)


def test_smallest_holm_p_for_a_table():
    # m comparisons, every network better in every seed: Holm gives each m * 2 / 2^n.
    assert min_holm_p(5, 5) == pytest.approx(5 * 2 / 32)  # 0.3125: never significant
    assert min_holm_p(10, 6) == pytest.approx(6 * 2 / 1024)  # 0.0117
    assert min_holm_p(8, 6) < 0.05 <= min_holm_p(7, 6)
    assert holm([2 / 1024] * 6) == pytest.approx([min_holm_p(10, 6)] * 6)


def test_newey_west_by_hand():
    # d = 1, 2, 3, 4, 5: dc = -2, -1, 0, 1, 2; S = 5. γ0 = 10/5 = 2, γ1 = (2 + 0 + 0 + 2)/5 = 0.8,
    # γ2 = (0 - 1 + 0)/5 = -0.2. L = 2: 2 + 2 (2/3 · 0.8 - 1/3 · 0.2) = 2 + 2 · 0.46667 = 2.93333.
    d = np.arange(1.0, 6)
    assert newey_west_variance(d, 0) == pytest.approx(2.0)
    assert newey_west_variance(d, 1) == pytest.approx(2 + 2 * 0.5 * 0.8)
    assert newey_west_variance(d, 2) == pytest.approx(2 + 2 * (2 / 3 * 0.8 - 1 / 3 * 0.2))
    alternating = np.array([1.0, -1] * 20)  # γ1 = -γ0: the Bartlett weights keep it non-negative
    assert all(newey_west_variance(alternating, L) >= 0 for L in range(0, 39))


def test_diebold_mariano_by_hand():
    # Without prewhitening and with 1 lag: d = 1..5, mean 3, LRV = 2.8 (above), var = 2.8 / 5;
    # DM = 3 / sqrt(0.56) = 4.0089, HLN factor sqrt((5 + 1 - 2) / 5) = 0.89443 -> 3.5857, against t_4.
    r = dm_test(np.arange(1.0, 6), np.zeros(5), lags=1, prewhiten=False)
    assert r.stat == pytest.approx(3 / math.sqrt(2.8 / 5) * math.sqrt(4 / 5))
    assert r.p == pytest.approx(2 * stats.t.sf(r.stat, df=4)) and r.lags == 1
    # Prewhitened: ρ from the centred series, residuals e_t = dc_t - ρ dc_{t-1}, recoloured by 1 / (1 - ρ)².
    d = np.array([0.3, 1.1, 0.4, 0.9, 1.6, 0.2, 0.8, 1.3, 0.7, 1.0])
    dc = d - d.mean()
    rho = (dc[1:] @ dc[:-1]) / (dc[:-1] @ dc[:-1])
    assert ar1_coefficient(d) == pytest.approx(rho)
    e = dc[1:] - rho * dc[:-1]
    var = newey_west_variance(e, 2) / (1 - rho) ** 2 / 10
    r = dm_test(d, np.zeros(10), lags=2)
    assert r.stat == pytest.approx(d.mean() / math.sqrt(var) * math.sqrt(9 / 10)) and r.rho == pytest.approx(rho)
    assert diebold_mariano(np.ones(5), np.ones(5)) == (0.0, 1.0)
    assert dm_test(np.ones(5) * 2, np.ones(5)).p == 0.0  # a constant non-zero differential
    assert dm_test(np.arange(5.0), np.zeros(5), horizon=3, lags=0).lags == 2  # at least horizon - 1


def test_cosine_variance_by_hand():
    # Λ_j = √(2/S) Σ cos(π j (t + ½) / S) e_t, the variance the mean of Λ_j² over j = 1..terms.
    e = np.array([0.5, -1.0, 2.0, 0.3, -0.7, 1.1])
    S, t = len(e), np.arange(6)
    lam = [math.sqrt(2 / S) * np.sum(np.cos(np.pi * j * (t + 0.5) / S) * e) for j in (1, 2, 3)]
    assert cosine_variance(e, 3) == pytest.approx(np.mean(np.square(lam)))
    assert cosine_variance(e + 10, 3) == pytest.approx(cosine_variance(e, 3))  # blind to a constant
    x = np.random.default_rng(4).standard_normal(4000)  # white noise: about its variance
    assert cosine_variance(x, 400) == pytest.approx(1.0, rel=0.15)


def test_dm_default_is_the_prewhitened_cosine_test():
    d = np.array([0.3, 1.1, 0.4, 0.9, 1.6, 0.2, 0.8, 1.3, 0.7, 1.0, 0.5, 1.2])
    dc, S = d - d.mean(), len(d)
    rho = ar1_coefficient(d)
    rho += (1 + 3 * rho) / S  # Kendall's bias correction
    e = np.concatenate([[math.sqrt(1 - rho ** 2) * dc[0]], dc[1:] - rho * dc[:-1]])  # Prais–Winsten's first point
    var = cosine_variance(e) / (1 - rho) ** 2 / S
    r = dm_test(d, np.zeros(S))
    assert r.stat == pytest.approx(d.mean() / math.sqrt(var)) and r.df == EWC_DF
    assert r.p == pytest.approx(2 * stats.t.sf(abs(r.stat), df=EWC_DF))


@pytest.mark.parametrize("phi", [0.0, 0.9])
def test_dm_size_under_an_ar1_null(phi):
    """An AR(1) loss differential with mean 0 (300 points): the shown test rejects about 5 % of 1,500
    series at 0.05 also when φ = 0.9; a lag-0 variance, which ignores the serial correlation, far more."""
    rates = rejection_rates(phi=phi, points=300, draws=1500, rng=np.random.default_rng(9))
    assert 0.03 <= rates["shown"] <= 0.075
    if phi:
        assert rates["lag 0"] > 0.3


def _nested(rng, S, beta, draws):
    """draws pairs of forecasts of y_t = β x_t + e_t: the small model says 0 (persistence of a
    return), the large one fits β by least squares on a 200-point history (nested: β̂ = 0 is small)."""
    hist = 200
    x = rng.standard_normal((draws, hist + S))
    y = beta * x + rng.standard_normal((draws, hist + S))
    b = np.sum(x[:, :hist] * y[:, :hist], 1) / np.sum(x[:, :hist] ** 2, 1)  # (draws,)
    return y[:, hist:], np.zeros(S), b[:, None] * x[:, hist:]


def test_clark_west_size_and_power_on_nested_models():
    """Null (β = 0): the large model only adds estimation noise. Clark–West rejects near 5 % one-sided,
    while DM (two-sided, 'large better' half) almost never does: the undersizing it corrects. Alternative
    (β = 0.15): Clark–West rejects far more often than DM."""
    rng = np.random.default_rng(11)
    y, small, large = _nested(rng, 250, 0.0, 1000)
    cw = np.mean([clark_west(yy, small, ll).p < 0.05 for yy, ll in zip(y, large)])
    dm = np.mean([(r := dm_test((yy - ll) ** 2, (yy - small) ** 2)).p < 0.10 and r.stat < 0
                  for yy, ll in zip(y, large)])
    assert 0.025 <= cw <= 0.08 and dm < cw / 2
    y, small, large = _nested(rng, 250, 0.15, 1000)
    cw1 = np.mean([clark_west(yy, small, ll).p < 0.05 for yy, ll in zip(y, large)])
    dm1 = np.mean([(r := dm_test((yy - ll) ** 2, (yy - small) ** 2)).p < 0.10 and r.stat < 0
                   for yy, ll in zip(y, large)])
    assert cw1 > 0.4 and cw1 > dm1 + 0.1


def test_clark_west_by_hand_and_over_seeds():
    y, small = np.array([1.0, 2, 0, 1, 3, 2, 1, 0]), np.array([0.5, 1, 1, 0, 2, 2, 0, 1])
    large = np.array([[0.8, 1.5, 0.5, 0.6, 2.5, 2.1, 0.6, 0.4], [0.9, 1.8, 0.2, 0.9, 2.8, 1.9, 0.9, 0.1]])
    adj = ((y - small) ** 2 - ((y - large) ** 2 - (small - large) ** 2)).mean(0)
    r = clark_west(y, small, large)
    t = dm_test(adj, np.zeros(8))  # the same variance, one-sided on the adjusted differential
    assert r.stat == pytest.approx(-t.stat) and r.p == pytest.approx(stats.t.sf(t.stat, df=EWC_DF))
    assert clark_west(y, small, small).p == pytest.approx(0.5)  # a model that is the small one adds nothing


def test_dm_over_seeds_averages_losses_first():
    rng = np.random.default_rng(3)
    a, b = rng.random((5, 50)), rng.random((1, 50))
    assert dm_over_seeds(a, b) == dm_test(a.mean(0), b[0])
    assert math.isnan(dm_over_seeds(a, rng.random((5, 49))).p)


def test_wilson_known_values():
    lo, hi = wilson_interval(0, 10)  # z^2 / (n + z^2) = 3.8415 / 13.8415
    assert lo == pytest.approx(0.0, abs=1e-12) and hi == pytest.approx(0.27753, abs=1e-5)
    lo, hi = wilson_interval(50, 100)
    assert (lo, hi) == pytest.approx((0.40383, 0.59617), abs=1e-5)


@pytest.mark.parametrize("n,p", [(1, 0.1), (10, 0.1), (100, 0.1), (400, 0.1), (2000, 0.1), (5000, 0.3), (37, 0.5)])
def test_binomial_range_is_scipys_interval_and_covers(n, p):
    from reports.stats import binomial_range
    lo, hi = binomial_range(n, p)
    assert (lo, hi) == tuple(int(v) for v in stats.binom.interval(0.95, n, p))
    assert stats.binom.cdf(hi, n, p) - stats.binom.cdf(lo - 1, n, p) >= 0.95  # holds the count 95 % of the time


def test_quantiles_from_special_functions_match_the_distributions():
    from reports.intervals import t_quantile
    for df in (1, 2, 4, 9, 30):
        assert t_quantile(0.975, df) == pytest.approx(stats.t.ppf(0.975, df), rel=1e-10)
    lo, hi = wilson_interval(7, 20, level=0.9)  # z from the normal quantile at 0.95
    z = stats.norm.ppf(0.95)
    p, n = 7 / 20, 20
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    assert (lo + hi) / 2 == pytest.approx(mid, rel=1e-10)


def test_accuracy_counts_ties_as_a_uniform_pick():
    import numpy as np
    from bench.metrics import accuracy
    labels = np.array([3, 1, 0, 2])
    assert accuracy(np.zeros((1, 4, 10)), labels)[0] == pytest.approx(0.1)  # chance: 1/C
    assert accuracy(np.eye(10)[[3, 1, 1, 2]][None], labels)[0] == pytest.approx(0.75)
    two_way = np.zeros((1, 1, 10))
    two_way[0, 0, [0, 3]] = 1.0  # a tie between the right class and one other
    assert accuracy(two_way, np.array([3]))[0] == pytest.approx(0.5)
