"""Equal parameter budgets (--match-params) and budgets that converge (early stopping with a cap,
flagged in the report when the cap came first)."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from bench.cli import main
from bench.run.grids import CAPACITY_CELLS, GRIDS
from bench.run.matching import TOLERANCE, matched_hidden, parameter_count
from bench.run.runner import plan
from bench.train.loop import fit_members
from bench.train.settings import TrainSettings
from models import BuildArgs, MODELS


@pytest.mark.parametrize("shape", [(1, 1, 10, 32, 2), (28, 28, 14, 64, 2), (10, 10, 8, 24, 2), (1, 1, 6, 32, 2)])
@pytest.mark.parametrize("model", ["mlp", "rnn", "lstm", "gru"])
def test_matched_sizes_are_within_tolerance_of_the_gru(model, shape):
    F, out, T, H, L = shape
    h = matched_hidden(model, F, out, T, H, L)
    built = sum(p.numel() for p in MODELS[model].build(BuildArgs((0,), F, out, T, h, L)).parameters())
    gru = sum(p.numel() for p in MODELS["gru"].build(BuildArgs((0,), F, out, T, H, L)).parameters())
    assert built == parameter_count(model, T, h, L, F, out)
    assert abs(built - gru) <= TOLERANCE * gru
    # No other size is nearer: one step either way is at least as far off.
    for other in (h - 1, h + 1):
        if other >= 1:
            assert abs(parameter_count(model, T, other, L, F, out) - gru) >= abs(built - gru)


def test_unmatchable_size_is_refused():
    with pytest.raises(ValueError, match="no hidden size gives lstm within 5% of the gru's 372 parameters"):
        matched_hidden("lstm", 4, 4, 8, 8, 2)  # the formal tasks' sizes: hidden 6 or 7 is 15 % or 6.5 % off


def test_match_params_on_sine(tmp_path):
    out = tmp_path / "m"
    assert main(["run", "--task", "sine", "--match-params", "--epochs", "2", "--seeds", "1", "--executor", "local",
                 "--no-figures", "--out", str(out)]) == 0
    df = pd.read_csv(out / "results.csv")
    params = df[df.metric == "params"].set_index("model").value
    gru = params["gru"]
    for m in ("mlp", "rnn", "lstm"):
        assert abs(params[m] - gru) <= 0.05 * gru, m
    hidden = df[df.metric == "hidden"].set_index("model").value
    assert hidden["gru"] == 32 and hidden["rnn"] > 32 and hidden["lstm"] < 32
    assert "| hidden" in (out / "results.md").read_text().replace("|   hidden", "| hidden")


def test_capacity_control_resizes_one_model_to_the_others_count():
    """The grid's capacity control: the stateful GRU at the MLP's parameter count and the MLP at the
    stateful GRU's, each at the learning rate stored for the model at its own size."""
    cells = {(c.label, c.config.model): c.config.settings_dict
             for c in plan(GRIDS["assignment2"].entries, "quick", "cpu", {})}
    for task, w in CAPACITY_CELLS:
        base = f"{task} (window={w})"
        small = cells[(f"{task} (window={w}, match_params=mlp)", "gru-stateful")]
        big = cells[(f"{task} (window={w}, match_params=gru-stateful)", "mlp")]
        assert small["match_hidden"] == cells[(base, "mlp")]["hidden"]
        assert small["lr"] == cells[(base, "gru-stateful")]["lr"]
        assert big["match_hidden"] == cells[(base, "gru-stateful")]["hidden"]
        assert big["lr"] == cells[(base, "mlp")]["lr"]
    # sumsine at window 2: 697 MLP parameters, 12,929 for the stateful GRU at hidden 64
    assert parameter_count("mlp", 2, 24, 2) == 697 and parameter_count("gru-stateful", 2, 64, 2) == 12929
    h = matched_hidden("gru-stateful", 1, 1, 2, 24, 2, reference="mlp")
    assert abs(parameter_count("gru-stateful", 2, h, 2) - 697) <= TOLERANCE * 697 and h < 24
    h = matched_hidden("mlp", 1, 1, 2, 64, 2, reference="gru-stateful")
    assert abs(parameter_count("mlp", 2, h, 2) - 12929) <= TOLERANCE * 12929 and h > 64


class _Scripted(torch.nn.Module):
    """One parameter per member; the validation score follows a script, whatever the training does."""

    def __init__(self, K):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(K, 1))


def _run(scores, cfg):
    model = _Scripted(scores.shape[1])
    it = iter(scores)
    return fit_members(model, 4, lambda idx: (model.w[:, 0] ** 2) * 0 + model.w[:, 0], lambda: torch.tensor(next(it)),
                       list(range(scores.shape[1])), cfg)


def test_min_delta_stops_a_score_that_falls_by_ever_smaller_steps():
    # member 0: 1, 0.5, then gains of 1e-4 per epoch for ever; member 1: gains of 0.02 per epoch.
    e = np.arange(30)
    scores = np.stack([np.where(e == 0, 1.0, 0.5 - 1e-4 * np.maximum(e - 1, 0)), 1 - 0.02 * e], 1)
    cfg = TrainSettings(epochs=30, lr=0.0, batch_size=4, patience=2, min_delta=0.01)
    log = _run(scores, cfg)
    assert log.epochs.tolist() == [5, 30]  # member 0: no gain above 0.01 after epoch 1, patience 2
    assert log.converged.tolist() == [1.0, 0.0]  # member 1 was still falling at the cap
    assert log.best_epoch.tolist() == [4, 29]  # the kept epoch is still the lowest score seen
    plain = _run(scores, TrainSettings(epochs=30, lr=0.0, batch_size=4, patience=2))
    assert plain.epochs.tolist() == [30, 30]  # without min_delta every tiny gain resets the patience


def test_fixed_budget_has_no_convergence_verdict():
    log = _run(np.ones((3, 2)), TrainSettings(epochs=3, lr=0.0, batch_size=4))
    assert np.isnan(log.converged).all()


def test_report_flags_cells_still_improving_at_the_cap(tmp_path):
    out = tmp_path / "cap"
    assert main(["run", "--task", "sine", "--model", "gru", "--epochs", "2", "--seeds", "2", "--executor", "local",
                 "--no-figures", "--out", str(out)]) == 0
    md = (out / "results.md").read_text()
    assert "not converged: gru, 2 of 2 seeds (0, 1): the validation score was still falling at the cap of 2 " \
           "epochs" in md
    df = pd.read_csv(out / "results.csv")
    assert df[df.metric == "converged"].value.tolist() == [0.0, 0.0]


def test_a_capacity_control_at_tiny_sizes_takes_the_nearest_count():
    with pytest.raises(ValueError, match="no hidden size gives gru-stateful within 5%"):
        matched_hidden("gru-stateful", 1, 1, 2, 4, 2, reference="mlp")
    h = matched_hidden("gru-stateful", 1, 1, 2, 4, 2, reference="mlp", strict=False)
    target = parameter_count("mlp", 2, 4, 2)
    assert all(abs(parameter_count("gru-stateful", 2, h, 2) - target) <= abs(parameter_count("gru-stateful", 2, o, 2)
                                                                               - target) for o in (h - 1, h + 1) if o)
