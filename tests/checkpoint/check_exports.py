#!/usr/bin/env python3
"""Reads allgrad's safetensors and npz exports the way other tools do.

usage: check_exports.py <checkpoint_export_sample binary> [--numpy]

Without --numpy it uses only the standard library (zipfile checks the zip
records and CRC-32s; the .npy and safetensors headers are parsed by hand).
With --numpy it loads both files with numpy and exits 77 (skipped) when numpy
is not installed.
"""
import ast
import json
import math
import struct
import subprocess
import sys
import tempfile
import zipfile

FORMATS = {"float32": "<f", "float64": "<d", "int64": "<q", "bool": "?"}
SAFETENSORS_DTYPES = {"float32": "F32", "float64": "F64", "int64": "I64", "bool": "BOOL"}
NPY_DESCR = {"float32": "<f4", "float64": "<f8", "int64": "<i8", "bool": "|b1"}


def same(got, want):
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if float(g) != float(w) or math.copysign(1, float(g)) != math.copysign(1, float(w)):
            return False
    return True


def unpack(dtype, raw):
    count = len(raw) // struct.calcsize(FORMATS[dtype])
    return list(struct.unpack("<" + FORMATS[dtype][-1] * count, raw))


def check_safetensors(path, expected):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    assert header.pop("__metadata__") == {"format": "pt"}
    assert sorted(header) == sorted(expected), (sorted(header), sorted(expected))
    body = data[8 + n:]
    for name, want in expected.items():
        info = header[name]
        assert info["dtype"] == SAFETENSORS_DTYPES[want["dtype"]], (name, info)
        assert info["shape"] == want["shape"], (name, info)
        begin, end = info["data_offsets"]
        assert same(unpack(want["dtype"], body[begin:end]), want["values"]), name


def check_npz(path, expected):
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None, "a member fails its CRC-32"
        members = {m[:-4]: m for m in z.namelist()}
        assert sorted(members) == sorted(expected), (sorted(members), sorted(expected))
        for name, want in expected.items():
            raw = z.read(members[name])
            assert raw[:8] == b"\x93NUMPY\x01\x00", name
            (hlen,) = struct.unpack("<H", raw[8:10])
            header = ast.literal_eval(raw[10:10 + hlen].decode("latin1"))
            assert header["descr"] == NPY_DESCR[want["dtype"]], (name, header)
            assert not header["fortran_order"]
            assert list(header["shape"]) == want["shape"], (name, header)
            assert same(unpack(want["dtype"], raw[10 + hlen:]), want["values"]), name


def check_with_numpy(st_path, npz_path, expected):
    try:
        import numpy as np
    except ImportError:
        print("numpy is not installed: skipped")
        sys.exit(77)
    with np.load(npz_path) as npz:
        for name, want in expected.items():
            a = npz[name]
            assert str(a.dtype) == want["dtype"], (name, a.dtype)
            assert list(a.shape) == want["shape"], (name, a.shape)
            assert same(a.ravel().tolist(), want["values"]), name
    data = open(st_path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    for name, want in expected.items():
        begin, end = header[name]["data_offsets"]
        a = np.frombuffer(data[8 + n + begin:8 + n + end], dtype=want["dtype"]).reshape(want["shape"])
        assert same(a.ravel().tolist(), want["values"]), name
    try:
        from safetensors.numpy import load_file
    except ImportError:
        print("safetensors is not installed: its own reader was not tried")
        return
    loaded = load_file(st_path)
    for name, want in expected.items():
        assert same(loaded[name].ravel().tolist(), want["values"]), name


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.argv[1], tmp], check=True)
        expected = json.load(open(tmp + "/expected.json"))
        st, npz = tmp + "/sample.safetensors", tmp + "/sample.npz"
        if "--numpy" in sys.argv[2:]:
            check_with_numpy(st, npz, expected)
            print("numpy read the npz and safetensors exports")
        else:
            check_safetensors(st, expected)
            check_npz(npz, expected)
            print("the standard library read the npz and safetensors exports")
    return 0


if __name__ == "__main__":
    sys.exit(main())
