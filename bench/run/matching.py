"""Equal parameter budgets (``--match-params``): each trained model's hidden size is chosen so that
its parameter count matches the GRU's at the task's hidden size, within TOLERANCE. A grid variant
{"match_params": M} matches one model to model M at M's own hidden size instead (the capacity
control of assignment 2: the stateful GRU at the MLP's count, and the MLP at the stateful GRU's).

A model's count is a quadratic in its hidden size (bench.run.matching.parameter_count), so the
matching size is a root of that quadratic, rounded to the nearer of its two integer neighbours.
The sizes depend on the task's input and output widths, which only the built data know, so a
worker chooses them; a size that cannot come within TOLERANCE fails its cell with the reason.
"""
from __future__ import annotations

import math

from models import BuildArgs, get_model

REFERENCE = "gru"
TOLERANCE = 0.05  # relative distance of the matched count from the reference count


def matched_hidden(model: str, in_features: int, out_features: int, window: int, hidden: int, layers: int,
                   reference: str = REFERENCE, strict: bool = True) -> int:
    """The hidden size whose parameter count is nearest the reference model's at `hidden`;
    ValueError when even that is more than TOLERANCE away, unless not strict (a grid's capacity
    control at tiny sizes: the nearest count, which the answers print)."""
    target = parameter_count(reference, window, hidden, layers, in_features, out_features)

    def count(h: int) -> int:
        return parameter_count(model, window, h, layers, in_features, out_features)
    c0, c1, c2 = count(1), count(2), count(3)
    a = (c2 - 2 * c1 + c0) / 2  # count(h) = a h² + b h + c
    b = c1 - c0 - 3 * a
    c = c0 - a - b
    if a > 0:
        root = (-b + math.sqrt(max(b * b - 4 * a * (c - target), 0.0))) / (2 * a)
    else:
        root = (target - c) / b if b > 0 else 1.0
    best = min({max(1, math.floor(root)), max(1, math.ceil(root))}, key=lambda h: (abs(count(h) - target), h))
    got = count(best)
    if strict and abs(got - target) > TOLERANCE * target:
        raise ValueError(f"--match-params: no hidden size gives {model} within {TOLERANCE:.0%} of the "
                         f"{reference}'s {target} parameters at hidden {hidden} (nearest: hidden {best}, "
                         f"{got} parameters); use a larger --hidden")
    return best


def parameter_count(model: str, window: int, hidden: int, layers: int, in_features: int = 1,
                    out_features: int = 1) -> int:
    """Parameters of one member (one input and output feature unless given), without building it
    at size: every model's count is a polynomial of degree <= 2 in hidden (hidden-to-hidden
    weights), so three tiny builds fix it exactly (tests check it against a build on the meta device)."""
    spec = get_model(model)
    n = [sum(p.numel() for p in spec.build(BuildArgs((0,), in_features, out_features, window, h,
                                                     layers)).parameters())
         for h in (1, 2, 3)]
    a2 = n[2] - 2 * n[1] + n[0]  # second difference = 2a
    return n[0] + (n[1] - n[0]) * (hidden - 1) + a2 * (hidden - 1) * (hidden - 2) // 2
