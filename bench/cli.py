"""The command line: parse, validate at the boundary, then call plain functions.

Every user mistake is one line on stderr and exit status 1, before any training starts and
before the store is touched. Parsing, `list` and every refusal of an argument run without torch,
pandas, scipy or matplotlib (each costs seconds to import); `run` imports torch once the
arguments passed, `report` never.
"""
from __future__ import annotations

import argparse
import math
import re
import signal
import sqlite3
import sys
import time
from pathlib import Path

from bench.compare import FAIL_ON, FORMATS as COMPARE_FORMATS, metrics_arg, tolerance_arg
from bench.device import DEVICES, check_device, cores, resolve_device
from bench.errors import UserError
from bench.outputs.write import (FIGURE_FORMATS, FORMATS, STORE, label_figures, manifest_doc, parse_formats,
                                 read_manifest, report_run, start_reporter, write_manifest, write_reports)
from bench.profiles import PROFILES, get_profile
from bench.run.determinism import prepare_environment
from bench.run.executors import EXECUTORS, check_executor, open_backend, start_workers
from bench.run.grids import GRIDS, get_grid
from bench.run.runner import cells_for, plan, run_cells
from bench.run.slots import WorkerLost
from bench.store.check import inspect_store
from bench.store.db import Store, sqlite_problem
from bench.store.lock import check_no_writer, writing
from bench.store.rates import SWEEP
from bench.tasks import FAMILIES, TASKS, get_task
from bench.train.settings import Stateful
from bench.train.targets import TARGETS
from bench.validate import check_memory, check_out, check_sizes, out_path, plan_lines, share_arg
from models import MODELS, get_model
from reports.fonts import missing_support
from reports.messages import LANGS
from reports.trading import MAX_FEE, STRATEGIES
from sequences.features import FEATURES, parse_features
from sequences.files import SHOWN, shown
from sequences.markets import MARKETS
from sequences.series import SequenceError


# Seeds per cell: with n seeds the sign-flip test's smallest p is 2 / 2^n, and Holm multiplies it by
# the m comparisons of a table; 10 seeds keep m · 2 / 2^10 below 0.05 for up to 25 comparisons.
SEEDS = 10


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


def fashion_dir_arg(text: str) -> str:
    """--fashion-mnist-dir: every file is read and checked here, before anything trains."""
    from sequences.images import read_fashion_dir
    try:
        read_fashion_dir(text)
    except SequenceError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return str(Path(text).resolve())


def fee_arg(text: str) -> float:
    """--fee: a fraction of the value traded (0.001) or a percentage (0.1%), at most MAX_FEE."""
    return share_arg(text, "--fee", MAX_FEE)


def fee_sweep_arg(text: str) -> str:
    """--fee-sweep FEES: comma-separated fees, each as --fee takes it; canonical text, ascending."""
    try:
        fees = sorted({fee_arg(t) for t in text.split(",") if t.strip()})
    except argparse.ArgumentTypeError as e:
        raise argparse.ArgumentTypeError(f"--fee-sweep: {e}".replace("--fee must", "each fee must")) from None
    if not fees:
        raise argparse.ArgumentTypeError(f"--fee-sweep needs at least one fee, got {text!r}")
    return ",".join(f"{f:g}" for f in fees)


def features_arg(text: str) -> str:
    """--features NAME,...: names of FEATURES (or none); canonical text in registry order."""
    try:
        return ",".join(parse_features(text)) or "none"
    except SequenceError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def rates_arg(text: str) -> tuple[float, ...]:
    """--lr-sweep RATES: two or more distinct positive finite numbers, comma-separated."""
    parse = _bounded(float, "--lr-sweep", 1e-12, 1e6)
    rates = tuple(sorted({parse(t.strip()) for t in text.split(",")}))
    if len(rates) < 2:
        raise argparse.ArgumentTypeError(f"--lr-sweep needs at least two distinct rates, got {text!r}")
    return rates


def lang_arg(text: str) -> str:
    """--lang: a catalogue's language whose fonts (and table widths) are installed, else one line on how to."""
    if text not in LANGS:
        raise argparse.ArgumentTypeError(f"--lang must be one of {', '.join(LANGS)}, got {text!r}")
    missing = missing_support(text)
    if missing:
        raise argparse.ArgumentTypeError(missing)
    return text


LANG_HELP = (f"language of tables, report and figures: {', '.join(LANGS)} (default en; the locale is not read, "
             "so the same store always gives the same report)")


