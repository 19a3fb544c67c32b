"""The written outputs around the tables: the legend, results.md, results.tex and report.md.

Everything here is text assembly from ``TaskTable``s and plain dicts; the numbers come from
``reports.summary`` and the statistics from ``reports.stats``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from reports.stats import EXACT_MAX_N, FLIP_DRAWS, min_sign_flip_p
from reports.summary import TaskTable
from reports.tables import ALPHA, FLOOR_FLAG, MARK, to_latex, to_markdown

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
    figure_formats: tuple[str, ...] = ("png",)  # the files each figure stem has (png always)


def legend(seeds: int) -> list[str]:
    """What every number in the tables means (markdown bullet lines)."""
    floor_p = min_sign_flip_p(seeds)
    return [
        "- **Cells** are `mean ± half-width` of the 95 % Student-t interval of the mean over the row's "
        "`n` seeds (n − 1 degrees of freedom). It covers about 95 % when the seed values are roughly normal; "
        "when they are skewed (one bad seed, a long tail) it covers less, and so does any interval from so "
        "few values. A bare number: every seed gave the same value (a deterministic baseline) or n = 1. The "
        "interval covers seed-to-seed variation only: every seed is scored on the same test points.",
        "- **Reference**: each table's best naive baseline on the test metric (the non-trainable model "
        "with the best mean). `Δ` is the mean over paired seeds of model − reference.",
        "- **sign-flip p**: two-sided exact sign-flip (permutation) test of the per-seed differences from "
        "the reference (paired by seed): the share of the 2ⁿ ways to flip their signs whose sum is at least "
        f"as far from 0 as the observed one (ties and zero differences included; {FLIP_DRAWS} random sign "
        f"patterns above {EXACT_MAX_N} seeds; none between two deterministic models, which give the same value "
        f"in every seed). With n seeds its smallest p is 2/2ⁿ ({floor_p:.3g} for "
        f"{seeds}) and after Holm over m comparisons m times that: the note under each table gives it"
        + (f"; at {seeds} seeds it cannot reach {ALPHA:g}, so run more seeds for a seed-level verdict."
           if floor_p >= ALPHA else "."),
        "- **DM p**: Diebold–Mariano test (Harvey–Leybourne–Newbold correction, Student t reference) on the "
        "per-test-point losses (squared error, or negative log-likelihood in nats), each model's losses "
        "averaged over its seeds first. The variance of their mean allows for serial correlation of the "
        "loss differences: a Bartlett (Newey–West) long-run variance after AR(1) prewhitening, its lag count "
        "chosen by Andrews' AR(1) plug-in rule (more lags for stronger autocorrelation); the note under each "
        "table gives the lags used.",
        f"- Both p-value columns are **Holm-adjusted** over the models in the same table, each column on its "
        f"own; `{MARK}` marks an adjusted p < {ALPHA:g}. The correction covers one table only: a grid has "
        "many (tasks, targets, windows), and nothing adjusts across them, so one `*` among many tables is "
        "weaker evidence than it looks. A p-value says whether a difference is distinguishable from noise, "
        "not which way it goes: read the sign of Δ.",
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
        lines.append(f"- `{k}` by model: " + ", ".join(f"{m} `{_fmt_setting(s[k])}`"  # only those that have it
                                                       for m, s in settings.items() if k in s))
    return lines


def findings(t: TaskTable) -> list[str]:
    """One line per model whose Holm-adjusted test marks a difference from the reference."""
    out = []
    for c in t.comparisons:
        sig = [name for name, p in (("sign-flip", c.sign_flip_holm), ("DM", c.dm_holm)) if p < ALPHA]
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
    notes = (f"Cells: mean $\\pm$ half-width of the 95\\% t-interval over seeds. "
             f"p: Holm-adjusted within a table; * p < {ALPHA:g}. ")
    body = []
    for i, s in enumerate(sections):
        body.append(to_latex(s.table.header, s.table.rows, _caption(s.table), notes="; ".join(s.table.notes)))
        if s.cost is not None:
            body.append(to_latex(s.cost.header, s.cost.rows, _cost_caption(s.cost)))
        if i % LATEX_FLUSH == LATEX_FLUSH - 1 and i < len(sections) - 1:
            body.append(r"\clearpage")  # place pending floats: dozens in a row stop LaTeX's output routine
    return LATEX_PREAMBLE + f"% {notes}\n\n" + "\n\n".join(body) + "\n"


def report_markdown(run: dict, sections: list[Section], not_run: list[str], summaries: list[str] = ()) -> str:
    """report.md: the protocol of the run, the legend, the answers and summaries the run's tasks give
    (markdown sections, e.g. assignment 2's answers, the stock evaluation), then per task label its
    protocol, table, findings and figures (relative paths, PNG embedded, PDF linked)."""
    seeds = run.get("seeds", [])
    lines = [f"# Report: grid `{run['grid']}`\n",
             f"- profile: `{run['profile']}`", f"- seeds: {len(seeds)} ({', '.join(map(str, seeds))})"]
    lines += [f"- {k}: {v}" for k, v in run.get("environment", {}).items()]
    lines += ["- every number below is regenerated from `results.sqlite` by "
              "`python -m bench report --out DIR`; the tidy values are in `results.csv`\n",
              "## How to read the tables\n", "\n".join(legend(len(seeds))) + "\n", *summaries]
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
            pdf = f" ([PDF]({stem}.pdf))" if "pdf" in s.figure_formats else ""
            lines += [f"![{caption}]({stem}.png)", f"*{caption}*{pdf}\n"]
    if not_run:
        lines += ["## Cells not in the tables\n"] + [f"- {x}" for x in not_run] + [""]
    return "\n".join(lines) + "\n"
