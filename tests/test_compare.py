"""`compare`: the statistics on synthetic runs (false flags near α, power on a shift, directions,
identical, tolerance, matching), then the command on small real runs: verdicts, formats, exit
codes, and every refusal in one line with both folders left byte for byte as they were."""
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench.cli import main
from bench.compare import FAIL_ON as CLI_FAIL_ON, FORMATS as CLI_FORMATS
from reports.compare import FAIL_ON, Cell, compare, match_cells
from reports.compare_output import render
from reports.stats import binomial_range
from tests.test_startup import imported

BETTER = {"mse": "lower", "accuracy": "higher"}
SINE = {"window": 10, "lr": 0.01, "profile": "quick", "device": "cpu"}


def frame(values: dict[str, np.ndarray], metric: str = "mse", seeds=None) -> pd.DataFrame:
    """A tidy frame: cell -> one value per seed (seeds 0.. unless given)."""
    rows = [(cell, s, metric, float(v)) for cell, vs in values.items()
            for s, v in zip(seeds if seeds is not None else range(len(vs)), vs)]
    return pd.DataFrame(rows, columns=["cell", "seed", "metric", "value"])


def cells(names, **settings) -> dict[str, Cell]:
    return {n: Cell("sine", n.split("/")[0], {**SINE, **settings}) for n in names}


# ---------------------------------------------------------------- statistics on synthetic runs

def test_same_distribution_flags_about_alpha_and_holm_keeps_the_family_below_it():
    rng = np.random.default_rng(1)
    names = [f"m{i}" for i in range(400)]
    for seeds_b in (range(10), range(10, 20)):  # paired on shared seeds; Welch on disjoint ones
        a = frame({n: rng.normal(1, 0.1, 10) for n in names})
        b = frame({n: rng.normal(1, 0.1, 10) for n in names}, seeds=list(seeds_b))
        c = compare(a, b, cells(names), cells(names), {"mse": "lower"})
        assert all(r.paired == (seeds_b == range(10)) and r.delta.lo < r.delta.mean < r.delta.hi for r in c.rows)
        lo, hi = binomial_range(400, 0.05, 0.999)
        assert lo <= sum(r.p < 0.05 for r in c.rows) <= hi  # each test alone: its level
    families = 0
    for _ in range(100):  # ten cells per comparison: Holm keeps P(any flag) at most α
        names = [f"m{i}" for i in range(10)]
        a, b = (frame({n: rng.normal(1, 0.1, 5) for n in names}) for _ in range(2))
        families += any(r.verdict != "no_change" for r in compare(a, b, cells(names), cells(names), BETTER).rows)
    assert families <= binomial_range(100, 0.05, 0.999)[1]


def test_a_shift_of_one_standard_deviation_is_found_in_most_runs_and_in_the_right_direction():
    rng = np.random.default_rng(2)
    names = [f"m{i}" for i in range(200)]
    a = frame({n: rng.normal(1, 0.1, 10) for n in names})
    b = frame({n: rng.normal(1.1, 0.1, 10) for n in names}, seeds=list(range(10, 20)))  # Welch, d = 1
    rows = compare(a, b, cells(names), cells(names), {"mse": "lower"}).rows
    raw = sum(r.p < 0.05 for r in rows) / len(rows)
    assert 0.45 < raw < 0.75  # Welch t, n = 10 + 10, d = 1: power ≈ 0.56 before Holm
    assert {r.verdict for r in rows if r.p < 0.05 and r.delta.mean > 0} == {"no_change", "worse"}
    a = frame({n: rng.normal(1, 0.1, 10) for n in names})
    b = frame({n: v + 0.05 + rng.normal(0, 0.02, 10) for n, v in zip(names, a.value.to_numpy().reshape(200, 10))})
    rows = compare(a, b, cells(names), cells(names), {"mse": "lower"}).rows  # paired: seed noise cancels
    assert all(r.paired and r.verdict == "worse" for r in rows)


