"""bench/ reads as the run's path: rooms in order, each importing only itself and the rooms below it,
no import circle, a short top level, and room __init__ files that import nothing.

Every import counts, also those inside functions and under TYPE_CHECKING: a lazy import is still a
dependency, only a cheaper one.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"

# Lowest first. "base": the top-level modules every room may read; "commands": the top-level modules
# that parse and answer a command. A room may import its own modules and those of rooms before it.
ROOMS = ("base", "store", "train", "tasks", "run", "outputs", "commands")
BASE = {"bench", "bench.errors", "bench.metrics", "bench.device", "bench.profiles"}
COMMANDS = {"bench.__main__", "bench.cli", "bench.compare", "bench.validate", "bench.speed"}
TOP_LEVEL_MAX = 10  # modules directly in bench/, __init__ and __main__ included


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(BENCH.rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = modules()


def imports(path: Path) -> set[str]:
    """The bench modules a file imports, anywhere in it."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "bench"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "bench":
            for a in node.names:  # `from bench.run import cell` imports the module bench.run.cell
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in MODULES else node.module)
    return out


GRAPH = {m: imports(p) - {m} for m, p in MODULES.items()}


def room(module: str) -> str:
    if module in BASE:
        return "base"
    if module in COMMANDS:
        return "commands"
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] in ROOMS:
        return parts[1]
    if len(parts) == 2 and parts[1] in ROOMS:  # a room's __init__
        return parts[1]
    raise AssertionError(f"{module}: in no room; add it to a sub-package of bench/, or to BASE or COMMANDS")


def test_every_module_has_a_room():
    assert {m: room(m) for m in MODULES}  # room() names the first module that has none


def test_no_import_reaches_a_higher_room():
    upward = [f"{m} ({room(m)}) imports {t} ({room(t)})" for m, targets in GRAPH.items() for t in targets
              if t in MODULES and ROOMS.index(room(t)) > ROOMS.index(room(m))]
    assert not upward, "\n".join(upward)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))
    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    assert circles(GRAPH) == []


def test_the_circle_finder_finds_one():  # the check above can fail
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("pkg", sorted(p.parent.name for p in BENCH.glob("*/__init__.py")))
def test_a_room_opens_with_a_paragraph_and_imports_nothing(pkg):
    """A room's __init__ runs whenever one of its modules is imported, e.g. on the command line's path."""
    tree = ast.parse((BENCH / pkg / "__init__.py").read_text())
    doc = ast.get_docstring(tree)
    if pkg == "tasks":  # the task registry lives in its __init__ (bench.tasks.TASKS)
        assert doc
        return
    assert doc and len(doc.split()) >= 20, f"bench/{pkg}/__init__.py: say in a paragraph what the room holds"
    assert all(isinstance(n, ast.Expr) for n in tree.body), f"bench/{pkg}/__init__.py imports or defines something"


def test_the_top_level_is_short():
    top = sorted(p.name for p in BENCH.glob("*.py"))
    assert len(top) <= TOP_LEVEL_MAX, top


def test_the_rooms_are_packaged():
    """Every sub-package is in pyproject's package list (else an installed suite lacks it)."""
    listed = re.search(r"^packages = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), re.M | re.S).group(1)
    packages = set(re.findall(r'"([\w.]+)"', listed))
    rooms = {f"bench.{p.parent.name}" for p in BENCH.glob("*/__init__.py")}
    assert rooms <= packages, rooms - packages


@pytest.mark.parametrize("folder", ["sequences", "models", "reports"])
def test_the_other_packages_never_import_bench(folder):
    found = [f"{p.relative_to(ROOT)} imports {', '.join(sorted(imports(p)))}"
             for p in sorted((ROOT / folder).rglob("*.py")) if imports(p)]
    assert not found, "\n".join(found)
