"""IDX files (the MNIST family's format), gzip-compressed or raw: read with every header field
checked against the file, and write (for tests and tiny fixtures).

    bytes 0-1: 0 0    byte 2: dtype code    byte 3: number of dimensions d
    then d big-endian uint32 sizes, then prod(sizes) items, big-endian, row-major
"""
from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from sequences.files import UnsafeFile, gunzip_limited, read_regular, write_bytes_atomic
from sequences.series import SequenceError

# dtype code -> numpy dtype (big-endian), as in the format's definition
DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"), 0x09: np.dtype(">i1"), 0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8"),
}
CODES = {dt.str.lstrip("<>|"): code for code, dt in DTYPES.items()}  # "u1" -> 0x08 ...
GZIP_MAGIC = b"\x1f\x8b"


MAX_BYTES = 512 * 2 ** 20  # Fashion-MNIST's largest file is 47 MiB raw


def _raw_bytes(path: Path) -> bytes:
    try:
        blob = read_regular(path, MAX_BYTES, "IDX file")
    except UnsafeFile as e:
        raise SequenceError(f"{e.filename}: {e.strerror}") from None
    if not blob:
        raise SequenceError(f"{path}: the file is empty")
    if blob[:2] != GZIP_MAGIC:
        return blob
    try:
        blob = gunzip_limited(blob, MAX_BYTES)
    except (OSError, EOFError, ValueError, zlib.error) as e:  # bad header, bad CRC, truncated stream, too large
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise SequenceError(f"{path}: corrupt or truncated gzip data ({msg})") from None
    if not blob:
        raise SequenceError(f"{path}: the gzip stream holds no data")
    return blob


def read_idx(path: str | Path) -> np.ndarray:
    """The array stored in an IDX file (gzip detected by content), in native byte order.

    Raises SequenceError naming the file for an empty, truncated, padded or non-IDX file.
    """
    path = Path(path)
    blob = _raw_bytes(path)
    if len(blob) < 4:
        raise SequenceError(f"{path}: truncated IDX header ({len(blob)} bytes, need at least 4)")
    if blob[0] != 0 or blob[1] != 0:
        raise SequenceError(f"{path}: not an IDX file (magic starts {blob[:2].hex()}, expected 0000)")
    code, ndim = blob[2], blob[3]
    if code not in DTYPES:
        raise SequenceError(f"{path}: unknown IDX dtype code 0x{code:02x}; "
                            f"valid: {', '.join(f'0x{c:02x}' for c in DTYPES)}")
    if ndim == 0:
        raise SequenceError(f"{path}: IDX header declares 0 dimensions")
    head = 4 + 4 * ndim
    if len(blob) < head:
        raise SequenceError(f"{path}: truncated IDX header ({ndim} dimensions need {head} bytes, file has "
                            f"{len(blob)})")
    dims = tuple(int(d) for d in np.frombuffer(blob, dtype=">u4", count=ndim, offset=4))
    dtype = DTYPES[code]
    need = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    have = len(blob) - head
    shape = "×".join(map(str, dims))
    if need == 0:
        raise SequenceError(f"{path}: IDX file holds no items (dimensions {shape})")
    if have != need:
        what = "truncated" if have < need else "trailing bytes after the data"
        raise SequenceError(f"{path}: {what}: header says {shape} {dtype.str[1:]} ({need} bytes of data), "
                            f"file has {have}")
    return np.frombuffer(blob, dtype=dtype, offset=head).reshape(dims).astype(dtype.newbyteorder("="))


def write_idx(path: str | Path, array: np.ndarray, compress: bool | None = None) -> Path:
    """Write array as IDX; gzip-compressed when compress is True (default: when the name ends .gz)."""
    path = Path(path)
    a = np.asarray(array)
    kind = a.dtype.str.lstrip("<>|=")
    if kind not in CODES:
        raise SequenceError(f"{path}: dtype {a.dtype} has no IDX code; use one of {', '.join(CODES)}")
    if a.ndim == 0 or a.ndim > 255:
        raise SequenceError(f"{path}: IDX needs 1 to 255 dimensions, got {a.ndim}")
    header = bytes([0, 0, CODES[kind], a.ndim]) + np.asarray(a.shape, dtype=">u4").tobytes()
    blob = header + np.ascontiguousarray(a, dtype=DTYPES[CODES[kind]]).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        blob = gzip.compress(blob, mtime=0)
    write_bytes_atomic(path, blob)
    return path
