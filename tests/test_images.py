"""Image completion: windows over images, splits by image, closed-loop generation, baselines,
the CLI's refusal of bad Fashion-MNIST folders, and a tiny end-to-end grid run."""
import gzip
import json
import sqlite3

import numpy as np
import pandas as pd
import pytest
import torch

from bench.cli import main
from bench.tasks.base import Unavailable
from bench.tasks.images import FASHION, MNIST, evaluate, split_images
from bench.train.windows import sequence_windows
from models import BuildArgs, MODELS
from sequences.idx import write_idx
from sequences.series import Series

from idx_files import write_fashion

TINY = ["--epochs", "1", "--hidden", "4", "--batch-size", "512", "--executor", "local", "--seeds", "2"]


def test_sequence_windows_index_the_images():
    base = np.arange(3 * 28 * 2, dtype=np.float32).reshape(3, 28, 2)  # every value distinct
    ws = sequence_windows(base, 14)
    assert len(ws) == 3 * 14 and ws.base.data_ptr() == torch.from_numpy(base).data_ptr()  # no copy of the images
    x = ws.inputs()
    for s in range(len(ws)):
        m, j = divmod(s, 14)  # image-major order
        np.testing.assert_array_equal(x[s].numpy(), base[m, j:j + 14])
        np.testing.assert_array_equal(ws.targets[s].numpy(), base[m, j + 14])
    idx = torch.tensor([[0, 13], [14, 41]])
    assert ws.inputs(idx).shape == (2, 2, 14, 2) and ws.targets[idx].shape == (2, 2, 2)
    with pytest.raises(ValueError, match="longer than 28"):
        sequence_windows(base, 28)


def _settings(**kw):
    return {**MNIST.settings("quick"), "epochs": 1, "hidden": 4, **kw}


def test_split_is_by_image_and_test_targets_are_the_bottom_half():
    rng = np.random.default_rng(0)
    values = rng.random((200, 28, 28), dtype=np.float32)
    s = _settings(n_train=100, n_val=20, n_test=40)
    tr, va, te = split_images(Series(values, "t", meta={"n_train": 0}), s, rng)
    assert (len(tr), len(va), len(te)) == (100, 20, 40)
    assert not (set(tr) & set(va) or set(tr) & set(te) or set(va) & set(te))
    # A source with its own test part: test = its first images, train/val from its training part.
    tr, va, te = split_images(Series(values, "t", meta={"n_train": 150}), s, np.random.default_rng(0))
    assert list(te) == list(range(150, 190)) and max(tr) < 150 and max(va) < 150
    data = MNIST.build(_settings(window=10, n_train=50, n_val=10, n_test=20), np.random.default_rng(0))
    assert int((data.test.start + 10).min()) == 14 and len(data.test) == 20 * 14  # targets rows 15..28 only
    assert len(data.train) == 50 * 18 and len(data.val) == 10 * 18


def _fitted(name, data, K=2):
    m = MODELS[name].build(BuildArgs(tuple(range(K)), 28, 28, 14, 8))
    tr = data.train
    return m.fit(tr.targets, tr.start + tr.window) if getattr(m, "positional", False) else m.fit(tr.targets)


