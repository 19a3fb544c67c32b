"""`python -m bench report`: everything regenerated from a store, without training."""
import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from bench.cli import main
from bench.outputs.write import STORE
from bench.store.db import CellRecord, Store
from bench.tasks import TASKS
from tests.test_tables import check_latex_structure

_spec = importlib.util.spec_from_file_location(
    "report_time", Path(__file__).resolve().parents[1] / "benchmarks" / "report_time.py")
report_time = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report_time)


@pytest.fixture
def store_dir(tmp_path):
    out = tmp_path / "run"
    report_time.synthetic_store(out, labels=2, seeds=3, points=120, epochs=5)
    manifest = json.loads((out / "manifest.json").read_text())
    failed = manifest["cells"][0]
    with Store(out / STORE) as st:  # one model of the first label failed on every seed
        settings = st.cells([failed["key"]])[failed["key"]]["settings"]
        st.write_cell(CellRecord(failed["key"], failed["task"], failed["model"], "quick", "cpu", settings, [0, 1, 2],
                                 {s: "failed" for s in range(3)}, {s: "ValueError: boom (x.py:1)" for s in range(3)},
                                 {}))
    return out


@pytest.mark.parametrize("fmt,needle", [("md,xls", "unknown format 'xls'"), ("", "unknown format ''"),
                                        ("md,,tex", "unknown format ''")])
def test_bad_format_is_one_line(fmt, needle, store_dir, capsys):
    before = (store_dir / STORE).read_bytes()
    assert main(["report", "--out", str(store_dir), "--format", fmt]) == 1
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert (store_dir / STORE).read_bytes() == before
    assert not (store_dir / "results.md").exists()


def test_formats_choose_the_files(store_dir):
    assert main(["report", "--out", str(store_dir), "--format", "csv", "--no-figures"]) == 0
    assert (store_dir / "results.csv").exists()
    assert not any((store_dir / n).exists() for n in ("results.md", "results.tex", "report.md", "report.html",
                                                      "details.md"))
    df = pd.read_csv(store_dir / "results.csv")
    assert list(df.columns) == ["grid", "task", "model", "seed", "metric", "value"]
    assert df.seed.nunique() == 3 and df.task.nunique() == 2
    assert main(["report", "--out", str(store_dir), "--format", "TEX, md", "--no-figures"]) == 0
    assert "<h2 id=\"answers\">" in (store_dir / "report.html").read_text()  # md brings the pages
    assert "<h2 id=\"how-to-read-the-tables\">" in (store_dir / "details.html").read_text()
    check_latex_structure((store_dir / "results.tex").read_text())
    md = (store_dir / "results.md").read_text()
    assert "95 % Student-t interval" in md and "floor (analytic)" in md and "sign-flip p (seeds)" in md
    assert "smallest p is 2/2ⁿ (0.25 for 3) and after Holm" in md and "at 3 seeds it cannot reach 0.05" in md
    # Each table says what Holm covers and the smallest adjusted p its seeds and comparisons allow.
    notes = re.findall(r"^Note: Holm adjusts each p-value column over the comparisons it tests in this table "
                       r"only \(sign-flip (\d+), DM \d+\), not across tables, targets or windows\.$", md, flags=re.M)
    assert notes and all(int(m) >= 2 for m in notes)
    m = int(notes[0])
    assert f"Note: with 3 paired seeds the smallest sign-flip p is 0.25 and the smallest adjusted p {min(1, m * 0.25):.3g}, " \
           "so no model can reach 0.05 on seeds alone: run more seeds." in md
    assert re.search(r"^Note: DM long-run variance: AR\(1\)-prewhitened cosine variance, Student t with 8 degrees", md,
                     flags=re.M)


def test_report_md_states_protocol_tables_and_failures(store_dir):
    assert main(["report", "--out", str(store_dir), "--no-figures"]) == 0
    rep = (store_dir / "details.md").read_text()
    for needle in ("# Details: grid `all`", "- profile: `quick`", "- seeds: 3 (0, 1, 2)", "### Protocol",
                   "- source: sin(x) + N(0, 0.3²)", "- split: chronological",
                   f"`epochs={TASKS['sine'].settings('quick')['epochs']}`",
                   "`window=4`", "paired tests on: `mse` against `persistence`",
                   "## How to read the tables", "DM p", "Holm-adjusted", "## Cells not in the tables",
                   "failed for seeds 0, 1, 2 (not in the tables): ValueError: boom",
                   "- implementations: native (per model: each task's protocol)"):
        assert needle in rep, needle
    assert re.search(r"^- implementation: (\w+ native; )*\w+ native$", rep, flags=re.M)  # trainable models only
    # The synthetic per-point losses average to the stored mse, so the DM column is filled.
    assert re.search(r"\| mlp\s+\| 3\s+\|.*\| (<0\.001|[01]\.\d+)( \*)? +\|$", rep, flags=re.M)


def test_figures_are_embedded_kept_and_redrawn(tmp_path):
    out = tmp_path / "one"
    report_time.synthetic_store(out, labels=1, seeds=2, points=80, epochs=4)
    assert main(["report", "--out", str(out), "--format", "md", "--pdf"]) == 0
    rep = (out / "details.md").read_text()
    pngs = re.findall(r"!\[[^]]*\]\((figures/[^)]+\.png)\)", rep)
    assert len(re.findall(r"\(\[PDF\]\(figures/[^)]+\.pdf\)\)", rep)) == len(pngs)
    assert {Path(p).name for p in pngs} == {"sine_window4_closed_loop.png", "sine_window4_loss.png",
                                            "sine_window4_intervals.png"}
    for p in pngs:  # relative paths that resolve, in both formats
        assert (out / p).stat().st_size > 0 and (out / p).with_suffix(".pdf").stat().st_size > 0
    first = {p: (out / p).stat().st_mtime_ns for p in pngs}
    assert main(["report", "--out", str(out), "--format", "md", "--pdf"]) == 0  # unchanged inputs: kept
    assert {p: (out / p).stat().st_mtime_ns for p in pngs} == first
    (out / pngs[0]).unlink()  # a missing file redraws its label
    assert main(["report", "--out", str(out), "--format", "md", "--pdf"]) == 0
    assert (out / pngs[0]).exists()
    assert main(["report", "--out", str(out), "--format", "md", "--pdf", "--redraw"]) == 0
    assert all((out / p).stat().st_mtime_ns != t for p, t in first.items())
    assert main(["report", "--out", str(out), "--format", "md"]) == 0  # PNG alone: a new format, redrawn
    rep = (out / "details.md").read_text()
    assert re.findall(r"!\[[^]]*\]\((figures/[^)]+\.png)\)", rep) == pngs and "[PDF]" not in rep
