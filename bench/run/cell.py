"""One cell, run in a worker: build the task's data, train K members at once, score them.

It returns a CellRecord and never raises: an error becomes status 'failed' with its reason,
a non-finite loss 'diverged', missing data 'skipped'. Only the coordinator writes the store.
"""
from __future__ import annotations

import platform
import traceback
from dataclasses import dataclass, replace

import numpy as np
import torch

from bench.device import timed
from bench.run.config import CellConfig
from bench.run.determinism import deterministic_mode
from bench.run.matching import REFERENCE as MATCH_REFERENCE, matched_hidden
from bench.store import fold_rates
from bench.store.db import CellRecord
from bench.tasks import get_task
from bench.tasks.base import Unavailable
from bench.train.loop import train_members
from bench.train.stateful import train_stateful
from models import BuildArgs, get_model, native
from models.implementation import describe, take_record
from models.stateful import carries_state


@dataclass(frozen=True)
class Job:
    config: CellConfig
    seeds: tuple[int, ...]
    device: str  # torch device string, e.g. "cpu" or "cuda:0"
    deterministic: bool = False  # deterministic kernels only (recorded in env, not in the key)
    # Cells that differ from config only in lr (a learning-rate sweep, bench/store/rates.py): their
    # members train in the same stack, and the record carries theirs as its siblings.
    siblings: tuple[CellConfig, ...] = ()


def environment(device: torch.device) -> dict:
    """What the numbers were measured with (a finished cell adds "impl", which implementations ran
    its model: models/implementation.py)."""
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    return {"device_name": name, "torch": torch.__version__}


def uniform_record(job: Job, status: str, reason: str, **kw) -> CellRecord:
    """Every seed of the job (and of its siblings) with one status and reason (skipped, failed,
    a lost worker)."""
    metrics = kw.pop("metrics", {})
    recs = [CellRecord(cell_key=c.key, task=c.task, model=c.model, profile=c.profile, device=c.device,
                       settings=c.settings_dict, seeds=list(job.seeds), status={s: status for s in job.seeds},
                       reason={s: reason for s in job.seeds}, metrics=metrics, **kw)
            for c in (job.config, *job.siblings)]
    recs[0].siblings = recs[1:]
    return recs[0]


def run_job(job: Job) -> CellRecord:
    device = torch.device(job.device)
    with deterministic_mode(job.deterministic):
        rec = _attempt(job, device)
    rec.env["deterministic"] = job.deterministic
    return rec


def _attempt(job: Job, device: torch.device) -> CellRecord:
    try:
        return _run(job, device)
    except Unavailable as e:
        return uniform_record(job, "skipped", str(e), env=environment(device))
    except Exception as e:  # a failing cell fails alone; the grid goes on
        last = traceback.extract_tb(e.__traceback__)[-1]
        reason = f"{type(e).__name__}: {e} ({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
        return uniform_record(job, "failed", reason.replace("\n", " "), env=environment(device))


def _run(job: Job, device: torch.device) -> CellRecord:
    configs, seeds = (job.config, *job.siblings), list(job.seeds)
    # the stack's rates, ascending: every trained cell's, and every rate a composed cell selects among
    rates = sorted({float(x.training.lr) for x in configs if not fold_rates.swept(x.settings_dict)}
                   | {r for x in configs for r in fold_rates.swept(x.settings_dict) or ()})
    c = configs[0]
    task, spec, s, size = get_task(c.task), get_model(c.model), c.settings_dict, c.size
    data = task.build(s, np.random.default_rng(c.data_seed))
    train, val, test = (ws.to(device) if ws is not None else None for ws in (data.train, data.val, data.test))
    data.train, data.val, data.test = train, val, test
    hidden = size.hidden
    if size.match_params and spec.trainable:  # True: the GRU at the task's hidden; a name: that model at its own
        ref = size.match_params if isinstance(size.match_params, str) else MATCH_REFERENCE
        hidden = matched_hidden(c.model, data.in_features, data.out_features, size.window,
                                size.hidden if size.match_hidden is None else size.match_hidden, size.layers, ref,
                                strict=ref == MATCH_REFERENCE)
    members = seeds * len(rates)  # one block of seeds per learning rate
    model = spec.build(BuildArgs(tuple(members), data.in_features, data.out_features, size.window, hidden,
                                 size.layers, data.classification)).to(device)
    K = len(members)
    native.library()  # built and loaded before the clock starts (torch._dynamo, which bench.train.loop.warm_up
    # also imports for torch.optim, is not needed here: cells train with bench.train.optim)
    clock = timed(device)
    log = None
    if spec.trainable:
        cfg = replace(c.training, classification=data.classification)
        if len(rates) > 1:
            cfg = replace(cfg, lr=tuple(r for r in rates for _ in seeds))
        if carries_state(model):  # the model's regime first
            log = train_stateful(model, train, val, members, cfg, c.stateful)
        elif task.train is not None:
            log = task.train(model, data, members, cfg, s)
        else:
            log = train_members(model, train, val, members, cfg, data.val_score)
    elif getattr(model, "positional", False):  # mean_row: fitted per target position
        model.fit(train.targets, train.start + train.window)
    else:
        model.fit(train.targets)
    train_s = clock()
    trained = take_record(model)
    clock = timed(device)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverged member's outputs are inf/NaN by nature
        metrics, arrays = task.evaluate(model, data, s)
    eval_s = clock()
    impl = describe(trained, take_record(model))
    n_params = sum(p.numel() for p in model.parameters()) // K
    samples = len(train) * (log.train_loss.shape[1] if log is not None else 1) * K
    if log is not None and log.samples is not None:  # e.g. walk-forward: several training parts
        samples = log.samples
    common = dict(params=n_params, train_wall_s=train_s, eval_wall_s=eval_s, members=K,
                  samples_per_s=samples / train_s if train_s > 0 else float("nan"))
    if size.match_params and spec.trainable:
        common["hidden"] = hidden
    if log is not None and not task.has_validation(s):  # e.g. the share of training strings not fitted
        log.val_loss = log.val_loss[:, :0]  # is a stopping rule, not a validation score: not stored as one
    floors = data.past_floors if carries_state(model) and data.past_floors is not None else data.floors
    env = {**environment(device), "impl": impl}
    block = {r: range(i * len(seeds), (i + 1) * len(seeds)) for i, r in enumerate(rates)}  # rate -> its members
    recs = [_composed(x, seeds, rates, arrays, log, common, data, floors, env, task)
            if fold_rates.swept(x.settings_dict) else
            _record(x, seeds, block[float(x.training.lr)], metrics, arrays, log, common, data, floors, env)
            for x in configs]
    recs[0].siblings = recs[1:]
    return recs[0]


