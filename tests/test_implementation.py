"""One function chooses how a model's arithmetic runs (models/implementation.choose_impl), every cell
records what ran, and a cell gives the same results on every implementation available here."""
import shutil

import pytest

from bench.run.cell import Job, run_job
from bench.run.config import CellConfig
from bench.tasks import TASKS
from models import native
from models.implementation import Call, choose_impl, describe

HAVE_NATIVE = shutil.which("cc") is not None


def _call(**kw) -> Call:
    """A small float32 CPU training call of a GRU (K = 2, B = 8, T = 10, F = 1, H = 16) unless told."""
    base = dict(model="gru", op="forward", shape=(2, 8, 10, 1), device="cpu", float32=True, grad=True, x_grad=False,
                hidden=16, width=48, largest=16 * 48)
    return Call(**{**base, **kw})


@pytest.mark.skipif(not HAVE_NATIVE, reason="no C compiler on this machine")
def test_the_rule():
    assert choose_impl(_call()) == "native"
    assert choose_impl(_call(op="step")) == "native"
    assert choose_impl(_call(op="step", grad=False)) == "torch"  # evaluation never takes a training step
    assert choose_impl(_call(op="run", initial_state=True)) == "torch"  # native refuses a given state
    assert choose_impl(_call(op="run", every_step=True)) == "torch"
    assert choose_impl(_call(x_grad=True)) == "torch"
    assert choose_impl(_call(float32=False)) == "torch"
    assert choose_impl(_call(model="mlp", op="forward")) == "torch"  # the MLP has only a native step
    assert choose_impl(_call(model="mlp", op="step")) == "native"
    assert choose_impl(_call(device="cuda")) == "torch"
    assert choose_impl(_call(device="cuda", hidden=128)) == choose_impl(_call(device="cuda", hidden=400)) == "fused"
    assert choose_impl(_call(device="cuda", hidden=400, model="mlp")) == "torch"
    big = 1 << 18  # weights beyond the native limit: native only for small batches
    assert choose_impl(_call(largest=big)) == "native"
    assert choose_impl(_call(largest=big, shape=(2, 128, 10, 1))) == "torch"
    assert choose_impl(_call(grad=False, shape=(2, 8192, 10, 1), width=64)) == "torch"  # no-grad state too large
    assert choose_impl(_call(grad=False)) == "native"


@pytest.mark.skipif(not HAVE_NATIVE, reason="no C compiler on this machine")
def test_the_rule_for_training_never_depends_on_the_number_of_members():
    for op in ("step", "forward", "run"):
        for shape in [(1, 128, 14, 28), (16, 128, 14, 28), (5, 8, 10, 1)]:
            picks = {choose_impl(_call(op=op, shape=(K, *shape[1:]), largest=1 << 18)) for K in (1, 3, 16)}
            assert len(picks) == 1


def test_forcing_one_implementation(monkeypatch):
    monkeypatch.setattr(native, "library", lambda: None)  # a machine without a compiler
    assert choose_impl(_call()) == "torch"
    assert choose_impl(_call(), "native") == "torch"  # native cannot serve here
    assert choose_impl(_call(), "fused") == "fused"
    assert choose_impl(_call(model="mlp"), "fused") == "torch"  # the MLP has no fused kernel
    monkeypatch.setenv("SEQBENCH_IMPL", "fused")
    assert choose_impl(_call()) == "fused"
    assert choose_impl(_call(), "torch") == "torch"  # a model's own setting wins
    with pytest.raises(ValueError, match="unknown implementation 'cudnn'; choose from auto, native, fused, torch"):
        choose_impl(_call(), "cudnn")


def test_what_a_cell_records():
    assert describe({"native"}, {"native"}) == "native"
    assert describe({"native"}, set()) == "native"
    assert describe(set(), set()) == "torch"  # a naive baseline
    assert describe({"native", "torch"}, {"torch"}) == "train native+torch, evaluate torch"


AVAILABLE = (["native"] if HAVE_NATIVE else []) + ["fused", "torch"]


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "mlp"])
def test_a_cell_runs_on_each_implementation_here_and_they_agree(model, monkeypatch):
    settings = {**TASKS["sine"].settings("quick"), "epochs": 3, "hidden": 8}
    cfg = CellConfig.make("sine", model, "quick", "cpu", settings)
    metrics = {}
    for impl in AVAILABLE:
        monkeypatch.setenv("SEQBENCH_IMPL", impl)
        rec = run_job(Job(cfg, (0, 1), "cpu"))
        assert set(rec.status.values()) == {"ok"}, rec.reason
        ran = "torch" if model == "mlp" and impl == "fused" else impl  # the MLP has no fused kernel
        if model == "mlp" and impl == "native":  # a native training step; forward passes in torch
            assert rec.env["impl"] == "train native+torch, evaluate torch"
        else:
            assert rec.env["impl"] == ran
        metrics[impl] = rec.metrics
    first = metrics[AVAILABLE[0]]
    for impl in AVAILABLE[1:]:
        for seed in (0, 1):
            for name in ("mse", "mae", "mse_clean", "closed_loop_mse", "final_train_loss"):
                assert metrics[impl][seed][name] == pytest.approx(first[seed][name], rel=1e-4), (impl, name)


def test_an_unknown_forced_implementation_is_one_line(monkeypatch, capsys, tmp_path):
    from bench.cli import main
    monkeypatch.setenv("SEQBENCH_IMPL", "cudnn")
    assert main(["run", "--task", "sine", "--model", "rnn", "--executor", "local", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err == "error: $SEQBENCH_IMPL='cudnn': unknown implementation; choose from auto, native, fused, torch\n"
    assert not (tmp_path / "o").exists()