def build_parser() -> Parser:
    p = Parser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    r = sub.add_parser("run", help="train and score a grid (or one cell), then write tables and figures")
    what = r.add_mutually_exclusive_group(required=True)
    what.add_argument("--grid", help=f"one of: {', '.join(GRIDS)}")
    what.add_argument("--task", help="a single task (see `list`)")
    r.add_argument("--model", help="restrict to one model (see `list`)")
    r.add_argument("--out", type=out_path, help="output folder (default results/<grid or task>)")
    r.add_argument("--seeds", type=_bounded(int, "--seeds", 1, 1000), default=SEEDS,
                   help=f"seeds per cell (default {SEEDS})")
    r.add_argument("--profile", default="quick", help=f"one of: {', '.join(PROFILES)} (default quick)")
    r.add_argument("--device", default="auto", help=f"one of: {', '.join(DEVICES)} (default auto)")
    r.add_argument("--executor", help=f"one of: {', '.join(EXECUTORS)} (default process; dask with --scheduler)")
    r.add_argument("--scheduler", help="a Dask scheduler address, e.g. tcp://10.0.0.5:8786 (implies --executor dask)")
    r.add_argument("--workers", type=_bounded(int, "--workers", 1, 4096),
                   help="worker processes for --executor process or a Dask LocalCluster (default: one per core)")
    r.add_argument("--retries", type=_bounded(int, "--retries", 0, 100), default=0,
                   help="run failed cells again up to N times (default 0)")
    r.add_argument("--epochs", type=_bounded(int, "--epochs", 1, 100_000))
    r.add_argument("--window", type=_bounded(int, "--window", 1, 100_000))
    r.add_argument("--hidden", type=_bounded(int, "--hidden", 1, 65_536))
    r.add_argument("--lr", type=_bounded(float, "--lr", 1e-12, 1e6))
    r.add_argument("--batch-size", type=_bounded(int, "--batch-size", 1, 10_000_000))
    r.add_argument("--bptt", type=_bounded(int, "--bptt", 1, 100_000),
                   help=f"stateful models: steps L per truncated-BPTT chunk (default {Stateful.bptt})")
    r.add_argument("--lr-sweep", nargs="?", const=SWEEP, type=rates_arg, metavar="RATES",
                   help="train every model of a task with validation data at each rate (comma-separated; default "
                        f"{','.join(f'{x:g}' for x in SWEEP)}) as extra stacked members, and keep the rate with the "
                        "best mean validation score")
    r.add_argument("--match-params", action="store_true",
                   help="choose each model's hidden size so its parameter count is within 5%% of the GRU's at the "
                        "task's hidden size")
    r.add_argument("--no-figures", action="store_true", help="skip figures (tables only)")
    r.add_argument("--pdf", action="store_true", help="figures as PDF too, beside the PNG (costs as much again)")
    r.add_argument("--lang", type=lang_arg, default="en", help=LANG_HELP)
    r.add_argument("--stock-csv", help="stock tasks: a Yahoo, kabuoji3 or FRED CSV instead of the default S&P 500")
    r.add_argument("--market", choices=tuple(MARKETS),
                   help="stock tasks: the index traded (default: the grid's; nikkei225 is fetched from FRED into the "
                        "data cache on first use)")
    r.add_argument("--features", type=features_arg, metavar="NAME,...",
                   help=f"stock tasks: economic features read beside the closes: {', '.join(FEATURES)} (or none)")
    r.add_argument("--fee-sweep", type=fee_sweep_arg, metavar="FEES",
                   help="stock tasks: fees every trading strategy is also scored at (default 0,0.05%%,0.1%%,0.3%%)")
    r.add_argument("--stock-column", help="stock tasks: the price column (default: the adjusted close if the "
                                          "file has one, else the close; FRED: its series)")
    r.add_argument("--target", choices=TARGETS, help="stock tasks: what the networks predict, mapped back to "
                                                     "prices for scoring (default level, the lecture's)")
    r.add_argument("--folds", type=_bounded(int, "--folds", 1, 1000),
                   help="stock tasks: walk-forward test blocks, each retrained on everything before it "
                        "(default 3 in quick; the seed profile keeps the lecture's single split)")
    r.add_argument("--fold-days", type=_bounded(int, "--fold-days", 1, 1_000_000),
                   help="stock tasks: closes per walk-forward block (default: the last 30 %% of the closes / --folds)")
    r.add_argument("--fee", type=fee_arg, help="stock tasks: trading fee per position change, a fraction of the "
                                               "value traded or a percentage (0.001 or 0.1%%; default 0.1%%)")
    r.add_argument("--strategy", choices=STRATEGIES, help="stock tasks: how forecasts become positions (default "
                                                          "long-flat: long when the forecast is above today's close)")
    r.add_argument("--dry-run", action="store_true",
                   help="validate everything and print the planned cells; train nothing, write nothing")
    r.add_argument("--deterministic", action="store_true",
                   help="deterministic kernels only (slower on GPU; CPU results are identical either way)")
    r.add_argument("--fashion-mnist-dir", type=fashion_dir_arg, metavar="DIR",
                   help="folder with the four Fashion-MNIST IDX files (raw or .gz); default: cache or download")
    rep = sub.add_parser("report", help="regenerate tables and figures from the store, without training")
    rep.add_argument("--out", type=out_path, required=True, help="a folder written by `run`")
    rep.add_argument("--no-figures", action="store_true")
    rep.add_argument("--pdf", action="store_true", help="figures as PDF too, beside the PNG")
    rep.add_argument("--lang", type=lang_arg, default="en", help=LANG_HELP)
    rep.add_argument("--redraw", action="store_true", help="redraw every figure, even those whose inputs are unchanged")
    rep.add_argument("--format", default=",".join(FORMATS),
                     help=f"comma-separated subset of {','.join(FORMATS)} (default all; md also writes report.md)")
    ra = sub.add_parser("rates", help="store the learning rates a --lr-sweep run selected as its profile's "
                                      "defaults (bench/store/rates.json)")
    ra.add_argument("--out", type=out_path, required=True, help="a folder written by `run --lr-sweep`")
    cm = sub.add_parser("compare", help="which scores moved between two runs, and whether more than seed noise "
                                        "(exit 2 with --fail-on when a verdict matches)")
    cm.add_argument("a", type=out_path, metavar="A", help="the baseline run's --out folder (only read)")
    cm.add_argument("b", type=out_path, metavar="B", help="the other run's --out folder (only read)")
    cm.add_argument("--out", type=out_path, metavar="FILE", help="write the comparison here instead of stdout")
    cm.add_argument("--format", choices=COMPARE_FORMATS, default="md", help="md (default), csv or json")
    cm.add_argument("--lang", type=lang_arg, default="en", help="language of the markdown: "
                                                                 f"{', '.join(LANGS)} (default en)")
    cm.add_argument("--fail-on", choices=FAIL_ON, help="exit 2 when any result is worse, or changed either way")
    cm.add_argument("--metrics", type=metrics_arg, help="comma-separated scores to compare (default: those of "
                                                         "the report's tables)")
    cm.add_argument("--tolerance", type=tolerance_arg, default=0.0,
                    help="a change counts only when it is significantly larger than this share of A's mean "
                         "(0.05 or 5%%; default 0)")
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
    lines += ["markets (stock tasks, --market):"] + [
        f"  {k:14s} {m.title}" + (f" (FRED {m.fred}, fetched into the data cache on first use)" if m.fred
                                  else " (shipped with arch)") for k, m in MARKETS.items()]
    lines += ["features (stock tasks, --features):"] + [f"  {k:14s} {f.description}" for k, f in FEATURES.items()]
    lines += ["profiles:"] + [f"  {p.name:14s} {p.description}" for p in PROFILES.values()]
    lines += ["executors:"] + [f"  {name:14s} {desc}" for name, (desc, _) in EXECUTORS.items()]
    return "\n".join(lines)


