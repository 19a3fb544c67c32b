"""Property-based: any CLI arguments give a run plan (exit 0) or exactly one error line (exit 1),
never a traceback; any damage to a store or a manifest is refused in one line or is harmless."""
import contextlib
import functools
import io
import json
import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cli import main
from bench.errors import UserError
from bench.outputs.write import read_manifest
from bench.store.check import inspect_store
from bench.store.db import CellRecord, Store

NUMBERS = st.one_of(st.integers(-10**6, 10**6).map(str), st.floats(allow_nan=True).map(repr),
                    st.sampled_from(["0", "1", "1e-13", "1e6", "1e400", "-0", "0x10", "1_000", " 7 ", "٣"]))
TEXT = st.text(max_size=12)


def option(name, valid):
    return st.one_of(st.none(), st.sampled_from(valid), NUMBERS, TEXT).map(lambda v: None if v is None else (name, v))


OPTIONS = st.tuples(
    option("--model", ["mlp", "rnn", "lstm", "gru", "gru-stateful", "persistence", "mean", "chance"]),
    option("--seeds", ["1", "3", "1000"]),
    option("--profile", ["quick", "seed", "full"]),
    option("--device", ["auto", "cpu", "cuda"]),
    option("--executor", ["process", "local"]),
    option("--epochs", ["1", "200"]),
    option("--window", ["1", "10", "49", "78", "79"]),
    option("--hidden", ["1", "64", "4096", "65536"]),
    option("--lr", ["0.01", "1e6"]),
    option("--batch-size", ["1", "8", "10000000"]),
    option("--bptt", ["1", "16", "100000"]),
    option("--out", ["o", "o/p", "results.sqlite", "", "a\x00b", "x" * 300]),
    option("--folds", ["1", "3", "40"]),
    option("--fold-days", ["5", "100", "900"]),
    option("--fee", ["0", "0.1%", "0.001", "10.5%"]),
    option("--strategy", ["long-flat", "long-short"]),
)
WHAT = st.one_of(st.tuples(st.just("--grid"), st.one_of(st.sampled_from(["sine", "assignment1", "all"]), TEXT)),
                 st.tuples(st.just("--task"), st.one_of(st.sampled_from(["sine", "pi", "stock"]), TEXT)))
EXTRA = st.lists(st.one_of(TEXT, st.sampled_from(["--no-figures", "--deterministic", "--grid", "-x", "--"])),
                 max_size=2)


@contextlib.contextmanager
def _inside(folder):
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def _call(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(what=WHAT, options=OPTIONS, extra=EXTRA)
def test_any_arguments_plan_or_one_error_line(what, options, extra):
    with tempfile.TemporaryDirectory() as tmp, _inside(tmp):
        Path("results.sqlite").write_text("not a store")  # --out=. must refuse it, untouched
        argv = ["run", "--dry-run", f"{what[0]}={what[1]}"]
        argv += [f"{name}={value.lstrip('/')}" for name, value in filter(None, options)] + extra
        rc, out, err = _call(argv)
        if rc == 0:
            assert err == "" and "cells x" in out.splitlines()[0]
        else:
            assert rc == 1 and err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
        assert sorted(p.name for p in Path(tmp).rglob("*")) == ["results.sqlite"]  # a plan writes nothing
        assert Path("results.sqlite").read_text() == "not a store"


# --- damaged stores ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def good_store() -> bytes:
    """A small real store: two cells, two seeds, metrics and packed arrays (its bytes)."""
    import numpy as np
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.sqlite"
        with Store(path) as s:
            for i, model in enumerate(("rnn", "gru")):
                s.write_cell(CellRecord(f"{i:016x}", "sine", model, "quick", "cpu", {"window": 10}, [0, 1],
                                        {0: "ok", 1: "diverged"}, {0: "", 1: "non-finite"},
                                        {0: {"mse": 0.1}, 1: {"mse": float("nan")}}, {"torch": "x"},
                                        {"mse": 0.09}, {"split": "60/20/20"},
                                        {(0, "test_pred"): np.arange(300.0), (-1, "x"): np.ones(50)}))
        return path.read_bytes()


def _usable(path):
    """Everything the suite reads from a store works, and a further cell can be written."""
    with Store(path) as s:
        s.results()
        for key in s.cells():
            s.arrays(key)
        s.write_cell(CellRecord("f" * 16, "sine", "mlp", "quick", "cpu", {}, [0], {0: "ok"}, {0: ""}, {0: {}}))
        assert "f" * 16 in s.cells()


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_damaged_store_is_refused_or_usable(data):
    damaged = bytearray(good_store())
    how = data.draw(st.sampled_from(["flip", "cut", "splice"]))
    if how == "cut":
        damaged = damaged[:data.draw(st.integers(0, len(damaged) - 1))]
    elif how == "flip":
        for pos in data.draw(st.lists(st.integers(0, len(damaged) - 1), min_size=1, max_size=8)):
            damaged[pos] ^= data.draw(st.integers(1, 255))
    else:
        pos = data.draw(st.integers(0, len(damaged) - 1))
        damaged[pos:pos + 64] = data.draw(st.binary(min_size=1, max_size=64))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.sqlite"
        path.write_bytes(bytes(damaged))
        try:
            inspect_store(path)
        except UserError as e:
            assert "\n" not in str(e) and str(e).startswith(str(path))
            assert path.read_bytes() == bytes(damaged)  # refused and left as it was
            assert sorted(p.name for p in Path(tmp).iterdir()) == ["results.sqlite"]
            return
        _usable(path)


@settings(max_examples=100, deadline=None)
@given(doc=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                        lambda c: st.lists(c, max_size=3) | st.dictionaries(
                            st.sampled_from(["grid", "profile", "seeds", "cells", "key", "label", "task", "model"]),
                            c, max_size=5), max_leaves=12),
       raw=st.one_of(st.none(), st.binary(max_size=40)))
def test_any_manifest_is_read_or_refused_in_one_line(doc, raw):
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "manifest.json"
        p.write_bytes(raw if raw is not None else json.dumps(doc).encode())
        try:
            m = read_manifest(Path(tmp))
        except UserError as e:
            assert "\n" not in str(e) and str(p) in str(e)
            return
        assert isinstance(m["grid"], str) and all(isinstance(c["key"], str) for c in m["cells"])
