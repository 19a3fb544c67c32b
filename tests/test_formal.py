"""Counting languages: generators, the deterministic-target rule on hand-made strings, the string
batches and many-to-many outputs, stacked training, and a tiny `--grid formal` run."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import torch

from bench.cli import main
from bench.tasks.formal import string_metrics
from bench.train.settings import TrainSettings
from bench.train.strings import FIT_CHECK, score_strings, step_outputs, string_set, train_strings
from models import BuildArgs, MODELS
from sequences import SequenceError
from sequences.formal import (SYMBOLS, decode, deterministic_targets, encode, formal_string, strings_accepted,
                              strings_correct, window_ceiling)


@pytest.mark.parametrize("language,n,text", [("anbn", 1, "SabE"), ("anbn", 3, "SaaabbbE"),
                                             ("anbncn", 2, "SaabbccE"), ("anbncn", 1, "SabcE")])
def test_strings(language, n, text):
    s = formal_string(language, n)
    assert decode(s.values) == text
    assert s.n_classes == len(set(text)) and s.meta["n"] == n
    assert encode(text).tolist() == s.values.tolist()


@pytest.mark.parametrize("call,needle", [
    (lambda: formal_string("anbn", 0), "n must be an integer >= 1"),
    (lambda: formal_string("dyck", 3), "formal language must be one of anbn, anbncn"),
    (lambda: encode("Saxb"), "got 'x'"),
    (lambda: window_ceiling("anbn", 0, 10), "window and n_max must be >= 1"),
])
def test_bad_parameters(call, needle):
    with pytest.raises(SequenceError, match=needle):
        call()


@pytest.mark.parametrize("text,forced", [
    ("SabE", "D.D"),  # after S: a (n >= 1); after a: a or b; after the first b: E
    ("SaabbE", "D..DD"),
    ("SaaabbbE", "D...DDD"),
    ("SabcE", "D.DD"),
    ("SaabbccE", "D..DDDD"),
])
def test_deterministic_targets_by_hand(text, forced):
    n = text.count("a")
    mask = formal_string("anbncn" if "c" in text else "anbn", n).meta["deterministic"]
    assert "".join("D" if m else "." for m in mask) == forced


@pytest.mark.parametrize("language", ["anbn", "anbncn"])
def test_deterministic_means_one_continuation(language):
    """The closed form equals the definition: a target is forced iff every string of the language
    with that prefix continues with the same symbol (enumerated over enough strings)."""
    strings = [formal_string(language, m).values for m in range(1, 25)]
    for n in range(1, 9):
        s = strings[n - 1]
        for t, forced in enumerate(deterministic_targets(n, len(s))):
            nexts = {int(o[t + 1]) for o in strings if len(o) > t + 1 and np.array_equal(o[:t + 1], s[:t + 1])}
            assert forced == (len(nexts) == 1), (decode(s), t, nexts)


def test_correctness_rule_on_hand_made_predictions():
    s = formal_string("anbn", 2)  # SaabbE: targets a a b b E, forced D . . D D
    target, det = s.values[1:], s.meta["deterministic"]
    verdict = {p: bool(strings_correct(encode(p), target, det)) for p in
               ("aabbE", "abbbE", "aaabE", "aabbb", "babbE", "aabEE", "aaaaE")}
    assert verdict == {"aabbE": True, "abbbE": True,  # a wrong guess where a or b may follow is fine
                       "aaabE": True,  # position 2 reads the last a: b is not forced there
                       "aabbb": False,  # the end symbol is forced
                       "babbE": False,  # after S, a is forced
                       "aabEE": False, "aaaaE": False}
    # Broadcast over members and strings: (K, N, L) predictions against (N, L) targets.
    pred = np.stack([encode("aabbE"), encode("aabbb")])[:, None]  # (K=2, N=1, L)
    assert strings_correct(pred, target[None], det[None]).tolist() == [[True], [False]]


@pytest.mark.parametrize("text,sets", [
    ("SabE", ["a", "ab", "E"]),  # after S only a; after a: a or b; after the b: the end
    ("SaabbE", ["a", "ab", "ab", "b", "E"]),
    ("SaabbccE", ["a", "ab", "ab", "b", "c", "c", "E"]),
])
def test_legal_sets_by_hand(text, sets):
    s = formal_string("anbncn" if "c" in text else "anbn", text.count("a"))
    legal = s.meta["legal"]
    assert ["".join(SYMBOLS[i] for i in np.flatnonzero(row)) for row in legal] == sets


def test_legal_sets_are_every_continuation():
    """The legal set after a prefix is exactly the symbols some string of the language continues with."""
    strings = [formal_string("anbn", m).values for m in range(1, 20)]
    for n in range(1, 7):
        s = formal_string("anbn", n)
        for t, row in enumerate(s.meta["legal"]):
            nexts = {int(o[t + 1]) for o in strings if len(o) > t + 1 and np.array_equal(o[:t + 1], s.values[:t + 1])}
            assert set(np.flatnonzero(row)) == nexts


def test_acceptance_rule_on_hand_made_sets():
    s = formal_string("anbn", 2)  # SaabbE: legal sets a, ab, ab, b, E
    legal = s.meta["legal"]
    valid = np.ones(len(legal), bool)

    def sets(*names):
        return np.array([[SYMBOLS[i] in name for i in range(4)] for name in names])
    verdict = {names: bool(strings_accepted(sets(*names), legal, valid)) for names in (
        ("a", "ab", "ab", "b", "E"), ("a", "a", "ab", "b", "E"), ("a", "ab", "ab", "bE", "E"),
        ("a", "ab", "b", "b", "E"), ("aS", "ab", "ab", "b", "E"))}
    assert verdict == {("a", "ab", "ab", "b", "E"): True,
                       ("a", "a", "ab", "b", "E"): False,  # must name b as legal where it may come
                       ("a", "ab", "ab", "bE", "E"): False,  # an extra symbol is wrong too
                       ("a", "ab", "b", "b", "E"): False, ("aS", "ab", "ab", "b", "E"): False}
    wrong_in_padding = np.concatenate([sets("a", "ab", "ab", "b", "E"), np.ones((2, 4), bool)])
    padded_legal = np.concatenate([legal, np.zeros((2, 4), bool)])
    assert strings_accepted(wrong_in_padding, padded_legal, np.r_[valid, False, False])


@pytest.mark.parametrize("language", ["anbn", "anbncn"])
@pytest.mark.parametrize("rule", ["legal", "next"])
def test_window_ceiling(language, rule):
    assert [window_ceiling(language, w, 200, rule) for w in range(1, 13)] == [(w + 1) // 2 for w in range(1, 13)]
    assert window_ceiling(language, 50, 7, rule) == 7  # capped at n_max


def test_string_metrics():
    accepted = np.array([[1, 1, 0, 1], [1, 1, 1, 1], [0, 1, 1, 1]], bool)
    correct = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 1, 1]], bool)
    m = string_metrics(accepted, correct, n_train_max=2)
    assert m["fitted"].tolist() == [1, 1, 0]
    assert m["max_n_accepted"][:2].tolist() == [2, 4] and np.isnan(m["max_n_accepted"][2])  # did not fit
    assert m["accepted_beyond_range"][:2].tolist() == [0.5, 1.0] and np.isnan(m["accepted_beyond_range"][2])
    assert m["max_n_correct"].tolist() == [3, 4, 1]  # the next-symbol rule, every seed


def test_training_stops_once_the_strings_are_fitted():
    """A member stops at the first fit check that accepts every training string, and keeps those
    parameters; one that never fits runs to the cap."""
    ss = string_set([formal_string("anbn", n) for n in range(1, 4)])
    cfg = TrainSettings(epochs=400, lr=0.05, batch_size=3, clip=1.0, classification=True)
    model = MODELS["lstm"].build(BuildArgs((0, 1), 4, 4, 4, 8, 2, True))
    log = train_strings(model, ss, [0, 1], cfg, 4)
    assert (log.epochs < 400).all() and (log.converged == 1).all()
    assert (log.epochs % FIT_CHECK == 0).all()
    assert score_strings(model, ss, 4)["accepted"].all()
    stuck = MODELS["mlp"].build(BuildArgs((0,), 4, 4, 1, 8, 2, True))  # a window of 1 cannot fit n <= 3
    log = train_strings(stuck, ss, [0], replace(cfg, epochs=30), 1)
    assert log.epochs.tolist() == [30] and log.converged.tolist() == [0.0]


def test_string_set_pads_and_masks():
    ss = string_set([formal_string("anbn", n) for n in (1, 3)])
    assert ss.inputs.shape == (2, 7) and ss.symbols == 4
    assert decode(ss.inputs[0, :3]) == "Sab" and decode(ss.next_symbols[0, :3]) == "abE"
    assert ss.valid.sum(1).tolist() == [3, 7]
    assert not ss.deterministic[~ss.valid].any() and not ss.legal[~ss.valid].any()
    assert ss.legal.shape == (2, 7, 4) and ss.legal[1, 1].tolist() == [False, False, True, True]  # a or b
    assert ss.deterministic[1].tolist() == [True, False, False, False, True, True, True]
    assert decode(ss.targets) == "abE" + "aaabbbE"  # what a baseline is fitted on


@pytest.mark.parametrize("name", ["lstm", "gru", "rnn", "mlp"])
def test_step_outputs_are_prefix_predictions(name):
    """Output t of the many-to-many pass equals the model on the prefix (recurrent) or on the last
    W symbols with zeros before the start (MLP)."""
    W = 3
    model = MODELS[name].build(BuildArgs((0, 1), 4, 4, W, 5, 2, True))
    x = string_set([formal_string("anbn", 3)]).one_hot(torch.tensor([0]))  # (1, 7, 4)
    x = x.unsqueeze(0).expand(2, *x.shape)  # (K, B, L, F)
    out = step_outputs(model, x, W)
    assert out.shape == (2, 1, 7, 4)
    padded = torch.nn.functional.pad(x, (0, 0, W - 1, 0))
    for t in (0, 2, 6):
        inp = x[:, :, :t + 1] if name != "mlp" else padded[:, :, t:t + W]
        torch.testing.assert_close(out[:, :, t], model(inp), atol=1e-6, rtol=1e-5)


def test_scoring_does_not_depend_on_chunking():
    model = MODELS["gru"].build(BuildArgs((0, 1, 2), 5, 5, 4, 6, 2, True))
    ss = string_set([formal_string("anbncn", n) for n in range(1, 16)])
    whole, chunked = score_strings(model, ss, 4), score_strings(model, ss, 4, max_tokens=40)
    for k in whole:
        np.testing.assert_allclose(whole[k], chunked[k], rtol=1e-6)
    assert whole["det_total"][0].tolist() == [2 * n + 1 for n in range(1, 16)]


def test_tiny_formal_grid_writes_table_and_figure(tmp_path):
    out = tmp_path / "formal"
    assert main(["run", "--grid", "formal", "--model", "gru", "--out", str(out), "--epochs", "2", "--hidden", "3",
                 "--seeds", "2", "--executor", "local"]) == 0
    df = pd.read_csv(out / "results.csv")
    assert set(df.task) == {"anbn", "anbncn"} and set(df.model) == {"gru"}
    mx = df[df.metric == "max_n_correct"].value
    assert len(mx) == 4 and mx.between(0, 100).all()
    md = (out / "results.md").read_text()
    assert "max_n_accepted" in md and "max_n_correct" in md and "seeds that fit" in md
    report = (out / "details.md").read_text()
    assert "claim" in report  # the protocol notes state the claim tested
    assert "learning rate: fixed: no validation data to select on" in report
    for stem in ("anbn_by_n", "anbncn_by_n"):
        assert (out / "figures" / f"{stem}.png").stat().st_size > 0
