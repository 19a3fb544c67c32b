"""Checks a planned run must pass before anything trains and before the store is touched, and
the plan and outcome lines the CLI prints.

Each check raises UserError with one line naming the value and what is allowed.
"""
from __future__ import annotations

import argparse
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from bench.errors import UserError
from bench.outputs.write import MANIFEST, STORE
from bench.run.matching import parameter_count
from bench.store.check import StoreState, check_store_files
from bench.store.lock import lock_path
from bench.tasks import get_task
from models import get_model
from sequences.files import UnsafeFile, check_output, shown

if TYPE_CHECKING:
    import torch

    from bench.run.config import CellConfig

OUTPUT_FILES = ("results.csv", "results.md", "results.tex", "report.md", "report.html", "window_study.md", MANIFEST)
FIGURES = "figures"
SHOWN = ("window", "hidden", "epochs", "lr", "batch_size", "optimizer", "bptt")  # settings a dry run prints


def out_path(text: str) -> Path:
    """argparse type of --out: a non-empty path without NUL bytes."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string")
    if "\x00" in text:
        raise argparse.ArgumentTypeError("must not contain a NUL byte")
    return Path(text)


def share_arg(text: str, option: str, high: float) -> float:
    """An argparse value that is a fraction (0.001) or a percentage (0.1%), in [0, high]."""
    body = text.strip()
    pct = body.endswith("%")
    try:
        v = float(body[:-1] if pct else body) / (100 if pct else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{option} must be a number or a percentage, got {text!r}") from None
    if not 0 <= v <= high:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{option} must be in [0, {high:g}] ({100 * high:g}%), got {text!r}")
    return v


def check_out(out: Path, figures: bool) -> None:
    """out is (or can become) a writable folder whose output names are free for files: nothing there but
    regular files of one name (sequences/files.py), and a store path SQLite can open."""
    try:
        if out.exists() and not out.is_dir():
            raise UserError(f"--out {shown(out)}: is a file, not a folder")
        base = out
        while not base.exists() and base != base.parent:
            base = base.parent
        if not base.is_dir():
            raise UserError(f"--out {shown(out)}: cannot create this folder, {shown(base)} is a file")
        fd, probe = tempfile.mkstemp(prefix=".write-test-", dir=base)
        os.close(fd)
        os.remove(probe)
        check_store_files(out / STORE)
        for name in OUTPUT_FILES + (lock_path(Path(STORE)).name,):
            check_output(out / name)
        if figures:
            _check_figures(out / FIGURES)
    except UnsafeFile:
        raise
    except OSError as e:
        raise UserError(f"--out {str(out)[:200]}: not a writable folder ({e.strerror or e})") from None


def _check_figures(folder: Path) -> None:
    """The figures folder is absent or a real folder (not a link) holding no link or special file."""
    if folder.is_symlink():
        check_output(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{shown(folder)}: is a file; figures go into a folder of that name (or use --no-figures)")
    if folder.is_dir():
        for entry in os.scandir(folder):
            if not entry.is_dir(follow_symlinks=False):
                check_output(Path(entry.path))


def check_sizes(cells) -> None:
    """Each task's own size checks (e.g. a window longer than its series); no torch needed."""
    seen = set()
    for c in cells:
        task = get_task(c.config.task)
        if task.check is None or (c.label, c.config.settings) in seen:
            continue
        seen.add((c.label, c.config.settings))
        try:
            task.check(c.config.settings_dict)
        except ValueError as e:
            raise UserError(f"task {c.label!r} (profile {c.config.profile}): {e}") from None


def check_memory(cells, seeds: list[int], device: torch.device) -> None:
    """That $SEQBENCH_IMPL (if set) names an implementation, then a lower bound on the memory of each
    trainable cell against the device's memory (builds tiny models: this imports torch)."""
    from models import implementation
    forced = os.environ.get(implementation.SWITCH)
    if forced and forced not in implementation.FORCED:
        raise UserError(f"${implementation.SWITCH}={forced[:50]!r}: unknown implementation; "
                        f"choose from {', '.join(implementation.FORCED)}")
    total = device_memory(device)
    if total is None:
        return
    where = "this machine" if device.type == "cpu" else str(device)
    rates = Counter((c.label, c.config.model) for c in cells)  # a learning-rate sweep stacks its rates too
    for c in cells:
        need = memory_lower_bound(c.config, len(seeds) * rates[(c.label, c.config.model)])
        if need > total:
            size = c.config.size
            raise UserError(f"model {c.config.model} on {c.label} (hidden {size.hidden}, window {size.window}, "
                            f"{len(seeds)} seeds) needs at least {need / 2**30:.1f} GiB for parameters, gradients "
                            f"and optimiser state, {where} has {total / 2**30:.1f} GiB; use a smaller --hidden "
                            f"or --window, or fewer --seeds")


def memory_lower_bound(config: CellConfig, members: int) -> int:
    """Bytes of float32 parameters, gradients, optimiser state and kept best copy for members
    members of a cell; a lower bound (one input and output feature; activations not counted)."""
    if not get_model(config.model).trainable:
        return 0
    size, training = config.size, config.training
    params = parameter_count(config.model, size.window, size.hidden, size.layers)
    copies = 2 + (2 if training.optimizer == "adam" else 0) + (1 if training.patience is not None else 0)
    return params * 4 * copies * members


def device_memory(device: torch.device) -> int | None:
    if device.type == "cuda":
        import torch
        return torch.cuda.get_device_properties(device).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def plan_lines(name: str, cells, seeds: list[int], state: StoreState, device: torch.device, out: Path) -> list[str]:
    """What a run would do, one line per cell (the --dry-run output)."""
    stored = sum(len(state.done.get(c.config.key, set()) & set(seeds)) for c in cells)
    lines = [f"{name}: {len(cells)} cells x {len(seeds)} seeds on {device}, profile {cells[0].config.profile}, "
             f"into {out}; {stored} of {len(cells) * len(seeds)} (cell, seed) results already stored"]
    width = max(len(c.label) for c in cells)
    for c in cells:
        s = c.config.settings_dict
        todo = [x for x in seeds if x not in state.done.get(c.config.key, set())]
        shown = " ".join(f"{k}={s[k]}" for k in SHOWN if k in s)
        lines.append(f"  {c.label:{width}s} {c.config.model:13s} {c.config.key}  {shown}  "
                     f"to run: {len(todo)} seeds")
    return lines

