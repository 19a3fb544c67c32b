"""Read a grid run back from the store into the plain inputs that ``reports`` works on.

Everything task-specific comes from the store (floors, protocol, settings, per-point losses) or
from registries (metric directions, which models are naive, a task's kind); no task is named here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import pandas as pd

from bench.store import fold_rates
from bench.errors import UserError
from bench.metrics import FIELDS, FIELD_NAMES, get_field
from bench.store.db import Store
from bench.tasks import get_task
from models import MODELS
from models.implementation import IMPLS
from reports.messages import name_in, recorded, text
from reports.summary import TaskInputs

# Fields kept out of the main tables (they stay in results.csv): descriptive ones, and per-seed test
# results, which mean nothing as a mean over seeds (a task's own section counts them instead).
NOT_IN_TABLES = {"best_epoch", "epochs_run", "members", "final_train_loss", "eval_wall_s",
                 "dm_stat_vs_persistence", "dm_p_vs_persistence", "val_score", "converged", "fitted"}
# The paired tests compare the metric whose per-point losses tasks store as `pointwise_loss`
# (squared error in data units; negative log-likelihood in nats).
TEST_METRIC = {"regression": "mse", "classification": "cross_entropy"}
PROPORTIONS = frozenset({"accuracy", "direction_acc"})  # shares of the test points
IN_TABLES = ("ok", "diverged")  # statuses whose metrics enter the tables
FOLD_ARRAYS = ("fold_lr", "sweep_lr", "fold_val")  # a per-fold rate's record (bench/store/fold_rates.py)
PAST_FLOOR = "whole past"  # the name of a stateful model's floor row: the best any forecast from the whole past can do


@dataclass
class Run:
    """One grid run read back: the manifest, every result row, the cells' records."""

    manifest: dict
    wide: pd.DataFrame  # one row per (cell, seed), all statuses
    cells: dict[str, dict]  # cell key -> task, model, settings, floors, protocol
    labels: dict[str, list[dict]]  # label -> its manifest cells, in plan order
    table_seeds: dict[str, set[int]]  # cell key -> seeds whose metrics enter the tables
    sweep: pd.DataFrame | None = None  # learning-rate selection rows (bench/outputs/report_rates.py)
    dropped: set[str] = field(default_factory=set)  # keys of swept cells whose rate was not selected
    # cell key -> fold_lr (F,) each fold's rate, and for a sweep's composed cell sweep_lr (R,) and
    # fold_val (R, F): each rate's validation score per fold, mean over seeds (bench/store/fold_rates.py)
    folds: dict[str, dict] = field(default_factory=dict)


def load_run(store: Store, manifest: dict) -> Run:
    try:
        keys = [c["key"] for c in manifest["cells"]]
        labels: dict[str, list[dict]] = {}
        for c in manifest["cells"]:
            labels.setdefault(c["label"], []).append(c)
    except (KeyError, TypeError) as e:
        raise UserError(f"run manifest lacks {e}; rerun `python -m bench run` to rewrite it") from None
    wide = store.results(keys)
    seeds: dict[str, set[int]] = {}
    if not wide.empty:
        ok = wide[wide.status.isin(IN_TABLES)]
        for key, seed in zip(ok.cell_key.tolist(), ok.seed.tolist()):
            seeds.setdefault(key, set()).add(int(seed))
    cells = store.cells(keys)
    folds = {k: store.arrays(k, FOLD_ARRAYS).get(-1, {}) for k, c in cells.items()
             if c.get("settings", {}).get(fold_rates.KEY)}
    return Run(manifest, wide, cells, labels, seeds, folds={k: v for k, v in folds.items() if "fold_lr" in v})


