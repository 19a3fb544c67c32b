"""Assignment 2 tasks: names, floors, splits, one-line errors, a tiny run of every family, the grid."""
import math

import numpy as np
import pandas as pd
import pytest

from bench.cli import main
from bench.run.cell import Job, run_job
from bench.run.config import CellConfig, regime_settings
from bench.run.grids import CAPACITY_CONTROL, GRIDS
from bench.tasks import FAMILIES, get_task
from models import MODELS
from reports.figures import figure_formats
from reports.window_study import plot_metric_vs_window, window_table
from sequences.contexts import minimal_window

EXAMPLES = ["uniform", "uniform-digits", "pi"] + [name for _, examples in FAMILIES.values() for name in examples]
TINY = dict(epochs=1, hidden=4, batch_size=256, n_points=600)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path / "cache"))


def _cases():
    for name in EXAMPLES:
        for m in get_task(name).models:
            if m in ("mlp", "gru", "gru-stateful", "persistence", "mean", "chance"):
                yield name, m


@pytest.mark.parametrize("task,model", list(_cases()))
def test_every_family_runs_tiny(task, model):
    t = get_task(task)
    settings = {**t.settings("quick"), **TINY, "window": 3, **regime_settings(MODELS[model].regime)}
    rec = run_job(Job(CellConfig.make(task, model, "quick", "cpu", settings), (0, 1), "cpu"))
    assert set(rec.status.values()) == {"ok"}, rec.reason
    row = rec.metrics[0]
    main_metrics = ("accuracy", "cross_entropy") if t.kind == "classification" else ("mse", "mse_vs_persistence")
    assert all(math.isfinite(row[k]) for k in main_metrics)
    assert set(main_metrics[:1]) <= set(rec.floors)
    S = len(rec.arrays[(-1, "test_true")])
    assert rec.arrays[(0, "pointwise_loss")].shape == (S,) == rec.arrays[(-1, "persistence_loss")].shape
    if t.kind == "classification":  # the stored per-point NLL averages to the metric
        assert rec.arrays[(0, "pointwise_loss")].mean() == pytest.approx(row["cross_entropy"], rel=1e-5)
        if (-1, "minimal_window") in rec.arrays:  # periodic: the floor is a strict bound on this test set
            assert 0 <= row["accuracy"] <= rec.floors["accuracy"] + 1e-12


def test_digit_tasks_are_ten_class_one_hot_and_split_without_overlap():
    t = get_task("concat-1_7-1_17-3x2")
    s = {**t.settings("quick"), "window": 5}
    data = t.build(s, np.random.default_rng(0))
    assert data.classification and data.in_features == 10 == data.out_features
    x = data.train.inputs(np.arange(4))
    assert x.shape == (4, 5, 10) and np.all(x.sum(-1).numpy() == 1)
    last_train_target = int(data.train.start.max()) + 5
    assert last_train_target < int(data.val.start.min())
    assert int(data.val.start.max()) + 5 < int(data.test.start.min())


def test_floors():
    s = get_task("pi").settings("quick")
    pi = get_task("pi").build({**s, "n_points": 500}, np.random.default_rng(0))
    assert pi.floors == {"accuracy": 0.1, "cross_entropy": pytest.approx(math.log(10))}
    u = get_task("uniform").build({**get_task("uniform").settings("quick"), "n_points": 500},
                                  np.random.default_rng(0))
    assert u.floors["mse"] == pytest.approx(1 / 12) and u.floors["mse_vs_persistence"] == 0.5
    # 1/17 has minimal window 2: window 1 cannot be always right, window 2 can.
    t = get_task("repeating-1_17")
    below = t.build({**t.settings("quick"), "window": 1}, np.random.default_rng(0))
    at = t.build({**t.settings("quick"), "window": 2}, np.random.default_rng(0))
    assert 0.5 < below.floors["accuracy"] < 0.7 and below.floors["cross_entropy"] > 0.3
    assert at.floors == {"accuracy": 1.0, "cross_entropy": 0.0}
    assert "minimal window" in at.protocol and at.arrays["minimal_window"].tolist() == [2]


@pytest.mark.parametrize("name,needle", [
    ("repeating-1_10", "q=10 is not coprime to 10"),
    ("repeating-3_25", "q=25 is not coprime to 10"),
    ("repeating-0_7", "p must be >= 1"),
    ("repeating-1-7", "expected repeating-P_Q"),
    ("concat-1_7-1_17-0x2", "block length m must be >= 1"),
    ("concat-1_7-1_17-3x0", "block length n must be >= 1"),
    ("concat-1_7-1_4-3x2", "q=4 is not coprime to 10"),
    ("concat-1_7-1_17", "expected concat-P_Q-P_Q-MxN"),
    ("summed-1_7", "expected summed-P_Q-P_Q"),
    ("sumsine-0-17", "period p1 must be >= 3"),
    ("repeating-1_999983", "too long"),
])
def test_bad_parameters_are_one_line_exit_1(name, needle, capsys, tmp_path):
    assert main(["run", "--task", name, "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: task {name!r}: ") and needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "results.sqlite").exists()


