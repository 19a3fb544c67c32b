"""The framework's own fused recurrent kernels, called once per member with that member's slice
of the stacked parameters (cuDNN on a GPU, oneDNN/ATen on a CPU).

The stacked parameters keep their layout, (K, F, G·H) etc.; member k's weights are passed as
transposed views, which is the layout nn.RNN/nn.LSTM/nn.GRU hold them in. Gradients flow back
into the stacked parameters through those views, so initialisation, optimiser state and the
equivalence of stacked and separate training are unchanged (tests/test_recurrence.py).
"""
from __future__ import annotations

import warnings

import torch

from models.recurrence import State, zero_state

# cuDNN wants one flat weight buffer and copies the member's views into one per call (cheap:
# weights are small next to activations); the warning it gives for that is expected here.
warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous chunk")

_KERNELS = {"rnn": torch._VF.rnn_tanh, "gru": torch._VF.gru}


def fused_recurrence(kind: str, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                     b_hh: torch.Tensor, state: State | None = None,
                     every_step: bool = False) -> tuple[torch.Tensor, State]:
    """(h_T (K, B, H), or every h_t (K, B, T, H) with every_step; the state after the last step)
    for x (K, B, T, F) and stacked weights w_ih (K, F, G·H), w_hh (K, H, G·H), b_ih, b_hh
    (K, 1, G·H), from state (zeros if None); one fused kernel call per member."""
    K, B = x.shape[:2]
    H = w_hh.shape[1]
    train = torch.is_grad_enabled()
    start = state if state is not None else zero_state(kind, x, K, B, H)
    outs, finals = [], []
    for k in range(K):
        weights = [w_ih[k].t(), w_hh[k].t(), b_ih[k, 0], b_hh[k, 0]]
        s0 = [s[k].unsqueeze(0) for s in start]  # (1, B, H): one layer
        # Arguments: input, h0, weights, has_biases, layers, dropout, train, bidirectional, batch_first.
        if kind == "lstm":
            out, h, c = torch._VF.lstm(x[k], tuple(s0), weights, True, 1, 0.0, train, False, True)
            finals.append((h[0], c[0]))
        else:
            out, h = _KERNELS[kind](x[k], s0[0], weights, True, 1, 0.0, train, False, True)
            finals.append((h[0],))
        outs.append(out if every_step else h[0])  # (B, T, H) or (B, H)
    return torch.stack(outs), tuple(torch.stack(parts) for parts in zip(*finals))