def test_closed_loop_generation_shapes_and_baselines():
    s = _settings(n_train=60, n_val=0, n_test=30, n_figure=10)
    data = MNIST.build(s, np.random.default_rng(0))
    truth = data.extra["truth"]
    assert truth.shape == (30, 14, 28)
    net = MODELS["lstm"].build(BuildArgs((0, 1, 2), 28, 28, 14, 8))
    metrics, arrays = evaluate(net, data, s)
    assert metrics["closed_loop_mse"].shape == (3,) and metrics["one_step_mse"].shape == (3,)
    assert arrays["pointwise_loss"].shape == (3, 30)
    done = arrays["completed"]
    assert done.shape == (3, 10, 28, 28)
    np.testing.assert_array_equal(done[:, :, :14], np.broadcast_to(data.arrays["originals"][:, :14], (3, 10, 14, 28)))
    assert not np.allclose(done[:, :, 14:], data.arrays["originals"][:, 14:])  # generated, not copied
    # copy_last_row (persistence) repeats row 14: its closed loop equals the cell's persistence_loss.
    m, a = evaluate(_fitted("persistence", data), data, s)
    np.testing.assert_allclose(a["pointwise_loss"][0], data.arrays["persistence_loss"], rtol=1e-5)
    assert np.all(a["completed"][0, :, 14:] == a["completed"][0, :, 13:14])
    # mean_row draws the mean training image's bottom half whatever the input.
    rm = _fitted("mean_row", data)
    mean_img = data.train.base.numpy().mean(0)
    m, a = evaluate(rm, data, s)
    np.testing.assert_allclose(a["completed"][0, 3, 14:], mean_img[14:], atol=1e-6)
    np.testing.assert_allclose(m["closed_loop_mse"], ((truth - mean_img[None, 14:]) ** 2).mean(), rtol=1e-5)
    np.testing.assert_allclose(m["one_step_mse"], m["closed_loop_mse"], rtol=1e-6)
    # mean: one row (the mean target row) at every height; worse than the per-height mean here.
    m2, _ = evaluate(_fitted("mean", data), data, s)
    assert m2["closed_loop_mse"][0] > m["closed_loop_mse"][0]


def test_window_beyond_the_given_rows_is_refused():
    with pytest.raises(ValueError, match="window 20 must be at most the 14 given rows"):
        MNIST.build(_settings(window=20), np.random.default_rng(0))


def test_offline_without_a_folder_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path))
    monkeypatch.setenv("SEQBENCH_OFFLINE", "1")
    with pytest.raises(Unavailable) as e:
        FASHION.build(FASHION.settings("quick"), np.random.default_rng(0))
    msg = str(e.value)
    assert "--fashion-mnist-dir" in msg and "train-images-idx3-ubyte[.gz]" in msg and "\n" not in msg


def _hdr(code, *dims):
    return bytes([0, 0, code, len(dims)]) + b"".join(d.to_bytes(4, "big") for d in dims)


def _put(name, blob):
    return lambda d: (d / name).write_bytes(blob)


BAD_DIRS = [
    ("no such dir", lambda d: d.rename(d.with_name("gone")), "no such directory"),
    ("a file", lambda d: (lambda f: f.write_text("x"))(d.with_name("file")) and None, "not a directory"),
    ("empty dir", lambda d: [p.unlink() for p in d.iterdir()], "missing train-images-idx3-ubyte[.gz], "
                                                               "train-labels-idx1-ubyte[.gz]"),
    ("one missing", lambda d: (d / "train-labels-idx1-ubyte.gz").unlink(), "missing train-labels-idx1-ubyte[.gz]"),
    ("empty file", _put("t10k-images-idx3-ubyte.gz", b""), "the file is empty"),
    ("text", _put("t10k-images-idx3-ubyte.gz", b"hello, this is not IDX\n"), "not an IDX file"),
    ("bad gzip", _put("train-images-idx3-ubyte.gz", b"\x1f\x8b\x08\x00garbage"), "corrupt or truncated gzip"),
    ("cut gzip", _put("train-images-idx3-ubyte.gz", gzip.compress(_hdr(8, 30, 28, 28) + bytes(30 * 784))[:-20]),
     "corrupt or truncated gzip"),
    ("truncated", _put("train-images-idx3-ubyte.gz", gzip.compress(_hdr(8, 30, 28, 28) + bytes(784))),
     "truncated: header says 30×28×28"),
    ("trailing", _put("t10k-labels-idx1-ubyte.gz", _hdr(8, 12) + bytes(13)), "trailing bytes after the data"),
    ("dtype code", _put("t10k-labels-idx1-ubyte.gz", _hdr(5, 12) + bytes(12)), "unknown IDX dtype code 0x05"),
    ("header cut", _put("t10k-labels-idx1-ubyte.gz", bytes([0, 0, 8, 1, 0])), "truncated IDX header"),
    ("dims", _put("t10k-images-idx3-ubyte.gz", gzip.compress(_hdr(8, 12, 784) + bytes(12 * 784))),
     "expected images N×28×28, got 12×784"),
    ("counts", _put("train-labels-idx1-ubyte.gz", _hdr(8, 31) + bytes(31)), "31 labels for 30 images"),
    ("labels", _put("t10k-labels-idx1-ubyte.gz", _hdr(8, 12) + bytes([200] * 12)), "labels must be 0..9"),
]


