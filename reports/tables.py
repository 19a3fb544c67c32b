"""Summary rows over seeds, rendered as GitHub markdown and booktabs LaTeX from the same rows.

tidy: DataFrame with columns task, model, seed, metric, value.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from tabulate import tabulate


def summarize(tidy: pd.DataFrame) -> pd.DataFrame:
    """Per (task, model, metric): n, mean and sample std over seeds (NaN values dropped)."""
    g = tidy.dropna(subset=["value"]).groupby(["task", "model", "metric"], sort=False)["value"]
    out = g.agg(n="count", mean="mean", std=lambda v: float(np.std(v, ddof=1)) if len(v) > 1 else float("nan"))
    return out.reset_index()


def fmt_number(x: float) -> str:
    """Four significant digits; integers stay integers."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if float(x).is_integer() and abs(x) < 1e9:
        return f"{int(x)}"
    return f"{x:.4g}"


def table_rows(summary: pd.DataFrame, task: str, metrics: list[str], models: list[str],
               floors: dict[str, float] | None = None) -> tuple[list[str], list[list[str]]]:
    """Header and rows for one task: a row per model (mean ± std), then an analytic-floor row."""
    s = summary[summary.task == task]
    header = ["model"] + metrics
    rows = []
    for m in models:
        sm = s[s.model == m].set_index("metric")
        if sm.empty:
            continue
        row = [m]
        for metric in metrics:
            if metric not in sm.index:
                row.append("–")
                continue
            mean, std = sm.loc[metric, "mean"], sm.loc[metric, "std"]
            tiny = math.isnan(std) or std <= 1e-9 * max(abs(mean), 1e-300)  # identical seeds, float noise
            row.append(fmt_number(mean) if tiny else
                       f"{fmt_number(mean)} ± {fmt_number(std)}")
        rows.append(row)
    if floors:
        rows.append(["floor (analytic)"] + [fmt_number(floors[m]) if m in floors else "" for m in metrics])
    return header, rows


def to_markdown(header: list[str], rows: list[list[str]]) -> str:
    return tabulate(rows, headers=header, tablefmt="github", disable_numparse=True)


_LATEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def _latex_cell(cell: str) -> str:
    if " ± " in cell:
        a, b = cell.split(" ± ")
        return f"${latex_escape(a)} \\pm {latex_escape(b)}$"
    return latex_escape(cell.replace("–", "--"))


def to_latex(header: list[str], rows: list[list[str]], caption: str = "") -> str:
    """A booktabs tabular (needs \\usepackage{booktabs})."""
    cols = "l" + "r" * (len(header) - 1)
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption:
        lines.append(r"\caption{" + latex_escape(caption) + "}")
    lines += [r"\begin{tabular}{" + cols + "}", r"\toprule",
              " & ".join(latex_escape(h) for h in header) + r" \\", r"\midrule"]
    lines += [" & ".join(_latex_cell(c) for c in r) + r" \\" for r in rows]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines)
