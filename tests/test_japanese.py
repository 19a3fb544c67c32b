"""Reports in Japanese: the catalogues agree, every text the code can write has a translation, recorded
English is translated, figures draw every glyph, golden files pin one table and one report section in
both languages, and `--lang ja` is refused in one line without the extra that carries its fonts.

The test configuration turns MissingMessage into an error, so any report drawn here in Japanese fails
on an untranslated key. Regenerate the golden files after an intended change with UPDATE_GOLDEN=1.
"""
import ast
import importlib.util
import re
import shutil
import string
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from bench.metrics import FIELDS
from bench.outputs.report_inputs import ENVIRONMENT, IMPLEMENTATIONS, PAST_FLOOR, unit_of
from bench.store.db import STATUSES
from bench.tasks import FAMILIES, TASKS, get_task
from bench.tasks.base import Unavailable
from reports.document import Section, details_markdown, results_latex
from reports.messages import RECORDED, en, ja, match_recorded, matches_recorded, recorded, text
from reports.stats import sign_flip_test
from reports.summary import build_table
from reports.tables import to_markdown
from tests.test_report import report_time
from tests.test_tables import _golden, toy_inputs

ROOT = Path(__file__).resolve().parents[1]
CLOSED_SETS = ("kind", "env", "status", "unit", "floor")  # looked up by name (reports.messages.name_in)
GLYPH_MISSING = r"(?s).*Glyph .* missing from"


def _fields(template: str) -> dict[str, str]:
    return {name: spec for _, name, spec, _ in string.Formatter().parse(template) if name is not None}


def test_catalogues_have_the_same_keys_and_fields():
    assert set(ja.MESSAGES) == set(en.MESSAGES)
    for key, tmpl in en.MESSAGES.items():
        en_fields, ja_fields = _fields(tmpl), _fields(ja.MESSAGES[key])
        assert set(ja_fields) <= set(en_fields), key  # a translation may leave out a field (a plural 's'), not add one
        if key.split(".")[0] in RECORDED:  # fields hold recorded text: no number formats
            assert not any(en_fields.values()) and not any(ja_fields.values()), key


