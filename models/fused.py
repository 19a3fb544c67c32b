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

# cuDNN wants one flat weight buffer and copies the member's views into one per call (cheap:
# weights are small next to activations); the warning it gives for that is expected here.
warnings.filterwarnings("ignore", message="RNN module weights are not part of single contiguous chunk")

_KERNELS = {"rnn": torch._VF.rnn_tanh, "gru": torch._VF.gru}


def fused_last_hidden(kind: str, x: torch.Tensor, w_ih: torch.Tensor, w_hh: torch.Tensor, b_ih: torch.Tensor,
                      b_hh: torch.Tensor) -> torch.Tensor:
    """h_T (K, B, H) for x (K, B, T, F) and stacked weights w_ih (K, F, G·H), w_hh (K, H, G·H),
    b_ih, b_hh (K, 1, G·H); one fused kernel call per member."""
    K, B = x.shape[:2]
    H = w_hh.shape[1]
    train = torch.is_grad_enabled()
    h0 = x.new_zeros(1, B, H)
    last = []
    for k in range(K):
        weights = [w_ih[k].t(), w_hh[k].t(), b_ih[k, 0], b_hh[k, 0]]
        # Arguments: input, h0, weights, has_biases, layers, dropout, train, bidirectional, batch_first.
        if kind == "lstm":
            _, h, _ = torch._VF.lstm(x[k], (h0, h0), weights, True, 1, 0.0, train, False, True)
        else:
            _, h = _KERNELS[kind](x[k], h0, weights, True, 1, 0.0, train, False, True)
        last.append(h[0])  # (B, H)
    return torch.stack(last)
