"""Tiny Fashion-MNIST folders for the tests, written in the official IDX layout."""
import numpy as np

from sequences.idx import write_idx
from sequences.images import FASHION_FILES


def write_fashion(d, n_train=30, n_test=12, gz=True, seed=0):
    """Four tiny Fashion-MNIST files: random-ish uint8 images and labels 0..9."""
    rng = np.random.default_rng(seed)
    d.mkdir(parents=True, exist_ok=True)
    arrays = {"train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
              "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8)}
    for key, (stem, _) in FASHION_FILES.items():
        write_idx(d / (stem + (".gz" if gz else "")), arrays[key])
    return arrays
