"""Programs some tests drive (a browser, TeX): found on the PATH, else the test is skipped; under CI=true,
where .ci/run installs them, a missing one fails the test instead."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

OVERFULL_PT = 5.0  # what a table may stick out past the text block before it counts as too wide


def need(*commands: str, why: str) -> list[str]:
    """The full paths of commands; a skip (a failure under CI=true) naming why when one is missing."""
    found = [shutil.which(c) for c in commands]
    if not all(found):
        missing = ", ".join(c for c, f in zip(commands, found) if not f)
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {missing} missing ({why})")
        pytest.skip(f"{missing} missing ({why})")
    return found


def compile_latex(folder: Path, tex: str, engine: str = "pdflatex",
                  preamble: str = "\\documentclass{article}\n\\usepackage{booktabs}\n") -> str:
    """results.tex inside a minimal document, compiled in folder: no error and no box wider than the
    text by more than OVERFULL_PT; returns the log."""
    (folder / "results.tex").write_text(tex)
    (folder / "doc.tex").write_text(preamble + "\\begin{document}\n\\input{results.tex}\n\\end{document}\n")
    p = subprocess.run([engine, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=folder,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-2000:]
    assert (folder / "doc.pdf").stat().st_size > 1000
    log = (folder / "doc.log").read_text(errors="replace")
    too_wide = [float(x) for x in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(x <= OVERFULL_PT for x in too_wide), f"boxes too wide by {too_wide} pt"
    return log
