"""Assignment 2 generators and the minimal-window computation, on values checked by hand."""
import math

import numpy as np
import pytest

from sequences import SequenceError
from sequences import pi as pi_module
from sequences.contexts import context_bounds, cyclic_windows, minimal_window
from sequences.periodic import (concat_blocks, minimal_period, multiplicative_order, periodic_digits,
                                repeating_decimal, repeating_period, sum_of_sines, summed_digits)
from sequences.pi import pi_digits
from sequences.uniform import uniform_digits, uniform_reals


def digits(text: str) -> list[int]:
    return [int(c) for c in text]


def test_one_seventh():
    s = repeating_decimal(1, 7, 15)
    assert s.values.tolist() == digits("142857142857142")
    assert s.period == 6 and s.kind == "digits" and s.n_classes == 10


def test_one_seventeenth_has_period_16():
    s = repeating_decimal(1, 17, 40)
    assert s.period == 16 == repeating_period(1, 17) == multiplicative_order(10, 17)
    assert s.values[:16].tolist() == digits("0588235294117647")
    assert s.values[16:32].tolist() == s.values[:16].tolist()


def test_fraction_is_reduced_before_the_period():
    assert repeating_decimal(3, 21, 12).values.tolist() == repeating_decimal(1, 7, 12).values.tolist()
    assert repeating_period(3, 21) == 6 and repeating_period(1, 21) == 6
    assert repeating_decimal(1, 3, 5).period == 1  # 0.333...
    assert repeating_period(1, 97) == 96


def test_concat_interleaves_blocks_and_each_stream_continues():
    a, b = repeating_decimal(1, 7, 6), repeating_decimal(1, 17, 16)
    c = concat_blocks(a, b, 3, 2, 15)
    # 142|05|857|88|142|23: a continues where it stopped, and so does b
    assert c.values.tolist() == digits("142" "05" "857" "88" "142" "23")
    # one block cycle moves a by 3 (period 6 -> 2 cycles) and b by 2 (period 16 -> 8 cycles): 5 * lcm(2, 8)
    assert c.period == 40
    long = concat_blocks(a, b, 3, 2, 200).values
    assert np.array_equal(long[:40], long[40:80]) and not np.array_equal(long[:20], long[20:40])


def test_summed_is_digitwise_mod_10():
    a, b = repeating_decimal(1, 7, 6), repeating_decimal(1, 17, 16)
    s = summed_digits(a, b, 8)
    # 1+0, 4+5, 2+8, 8+8, 5+2, 7+3, 1+5, 4+2 (mod 10)
    assert s.values.tolist() == [1, 9, 0, 6, 7, 0, 6, 6]
    assert s.period == 48  # lcm(6, 16)
    assert summed_digits(a, repeating_decimal(1, 13, 6), 12).period == 6  # equal periods stay 6


def test_sum_of_sines():
    s = sum_of_sines(7, 17, 300)
    t = np.arange(300)
    np.testing.assert_allclose(s.values, np.sin(2 * np.pi * t / 7) + np.sin(2 * np.pi * t / 17), atol=1e-6)
    assert s.period == 119 and s.kind == "real"


def test_minimal_period():
    assert minimal_period(np.array([1, 2, 1, 2, 1, 2])) == 2
    assert minimal_period(np.array([3])) == 1
    assert minimal_period(np.array([1, 2, 3, 1, 2, 4])) == 6
    assert periodic_digits("123123", 7).period == 3


@pytest.mark.parametrize("cycle,k", [
    ([5], 0),  # constant: nothing needed
    ([0, 1], 1),
    ([0, 1, 1], 2),  # after 1 comes 1 or 0; "01"->1, "11"->0, "10"->1
    ([0, 0, 1], 2),
    ([0, 0, 0, 1], 3),
    ([0, 1, 0, 2], 2),  # after 0 comes 1 or 2; pairs decide
    ([1, 4, 2, 8, 5, 7], 1),  # 1/7: all digits differ
])
def test_minimal_window_by_hand(cycle, k):
    assert minimal_window(np.array(cycle)) == k


def _brute_minimal_window(cycle: list[int]) -> int:
    L = len(cycle)
    for k in range(L + 1):
        succ: dict[tuple, set] = {}
        for i in range(L):
            ctx = tuple(cycle[(i + j) % L] for j in range(k))
            succ.setdefault(ctx, set()).add(cycle[(i + k) % L])
        if all(len(v) == 1 for v in succ.values()):
            return k
    raise AssertionError


def test_minimal_window_matches_brute_force():
    rng = np.random.default_rng(1)
    for _ in range(60):
        cycle = rng.integers(0, int(rng.integers(2, 4)), int(rng.integers(1, 25))).tolist()
        assert minimal_window(np.array(cycle)) == _brute_minimal_window(cycle), cycle