def test_direction_comes_from_the_metric_and_identical_needs_every_seed_equal():
    a = pd.concat([frame({"gru": [0.1, 0.2, 0.3]}), frame({"gru": [0.5, 0.6, 0.7]}, "accuracy")])
    b = pd.concat([frame({"gru": [0.01, 0.11, 0.21]}), frame({"gru": [0.6, 0.7, 0.8]}, "accuracy")])
    c = compare(a, b, cells(["gru"]), cells(["gru"]), BETTER)
    assert {r.metric: r.verdict for r in c.rows} == {"mse": "better", "accuracy": "better"}  # both constant shifts
    worse = compare(b, a, cells(["gru"]), cells(["gru"]), BETTER)
    assert {r.verdict for r in worse.rows} == {"worse"} and worse.failing("worse") and worse.failing("change")
    same = compare(a, a, cells(["gru"]), cells(["gru"]), BETTER)
    assert {r.verdict for r in same.rows} == {"identical"} and not same.failing("change")
    one_seed = compare(a, frame({"gru": [0.1, 0.2, 0.31]}), cells(["gru"]), cells(["gru"]), BETTER)
    assert [r.verdict for r in one_seed.rows] == ["no_change"]  # one seed moved: not identical
    naive = compare(frame({"mean": [0.5] * 3}), frame({"mean": [0.5] * 5}, seeds=range(3, 8)),
                    cells(["mean"]), cells(["mean"]), BETTER)
    assert [(r.paired, r.verdict) for r in naive.rows] == [(False, "identical")]
    moved = compare(frame({"mean": [0.5] * 3}), frame({"mean": [0.6] * 3}), cells(["mean"]), cells(["mean"]), BETTER)
    assert [(r.verdict, r.delta.method, r.p) for r in moved.rows] == [("worse", "exact", 0.0)]  # a certain change
    mixed = compare(pd.concat([a, frame({"mean": [0.5] * 3})]), pd.concat([b, frame({"mean": [0.5] * 3})]),
                    cells(["gru", "mean"]), cells(["gru", "mean"]), BETTER)
    assert mixed.tests == 2  # the identical baseline is no test: Holm's family is the gru's two scores


def test_tolerance_lets_a_small_certain_change_pass():
    a = frame({"gru": np.linspace(1, 1.1, 10)})
    b = frame({"gru": np.linspace(1, 1.1, 10) * 1.02 + np.r_[0.001, -0.001] .repeat(5)})
    assert [r.verdict for r in compare(a, b, cells(["gru"]), cells(["gru"]), BETTER).rows] == ["worse"]
    assert [r.verdict for r in compare(a, b, cells(["gru"]), cells(["gru"]), BETTER, tolerance=0.05).rows] == \
        ["no_change"]
    assert [r.verdict for r in compare(a, b, cells(["gru"]), cells(["gru"]), BETTER, tolerance=0.01).rows] == \
        ["worse"]


def test_holm_covers_the_whole_comparison_and_flagged_rows_come_first():
    rng = np.random.default_rng(3)
    names = [f"m{i}" for i in range(20)]
    a = frame({n: rng.normal(1, 0.1, 10) for n in names})
    b = frame({n: v + (0.5 if n == "m7" else 0.0) + rng.normal(0, 0.1, 10)
               for n, v in zip(names, a.value.to_numpy().reshape(20, 10))})
    rows = compare(a, b, cells(names), cells(names), BETTER).rows
    assert rows[0].cell == "sine · m7" and rows[0].verdict == "worse"
    worst_raw = min(r.p for r in rows[1:])
    assert min(r.p_holm for r in rows[1:]) == pytest.approx(min(1, 19 * worst_raw))


def test_cells_match_on_settings_less_those_that_differ_between_the_runs():
    ca = {"a1": Cell("sine", "gru", {**SINE, "lr": 0.003}), "a2": Cell("sine", "mlp", SINE),
          "a3": Cell("sine", "gru", {**SINE, "window": 20, "lr": 0.003}), "a4": Cell("pi", "gru", SINE)}
    cb = {"b1": Cell("sine", "gru", SINE), "b2": Cell("sine", "mlp", SINE),
          "b3": Cell("sine", "gru", {**SINE, "window": 20}), "b5": Cell("uniform", "gru", SINE)}
    pairs, dropped = match_cells(ca, cb)
    assert sorted(pairs) == [("a1", "b1"), ("a2", "b2"), ("a3", "b3")] and dropped == {"lr"}
    values = {k: [0.1, 0.2] for k in ca}
    c = compare(frame(values), frame({k: [0.1, 0.2] for k in cb}), ca, cb, BETTER)
    assert c.differing == [("lr", "0.003", "0.01", ["sine · gru (window=10)", "sine · gru (window=20)"])]
    assert c.only_a == ["pi · gru"] and c.only_b == ["uniform · gru"] and c.matched == 3


