"""The written outputs around the tables: the legend, results.md, results.tex and report.md.

Everything here is text assembly from ``TaskTable``s and plain dicts; the numbers come from
``reports.summary`` and the statistics from ``reports.stats``.
"""
from __future__ import annotations

import math

from dataclasses import dataclass, field

from reports.messages import name_in, recorded, text
from reports.stats import EXACT_MAX_N, FLIP_DRAWS, min_sign_flip_p
from reports.summary import TaskTable
from reports.tables import ALPHA, MARK, to_latex, to_markdown

LATEX_FLUSH = 12  # floats at most between two \clearpage (LaTeX holds 18 unplaced ones)


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
    title: str = ""  # the label in words (e.g. "S&P 500, log returns"), where the task gives them


def legend(seeds: int, lang: str = "en") -> list[str]:
    """What every number in the tables means (markdown bullet lines; an empty message is no line)."""
    floor_p = min_sign_flip_p(seeds)
    tail = (text(lang, "legend.sign_flip_unreachable", seeds=seeds, alpha=ALPHA) if floor_p >= ALPHA
            else text(lang, "legend.sign_flip_end"))
    lines = [
        text(lang, "legend.cells"),
        text(lang, "legend.reference"),
        text(lang, "legend.sign_flip", draws=FLIP_DRAWS, exact_max=EXACT_MAX_N, floor_p=floor_p, seeds=seeds,
             tail=tail),
        text(lang, "legend.dm"),
        text(lang, "legend.holm", mark=MARK, alpha=ALPHA),
        text(lang, "legend.floor", flag=text(lang, "table.beats_floor")),
        text(lang, "legend.names"),
        text(lang, "legend.tasks"),
    ]
    return [line for line in lines if line]


def _caption(t: TaskTable, lang: str) -> str:
    caption = text(lang, "doc.caption", label=t.label, seeds=t.seeds, s="s" * (t.seeds != 1))
    if t.reference:
        caption += text(lang, "doc.caption_tests", reference=t.reference, metric=t.test_metric, alpha=ALPHA)
    return caption


