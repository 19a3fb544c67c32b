"""The stacked recurrences over K members, with a hand-written backward pass (BPTT).

    xp (K, T, B, G·H) input projections of every step (b_ih included)
        ──loop over t: h_t = cell(xp_t + h_{t-1} W_hh + b_hh)──▶ last hidden state h_T (K, B, H)

Why by hand: for the small models of this suite a training step is a few dozen tiny ops, and
autograd spends more on recording and replaying them than on arithmetic (two bmm per step in
backward, a stack for unbind's backward, zero-filled slices for every gate). Here the forward
writes every step into preallocated buffers; the backward needs one bmm per step (dh_{t-1}) plus
one bmm for the whole of dW_hh over all T·B rows, and its element-wise factors are precomputed
for all steps at once. `eager_last_hidden` is the plain autograd version of the same equations:
it serves inference (no_grad) and is the reference the tests compare gradients against.

Gate order and equations are PyTorch's (nn.RNN tanh, nn.LSTM i f g o, nn.GRU r z n).
"""
from __future__ import annotations

import torch

from models import native

GATES = {"rnn": 1, "lstm": 4, "gru": 3}


def eager_last_hidden(kind: str, xp: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor,
                      every_step: bool = False, state: tuple[torch.Tensor, torch.Tensor] | None = None,
                      final_state: bool = False):
    """h_T (K, B, H) from xp (K, T, B, G·H), w_hh (K, H, G·H), b_hh (K, 1, G·H); plain autograd.
    every_step: every h_t instead, (K, T, B, H) (many-to-many tasks). state: (h0, c0), each
    (K, B, H), to start from instead of zeros (c0 is read by lstm only); final_state: return
    (output, (h_T, c_T)) so that a later call can carry on where this one stopped."""
    K, T, B, GH = xp.shape
    H = w_hh.shape[1]
    h = xp.new_zeros(K, B, H) if state is None else state[0]
    c = torch.zeros_like(h) if state is None else state[1]
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
    out = torch.stack(seen, 1) if every_step else h
    return (out, (h, c)) if final_state else out


