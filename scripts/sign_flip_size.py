"""False-positive rate of the seed-level sign-flip test when the mean difference is 0 but the seeds'
spread is skewed (not a test: its null is symmetry about the reference, not a zero mean):

    PYTHONPATH=. python scripts/sign_flip_size.py [--draws 4000] [--seeds 10]

Each draw: `seeds` differences from a deterministic reference, centred on their true mean. Prints the
share of p-values below 0.05 for a symmetric spread (normal: the test's own null), a lognormal one
(σ = 1) and normal seeds of which each is, with probability 0.1, a bad one 9 units worse (centred).
"""
from __future__ import annotations

import argparse

import numpy as np

from reports.stats import sign_flip_test

SPREADS = {
    "normal": lambda rng, n: rng.standard_normal(n),
    "lognormal σ=1": lambda rng, n: rng.lognormal(0.0, 1.0, n) - np.exp(0.5),
    "a bad seed in ten": lambda rng, n: rng.standard_normal(n) + 9.0 * (rng.random(n) < 0.1) - 0.9,
}


def false_positive_rates(seeds: int, draws: int, rng: np.random.Generator) -> dict[str, float]:
    zero = np.zeros(seeds)
    return {name: float(np.mean([sign_flip_test(draw(rng, seeds), zero)[0] < 0.05 for _ in range(draws)]))
            for name, draw in SPREADS.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=4000)
    p.add_argument("--seeds", type=int, nargs="+", default=[5, 10, 20])
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    print("| seeds | " + " | ".join(SPREADS) + " |")
    print("|---" * (len(SPREADS) + 1) + "|")
    for n in a.seeds:
        rates = false_positive_rates(n, a.draws, rng)
        print(f"| {n} | " + " | ".join(f"{r:.3f}" for r in rates.values()) + " |")


if __name__ == "__main__":
    main()