def _fmt_setting(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def settings_lines(settings: dict[str, dict], lang: str = "en") -> list[str]:
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
    lines = [text(lang, "doc.settings", items=", ".join(f"`{k}={_fmt_setting(v)}`" for k, v in common.items()))]
    for k in differing:
        lines.append(text(lang, "doc.setting_by_model", key=k, items=", ".join(
            f"{m} `{_fmt_setting(s[k])}`" for m, s in settings.items() if k in s)))  # only those that have it
    return lines


def findings(t: TaskTable, lang: str = "en") -> list[str]:
    """One line per model whose Holm-adjusted tests mark a difference from the reference: a
    difference needs both tests (DM alone where the seeds cannot vary, two deterministic models);
    one test alone is a disagreement, said as such."""
    out = []
    for c in t.comparisons:
        applied = [(name, p) for name, p in (("sign-flip", c.sign_flip_holm), ("DM", c.dm_holm)) if not math.isnan(p)]
        sig = [name for name, p in applied if p < ALPHA]
        if sig and len(sig) == len(applied):
            out.append(text(lang, "doc.finding", model=c.model, metric=t.test_metric, delta=c.delta,
                            reference=t.reference, tests=text(lang, "sep.and").join(sig), alpha=ALPHA))
        elif sig:
            out.append(text(lang, "doc.tests_disagree", model=c.model, metric=t.test_metric, delta=c.delta,
                            reference=t.reference, test=sig[0], alpha=ALPHA))
    if t.reference and not out:
        out.append(text(lang, "doc.no_finding", reference=t.reference, metric=t.test_metric, alpha=ALPHA))
    out += [text(lang, "doc.flagged", flag=text(lang, "table.beats_floor"), model=m, metric=metric)
            for m, metric in t.flagged]
    return out


def results_markdown(title: str, sections: list[Section], seeds: int, extra: list[str] = (),
                     lang: str = "en") -> str:
    """extra: task-level summary sections (markdown) placed before the per-label tables."""
    parts = [f"# {title}\n", text(lang, "doc.how_to_read_colon") + "\n", "\n".join(legend(seeds, lang)) + "\n",
             *extra]
    for s in sections:
        parts += [f"\n## {s.table.label}\n", _caption(s.table, lang) + text(lang, "doc.stop") + "\n",
                  table_markdown(s.table, lang)]
        if s.cost is not None:
            parts += ["", _cost_caption(s.cost, lang) + text(lang, "doc.stop") + "\n", table_markdown(s.cost, lang)]
    return "\n".join(parts) + "\n"


def _cost_caption(t: TaskTable, lang: str) -> str:
    return text(lang, "doc.cost_caption", label=t.label, seeds=t.seeds)


def table_markdown(t: TaskTable, lang: str = "en") -> str:
    table = to_markdown(t.header, t.rows)
    return table + ("\n\n" + "\n".join(text(lang, "doc.table_note", note=n) for n in t.notes) if t.notes else "")


def markdown_tables(md: str) -> list[tuple[str, list[str], list[list[str]]]]:
    """(the heading above it, header, rows) of every github table in a markdown text, code marks dropped."""
    out, heading, block = [], "", []

    def cells(line: str) -> list[str]:
        return [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]

    for line in md.splitlines() + [""]:
        if line.startswith("|"):
            block.append(line)
            continue
        if len(block) > 2:
            out.append((heading, cells(block[0]), [cells(b) for b in block[2:]]))
        block = []
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
    return out


def results_latex(sections: list[Section], lang: str = "en", summaries: list[str] = ()) -> str:
    """booktabs tables: first those of the summaries (markdown: the stock ratios, walk-forward and
    trading tables, the window study), then each label's; in Japanese for LuaLaTeX with luatexja (the
    preamble comment says so)."""
    body = [to_latex(header, rows, caption, continued=text(lang, "tex.continued", caption=caption))
            for md in summaries for caption, header, rows in markdown_tables(md)]
    if body:
        body.append(r"\clearpage")
    pending = 0
    for s in sections:
        caption = _caption(s.table, lang)
        tables = [to_latex(s.table.header, s.table.rows, caption, notes="; ".join(s.table.notes),
                           continued=text(lang, "tex.continued", caption=caption))]
        if s.cost is not None:
            cost = _cost_caption(s.cost, lang)
            tables.append(to_latex(s.cost.header, s.cost.rows, cost,
                                   continued=text(lang, "tex.continued", caption=cost)))
        n = sum(t.count(r"\begin{table}") for t in tables)
        if pending and pending + n > LATEX_FLUSH:
            body.append(r"\clearpage")  # place pending floats: too many in a row stop LaTeX's output routine
            pending = 0
        body += tables
        pending += n
    return text(lang, "tex.preamble") + f"% {text(lang, 'tex.notes', alpha=ALPHA)}\n\n" + "\n\n".join(body) + "\n"


def report_markdown(run: dict, parts: list[str], lang: str = "en") -> str:
    """report.md: a header of at most five lines (the run in one line, the link to details.md), then
    parts, the markdown lines of the answers, the differences from the lecture and the glossary."""
    env = text(lang, "sep.list").join(f"{name_in(lang, 'env', k)} {v}" for k, v in run.get("environment", {}).items())
    lines = [text(lang, "doc.report_title", grid=run["grid"]), "",
             text(lang, "doc.header", profile=run["profile"], n=len(run.get("seeds", [])), env=env), ""]
    return "\n".join(lines + list(parts)).rstrip("\n") + "\n"


# term in the run's labels or model names -> its gloss
GLOSSARY = (("persistence", "gloss.persistence"), ("mean", "gloss.mean"), ("mean_row", "gloss.mean_row"),
            ("-stateful", "gloss.stateful"), ("level", "gloss.level"), ("logret", "gloss.logret"),
            ("window-norm", "gloss.window_norm"), ("concat-", "gloss.concat"), ("summed-", "gloss.summed"))


def glossary(names: list[str], lang: str = "en") -> list[str]:
    """The labels of the run that need a word, one line each, and which means are which."""
    seen = " ".join(names)
    items = [text(lang, key) for term, key in GLOSSARY if term in seen] + [text(lang, "gloss.means")]
    return ["## " + text(lang, "gloss.title"), "", *(f"- {i}" for i in items), ""]


def details_markdown(run: dict, sections: list[Section], not_run: list[str], summaries: list[str] = (),
                     lang: str = "en") -> str:
    """details.md: the protocol of the run, the legend, the summaries the run's tasks give (markdown
    sections, e.g. assignment 2's answers in full, the stock evaluation), then per task label its
    protocol, table, findings and figures (relative paths, PNG embedded, PDF linked). Protocol notes
    are recorded in English and written in lang through the catalogue's recorded-text templates."""
    seeds = run.get("seeds", [])
    lines = [text(lang, "doc.details_title", grid=run["grid"]) + "\n", text(lang, "doc.profile", profile=run["profile"]),
             text(lang, "doc.seeds", n=len(seeds), seeds=", ".join(map(str, seeds)))]
    lines += [text(lang, "doc.item", name=name_in(lang, "env", k), value=v) for k, v in run.get("environment", {}).items()]
    lines += [text(lang, "doc.regenerate") + "\n", "## " + text(lang, "doc.how_to_read") + "\n",
              "\n".join(legend(len(seeds), lang)) + "\n", *summaries]
    stop = text(lang, "doc.stop")
    for s in sections:
        t = s.table
        lines += [f"## {t.label}" + (f" — {s.title}" if s.title else "") + "\n", "### " + text(lang, "doc.protocol") + "\n"]
        if s.kind:
            lines.append(text(lang, "doc.kind", kind=name_in(lang, "kind", s.kind)))
        lines += [text(lang, "doc.item", name=recorded(k, lang, "protocol"), value=recorded(v, lang, "note"))
                  for k, v in s.protocol.items()]
        lines += settings_lines(s.settings, lang)
        if t.test_metric:
            lines.append(text(lang, "doc.paired_on_against", metric=t.test_metric, reference=t.reference)
                         if t.reference else text(lang, "doc.paired_on", metric=t.test_metric))
        lines += ["", "### " + text(lang, "doc.results") + "\n", _caption(t, lang) + stop + "\n",
                  table_markdown(t, lang), ""]
        if s.cost is not None:
            lines += [_cost_caption(s.cost, lang) + stop + "\n", table_markdown(s.cost, lang), ""]
        found = findings(t, lang)
        if found:
            lines += [text(lang, "doc.tests_say") + "\n"] + found + [""]
        for stem, caption in s.figures:
            pdf = text(lang, "doc.pdf_link", path=f"{stem}.pdf") if "pdf" in s.figure_formats else ""
            lines += [f"![{caption}]({stem}.png)", f"*{caption}*{pdf}\n"]
    if not_run:
        lines += ["## " + text(lang, "doc.not_in_tables") + "\n"] + [f"- {x}" for x in not_run] + [""]
    return "\n".join(lines) + "\n"
