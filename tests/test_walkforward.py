"""Walk-forward folds: where each part lies, that no fold sees its own block (nor its scaler its
validation part), that each fold is a fresh stack trained on its part, and the joined logs."""
import numpy as np
import pytest
import torch

from bench.cell import train_settings
from bench.targets import TARGETS
from bench.tasks import get_task
from bench.train import TrainLog, train_members
from bench.walkforward import check_folds, concat_logs, fold_points, train_folds, window_starts
from models import MODELS, BuildArgs
from stock_files import walk, yahoo

STOCK = get_task("stock")
N = 300  # closes in the test files: 3 folds of 30 test days, 30 validation closes before each


def test_fold_geometry():
    T, points = 6, fold_points(200, 3, 20, 15)
    assert [(p.a, p.b, p.e) for p in points] == [(125, 140, 160), (145, 160, 180), (165, 180, 200)]
    for p in points:
        train, val, test = window_starts(200, T, p)
        assert (train + T).max() < p.a  # training targets before validation
        assert val.min() >= p.a and (val + T).max() < p.b  # validation windows inside their part
        np.testing.assert_array_equal(test + T, np.arange(p.b, p.e))  # every day of the block, once
    with pytest.raises(ValueError, match="leave 4 of 200 closes to train the first fold on"):
        check_folds(200, 6, 3, 60, 16)
    with pytest.raises(ValueError, match="5 validation closes are too few for window 6"):
        check_folds(200, 6, 3, 20, 5)


def _data(tmp_path, prices, name, target="level", **kw):
    s = STOCK.resolve({**STOCK.settings("quick"), "stock_csv": str(yahoo(tmp_path / name, prices)), "target": target,
                       **kw})
    return STOCK.build(s, np.random.default_rng(0)), s


def _same(a, b) -> bool:
    return torch.equal(a.inputs(), b.inputs()) and torch.equal(a.targets, b.targets)


@pytest.mark.parametrize("target", TARGETS)
def test_no_fold_sees_its_own_block(tmp_path, target):
    """Change every close from fold 2's first test day on: folds 1 and 2 train, validate and scale
    exactly as before (their training never saw those closes); fold 3, which validates on them, does not."""
    prices = walk(N, seed=1)
    clean, _ = _data(tmp_path, prices, "a.csv", target)
    b2 = N - 2 * 30
    poisoned = prices.copy()
    poisoned[b2:] *= np.linspace(1.5, 3.0, N - b2)
    dirty, _ = _data(tmp_path, poisoned, "b.csv", target)
    f_clean, f_dirty = clean.extra["folds"], dirty.extra["folds"]
    assert [int(f.at[0]) for f in f_clean] == [N - 90, N - 60, N - 30]
    for f, g in zip(f_clean[:2], f_dirty[:2]):
        assert _same(f.train, g.train) and _same(f.val, g.val) and f.scaler == g.scaler
    assert not _same(f_clean[2].val, f_dirty[2].val)
    assert not _same(f_clean[1].test, f_dirty[1].test)  # the block itself is what changed


@pytest.mark.parametrize("target", ["level", "logret"])
def test_each_fold_fits_its_scaler_on_its_training_part_only(tmp_path, target):
    prices = walk(N, seed=2)
    clean, _ = _data(tmp_path, prices, "a.csv", target)
    a2 = N - 60 - 30  # fold 2's validation starts here
    poisoned = prices.copy()
    poisoned[a2:] *= np.linspace(2.0, 3.0, N - a2)
    dirty, _ = _data(tmp_path, poisoned, "b.csv", target)
    f, g = clean.extra["folds"][1], dirty.extra["folds"][1]
    assert f.scaler == g.scaler and _same(f.train, g.train) and not _same(f.val, g.val)
    if target == "level":
        for fold, p in zip(clean.extra["folds"], (N - 120, N - 90, N - 60)):
            assert fold.scaler.shift == prices[:p].min() and fold.scaler.scale == np.ptp(prices[:p])


def test_each_fold_is_a_fresh_stack_trained_on_its_part(tmp_path):
    data, s = _data(tmp_path, walk(N, seed=3), "a.csv", "logret", epochs=2, hidden=4)
    cfg = train_settings(s, False)
    build = lambda: MODELS["gru"].build(BuildArgs((0, 1), 1, 1, s["window"], 4))  # noqa: E731
    log, states = train_folds(build(), data.extra["folds"], [0, 1], cfg)
    for fold, state in zip(data.extra["folds"], states):
        alone = build()
        train_members(alone, fold.train, fold.val, [0, 1], cfg)
        for k, v in alone.state_dict().items():
            assert torch.equal(v, state[k]), k
    assert log.samples == sum(len(f.train) for f in data.extra["folds"]) * 2 * 2


def _log(train, val, best, epochs):
    train = np.array(train, dtype=float)
    return TrainLog(train, np.array(val, dtype=float), np.array(best), np.zeros(len(train), bool), 10,
                    np.array(epochs))


def test_concat_logs_joins_each_members_own_epochs():
    a = _log([[1.0, 0.9, 0.8], [2.0, 1.9, np.nan]], [[1, 1, 1], [2, 2, 2]], [2, 0], [3, 2])
    b = _log([[0.7, 0.6], [1.5, 1.4]], [[3, 3], [4, 4]], [1, 0], [2, 2])
    log = concat_logs([a, b], [100, 120])
    np.testing.assert_array_equal(log.epochs, [5, 4])
    np.testing.assert_array_equal(log.train_loss[0], [1.0, 0.9, 0.8, 0.7, 0.6])
    np.testing.assert_array_equal(log.train_loss[1, :4], [2.0, 1.9, 1.5, 1.4])
    assert np.isnan(log.train_loss[1, 4])
    np.testing.assert_array_equal(log.best_epoch, [4, 2])  # the last fold's best, counted from the start
    assert log.steps == 20 and log.samples == (100 * 3 + 120 * 2) * 2
