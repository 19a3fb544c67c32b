"""Run a command and report its wall time and peak memory: the largest single process (as
/usr/bin/time -v reports it) and the largest *sum* over the whole process tree (coordinator plus
workers), sampled from /proc every 50 ms.

    python scripts/peak_memory.py -- python -m bench run --grid images
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys
import time


def _tree_rss(root: int) -> dict[int, int]:
    """pid -> resident bytes for root and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{d}/statm") as f:
                rss[int(d)] = int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(int(fields[1]), []).append(int(d))
    out, todo = {}, [root]
    while todo:
        p = todo.pop()
        if p in rss:
            out[p] = rss[p]
        todo += children.get(p, [])
    return out


def main(argv: list[str]) -> int:
    cmd = argv[argv.index("--") + 1:] if "--" in argv else argv
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd)
    peak_sum = 0
    while proc.poll() is None:
        tree = _tree_rss(proc.pid)
        if tree:
            peak_sum = max(peak_sum, sum(tree.values()))
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"peak_memory: exit {proc.returncode}; wall {wall:.1f} s; cpu {ru.ru_utime + ru.ru_stime:.1f} s; "
          f"peak RSS of the process tree {peak_sum / 2**20:.0f} MiB (sum, sampled); largest single process "
          f"{ru.ru_maxrss / 1024:.0f} MiB (getrusage)", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
