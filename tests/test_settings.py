"""A cell's settings are parsed once, when it is planned, into frozen objects that check their values."""
from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from bench.cli import main
from bench.run.config import CellConfig, ModelSize
from bench.run.grids import Entry
from bench.run.runner import plan
from bench.tasks import TASKS
from bench.train.settings import Stateful, TrainSettings


def test_the_training_loop_and_the_model_read_what_the_settings_say():
    (cell,) = plan((Entry("sine", ("gru",)),), "quick", "cpu", {"epochs": 7, "hidden": 5, "lr": 0.02})
    c = cell.config
    s = c.settings_dict
    assert c.training == TrainSettings(epochs=7, lr=0.02, batch_size=s["batch_size"], optimizer=s["optimizer"],
                                       shuffle=s["shuffle"], patience=s["patience"], clip=s["clip"],
                                       min_delta=s.get("min_delta", 0.0))
    assert c.size == ModelSize(window=s["window"], hidden=5, layers=s["layers"])
    assert c.stateful is None and c.data_seed == s["data_seed"]
    with pytest.raises(FrozenInstanceError):
        c.training.epochs = 8


@pytest.mark.parametrize("bad, message", [({"epochs": 0}, "epochs must be an integer >= 1"),
                                          ({"batch_size": 2.5}, "batch_size must be an integer"),
                                          ({"lr": float("nan")}, "lr must be a finite number"),
                                          ({"patience": -1}, "patience must be an integer >= 0"),
                                          ({"clip": 0.0}, "clip must be positive")])
def test_a_bad_value_is_refused_when_the_cell_is_made(bad, message):
    with pytest.raises(ValueError, match=message):
        CellConfig.make("sine", "gru", "quick", "cpu", {**TASKS["sine"].settings("quick"), **bad})


def test_a_stateful_cell_needs_its_regime_and_checks_it():
    settings = TASKS["sine"].settings("quick")
    with pytest.raises(ValueError, match="lack 'bptt'"):
        CellConfig.make("sine", "gru-stateful", "quick", "cpu", settings)
    with pytest.raises(ValueError, match="streams must be an integer >= 1"):
        CellConfig.make("sine", "gru-stateful", "quick", "cpu", {**settings, "bptt": 4, "streams": 0})
    assert CellConfig.make("sine", "gru-stateful", "quick", "cpu",
                           {**settings, "bptt": 4, "streams": 2}).stateful == Stateful(bptt=4, streams=2)


def test_a_bad_profile_value_is_one_line_before_anything_trains(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(TASKS["sine"].defaults, "quick", {**TASKS["sine"].defaults["quick"], "batch_size": 0})
    assert main(["run", "--task", "sine", "--model", "gru", "--seeds", "1", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "task sine, model gru (profile quick): batch_size must be an integer >= 1, got 0" in err
    assert not (tmp_path / "o").exists()


def test_only_the_cell_config_reads_settings_by_name():
    """`settings["bptt"]` and the like appear in one module: the one that parses them."""
    import ast
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    readers = set()
    for p in (root / "bench").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text())):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "settings"
                    and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
                readers.add(p.relative_to(root).as_posix())
    assert readers == {"bench/run/config.py"}


def test_a_stock_cell_trades_as_its_settings_say_and_a_bad_trade_is_refused():
    from bench.tasks.stock import TASK as STOCK, Trading
    s = {**STOCK.settings("quick"), "fee": 0.002, "strategy": "long-short", "fee_sweep": "0,0.01"}
    assert Trading.of(s) == Trading(strategy="long-short", fee=0.002, sweep=(0.0, 0.01))
    with pytest.raises(ValueError, match="unknown strategy 'short-only'"):
        Trading("short-only", 0.001)
    with pytest.raises(ValueError, match=r"a fee of the sweep must be in \[0, "):
        Trading("long-flat", 0.001, (0.0, 2.0))
    with pytest.raises(ValueError, match="fee_sweep must be comma-separated fees, got '0;1'"):
        Trading.of({**s, "fee_sweep": "0;1"})
