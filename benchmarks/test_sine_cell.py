"""The sine cell end to end under the seed profile (the lecture's protocol: 40 windows, batch 8,
SGD 0.01, hidden 64, 200 epochs), 16 seeds stacked, against the lecture's own loop training one
model on the same windows. The per-model ratio is printed at the end of the run."""
import numpy as np
import pytest

from bench.run.cell import Job, run_job
from bench.run.config import CellConfig
from bench.tasks import get_task
from bench.train.lecture_loop import lecture_model, train_lecture_loop
from conftest import record

SEEDS = tuple(range(16))
KINDS = ["rnn", "mlp", "lstm", "gru"]


@pytest.mark.parametrize("kind", KINDS)
def test_sine_cell_seed_protocol(benchmark, kind):
    benchmark.group = "sine seed protocol: 16 stacked seeds, end to end"
    settings = get_task("sine").settings("seed")
    job = Job(CellConfig.make("sine", kind, "seed", "cpu", settings), SEEDS, "cpu")
    rec = benchmark.pedantic(run_job, args=(job,), rounds=3, iterations=1, warmup_rounds=0)
    assert set(rec.status.values()) == {"ok"}, rec.reason
    record(benchmark, f"cell-{kind}")


@pytest.mark.parametrize("kind", KINDS)
def test_lecture_loop_seed_protocol(benchmark, kind):
    benchmark.group = "sine seed protocol: the lecture's loop, one model"
    s = get_task("sine").settings("seed")
    data = get_task("sine").build(s, np.random.default_rng(s["data_seed"]))
    x, y = data.train.inputs(), data.train.targets

    def one_model():
        net = lecture_model(kind, 1, s["hidden"], 1, s["window"], s["layers"])
        return train_lecture_loop(net, x, y, s["epochs"], s["batch_size"], s["lr"], s["optimizer"])
    benchmark.pedantic(one_model, rounds=3, iterations=1, warmup_rounds=0)
    record(benchmark, f"lecture-{kind}")