def tidy_results(run: Run) -> pd.DataFrame:
    """Columns grid, task, model, seed, metric, value (task holds the cell label), plus status."""
    cols = ["grid", "task", "model", "seed", "metric", "value", "status"]
    labels = {c["key"]: c["label"] for c in run.manifest["cells"]}
    wide = run.wide
    if wide.empty:
        return pd.DataFrame(columns=cols)
    wide = wide[wide.status.isin(IN_TABLES) & ~wide.cell_key.isin(run.dropped)]
    metric_cols = [f for f in FIELD_NAMES if f in wide.columns]
    long = wide.melt(id_vars=["cell_key", "model", "seed", "status"], value_vars=metric_cols,
                     var_name="metric", value_name="value").dropna(subset=["value"])
    long["task"] = long.cell_key.map(labels)
    long["grid"] = run.manifest["grid"]
    order = {f: i for i, f in enumerate(FIELD_NAMES)}
    long["_o"] = long.metric.map(order)
    long = long.sort_values(["task", "model", "_o", "seed"]).drop(columns=["_o", "cell_key"])
    return long[cols].reset_index(drop=True)


def task_kind(task: str) -> str:
    try:
        return get_task(task).kind
    except UserError:  # a store written when the registry held this task
        return ""


def unit_of(metric: str) -> str:
    """The unit a metric's description names: its last parenthesis, or a trailing ', nats'."""
    try:
        d = get_field(metric).description
    except KeyError:
        return ""
    m = re.search(r"\(([^()]*)\)\s*$", d) or re.search(r",\s*(\w+)\s*$", d)
    return m.group(1) if m else "dimensionless"


def task_inputs(run: Run, label: str, tidy: pd.DataFrame, store: Store) -> TaskInputs:
    """Everything one table needs, for the cells of one label."""
    cs = run.labels[label]
    values = tidy[tidy.task == label][["model", "seed", "metric", "value"]]
    present = set(values.metric)
    metrics = [f.name for f in FIELDS if f.name in present and f.name not in NOT_IN_TABLES
               and f.better and not f.timing]
    models = [m for m in MODELS if m in set(values.model)]
    floors: dict[str, float] = {}
    own: dict[str, dict[str, float]] = {}  # a stateful model's floors (it reads the whole past)
    for c in cs:
        spec = MODELS.get(c["model"])
        into = own.setdefault(c["model"], {}) if spec is not None and spec.regime == "stateful" else floors
        into.update(run.cells.get(c["key"], {}).get("floors", {}))
    kind = task_kind(cs[0]["task"])
    test_metric = TEST_METRIC.get(kind)
    if test_metric not in metrics:  # e.g. a task scored only by accuracy: sign-flip test only
        test_metric = next((m for m in metrics if get_field(m).better and not get_field(m).timing), None)
    pointwise, predictions, truth = {}, {}, None
    squared = test_metric == "mse"  # squared errors: Clark–West needs the forecasts themselves
    for c in cs:
        ok = run.table_seeds.get(c["key"], set())
        if c["model"] not in models or not ok:
            continue
        arrs = store.arrays(c["key"], ("pointwise_loss", "test_pred", "test_true") if squared else ("pointwise_loss",))
        got = {s: a["pointwise_loss"] for s, a in arrs.items() if s in ok and "pointwise_loss" in a}
        if got:
            pointwise[c["model"]] = got
        preds = {s: a["test_pred"] for s, a in arrs.items() if s in ok and "test_pred" in a}
        if preds:
            predictions[c["model"]] = preds
        if truth is None and "test_true" in arrs.get(-1, {}):
            truth = arrs[-1]["test_true"]
    return TaskInputs(label=label, values=values, metrics=metrics,
                      better={f.name: f.better for f in FIELDS}, models=models,
                      naive=frozenset(m for m in models if not MODELS[m].trainable),
                      floors={k: float(v) for k, v in floors.items() if k in metrics},
                      model_floors={m: {k: float(v) for k, v in f.items() if k in metrics} for m, f in own.items()},
                      floor_names=dict.fromkeys(own, PAST_FLOOR),
                      test_metric=test_metric, pointwise=pointwise, predictions=predictions, truth=truth,
                      proportions=PROPORTIONS & set(metrics))


