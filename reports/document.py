"""The written outputs around the tables: the legend, results.md, results.tex and report.md.

Everything here is text assembly from ``TaskTable``s and plain dicts; the numbers come from
``reports.summary`` and the statistics from ``reports.stats``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from reports.stats import BOOT_MIN_N, BOOT_RESAMPLES, SKEW_LIMIT, min_wilcoxon_p
from reports.summary import TaskTable
from reports.tables import ALPHA, BOOT_MARK, FLOOR_FLAG, MARK, to_latex, to_markdown

LATEX_FLUSH = 3  # sections (main and cost table each) between \clearpage
LATEX_PREAMBLE = ("% Tables for a booktabs document: \\usepackage{booktabs} (nothing else is needed;\n"
                  "% the file is ASCII apart from names given by tasks).\n")


@dataclass
class Section:
    """One task label of the report: its table plus what the store says about how it was run."""

    table: TaskTable
    cost: TaskTable | None = None  # parameters and wall-clock figures of the same rows
    kind: str = ""  # regression / classification
    protocol: dict[str, str] = field(default_factory=dict)
    settings: dict[str, dict] = field(default_factory=dict)  # model -> resolved settings
    figures: list[tuple[str, str]] = field(default_factory=list)  # (relative stem without suffix, caption)


def legend(seeds: int) -> list[str]:
    """What every number in the tables means (markdown bullet lines)."""
    return [
        f"- **Cells** are `mean ± half-width` of the 95 % Student-t interval of the mean over the row's "
        f"`n` seeds (n − 1 degrees of freedom). `mean [lo, hi]{BOOT_MARK}` is a 95 % percentile bootstrap "
        f"interval ({BOOT_RESAMPLES} resamples, fixed seed), used instead when the seeds' sample skewness "
        f"|g1| > {SKEW_LIMIT:g} with n ≥ {BOOT_MIN_N}. A bare number: every seed gave the same value "
        "(a deterministic baseline) or n = 1. The interval covers seed-to-seed variation only: every seed "
        "is scored on the same test points.",
        "- **Reference**: each table's best naive baseline on the test metric (the non-trainable model "
        "with the best mean). `Δ` is the mean over paired seeds of model − reference.",
        "- **Wilcoxon p**: two-sided exact signed-rank test of the per-seed values against the reference "
        f"(paired by seed; zero differences dropped). With {seeds} seeds its smallest possible p is "
        f"{min_wilcoxon_p(seeds):.4g} before the Holm adjustment" + (", so it can never reach 0.05 at this seed count: use more seeds "
                                          "(6 give 0.031) for a seed-level verdict." if min_wilcoxon_p(seeds)
                                          >= ALPHA else "."),
        "- **DM p**: Diebold–Mariano test (Harvey–Leybourne–Newbold correction, Student t reference) on the "
        "per-test-point losses (squared error, or negative log-likelihood in nats), each model's losses "
        "averaged over its seeds first. Serial correlation of the loss differences is not modelled (horizon 1).",
        f"- Both p-value columns are **Holm-adjusted** over the models in the same table; `{MARK}` marks an "
        f"adjusted p < {ALPHA:g}. A p-value says whether a difference is distinguishable from noise, not "
        "which way it goes: read the sign of Δ.",
        "- **floor (analytic)**: the best value any forecast can reach in expectation (noise variance, chance "
        f"accuracy, ln 10 nats, ...), given by the task. `{FLOOR_FLAG}` marks a mean better than its floor "
        "by more than a 95 % allowance: the seed interval's half on the floor's side and 1.96 test-sample "
        "standard errors (from the stored per-point losses; binomial for shares of test points), added in "
        "quadrature. Such a result is a bug or a leak until explained.",
    ]


def _caption(t: TaskTable) -> str:
    text = f"{t.label}: mean and 95% interval over {t.seeds} seed{'s' * (t.seeds != 1)}"
    if t.reference:
        text += f"; paired tests against {t.reference} on {t.test_metric}, Holm-adjusted, * p < {ALPHA:g}"
    return text


def _fmt_setting(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def settings_lines(settings: dict[str, dict]) -> list[str]:
    """Settings shared by every model, then per-model differences (baselines ignore training ones)."""
    if not settings:
        return []
    keys = sorted({k for s in settings.values() for k in s})
    common, differing = {}, []
    for k in keys:
        vals = {m: s.get(k) for m, s in settings.items()}
        if len({repr(v) for v in vals.values()}) == 1:
            common[k] = next(iter(vals.values()))
        else:
            differing.append(k)
    lines = ["- settings: " + ", ".join(f"`{k}={_fmt_setting(v)}`" for k, v in common.items())]
    for k in differing:
        lines.append(f"- `{k}` by model: " + ", ".join(f"{m} `{_fmt_setting(s.get(k))}`"
                                                       for m, s in settings.items()))
    return lines


def findings(t: TaskTable) -> list[str]:
    """One line per model whose Holm-adjusted test marks a difference from the reference."""
    out = []
    for c in t.comparisons:
        sig = [name for name, p in (("Wilcoxon", c.wilcoxon_holm), ("DM", c.dm_holm)) if p < ALPHA]
        if sig:
            out.append(f"- {c.model}: Δ {t.test_metric} = {c.delta:+.3g} vs {t.reference} "
                       f"({' and '.join(sig)} adjusted p < {ALPHA:g})")
    if t.reference and not out:
        out.append(f"- no model differs from {t.reference} on {t.test_metric} at adjusted p < {ALPHA:g}")
    out += [f"- {FLOOR_FLAG}: {m} on {metric}" for m, metric in t.flagged]
    return out


def results_markdown(title: str, sections: list[Section], seeds: int, extra: list[str] = ()) -> str:
    """extra: task-level summary sections (markdown) placed before the per-label tables."""
    parts = [f"# {title}\n", "How to read the tables:\n", "\n".join(legend(seeds)) + "\n", *extra]
    for s in sections:
        parts += [f"\n## {s.table.label}\n", _caption(s.table) + ".\n", table_markdown(s.table)]
        if s.cost is not None:
            parts += ["", _cost_caption(s.cost) + ".\n", table_markdown(s.cost)]
    return "\n".join(parts) + "\n"


def _cost_caption(t: TaskTable) -> str:
    return (f"{t.label}, cost: parameters per member; wall-clock times of the whole stack of seeds "
            f"(95% interval over {t.seeds} seeds)")


def table_markdown(t: TaskTable) -> str:
    text = to_markdown(t.header, t.rows)
    return text + ("\n\n" + "\n".join(f"Note: {n}." for n in t.notes) if t.notes else "")


def results_latex(sections: list[Section]) -> str:
    notes = (f"Cells: mean $\\pm$ half-width of the 95\\% t-interval over seeds; [lo, hi]$^\\dagger$: "
             f"percentile bootstrap (skewed seeds). p: Holm-adjusted; * p < {ALPHA:g}. ")
    body = []
    for i, s in enumerate(sections):
        body.append(to_latex(s.table.header, s.table.rows, _caption(s.table), notes="; ".join(s.table.notes)))
        if s.cost is not None:
            body.append(to_latex(s.cost.header, s.cost.rows, _cost_caption(s.cost)))
        if i % LATEX_FLUSH == LATEX_FLUSH - 1 and i < len(sections) - 1:
            body.append(r"\clearpage")  # place pending floats: dozens in a row stop LaTeX's output routine
    return LATEX_PREAMBLE + f"% {notes}\n\n" + "\n\n".join(body) + "\n"


def report_markdown(run: dict, sections: list[Section], not_run: list[str], answers: list[str] = ()) -> str:
    """report.md: the protocol of the run, the legend, answers to the questions the run asks
    (markdown sections, e.g. assignment 2's), then per task its protocol, table, findings and
    figures (relative paths, PNG embedded, PDF linked)."""
    seeds = run.get("seeds", [])
    lines = [f"# Report: grid `{run['grid']}`\n",
             f"- profile: `{run['profile']}`", f"- seeds: {len(seeds)} ({', '.join(map(str, seeds))})"]
    lines += [f"- {k}: {v}" for k, v in run.get("environment", {}).items()]
    lines += ["- every number below is regenerated from `results.sqlite` by "
              "`python -m bench report --out DIR`; the tidy values are in `results.csv`\n",
              "## How to read the tables\n", "\n".join(legend(len(seeds))) + "\n", *answers]
    for s in sections:
        t = s.table
        lines += [f"## {t.label}\n", "### Protocol\n"]
        if s.kind:
            lines.append(f"- kind: {s.kind}")
        lines += [f"- {k}: {v}" for k, v in s.protocol.items()]
        lines += settings_lines(s.settings)
        if t.test_metric:
            lines.append(f"- paired tests on: `{t.test_metric}`"
                         + (f" against `{t.reference}`" if t.reference else ""))
        lines += ["", "### Results\n", _caption(t) + ".\n", table_markdown(t), ""]
        if s.cost is not None:
            lines += [_cost_caption(s.cost) + ".\n", table_markdown(s.cost), ""]
        found = findings(t)
        if found:
            lines += ["What the tests say:\n"] + found + [""]
        for stem, caption in s.figures:
            lines += [f"![{caption}]({stem}.png)", f"*{caption}* ([PDF]({stem}.pdf))\n"]
    if not_run:
        lines += ["## Cells not in the tables\n"] + [f"- {x}" for x in not_run] + [""]
    return "\n".join(lines) + "\n"
