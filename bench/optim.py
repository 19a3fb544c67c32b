"""SGD and Adam for the training loop: torch's multi-tensor (foreach) arithmetic, without its
bookkeeping.

torch.optim.SGD/Adam spend Python time at every step on parameter groups, state lookups, device
grouping and profiler hooks, a noticeable share of a step for the small stacked models here. These classes keep one flat list of parameters and issue the same foreach operations,
in the same order, with the same scalars, as torch 2.13's `_multi_tensor_sgd` (no momentum)
and `_multi_tensor_adam` (no amsgrad, no weight decay), so the updates are bit-identical to
torch's (tests/test_optim.py). Both act element-wise, so stacked members stay independent.
(torch's fused Adam is cheaper still, but its vectorised and scalar tails round differently, so
a member's numbers would depend, at float rounding, on its position in the stack: not used.)
"""
from __future__ import annotations

import torch


class SGD:
    def __init__(self, params: list[torch.Tensor], lr: float):
        self.params, self.lr = list(params), lr

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        ps = [p for p in self.params if p.grad is not None]
        if ps:
            torch._foreach_add_(ps, [p.grad for p in ps], alpha=-self.lr)


class Adam(SGD):
    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
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
        step_size = (self.lr / bias_correction1) * -1
        denom = torch._foreach_sqrt(self.exp_avg_sq)
        torch._foreach_div_(denom, bias_correction2 ** 0.5)
        torch._foreach_add_(denom, self.eps)
        torch._foreach_addcdiv_(params, self.exp_avg, denom, step_size)


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name: str, params: list[torch.Tensor], lr: float) -> SGD:
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](params, lr)