def cmd_run(a: argparse.Namespace) -> int:
    # Validate everything first: nothing is trained or stored on a bad argument. The checks that need
    # no torch come first, so that a refusal is quick; then the processes the run will use start, and
    # their imports overlap the checks that need torch (the device, each cell's memory).
    get_profile(a.profile)
    grid = get_grid(a.grid) if a.grid is not None else None
    if a.task is not None:
        get_task(a.task)
    if a.model:
        try:
            get_model(a.model)
        except ValueError as e:  # models/ knows nothing of the CLI's error type
            raise UserError(str(e)) from None
    check_device(a.device)
    executor = a.executor if a.executor is not None else ("dask" if a.scheduler else "process")
    check_executor(executor, a.scheduler, a.workers)
    overrides = {k: v for k, v in (("epochs", a.epochs), ("window", a.window), ("hidden", a.hidden),
                                   ("lr", a.lr), ("batch_size", a.batch_size), ("bptt", a.bptt)) if v is not None}
    overrides.update({k: v for k, v in (("stock_csv", a.stock_csv), ("stock_column", a.stock_column),
                                        ("target", a.target), ("folds", a.folds), ("fold_days", a.fold_days),
                                        ("fee", a.fee), ("strategy", a.strategy), ("market", a.market),
                                        ("features", a.features), ("fee_sweep", a.fee_sweep)) if v is not None})
    if a.fashion_mnist_dir:
        overrides["fashion_mnist_dir"] = a.fashion_mnist_dir
    name = a.grid or a.task
    out = a.out or Path("results") / name
    if a.lr_sweep and a.lr is not None:
        raise UserError("--lr fixes the rate and --lr-sweep selects it; give one of them")
    likely = "cuda" if a.device == "cuda" else "cpu"  # the device type until torch says (it is in the cell keys)
    cells = _plan(grid, a, likely, overrides)
    # (a setting at a default the key leaves out, e.g. --features none, is still one the task has)
    unused = [k for k in overrides if not any(k in c.config.settings_dict or k in get_task(c.config.task).settings(
        a.profile) for c in cells)]
    if unused:
        raise UserError(f"--{unused[0].replace('_', '-')} does not apply to any task of this run")
    seeds = list(range(a.seeds))
    check_sizes(cells)
    check_out(out, figures=not a.no_figures)  # then the files: still nothing touched
    if a.dry_run:
        check_no_writer(out / STORE)
        state = inspect_store(out / STORE)
        device = resolve_device(a.device)
        cells = cells if device.type == likely else _plan(grid, a, device.type, overrides)
        check_memory(cells, seeds, device)
        print("\n".join(plan_lines(name, cells, seeds, state, device, out)))
        return 0
    if a.deterministic:
        prepare_environment()  # before any worker starts: they inherit it
    with writing(out / STORE, "run"):  # one writer per --out; then SQLite's and the suite's checks
        state = inspect_store(out / STORE)
        todo = sum(1 for c in cells if set(seeds) - state.done.get(c.config.key, set()))
        started = start_workers(executor, a.workers, todo) if likely == "cpu" else None
        reporter = start_reporter(executor)
        backend = None
        figure_formats = FIGURE_FORMATS + (("pdf",) if a.pdf else ())
        try:
            device = resolve_device(a.device)
            if device.type != likely:
                cells = _plan(grid, a, device.type, overrides)
            check_memory(cells, seeds, device)
            t0 = time.perf_counter()
            backend = open_backend(executor, device, a.scheduler, a.workers, started)  # connects now
            started = None  # the backend's now
            with Store(out / STORE) as store:
                manifest = manifest_doc(a.grid or "single", a.profile, seeds, cells)
                landed = None if a.no_figures else \
                    (lambda label: reporter.submit(label_figures, out, manifest, label, figure_formats, a.lang))
                summary = run_cells(cells, seeds, store, backend, device, retries=a.retries,
                                    deterministic=a.deterministic, landed=landed)
                write_manifest(out, a.grid or "single", a.profile, seeds, cells)
                try:
                    _, outcome = reporter.submit(report_run, out, manifest, not a.no_figures, FORMATS,
                                                 figure_formats, a.lang).result()
                except WorkerLost:
                    again = (" --pdf" if a.pdf else "") + (f" --lang {a.lang}" if a.lang != "en" else "")
                    raise UserError(f"the process writing the report died; the results are stored: "
                                    f"python -m bench report --out {out}{again}") from None
                diverged = [line for line in outcome if line.lstrip().startswith("diverged")]
        except BaseException:
            reporter.abandon()
            raise
        finally:
            if backend is not None:
                backend.close()
            if started is not None:
                started.abandon()
        # Its last call (the report) has returned and nothing else is queued: stop the process now
        # rather than wait for its interpreter to tear down pandas and matplotlib.
        reporter.abandon()
    for line in summary.failures:
        print(f"failed: {line}", file=sys.stderr)
    for line in summary.skips:
        print(f"skipped: {line}", file=sys.stderr)
    cells_line = ", ".join(f"{v} {k}" for k, v in summary.cells.items())
    counts = ", ".join(f"{k} {v}" for k, v in sorted(summary.counts.items())) or "nothing new"
    retried = f", {summary.retried} retried" if summary.retried else ""
    print(f"{name}: {len(cells)} cells ({summary.ran} run, {summary.reused} already stored{retried}): {cells_line}; "
          f"seeds run: {counts}; {time.perf_counter() - t0:.1f} s on {device} ({executor}); wrote {out}/results.md")
    if diverged:
        print("\n".join(diverged))
    return 1 if summary.failed else 0


