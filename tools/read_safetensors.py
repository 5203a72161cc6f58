#!/usr/bin/env python3
"""Reads an anirec model file (safetensors layout) with json + struct + numpy only.

Debian 12 has no python3-safetensors package; this reader proves the layout
independently of the C++ code (tests/train/test_model_file.cpp runs it) and shows a
Python user how to get the weights without the safetensors package:

    python3 tools/read_safetensors.py model.safetensors            # summary
    python3 tools/read_safetensors.py --json model.safetensors     # machine-readable
    python3 tools/read_safetensors.py --torch model.safetensors    # also build torch tensors

It checks the safetensors rules: 8-byte little-endian header length, a JSON object
header whose values are {dtype, shape, data_offsets}, a "__metadata__" of strings,
tensors contiguous and covering the data exactly.
"""
import argparse
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "I32": np.dtype("<i4"), "I64": np.dtype("<i8"), "F64": np.dtype("<f8"),
          "F16": np.dtype("<f2"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"), "U8": np.dtype("u1")}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: truncated (no header length)")
    (n,) = struct.unpack("<Q", raw[:8])
    if 8 + n > len(raw):
        raise ValueError(f"{path}: truncated header")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    if not isinstance(header, dict):
        raise ValueError(f"{path}: header is not a JSON object")
    meta = header.pop("__metadata__", {})
    if not all(isinstance(v, str) for v in meta.values()):
        raise ValueError(f"{path}: __metadata__ values must be strings")
    data = memoryview(raw)[8 + n:]
    tensors = {}
    spans = []
    for name, e in header.items():
        dt = DTYPES[e["dtype"]]
        b, end = e["data_offsets"]
        count = int(np.prod(e["shape"], dtype=np.int64)) if e["shape"] else 1
        if end - b != count * dt.itemsize or end > len(data):
            raise ValueError(f"{path}: tensor {name}: offsets do not match shape and dtype")
        tensors[name] = np.frombuffer(data[b:end], dtype=dt).reshape(e["shape"])
        spans.append((b, end))
    at = 0
    for b, end in sorted(spans):
        if b != at:
            raise ValueError(f"{path}: tensors overlap or leave a gap at byte {at}")
        at = end
    if at != len(data):
        raise ValueError(f"{path}: {len(data) - at} bytes after the last tensor")
    return tensors, meta


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--json", action="store_true", help="print tensors (sum, first value) and metadata as JSON")
    ap.add_argument("--torch", action="store_true", help="also turn every tensor into a torch tensor")
    args = ap.parse_args()
    tensors, meta = read(args.path)
    if args.torch:
        import torch
        state = {k: torch.from_numpy(v.copy()) for k, v in tensors.items()}
        print(f"torch: {len(state)} tensors, {sum(t.numel() for t in state.values())} values", file=sys.stderr)
    if args.json:
        out = {"tensors": {}, "metadata": meta}
        for k, v in tensors.items():
            e = {"dtype": {"<f4": "F32", "<i4": "I32", "<i8": "I64"}.get(v.dtype.str, v.dtype.str),
                 "shape": list(v.shape)}
            if v.dtype.kind == "f":
                e["sum"] = float(v.astype(np.float64).sum())
                e["first"] = float(v.flat[0]) if v.size else None
            else:
                e["values"] = v.tolist()
            out["tensors"][k] = e
        json.dump(out, sys.stdout)
        print()
        return
    for k, v in sorted(tensors.items()):
        print(f"{k:50s} {v.dtype.str:5s} {list(v.shape)}")
    for k in sorted(meta):
        val = meta[k]
        print(f"{k}: {val[:100]}{'...' if len(val) > 100 else ''}")


if __name__ == "__main__":
    main()
