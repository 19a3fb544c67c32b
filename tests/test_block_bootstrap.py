"""The circular block bootstrap on known cases: its resample sums equal the resampled days
written out, blocks are runs of consecutive days, every day is equally likely."""
import numpy as np

from reports.block_bootstrap import block_length, circular_block_starts, resample_sums


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