def _plan(grid, a: argparse.Namespace, device_type: str, overrides: dict) -> list:
    """The run's cells for one device type; a setting no cell can take is a UserError."""
    try:
        cells = plan(cells_for(grid, a.task, a.model), a.profile, device_type, overrides, a.lr_sweep, a.match_params)
    except ValueError as e:
        raise UserError(str(e)) from None
    if not cells:
        raise UserError(f"nothing to run: model {a.model!r} does not apply to "
                        + (f"task {a.task!r}" if a.task else f"any task of grid {a.grid!r}"))
    return cells


def cmd_rates(a: argparse.Namespace) -> int:
    from bench.outputs.report_rates import store_selection
    manifest = read_manifest(a.out)
    if not (a.out / STORE).exists():
        raise UserError(f"{a.out / STORE}: no result store here")
    inspect_store(a.out / STORE)
    with Store(a.out / STORE) as store:
        print("\n".join(store_selection(store, manifest)))
    return 0


def cmd_report(a: argparse.Namespace) -> int:
    formats = parse_formats(a.format)
    check_out(a.out, figures=not a.no_figures)  # a planted link is refused before the lock is taken
    with writing(a.out / STORE, "report"):  # a run writing this folder would rewrite what we read
        manifest = read_manifest(a.out)
        if not (a.out / STORE).exists():
            raise UserError(f"{a.out / STORE}: no result store here")
        inspect_store(a.out / STORE)
        t0 = time.perf_counter()
        with Store(a.out / STORE) as store:
            written = write_reports(a.out, store, manifest, figures=not a.no_figures, formats=formats,
                                    redraw=a.redraw, figure_formats=FIGURE_FORMATS + (("pdf",) if a.pdf else ()),
                                    lang=a.lang, processes=cores())
    print(f"wrote {len(written)} files to {a.out} in {time.perf_counter() - t0:.1f} s")
    return 0