def _code_strings() -> set[str]:
    found = set()
    for folder in ("bench", "reports", "sequences", "models"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return found


def test_every_key_the_code_names_exists_and_every_key_is_used():
    namespaces = {k.split(".")[0] for k in en.MESSAGES}
    looks_like_key = re.compile(rf"^({'|'.join(namespaces)})\.[a-z0-9_]+$")
    named = {s for s in _code_strings() if looks_like_key.match(s)}
    assert named - set(en.MESSAGES) == set()
    by_name = {k for k in en.MESSAGES if k.split(".")[0] in CLOSED_SETS + RECORDED}
    assert set(en.MESSAGES) - by_name - named == set()  # no key that nothing asks for


def test_closed_sets_have_every_name():
    names = {f"kind.{t.kind}" for t in TASKS.values()} | {f"status.{s}" for s in STATUSES}
    names |= {f"env.{name}" for _, name in ENVIRONMENT} | {f"env.{IMPLEMENTATIONS}", f"floor.{PAST_FLOOR}"}
    # a table's test metric labels an axis with its unit (dm_stat is never one: mse comes first)
    names |= {f"unit.{unit_of(f.name)}" for f in FIELDS if f.better and f.name != "dm_stat_vs_persistence"}
    assert names - set(en.MESSAGES) == set()


def _every_protocol():
    """(task/profile, protocol field, value) for every task and family example, and skipped reasons."""
    names = list(TASKS) + [ex for _, examples in FAMILIES.values() for ex in examples]
    for name in names:
        task = get_task(name)
        for profile in ("quick", "seed"):
            s = task.settings(profile)
            s = task.resolve(s) if task.resolve else s
            try:
                data = task.build(s, np.random.default_rng(0))
            except Unavailable as e:  # conftest: offline, so Fashion-MNIST is skipped with its reason
                yield f"{name}/{profile}", None, str(e)
                continue
            for field, value in data.protocol.items():
                yield f"{name}/{profile}", field, value


def test_every_protocol_note_and_skip_reason_is_translated():
    seen = 0
    for where, field, value in _every_protocol():
        namespace = "reason" if field is None else "note"
        if field is not None:
            assert match_recorded(field, "protocol"), (where, field)
        if re.search("[A-Za-z]{2}", value):  # words, not just numbers like a period
            hits = sorted((literal for _, _, literal in matches_recorded(value, namespace)), reverse=True)
            assert hits, (where, field, value)
            assert len(hits) == 1 or hits[0] > hits[1], (where, field, value)  # one most specific template
            seen += 1
    assert seen > 60


@pytest.mark.parametrize("value,expected", [
    ("chronological, one window lost at each boundary: train 2001-01-02..2001-02-01 (4 windows), "
     "test 2001-02-05..2001-02-09 (5 days)",
     "時系列順、境界ごとにウィンドウ 1 つ分を除く：学習 2001-01-02..2001-02-01（4 ウィンドウ）、"
     "テスト 2001-02-05..2001-02-09（5 日）"),
    ("i.i.d. U[0, 1); digits of π (mpmath, 10 digits)", "独立な一様乱数 U[0, 1)；円周率の数字（mpmath、10 桁）"),
    ("none (fitted on the training part)", "なし（学習部分で当てはめ）"),
    ("a.csv (kabuoji3 CSV, column 終値): 30 closes 2019-01-04..2019-02-20",
     "a.csv（kabuoji3 形式の CSV、列 終値）：2019-01-04..2019-02-20 の終値 30 個"),
    ("somebody's own words", "somebody's own words"),  # nothing matches: shown as recorded
])
def test_recorded_notes_are_rewritten_with_their_parts(value, expected):
    assert recorded(value, "ja", "note") == expected
    assert recorded(value, "en", "note") == value


def test_recorded_remarks_and_reasons():
    _, remark = sign_flip_test(np.array([1.0, 3.0]), np.array([1.0, 3.0]))
    assert match_recorded(remark, "pnote")[0] == "pnote.identical" and recorded(remark, "ja", "pnote") == "同一"
    _, remark = sign_flip_test(np.array([1.0]), np.array([2.0]))
    assert recorded(remark, "ja", "pnote") == "1 組"
    assert "– (シード間の変動なし)" in to_markdown(*[build_table(toy_inputs(), "ja").__dict__[k]
                                                  for k in ("header", "rows")])  # two deterministic baselines
    assert recorded("non-finite training loss at epoch 7", "ja", "reason") == "エポック 7 で学習の損失が有限でなくなった"
    offline = ("Fashion-MNIST is not available here (t.gz: no mirror served it (http://a/t.gz: refused; "
               "http://b/t.gz: refused)); pass --fashion-mnist-dir DIR holding t[.gz], or run once with network "
               "access to cache them in /c")  # an error message quoted inside, list separators and all
    assert recorded(offline, "ja", "reason") == (
        "Fashion-MNIST はここでは使えません（t.gz：どのミラーからも取得できない（http://a/t.gz: refused; http://b/t.gz: "
        "refused））。t[.gz] を入れたフォルダを --fashion-mnist-dir DIR で指定するか、ネットワークにつながる環境で一度"
        "実行して /c にキャッシュしてください")


def test_missing_translation_warns_and_falls_back_to_english(monkeypatch):
    monkeypatch.delitem(ja.MESSAGES, "table.model")
    with pytest.warns(Warning, match="'table.model' missing in 'ja'"):
        assert text("ja", "table.model") == "model"


# ---------------------------------------------------------------- golden files, both languages

def _section(lang: str) -> str:
    t = build_table(toy_inputs(), lang)
    protocol = {"source": "sin(x) + N(0, 0.3²), 393 points, step 4π/49",
                "split": "chronological 60%/20%/20% with a one-window gap at each boundary",
                "scaler": "none (fitted on the training part)"}
    sec = Section(t, None, "regression", protocol, {"mlp": {"epochs": 60, "lr": 0.01}, "gru": {"epochs": 60, "lr": 0.02}},
                  [("figures/toy_task_intervals", "toy: intervals")])
    doc = details_markdown({"grid": "toy", "profile": "quick", "seeds": [0, 1, 2, 3, 4]}, [sec], [], lang=lang)
    return doc[doc.index(f"## {t.label}"):]


def test_golden_japanese_table_and_report_section():
    t = build_table(toy_inputs(), "ja")
    _golden("table_ja.md", to_markdown(t.header, t.rows) + "\n")
    _golden("report_section_ja.md", _section("ja"))


def test_english_report_section_is_pinned():
    _golden("report_section_en.md", _section("en"))  # with table.md and table.tex: English output byte for byte
    assert build_table(toy_inputs()).header == build_table(toy_inputs(), "en").header


def test_japanese_text_reads_as_japanese():
    sec = _section("ja")
    assert "手順" in sec and "理論下限" in sec and "（素朴予測・基準）" in sec and "データ：" in sec
    for english in ("Protocol", "naive", "floor (analytic)", "chronological", "What the tests say"):
        assert english not in sec, english


NO_LUALATEX = pytest.mark.skipif(shutil.which("lualatex") is None or shutil.which("kpsewhich") is None or
                                 subprocess.run(["kpsewhich", "luatexja.sty"], capture_output=True).returncode != 0,
                                 reason="needs lualatex and luatexja (texlive-luatex, texlive-lang-japanese)")


@NO_LUALATEX
def test_japanese_latex_compiles_with_lualatex(tmp_path):
    sec = Section(build_table(toy_inputs(), "ja"), build_table(toy_inputs(), "ja"))
    (tmp_path / "results.tex").write_text(results_latex([sec], "ja"))
    (tmp_path / "doc.tex").write_text("\\documentclass{ltjsarticle}\n\\usepackage{booktabs}\n\\begin{document}\n"
                                      "\\input{results.tex}\n\\end{document}\n")
    p = subprocess.run(["lualatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:]


def test_assignment2_answers_in_japanese():
    from reports.assignment2 import answers_markdown
    from tests.test_a2_verdicts import _concat53, _uniform
    cells = [_uniform(np.random.default_rng(0)), _concat53(np.random.default_rng(1), every=20)]
    ja_text = answers_markdown(cells, "ja")
    for needle in ("## 課題 2：", "### (1) 周期性のない数列（一様乱数、円周率）", "**答え：いいえ。**", "学ぶものがありません",
                   "### (3) 周期の異なる 2 つの数列を m:n で連続して結合した数列", "**答え：はい。**",
                   "- 役に立つ：ウィンドウ 8 の `concat-1_7-1_17-5x3`。", "最小ウィンドウ 13、ウィンドウが制限する",
                   "状態を持つ GRU は MLP に勝つが最良の素朴な予測には勝たない"):
        assert needle in ja_text, needle
    for english in ("Answer", "Helps", "window", "stateful GRU", "Nothing to learn", "parameters"):
        assert english not in ja_text, english
    assert answers_markdown(cells) == answers_markdown(cells, "en")


def test_stock_section_in_japanese():
    from reports.stock import market_section
    from tests.test_stock_report import _arrays, _rows, _tidy
    labels = {"stock (market=m, target=level)": "level", "stock (market=m, target=logret)": "logret"}
    tidy = _tidy(_rows("stock (market=m, target=level)", "gru", [5.0, 6.0, 7.0], dm_p=0.001)
                 + _rows("stock (market=m, target=level)", "persistence", [1.0, 1.0, 1.0], dm_p=1.0)
                 + _rows("stock (market=m, target=logret)", "gru", [0.999, 1.001, 1.0]))
    cell, gru = _arrays([(4.0, 9.0), (4.0, 9.0)])
    _, pers = _arrays([(1.0, 1.0)] * 5)
    arrays = {lb: (t, {"gru": gru, "persistence": pers}, cell) for lb, t in labels.items()}
    md = market_section(tidy, "S&P 500", arrays, fee=0.001, strategy="long-flat", lang="ja")
    for needle in ("## 株価：S&P 500", "### ウォークフォワードの分割（S&P 500）", "| 分割 1：2020-01-01..2020-01-20",
                   "`level` では gru は persistence より悪い（区間全体が 1 より上）", "バイ・アンド・ホールド",
                   "| 予測対象 ", "シャープレシオ − バイ・アンド・ホールド [95 % 信頼区間]", "- gru："):
        assert needle in md, needle
    for english in ("Stock:", "worse than", "buy-and-hold", "never trade", "Walk-forward", "under each target"):
        assert english not in md, english


# ---------------------------------------------------------------- figures

def _draw_every_kind(out: Path, lang: str) -> list[Path]:
    """Every figure kind the suite draws, through the tasks' own hooks where they have one."""
    import pandas as pd

    from bench.tasks import formal, images, sine, stock
    from reports.figures import plot_intervals, plot_loss_curves
    from reports.fonts import figure_language
    from reports.rate_figures import plot_rate_curves
    from reports.window_study import plot_metric_vs_window
    rng = np.random.default_rng(0)
    x = np.linspace(0, 12, 60)
    paths = []
    with figure_language(lang):
        paths += sine.figures("sine", {"gru": {0: {"closed_loop": np.sin(x[30:])}}},
                              {"x": x, "noisy": np.sin(x), "clean": np.sin(x), "test_start": np.array([40])}, out, lang)
        dates = np.arange("2018-01-01", "2018-03-02", dtype="datetime64[D]")
        stock_arrays = {"test_pred": np.arange(60.0), "trade_returns": np.full(60, 0.001)}
        paths += stock.figures("stock", {"gru": {0: stock_arrays, 1: stock_arrays}},
                               {"test_dates": dates, "test_true": np.arange(60.0), "hold_returns": np.full(60, 0.002),
                                "fold_starts": np.array([0, 30])}, out, lang)
        imgs = rng.random((3, 28, 28))
        paths += images.figures("mnist", {"lstm": {0: {"completed": imgs, "row_mse": rng.random(14)}}},
                                {"originals": imgs, "given_rows": np.array([14])}, out, lang)
        strings = {"accepted_by_n": np.ones(9), "correct_by_n": np.ones(9)}
        failed = {"accepted_by_n": np.zeros(9), "correct_by_n": np.zeros(9)}
        paths += formal.figures("anbn", {"lstm": {0: strings, 1: strings}, "gru": {0: failed}},
                                {"n": np.arange(1, 10), "n_train_max": np.array([4])}, out, lang)
        paths += plot_loss_curves({"gru": rng.random((2, 5))}, out / "loss", text(lang, "fig.loss_title", label="x"),
                                  lang=lang)
        rates = pd.DataFrame({"model": "gru", "lr": [0.001, 0.01, 0.1], "mean": [0.5, 0.4, 0.6], "lo": [0.45, 0.35, 0.5],
                              "hi": [0.55, 0.45, 0.7], "chosen": [False, True, False]})
        paths += plot_rate_curves(rates, out / "lr", text(lang, "fig.lr_title", label="x"), text(lang, "fig.lr_axis"),
                                  {"gru": (0.01, 0.41)}, lang)
        paths += plot_intervals([("gru", 1.0, 0.9, 1.1), ("mean", 2.0, 2.0, 2.0)], out / "iv",
                                text(lang, "fig.intervals_title", label="x", metric="mse"), "mse", 0.5, "mean", lang)
        frame = pd.DataFrame({"task": "pi", "window": [2, 2, 4, 4] * 2, "model": ["gru"] * 4 + ["gru-stateful"] * 4,
                              "seed": [0, 1, 0, 1] * 2, "value": [0.1, 0.2, 0.3, 0.4] * 2, "bound": 0.5,
                              "minimal_window": 3.0})
        paths += plot_metric_vs_window(frame, text(lang, "window.accuracy"), out / "window",
                                       text(lang, "window.figure_title", label="x"), flat=("gru-stateful",),
                                       lang=lang)
    return paths


def test_every_figure_kind_draws_every_japanese_glyph(tmp_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_MISSING)
        paths = _draw_every_kind(tmp_path, "ja")
    kinds = {p.stem for p in paths}
    assert {"sine_closed_loop", "stock_predictions", "stock_equity", "mnist_completion", "mnist_row_mse", "anbn_by_n",
            "loss", "lr", "iv", "window"} <= kinds
    assert all(p.stat().st_size > 0 for p in paths)


def test_without_the_font_japanese_glyphs_are_missing(tmp_path):
    from reports.figures import plot_loss_curves
    with pytest.warns(UserWarning, match=GLYPH_MISSING):  # what the test above guards against
        plot_loss_curves({"gru": np.ones((1, 3))}, tmp_path / "loss", "学習の損失")


# ---------------------------------------------------------------- the command line

def test_lang_ja_is_refused_without_the_extra(tmp_path, capsys, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib_fontja"
                        else real(name, *a))
    assert main(["run", "--task", "sine", "--lang", "ja", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and 'pip install -e ".[ja]"' in err and "matplotlib_fontja" in err
    assert not (tmp_path / "o").exists()
    assert main(["report", "--out", str(tmp_path), "--lang", "fr"]) == 1
    assert "must be one of en, ja, got 'fr'" in capsys.readouterr().err


def test_report_in_japanese_rewrites_tables_report_and_figures(tmp_path):
    out = tmp_path / "run"
    report_time.synthetic_store(out, labels=1, seeds=3, points=80, epochs=4)
    assert main(["report", "--out", str(out)]) == 0
    english = {n: (out / n).read_bytes() for n in ("results.md", "report.md", "results.tex", "results.csv")}
    first = {p.name: p.stat().st_mtime_ns for p in (out / "figures").glob("*.png")}
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=GLYPH_MISSING)
        assert main(["report", "--out", str(out), "--lang", "ja"]) == 0
    md, rep, tex, det = ((out / n).read_text() for n in ("results.md", "report.md", "results.tex", "details.md"))
    assert md.startswith("# 結果：グリッド `all`") and "表の読み方：" in md and "| モデル" in md
    assert rep.startswith("# レポート") and "## 答え" in rep and "## 講義との違い" in rep
    assert det.startswith("# 詳細") and "### 手順" in det and "閉ループ描画" in det
    assert "ltjsarticle" in tex and "理論下限" in tex
    assert (out / "results.csv").read_bytes() == english["results.csv"]  # identifiers and numbers only
    # a new language redraws every figure; back in English, every file is as it was
    assert all(p.stat().st_mtime_ns != first[p.name] for p in (out / "figures").glob("*.png"))
    assert main(["report", "--out", str(out)]) == 0
    assert {n: (out / n).read_bytes() for n in english} == english
