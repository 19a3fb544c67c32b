import numpy as np
import pytest
import torch

from bench.train.windows import chronological_split, series_windows, split_points


def test_windows_match_the_loop():
    v = np.arange(20, dtype=np.float32)
    ws = series_windows(v, 4)
    x = ws.inputs()
    assert x.shape == (16, 4, 1)
    for i in range(16):
        assert x[i, :, 0].tolist() == v[i:i + 4].tolist()
        assert ws.targets[i, 0] == v[i + 4]


def test_windows_share_memory_with_the_series():
    v = np.arange(1000, dtype=np.float32)
    ws = series_windows(v, 50)
    assert ws.base.numel() == 1000  # (S, T, F) is never materialised
    assert ws.base.data_ptr() == v.ctypes.data  # nor is the series copied: the windows read its memory
    v[60] = -1.0
    assert ws.inputs(torch.tensor([20]))[0, 40, 0] == -1.0
    parts = chronological_split(ws, split_points(1000, 0.6, 0.2))
    assert {p.base.untyped_storage().data_ptr() for p in parts} == {v.ctypes.data}  # splits share it too


def test_split_has_no_leak():
    v = np.arange(200, dtype=np.float32)
    T = 7
    train, val, test = chronological_split(series_windows(v, T), split_points(200, 0.6, 0.2))
    train_seen = set(train.inputs().flatten().tolist()) | set(train.targets.flatten().tolist())
    val_targets = set(val.targets.flatten().tolist())
    test_targets = set(test.targets.flatten().tolist())
    assert not (train_seen & test_targets)
    assert not (train_seen & val_targets)
    assert not (set(val.inputs().flatten().tolist()) & test_targets)
    assert max(train.targets.flatten()) < min(val.inputs().flatten()) < min(val.targets.flatten())
    assert len(train) + len(val) + len(test) == 200 - T - 2 * T  # one window lost per boundary


def test_batch_gather_shape():
    ws = series_windows(np.arange(50, dtype=np.float32), 5)
    idx = torch.tensor([[0, 1], [2, 3], [4, 5]])
    assert ws.inputs(idx).shape == (3, 2, 5, 1)
    assert ws.targets[idx].shape == (3, 2, 1)


def test_too_short_series():
    with pytest.raises(ValueError, match="longer than 10"):
        series_windows(np.zeros(10, dtype=np.float32), 10)