def _record(c: CellConfig, seeds: list[int], members: range, metrics: dict, arrays: dict, log, common: dict,
            data, floors: dict, env: dict) -> CellRecord:
    """One cell's record from its members' rows of the stack (member members[i] is seed seeds[i])."""
    rows, status, reason = {}, {}, {}
    trained = log is not None
    for k, seed in zip(members, seeds):
        row = {name: float(v[k]) for name, v in metrics.items()}
        row.update(common)
        status[seed], reason[seed] = "ok", ""
        if trained:
            e = int(log.best_epoch[k])
            row.update(best_epoch=e, epochs_run=int(log.epochs[k]),  # as if alone, not the stack's
                       final_train_loss=float(log.train_loss[k, e]) if e >= 0 else float("nan"))
            if fold_rates.fixed(c.settings_dict) is None:  # else one rate per fold: the array fold_lr
                row["lr"] = float(c.training.lr)
            if log.converged is not None and np.isfinite(log.converged[k]):  # NaN: a fixed budget, no verdict
                row["converged"] = float(log.converged[k])
            if log.selection is not None:  # the selection criterion of a learning-rate sweep
                row["val_score"] = float(log.selection[k])
            elif log.val_loss.size and e >= 0:
                row["val_score"] = float(log.val_loss[k, e])
            if log.diverged[k]:
                bad = int(np.argmax(~np.isfinite(log.train_loss[k])))
                status[seed], reason[seed] = "diverged", f"non-finite training loss at epoch {bad}"
        rows[seed] = row
    out_arrays = {(-1, name): a for name, a in data.arrays.items()}
    if fold_rates.fixed(c.settings_dict) is not None:
        out_arrays[(-1, "fold_lr")] = np.array(fold_rates.fixed(c.settings_dict))
    for k, seed in zip(members, seeds):
        for name, a in arrays.items():
            out_arrays[(seed, name)] = a[k]
        if trained:  # the epochs this member would have run alone
            out_arrays[(seed, "train_loss")] = log.train_loss[k, :log.epochs[k]]
            if log.val_loss.size:
                out_arrays[(seed, "val_loss")] = log.val_loss[k, :log.epochs[k]]
    return CellRecord(cell_key=c.key, task=c.task, model=c.model, profile=c.profile, device=c.device,
                      settings=c.settings_dict, seeds=list(seeds), status=status, reason=reason, metrics=rows,
                      env=env, floors=floors, protocol=data.protocol, arrays=out_arrays)


def _composed(c: CellConfig, seeds: list[int], rates: list[float], arrays: dict, log, common: dict, data,
              floors: dict, env: dict, task) -> CellRecord:
    """A sweep's composed walk-forward cell (bench/store/fold_rates.py): each fold's test days forecast at
    the rate its own validation days chose, and scored from those forecasts like any cell."""
    own = [rates.index(r) for r in fold_rates.swept(c.settings_dict)]
    n = len(seeds)
    every = log.fold_selection.reshape(len(rates), n, -1)  # (rates of the stack, seeds, folds)
    scores = every[own]  # (R, n, F): the rates this cell selects among
    pick = np.asarray(own)[fold_rates.choose(scores)]  # (F,) each fold's rate, as an index into rates
    starts = np.asarray(data.arrays["fold_starts"])
    with np.errstate(over="ignore", invalid="ignore"):
        metrics, out = task.score(fold_rates.compose(arrays["test_pred"], starts, pick, n), data, c.settings_dict)
    chosen = every[pick, :, np.arange(len(pick))]  # (F, n) each fold's validation loss at its rate
    diverged = log.diverged.reshape(len(rates), n)[pick].any(0)  # (n,) a chosen member diverged in some fold
    rows, status, reason = {}, {}, {}
    out_arrays = {(-1, name): a for name, a in data.arrays.items()}
    out_arrays.update({(-1, "fold_lr"): np.array(rates)[pick], (-1, "sweep_lr"): np.array(rates)[own],
                       (-1, "fold_val"): np.where(np.isfinite(scores), scores, np.nan).mean(1)})  # (R, F)
    for i, seed in enumerate(seeds):
        rows[seed] = {**{name: float(v[i]) for name, v in metrics.items()}, **common,
                      "val_score": float(chosen[:, i].mean())}
        status[seed], reason[seed] = ("diverged", "a fold's chosen rate diverged") if diverged[i] else ("ok", "")
        out_arrays.update({(seed, name): a[i] for name, a in out.items()})
    return CellRecord(cell_key=c.key, task=c.task, model=c.model, profile=c.profile, device=c.device,
                      settings=c.settings_dict, seeds=list(seeds), status=status, reason=reason, metrics=rows,
                      env=env, floors=floors, protocol=data.protocol, arrays=out_arrays)
