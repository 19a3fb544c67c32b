"""On CPU the same command gives the same numbers bit for bit: run to run, in a fresh process,
under either executor, with --deterministic; stacked with other seeds or alone, bit for bit on the
native kernels and to float rounding on torch operations."""
import pandas as pd
import pytest
import torch

from bench.cli import main
from bench.metrics import TIMING_FIELDS
from bench.run.cell import Job, run_job
from bench.run.config import CellConfig
from bench.tasks import TASKS
from models import native

TINY = ["--grid", "sine", "--epochs", "3", "--hidden", "4", "--seeds", "2", "--no-figures"]


def values(out):
    """results.csv without wall-clock metrics, in a fixed order."""
    df = pd.read_csv(out / "results.csv")
    df = df[~df.metric.isin(TIMING_FIELDS)]
    return df.sort_values(["task", "model", "metric", "seed"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def first(tmp_path_factory):
    out = tmp_path_factory.mktemp("first")
    assert main(["run", "--out", str(out), "--executor", "local"] + TINY) == 0
    return values(out)


def test_two_runs_of_the_sine_grid_are_identical(first, tmp_path):
    """The second run trains every cell in a freshly spawned worker process, so this is both run
    to run (nothing shared with the first run but the command) and --executor process vs local."""
    assert main(["run", "--out", str(tmp_path), "--executor", "process"] + TINY) == 0
    second = values(tmp_path)
    assert len(first) > 100 and set(first.model) == {"mlp", "rnn", "lstm", "gru", "persistence", "mean"}
    pd.testing.assert_frame_equal(first, second, check_exact=True)


def test_deterministic_flag_changes_nothing_on_cpu_and_is_recorded(first, tmp_path):
    assert main(["run", "--out", str(tmp_path), "--executor", "local", "--deterministic"] + TINY) == 0
    pd.testing.assert_frame_equal(first, values(tmp_path), check_exact=True)
    assert not torch.are_deterministic_algorithms_enabled()  # the worker's setting was restored
    from bench.store.db import Store
    with Store(tmp_path / "results.sqlite") as s:
        assert s.results().deterministic.all()


@pytest.mark.parametrize("impl", ["auto", "torch"])
@pytest.mark.parametrize("model", ["mlp", "rnn", "lstm", "gru"])
def test_stacked_equals_alone(model, impl, monkeypatch):
    """Seed 1 trained in a stack of three gives the metrics it gives alone: bit for bit where the
    native kernels run the whole cell (they compute each member by the same code whatever K is);
    to float32 rounding where torch operations run (the MLP's forward passes; any model on the
    torch path), because MKL picks kernels by memory alignment, a one-member bmm runs as a
    matrix-vector product, and vectorised elementwise loops end in scalar tails."""
    monkeypatch.setenv("SEQBENCH_IMPL", impl)
    settings = {**TASKS["sine"].settings("quick"), "epochs": 3, "hidden": 6}
    cfg = CellConfig.make("sine", model, "quick", "cpu", settings)
    stacked_rec, alone_rec = run_job(Job(cfg, (0, 1, 2), "cpu")), run_job(Job(cfg, (1,), "cpu"))
    stacked, alone = stacked_rec.metrics[1], alone_rec.metrics[1]
    assert stacked["members"] == 3 and alone["members"] == 1
    exact = stacked_rec.env["impl"] == alone_rec.env["impl"] == "native"
    assert exact == (impl == "auto" and model != "mlp" and native.library() is not None)
    for name in set(stacked) - set(TIMING_FIELDS) - {"members"}:
        if exact:
            assert stacked[name] == alone[name], name
        else:
            assert stacked[name] == pytest.approx(alone[name], rel=1e-5, abs=1e-9), name


