"""Generates the torch.save / pickle test files for org.ldmfiji.io and the values they must load as.

Documentation only: the Java tests read the committed outputs and never run Python.
Run from this folder with torch (2.13 was used), numpy and safetensors installed:

    python3 make_test_files.py

Outputs (all small, deterministic for a given torch version):
  dtypes.pt          plain torch.save(dict of tensors), one per storage dtype, plus a 0-d and an empty tensor
  views.pt           views of shared storages: transposed, permuted, sliced at an offset, strided, expanded
  lightning.ckpt     a PyTorch-Lightning-like checkpoint (state_dict + metadata + callbacks keyed by an object,
                     optimizer states, a numpy scalar), with storages shared between state_dict entries
  protocol4.pt       torch.save(..., pickle_protocol=4): FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE
  protocol5.pt       torch.save(..., pickle_protocol=5)
  zip64_unaligned.pt dtypes.pt re-zipped by Python's zipfile with ZIP64 extras and unaligned storage offsets
  legacy.pt          torch.save(..., _use_new_zipfile_serialization=False): the pre-1.6 format we reject
  plain_p0.pkl .. plain_p5.pkl   pickle.dumps of plain Python values (no torch) at every protocol
  expected.json      for each .pt/.ckpt above: key -> {dtype, shape, values (row-major)}
"""
import collections
import json
import pickle
import pickletools
import sys
import types
import zipfile

import numpy
import torch

torch.manual_seed(1234)


def dtype_tensors():
    return {
        "f32": torch.randn(2, 3),
        "f16": torch.randn(3, 2).half(),
        "bf16": torch.randn(2, 2, 2).bfloat16(),
        "f64": torch.randn(4).double(),
        "i64": torch.arange(-3, 3, dtype=torch.int64).reshape(2, 3) * (2**40),
        "i32": torch.tensor([-(2**31), -1, 0, 2**31 - 1], dtype=torch.int32),
        "i16": torch.tensor([-32768, -1, 0, 1, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, -1, 0, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 1, 128, 255], dtype=torch.uint8),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(2.5),
        "empty": torch.zeros(0, 3),
    }


def view_tensors():
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
    shared = torch.randn(10)
    return {
        "base": base,
        "transposed": base.t(),                                   # stride (1, 6): a permutation
        "row_slice": base[1:3],                                   # storage offset 6, contiguous
        "strided": base[:, ::2],                                  # stride (6, 2): gaps
        "element": base[2, 3],                                    # 0-d view at offset 15
        "expanded": torch.arange(3.0).reshape(3, 1).expand(3, 4),  # stride (1, 0): overlapping
        "permuted3d": torch.arange(24.0).reshape(2, 3, 4).permute(2, 0, 1),
        "unit_dim_transposed": torch.randn(1, 5).t(),             # shape (5, 1), stride (1, 5): contiguous
        "bf16_transposed": torch.randn(3, 5).bfloat16().t(),
        "i16_strided": torch.arange(20, dtype=torch.int16).reshape(4, 5)[::2, 1::2],
        "f16_offset": torch.randn(10).half()[3:7],
        "bool_strided": torch.tensor([True, False, False, True, True, False])[::2],
        "param": torch.nn.Parameter(torch.randn(2, 2)),
        "shared_a": shared[0:4],
        "shared_b": shared[2:8],
    }


# A stand-in for the Lightning callback class that PL <= 1.4 uses as a dict key in "callbacks".
for _name in ("pytorch_lightning", "pytorch_lightning.callbacks", "pytorch_lightning.callbacks.model_checkpoint"):
    sys.modules[_name] = types.ModuleType(_name)  # pickle imports the class's module, parents first
_pl_module = sys.modules["pytorch_lightning.callbacks.model_checkpoint"]


class ModelCheckpoint:
    def __init__(self):
        self.monitor = "val/loss"
        self.save_last = True


ModelCheckpoint.__module__ = "pytorch_lightning.callbacks.model_checkpoint"
ModelCheckpoint.__qualname__ = "ModelCheckpoint"
_pl_module.ModelCheckpoint = ModelCheckpoint


def lightning_checkpoint():
    module = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.GroupNorm(1, 3))
    state_dict = module.state_dict()  # an OrderedDict carrying _metadata (pickled with BUILD)
    first_stage = torch.randn(4, 2)
    # Two tensor objects over one storage, as in inpainting_big's first_stage_model / cond_stage_model.
    state_dict["first_stage_model.w"] = first_stage.detach()
    state_dict["cond_stage_model.w"] = first_stage.detach()
    tied = torch.randn(3)
    state_dict["tied_a"] = tied  # the same object twice: the second is a memo reference
    state_dict["tied_b"] = tied
    state_dict["model_ema.num_updates"] = torch.tensor(5, dtype=torch.int32)
    state_dict["model_ema.decay"] = torch.tensor(0.999)
    return {
        "epoch": 1,
        "global_step": 7,
        "pytorch-lightning_version": "1.4.2",
        "state_dict": state_dict,
        "callbacks": {ModelCheckpoint(): {"best_model_score": torch.tensor(0.25), "best_model_path": "last.ckpt"}},
        "optimizer_states": [{"state": {0: {"exp_avg": torch.randn(3, 2)}}, "param_groups": [{"lr": 1e-4, "params": [0]}]}],
        "lr_schedulers": [],
        "np": numpy.float64(3.5),
        "hyper_parameters": {"lr": 1e-4, "channels": [1, 2, 4], "name": "tiny", "flag": True, "none": None,
                             "big": 2**70},
    }