_BREAKS = {ord(c): repr(c)[1:-1] for c in "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"}
_LONG = re.compile(r"\S{%d,}" % (SHOWN + 1))  # a quoted value or path without spaces, too long to read


def one_line(text: str) -> str:
    """A message stays one line even when it quotes a value holding line breaks (escaped), and readable when
    it quotes a very long one (cut to its start and end, sequences.files.shown)."""
    return _LONG.sub(lambda m: shown(m[0]), text.translate(_BREAKS))[:20 * SHOWN]


class Terminated(KeyboardInterrupt):
    """SIGTERM (what `timeout`, Slurm and `kill` send), raised where the command is, as Ctrl-C is."""


def _terminated(signum, frame):
    raise Terminated()


def _store_of(a: argparse.Namespace | None) -> Path | None:
    out = getattr(a, "out", None) or (Path("results") / (a.grid or a.task) if getattr(a, "command", "") == "run"
                                      else None)
    return out / STORE if out is not None else None


def main(argv: list[str] | None = None) -> int:
    """The command's exit status: 0, 1 (a one-line error), 130 (Ctrl-C) or 143 (SIGTERM), each ending the
    same way: one line, workers stopped, finished cells stored."""
    try:
        before = signal.signal(signal.SIGTERM, _terminated)
    except ValueError:  # not the main thread (a test's): SIGTERM keeps its handler
        before = None
    try:
        return _main(argv)
    finally:
        if before is not None:
            signal.signal(signal.SIGTERM, before)


def _main(argv: list[str] | None) -> int:
    a = None
    try:
        try:
            a = build_parser().parse_args(argv)
        except SystemExit as e:  # --help printed: the command ends here, through the caller's exit
            return e.code if isinstance(e.code, int) else 0
        if a.command == "list":
            print(cmd_list())
            return 0
        if a.command == "speed":
            from bench.speed import cmd_speed
            return cmd_speed(a)
        if a.command == "rates":
            return cmd_rates(a)
        if a.command == "compare":
            from bench.compare import cmd_compare
            return cmd_compare(a)
        return cmd_run(a) if a.command == "run" else cmd_report(a)
    except UserError as e:
        print(f"error: {one_line(str(e))}", file=sys.stderr)
        return 1
    except sqlite3.Error as e:  # the environment failed mid-run (disk full, a -wal removed, another program)
        print(f"error: {one_line(sqlite_problem(_store_of(a) or STORE, e))}", file=sys.stderr)
        return 1
    except OSError as e:  # the environment failed mid-run (disk full, file removed), or a planted file refused
        where = f"{shown(e.filename)}: " if getattr(e, "filename", None) else ""
        print(f"error: {one_line(where + str(getattr(e, 'strerror', None) or e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        how = " (SIGTERM)" if isinstance(e, Terminated) else ""
        print(f"interrupted{how}: finished cells are stored; rerun the same command to continue", file=sys.stderr)
        return 128 + (signal.SIGTERM if how else signal.SIGINT)