def test_formats_carry_the_same_rows():
    a, b = frame({"gru": [0.1, 0.2, 0.3]}), frame({"gru": [0.2, 0.3, 0.4]})
    c = compare(a, b, cells(["gru"]), cells(["gru"]), BETTER)
    doc = json.loads(render(c, "json", "A", "B"))
    assert doc["counts"]["worse"] == 1 and doc["rows"][0]["delta"] == pytest.approx(0.1)
    csv_rows = render(c, "csv", "A", "B").splitlines()
    assert len(csv_rows) == 2 and csv_rows[1].startswith("sine · gru,mse,worse,True,3,3,")
    assert "| sine · gru | mse" in render(c, "md", "A", "B") and "悪化" in render(c, "md", "A", "B", "ja")
    assert set(CLI_FAIL_ON) == set(FAIL_ON) and set(CLI_FORMATS) == {"md", "csv", "json"}


# ---------------------------------------------------------------- the command on real runs

TINY = ["--grid", "sine", "--seeds", "3", "--epochs", "3", "--no-figures"]


def _digest(*folders: Path) -> dict[str, str]:
    """Every file under the folders (names included) -> its md5: any change, or a new -wal/-shm, shows."""
    return {str(p): hashlib.md5(p.read_bytes()).hexdigest() for f in folders for p in sorted(f.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    assert main(["run", *TINY, "--out", str(root / "a")]) == 0
    shutil.copytree(root / "a", root / "same")
    shutil.copytree(root / "a", root / "b")
    with sqlite3.connect(root / "b" / "results.sqlite") as conn:  # B: the gru's mse doubled in every seed
        rows = conn.execute("SELECT cell_key, seed, metrics FROM results WHERE model='gru'").fetchall()
        for key, seed, metrics in rows:
            m = json.loads(metrics)
            m["mse"] *= 2
            conn.execute("UPDATE results SET metrics=? WHERE cell_key=? AND seed=?", (json.dumps(m), key, seed))
    conn.close()
    return root


def _compare(args, capsys):
    code = main(["compare", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_run_against_a_copy_of_itself_is_identical_everywhere(runs, capsys):
    before = _digest(runs / "a", runs / "same")
    code, out, err = _compare([runs / "a", runs / "same", "--fail-on", "change", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and err == "" and doc["counts"]["identical"] == len(doc["rows"]) > 0
    assert doc["only_a"] == doc["only_b"] == [] and doc["settings_differ"] == []
    assert _digest(runs / "a", runs / "same") == before


def test_a_worse_result_fails_the_gate_and_is_listed_first(runs, capsys, tmp_path):
    before = _digest(runs / "a", runs / "b")
    code, out, err = _compare([runs / "a", runs / "b", "--fail-on", "worse"], capsys)
    assert code == 2 and "1 result(s) worse (--fail-on worse)" in err
    lines = out.splitlines()
    first = lines[next(i for i, line in enumerate(lines) if line.startswith("|---")) + 1]
    assert "sine · gru" in first and "| mse " in first and "worse" in first and "+100 %" in first
    code, out, _ = _compare([runs / "a", runs / "b", "--metrics", "mae", "--fail-on", "change"], capsys)
    assert code == 0 and "| mse " not in out  # --metrics narrows what counts
    code, _, _ = _compare([runs / "a", runs / "b", "--tolerance", "150%", "--fail-on", "worse"], capsys)
    assert code == 0  # a doubling is within a 150 % tolerance
    code, out, _ = _compare([runs / "a", runs / "b", "--out", tmp_path / "cmp.md", "--lang", "ja"], capsys)
    assert code == 0 and out == "" and "悪化 1" in (tmp_path / "cmp.md").read_text()
    assert _digest(runs / "a", runs / "b") == before


def test_a_store_with_a_wal_is_read_from_a_copy(runs, capsys, tmp_path):
    live = tmp_path / "live"
    shutil.copytree(runs / "a", live)
    conn = sqlite3.connect(live / "results.sqlite")  # a run killed before its checkpoint: rows only in the -wal
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    rows = conn.execute("SELECT cell_key, seed, metrics FROM results WHERE model='mlp'").fetchall()
    with conn:
        for key, seed, metrics in rows:
            m = json.loads(metrics)
            m["mse"] *= 3
            conn.execute("UPDATE results SET metrics=? WHERE cell_key=? AND seed=?", (json.dumps(m), key, seed))
    killed = tmp_path / "killed"
    killed.mkdir()
    for name in ("manifest.json", "results.sqlite", "results.sqlite-wal"):
        shutil.copyfile(live / name, killed / name)
    conn.close()
    assert (killed / "results.sqlite-wal").stat().st_size > 0
    before = _digest(killed)
    code, out, _ = _compare([runs / "a", killed, "--format", "csv"], capsys)
    assert code == 0 and "sine · mlp,mse,worse," in out  # the -wal's rows were read
    assert _digest(killed) == before and not (killed / "results.sqlite-shm").exists()


def test_another_schema_version_is_matched_by_settings_not_keys(runs, capsys, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(runs / "a", old)
    with sqlite3.connect(old / "results.sqlite") as conn:  # as an earlier suite stored it: other keys
        conn.execute("UPDATE meta SET value='0' WHERE key='schema'")
        for table in ("cells", "results", "arrays"):
            conn.execute(f"UPDATE {table} SET cell_key = 'old' || cell_key")
    conn.close()
    manifest = json.loads((old / "manifest.json").read_text())
    for c in manifest["cells"]:
        c["key"] = "old" + c["key"]
    (old / "manifest.json").write_text(json.dumps(manifest))
    code, out, err = _compare([old, runs / "a", "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["only_a"] == doc["only_b"] == [] and doc["counts"]["identical"] == len(doc["rows"]) > 0


def test_cells_of_an_earlier_run_into_the_folder_are_left_out_as_report_leaves_them(runs, capsys, tmp_path):
    both = tmp_path / "both"
    shutil.copytree(runs / "a", both)
    manifest = (both / "manifest.json").read_text()
    assert main(["run", "--task", "sine", "--model", "mean", "--seeds", "3", "--epochs", "3", "--no-figures",
                 "--out", str(both)]) == 0  # its cell is stored already: the manifest now names it alone
    capsys.readouterr()
    code, out, _ = _compare([runs / "a", both, "--format", "json"], capsys)
    doc = json.loads(out)
    assert {r["cell"] for r in doc["rows"]} == {"sine · mean"} and len(doc["only_a"]) == 5 and doc["only_b"] == []
    (both / "manifest.json").write_text(manifest)
    code, out, _ = _compare([runs / "a", both, "--format", "json"], capsys)
    doc = json.loads(out)
    assert doc["only_a"] == doc["only_b"] == [] and doc["counts"]["identical"] == len(doc["rows"])


def _damaged(root: Path, tmp_path: Path) -> Path:
    bad = tmp_path / "damaged"
    shutil.copytree(root / "a", bad)
    data = (bad / "results.sqlite").read_bytes()
    (bad / "results.sqlite").write_bytes(data[:len(data) - 1000])  # cut mid-page
    return bad


def _disjoint(root: Path, tmp_path: Path) -> Path:
    other = tmp_path / "other"
    shutil.copytree(root / "a", other)
    with sqlite3.connect(other / "results.sqlite") as conn:
        conn.execute("UPDATE cells SET task='uniform'")
    conn.close()
    return other


@pytest.mark.parametrize("case, needle", [
    ("not_a_store", "not a folder written by `run` (no results.sqlite)"),
    ("missing", "no such folder"),
    ("damaged", "results.sqlite: "),
    ("disjoint", "have no cell in common"),
    ("same", "the same folder twice"),
    ("out_inside", "inside"),
])
def test_bad_input_is_one_line_and_changes_nothing(runs, tmp_path, capsys, case, needle):
    a = runs / "a"
    other = {"not_a_store": tmp_path, "missing": tmp_path / "nope", "damaged": _damaged(runs, tmp_path),
             "disjoint": _disjoint(runs, tmp_path), "same": Path(str(a) + "/"), "out_inside": runs / "b"}[case]
    extra = ["--out", a / "cmp.md"] if case == "out_inside" else []
    before = _digest(a, *([other] if other.exists() else []))
    code, out, err = _compare([a, other, *extra], capsys)
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and needle in err, err
    assert _digest(a, *([other] if other.exists() else [])) == before


def test_help_and_refused_arguments_import_nothing_heavy():
    for args in (["compare", "--help"], ["compare", "x", "y", "--tolerance", "lots"],
                 ["compare", "x", "y", "--metrics", "speed"]):
        code, heavy, err = imported(args)
        assert heavy == [] and code == (0 if "--help" in args else 1), (args, err)