def test_minimal_windows_of_the_grid_sequences():
    a, b = repeating_decimal(1, 7, 6), repeating_decimal(1, 17, 16)
    assert minimal_window(b.values[:16]) == 2
    c = concat_blocks(a, b, 3, 2, 40)
    assert minimal_window(c.values) == 4
    assert minimal_window(summed_digits(a, b, 48).values) == 3


def test_context_bounds_by_hand():
    # context 0 is followed by 1, 1, 2 and context 1 by 0: best accuracy 3/4,
    # H(next | window) = 3/4 · H(2/3, 1/3)
    acc, h = context_bounds(np.array([[0], [0], [0], [1]]), np.array([1, 1, 2, 0]))
    assert acc == pytest.approx(0.75)
    assert h == pytest.approx(0.75 * -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)))
    cycle = repeating_decimal(1, 17, 16).values
    assert context_bounds(*cyclic_windows(cycle, 2)) == (1.0, 0.0)  # at the minimal window: determined
    acc1, h1 = context_bounds(*cyclic_windows(cycle, 1))
    assert acc1 < 1 and h1 > 0


@pytest.mark.parametrize("call,needle", [
    (lambda: repeating_decimal(1, 10, 5), "q=10 is not coprime to 10"),
    (lambda: repeating_decimal(1, 14, 5), "q=14 is not coprime to 10"),
    (lambda: repeating_decimal(7, 7, 5), "0 < p < q"),
    (lambda: repeating_decimal(0, 7, 5), "p must be >= 1"),
    (lambda: concat_blocks(repeating_decimal(1, 7, 6), repeating_decimal(1, 3, 1), 0, 2, 9), "m must be >= 1"),
    (lambda: concat_blocks(repeating_decimal(1, 7, 6), repeating_decimal(1, 3, 1), 2, -1, 9), "n must be >= 1"),
    (lambda: periodic_digits("", 5), "zero-length period"),
    (lambda: minimal_window(np.array([])), "zero-length period"),
    (lambda: sum_of_sines(2, 7, 10), "p1 must be >= 3"),
    (lambda: uniform_reals(0, np.random.default_rng(0)), "length must be a positive integer"),
    (lambda: pi_digits(0), "positive integer"),
])
def test_bad_parameters_raise_one_line(call, needle):
    with pytest.raises(SequenceError, match=needle) as e:
        call()
    assert "\n" not in str(e.value)


def test_uniform_generators_are_seeded():
    a = uniform_reals(1000, np.random.default_rng(3)).values
    assert np.array_equal(a, uniform_reals(1000, np.random.default_rng(3)).values)
    assert 0 <= a.min() and a.max() < 1 and abs(a.var() - 1 / 12) < 0.01
    d = uniform_digits(5000, np.random.default_rng(3)).values
    assert set(d.tolist()) == set(range(10))


def test_pi_digits_are_cached_atomically(tmp_path, monkeypatch):
    s = pi_digits(50, cache=tmp_path)
    assert "".join(map(str, s.values[:20])) == "31415926535897932384"
    cached = (tmp_path / pi_module.CACHE_NAME).read_text().split()
    assert cached[1] == "".join(map(str, s.values)) and len(cached[0]) == 64  # checksum, then the digits
    assert [p.name for p in tmp_path.iterdir()] == [pi_module.CACHE_NAME]  # no temporary file left
    monkeypatch.setattr(pi_module, "compute_pi_digits", lambda n: pytest.fail("recomputed"))
    assert pi_digits(30, cache=tmp_path).values.tolist() == s.values[:30].tolist()  # served from the cache


@pytest.mark.parametrize("content", [
    "3141592653589793238462643383279502884197199999999",  # no checksum
    "0" * 64 + "\n3141592653589793238462643383279502884197199999999\n",  # wrong checksum
    "\x00\x01binary",
])
def test_pi_cache_that_is_not_pi_is_recomputed(tmp_path, content):
    (tmp_path / pi_module.CACHE_NAME).write_text(content)
    assert pi_digits(45, cache=tmp_path).values[41:45].tolist() == digits("6939")
    assert pi_digits(45, cache=tmp_path).values[41:45].tolist() == digits("6939")  # now from a good cache


def test_pi_cache_location_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQBENCH_CACHE", str(tmp_path / "env"))
    pi_digits(10)
    assert (tmp_path / "env" / pi_module.CACHE_NAME).read_text().split()[1] == "3141592653"


def test_many_pi_digits():
    # decimals 997-1010 of π from published tables: ...1989 | 3809525720 (the 1000th is 9)
    text = pi_module.compute_pi_digits(1012)
    assert text[997:1011] == "19893809525720"
