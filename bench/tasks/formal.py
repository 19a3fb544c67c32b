"""Capacity probes: can each cell count? Next-symbol prediction on aⁿbⁿ and aⁿbⁿcⁿ.

The lecture says LSTM is strictly more powerful than GRU. The evidence is on counting languages
(Gers & Schmidhuber 2001; Weiss, Goldberg & Yahav 2018): an LSTM (or a ReLU RNN) can keep an
unbounded count in its cell, a GRU or a tanh RNN saturates, so trained on small n an LSTM tends to
keep predicting correctly far past the training lengths while a GRU does not; aⁿbⁿcⁿ needs two
counters. Protocol: train on every string with n <= n_train_max (next-symbol cross-entropy at
every step), then test every n <= n_test_max. A string is correct when every deterministic next
symbol is the argmax prediction (sequences/formal.py); max_n_correct is the largest n with all
n' <= n correct. The MLP sees only the last `window` symbols, so no MLP can pass window_ceiling.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Mapping

import numpy as np

from bench.strings import score_strings, string_set, train_strings
from bench.tasks.base import Task, TaskData
from sequences.formal import LANGUAGES, alphabet_size, formal_string, window_ceiling

# Budget: 1000 full-batch Adam steps fit every training string for every LSTM and GRU seed on
# aⁿbⁿ (n <= 20) in trials; aⁿbⁿcⁿ trains on n <= 12 in `quick` so that its strings are as long.
_COMMON = dict(layers=2, optimizer="adam", shuffle=True, patience=None, clip=1.0, data_seed=0, window=8, lr=0.01)
_QUICK = dict(_COMMON, hidden=8, epochs=1000, batch_size=20)
_FULL = dict(_COMMON, n_train_max=100, n_test_max=1000, hidden=10, epochs=2000, batch_size=100)
DEFAULTS = {
    "anbn": {"quick": dict(_QUICK, n_train_max=20, n_test_max=100), "full": _FULL},
    "anbncn": {"quick": dict(_QUICK, n_train_max=12, n_test_max=60), "full": _FULL},
}
for _d in DEFAULTS.values():
    _d["seed"] = _d["quick"]  # the notebook states the claim but runs no such experiment


def build(language: str, s: Mapping, rng: np.random.Generator) -> TaskData:
    lo, hi = s["n_train_max"], s["n_test_max"]
    if not 1 <= lo < hi:
        raise ValueError(f"{language}: need 1 <= n_train_max < n_test_max, got {lo}, {hi}")
    train = string_set([formal_string(language, n) for n in range(1, lo + 1)])
    test = string_set([formal_string(language, n) for n in range(1, hi + 1)])
    ceiling = window_ceiling(language, s["window"], hi)
    C = alphabet_size(language)
    letters = " ".join(f"{ch}ⁿ" for ch in LANGUAGES[language])
    return TaskData(
        train=train, val=None, test=test, in_features=C, out_features=C, classification=True,
        protocol={
            "claim": "LSTM can count (its cell holds an unbounded count); GRU and tanh RNN saturate, so past "
                     "the training lengths an LSTM should keep predicting correctly and they should not "
                     "(Weiss, Goldberg & Yahav 2018; Gers & Schmidhuber 2001)",
            "data": f"S {letters} E for every n in 1..{lo} (training, one string each per epoch, "
                    f"cross-entropy at every step); test every n in 1..{hi}",
            "rule": "a string is correct when every deterministic next symbol (after S, and from the first b "
                    "on, end symbol included) is the argmax prediction; the a/b choice before it is free",
            "metrics": f"max_n_correct: largest n with every n' <= n correct (capped at {hi}); acc_in_range: "
                       f"share of n <= {lo} correct (these are the training strings: one string per n); "
                       f"acc_beyond_range: share of {lo} < n <= {hi}",
            "training": f"{s['optimizer']} lr {s['lr']}, {s['epochs']} epochs of batches of {s['batch_size']} "
                        f"strings, gradient norm clipped to {s['clip']} per member, last parameters kept (no "
                        f"validation: every n <= {lo} is a training string, and choosing on longer ones would "
                        f"peek at the test); a seed with acc_in_range < 1 did not fit its training strings",
            "models": f"rnn/lstm/gru (hidden {s['hidden']}) read the whole prefix; the MLP sees the last "
                      f"{s['window']} symbols one-hot, so no window predictor can get every n <= N right for "
                      f"N > {ceiling} (exact, by enumeration)",
        },
        arrays={"n": np.arange(1, hi + 1), "n_train_max": np.array([lo]), "window_ceiling": np.array([ceiling])},
    )


def train(model, data: TaskData, seeds: list[int], cfg, s: Mapping):
    return train_strings(model, data.train, seeds, cfg, s["window"])


def string_metrics(correct: np.ndarray, n_train_max: int) -> dict[str, np.ndarray]:
    """correct (K, N) for the strings n = 1..N -> max_n_correct, acc_in_range, acc_beyond_range (K,)."""
    K, N = correct.shape
    inside = np.arange(1, N + 1) <= n_train_max
    max_n = np.where(correct.all(1), N, np.argmin(correct, 1))  # index of the first wrong = n of the last right
    return {"max_n_correct": max_n.astype(float), "acc_in_range": correct[:, inside].mean(1),
            "acc_beyond_range": correct[:, ~inside].mean(1)}


def evaluate(model, data: TaskData, s: Mapping):
    r = score_strings(model, data.test, s["window"])
    det = np.maximum(r["det_total"], 1)
    return string_metrics(r["correct"], s["n_train_max"]), {
        "correct_by_n": r["correct"].astype(np.uint8),  # (K, N)
        "symbol_acc_by_n": (r["det_hits"] / det).astype(np.float32),  # (K, N) over deterministic targets
        "pointwise_loss": r["nll"] / det}  # (K, N) mean NLL (nats) per string over deterministic targets


def figures(stem: str, by_model: dict, cell: dict, outdir: Path) -> list[Path]:
    from reports.capacity import plot_accuracy_by_n
    have = {m: seeds for m, seeds in by_model.items() if seeds and all("correct_by_n" in a for a in seeds.values())}
    if not have or "n" not in cell:
        return []
    correct = {m: np.stack([seeds[k]["correct_by_n"] for k in sorted(seeds)]) for m, seeds in have.items()}
    acc = {m: np.stack([seeds[k]["symbol_acc_by_n"] for k in sorted(seeds)]) for m, seeds in have.items()}
    return plot_accuracy_by_n(cell["n"], correct, acc, int(cell["n_train_max"][0]), outdir / f"{stem}_by_n",
                              title=f"{stem}: strings predicted correctly against n (training range shaded)")


def _task(language: str, letters: str) -> Task:
    return Task(name=language, kind="classification",
                description=f"counting language {letters}: train small n, test far past it (max_n_correct)",
                defaults=DEFAULTS[language], build=partial(build, language), evaluate=evaluate, figures=figures,
                train=train, models=("mlp", "rnn", "lstm", "gru"))


ANBN = _task("anbn", "aⁿbⁿ")
ANBNCN = _task("anbncn", "aⁿbⁿcⁿ")
