"""Recurrent networks that read a whole series and carry their state: the stateful regime.

    chunk x (K, B, L, F), state (h,) or for lstm (h, c), each (K, B, H)
        ──input projection──▶ recurrence started from the state (models/recurrence.py)
        ──every step's h (K, B, L, H)──head──▶ outputs (K, B, L, out), and the state after step L

As pytorch/examples' word_language_model trains a language model: training cuts the series into
B contiguous streams and reads them in chunks of L steps, carrying the state from one chunk to the
next (bench/train/stateful.py). Reading a series for scores (``outputs_at``) starts from a zero
state at its first value and runs through everything before each target, so the output for
position p has seen the whole past x_0 .. x_{p-1} and nothing from p on.

The parameters, their initialisation and the cell equations are those of the windowed
``models.recurrent.Recurrent`` (held here, not copied): member k of ``gru-stateful`` starts from
the same weights as member k of ``gru``.
"""
from __future__ import annotations

import torch
from torch import nn

from models.recurrence import State
from models.recurrent import Recurrent

READ_CHUNK = 4096  # steps per call when reading a series for scores (bounds the autograd-free buffers)


def carries_state(model: nn.Module) -> bool:
    """Whether model reads whole series with a carried state (trained and scored by the stateful regime)."""
    return isinstance(model, StatefulRecurrent)


class StatefulRecurrent(nn.Module):
    """Many-to-many recurrent network over K members with a carried state:
    (K, B, L, F), state -> (K, B, L, out), state."""

    def __init__(self, kind: str, gens: list[torch.Generator], in_features: int, hidden: int, out_features: int):
        super().__init__()
        self.net = Recurrent(kind, gens, in_features, hidden, out_features)

    def forward(self, x: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Outputs after every step of x (K, B, L, F), starting from state (zeros when None),
        and the state after the last step (still attached to the graph: detach it between chunks)."""
        return self.net.sequence(x, state)  # the one recurrence interface (models/recurrent.py)

    @torch.inference_mode()  # cheaper than no_grad per operation; the outputs only feed scores
    def outputs_at(self, base: torch.Tensor, seq: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        """Outputs (K, S, out) for the targets at positions pos (S,) of the base sequences seq (S,)
        of base (M, N, F): each sequence is read from a zero state at its first value, in chunks
        with the state carried, up to the last target; output p - 1 is the forecast of position p.
        Nothing at or after the last target position is read."""
        K = self.net.w_hh.shape[0]
        last = int(pos.max())
        if int(pos.min()) < 1:
            raise ValueError("a stateful forecast needs at least one value before its target (position >= 1)")
        x = base[:, :last]  # (M, last, F): every input before the last target
        outs, state = [], None
        for lo in range(0, last, READ_CHUNK):
            part = x[:, lo:lo + READ_CHUNK]
            y, state = self(part.unsqueeze(0).expand(K, *part.shape), state)
            outs.append(y)
        return torch.cat(outs, 2)[:, seq, pos - 1]  # (K, S, out)
