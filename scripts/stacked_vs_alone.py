"""How far a seed trained in a stack drifts from the same seed trained alone (CPU, full profiles).

    PYTHONPATH=. python scripts/stacked_vs_alone.py [--profiles quick seed]

Prints, per profile and model, the largest relative difference over the non-timing metrics of
seed 1 trained with seeds (0, 1, 2) and trained alone, and both early-stopping epochs.
"""
from __future__ import annotations

import argparse

import torch

from bench.metrics import TIMING_FIELDS
from bench.run.cell import Job, run_job
from bench.run.config import CellConfig
from bench.tasks import TASKS

SKIP = set(TIMING_FIELDS) | {"members"}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--profiles", nargs="+", default=["quick", "seed"])
    a = p.parse_args()
    torch.set_num_threads(1)
    for profile in a.profiles:
        for model in ("mlp", "rnn", "lstm", "gru"):
            cfg = CellConfig.make("sine", model, profile, "cpu", TASKS["sine"].settings(profile))
            stacked = run_job(Job(cfg, (0, 1, 2), "cpu")).metrics[1]
            alone = run_job(Job(cfg, (1,), "cpu")).metrics[1]
            rel = max(abs(stacked[k] - alone[k]) / max(abs(alone[k]), 1e-12) for k in alone if k not in SKIP)
            print(f"{profile:6s} {model:5s} max relative difference {rel:.2e}  "
                  f"best epoch {stacked.get('best_epoch')} vs {alone.get('best_epoch')}")


if __name__ == "__main__":
    main()
