"""The native CPU kernels (models/csrc/kernels.c): the stacked recurrences as autograd
functions (Recurrence: xp -> h_T; Network: a whole many-to-one network), and one-call training
steps without autograd (TrainStep for rnn/gru/lstm, mlp_mse_step for the MLP).

The C file is compiled once per machine by its C compiler (``cc``, or $CC) with the machine's own
instruction set, into a cache folder ($SEQBENCH_CACHE, else ~/.cache/seqbench), keyed by the
source, the compiler, the flags and the CPU, and loaded with ctypes. Where no compiler works the
suite runs the torch implementation of the same equations (models/recurrence.py) instead; so does
every tensor that is not float32 on the CPU. SEQBENCH_NATIVE=0 turns the native path off, e.g. to
compare the two (`python -m bench speed` prints which one ran).

Both compute the same function; tests/test_native.py checks values and gradients against plain
autograd, and stacked training against separate training.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import torch

SOURCE = Path(__file__).with_name("csrc") / "kernels.c"
FLAGS = ("-O3", "-march=native", "-fno-math-errno", "-shared", "-fPIC")
PORTABLE_FLAGS = ("-O3", "-fno-math-errno", "-shared", "-fPIC")  # where -march=native is refused
SWITCH = "SEQBENCH_NATIVE"

_SIGNATURES = {  # C function -> (sizes, tensors) it takes, in that order
    "rnn_forward": (4, 4), "rnn_backward": (4, 8),
    "gru_forward": (4, 7), "gru_backward": (4, 12),
    "lstm_forward": (4, 7), "lstm_backward": (4, 12),
    "project_forward": (5, 4), "project_backward": (5, 4),
    "head_forward": (4, 4), "head_backward": (4, 7),
    "mse_train_step": (9, 16),
}
_KIND_IDS = {"rnn": 0, "gru": 1, "lstm": 2}  # the C enum
NO_GRAD_ELEMENTS = 1 << 22  # without autograd, larger inputs go to the torch loop, which keeps no history

_why_not: list[str] = []  # why the native path is off, when it is


def cache_dir() -> Path:
    if os.environ.get("SEQBENCH_CACHE"):
        return Path(os.environ["SEQBENCH_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "seqbench"


def _cpu() -> str:
    """What the compiled code depends on: architecture and the CPU's feature flags."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    feats = next((ln for ln in lines if ln.split(":")[0].strip() in ("flags", "Features")), "")
    return platform.machine() + feats


def _compile(cc: str, out: Path) -> None:
    """Build the library at out (atomically: parallel workers may build it at the same time)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".so", dir=out.parent)
    os.close(fd)
    try:
        for flags in (FLAGS, PORTABLE_FLAGS):
            r = subprocess.run([cc, *flags, "-o", tmp, str(SOURCE)], capture_output=True, text=True)
            if r.returncode == 0:
                os.replace(tmp, out)
                return
        raise OSError(f"{cc} failed: {(r.stderr.strip().splitlines() or ['no message'])[-1]}")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@lru_cache(maxsize=None)
def library() -> ctypes.CDLL | None:
    """The loaded kernels, or None (then `why_not()` says why)."""
    if os.environ.get(SWITCH, "1") == "0":
        _why_not.append(f"{SWITCH}=0")
        return None
    cc = os.environ.get("CC", "cc")
    key = hashlib.sha256(b"\0".join([SOURCE.read_bytes(), cc.encode(), " ".join(FLAGS).encode(),
                                      _cpu().encode()])).hexdigest()[:16]
    path = cache_dir() / f"kernels-{key}.so"
    try:
        if not path.exists():
            _compile(cc, path)
        lib = ctypes.CDLL(str(path))
    except (OSError, subprocess.SubprocessError) as e:
        _why_not.append(f"native kernels unavailable ({e}); using torch operations")
        return None
    for name, (sizes, tensors) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes = [ctypes.c_int] * sizes + [ctypes.c_void_p] * tensors
        fn.restype = None
    lib.mse_train_step_floats.argtypes = [ctypes.c_int] * 5
    lib.mse_train_step_floats.restype = ctypes.c_int64
    lib.mlp_mse_train_step_floats.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
    lib.mlp_mse_train_step_floats.restype = ctypes.c_int64
    lib.mlp_mse_train_step.argtypes = [ctypes.c_int] * 3 + [ctypes.c_void_p] * 9
    lib.mlp_mse_train_step.restype = None
    return lib


def why_not() -> str:
    return _why_not[-1] if _why_not else ""


# Native kernels serve a batch of more than LARGE_BATCH rows only while each weight matrix stays
# within MAX_WEIGHT_FLOATS (512 KB). Measured, one core, a training step against the torch path
# (MKL products): at batch 128 native is faster up to 576 KB (lstm H = 128: 1.47x; H = 192:
# 1.17x) and slower beyond (rnn H = 400: 0.92x; gru H = 256: 0.90x; lstm H = 256: 0.84x;
# lstm H = 400: 0.60x), where MKL's packed, cache-blocked products win; at batch 8-64 native is
# faster at every size tried (lstm H = 256, B = 8: 3.05x, B = 64: 1.04x; gru H = 256, B = 64:
# 1.47x; lstm H = 400, B = 32: 1.79x). The rule depends on shapes only, never on K.
MAX_WEIGHT_FLOATS = 1 << 17
LARGE_BATCH = 64


def usable(*tensors: torch.Tensor, weights: torch.Tensor | None = None, rows: int = 0) -> bool:
    """Native kernels serve float32 CPU tensors, when they could be built; with weights (K, a, b),
    the model's largest matrix, and rows, its batch, only where the rule above picks them."""
    if weights is not None and weights.shape[1] * weights.shape[2] > MAX_WEIGHT_FLOATS and rows > LARGE_BATCH:
        return False
    return all(t.device.type == "cpu" and t.dtype == torch.float32 for t in tensors) and library() is not None


