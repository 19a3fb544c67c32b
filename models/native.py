"""The Python side of the native CPU kernels (models/csrc/kernels.c): network_outputs, a whole
many-to-one recurrent network's forward (Network: as one autograd node); TrainStep, one training
step of it without autograd; mlp_mse_step, the same for the MLP. models/implementation.py decides
when they run.

The C file is compiled once per machine by its C compiler (``cc``, or $CC) with the machine's own
instruction set, into the suite's cache folder (sequences/cache.py), keyed by the source, the
compiler, the flags and the CPU, and loaded with ctypes. The C side lists what Python may call with the signatures of its
functions (`seqbench_export`); calls here go by argument name, so the two languages cannot
disagree on an argument's type or place, and the C side computes every buffer size.

tests/test_native.py checks values and gradients against float64 autograd, and stacked
training against separate training.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import re
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import torch

from sequences.cache import cache_dir

SOURCE = Path(__file__).with_name("csrc") / "kernels.c"
FLAGS = ("-O3", "-march=native", "-fno-math-errno", "-shared", "-fPIC")
PORTABLE_FLAGS = ("-O3", "-fno-math-errno", "-shared", "-fPIC")  # where -march=native is refused

_why_not: list[str] = []  # why the native path is off, when it is


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


# C parameter types -> ctypes; a pointer of any kind is an address.
_C_TYPES = {"void": None, "int": ctypes.c_int, "int64_t": ctypes.c_int64, "const char *": ctypes.c_char_p}


class Export:
    """One C function of lib, called with its parameters by name (its signature comes from the C
    side): a tensor goes as its address (kept alive by the caller until the call returns), a str
    as bytes, a list of tensors or of ints as a C array. A negative result (an unknown kind)
    raises ValueError."""

    def __init__(self, lib: ctypes.CDLL, signature: str):
        result, rest = signature.split(" ", 1)
        self.name, params = rest.split("(", 1)
        self.params, types = [], []
        for p in params.rstrip(")").split(","):
            ctype, name = re.fullmatch(r"\s*(.*?)\s*(\w+)\s*", p).groups()
            self.params.append(name)
            types.append(_C_TYPES.get(ctype, ctypes.c_void_p if "*" in ctype else None))
            if types[-1] is None:
                raise OSError(f"{SOURCE.name}: {self.name}: parameter type {ctype!r} has no ctypes equivalent")
        self.fn = getattr(lib, self.name)
        self.fn.argtypes, self.fn.restype = types, _C_TYPES[result]
        self.where = {name: i for i, name in enumerate(self.params)}

    def __call__(self, **args):
        return self.bind(**args)()

    def bind(self, **fixed):
        """The call with the arguments in fixed converted once; it takes the others by name."""
        unknown = set(fixed) - set(self.params)
        if unknown:
            raise TypeError(f"{self.name}() has no parameter {', '.join(sorted(unknown))}")
        args = [_c_value(fixed[p]) if p in fixed else None for p in self.params]
        free = {p for p in self.params if p not in fixed}

        def call(**rest):
            if rest.keys() != free:
                raise TypeError(f"{self.name}() wants {', '.join(sorted(free))}; got {', '.join(rest) or 'nothing'}")
            full = args.copy()
            for name, value in rest.items():
                full[self.where[name]] = _c_value(value)
            result = self.fn(*full)
            if result is not None and result < 0:  # the only refusal: a kind the C side does not know
                raise ValueError(f"{self.name}: unknown kind {full[self.where['kind']]!r}")
            return result
        return call


def _c_value(v):
    if isinstance(v, torch.Tensor):
        return v.data_ptr()
    if isinstance(v, str):
        return v.encode()
    if isinstance(v, (list, tuple)):
        if all(isinstance(t, torch.Tensor) for t in v):
            return (ctypes.c_void_p * len(v))(*[t.data_ptr() for t in v])
        return (ctypes.c_int * len(v))(*v)
    return v


class Kernels:
    """The loaded library: one Export attribute per function that the C side lists."""

    def __init__(self, lib: ctypes.CDLL):
        lib.seqbench_export.argtypes, lib.seqbench_export.restype = [ctypes.c_int], ctypes.c_char_p
        self.exports = []
        while (signature := lib.seqbench_export(len(self.exports))) is not None:
            self.exports.append(Export(lib, signature.decode()))
            setattr(self, self.exports[-1].name, self.exports[-1])


@lru_cache(maxsize=None)
def library() -> Kernels | None:
    """The loaded kernels, or None (then `why_not()` says why)."""
    cc = os.environ.get("CC", "cc")
    key = hashlib.sha256(b"\0".join([SOURCE.read_bytes(), cc.encode(), " ".join(FLAGS).encode(),
                                      _cpu().encode()])).hexdigest()[:16]
    path = cache_dir() / f"kernels-{key}.so"
    try:
        if not path.exists():
            _compile(cc, path)
        return Kernels(ctypes.CDLL(str(path)))
    except (OSError, subprocess.SubprocessError) as e:
        _why_not.append(f"native kernels unavailable ({e}); using torch operations")
        return None


def why_not() -> str:
    return _why_not[-1] if _why_not else ""


def _aligned_floats(n: int) -> torch.Tensor:
    """n float32 on the CPU starting on a 64-byte boundary, as the C functions' work expects."""
    buf = torch.empty(n + 16)
    return buf[(-buf.data_ptr() // 4) % 16:][:n]


# Calls whose work dies within the call (the MLP step, forwards without a gradient) share one
# module-wide buffer, reused from call to call: fresh buffers cost page faults at every call and
# fragment the heap. TrainStep keeps its own; a Network node's lives until its backward.
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


PARAMS = ("w_ih", "b_ih", "w_hh", "b_hh", "w_o", "b_o")  # a network's parameters, as the C side names them


def _named(params: list[torch.Tensor], prefix: str = "") -> dict[str, torch.Tensor]:
    return {prefix + name: p for name, p in zip(PARAMS, params)}


def network_outputs(kind: str, x: torch.Tensor, params: list[torch.Tensor], keep: bool = False):
    """y (K, B, O) from x (K, B, T, F) for a whole many-to-one network; params: w_ih (K, F, G),
    b_ih (K, 1, G), w_hh (K, H, G), b_hh (K, 1, G), w_o (K, H, O), b_o (K, 1, O). With keep, also
    what network_gradients needs; without, the work buffer is the shared one, reused."""
    x, *params = (t.contiguous() for t in (x, *params))
    lib = library()
    K, B, T, F = x.shape
    H, O = params[2].shape[1], params[4].shape[2]
    n = lib.network_floats(kind=kind, K=K, T=T, B=B, H=H, O=O, keep=int(keep))
    work = _aligned_floats(n) if keep else _scratch_buffer(n)
    y = x.new_empty(K, B, O)
    sizes = dict(kind=kind, K=K, T=T, B=B, F=F, H=H, O=O)
    lib.network_forward(**sizes, x=x, **_named(params), y=y, keep=int(keep), work=work)
    return y, (sizes, x, params, work)


class Network(torch.autograd.Function):
    """network_outputs as one autograd node (no gradient for x)."""

    @staticmethod
    def forward(ctx, kind, x, *params):
        y, ctx.state = network_outputs(kind, x, list(params), keep=True)
        return y

    @staticmethod
    def backward(ctx, dy):
        sizes, x, params, work = ctx.state
        grads = [torch.empty_like(p) for p in params]
        library().network_backward(**sizes, x=x, **_named(params), dy=dy.contiguous(), **_named(grads, "g_"),
                                   work=work)
        return None, None, *grads


class TrainStep:
    """One training step's forward and backward in one native call, without autograd, for one
    many-to-one network: each member's mean squared error (K,) on x (K, B, T, F) against target
    (K, B, O), with the gradient of their sum in each parameter's .grad, as
    losses.sum().backward() would put it. params: as Network's. The call's fixed arguments
    (parameter and gradient addresses, a work buffer) are prepared once per batch shape and reused
    while the tensors stay where they are; a batch whose members are contiguous blocks is read in
    place."""

    def __init__(self, kind: str, params: list[torch.Tensor]):
        self.kind, self.params = kind, params
        self.shape = self.call = self.work = self.out = None
        self.grads: list[torch.Tensor] = []
        self.where: list[int] = []

    def _prepare(self, x: torch.Tensor) -> None:
        lib = library()
        K, B, T, F = x.shape
        H, O = self.params[2].shape[1], self.params[4].shape[2]
        self.grads = _own_grads(self.params)
        self.where = [p.data_ptr() for p in self.params]
        self.work = _aligned_floats(lib.mse_train_step_floats(kind=self.kind, T=T, B=B, H=H, O=O))
        self.call = lib.mse_train_step.bind(kind=self.kind, K=K, T=T, B=B, F=F, H=H, O=O, **_named(self.params),
                                            **_named(self.grads, "g_"), work=self.work)
        self.shape, self.out = x.shape, (K, B, O)

    def __call__(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if (x.shape != self.shape or any(p.grad is not g for p, g in zip(self.params, self.grads))
                or [p.data_ptr() for p in self.params] != self.where):
            self._prepare(x)
        K, B, O = self.out
        if target.shape != self.out:
            raise ValueError(f"targets {tuple(target.shape)} do not match the outputs {self.out}")
        if x.stride()[1:] != (x.shape[2] * x.shape[3], x.shape[3], 1):
            x = x.contiguous()
        if target.stride()[1:] != (O, 1):
            target = target.contiguous()
        losses = x.new_empty(K)
        self.call(x_stride=x.stride(0), t_stride=target.stride(0), x=x, target=target, losses=losses)
        return losses


def mlp_mse_step(x: torch.Tensor, target: torch.Tensor, weights: list[torch.Tensor],
                 biases: list[torch.Tensor]) -> torch.Tensor:
    """TrainStep for models.mlp.MLP: x (K, B, n_0) flattened windows, weights[l] (K, n_l, n_{l+1})
    (the hidden layers with ReLU, then the head), biases[l] (K, 1, n_{l+1})."""
    K, B, _ = x.shape
    L = len(weights) - 1
    sizes = [w.shape[1] for w in weights] + [weights[-1].shape[2]]
    if target.shape != (K, B, sizes[-1]):
        raise ValueError(f"targets {tuple(target.shape)} do not match the outputs {(K, B, sizes[-1])}")
    lib = library()
    _own_grads([*weights, *biases])
    work = _scratch_buffer(lib.mlp_mse_train_step_floats(B=B, L=L, sizes=sizes))
    losses = x.new_empty(K)
    lib.mlp_mse_train_step(K=K, B=B, L=L, sizes=sizes, x=x.contiguous(), target=target.contiguous(), w=weights,
                           b=biases, gw=[w.grad for w in weights], gb=[b.grad for b in biases], losses=losses,
                           work=work)
    return losses
