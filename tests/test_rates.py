"""Learning-rate selection: sweeps as stacked members, selection on validation data only, the stored
selection a plain run uses, and how the report states each model's rate."""
import json
import math
import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from bench.cli import main
from bench.run.cell import Job, run_job
from bench.run.config import CellConfig
from bench.run.grids import Entry
from bench.run.runner import plan
from bench.store import rates
from bench.tasks import TASKS
from reports.selection import select_rates

TINY = dict(epochs=3, hidden=4, batch_size=64, patience=1)
SWEEP = (0.003, 0.03)


def _config(model, lr, **kw):
    s = {**TASKS["sine"].settings("quick"), **TINY, "lr": lr, **kw}
    return CellConfig.make("sine", model, "quick", "cpu", s)


@pytest.mark.parametrize("model", ["gru", "mlp"])
def test_sweep_members_equal_lone_runs(model):
    """One stack over two rates gives each rate's cell exactly what training it alone gives."""
    a, b = _config(model, SWEEP[0]), _config(model, SWEEP[1])
    rec = run_job(Job(a, (0, 1), "cpu", siblings=(b,)))
    assert [r.cell_key for r in [rec, *rec.siblings]] == [a.key, b.key]
    assert rec.metrics[0]["members"] == 4
    for cfg, got in zip((a, b), (rec, rec.siblings[0])):
        alone = run_job(Job(cfg, (0, 1), "cpu"))
        for seed in (0, 1):
            assert got.metrics[seed]["lr"] == cfg.settings_dict["lr"]
            for name in ("mse", "closed_loop_mse", "val_score", "best_epoch", "converged"):
                assert got.metrics[seed][name] == pytest.approx(alone.metrics[seed][name], rel=1e-5), name
    assert rec.metrics[0]["val_score"] != rec.siblings[0].metrics[0]["val_score"]  # the rates really differ


def test_select_rates_on_known_numbers():
    rows = pd.DataFrame([
        # label, model, lr, seed, val_score
        ("t", "gru", 0.01, 0, 1.0), ("t", "gru", 0.01, 1, 3.0),  # mean 2
        ("t", "gru", 0.1, 0, 1.5), ("t", "gru", 0.1, 1, 1.5),  # mean 1.5: chosen
        ("t", "gru", 0.1, 2, 100.0),  # a seed the other rate lacks: not compared
        ("t", "mlp", 0.01, 0, 1.0), ("t", "mlp", 0.1, 0, float("nan")),  # diverged: loses
        ("t", "rnn", 0.01, 0, 2.0), ("t", "rnn", 0.1, 0, 2.0),  # tie: the smaller rate
    ], columns=["label", "model", "lr", "seed", "val_score"])
    sel = select_rates(rows).set_index(["model", "lr"])
    assert sel.loc[("gru", 0.1), "mean"] == 1.5 and sel.loc[("gru", 0.1), "seeds"] == 2
    chosen = {m: lr for (m, lr), c in sel.chosen.items() if c}
    assert chosen == {"gru": 0.1, "mlp": 0.01, "rnn": 0.01}
    assert math.isinf(sel.loc[("mlp", 0.1), "mean"])
    assert sel.loc[("gru", 0.1), "edge"] and not sel.loc[("gru", 0.01), "edge"]


def test_plan_sweeps_trained_models_with_validation_only():
    cells = plan((Entry("sine"), Entry("anbn")), "quick", "cpu", {}, SWEEP)
    per = pd.Series([(c.label, c.config.model) for c in cells]).value_counts()
    assert per[("sine", "gru")] == 2 and per[("sine", "mlp")] == 2
    assert per[("sine", "persistence")] == 1  # nothing to train
    assert per[("anbn", "lstm")] == 1  # no validation data: the fixed rate
    seed = plan((Entry("sine"),), "seed", "cpu", {}, SWEEP)
    assert len(seed) == len({c.config.model for c in seed})  # the lecture's protocol has no validation part
    fixed = plan((Entry("sine"),), "quick", "cpu", {"lr": 0.05})
    assert {c.config.settings_dict["lr"] for c in fixed} == {0.05}


