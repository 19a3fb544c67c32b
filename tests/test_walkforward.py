"""Walk-forward folds: where each part lies, that no selection reads a day any fold tests (nor a
scaler), that each fold is a fresh stack trained on its part, and the joined logs."""
from dataclasses import replace

import numpy as np
import pytest
import torch

from bench.run.config import train_settings
from bench.store.fold_rates import choose
from bench.tasks import get_task
from bench.train.loop import TrainLog, train_members
from bench.train.targets import TARGETS
from bench.train.walkforward import check_folds, concat_logs, fold_points, train_folds, window_starts
from models import BuildArgs, MODELS
from stock_files import walk, yahoo

STOCK = get_task("stock")
N = 300  # closes in the test files: 3 folds of 30 test days, 30 validation closes before each


def test_fold_geometry():
    T, points = 6, fold_points(200, 3, 20, 15)
    assert [(p.a, p.b, p.e) for p in points] == [(95, 110, 130), (130, 145, 165), (165, 180, 200)]
    tested = np.concatenate([np.arange(p.b, p.e) for p in points])
    for p in points:
        train, val, test = window_starts(200, T, p)
        assert (train + T).max() < p.a  # training targets before validation
        reads = (train[:, None] + np.arange(T + 1)).ravel()  # every close a training window reads
        assert not np.isin(reads, tested).any()  # and none that any fold tests
        assert val.min() >= p.a and (val + T).max() < p.b  # validation windows inside their part
        assert not np.isin(np.arange(p.a, p.b), tested).any()  # a day that no fold tests
        np.testing.assert_array_equal(test + T, np.arange(p.b, p.e))  # every day of the block, once
    with pytest.raises(ValueError, match="leave 0 of 200 closes to train the first fold on"):
        check_folds(200, 6, 3, 60, 16)
    with pytest.raises(ValueError, match="5 validation closes are too few for window 6"):
        check_folds(200, 6, 3, 20, 5)


def _data(tmp_path, prices, name, target="level", **kw):
    s = STOCK.resolve({**STOCK.settings("quick"), "stock_csv": str(yahoo(tmp_path / name, prices)), "target": target,
                       **kw})
    return STOCK.build(s, np.random.default_rng(0)), s


def _same(a, b) -> bool:
    return torch.equal(a.inputs(), b.inputs()) and torch.equal(a.targets, b.targets)


TESTED = [(N - 30 - 60 * k, N - 60 * k) for k in (2, 1, 0)]  # [b, e) of the three test blocks


def _noise_on_tested_days(prices: np.ndarray, seed: int) -> np.ndarray:
    noisy = prices.copy()
    rng = np.random.default_rng(seed)
    for b, e in TESTED:
        noisy[b:e] = prices[b] * np.exp(rng.normal(0, 0.2, e - b))
    return noisy


@pytest.mark.parametrize("target", TARGETS)
def test_no_selection_reads_a_tested_day(tmp_path, target):
    """Replace every close that any fold tests by noise: every fold trains, validates and scales on
    exactly the same windows, and only the test windows change."""
    prices = walk(N, seed=1)
    clean, _ = _data(tmp_path, prices, "a.csv", target)
    dirty, _ = _data(tmp_path, _noise_on_tested_days(prices, 5), "b.csv", target)
    f_clean, f_dirty = clean.extra["folds"], dirty.extra["folds"]
    assert [int(f.at[0]) for f in f_clean] == [b for b, _ in TESTED]
    for f, g in zip(f_clean, f_dirty):
        assert _same(f.train, g.train) and _same(f.val, g.val) and f.scaler == g.scaler
        assert not _same(f.test, g.test)


def test_selections_are_the_same_when_every_tested_day_is_noise(tmp_path):
    """The stopping epoch of every fold, each fold's validation loss and each fold's chosen rate
    (a sweep of three rates stacked, as a run stacks them), trained for real."""
    prices, rates, seeds = walk(N, seed=4), (0.001, 0.01, 0.1), [0, 1]
    runs = []
    for name, p in (("a.csv", prices), ("b.csv", _noise_on_tested_days(prices, 6))):
        data, s = _data(tmp_path, p, name, "logret", epochs=6, hidden=4, patience=2)
        cfg = replace(train_settings(s, False), lr=tuple(r for r in rates for _ in seeds))
        model = MODELS["gru"].build(BuildArgs(tuple(seeds * len(rates)), 1, 1, s["window"], 4))
        runs.append(train_folds(model, data.extra["folds"], seeds * len(rates), cfg)[0])
    a, b = runs
    np.testing.assert_array_equal(a.best_epoch, b.best_epoch)
    np.testing.assert_array_equal(a.fold_selection, b.fold_selection)
    np.testing.assert_array_equal(a.selection, b.selection)
    assert np.isfinite(a.fold_selection).all() and a.fold_selection.shape == (6, 3)
    pick = [choose(log.fold_selection.reshape(len(rates), len(seeds), -1)) for log in runs]
    np.testing.assert_array_equal(pick[0], pick[1])
    assert pick[0].shape == (3,)


def test_each_fold_trains_at_its_own_rate(tmp_path):
    """Per-fold rates (a stored selection): a fold at rate 0 keeps the initial parameters, the
    others train exactly as at that rate for every fold."""
    data, s = _data(tmp_path, walk(N, seed=3), "a.csv", "logret", epochs=2, hidden=4)
    cfg = train_settings(s, False)
    build = lambda: MODELS["gru"].build(BuildArgs((0, 1), 1, 1, s["window"], 4))  # noqa: E731
    init = build().state_dict()
    _, same = train_folds(build(), data.extra["folds"], [0, 1], replace(cfg, lr=0.01))
    _, per_fold = train_folds(build(), data.extra["folds"], [0, 1], cfg, rates=(0.01, 0.0, 0.01))
    for k in init:
        assert torch.equal(per_fold[1][k], init[k]), k
        assert torch.equal(per_fold[0][k], same[0][k]) and torch.equal(per_fold[2][k], same[2][k]), k
    assert any(not torch.equal(same[1][k], init[k]) for k in init)
    with pytest.raises(ValueError, match="2 per-fold learning rates for 3 folds"):
        train_folds(build(), data.extra["folds"], [0, 1], cfg, rates=(0.01, 0.01))


def test_each_fold_fits_its_scaler_on_its_untested_training_part_only(tmp_path):
    prices = walk(N, seed=2)
    clean, _ = _data(tmp_path, prices, "a.csv", "level")
    tested = np.concatenate([np.arange(b, e) for b, e in TESTED])
    for fold, (b, _) in zip(clean.extra["folds"], TESTED):
        before = np.arange(b - 30)  # before the fold's validation block
        seen = prices[before[~np.isin(before, tested)]]
        assert fold.scaler.shift == seen.min() and fold.scaler.scale == np.ptp(seen)


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
    np.testing.assert_array_equal(log.fold_selection, [[1, 3], [2, 4]])  # each fold's own
    np.testing.assert_array_equal(log.selection, [(1 + 3) / 2, (2 + 4) / 2])  # averaged
    assert log.steps == 20 and log.samples == (100 * 3 + 120 * 2) * 2
