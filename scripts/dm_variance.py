"""Diebold–Mariano tests of one table's models against its reference under three long-run variances
(not a test; it reads a finished run's store and changes nothing):

    PYTHONPATH=. python scripts/dm_variance.py --out results/assignment1 [--label "stock (market=sp500, target=level)"]

For each model: the lag-1 autocorrelation of the loss differential (losses averaged over seeds, as the
table's DM column uses them), and the HLN-corrected statistic and p-value with

- `lag 0`: the variance of the differences alone, as if they were serially independent;
- `NW ⌊S^(1/3)⌋`: Newey–West (Bartlett) with a fixed bandwidth, no prewhitening;
- `shown`: the tables' choice, AR(1)-prewhitened Newey–West with Andrews' bandwidth;

then, per seed, how many seeds each variance finds significantly better / worse at 0.05.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from bench.outputs.report_inputs import load_run, task_inputs, tidy_results
from bench.outputs.write import STORE, read_manifest
from bench.store.db import Store
from reports.stats import dm_test
from reports.summary import choose_reference, index_values

# name -> dm_test keywords for S test points
VARIANTS = {"lag 0": lambda S: dict(lags=0, prewhiten=False),
            "NW ⌊S^(1/3)⌋": lambda S: dict(lags=int(S ** (1 / 3)), prewhiten=False),
            "shown": lambda S: {}}


def _lag1(d: np.ndarray) -> float:
    dc = d - d.mean()
    return float(dc[1:] @ dc[:-1] / (dc @ dc))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, required=True, help="a folder written by `python -m bench run`")
    p.add_argument("--label", default="stock (market=sp500, target=level)",
                   help="the table (its heading in results.md)")
    a = p.parse_args()
    with Store(a.out / STORE) as store:
        run = load_run(store, read_manifest(a.out))
        inp = task_inputs(run, a.label, tidy_results(run), store)
    ref = choose_reference(inp, index_values(inp.values))
    ref_loss = np.stack([inp.pointwise[ref][s] for s in sorted(inp.pointwise[ref])])  # (K, S)
    print(f"{a.label}: DM against {ref} on {inp.test_metric}, {ref_loss.shape[1]} test points\n")
    print("| model | lag-1 autocorrelation | " + " | ".join(f"{v}: DM, p" for v in VARIANTS) + " | shown: lags |")
    print("|---" * (len(VARIANTS) + 3) + "|")
    per_seed = {}
    for model, by_seed in inp.pointwise.items():
        if model == ref:
            continue
        loss = np.stack([by_seed[s] for s in sorted(by_seed)])  # (K, S)
        d = loss.mean(0) - ref_loss.mean(0)
        results = {v: dm_test(loss.mean(0), ref_loss.mean(0), **kw(len(d))) for v, kw in VARIANTS.items()}
        cells = [f"{r.stat:.2f}, {r.p:.2g}" for r in results.values()]
        print(f"| {model} | {_lag1(d):.3f} | " + " | ".join(cells) + f" | {results['shown'].lags} |")
        per_seed[model] = {v: [dm_test(row, ref_loss.mean(0), **kw(len(d))) for row in loss]
                           for v, kw in VARIANTS.items()}
    print("\nper seed, significantly better / worse than the reference at 0.05, of all seeds:\n")
    print("| model | " + " | ".join(VARIANTS) + " |")
    print("|---" * (len(VARIANTS) + 1) + "|")
    for model, by_variant in per_seed.items():
        cells = [f"{sum(r.p < 0.05 and r.stat < 0 for r in rs)} / {sum(r.p < 0.05 and r.stat > 0 for r in rs)} "
                 f"of {len(rs)}" for rs in by_variant.values()]
        print(f"| {model} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
