"""results.tex of a real (tiny) run of the `all` grid, compiled: pdflatex in English, lualatex in Japanese."""
import re
import shutil
import subprocess

import pytest

from bench.cli import main
from tests.system_tools import compile_latex, need


@pytest.fixture(scope="module")
def tiny_all(tmp_path_factory):
    """Every task of the default grid at one epoch, two seeds and 4 hidden units: its tables, not its numbers."""
    out = tmp_path_factory.mktemp("latex") / "all"
    assert main(["run", "--grid", "all", "--seeds", "2", "--epochs", "1", "--hidden", "4", "--no-figures",
                 "--executor", "local", "--out", str(out)]) == 0
    return out


def _widest(lines: list[str], sep: str) -> int:
    return max(ln.count(sep) for ln in lines)


def test_results_tex_of_the_all_grid_compiles_within_the_text_block(tiny_all, tmp_path):
    need("pdflatex", why="texlive-latex-base, texlive-latex-recommended")
    tex = (tiny_all / "results.tex").read_text()
    log = compile_latex(tmp_path, tex)
    assert "LaTeX Warning: Float too large" not in log
    # Tables too wide for the page are split in LaTeX only; the markdown keeps each table whole.
    md_rows = [ln for ln in (tiny_all / "results.md").read_text().splitlines() if ln.startswith("|")]
    tex_rows = [ln for ln in tex.splitlines() if ln.endswith(r"\\")]
    assert _widest(md_rows, "|") - 1 >= 12 > _widest(tex_rows, "&") + 1


def _luatexja() -> bool:
    return bool(shutil.which("lualatex") and shutil.which("kpsewhich")
                and subprocess.run(["kpsewhich", "luatexja.sty"], capture_output=True).returncode == 0)


@pytest.mark.skipif(not _luatexja(), reason="needs lualatex and luatexja (texlive-luatex, texlive-lang-japanese)")
def test_japanese_results_tex_of_the_all_grid_compiles_with_lualatex(tiny_all, tmp_path):
    ja = tmp_path / "ja"
    shutil.copytree(tiny_all, ja)
    assert main(["report", "--out", str(ja), "--lang", "ja", "--format", "tex", "--no-figures"]) == 0
    tex = (ja / "results.tex").read_text()
    assert re.search(r"[\u3040-\u30ff]", tex)  # Japanese captions
    compile_latex(tmp_path, tex, "lualatex", "\\documentclass{ltjsarticle}\n\\usepackage{booktabs}\n")
