"""The intervals over seeds: hand computations, the rule for special cases, and coverage by simulation."""
import math
import warnings

import numpy as np
import pytest

from reports.intervals import seed_interval, t_bounds, t_interval
from scripts.interval_coverage import KINDS, draw, percentile_bounds


def test_t_interval_by_hand():
    # mean 3, s = sqrt(2.5), se = s / sqrt(5) = 0.70711, t_{0.975, 4} = 2.776445
    iv = t_interval(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert iv.method == "t" and iv.n == 5
    assert iv.mean == 3.0
    assert iv.half_width == pytest.approx(2.776445 * math.sqrt(2.5) / math.sqrt(5), rel=1e-6)
    assert (iv.lo, iv.hi) == pytest.approx((1.036757, 4.963243), abs=1e-6)


def test_t_interval_of_logs_and_degenerate_inputs():
    iv = t_interval(np.array([1.0, 2.0, 3.0]))  # t_{0.975, 2} = 4.302653, se = 1 / sqrt(3)
    assert (iv.mean, iv.lo, iv.hi) == pytest.approx((2.0, 2 - 4.302653 / math.sqrt(3), 2 + 4.302653 / math.sqrt(3)))
    g = t_interval(np.array([0.5, 2.0]), log=True)  # symmetric in log: geometric mean 1
    assert g.mean == pytest.approx(1.0) and g.lo * g.hi == pytest.approx(1.0) and g.lo < 0.5
    assert t_interval(np.array([-1.0, 0.5, 2.0]), log=True).n == 2  # a non-positive ratio is left out
    one = t_interval(np.array([0.5, np.nan]))
    assert one.method == "none" and one.mean == 0.5 and math.isnan(one.lo)
    assert math.isnan(t_interval(np.array([])).mean)


def test_seed_interval_rule():
    sym = seed_interval(np.array([1.0, 2, 3, 4, 5]))
    assert sym.method == "t" and sym == t_interval(np.array([1.0, 2, 3, 4, 5]))
    # Skewed seeds with ties get the t-interval too: [1, 1, 1, 1, 2] -> 1.2 ± 2.776 · 0.4472 / √5.
    tied = seed_interval(np.array([1.0, 1, 1, 1, 2]))
    assert tied.method == "t" and (tied.lo, tied.hi) == pytest.approx((0.644711, 1.755289), abs=1e-6)
    exact = seed_interval(np.array([0.25] * 5))
    assert exact.method == "exact" and exact.lo == exact.hi == 0.25
    assert seed_interval(np.array([1.0, np.nan, 3.0])).n == 2  # NaN dropped


def test_an_infinite_seed_value_gives_an_infinite_mean_and_no_interval():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iv = seed_interval(np.array([0.1, 0.2, np.inf, 0.15, 0.12]))
    assert iv.method == "non-finite" and iv.mean == np.inf and iv.n == 5
    assert np.isnan(iv.lo) and np.isnan(iv.hi)


def test_coverage_by_simulation():
    """2,000 samples per case (fixed seed): on normal seeds the shown interval covers 95 % ± 2 points;
    on skewed seeds (lognormal, one bad seed in ten) no interval from so few values reaches 95 %, and
    the shown one covers at least as often as the t-interval and more often than a percentile bootstrap."""
    rng = np.random.default_rng(1)
    for n in (5, 10):
        for kind in KINDS:
            x, mu = draw(kind, rng, 2000, n)
            shown = np.array([(iv.lo, iv.hi) for iv in map(seed_interval, x)])  # (2000, 2)
            _, tlo, thi = t_bounds(x)
            plo, phi = percentile_bounds(x)
            cover = {name: np.mean((lo <= mu) & (mu <= hi)) for name, (lo, hi) in
                     (("shown", shown.T), ("t", (tlo, thi)), ("percentile", (plo, phi)))}
            if kind == "normal":
                assert abs(cover["shown"] - 0.95) <= 0.02, (n, cover)
            else:
                assert cover["shown"] >= cover["t"], (kind, n, cover)
            assert cover["shown"] > cover["percentile"] + 0.03, (kind, n, cover)
