"""Learning rates per (task, model), selected on validation data only.

A sweep (``run --lr-sweep``) plans, for every trained model of a task with validation data, one
cell per rate of the grid, equal in every other setting; the runner stacks those cells into one
job (``stack_rates``), so a sweep's rates are extra members of one stack, as seeds are. The report
then keeps, per (task label, model), the rate whose kept epoch has the lowest validation score,
averaged over seeds (reports/selection.py); only that cell enters the tables. A walk-forward task
selects a rate per fold instead (bench/store/fold_rates.py): its sweep adds a composed cell, trained in
the same stack, whose folds each take their own choice; that cell enters the tables.

Sweeping every rate in every run would multiply the grid's cost by the grid's length, so a
profile's defaults are a stored selection: ``rates.json`` (beside this file) holds, per profile,
task label and model, the rate a sweep selected, a fingerprint of the settings it was selected
under and the mean validation score of every rate; for a walk-forward cell also each fold's rate
(``fold_lr``) and each rate's validation score per fold (``fold_val``); an entry without them (an
older file) gives every fold its ``lr``. A plain run trains each cell at its stored
rate when its settings (the rate aside) match the fingerprint; otherwise, and for tasks without
validation data, at the task's fixed rate. ``python -m bench rates --out DIR`` rewrites the
stored selection from the store of a sweep run.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Mapping

from bench.store import fold_rates
from sequences.files import write_text_atomic

# The default --lr-sweep grid: three decades in half-decade steps (a narrower sweep left many choices
# at an edge; `at_edge` names those still there)
SWEEP = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
RATES_FILE = Path(__file__).with_name("rates.json")
SWEEP_COMMAND = "python -m bench run --grid all --lr-sweep --out results/lr-sweep"
STORE_COMMAND = "python -m bench rates --out results/lr-sweep"


# A capacity control (bench/run/grids.py) trains at the rate selected for the model at its own size.
RESIZING = ("match_params", "match_hidden")


def fingerprint(settings: Mapping) -> str:
    """What a stored rate was selected under: every setting but the rate itself and a resizing."""
    blob = json.dumps({k: v for k, v in settings.items() if k not in ("lr", fold_rates.KEY, *RESIZING)},
                      sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def stored(path: Path | None = None) -> dict:
    """The stored selection, {"profiles": profile -> task label -> model -> {lr, settings (the
    fingerprint), val (rate -> mean validation score), seeds, commit, ...}}; {} when there is none."""
    return _read(Path(path or RATES_FILE))


@lru_cache(maxsize=4)
def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return {}


def stored_rate(profile: str, label: str, model: str, settings: Mapping, path: Path | None = None) -> dict | None:
    """The stored entry for this cell, if it was selected under these very settings."""
    entry = stored(path).get("profiles", {}).get(profile, {}).get(label, {}).get(model)
    return entry if entry is not None and entry["settings"] == fingerprint(settings) else None


def at_edge(entry: Mapping) -> bool:
    """Whether a stored entry's rate (any fold's, where it has one per fold) is the smallest or
    largest rate its sweep tried."""
    tried = [float(r) for r in entry["val"]]
    chosen = entry.get("fold_lr") or [entry["lr"]]
    return len(tried) > 1 and any(float(r) in (min(tried), max(tried)) for r in chosen)


def rate_settings(task, label: str, model: str, trainable: bool, profile: str, settings: dict,
                  sweep: tuple[float, ...] | None, fixed: bool) -> list[dict]:
    """The settings of a (label, model)'s cells: one per sweep rate, or one at its stored or fixed
    rate. fixed: the user gave --lr, which no selection overrides."""
    if not trainable or fixed or not task.has_validation(settings):
        return [settings]
    folds = task.folds(settings)
    if sweep:
        composed = [{**settings, fold_rates.KEY: fold_rates.swept_text(sweep)}] if folds and len(sweep) > 1 else []
        return [{**settings, "lr": float(r)} for r in sweep] + composed
    entry = stored_rate(profile, label, model, settings)
    if entry is None:
        return [settings]
    per_fold = entry.get("fold_lr")
    if folds and per_fold and len(per_fold) == folds:
        return [{**settings, "lr": float(entry["lr"]), fold_rates.KEY: fold_rates.fixed_text(per_fold)}]
    return [{**settings, "lr": float(entry["lr"])}]


def stack_rates(jobs: list) -> list:
    """Jobs (bench.run.cell.Job) that differ only in their cell's rate become one job: the first, with
    the others' cells as its siblings, trained in one stack."""
    groups: dict[tuple, list] = {}
    for j in jobs:
        c = j.config
        rest = tuple(kv for kv in c.settings if kv[0] != "lr" and not (kv[0] == fold_rates.KEY
                                                                       and fold_rates.swept({kv[0]: kv[1]})))
        groups.setdefault((c.task, c.model, c.profile, c.device, rest, j.seeds, j.device, j.deterministic),
                          []).append(j)
    return [replace(g[0], siblings=tuple(x.config for x in g[1:])) if len(g) > 1 else g[0] for g in groups.values()]


def write_stored(selection, settings: Mapping[tuple[str, str], dict], profile: str, source: dict,
                 path: Path | None = None, per_fold: Mapping[tuple[str, str], dict] | None = None) -> int:
    """Store a sweep's selection as the profile's defaults; entries of other task labels and
    profiles are kept. selection: the rows of reports.selection.select_rates (label, model, lr,
    mean, seeds, chosen); settings: (label, model) -> the cells' settings; source: what each
    entry records of how it was made (commit, grid name); per_fold: (label, model) -> lr, fold_lr and
    fold_val of a walk-forward sweep (bench/store/fold_rates.py), which replace the selection's single rate.
    Returns the number of entries written."""
    doc = {"profiles": {p: dict(v) for p, v in stored(path).get("profiles", {}).items()}}
    entries = doc["profiles"].setdefault(profile, {})
    n = 0
    for (label, model), g in selection.groupby(["label", "model"], sort=False):
        pick = g[g.chosen]
        if pick.empty or (label, model) not in settings:
            continue
        if settings[(label, model)].get("match_params"):  # a capacity control trains at its full-size cell's rate
            continue
        entries[label] = {**entries.get(label, {}), model: {
            "lr": float(pick.lr.iloc[0]), "settings": fingerprint(settings[(label, model)]),
            "val": {repr(float(r)): float(m) for r, m in zip(g.lr, g["mean"])}, "seeds": int(pick.seeds.iloc[0]),
            **source, **(per_fold or {}).get((label, model), {})}}
        n += 1
    write_text_atomic(Path(path or RATES_FILE), json.dumps(doc, indent=1, sort_keys=True) + "\n")
    _read.cache_clear()
    return n