def test_grid_has_windows_below_and_above_each_minimal_window():
    """Per family, windows below and above the minimal window; and one m:n task whose minimal
    window exceeds every window of the grid (only a model that reads the whole past can be exact)."""
    entries = [e for e in GRIDS["assignment2"].entries if e not in CAPACITY_CONTROL]
    assert {"mlp", "rnn", "lstm", "gru", "gru-stateful"} <= set(get_task(entries[0].task).models)
    kinds = {get_task(e.task).kind for e in entries}
    assert kinds == {"classification", "regression"}
    largest = max(v["window"] for e in entries for v in e.variants)
    spans, beyond = {}, []
    for e in entries:
        windows = sorted(v["window"] for v in e.variants)
        t = get_task(e.task)
        assert len(windows) >= 2 or e.task in ("uniform", "pi"), e.task  # no period: one window shows it
        s = t.settings("quick")
        data = t.build({**s, "window": windows[0]}, np.random.default_rng(0))
        if "minimal_window" in data.arrays and t.kind == "classification":
            k = int(data.arrays["minimal_window"][0])
            family = e.task.split("-")[0]
            spans[family] = spans.get(family, False) or (windows[-1] >= k and (k <= 1 or windows[0] < k))
            if k > largest:
                beyond.append(e.task)
    assert spans == {"repeating": True, "concat": True, "summed": True}
    assert any(t.startswith("concat") for t in beyond), beyond
    # the sequences are those of the assignment: no period, repeating, m:n concatenated, summed
    prefixes = {e.task.split("-")[0] for e in entries}
    assert {"uniform", "pi", "repeating", "concat", "summed", "sumsine"} <= prefixes
    assert all(e in GRIDS["all"].entries for e in GRIDS["assignment2"].entries)  # the controls included


def test_grid_baselines_write_the_window_study(tmp_path):
    out = tmp_path / "a2"
    assert main(["run", "--grid", "assignment2", "--model", "persistence", "--seeds", "1", "--executor", "local",
                 "--out", str(out), "--no-figures"]) == 0
    table = (out / "window_study.md").read_text()
    concat = [line.split("|")[1:-1] for line in table.splitlines() if line.startswith("| concat-1_7-1_17-3x2")]
    # window, minimal window 4, best possible below it (< 1) and at/above it (= 1)
    assert [(c[1].strip(), c[2].strip()) for c in concat] == [("2", "4"), ("8", "4")]
    assert float(concat[0][3]) < 1 and float(concat[1][3]) == 1


def test_window_table_and_figure(tmp_path):
    rows = []
    for w, bound in ((1, 0.6), (4, 1.0)):
        for m, base in (("mlp", 0.0), ("gru", 0.01)):
            for seed in range(3):
                rows.append(dict(task="repeating-1_17", window=w, model=m, seed=seed,
                                 value=bound - base * seed, bound=bound, minimal_window=2.0))
    frame = pd.DataFrame(rows)
    header, table = window_table(frame, ["mlp", "rnn", "gru"])
    assert header == ["task", "window", "minimal window", "best possible", "mlp", "gru"]
    assert table[0][:5] == ["repeating-1_17", "1", "2", "0.6", "0.6"] and table[0][5].startswith("0.59 ± ")
    paths = plot_metric_vs_window(frame, "test accuracy", tmp_path / "w", "t", ["mlp", "gru"], faint=("gru",))
    assert [p.suffix for p in paths] == [".png"] and paths[0].stat().st_size > 0
    with figure_formats(("png", "pdf")):
        paths = plot_metric_vs_window(frame, "test accuracy", tmp_path / "v", "t", ["mlp", "gru"])
    assert [p.suffix for p in paths] == [".png", ".pdf"] and all(p.stat().st_size > 0 for p in paths)


def test_models_of_digit_tasks_include_the_naive_baselines():
    t = get_task("repeating-1_7")
    assert {"chance", "persistence", "mean"} <= set(t.models) and all(m in MODELS for m in t.models)
    assert minimal_window(np.array([1, 4, 2, 8, 5, 7])) == 1


def test_grid_runs_the_assignments_pair_and_the_rest_on_request():
    """The default grid trains mlp, gru and gru-stateful (and the baselines); --model brings back a
    model the grid leaves out, at every window of every sequence."""
    from bench.run.runner import cells_for, plan
    grid = GRIDS["assignment2"]
    trained = {c.config.model for c in plan(cells_for(grid, None, None), "quick", "cpu", {})
               if c.config.model not in ("chance", "persistence", "mean")}
    assert trained == {"mlp", "gru", "gru-stateful"}
    asked = plan(cells_for(grid, None, "lstm-stateful"), "quick", "cpu", {})
    assert {c.config.model for c in asked} == {"lstm-stateful"}
    assert len(asked) == sum(len(e.variants) for e in grid.entries if e not in CAPACITY_CONTROL)
