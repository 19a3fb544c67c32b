"""Table cells and their two renderings: GitHub markdown and booktabs LaTeX, from the same rows.

A row is a list of cells; a cell is a plain string or an object with ``md()`` and ``tex()``
(an ``Estimate`` or a ``PValue``), so both formats always show the same numbers.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from tabulate import tabulate

from reports.intervals import Interval
from reports.messages import text

ALPHA = 0.05  # a Holm-adjusted p below this gets the marker
MARK = "*"


def fmt_number(x: float) -> str:
    """Four significant digits; integers stay integers."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if float(x).is_integer() and abs(x) < 1e9:
        return f"{int(x)}"
    return f"{x:.4g}"


def fmt_with_error(mean: float, *errors: float) -> list[str]:
    """mean and errors at the precision of two significant digits of the smallest positive error
    (e.g. 0.09312 ± 0.00213 -> '0.0931', '0.0021'); scientific figures fall back to %.4g / %.2g."""
    pos = [e for e in errors if math.isfinite(e) and e > 0]
    if not pos or not math.isfinite(mean):
        return [fmt_number(mean)] + [fmt_number(e) for e in errors]
    decimals = max(0, 1 - math.floor(math.log10(min(pos))))
    if decimals > 6 or abs(mean) >= 1e7:
        return [fmt_number(mean)] + [f"{e:.2g}" for e in errors]
    return [f"{v:.{decimals}f}" for v in (mean, *errors)]


@dataclass(frozen=True)
class Estimate:
    """A mean over seeds with its 95 % interval; flagged when it beats the task's analytic floor."""

    iv: Interval
    beats_floor: bool = False
    lang: str = "en"  # of the flag's words

    def _parts(self) -> tuple[str, str | None]:
        iv = self.iv
        if iv.method == "t":
            m, h = fmt_with_error(iv.mean, iv.half_width)
            return m, h
        return fmt_number(iv.mean), None

    def md(self) -> str:
        m, h = self._parts()
        shown = f"{m} ± {h}" if h else m
        return f"{shown} {text(self.lang, 'table.beats_floor')}" if self.beats_floor else shown

    def tex(self) -> str:
        m, h = self._parts()
        shown = f"${m} \\pm {h}$" if h else f"${m}$" if m != "–" else "--"
        return shown + text(self.lang, "tex.beats_floor") if self.beats_floor else shown


@dataclass(frozen=True)
class PValue:
    """A (Holm-adjusted) p-value with the marker when below ALPHA, and an optional note."""

    p: float
    note: str = ""

    def _text(self) -> str:
        if math.isnan(self.p):
            return f"– ({self.note})" if self.note else "–"
        text = "<0.001" if self.p < 0.001 else f"{self.p:.3g}"
        if self.p < ALPHA:
            text += f" {MARK}"
        return f"{text} ({self.note})" if self.note else text

    def md(self) -> str:
        return self._text()

    def tex(self) -> str:
        return latex_escape(self._text()).replace("<", r"\textless{}")


def _md(cell) -> str:
    return cell if isinstance(cell, str) else cell.md()


def _tex(cell) -> str:
    return latex_escape(cell) if isinstance(cell, str) else cell.tex()


def to_markdown(header: list[str], rows: list[list]) -> str:
    return tabulate([[_md(c) for c in r] for r in rows], headers=header, tablefmt="github",
                    disable_numparse=True)


# Characters LaTeX treats specially, and the non-ASCII ones this suite writes into names and headers.
_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "–": "--", "—": "---", "±": r"$\pm$", "Δ": r"$\Delta$", "π": r"$\pi$", "²": r"\textsuperscript{2}",
                  "≤": r"$\le$", "≥": r"$\ge$", "×": r"$\times$", "†": r"$^\dagger$", "⚠": "(!)", "·": r"$\cdot$",
                  "−": r"$-$", "÷": r"$\div$", "→": r"$\to$"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


# Width of a column in LaTeX, estimated from its characters: enough to split a table that would not fit.
TEXT_WIDTH_PT = 345.0  # \textwidth of the article class at 10 pt (a4 or letter)
CHAR_PT = 4.3  # a character under \small (9 pt Computer Modern: 3.7 to 4.5 pt in headers and cells); CJK twice
COLUMN_SEP_PT = 8.0  # 2 x \tabcolsep


def _shown_width(cell) -> float:
    return CHAR_PT * sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in _md(cell))


def column_parts(header: list[str], rows: list[list], width: float = TEXT_WIDTH_PT) -> list[list[int]]:
    """The column indices of each part of a table too wide for width: the first column (the row's name) in
    every part, the others in order, as many per part as fit (one part when the whole table fits)."""
    widths = [max(_shown_width(c) for c in [h, *(r[j] for r in rows)]) + COLUMN_SEP_PT for j, h in enumerate(header)]
    parts, used = [[0]], widths[0]
    for j in range(1, len(header)):
        if len(parts[-1]) > 1 and used + widths[j] > width:
            parts.append([0])
            used = widths[0]
        parts[-1].append(j)
        used += widths[j]
    return parts


def to_latex(header: list[str], rows: list[list], caption: str = "", notes: str = "", continued: str = "") -> str:
    """A booktabs table (needs \\usepackage{booktabs}); notes go under the rule, in small type. A table wider
    than the text is set as one float per part of its columns (column_parts), each with the row names; the
    parts after the first keep the table's number and have the caption continued (caption if not given)."""
    parts = column_parts(header, rows)
    floats = []
    for k, cols in enumerate(parts):
        lines = [r"\begin{table}[htbp]", r"\centering", r"\small", r"\setlength{\tabcolsep}{4pt}"]
        if k and caption:
            lines.append(r"\addtocounter{table}{-1}")  # the same table, continued
        if caption:
            lines.append(r"\caption{" + latex_escape(continued if k and continued else caption) + "}")
        lines += [r"\begin{tabular}{l" + "r" * (len(cols) - 1) + "}", r"\toprule",
                  " & ".join(latex_escape(header[j]) for j in cols) + r" \\", r"\midrule"]
        lines += [" & ".join(_tex(r[j]) for j in cols) + r" \\" for r in rows]
        lines += [r"\bottomrule", r"\end{tabular}"]
        if notes and k == len(parts) - 1:
            lines += [r"\par\smallskip", r"\parbox{\linewidth}{\footnotesize " + latex_escape(notes) + "}"]
        lines.append(r"\end{table}")
        floats.append("\n".join(lines))
    return "\n\n".join(floats)
