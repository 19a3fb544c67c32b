"""Size of the Diebold–Mariano test when the loss differential is AR(1) with mean 0 (not a test; the
tests check one case on fewer draws):

    PYTHONPATH=. python scripts/dm_size.py [--draws 2000] [--points 100 250 500] [--phi 0 0.3 0.5 0.8]

Prints the share of two-sided p-values below 0.05 (the nominal size is 5 %) for three long-run
variances: the lag-0 variance (serial correlation ignored), Newey–West with ⌊S^(1/3)⌋ lags, and the
tables' choice (`reports.stats.dm_test`: AR(1)-prewhitened Newey–West, Andrews' bandwidth).
"""
from __future__ import annotations

import argparse

import numpy as np
from scipy.signal import lfilter

from reports.stats import dm_test

BURN_IN = 100
VARIANTS = {"lag 0": lambda S: dict(lags=0, prewhiten=False),
            "NW ⌊S^(1/3)⌋": lambda S: dict(lags=int(S ** (1 / 3)), prewhiten=False),
            "shown": lambda S: {}}


def rejection_rates(phi: float, points: int, draws: int, rng: np.random.Generator) -> dict[str, float]:
    e = rng.standard_normal((draws, points + BURN_IN))
    d = lfilter([1], [1, -phi], e, axis=1)[:, BURN_IN:]  # (draws, points): d_t = φ d_{t-1} + e_t
    zero = np.zeros(points)
    return {name: float(np.mean([dm_test(x, zero, **kw(points)).p < 0.05 for x in d]))
            for name, kw in VARIANTS.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--draws", type=int, default=2000)
    p.add_argument("--points", type=int, nargs="+", default=[100, 250, 500])
    p.add_argument("--phi", type=float, nargs="+", default=[0.0, 0.3, 0.5, 0.8])
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rng = np.random.default_rng(a.seed)
    print("| S | φ | " + " | ".join(VARIANTS) + " |")
    print("|---" * (len(VARIANTS) + 2) + "|")
    for points in a.points:
        for phi in a.phi:
            rates = rejection_rates(phi, points, a.draws, rng)
            print(f"| {points} | {phi:g} | " + " | ".join(f"{r:.3f}" for r in rates.values()) + " |")


if __name__ == "__main__":
    main()