def last_hidden(kind: str, xp: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
    """h_T (K, B, H) from xp (K, T, B, G·H). When a gradient is wanted: the native kernels
    (models/native.py) for float32 on the CPU where they could be built, else the hand-written
    backward below; without one, the eager loop."""
    wants_grad = torch.is_grad_enabled() and (xp.requires_grad or w_hh.requires_grad or b_hh.requires_grad)
    if wants_grad and native.usable(xp, w_hh, b_hh, weights=w_hh, rows=xp.shape[2]):
        return native.Recurrence.apply(kind, xp, w_hh, b_hh)
    if wants_grad:
        return _FUNCTIONS[kind].apply(xp, w_hh, b_hh)
    return eager_last_hidden(kind, xp, w_hh, b_hh)


# Layouts. The input projection xp and every gradient returned for it are member-major and
# time-major, (K, T, B, G), so that dW_ih and db_hh are single reductions over T·B rows. Buffers
# written by a step's bmm are step-major, (T, K, B, G): each step's slice is one contiguous
# (K, B, G) block, which keeps CPU baddbmm on its batched BLAS path (a strided result makes it
# fall back to K separate matmuls, measured 3x slower at H = 16).

def _step_major(xp: torch.Tensor, b_hh: torch.Tensor | None) -> torch.Tensor:
    """(K, T, B, G) -> a new contiguous (T, K, B, G), plus b_hh (K, 1, G) if given."""
    K, T, B, G = xp.shape
    out = xp.new_empty(T, K, B, G)
    if b_hh is None:
        return out.copy_(xp.transpose(0, 1))
    return torch.add(xp.transpose(0, 1), b_hh, out=out)


def _weight_grads(prev: torch.Tensor, dpre: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """dW_hh (K, H, G) and db_hh (K, 1, G) from every step at once: prev (T, K, B, H) holds
    h_{t-1}, dpre (K, T, B, G) the gradient of the recurrent pre-activation."""
    T, K, B, H = prev.shape
    rows = dpre.view(K, T * B, -1)
    dw = torch.bmm(prev.transpose(0, 1).reshape(K, T * B, H).transpose(1, 2), rows)
    return dw, rows.sum(1, keepdim=True)


def _transposed(w_hh: torch.Tensor) -> torch.Tensor:
    """W_hh^T (K, G, H), contiguous: bmm against a transposed view is ~20 % slower (measured)."""
    return w_hh.transpose(1, 2).contiguous()


class _RNN(torch.autograd.Function):
    @staticmethod
    def forward(ctx, xp, w_hh, b_hh):
        # tanh(z) = 2 σ(2z) - 1: CPU tanh costs ~4 ns per element, σ ~1.2 ns (measured), and
        # the factor 2 rides along for free in the bias add and in baddbmm's alpha.
        pre = _step_major(xp, b_hh).mul_(2.0)  # (T, K, B, H): 2 (x W_ih + b_ih + b_hh)
        T = pre.shape[0]
        hs = xp.new_empty(T + 1, *pre.shape[1:])  # hs[t] = h_{t-1}; h_{-1} = 0
        hs[0].zero_()
        minus_one = xp.new_full((), -1.0)
        for t in range(T):
            s = pre[t].baddbmm_(hs[t], w_hh, alpha=2.0).sigmoid_()
            torch.add(minus_one, s, alpha=2.0, out=hs[t + 1])
        ctx.save_for_backward(hs, w_hh)
        return hs[T].clone()

    @staticmethod
    def backward(ctx, dh):
        hs, w_hh = ctx.saved_tensors
        T, K, B, H = hs[1:].shape
        # tanh' = 1 - h² for every step, member-major, then scaled in place by dh_t.
        dpre = torch.square(hs[1:].transpose(0, 1), out=hs.new_empty(K, T, B, H)).neg_().add_(1.0)
        wt = _transposed(w_hh)
        for t in range(T - 1, -1, -1):
            d = dpre[:, t].mul_(dh)
            if t:
                dh = torch.bmm(d, wt)
        dw, db = _weight_grads(hs[:T], dpre)
        return dpre, dw, db


class _LSTM(torch.autograd.Function):
    @staticmethod
    def forward(ctx, xp, w_hh, b_hh):
        acts = _step_major(xp, b_hh)  # (T, K, B, 4H): pre-activations, then i f g o in place
        T, K, B, G = acts.shape
        H = G // 4
        hs = xp.new_zeros(T + 1, K, B, H)  # hs[t] = h_{t-1}
        cs = xp.new_zeros(T + 1, K, B, H)  # cs[t] = c_{t-1}
        tcs = xp.new_empty(T, K, B, H)  # tanh(c_t)
        for t in range(T):
            a = acts[t].baddbmm_(hs[t], w_hh)
            a[..., :2 * H].sigmoid_()
            a[..., 2 * H:3 * H].tanh_()
            a[..., 3 * H:].sigmoid_()
            c = torch.mul(a[..., H:2 * H], cs[t], out=cs[t + 1]).addcmul_(a[..., :H], a[..., 2 * H:3 * H])
            torch.mul(a[..., 3 * H:], torch.tanh(c, out=tcs[t]), out=hs[t + 1])
        ctx.save_for_backward(acts, hs, cs, tcs, w_hh)
        return hs[T].clone()

    @staticmethod
    def backward(ctx, dh):
        acts, hs, cs, tcs, w_hh = ctx.saved_tensors
        T, K, B, G = acts.shape
        H = G // 4
        # Derivatives of the activations for all steps at once: σ' = a(1 - a), tanh' = 1 - a².
        slope = acts * (1.0 - acts)
        slope[..., 2 * H:3 * H] = 1.0 - acts[..., 2 * H:3 * H].square()
        through = acts[..., 3 * H:] * (1.0 - tcs.square())  # o · tanh'(c_t): dh_t -> dc_t
        dpre = acts.new_empty(K, T, B, G)
        dc = torch.zeros_like(dh)
        wt = _transposed(w_hh)
        for t in range(T - 1, -1, -1):
            a, d = acts[t], dpre[:, t]
            dc.addcmul_(dh, through[t])
            torch.mul(dc, a[..., 2 * H:3 * H], out=d[..., :H])  # di = dc · g
            torch.mul(dc, cs[t], out=d[..., H:2 * H])  # df = dc · c_{t-1}
            torch.mul(dc, a[..., :H], out=d[..., 2 * H:3 * H])  # dg = dc · i
            torch.mul(dh, tcs[t], out=d[..., 3 * H:])  # do = dh · tanh(c_t)
            d.mul_(slope[t])
            if t:
                dc.mul_(a[..., H:2 * H])  # dc_{t-1} = dc_t · f
                dh = torch.bmm(d, wt)
        dw, db = _weight_grads(hs[:T], dpre)
        return dpre, dw, db


class _GRU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, xp, w_hh, b_hh):
        xs = _step_major(xp, None)  # (T, K, B, 3H): r, z, n input projections
        T, K, B, G = xs.shape
        H = G // 3
        hp = torch.empty_like(xs)  # h_{t-1} W_hh + b_hh; its n part is kept for backward
        rz = xp.new_empty(T, K, B, 2 * H)
        ns = xp.new_empty(T, K, B, H)
        hs = xp.new_zeros(T + 1, K, B, H)
        for t in range(T):
            g, x = hp[t], xs[t]
            torch.baddbmm(b_hh, hs[t], w_hh, out=g)
            gates = torch.add(x[..., :2 * H], g[..., :2 * H], out=rz[t]).sigmoid_()  # r, z
            n = torch.mul(gates[..., :H], g[..., 2 * H:], out=ns[t]).add_(x[..., 2 * H:]).tanh_()
            torch.sub(hs[t], n, out=hs[t + 1]).mul_(gates[..., H:]).add_(n)  # n + z (h - n)
        ctx.save_for_backward(hp, rz, ns, hs, w_hh)
        return hs[T].clone()

    @staticmethod
    def backward(ctx, dh):
        hp, rz, ns, hs, w_hh = ctx.saved_tensors
        T, K, B, G = hp.shape
        H = G // 3
        r, z = rz[..., :H], rz[..., H:]
        # Per-step factors for all steps at once, so the loop is only products with dh:
        to_n = (1.0 - z) * (1.0 - ns.square())  # dh -> d(n pre-activation)
        to_z = (hs[:T] - ns) * z * (1.0 - z)  # dh -> d(z pre-activation)
        to_r = hp[..., 2 * H:] * r * (1.0 - r)  # d(n pre) -> d(r pre)
        dxp = hp.new_empty(K, T, B, G)  # gradient of the input projection: r, z, n pre-activations
        dhp = hp.new_empty(K, T, B, G)  # gradient of h W_hh + b_hh: the same, but r · d(n pre) for n
        wt = _transposed(w_hh)
        for t in range(T - 1, -1, -1):
            dx, dg = dxp[:, t], dhp[:, t]
            dn = torch.mul(dh, to_n[t], out=dx[..., 2 * H:])
            torch.mul(dn, to_r[t], out=dx[..., :H])
            torch.mul(dh, to_z[t], out=dx[..., H:2 * H])
            torch.mul(dn, r[t], out=dg[..., 2 * H:])
            dg[..., :2 * H] = dx[..., :2 * H]
            if t:
                dh = torch.baddbmm(dh * z[t], dg, wt)
        dw, db = _weight_grads(hs[:T], dhp)
        return dxp, dw, db


_FUNCTIONS = {"rnn": _RNN, "lstm": _LSTM, "gru": _GRU}
