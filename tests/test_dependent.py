"""Inference on dependent series on known cases: the Newey–West variance by hand, the HAC
Diebold–Mariano test's size under autocorrelation, and the circular block bootstrap's indices."""
import math

import numpy as np
import pytest

from reports.dependent import (block_length, circular_block_starts, diebold_mariano_hac, long_run_variance,
                               newey_west_lags, resample_sums)


def test_long_run_variance_by_hand():
    x = np.array([1.0, 2.0, 3.0, 4.0])  # deviations -1.5 -0.5 0.5 1.5
    gamma0 = (2.25 + 0.25 + 0.25 + 2.25) / 4
    gamma1 = (0.75 - 0.25 + 0.75) / 4
    assert long_run_variance(x, 0) == pytest.approx(gamma0)
    assert long_run_variance(x, 1) == pytest.approx(gamma0 + 2 * (1 - 1 / 2) * gamma1)


def test_newey_west_lags_rule():
    assert [newey_west_lags(n) for n in (0, 10, 100, 528, 5000)] == [0, 2, 4, 5, 9]


def test_dm_without_lags_is_the_plain_z_statistic():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 1.0, 200), rng.normal(1.2, 1.0, 200)
    d = a - b
    stat, p = diebold_mariano_hac(a, b, lags=0)
    assert stat == pytest.approx(d.mean() / math.sqrt(d.var() / len(d)))
    assert p == pytest.approx(math.erfc(abs(stat) / math.sqrt(2)))
    assert stat < 0  # a has the smaller losses


def test_dm_equal_and_constant_differences():
    x = np.arange(10.0)
    assert diebold_mariano_hac(x, x) == (0.0, 1.0)
    assert diebold_mariano_hac(x + 1, x) == (math.inf, 0.0)
    assert all(math.isnan(v) for v in diebold_mariano_hac(x[:2], x[:2]))
    assert all(math.isnan(v) for v in diebold_mariano_hac(np.r_[x, np.inf], np.r_[x, 0.0]))


def _ar1(rng, reps: int, n: int, phi: float) -> np.ndarray:
    e = rng.normal(size=(reps, n))
    x = np.empty_like(e)
    x[:, 0] = e[:, 0] / math.sqrt(1 - phi * phi)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x


def test_hac_keeps_the_size_under_autocorrelation_where_the_iid_variance_does_not():
    """Loss differences with mean 0 and AR(1) dependence (phi 0.5): the HAC test rejects about
    5 % of the time at 0.05; the variance that assumes independence rejects far more often."""
    d = _ar1(np.random.default_rng(1), 600, 500, 0.5)
    zero = np.zeros(500)
    hac = np.mean([diebold_mariano_hac(x, zero)[1] < 0.05 for x in d])
    iid = np.mean([diebold_mariano_hac(x, zero, lags=0)[1] < 0.05 for x in d])
    assert 0.02 < hac < 0.11
    assert iid > 0.2


def _gathered(n, block, starts):
    """The resamples' day indices written out: blocks of consecutive days, wrapping, cut at n."""
    return ((starts[:, :, None] + np.arange(block)) % n).reshape(len(starts), -1)[:, :n]


def test_resample_sums_are_the_sums_of_circular_blocks():
    n, block = 10, 3
    starts = circular_block_starts(n, block, 50, np.random.default_rng(0))
    assert starts.shape == (50, 4) and starts.min() >= 0 and starts.max() <= 9
    x = np.random.default_rng(1).normal(size=(2, n))
    idx = _gathered(n, block, starts)
    np.testing.assert_allclose(resample_sums(x, starts, block), x[:, idx].sum(-1), rtol=1e-12)
    for row in idx:  # runs of consecutive days, wrapping from 9 to 0
        assert all(np.all(np.diff(row[lo:lo + 3]) % n == 1) for lo in range(0, n, 3))
    many = circular_block_starts(50, 7, 4000, np.random.default_rng(1))
    counts = np.bincount(_gathered(50, 7, many).ravel(), minlength=50)
    assert counts.min() > 0.9 * counts.mean()  # every day equally likely (no end effect)
    assert block_length(528) == 8 and block_length(1) == 1
