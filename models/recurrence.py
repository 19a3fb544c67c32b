"""The cell equations in torch operations, differentiated by autograd: the "torch" implementation
(models/implementation.py), which serves any call (any device and dtype, a given initial state,
every step's output), and the reference the native and fused ones are tested against.

    xp (K, T, B, G·H) input projections of every step (b_ih included), state h_0 (and c_0)
        ──loop over t: h_t = cell(xp_t + h_{t-1} W_hh + b_hh)──▶ h_T (K, B, H), or every h_t

Gate order and equations are PyTorch's (nn.RNN tanh, nn.LSTM i f g o, nn.GRU r z n).
"""
from __future__ import annotations

import torch

GATES = {"rnn": 1, "lstm": 4, "gru": 3}

State = tuple[torch.Tensor, ...]  # (h,) for rnn and gru, (h, c) for lstm; each (K, B, H)


def zero_state(kind: str, like: torch.Tensor, K: int, B: int, H: int) -> State:
    """The state before the first step: zeros (K, B, H) of like's dtype and device."""
    h = like.new_zeros(K, B, H)
    return (h, torch.zeros_like(h)) if kind == "lstm" else (h,)


def torch_recurrence(kind: str, xp: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor,
                     state: State | None = None, every_step: bool = False) -> tuple[torch.Tensor, State]:
    """(h_T (K, B, H), or every h_t (K, T, B, H) with every_step; the state after the last step)
    from xp (K, T, B, G·H), w_hh (K, H, G·H), b_hh (K, 1, G·H), starting from state (zeros if None)."""
    K, T, B, GH = xp.shape
    H = w_hh.shape[1]
    h, *cell = state if state is not None else zero_state(kind, xp, K, B, H)
    c = cell[0] if cell else None
    seen = []
    for xt in xp.unbind(1):  # (K, B, G·H); unbind beats indexing inside the loop
        hp = torch.baddbmm(b_hh, h, w_hh)  # (K, B, G·H)
        if kind == "rnn":
            h = torch.tanh(xt + hp)
        elif kind == "gru":  # r, z, n
            rz = torch.sigmoid(xt[..., :2 * H] + hp[..., :2 * H])
            r, z = rz[..., :H], rz[..., H:]
            n = torch.tanh(xt[..., 2 * H:] + r * hp[..., 2 * H:])
            h = n + z * (h - n)  # = (1 - z) n + z h
        else:  # lstm: i, f, g, o
            g = xt + hp
            ifo = torch.sigmoid(g[..., :2 * H])
            c = ifo[..., H:] * c + ifo[..., :H] * torch.tanh(g[..., 2 * H:3 * H])
            h = torch.sigmoid(g[..., 3 * H:]) * torch.tanh(c)
        if every_step:
            seen.append(h)
    final = (h, c) if kind == "lstm" else (h,)
    return (torch.stack(seen, 1) if every_step else h), final
