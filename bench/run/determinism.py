"""--deterministic: only deterministic kernels inside a cell, at some cost in speed on a GPU.

On CPU every kernel this suite uses is already deterministic, so the flag changes nothing but the
record (tests/test_determinism.py shows identical values with and without it). On CUDA it makes
PyTorch refuse nondeterministic kernels, pins cuDNN to deterministic algorithms without
benchmarking, and sets CUBLAS_WORKSPACE_CONFIG so that cuBLAS reductions are reproducible.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

CUBLAS_ENV = "CUBLAS_WORKSPACE_CONFIG"
CUBLAS_VALUE = ":4096:8"  # NVIDIA's documented setting for reproducible cuBLAS (also ":16:8")


def prepare_environment() -> None:
    """Set before any CUDA work in a process (the coordinator, and so its spawned workers)."""
    os.environ.setdefault(CUBLAS_ENV, CUBLAS_VALUE)


@contextmanager
def deterministic_mode(enabled: bool):
    """Deterministic algorithms inside the block; the previous settings come back afterwards."""
    if not enabled:
        yield
        return
    prepare_environment()
    import torch
    cudnn = torch.backends.cudnn
    before = (torch.are_deterministic_algorithms_enabled(), torch.is_deterministic_algorithms_warn_only_enabled(),
              cudnn.deterministic, cudnn.benchmark)
    torch.use_deterministic_algorithms(True)
    cudnn.deterministic, cudnn.benchmark = True, False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(before[0], warn_only=before[1])
        cudnn.deterministic, cudnn.benchmark = before[2], before[3]