@pytest.mark.parametrize("case,mutate,needle", BAD_DIRS, ids=[c[0] for c in BAD_DIRS])
def test_bad_fashion_dir_is_one_line_exit_1(tmp_path, capsys, case, mutate, needle):
    d = tmp_path / "fashion"
    write_fashion(d)
    mutate(d)
    target = d.with_name("file") if case == "a file" else d
    out = tmp_path / "out"
    assert main(["run", "--grid", "images", "--fashion-mnist-dir", str(target), "--out", str(out)] + TINY) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: argument --fashion-mnist-dir: ") and needle in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()  # refused before the store was touched


def _statuses(out):
    with sqlite3.connect(out / "results.sqlite") as c:
        return {(t, m): (st, r) for t, m, st, r in c.execute("SELECT task, model, status, reason FROM results")}


def test_grid_images_end_to_end(tmp_path, capsys):
    out = tmp_path / "offline"  # conftest: offline, empty cache
    assert main(["run", "--grid", "images", "--model", "lstm", "--out", str(out)] + TINY) == 0
    st = _statuses(out)
    assert st[("mnist", "lstm")] == ("ok", "")
    status, reason = st[("fashion-mnist", "lstm")]
    assert status == "skipped" and "--fashion-mnist-dir" in reason
    df = pd.read_csv(out / "results.csv")
    assert set(df.model) == {"lstm"} and set(df.task) == {"mnist"} and set(df.seed) == {0, 1}
    assert {"closed_loop_mse", "one_step_mse", "train_wall_s", "samples_per_s"} <= set(df.metric)
    figs = {p.name for p in (out / "figures").iterdir()}
    assert "mnist_completion.png" in figs and "mnist_loss.png" in figs
    # With a folder of (tiny) IDX files, the Fashion-MNIST cells run.
    write_fashion(tmp_path / "fm", n_train=40, n_test=10, gz=False)
    out2 = tmp_path / "online"
    assert main(["run", "--task", "fashion-mnist", "--fashion-mnist-dir", str(tmp_path / "fm"), "--out", str(out2),
                 "--no-figures"] + TINY) == 0
    st = _statuses(out2)
    assert set(st) == {("fashion-mnist", m) for m in FASHION.models} and {v[0] for v in st.values()} == {"ok"}
    with sqlite3.connect(out2 / "results.sqlite") as c:
        settings = json.loads(c.execute("SELECT settings FROM cells LIMIT 1").fetchone()[0])
        protocol = json.loads(c.execute("SELECT protocol FROM cells LIMIT 1").fetchone()[0])
    assert settings["fashion_mnist_dir"] == str((tmp_path / "fm").resolve())
    assert "by image: 32 train, 8 validation, 10 test images" in protocol["split"]
    capsys.readouterr()


def test_seed_profile_is_the_lecture():
    s = FASHION.settings("seed")
    assert (s["window"], s["given_rows"], s["hidden"], s["batch_size"], s["optimizer"], s["lr"], s["epochs"]) == \
        (14, 14, 400, 128, "adam", 0.001, 40)  # Adam's default lr: the notebook calls optim.Adam(params)
    assert s["n_train"] is None and s["n_val"] == 0 and s["patience"] is None and not s["clip_feedback"]
    data = MNIST.build(MNIST.settings("seed"), np.random.default_rng(0))  # the 5,000 digits: 4,000 / 1,000
    assert data.val is None and len(data.train) == 4000 * 14 and len(data.test) == 1000 * 14
    assert data.train.base.dtype == torch.float32 and data.train.base.shape == (4000, 28, 28)
