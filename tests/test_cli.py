"""The command line: one-line errors with exit 1, outputs, and resume."""
import subprocess
import sys
import time

import pandas as pd
import pytest

from bench.cli import main

FAST = ["--epochs", "2", "--hidden", "4", "--executor", "local", "--no-figures"]
SEEDS2 = FAST + ["--seeds", "2"]


@pytest.mark.parametrize("args,needle", [
    (["run", "--grid", "nope"], "unknown grid 'nope'; choose from sine"),
    (["run", "--task", "nope"], "unknown task 'nope'; choose from sine"),
    (["run", "--task", "sine", "--model", "transformer"], "unknown model 'transformer'; choose from mlp, rnn"),
    (["run", "--grid", "sine", "--profile", "huge"], "unknown profile 'huge'; choose from quick, seed, full"),
    (["run", "--grid", "sine", "--device", "tpu"], "unknown device 'tpu'"),
    (["run", "--grid", "sine", "--executor", "mpi"], "unknown executor 'mpi'"),
    (["run", "--grid", "sine", "--seeds", "0"], "--seeds must be in [1, 1000], got '0'"),
    (["run", "--grid", "sine", "--lr", "nan"], "--lr must be finite"),
    (["run", "--grid", "sine", "--epochs", "many"], "--epochs must be an integer"),
    (["run"], "one of the arguments --grid --task is required"),
    (["frobnicate"], "invalid choice"),
])
def test_user_errors_are_one_line(args, needle, capsys, tmp_path):
    assert main(args + ["--out", str(tmp_path)] if args and args[0] == "run" else args) == 1
    err = capsys.readouterr().err
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "results.sqlite").exists()


def test_module_entry_point_exit_code(tmp_path):
    p = subprocess.run([sys.executable, "-m", "bench", "run", "--grid", "nope", "--out", str(tmp_path)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr.startswith("error: unknown grid") and "Traceback" not in p.stderr


def test_run_writes_outputs_and_resumes(tmp_path, capsys):
    out = tmp_path / "sine"
    t0 = time.perf_counter()
    assert main(["run", "--grid", "sine", "--out", str(out)] + SEEDS2) == 0
    first = time.perf_counter() - t0
    for name in ("results.csv", "results.md", "results.tex", "results.sqlite", "manifest.json"):
        assert (out / name).exists(), name
    df = pd.read_csv(out / "results.csv")
    assert list(df.columns) == ["grid", "task", "model", "seed", "metric", "value"]
    assert set(df.model) == {"mlp", "rnn", "lstm", "gru", "persistence", "mean"}
    assert set(df.seed) == {0, 1}
    assert {"mse", "mae", "mse_clean", "closed_loop_mse", "train_wall_s", "samples_per_s", "params"} <= set(df.metric)
    capsys.readouterr()
    t0 = time.perf_counter()
    assert main(["run", "--grid", "sine", "--out", str(out)] + SEEDS2) == 0
    assert "(0 run, 6 already stored)" in capsys.readouterr().out
    assert time.perf_counter() - t0 < first  # nothing retrained
    again = pd.read_csv(out / "results.csv")
    pd.testing.assert_frame_equal(df, again)
    # More seeds: only the new seed is trained, and the old rows are unchanged.
    assert main(["run", "--grid", "sine", "--out", str(out), "--seeds", "3"] + FAST) == 0
    three = pd.read_csv(out / "results.csv")
    assert set(three.seed) == {0, 1, 2}
    old = three[three.seed < 2].reset_index(drop=True)
    nontiming = ~old.metric.isin(["train_wall_s", "eval_wall_s", "samples_per_s", "members"])
    pd.testing.assert_frame_equal(old[nontiming].reset_index(drop=True),
                                  df[nontiming.values].reset_index(drop=True))


def test_report_regenerates_without_training(tmp_path):
    out = tmp_path / "s"
    assert main(["run", "--task", "sine", "--model", "persistence", "--out", str(out)] + SEEDS2) == 0
    (out / "results.md").unlink()
    assert main(["report", "--out", str(out), "--no-figures"]) == 0
    assert "persistence" in (out / "results.md").read_text()


def test_report_without_run(tmp_path, capsys):
    assert main(["report", "--out", str(tmp_path)]) == 1
    assert "no run manifest" in capsys.readouterr().err
