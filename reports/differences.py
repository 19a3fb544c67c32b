"""Where a run differs from the lecture's notebook, generated from the run's settings: per task of the
lecture the settings that differ from its `seed` profile (the notebook's), why, and the option that
restores them; then the data sets used in place of the notebook's."""
from __future__ import annotations

from reports.messages import text
from sequences.markets import MARKETS

# The lecture's tasks (the assignments name no protocol of their own) -> the message of why this
# suite's profiles differ, and the option that restores the notebook's settings.
LECTURE_TASKS = {"sine": "diff.why_sine", "stock": "diff.why_stock", "mnist": "diff.why_images",
                 "fashion-mnist": "diff.why_images"}
RESTORE = "--profile seed"
# Settings that name the data rather than how a model is trained: said by the data lines instead.
DATA_KEYS = frozenset({"stock_csv", "stock_column", "stock_sha256", "market", "span", "fold_days", "target",
                       "fashion_mnist_dir", "n_figure", "data_seed"})
STOCK_LECTURE = "nikkei225"  # the market the notebook used (sequences.markets)


def _value(v) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)


def setting_lines(tasks: list[tuple[str, dict, dict]], lang: str = "en") -> list[str]:
    """One line per task: its settings that differ from the notebook's, why, and how to restore them."""
    out, seen = [], set()
    for task, run, seed in tasks:
        if task in seen:  # one line per task (the stock task once, whatever its markets)
            continue
        seen.add(task)
        items = [text(lang, "diff.item", key=k, value=_value(run[k]), seed=_value(seed[k]))
                 for k in seed if k not in DATA_KEYS and k in run and run[k] != seed[k]]
        if items:
            out.append(text(lang, "diff.settings", task=task, items=", ".join(items),
                            why=text(lang, LECTURE_TASKS[task]), option=RESTORE))
    return out


def data_lines(tasks: list[tuple[str, dict, dict]], skipped: dict[str, str], lang: str = "en") -> list[str]:
    """The data sets used in place of the notebook's (stock closes, Fashion-MNIST)."""
    out = []
    stock = [run for task, run, _ in tasks if task == "stock" and not run.get("stock_csv")
             and run.get("market") != STOCK_LECTURE]
    if stock:
        markets = list(dict.fromkeys(MARKETS[r["market"]].title if r.get("market") in MARKETS else str(r.get("market"))
                                     for r in stock))
        out.append(text(lang, "diff.data_stock", markets=", ".join(markets), span=stock[0].get("span") or "–",
                        lecture=MARKETS[STOCK_LECTURE].title))
    if "fashion-mnist" in skipped and any(task == "mnist" for task, _, _ in tasks):
        out.append(text(lang, "diff.data_images", reason=skipped["fashion-mnist"].split(" (")[0]))
    return out


def differences_markdown(tasks: list[tuple[str, dict, dict]], skipped: dict[str, str], profile: str,
                         lang: str = "en") -> list[str]:
    lines = data_lines(tasks, skipped, lang) + setting_lines(tasks, lang)
    return ["## " + text(lang, "diff.title"), ""] + (lines or [text(lang, "diff.none", profile=profile)]) + [""]
