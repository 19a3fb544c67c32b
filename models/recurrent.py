"""One stacked recurrent network for the three cells (rnn, lstm, gru).

    x (K, B, T, F) ──input projection, all T steps in one bmm──▶ (K, B, T, G·H)
                    ──recurrence over T, h (K, B, H)──▶ last h ──head──▶ (K, B, out)
    many-to-many (``sequence``): every step's h (K, B, T, H) ──head──▶ (K, B, T, out)

The cell equations are PyTorch's (nn.RNN tanh, nn.LSTM, nn.GRU), with the same initialisation
U(-1/√H, 1/√H); tests check the forward pass against the torch modules with copied weights.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from models.stacked import StackedLinear, stacked_uniform

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


class Recurrent(nn.Module):
    """Many-to-one recurrent network over K members: (K, B, T, F) -> (K, B, out)."""

    def __init__(self, kind: str, gens: list[torch.Generator], in_features: int, hidden: int,
                 out_features: int):
        super().__init__()
        if kind not in GATES:
            raise ValueError(f"unknown recurrent kind {kind!r}; choose from {', '.join(GATES)}")
        self.kind, self.hidden = kind, hidden
        gh = GATES[kind] * hidden
        bound = 1.0 / math.sqrt(hidden)
        # Drawn in nn.RNNBase's order: weight_ih, weight_hh, bias_ih, bias_hh.
        self.w_ih = stacked_uniform(gens, (in_features, gh), bound)  # (K, F, G·H)
        self.w_hh = stacked_uniform(gens, (hidden, gh), bound)  # (K, H, G·H)
        self.b_ih = stacked_uniform(gens, (1, gh), bound)  # (K, 1, G·H)
        self.b_hh = stacked_uniform(gens, (1, gh), bound)  # (K, 1, G·H)
        self.head = StackedLinear(gens, hidden, out_features)

    def hidden_states(self, x: torch.Tensor, every_step: bool = False) -> torch.Tensor:
        """Last hidden state (K, B, H) after reading x (K, B, T, F); every_step: all of them (K, B, T, H)."""
        K, B, T, F = x.shape
        # One matmul for every time step's input projection: (K, B·T, F) @ (K, F, G·H).
        xp = torch.baddbmm(self.b_ih, x.reshape(K, B * T, F), self.w_ih).view(K, B, T, -1)
        steps = xp.unbind(2)  # T tensors (K, B, G·H); unbind beats indexing inside the loop
        h = x.new_zeros(K, B, self.hidden)
        seen = []  # every step's h, kept only when asked for
        if self.kind == "rnn":
            for xt in steps:
                h = torch.tanh(xt + torch.baddbmm(self.b_hh, h, self.w_hh))
                if every_step:
                    seen.append(h)
        elif self.kind == "gru":
            H = self.hidden
            for xt in steps:
                hp = torch.baddbmm(self.b_hh, h, self.w_hh)  # (K, B, 3H): r, z, n parts
                rz = torch.sigmoid(xt[..., :2 * H] + hp[..., :2 * H])
                r, z = rz[..., :H], rz[..., H:]
                n = torch.tanh(xt[..., 2 * H:] + r * hp[..., 2 * H:])
                h = n + z * (h - n)  # = (1 - z) n + z h
                if every_step:
                    seen.append(h)
        else:  # lstm
            H = self.hidden
            c = torch.zeros_like(h)
            for xt in steps:
                g = xt + torch.baddbmm(self.b_hh, h, self.w_hh)  # (K, B, 4H): i, f, g, o
                ifo = torch.sigmoid(g[..., :2 * H])
                i, f = ifo[..., :H], ifo[..., H:]
                c = f * c + i * torch.tanh(g[..., 2 * H:3 * H])
                h = torch.sigmoid(g[..., 3 * H:]) * torch.tanh(c)
                if every_step:
                    seen.append(h)
        return torch.stack(seen, 2) if every_step else h

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden_states(x))

    def sequence(self, x: torch.Tensor) -> torch.Tensor:
        """Many-to-many: the head after every step, (K, B, T, F) -> (K, B, T, out)."""
        K, B, T, _ = x.shape
        hs = self.hidden_states(x, every_step=True)  # (K, B, T, H)
        return self.head(hs.reshape(K, B * T, self.hidden)).view(K, B, T, -1)
