"""SGD and Adam for the training loop: torch's multi-tensor (foreach) arithmetic, without its
bookkeeping, with one learning rate per member if asked.

torch.optim.SGD/Adam spend Python time at every step on parameter groups, state lookups, device
grouping and profiler hooks, a noticeable share of a step for the small stacked models here. These classes keep one flat list of parameters and issue the same foreach operations,
in the same order, with the same scalars, as torch 2.13's `_multi_tensor_sgd` (no momentum)
and `_multi_tensor_adam` (no amsgrad, no weight decay), so the updates are bit-identical to
torch's (tests/test_optim.py). Both act element-wise, so stacked members stay independent.
(torch's fused Adam is cheaper still, but its vectorised and scalar tails round differently, so
a member's numbers would depend, at float rounding, on its position in the stack: not used.)

Learning-rate sweeps stack members that differ in rate (bench/store/rates.py). `lr` may then be a
sequence of K rates, one per member along every parameter's leading axis (a sweep stacks its
rates one block of seeds after another). The one operation that reads the rate runs once per
block of neighbours with equal rates, on views of those members' rows, with that block's rate as
the same scalar a lone run uses: a member's updates stay bit-identical to training it alone at
its rate.
"""
from __future__ import annotations

from typing import Sequence

import torch

Rate = float | Sequence[float]  # one rate, or one per member


def rate_blocks(lr: Rate, members: int) -> list[tuple[slice, float]]:
    """[(member rows, rate)]: one block for a single rate, else one per run of equal rates."""
    if isinstance(lr, (int, float)):
        return [(slice(None), float(lr))]
    rates = [float(r) for r in lr]
    if len(rates) != members:
        raise ValueError(f"{len(rates)} learning rates for {members} members")
    blocks, lo = [], 0
    for k in range(1, members + 1):
        if k == members or rates[k] != rates[lo]:
            blocks.append((slice(lo, k), rates[lo]))
            lo = k
    return blocks if len(blocks) > 1 else [(slice(None), rates[0])]


def _rows(tensors: list[torch.Tensor], rows: slice) -> list[torch.Tensor]:
    return tensors if rows == slice(None) else [t[rows] for t in tensors]


class SGD:
    def __init__(self, params: list[torch.Tensor], lr: Rate):
        self.params = list(params)
        self.blocks = rate_blocks(lr, self.params[0].shape[0] if self.params else 0)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        ps = [p for p in self.params if p.grad is not None]
        if ps:
            grads = [p.grad for p in ps]
            for rows, lr in self.blocks:
                torch._foreach_add_(_rows(ps, rows), _rows(grads, rows), alpha=-lr)


class Adam(SGD):
    def __init__(self, params: list[torch.Tensor], lr: Rate, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8):
        super().__init__(params, lr)
        self.beta1, self.beta2 = betas
        self.eps = eps
        self.steps = 0
        self.exp_avg = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p, memory_format=torch.preserve_format) for p in self.params]

    @torch.no_grad()
    def step(self) -> None:
        live = [i for i, p in enumerate(self.params) if p.grad is not None]
        if not live:
            return
        if len(live) != len(self.params):
            raise ValueError("Adam here updates all parameters together; one has no gradient")
        params, grads = self.params, [p.grad for p in self.params]
        self.steps += 1
        b1, b2 = self.beta1, self.beta2
        torch._foreach_lerp_(self.exp_avg, grads, 1 - b1)
        torch._foreach_mul_(self.exp_avg_sq, b2)
        torch._foreach_addcmul_(self.exp_avg_sq, grads, grads, 1 - b2)
        # torch keeps the step count in a float32 tensor and reads it back as a Python float.
        step = float(self.steps)
        bias_correction1 = 1 - b1 ** step
        bias_correction2 = 1 - b2 ** step
        denom = torch._foreach_sqrt(self.exp_avg_sq)
        torch._foreach_div_(denom, bias_correction2 ** 0.5)
        torch._foreach_add_(denom, self.eps)
        for rows, lr in self.blocks:
            step_size = (lr / bias_correction1) * -1
            torch._foreach_addcdiv_(_rows(params, rows), _rows(self.exp_avg, rows), _rows(denom, rows), step_size)


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name: str, params: list[torch.Tensor], lr: Rate) -> SGD:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr)