def label_arrays(store: Store, cells: list[dict]) -> tuple[dict[str, dict[int, dict]], dict]:
    """The stored arrays of one label's cells: ({model: {seed: {name: array}}}, cell-level arrays)."""
    by_model, cell_arrays = {}, {}
    for c in cells:
        arrays = store.arrays(c["key"])
        if not arrays:
            continue
        cell_arrays = arrays.get(-1, cell_arrays)
        by_model[c["model"]] = {s: a for s, a in arrays.items() if s >= 0}
    return by_model, cell_arrays


def cost_inputs(inp: TaskInputs) -> TaskInputs:
    """The same rows for the cost table: parameters and wall-clock figures, no tests, no floors."""
    present = set(inp.values.metric)
    metrics = [f.name for f in FIELDS if f.name in present and f.name not in NOT_IN_TABLES
               and (f.timing or not f.better)]
    return replace(inp, metrics=metrics, floors={}, model_floors={}, test_metric=None, pointwise={})


def not_in_tables(run: Run, lang: str = "en") -> list[str]:
    """One line per (cell, status) whose seeds are missing from the tables or diverged, with reasons
    (recorded in English, written in lang where the catalogue knows the reason's template)."""
    w = run.wide
    if w.empty:
        return []
    w = w[~(w.cell_key.isin(run.dropped) & (w.status == "diverged"))]  # a swept rate not selected: in its figure
    labels = {c["key"]: c["label"] for c in run.manifest["cells"]}
    groups: dict[tuple, list[str]] = {}  # cells of one label with the same status, seeds and reason: one line
    for (key, status, reason), g in w[w.status != "ok"].groupby(["cell_key", "status", "reason"], sort=False):
        seeds = ", ".join(map(str, sorted(g.seed)))
        groups.setdefault((labels.get(key, key), status, reason, seeds), []).append(g.model.iloc[0])
    out = []
    for (label, status, reason, seeds), models in groups.items():
        what = text(lang, "doc.kept_epoch" if status == "diverged" else "doc.not_in_tables_short")
        out.append(text(lang, "doc.not_in_tables_line", label=label, model=", ".join(models),
                        status=name_in(lang, "status", status), seeds=seeds, what=what,
                        reason=recorded(reason, lang, "reason")))
    stored = set(w.cell_key)
    missing = [c for c in run.manifest["cells"] if c["key"] not in stored]
    out += [text(lang, "doc.no_results_stored", label=c["label"], model=c["model"]) for c in missing]
    return out


# stored column -> its name in report.md (translated through the catalogue's env.* names); the
# implementations follow them, read from the rows' records
ENVIRONMENT = (("device_name", "device"), ("torch", "torch"), ("git_commit", "git commit"))
IMPLEMENTATIONS = "implementations"


def environment(run: Run, lang: str = "en") -> dict[str, str]:
    """Devices, torch versions, implementations and git commits the stored rows were measured with."""
    out = {}
    for col, name in ENVIRONMENT:
        if col in run.wide.columns:
            vals = sorted({str(v) for v in run.wide[col].dropna()})
            if vals:
                out[name] = ", ".join(vals)
    if "impl" in run.wide.columns:  # the names within each row's record, e.g. "train native, evaluate torch"
        ran = " ".join(str(v) for v in run.wide.impl.dropna())
        names = [name for name in IMPLS if name in ran]
        if names:
            out[IMPLEMENTATIONS] = text(lang, "doc.impl_names", names=", ".join(names))
    return out


def implementations(run: Run, keys: list[str], lang: str = "en") -> str:
    """Which implementation ran each trainable model of these cells (models/implementation.py), from
    their rows, in lang: e.g. 'gru native; mlp train native+torch, evaluate torch'; '' without a record."""
    w = run.wide
    if w.empty or "impl" not in w.columns:
        return ""
    trainable = [name for name, spec in MODELS.items() if spec.trainable]
    rows = w[w.cell_key.isin(keys) & w.impl.notna() & w.model.isin(trainable)]
    return text(lang, "sep.list").join(
        text(lang, "doc.impl", model=model, impls=" | ".join(recorded(i, lang, "note") for i in sorted(set(g.impl))))
        for model, g in rows.groupby("model", sort=False))
