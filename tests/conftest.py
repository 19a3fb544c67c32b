import numpy as np
import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)
    yield


@pytest.fixture
def noisy_series():
    rng = np.random.default_rng(0)
    return (np.sin(np.arange(120) * 0.3) + rng.normal(0, 0.3, 120)).astype(np.float32)


@pytest.fixture(autouse=True)
def _offline_data(monkeypatch, tmp_path_factory):
    """Tests never download: Fashion-MNIST comes from folders they write, or is unavailable."""
    monkeypatch.setenv("SEQBENCH_OFFLINE", "1")
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path_factory.mktemp("cache")))
    yield


@pytest.fixture
def torch_recurrence(monkeypatch):
    """Run the recurrences with torch operations, as on a machine where the native kernels
    (models/native.py) could not be built."""
    from models import native
    monkeypatch.setattr(native, "library", lambda: None)
