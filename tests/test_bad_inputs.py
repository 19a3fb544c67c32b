"""Bad CLI values, output folders and run manifests: one line naming the value, exit 1, nothing written."""
import json

import pytest
import torch

from bench.cli import main


def error_line(capsys):
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


RUN = ["run", "--executor", "local", "--no-figures"]

VALUES = [  # (arguments, what the one line must say)
    (["--grid", "sine", "--window", "300"],
     "task 'sine' (profile quick): window 300 leaves 0 training and 0 test windows in 393 values"),
    (["--grid", "sine", "--window", "79"], "the largest window that works is 78"),
    (["--grid", "sine", "--profile", "seed", "--window", "50"],
     "window 50 needs more than 50 values, the series has 50 (the largest window that works is 49)"),
    (["--task", "sine", "--model", "lstm", "--hidden", "65536"], "model lstm on sine (hidden 65536"),
    (["--grid", "sine", "--seeds", "1000", "--hidden", "30000"], "fewer --seeds"),
    (["--grid", "sine", "--seeds", "1001"], "--seeds must be in [1, 1000], got '1001'"),
    (["--grid", "sine", "--seeds", "-1"], "--seeds must be in [1, 1000], got '-1'"),
    (["--grid", "sine", "--seeds", "2.5"], "--seeds must be an integer, got '2.5'"),
    (["--grid", "sine", "--lr", "0"], "--lr must be in [1e-12, 1000000.0], got '0'"),
    (["--grid", "sine", "--lr", "-0.1"], "--lr must be in"),
    (["--grid", "sine", "--lr", "1e7"], "--lr must be in"),
    (["--grid", "sine", "--lr", "inf"], "--lr must be finite"),
    (["--grid", "sine", "--lr", "fast"], "--lr must be a number, got 'fast'"),
    (["--grid", "sine", "--epochs", "0"], "--epochs must be in [1, 100000], got '0'"),
    (["--grid", "sine", "--epochs", "1e3"], "--epochs must be an integer"),
    (["--grid", "sine", "--window", "0"], "--window must be in [1, 100000]"),
    (["--grid", "sine", "--hidden", "0"], "--hidden must be in [1, 65536]"),
    (["--grid", "sine", "--hidden", "65537"], "--hidden must be in [1, 65536]"),
    (["--grid", "sine", "--batch-size", "0"], "--batch-size must be in"),
    (["--grid", "sine", "--seeds", "9" * 5000], "--seeds must be an integer"),  # over int()'s digit limit
    (["--grid", "sine", "--model", "chance"], "model 'chance' does not apply to any task of grid 'sine'"),
    (["--task", "sine", "--model", "chance"], "model 'chance' does not apply to task 'sine'"),
    (["--task", ""], "unknown task ''"),
    (["--grid", "sine\nall"], r"unknown grid 'sine\nall'"),  # a line break in a value stays escaped
    (["--grid", "sine", "--device", "cuda:0"], "unknown device 'cuda:0'"),
    (["--grid", "sine", "--executor", ""], "unknown executor ''"),
    (["--grid", "sine", "--profile", "Quick"], "unknown profile 'Quick'"),
    (["--grid", "sine", "--out", ""], "argument --out: must name a folder, got an empty string"),
    (["--grid", "sine", "--out", "a\x00b"], "argument --out: must not contain a NUL byte"),
    (["--grid", "sine", "--out", "/proc/seqbench-out"], "--out /proc/seqbench-out: not a writable folder"),
    (["--grid", "sine", "--out", "x" * 300], "not a writable folder (File name too long)"),
]


@pytest.mark.parametrize("args,needle", VALUES, ids=[" ".join(a)[:40] for a, _ in VALUES])
def test_bad_value_is_one_line(args, needle, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # relative --out values land here, never in the repository
    assert main(RUN + args) == 1
    assert needle in error_line(capsys)
    assert list(tmp_path.iterdir()) == []  # no folder, no store, no manifest


def test_cuda_asked_without_cuda(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(RUN + ["--grid", "sine", "--device", "cuda", "--out", str(tmp_path / "o")]) == 1
    assert "--device cuda: no CUDA device is available" in error_line(capsys)
    assert not (tmp_path / "o").exists()


def test_out_is_a_file(tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("mine")
    assert main(RUN + ["--grid", "sine", "--out", str(f)]) == 1
    assert f"--out {f}: is a file, not a folder" in error_line(capsys)
    assert main(RUN + ["--grid", "sine", "--out", str(f / "sub")]) == 1
    assert f"cannot create this folder, {f} is a file" in error_line(capsys)
    assert f.read_text() == "mine"


def test_dry_run_validates_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "new" / "deeper"
    assert main(RUN + ["--grid", "sine", "--seeds", "3", "--out", str(out), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("sine: 6 cells x 3 seeds on cpu, profile quick")
    assert "0 of 18 (cell, seed) results already stored" in lines[0]
    assert len(lines) == 7 and all("to run: 3 seeds" in line for line in lines[1:])
    assert not (tmp_path / "new").exists()


# --- run manifests read by `report` --------------------------------------------------------------

def _manifest(doc):
    return lambda p: p.write_text(json.dumps(doc))


GOOD_CELL = {"key": "0" * 16, "label": "sine", "task": "sine", "model": "mlp"}
MANIFESTS = {
    "binary": (lambda p: p.write_bytes(b"\xff\xfe\x00garbage"), "unreadable run manifest"),
    "truncated JSON": (lambda p: p.write_text('{"grid": "sine", "cells": ['), "unreadable run manifest"),
    "a JSON list": (_manifest([1, 2]), "not a run manifest of this suite"),
    "cells not a list": (_manifest({"grid": "sine", "profile": "quick", "seeds": [0], "cells": {}}),
                         "not a run manifest of this suite"),
    "cell without key": (_manifest({"grid": "sine", "profile": "quick", "seeds": [0],
                                    "cells": [{"label": "sine", "task": "sine", "model": "mlp"}]}),
                         "not a run manifest of this suite"),
    "seeds not integers": (_manifest({"grid": "sine", "profile": "quick", "seeds": ["0"], "cells": [GOOD_CELL]}),
                           "not a run manifest of this suite"),
    "unknown task": (_manifest({"grid": "sine", "profile": "quick", "seeds": [0],
                                "cells": [dict(GOOD_CELL, task="weather")]}), "unknown task 'weather'"),
    "deeply nested": (lambda p: p.write_text("[" * 100_000 + "]" * 100_000), "unreadable run manifest"),
    "a directory": (lambda p: p.mkdir(), "manifest.json: is a directory"),
}


@pytest.mark.parametrize("case", list(MANIFESTS))
def test_bad_manifest_is_one_line(case, tmp_path, capsys):
    make, needle = MANIFESTS[case]
    make(tmp_path / "manifest.json")
    assert main(["report", "--out", str(tmp_path), "--no-figures"]) == 1
    err = error_line(capsys)
    assert needle in err and str(tmp_path / "manifest.json") in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json"]


@pytest.mark.parametrize("model", ["mlp", "rnn", "lstm", "gru"])
def test_memory_check_counts_parameters_exactly(model):
    """The count behind the memory check (extrapolated from three tiny builds) equals a real build."""
    from bench.run.matching import parameter_count
    from models import BuildArgs, MODELS
    for window, hidden, layers in [(10, 4, 2), (6, 100, 1), (3, 300, 3)]:
        m = MODELS[model].build(BuildArgs((0,), 1, 1, window, hidden, layers))
        assert parameter_count(model, window, hidden, layers) == sum(p.numel() for p in m.parameters())
