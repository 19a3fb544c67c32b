"""The command line: parse, validate at the boundary, then call plain functions.

Every user mistake is one line on stderr and exit status 1, before any training starts and
before the store is touched.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from bench.device import DEVICES, resolve_device
from bench.errors import UserError
from bench.grids import GRIDS, get_grid
from bench.outputs import STORE, read_manifest, write_manifest, write_reports
from bench.profiles import PROFILES, get_profile
from bench.runner import EXECUTORS, cells_for, plan, run_cells
from bench.store import Store
from bench.tasks import FAMILIES, TASKS, get_task
from models import MODELS, get_model


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit 2
        raise UserError(message)


def _bounded(kind, name: str, low, high=None):
    def parse(text: str):
        try:
            v = kind(text)
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"{name} must be {what}, got {text!r}") from None
        if isinstance(v, float) and not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"{name} must be finite, got {text!r}")
        if v < low or (high is not None and v > high):
            rng = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise argparse.ArgumentTypeError(f"{name} must be {rng}, got {text!r}")
        return v
    return parse


def build_parser() -> Parser:
    p = Parser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    r = sub.add_parser("run", help="train and score a grid (or one cell), then write tables and figures")
    what = r.add_mutually_exclusive_group(required=True)
    what.add_argument("--grid", help=f"one of: {', '.join(GRIDS)}")
    what.add_argument("--task", help="a single task (see `list`)")
    r.add_argument("--model", help="restrict to one model (see `list`)")
    r.add_argument("--out", type=Path, help="output folder (default results/<grid or task>)")
    r.add_argument("--seeds", type=_bounded(int, "--seeds", 1, 1000), default=5, help="seeds per cell (default 5)")
    r.add_argument("--profile", default="quick", help=f"one of: {', '.join(PROFILES)} (default quick)")
    r.add_argument("--device", default="auto", help=f"one of: {', '.join(DEVICES)} (default auto)")
    r.add_argument("--executor", default="process", help=f"one of: {', '.join(EXECUTORS)} (default process)")
    r.add_argument("--epochs", type=_bounded(int, "--epochs", 1, 100_000))
    r.add_argument("--window", type=_bounded(int, "--window", 1, 100_000))
    r.add_argument("--hidden", type=_bounded(int, "--hidden", 1, 65_536))
    r.add_argument("--lr", type=_bounded(float, "--lr", 1e-12, 1e6))
    r.add_argument("--batch-size", type=_bounded(int, "--batch-size", 1, 10_000_000))
    r.add_argument("--no-figures", action="store_true", help="skip figures (tables only)")
    rep = sub.add_parser("report", help="regenerate tables and figures from the store, without training")
    rep.add_argument("--out", type=Path, required=True, help="a folder written by `run`")
    rep.add_argument("--no-figures", action="store_true")
    sub.add_parser("list", help="grids, tasks, models and profiles")
    sp = sub.add_parser("speed", help="training throughput vs the lecture's loop and the matmul rate")
    sp.add_argument("--task", default="sine")
    sp.add_argument("--profile", default="seed")
    sp.add_argument("--models", default="mlp,rnn,lstm,gru", help="comma-separated (default mlp,rnn,lstm,gru)")
    sp.add_argument("--seeds", type=_bounded(int, "--seeds", 1, 1000), default=16, help="members stacked (16)")
    sp.add_argument("--epochs", type=_bounded(int, "--epochs", 1, 100_000), default=20)
    sp.add_argument("--hidden", type=_bounded(int, "--hidden", 1, 65_536))
    sp.add_argument("--repeats", type=_bounded(int, "--repeats", 1, 100), default=3)
    sp.add_argument("--device", default="cpu", help=f"one of: {', '.join(DEVICES)} (default cpu)")
    sp.add_argument("--clock", default="wall", help="wall, or cpu (process CPU time: steadier on a busy machine)")
    return p


def cmd_list() -> str:
    lines = ["grids:"] + [f"  {g.name:14s} {g.description}" for g in GRIDS.values()]
    lines += ["tasks:"] + [f"  {t.name:14s} {t.description}" for t in TASKS.values()]
    lines += [f"  {f + '-…':14s} e.g. {', '.join(ex)}" for f, (_, ex) in FAMILIES.items()]
    lines += ["models:"] + [f"  {m.name:14s} {m.description}" for m in MODELS.values()]
    lines += ["profiles:"] + [f"  {p.name:14s} {p.description}" for p in PROFILES.values()]
    return "\n".join(lines)


def cmd_run(a: argparse.Namespace) -> int:
    # Validate everything first: nothing is trained or stored on a bad argument.
    get_profile(a.profile)
    grid = get_grid(a.grid) if a.grid else None
    if a.task:
        get_task(a.task)
    if a.model:
        try:
            get_model(a.model)
        except ValueError as e:  # models/ knows nothing of the CLI's error type
            raise UserError(str(e)) from None
    device = resolve_device(a.device)
    if a.executor not in EXECUTORS:
        raise UserError(f"unknown executor {a.executor!r}; choose from {', '.join(EXECUTORS)}")
    overrides = {k: v for k, v in (("epochs", a.epochs), ("window", a.window), ("hidden", a.hidden),
                                   ("lr", a.lr), ("batch_size", a.batch_size)) if v is not None}
    name = a.grid or a.task
    out = a.out or Path("results") / name
    try:
        cells = plan(cells_for(grid, a.task, a.model), a.profile, device.type, overrides)
    except ValueError as e:
        raise UserError(str(e)) from None
    if not cells:
        raise UserError(f"nothing to run: model {a.model!r} does not apply to task {a.task!r}")
    seeds = list(range(a.seeds))
    t0 = time.perf_counter()
    with Store(out / STORE) as store:
        summary = run_cells(cells, seeds, store, a.executor, device)
        write_manifest(out, a.grid or "single", a.profile, seeds, cells)
        write_reports(out, store, read_manifest(out), figures=not a.no_figures)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items())) or "nothing new"
    print(f"{name}: {len(cells)} cells ({summary.ran} run, {summary.reused} already stored); seeds: {counts}; "
          f"{time.perf_counter() - t0:.1f} s on {device}; wrote {out}/results.md")
    return 1 if summary.failed else 0


def cmd_report(a: argparse.Namespace) -> int:
    manifest = read_manifest(a.out)
    if not (a.out / STORE).exists():
        raise UserError(f"{a.out / STORE}: no result store here")
    t0 = time.perf_counter()
    with Store(a.out / STORE) as store:
        written = write_reports(a.out, store, manifest, figures=not a.no_figures)
    print(f"wrote {len(written)} files to {a.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        a = build_parser().parse_args(argv)
        if a.command == "list":
            print(cmd_list())
            return 0
        if a.command == "speed":
            from bench.speed import cmd_speed
            return cmd_speed(a)
        return cmd_run(a) if a.command == "run" else cmd_report(a)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: finished cells are stored; rerun the same command to continue", file=sys.stderr)
        return 130
