"""Every model on every fixed task at tiny size, through the same path as the CLI."""
import math

import numpy as np
import pytest

from bench.metrics import FIELDS
from bench.run.cell import Job, run_job
from bench.run.config import CellConfig, regime_settings
from bench.tasks import TASKS
from bench.tasks.formal import FITTED_ONLY
from models import MODELS

TINY = dict(epochs=2, hidden=4, batch_size=64)
SMALL_DATA = dict(n_train=64, n_val=16, n_test=32)  # image tasks: a few images; tasks without these keys ignore them
SCORES = {f.name for f in FIELDS if f.better and not f.timing} - {"final_train_loss"}
OFFLINE = {"fashion-mnist": "Fashion-MNIST is not available here"}  # task -> its skip reason


def _cases():
    for t in TASKS.values():
        for m in t.models:
            yield t.name, m


@pytest.mark.parametrize("task,model", list(_cases()))
def test_every_model_runs(task, model):
    """Every seed's row is ok with every metric finite (a test score among them); only a
    task whose data cannot be had offline (conftest) is skipped, and it says why."""
    base = TASKS[task].settings("quick")
    settings = {**base, **TINY, **{k: v for k, v in SMALL_DATA.items() if k in base}, **regime_settings(MODELS[model].regime)}
    rec = run_job(Job(CellConfig.make(task, model, "quick", "cpu", settings), (0, 1), "cpu"))
    if task in OFFLINE:
        assert set(rec.status.values()) == {"skipped"} and OFFLINE[task] in rec.reason[0], rec.reason
        return
    assert set(rec.status.values()) == {"ok"}, rec.reason
    for seed in (0, 1):
        row = rec.metrics[seed]
        assert row["members"] == 2
        assert row["params"] >= (1 if MODELS[model].trainable else 0)
        assert SCORES & row.keys(), row  # at least one test score, beside the descriptive fields
        # a capacity probe's seed that did not fit its training strings gives no capacity result
        unfit = FITTED_ONLY if row.get("fitted") == 0 else ()
        assert all(math.isfinite(v) or (k in unfit and math.isnan(v)) for k, v in row.items()), row


def test_sine_seed_profile_is_the_lecture():
    s = TASKS["sine"].settings("seed")
    assert (s["n_points"], s["window"], s["hidden"], s["optimizer"], s["lr"], s["batch_size"], s["epochs"]) == \
        (50, 10, 64, "sgd", 0.01, 8, 200)
    assert s["noise_std"] == 0.3
    data = TASKS["sine"].build(s, np.random.default_rng(0))
    assert len(data.train) == 40 and len(data.test) == 40  # n_sample = 50 - 10, no held-out part
    assert "mse" not in data.floors  # in-sample: the noise floor does not bind
    quick = TASKS["sine"].build(TASKS["sine"].settings("quick"), np.random.default_rng(0))
    assert quick.floors["mse"] == pytest.approx(0.09)
