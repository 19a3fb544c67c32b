"""Capacity probes: can each cell count? The legal-set protocol on aⁿbⁿ and aⁿbⁿcⁿ.

The lecture says LSTM is strictly more powerful than GRU. The evidence is on counting languages
(Gers & Schmidhuber 2001; Weiss, Goldberg & Yahav 2018): an LSTM (or a ReLU RNN) can keep an
unbounded count in its cell, a GRU or a tanh RNN saturates, so trained on small n an LSTM tends to
keep predicting correctly far past the training lengths while a GRU does not; aⁿbⁿcⁿ needs two
counters. Protocol (Gers & Schmidhuber's): after every symbol each model names the set of legal
next symbols (sigmoid outputs > 0.5); a string is accepted when every step's set is right
(sequences/formal.py). Train on every string with n <= n_train_max until every one is accepted
(or the epoch cap), then test every n <= n_test_max: max_n_accepted is the largest n with all
n' <= n accepted. A seed that never fits its training strings gives no capacity result: it is
reported as "did not fit". The MLP sees only the last `window` symbols, so no MLP can pass
window_ceiling. The next-symbol rule (argmax right at every forced symbol) is a second column.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Mapping

import numpy as np

from bench.tasks.base import Task, TaskData
from sequences.formal import LANGUAGES, alphabet_size, formal_string, window_ceiling

# epochs is the cap: a member stops as soon as it accepts every training string. aⁿbⁿcⁿ trains
# on n <= 12 in `quick` so that its strings are about as long as aⁿbⁿ's.
# rule: the protocol (legal next-symbol sets, training until fitted); a cell key names it.
_COMMON = dict(layers=2, optimizer="adam", shuffle=True, patience=None, clip=1.0, data_seed=0, window=8, lr=0.01,
               rule="legal-set")
_QUICK = dict(_COMMON, hidden=8, epochs=1000, batch_size=20)
_FULL = dict(_COMMON, n_train_max=100, n_test_max=1000, hidden=10, epochs=2000, batch_size=100)
DEFAULTS = {
    "anbn": {"quick": dict(_QUICK, n_train_max=20, n_test_max=100), "full": _FULL},
    "anbncn": {"quick": dict(_QUICK, n_train_max=12, n_test_max=60), "full": _FULL},
}
for _d in DEFAULTS.values():
    _d["seed"] = _d["quick"]  # the notebook states the claim but runs no such experiment


def build(language: str, s: Mapping, rng: np.random.Generator) -> TaskData:
    from bench.train.strings import string_set
    lo, hi = s["n_train_max"], s["n_test_max"]
    if not 1 <= lo < hi:
        raise ValueError(f"{language}: need 1 <= n_train_max < n_test_max, got {lo}, {hi}")
    train = string_set([formal_string(language, n) for n in range(1, lo + 1)])
    test = string_set([formal_string(language, n) for n in range(1, hi + 1)])
    ceiling = window_ceiling(language, s["window"], hi, "legal")
    C = alphabet_size(language)
    letters = " ".join(f"{ch}ⁿ" for ch in LANGUAGES[language])
    return TaskData(
        train=train, val=None, test=test, in_features=C, out_features=C, classification=True,
        protocol={
            "claim": "LSTM can count (its cell holds an unbounded count); GRU and tanh RNN saturate, so past "
                     "the training lengths an LSTM should keep predicting correctly and they should not "
                     "(Weiss, Goldberg & Yahav 2018; Gers & Schmidhuber 2001)",
            "data": f"S {letters} E for every n in 1..{lo} (training, one string each per epoch); test every n "
                    f"in 1..{hi}",
            "rule": "legal-set protocol (Gers & Schmidhuber 2001): after every symbol the model names the set of "
                    "symbols that may come next (one sigmoid output per symbol, > 0.5 = legal; trained by binary "
                    "cross-entropy against the legal sets), so before the first b it must say {a, b}; a string is "
                    "accepted when every step's set is exactly right",
            "metrics": f"max_n_accepted: largest n with every n' <= n accepted (capped at {hi}); "
                       f"accepted_beyond_range: share of {lo} < n <= {hi} accepted; both only for seeds that fit "
                       f"their training strings (fitted = 1): a seed that did not fit gives no capacity result. "
                       f"max_n_correct: the same by the next-symbol rule (argmax right at every forced symbol, "
                       f"the free a/b choice ignored), for every seed",
            "training": f"{s['optimizer']} lr {s['lr']} (fixed: there is no validation data to select a rate on; "
                        f"every n <= {lo} is a training string, and choosing on longer ones would peek at the "
                        f"test), batches of {s['batch_size']} strings, gradient norm clipped to {s['clip']} per "
                        f"member; each member trains until it accepts every training string (those parameters "
                        f"are kept) or for at most {s['epochs']} epochs (then its best epoch's are kept)",
            "models": f"rnn/lstm/gru (hidden {s['hidden']}) read the whole prefix; the MLP sees the last "
                      f"{s['window']} symbols one-hot, so no window predictor can accept every n <= N for "
                      f"N > {ceiling} (exact, by enumeration): it cannot fit n <= {lo}",
        },
        arrays={"n": np.arange(1, hi + 1), "n_train_max": np.array([lo]), "window_ceiling": np.array([ceiling])},
    )


def train(model, data: TaskData, seeds: list[int], cfg, s: Mapping):
    from bench.train.strings import train_strings
    return train_strings(model, data.train, seeds, cfg, s["window"])


FITTED_ONLY = ("max_n_accepted", "accepted_beyond_range")  # NaN for a seed that did not fit


def string_metrics(accepted: np.ndarray, correct: np.ndarray, n_train_max: int) -> dict[str, np.ndarray]:
    """accepted and correct (K, N) for the strings n = 1..N (legal-set and next-symbol rule) ->
    fitted, max_n_accepted, accepted_beyond_range (NaN for a seed that did not fit), max_n_correct (K,)."""
    K, N = accepted.shape
    inside = np.arange(1, N + 1) <= n_train_max
    fitted = accepted[:, inside].all(1)

    def max_n(ok: np.ndarray) -> np.ndarray:  # index of the first wrong = n of the last right
        return np.where(ok.all(1), N, np.argmin(ok, 1)).astype(float)
    capacity = {"max_n_accepted": max_n(accepted), "accepted_beyond_range": accepted[:, ~inside].mean(1)}
    return {"fitted": fitted.astype(float), **{k: np.where(fitted, capacity[k], np.nan) for k in FITTED_ONLY},
            "max_n_correct": max_n(correct)}


def evaluate(model, data: TaskData, s: Mapping):
    from bench.train.strings import score_strings
    r = score_strings(model, data.test, s["window"])
    det = np.maximum(r["det_total"], 1)
    return string_metrics(r["accepted"], r["correct"], s["n_train_max"]), {
        "accepted_by_n": r["accepted"].astype(np.uint8),  # (K, N)
        "correct_by_n": r["correct"].astype(np.uint8),  # (K, N)
        "symbol_acc_by_n": (r["det_hits"] / det).astype(np.float32),  # (K, N) over deterministic targets
        "pointwise_loss": r["loss"]}  # (K, N) set loss (binary cross-entropy, nats) per string


def figures(stem: str, by_model: dict, cell: dict, outdir: Path, lang: str = "en",
            settings: Mapping | None = None) -> list[Path]:
    from reports.capacity import plot_accuracy_by_n
    from reports.messages import text
    have = {m: seeds for m, seeds in by_model.items() if seeds and all("accepted_by_n" in a for a in seeds.values())}
    if not have or "n" not in cell:
        return []
    lo, N = int(cell["n_train_max"][0]), len(cell["n"])
    accepted, correct = {}, {}
    for m, seeds in have.items():
        fits = [a["accepted_by_n"] for _, a in sorted(seeds.items()) if a["accepted_by_n"][:lo].all()]
        accepted[m] = np.array(fits, dtype=float).reshape(len(fits), N)  # the seeds that fit only
        correct[m] = np.stack([a["correct_by_n"] for _, a in sorted(seeds.items())])
    return plot_accuracy_by_n(cell["n"], accepted, {m: len(seeds) for m, seeds in have.items()}, correct, lo,
                              outdir / f"{stem}_by_n", title=text(lang, "fig.accepted_title", label=stem), lang=lang)


def _span(v) -> str:
    return f"{v.mean():.3g} [{v.min():g}–{v.max():g}]"


def section(tidy, settings: dict, arrays=None, lang: str = "en") -> str:
    """Per label and model: how many seeds fit their training strings, and for those the largest n
    accepted (mean [min–max]); the next-symbol rule's max n over every seed beside it. arrays (the
    store's loader, see base.SectionText) is not needed here; the words are in lang."""
    from reports.messages import text
    rows = [text(lang, "formal.header"), "|---|---|---|---|---|---|"]
    for label in settings:
        for model in dict.fromkeys(tidy[tidy.task == label].model):
            r = tidy[(tidy.task == label) & (tidy.model == model)]
            fit, acc, beyond, nxt = (r[r.metric == m].value for m in
                                     ("fitted", "max_n_accepted", "accepted_beyond_range", "max_n_correct"))
            if not len(fit):
                continue
            ok = int(fit.sum())
            rows.append(f"| {label} | {model} | {text(lang, 'formal.fit', ok=ok, n=len(fit))} | "
                        + (f"{_span(acc)} | {beyond.mean():.3g} | " if ok else f"{text(lang, 'formal.did_not_fit')} | – | ")
                        + (f"{_span(nxt)} |" if len(nxt) else "– |"))
    return "\n## " + text(lang, "formal.title") + "\n\n" + "\n".join(rows) + "\n" if len(rows) > 2 else ""


def _task(language: str, letters: str) -> Task:
    return Task(name=language, kind="classification",
                description=f"counting language {letters}: train small n to a fit, test far past it (max_n_accepted)",
                defaults=DEFAULTS[language], build=partial(build, language), evaluate=evaluate, figures=figures,
                train=train, section=section, models=("mlp", "rnn", "lstm", "gru"), val_setting=None)


ANBN = _task("anbn", "aⁿbⁿ")
ANBNCN = _task("anbncn", "aⁿbⁿcⁿ")
