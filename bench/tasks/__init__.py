"""The task registry. Fixed tasks are looked up by name; parameterised families by the part of
the name before the first '-' (e.g. ``repeating-1_17``), whose parser builds the Task."""
from __future__ import annotations

from typing import Callable

from bench.errors import UserError
from bench.tasks.base import Task, TaskData
from bench.tasks import assignment2, formal, images, sine, stock

TASKS: dict[str, Task] = {
    "sine": sine.TASK,
    "stock": stock.TASK,
    "uniform": assignment2.UNIFORM,
    "uniform-digits": assignment2.UNIFORM_DIGITS,
    "pi": assignment2.PI,
    "anbn": formal.ANBN,
    "anbncn": formal.ANBNCN,
    "mnist": images.MNIST,
    "fashion-mnist": images.FASHION,
}

# family prefix -> (parser of the rest of the name, example names shown by `list`)
FAMILIES: dict[str, tuple[Callable[[str], Task], tuple[str, ...]]] = {
    "repeating": (assignment2.parse_repeating, ("repeating-1_7", "repeating-1_17")),
    "concat": (assignment2.parse_concat, ("concat-1_7-1_17-3x2",)),
    "summed": (assignment2.parse_summed, ("summed-1_7-1_17",)),
    "sumsine": (assignment2.parse_sumsine, ("sumsine-7-17",)),
}


def get_task(name: str) -> Task:
    """Registry lookup; unknown names and bad family parameters become a one-line UserError."""
    if name in TASKS:
        return TASKS[name]
    family, _, rest = name.partition("-")
    if family in FAMILIES and rest:
        try:
            return FAMILIES[family][0](rest)
        except ValueError as e:
            raise UserError(f"task {name!r}: {e}") from None
    valid = list(TASKS) + [f"{f}-…" for f in FAMILIES]
    raise UserError(f"unknown task {name!r}; choose from {', '.join(valid)}")


__all__ = ["TASKS", "FAMILIES", "Task", "TaskData", "get_task"]