def protocol_checkpoint(protocol):
    return {
        "state_dict": {
            "w": torch.randn(2, 3),
            "w_t": torch.randn(3, 2).t(),
            "h": torch.randn(5).bfloat16(),
            "n": torch.tensor([1, 2, 3], dtype=torch.int64),
        },
        "step": 3,
        "name": "p%d" % protocol,
    }


class WithNewArgsEx:
    """Pickled with NEWOBJ_EX at protocol >= 4."""

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self):
        self.state = [1, 2]

    def __getnewargs_ex__(self):
        return (1,), {"k": 2}


WithNewArgsEx.__module__ = "ldmtest"
sys.modules["ldmtest"] = types.ModuleType("ldmtest")
sys.modules["ldmtest"].WithNewArgsEx = WithNewArgsEx


def plain_values():
    shared = [7, 8]
    recursive = ([],)
    recursive[0].append(recursive)
    return {
        "small": 5, "neg": -7, "int2": 300, "int4": 70000, "neg_big": -(2**40),
        "huge": 2**100, "neg_huge": -(2**100), "huge4": 2**3000,
        "float": 1.5, "neg_float": -0.1, "inf": float("inf"),
        "str": "hello", "unicode": "h\u00e9llo \u2713 \U0001F600", "escapes": "a\nb\\c'\"\t", "empty": "",
        "list": [1, [2, 3], (4, 5)],
        "tuple0": (), "tuple1": (1,), "tuple2": (1, 2), "tuple3": (1, 2, 3), "tuple4": (1, 2, 3, 4),
        "none": None, "true": True, "false": False,
        "set": {1, 2}, "frozenset": frozenset({3}),
        "shared1": shared, "shared2": shared,
        "nested": {"a": {"b": [1.25]}},
        "bytes": b"\x00\x01\xff",
        "bytes_long": bytes(range(256)) * 2,
        "bytearray": bytearray(b"xy"),
        "custom": WithNewArgsEx(),
        "recursive": recursive,
    }


def values_of(t):
    t = t.detach()
    if t.dtype == torch.bfloat16 or t.dtype == torch.float16:
        t = t.float()
    flat = t.reshape(-1).tolist()
    if t.dtype == torch.bool:
        flat = [int(v) for v in flat]
    return flat


def expectation(tensors):
    return {k: {"dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape), "values": values_of(v)}
            for k, v in tensors.items()}


def rezip_zip64_unaligned(src, dst):
    """Python's zipfile neither aligns data like torch's writer nor needs to: every storage lands at an offset
    that is 3 mod 8, so no element size divides it."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for i, info in enumerate(reversed(zin.infolist())):  # data.pkl last, unlike torch
            name = "zip64_unaligned/" + info.filename.split("/", 1)[1]
            pad_name = "zip64_unaligned/pad%d" % i
            local_header = 30 + len(name.encode()) + 20  # 20: the forced ZIP64 extra field
            pad = (3 - (zout.fp.tell() + 30 + len(pad_name) + local_header)) % 8
            zout.writestr(pad_name, b"p" * pad)
            with zout.open(name, "w", force_zip64=True) as out:
                out.write(zin.read(info.filename))


def opcodes(data):
    return {op.name for op, _, _ in pickletools.genops(data)}


def main():
    expected = {}
    seen = set()

    dtypes = dtype_tensors()
    torch.save(dtypes, "dtypes.pt")
    expected["dtypes.pt"] = expectation(dtypes)

    views = view_tensors()
    torch.save(views, "views.pt")
    expected["views.pt"] = expectation(views)

    ckpt = lightning_checkpoint()
    torch.save(ckpt, "lightning.ckpt")
    expected["lightning.ckpt"] = expectation(ckpt["state_dict"])

    for protocol in (4, 5):
        name = "protocol%d.pt" % protocol
        content = protocol_checkpoint(protocol)
        torch.save(content, name, pickle_protocol=protocol)
        expected[name] = expectation(content["state_dict"])

    rezip_zip64_unaligned("dtypes.pt", "zip64_unaligned.pt")
    expected["zip64_unaligned.pt"] = expected["dtypes.pt"]
    with zipfile.ZipFile("zip64_unaligned.pt") as z:
        offsets = {i.filename: i.header_offset for i in z.infolist()}
        print("zip64_unaligned.pt local header offsets:", offsets)

    torch.save({"w": torch.ones(2)}, "legacy.pt", _use_new_zipfile_serialization=False)

    for name in ("dtypes.pt", "views.pt", "lightning.ckpt", "protocol4.pt", "protocol5.pt"):
        with zipfile.ZipFile(name) as z:
            seen |= opcodes(z.read([n for n in z.namelist() if n.endswith("/data.pkl")][0]))

    for protocol in range(6):
        data = pickle.dumps(plain_values(), protocol=protocol)
        with open("plain_p%d.pkl" % protocol, "wb") as f:
            f.write(data)
        seen |= opcodes(data)

    with open("expected.json", "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")

    every = {op.name for op in pickletools.opcodes}
    print("opcodes in generated files:", sorted(seen))
    print("opcodes left to the hand-built pickles in the Java tests:", sorted(every - seen))


if __name__ == "__main__":
    main()
