"""Small writers and readers used by the scripts: idx files, PNG, safetensors, ONNX initializers.

Nothing here needs more than the standard library, numpy and (for ONNX) the onnx package.
"""

from __future__ import annotations

import gzip
import json
import struct
import zlib
from pathlib import Path

import numpy as np


def read_idx(path: Path) -> np.ndarray:
    """Read a (gzipped) idx file of unsigned bytes, as Fashion-MNIST ships them."""
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path}: not an idx file of unsigned bytes")
    dims = struct.unpack(">" + "I" * ndim, data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: expected {np.prod(dims)} values, found {body.size}")
    return body.reshape(dims)


def write_png_gray(path: Path, pixels: np.ndarray) -> None:
    """Write an 8-bit grayscale PNG (no ancillary chunks, so the bytes depend on the pixels only)."""
    if pixels.dtype != np.uint8 or pixels.ndim != 2:
        raise ValueError("expected a 2-D uint8 array")
    height, width = pixels.shape

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return (
            struct.pack(">I", len(payload))
            + kind
            + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
        )

    # Each scanline starts with filter type 0 (None).
    raw = b"".join(b"\x00" + pixels[row].tobytes() for row in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    Path(path).write_bytes(png)


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None = None) -> None:
    """Write tensors in the safetensors layout: integer arrays as I64, everything else as F32.

    Layout: u64 little-endian header size, then a JSON header mapping each name to
    {dtype, shape, data_offsets:[begin, end)} relative to the start of the data, plus an optional
    "__metadata__" of string -> string; then the raw little-endian tensor bytes. The header is padded
    with spaces to a multiple of 8 bytes so every tensor starts 8-byte aligned.
    """
    header: dict[str, object] = {"__metadata__": dict(metadata or {})}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        array = np.asarray(array)
        integer = np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_
        array = np.ascontiguousarray(array, dtype="<i8" if integer else "<f4")
        blob = array.tobytes()
        header[name] = {
            "dtype": "I64" if integer else "F32",
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for blob in blobs:
            f.write(blob)


# safetensors dtype -> numpy little-endian dtype, for the dtypes read_safetensors accepts.
_SAFETENSORS_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4"}


def read_safetensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read a safetensors file (F32, F64, F16, I64 and I32 tensors), each array in its own dtype."""
    data = Path(path).read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    metadata = header.pop("__metadata__", {})
    base = 8 + size
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in _SAFETENSORS_DTYPES:
            raise ValueError(f"{name}: dtype {info['dtype']} is not supported here")
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(
            data[base + begin : base + end], dtype=_SAFETENSORS_DTYPES[info["dtype"]]
        ).reshape(info["shape"])
    return tensors, metadata


def onnx_initializers(model) -> dict[str, np.ndarray]:
    """Initializers of an onnx.ModelProto as numpy arrays, by name."""
    from onnx import numpy_helper

    return {init.name: numpy_helper.to_array(init) for init in model.graph.initializer}


def op_type_counts(model) -> dict[str, int]:
    """How many nodes of each op type the main graph has, sorted by op type."""
    counts: dict[str, int] = {}
    for node in model.graph.node:
        counts[node.op_type] = counts.get(node.op_type, 0) + 1
    return dict(sorted(counts.items()))
