"""A comparison (reports.compare) written out: markdown in either language, CSV and JSON for machines.

Markdown's words come from the message catalogues; CSV and JSON carry the verdict codes and plain numbers.
"""
from __future__ import annotations

import csv
import io
import json
import math

from reports.compare import VERDICTS, Comparison, Row, geometric_mean_ratio
from reports.intervals import Interval
from reports.messages import text
from reports.tables import Estimate, PValue, fmt_number, to_markdown

VERDICT_KEYS = {"worse": "cmp.verdict_worse", "better": "cmp.verdict_better",
                "no_change": "cmp.verdict_no_change", "identical": "cmp.verdict_identical"}
COLUMNS = ("cell", "metric", "verdict", "paired", "n_a", "n_b", "a_mean", "a_lo", "a_hi", "b_mean", "b_lo", "b_hi",
           "delta", "delta_lo", "delta_hi", "relative", "p", "p_holm")


def _delta(iv: Interval) -> str:
    shown = Estimate(iv).md()
    return f"+{shown}" if iv.mean > 0 else shown


def _relative(x: float) -> str:
    return "–" if math.isnan(x) else "0 %" if x == 0 else f"{100 * x:+.3g} %"


def _test(r: Row, lang: str) -> str:
    if r.verdict == "identical":
        return "–"  # no test: every seed's value is the same
    return text(lang, "cmp.paired", n=r.a.n) if r.paired else text(lang, "cmp.welch", n_a=r.a.n, n_b=r.b.n)


def _bullets(items: list[str], lang: str) -> str:
    return "\n".join(f"- {x}" for x in items) if items else text(lang, "cmp.none")


def markdown(c: Comparison, a_name: str, b_name: str, lang: str = "en") -> str:
    t = lambda key, **kw: text(lang, key, **kw)  # noqa: E731
    matched = c.matched
    out = [f"# {t('cmp.title', a=a_name, b=b_name)}", "",
           t("cmp.runs", cells_a=matched + len(c.only_a), cells_b=matched + len(c.only_b), matched=matched), "",
           f"## {t('cmp.settings_title')}", ""]
    out += [t("cmp.setting_line", setting=k, a=va, b=vb,
              cells=t("cmp.every_cell") if len(cells) == matched else t("sep.list").join(cells))
            for k, va, vb, cells in c.differing] or [t("cmp.settings_none")]
    header = [t("cmp.h_cell"), t("cmp.h_metric"), t("cmp.h_a"), t("cmp.h_b"), t("cmp.h_delta"), t("cmp.h_relative"),
              t("cmp.h_test"), t("cmp.h_p"), t("cmp.h_verdict")]
    rows = [[r.cell, r.metric, Estimate(r.a), Estimate(r.b), _delta(r.delta), _relative(r.relative), _test(r, lang),
             PValue(r.p_holm), t(VERDICT_KEYS[r.verdict])] for r in c.rows]
    what = t("cmp.what_margin", tolerance=c.tolerance) if c.tolerance else t("cmp.what_zero")
    out += ["", f"## {t('cmp.scores_title')}", "", t("cmp.summary", **c.counts), "",
            to_markdown(header, rows), "",
            t("cmp.method", what=what, m=c.tests, alpha=c.alpha),
            "", f"## {t('cmp.only_a')}", "", _bullets(c.only_a, lang),
            "", f"## {t('cmp.only_b')}", "", _bullets(c.only_b, lang),
            "", f"## {t('cmp.timing_title')}", ""]
    if not c.timing:
        return "\n".join(out + [t("cmp.timing_none"), ""])
    metrics = list(dict.fromkeys(x.metric for x in c.timing))
    out += [t("cmp.timing_note"), ""]
    out += [t("cmp.timing_summary", metric=m, n=sum(x.metric == m for x in c.timing),
              ratio=geometric_mean_ratio(c.timing, m)) for m in metrics]
    header = [t("cmp.h_cell"), t("cmp.h_metric"), t("cmp.h_a"), t("cmp.h_b"), t("cmp.h_ratio")]
    rows = [[x.cell, x.metric, fmt_number(x.a), fmt_number(x.b), fmt_number(x.ratio)]
            for x in sorted(c.timing, key=lambda x: (x.metric, -abs(math.log(x.ratio)) if x.ratio > 0 else 0))]
    return "\n".join(out + ["", to_markdown(header, rows), ""])


def records(c: Comparison) -> list[dict]:
    """One plain dict per score row, keyed by COLUMNS."""
    return [dict(zip(COLUMNS, (r.cell, r.metric, r.verdict, r.paired, r.a.n, r.b.n, r.a.mean, r.a.lo, r.a.hi,
                               r.b.mean, r.b.lo, r.b.hi, r.delta.mean, r.delta.lo, r.delta.hi, r.relative,
                               r.p, r.p_holm)))
            for r in c.rows]


def to_csv(c: Comparison) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(records(c))
    return buf.getvalue()


def _finite(x):
    return None if isinstance(x, float) and not math.isfinite(x) else x


def to_json(c: Comparison, a_name: str, b_name: str) -> str:
    doc = {"a": a_name, "b": b_name, "alpha": c.alpha, "tolerance": c.tolerance,
           "counts": {v: c.counts.get(v, 0) for v in VERDICTS},
           "settings_differ": [{"setting": k, "a": va, "b": vb, "cells": cells} for k, va, vb, cells in c.differing],
           "rows": [{k: _finite(v) for k, v in rec.items()} for rec in records(c)],
           "only_a": c.only_a, "only_b": c.only_b,
           "timing": [{"cell": x.cell, "metric": x.metric, "a": _finite(x.a), "b": _finite(x.b),
                       "ratio": _finite(x.ratio)} for x in c.timing]}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def render(c: Comparison, fmt: str, a_name: str, b_name: str, lang: str = "en") -> str:
    if fmt == "csv":
        return to_csv(c)
    if fmt == "json":
        return to_json(c, a_name, b_name)
    return markdown(c, a_name, b_name, lang)