def test_stack_rates_groups_only_rate_siblings():
    a, b, c = _config("gru", 0.003), _config("gru", 0.03), _config("lstm", 0.03)
    d = _config("gru", 0.01, hidden=5)
    jobs = rates.stack_rates([Job(x, (0, 1), "cpu") for x in (a, b, c, d)])
    assert [(j.config.key, [s.key for s in j.siblings]) for j in jobs] == \
        [(a.key, [b.key]), (c.key, []), (d.key, [])]
    split = rates.stack_rates([Job(a, (0,), "cpu"), Job(b, (0, 1), "cpu")])  # different seeds to run
    assert [len(j.siblings) for j in split] == [0, 0]


def test_stored_rate_applies_only_to_its_settings(tmp_path, monkeypatch):
    path = tmp_path / "rates.json"
    monkeypatch.setattr(rates, "RATES_FILE", path)
    settings = TASKS["sine"].settings("quick")
    sel = pd.DataFrame([("sine", "gru", 0.003, 1.0, np.nan, np.nan, 5, False, False),
                        ("sine", "gru", 0.03, 0.5, np.nan, np.nan, 5, True, True)],
                       columns=["label", "model", "lr", "mean", "lo", "hi", "seeds", "chosen", "edge"])
    assert rates.write_stored(sel, {("sine", "gru"): settings}, "quick", {"commit": "abc"}, path) == 1
    assert rates.stored_rate("quick", "sine", "gru", settings, path)["lr"] == 0.03
    assert rates.stored_rate("quick", "sine", "gru", {**settings, "lr": 1.0}, path) is not None  # lr aside
    assert rates.stored_rate("quick", "sine", "gru", {**settings, "hidden": 7}, path) is None
    assert rates.stored_rate("full", "sine", "gru", settings, path) is None
    cells = {c.config.model: c.config.settings_dict["lr"] for c in plan((Entry("sine"),), "quick", "cpu", {})}
    assert cells["gru"] == 0.03 and cells["lstm"] == settings["lr"]  # no entry for the lstm
    other = {c.config.model: c.config.settings_dict["lr"] for c in plan((Entry("sine"),), "quick", "cpu", {"hidden": 7})}
    assert other["gru"] == settings["lr"]  # selected under other settings: not used
    doc = json.loads(path.read_text())
    assert doc["profiles"]["quick"]["sine"]["gru"]["val"] == {"0.003": 1.0, "0.03": 0.5}
    control = {("sine, match_params=mlp", "gru"): {**settings, "match_params": "mlp"}}  # trains at gru's rate
    assert rates.write_stored(sel.assign(label="sine, match_params=mlp"), control, "quick", {}, path) == 0
    assert "sine, match_params=mlp" not in json.loads(path.read_text())["profiles"]["quick"]


def _noisy_test(build):
    def noisy(s, rng):
        data = build(s, rng)
        g = torch.Generator().manual_seed(99)
        data.test.targets = torch.randn(data.test.targets.shape, generator=g) * 3
        return data
    return noisy


def test_selection_ignores_the_test_targets(tmp_path, monkeypatch):
    """Replacing the test targets by noise changes the test scores, not the selected rates."""
    args = ["--task", "sine", "--lr-sweep", "0.001,0.03", "--seeds", "2", "--epochs", "4", "--hidden", "6",
            "--executor", "local", "--no-figures"]
    assert main(["run", *args, "--out", str(tmp_path / "a")]) == 0
    monkeypatch.setitem(TASKS, "sine", replace(TASKS["sine"], build=_noisy_test(TASKS["sine"].build)))
    assert main(["run", *args, "--out", str(tmp_path / "b")]) == 0
    a, b = (pd.read_csv(tmp_path / x / "results.csv") for x in "ab")
    lr_a, lr_b = (d[d.metric == "lr"].set_index(["model", "seed"]).value for d in (a, b))
    pd.testing.assert_series_equal(lr_a, lr_b)
    assert len(lr_a) == 8 and lr_a.nunique() >= 1
    mse_a, mse_b = (d[(d.metric == "mse") & (d.model == "gru")].value.to_numpy() for d in (a, b))
    assert not np.allclose(mse_a, mse_b)  # the noise did reach the test scores
    report = (tmp_path / "b" / "details.md").read_text()
    assert "selected on validation data by this run's sweep" in report