def implementation() -> str:
    """Which CPU recurrence runs: 'native' or 'torch'."""
    return "native" if library() is not None else "torch"


def _run(fn, *args) -> None:
    """Call a C function with sizes and tensors; a tensor goes as its address, and args keeps it
    (a temporary included) alive until the call returns."""
    fn(*[a.data_ptr() if isinstance(a, torch.Tensor) else a for a in args])


# Buffers: the functions below take `new(*shape)` for the tensors they need (a fresh allocation
# under autograd). The one-call training steps instead reuse scratch memory from step to step,
# since everything in it dies within the call: for a GRU at K = 16, B = 8, H = 64, fresh
# buffers cost ~130 page faults per step. TrainStep keeps its own (its address is prepared
# once); mlp_mse_step shares one module-wide buffer.

def _fresh(like: torch.Tensor):
    return lambda *shape: like.new_empty(shape)


def _aligned_floats(n: int) -> torch.Tensor:
    """n float32 on the CPU starting on a 64-byte boundary, as the C steps' scratch expects."""
    buf = torch.empty(n + 16)
    return buf[(-buf.data_ptr() // 4) % 16:][:n]


SCRATCH_FLOATS = 1 << 22  # the shared buffer's cap (16 MB); a step needing more allocates its own
_scratch: list[torch.Tensor] = []


def _scratch_buffer(n: int) -> torch.Tensor:
    """n aligned floats, reused between calls up to SCRATCH_FLOATS."""
    if n > SCRATCH_FLOATS:
        return _aligned_floats(n)
    if not _scratch or _scratch[0].numel() < n:
        _scratch[:] = [_aligned_floats(n)]
    return _scratch[0][:n]


def _own_grads(params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Each parameter's .grad, allocated where missing: the C steps write gradients into them."""
    for p in params:
        if p.grad is None or p.grad.shape != p.shape:
            p.grad = torch.empty_like(p)
    return [p.grad for p in params]


# Per kind, the buffers its C forward keeps for backward, and its backward's scratch. The C
# functions take (sizes, xp, w_hh, b_hh, *saved) and (sizes, *saved, w_hh, dh, dxp, dw, db, *scratch).
_SAVED = {  # (K, T, B, H, G) -> shapes; hs (K, T+1, B, H) holds h_{t-1} at t, so hs[:, T] = h_T
    "rnn": lambda K, T, B, H, G: [(K, T + 1, B, H)],
    "gru": lambda K, T, B, H, G: [(K, T, B, G), (K, T, B, 2 * H), (K, T, B, H), (K, T + 1, B, H)],  # hp rz n hs
    "lstm": lambda K, T, B, H, G: [(K, T, B, G), (K, T + 1, B, H), (K, T + 1, B, H), (K, T, B, H)],  # acts hs cs tanh c
}
_HS = {"rnn": 0, "gru": 3, "lstm": 1}  # where hs is among the saved buffers
_SCRATCH = {  # (T, B, H, G) -> shapes: W_hh transposed, then the kind's running gradients
    "rnn": lambda T, B, H, G: [(G * H,), (B * H,)],
    "gru": lambda T, B, H, G: [(G * H,), (T * B * G,), (B * H,)],
    "lstm": lambda T, B, H, G: [(G * H,), (B * H,), (B * H,)],
}


def _forward(kind: str, xp, w_hh, b_hh, new):
    """h_T (K, B, H) from contiguous float32 CPU xp (K, T, B, G), w_hh (K, H, G), b_hh (K, 1, G),
    and what _backward needs."""
    K, T, B, G = xp.shape
    H = w_hh.shape[1]
    saved = [new(*shape) for shape in _SAVED[kind](K, T, B, H, G)]
    _run(getattr(library(), f"{kind}_forward"), K, T, B, H, xp, w_hh, b_hh, *saved)
    return saved[_HS[kind]][:, T], (*saved, w_hh)


def _backward(kind: str, saved, dh, new, dw, db):
    """dxp (K, T, B, G) from dh (K, B, H), writing dw_hh and db_hh."""
    *buffers, w_hh = saved
    K, T1, B, H = buffers[_HS[kind]].shape
    G = w_hh.shape[2]
    dxp = new(K, T1 - 1, B, G)
    scratch = [new(*shape) for shape in _SCRATCH[kind](T1 - 1, B, H, G)]
    _run(getattr(library(), f"{kind}_backward"), K, T1 - 1, B, H, *buffers, w_hh, dh, dxp, dw, db, *scratch)
    return dxp


def _contiguous(*tensors: torch.Tensor) -> list[torch.Tensor]:
    return [t.contiguous() for t in tensors]


class Recurrence(torch.autograd.Function):
    """h_T (K, B, H) from the input projections xp (K, T, B, G) (models/recurrence.last_hidden)."""

    @staticmethod
    def forward(ctx, kind, xp, w_hh, b_hh):
        xp, w_hh, b_hh = _contiguous(xp, w_hh, b_hh)
        h, saved = _forward(kind, xp, w_hh, b_hh, _fresh(xp))
        ctx.kind, ctx.saved = kind, saved
        return h.clone()

    @staticmethod
    def backward(ctx, dh):
        w_hh = ctx.saved[-1]
        dw, db = torch.empty_like(w_hh), w_hh.new_empty(w_hh.shape[0], 1, w_hh.shape[2])
        dxp = _backward(ctx.kind, ctx.saved, dh.contiguous(), _fresh(dh), dw, db)
        return None, dxp, dw, db


def network_forward(kind: str, x: torch.Tensor, params: list[torch.Tensor], new) -> tuple[torch.Tensor, tuple]:
    """A whole many-to-one network, x (K, B, T, F) -> y (K, B, O): the input projection of every
    step, the recurrence, a linear head on h_T. params: w_ih, b_ih, w_hh, b_hh, w_o, b_o.
    Returns y and what network_backward needs."""
    x, w_ih, b_ih, w_hh, b_hh, w_o, b_o = _contiguous(x, *params)
    lib = library()
    K, B, T, F = x.shape
    G, H, O = w_ih.shape[2], w_hh.shape[1], w_o.shape[2]
    xp = new(K, T, B, G)
    _run(lib.project_forward, K, T, B, F, G, x, w_ih, b_ih, xp)
    h_last, saved = _forward(kind, xp, w_hh, b_hh, new)
    h, y = new(K, B, H), new(K, B, O)
    h.copy_(h_last)
    _run(lib.head_forward, K, B, H, O, h, w_o, b_o, y)
    return y, (kind, saved, x, h, w_o)


def network_backward(state: tuple, dy: torch.Tensor, new, grads: list[torch.Tensor]) -> None:
    """Writes the gradients of w_ih, b_ih, w_hh, b_hh, w_o, b_o into grads, from dy (K, B, O)."""
    lib = library()
    kind, saved, x, h, w_o = state
    dw_ih, db_ih, dw_hh, db_hh, dw_o, db_o = grads
    K, B, T, F = x.shape
    H, O = w_o.shape[1:]
    dh, wt = new(K, B, H), new(H * O)
    _run(lib.head_backward, K, B, H, O, h, w_o, dy, dh, dw_o, db_o, wt)
    dxp = _backward(kind, saved, dh, new, dw_hh, db_hh)
    _run(lib.project_backward, K, T, B, F, dxp.shape[3], x, dxp, dw_ih, db_ih)


class Network(torch.autograd.Function):
    """network_forward as one autograd node (no gradient for x)."""

    @staticmethod
    def forward(ctx, kind, x, *params):
        y, ctx.state = network_forward(kind, x, params, _fresh(x))
        ctx.shapes = [p.shape for p in params]
        return y

    @staticmethod
    def backward(ctx, dy):
        grads = [dy.new_empty(shape) for shape in ctx.shapes]
        network_backward(ctx.state, dy.contiguous(), _fresh(dy), grads)
        return None, None, *grads


class TrainStep:
    """One training step's forward and backward in one native call, without autograd, for one
    many-to-one network: each member's mean squared error (K,) on x (K, B, T, F) against target
    (K, B, O), with the gradient of their sum in each parameter's .grad, as
    losses.sum().backward() would put it (bench/train.py). params: w_ih, b_ih, w_hh, b_hh, w_o,
    b_o. The call's arguments (parameter and gradient addresses, a scratch buffer) are prepared
    once per batch shape and reused while the tensors stay where they are; a batch whose
    members are contiguous blocks is read in place."""

    def __init__(self, kind: str, params: list[torch.Tensor]):
        self.kind, self.params = kind, params
        self.shape = self.fixed = self.work = None
        self.grads: list[torch.Tensor] = []
        self.where: list[int] = []

    def _prepare(self, x: torch.Tensor) -> None:
        K, B, T, F = x.shape
        ps = self.params
        H, O = ps[2].shape[1], ps[4].shape[2]
        self.grads = _own_grads(ps)
        self.where = [p.data_ptr() for p in ps]
        self.work = _aligned_floats(library().mse_train_step_floats(_KIND_IDS[self.kind], T, B, H, O))
        self.fixed = [*self.where, *(g.data_ptr() for g in self.grads)], self.work.data_ptr(), (K, T, B, F, H, O)
        self.shape = x.shape

    def __call__(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if (x.shape != self.shape or any(p.grad is not g for p, g in zip(self.params, self.grads))
                or [p.data_ptr() for p in self.params] != self.where):
            self._prepare(x)
        addresses, work, (K, T, B, F, H, O) = self.fixed
        if target.shape != (K, B, O):
            raise ValueError(f"targets {tuple(target.shape)} do not match the outputs {(K, B, O)}")
        if x.stride()[1:] != (T * F, F, 1) or x.stride(0) >= 1 << 31:
            x = x.contiguous()
        if target.stride()[1:] != (O, 1) or target.stride(0) >= 1 << 31:
            target = target.contiguous()
        losses = x.new_empty(K)
        library().mse_train_step(_KIND_IDS[self.kind], K, T, B, F, H, O, x.stride(0), target.stride(0),
                                 x.data_ptr(), target.data_ptr(), *addresses, losses.data_ptr(), work)
        return losses


MLP_MAX_LAYERS = 64  # as in the C file


def mlp_mse_step(x: torch.Tensor, target: torch.Tensor, weights: list[torch.Tensor],
                 biases: list[torch.Tensor]) -> torch.Tensor:
    """mse_step for models.mlp.MLP: x (K, B, n_0) flattened windows, weights[l] (K, n_l, n_{l+1})
    (the hidden layers with ReLU, then the head), biases[l] (K, 1, n_{l+1})."""
    K, B, _ = x.shape
    L = len(weights) - 1
    sizes = (ctypes.c_int * (L + 2))(*[w.shape[1] for w in weights], weights[-1].shape[2])
    if target.shape != (K, B, sizes[L + 1]):
        raise ValueError(f"targets {tuple(target.shape)} do not match the outputs {(K, B, sizes[L + 1])}")
    lib = library()
    _own_grads([*weights, *biases])

    def addresses(tensors):
        return (ctypes.c_void_p * len(tensors))(*[t.data_ptr() for t in tensors])
    work = _scratch_buffer(lib.mlp_mse_train_step_floats(B, L, sizes))
    losses, x, target = x.new_empty(K), x.contiguous(), target.contiguous()
    lib.mlp_mse_train_step(K, B, L, sizes, x.data_ptr(), target.data_ptr(), addresses(weights),
                           addresses(biases), addresses([w.grad for w in weights]),
                           addresses([b.grad for b in biases]), losses.data_ptr(), work.data_ptr())
    return losses


def network_usable(x: torch.Tensor, w_hh: torch.Tensor) -> bool:
    """Whether Network serves this call: float32 CPU, no gradient wanted for x, and without
    autograd only for inputs small enough that keeping every step's state costs little."""
    if x.requires_grad or not usable(x, w_hh, weights=w_hh, rows=x.shape[1]):
        return False
    K, B, T, _ = x.shape
    return torch.is_grad_enabled() or K * B * T * w_hh.shape[2] <= NO_GRAD_ELEMENTS
