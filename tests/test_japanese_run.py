"""`--lang` through a run: the report process writes in the run's language, the figures it draws
while cells train are in that language (a report in the same language keeps them), and `--pdf`
writes Japanese figures with their font embedded and no glyph missing.
"""
import json
import re
import warnings

from bench import cli
from bench.cli import main
from bench.outputs.write import label_figures, read_manifest, write_reports
from bench.store.db import Store
from tests.test_japanese import GLYPH_MISSING
from tests.test_report import report_time


def _drawn(out) -> dict:
    return {p.name: p.stat().st_mtime_ns for p in (out / "figures").iterdir() if p.suffix in (".png", ".pdf")}


def test_figures_drawn_while_cells_train_are_in_the_runs_language(tmp_path):
    out = tmp_path / "two"
    report_time.synthetic_store(out, labels=2, seeds=2, points=60, epochs=3)
    manifest = read_manifest(out)
    first = manifest["cells"][0]["label"]
    label_figures(out, manifest, first, lang="ja")
    early = _drawn(out)
    assert early and all(name.startswith("sine_window4") for name in early)
    with Store(out / "results.sqlite") as st:
        write_reports(out, st, manifest, lang="ja")
        assert {n: t for n, t in _drawn(out).items() if n in early} == early  # drawn in Japanese: kept
        write_reports(out, st, manifest)
    assert all(_drawn(out)[n] != t for n, t in early.items())  # English: drawn again
    assert (out / "results.md").read_text().startswith("# Results")


def test_run_in_japanese_reports_and_draws_in_the_report_process(tmp_path):
    out = tmp_path / "ja"
    args = ["run", "--grid", "assignment2", "--model", "persistence", "--seeds", "2", "--out", str(out),
            "--executor", "process", "--workers", "1"]
    assert main(args + ["--lang", "ja", "--pdf"]) == 0
    md, rep = (out / "results.md").read_text(), (out / "details.md").read_text()
    assert md.startswith("# 結果：グリッド `assignment2`") and rep.startswith("# 詳細")
    drawn = _drawn(out)
    assert {n[:-4] for n in drawn if n.endswith(".pdf")} == {n[:-4] for n in drawn if n.endswith(".png")}
    assert "（[PDF](figures/" in rep
    # every figure the run drew (early or at its end) is the one a Japanese report keeps
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_MISSING)
        assert main(["report", "--out", str(out), "--lang", "ja", "--pdf"]) == 0
    assert _drawn(out) == drawn
    record = json.loads((out / "figures" / "figures.json").read_text())
    assert set(record) >= {c["label"] for c in read_manifest(out)["cells"]}


def test_labels_landing_during_a_run_are_drawn_in_its_language(tmp_path, monkeypatch):
    calls = []
    real = cli.label_figures
    monkeypatch.setattr(cli, "label_figures", lambda *a: calls.append(a[2:]) or real(*a))
    assert main(["run", "--grid", "assignment2", "--model", "persistence", "--seeds", "1", "--out", str(tmp_path),
                 "--executor", "local", "--lang", "ja"]) == 0
    assert calls and all(tuple(rest) == (("png",), "ja") for _, *rest in calls)


def test_japanese_pdf_figures_embed_the_japanese_font(tmp_path):
    out = tmp_path / "pdf"
    report_time.synthetic_store(out, labels=1, seeds=2, points=60, epochs=3)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_MISSING)
        assert main(["report", "--out", str(out), "--lang", "ja", "--pdf"]) == 0
    pdfs = sorted((out / "figures").glob("*.pdf"))
    assert pdfs and all(re.search(rb"/BaseFont /(\w+\+)?IPAexGothic", p.read_bytes()) for p in pdfs)