def test_rates_command_stores_a_sweep_and_a_plain_run_uses_it(tmp_path, monkeypatch, capsys):
    path = tmp_path / "rates.json"
    monkeypatch.setattr(rates, "RATES_FILE", path)
    args = ["--task", "sine", "--seeds", "2", "--epochs", "3", "--hidden", "5", "--executor", "local"]
    assert main(["run", *args, "--lr-sweep", "0.002,0.02", "--out", str(tmp_path / "sw")]) == 0
    assert (tmp_path / "sw" / "figures" / "sine_lr.png").stat().st_size > 0
    assert main(["rates", "--out", str(tmp_path / "sw")]) == 0
    out = capsys.readouterr().out
    assert "stored 4 rates for profile quick" in out
    stored = json.loads(path.read_text())["profiles"]["quick"]["sine"]
    assert set(stored) == {"mlp", "rnn", "lstm", "gru"}
    # The same settings without a sweep: each model trains at its stored rate, and says so.
    assert main(["run", *args, "--out", str(tmp_path / "plain")]) == 0
    df = pd.read_csv(tmp_path / "plain" / "results.csv")
    got = df[df.metric == "lr"].groupby("model").value.first().to_dict()
    assert got == {m: e["lr"] for m, e in stored.items()}
    report = (tmp_path / "plain" / "details.md").read_text()
    assert "selected on validation data by the stored sweep" in report
    # a sweep of two rates leaves every choice at an edge: the report names the stored ones
    assert re.search(r"at the grid's edge, so a better rate may lie beyond it: (mlp|rnn|lstm|gru)", report)
    assert (tmp_path / "plain" / "figures" / "sine_lr.png").stat().st_size > 0


def test_a_stored_rate_at_the_edge_of_its_sweep():
    val = {"0.001": 0.5, "0.01": 0.4, "0.1": 0.45}
    assert not rates.at_edge({"lr": 0.01, "val": val})
    assert rates.at_edge({"lr": 0.1, "val": val}) and rates.at_edge({"lr": 0.001, "val": val})
    assert min(rates.SWEEP) == 1e-4 and max(rates.SWEEP) == 0.1


@pytest.mark.parametrize("args,needle", [
    (["run", "--task", "sine", "--lr-sweep", "0.01"], "--lr-sweep needs at least two distinct rates"),
    (["run", "--task", "sine", "--lr-sweep", "0.01,-1"], "--lr-sweep must be in"),
    (["run", "--task", "sine", "--lr-sweep", "--lr", "0.1"], "--lr fixes the rate and --lr-sweep selects it"),
])
def test_sweep_refusals_are_one_line(args, needle, tmp_path, capsys):
    assert main(args + ["--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_rates_without_a_sweep_is_one_line(tmp_path, capsys):
    out = tmp_path / "plain"
    assert main(["run", "--task", "sine", "--model", "persistence", "--seeds", "1", "--executor", "local",
                 "--no-figures", "--out", str(out)]) == 0
    assert main(["rates", "--out", str(out)]) == 1
    assert "holds no learning-rate sweep" in capsys.readouterr().err


def test_stored_rates_match_the_current_defaults():
    """Every stored rate was selected under the settings its cell has today: a changed task default
    makes its entry stale, and this test names it (reselect as docs/fairness.md says)."""
    from bench.run.grids import GRIDS
    doc = rates.stored()
    assert doc.get("profiles", {}).get("quick"), "bench/store/rates.json holds no quick selection"
    stale = []
    for profile, labels in doc["profiles"].items():
        entries = tuple(e for g in GRIDS.values() for e in g.entries)
        planned = {(c.label, c.config.model): c.config.settings_dict for c in plan(entries, profile, "cpu", {})}
        for label, models in labels.items():
            for model, entry in models.items():
                s = planned.get((label, model))
                if s is None or rates.fingerprint(s) != entry["settings"] or s["lr"] != entry["lr"]:
                    stale.append(f"{profile} {label} {model}")
                assert entry["lr"] in [float(r) for r in entry["val"]]
    assert not stale
