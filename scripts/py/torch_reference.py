"""Run the PyTorch model of an architecture with the weights of an ONNX file: the reference output.

    /usr/bin/python3 scripts/py/torch_reference.py --arch resnet18 --onnx model.onnx \
        --input in.bin --shape 2x3x224x224 --out out.bin

Builds the model (any torchvision classification builder such as resnet18..152 or vgg19,
cifar-resnet20/32/44/56/110 with the paper's option A shortcuts, the tiny-* fixtures or
fashion-resnet), loads every ONNX initializer into its state_dict by name, runs it in eval mode on
the float32 little-endian input and writes the float32 little-endian output.

Name and shape checking is strict: a state_dict entry with no initializer (missing), a floating-point
initializer with no state_dict entry (unexpected), a shape or dtype mismatch: each is listed and the
exit code is 1. num_batches_tracked is ignored. Initializers that are not floating point (int64 shape
constants and the like) cannot be weights and are skipped with a note; --ignore REGEX skips others.
The number of classes is read from the last Linear layer's weight in the ONNX file when present.
A file whose BN was folded into the convs cannot match and fails with the BN names missing.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asset_io import onnx_initializers  # noqa: E402
from export_torchvision import parse_shape  # noqa: E402
from residual_models import build_model  # noqa: E402


def last_linear_weight(model: nn.Module) -> str | None:
    names = [name for name, m in model.named_modules() if isinstance(m, nn.Linear)]
    return f"{names[-1]}.weight" if names else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--onnx", type=Path, required=True)
    parser.add_argument("--input", type=Path, required=True, help="float32 little-endian input")
    parser.add_argument("--shape", type=parse_shape, required=True, help="NxCxHxW of the input")
    parser.add_argument("--out", type=Path, required=True, help="float32 little-endian output")
    parser.add_argument("--ignore", action="append", default=[], help="regex of initializer names to skip")
    args = parser.parse_args()
    torch.set_num_threads(2)

    inits = onnx_initializers(onnx.load(str(args.onnx)))
    try:
        model = build_model(args.arch)
        fc = last_linear_weight(model)
        if fc and fc in inits and inits[fc].ndim == 2 and inits[fc].shape[0] != model.state_dict()[fc].shape[0]:
            model = build_model(args.arch, num_classes=int(inits[fc].shape[0]))
    except ValueError as err:
        sys.exit(f"error: {err}")

    state = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    skipped = []
    weights = {}
    for name, array in inits.items():
        if any(re.search(p, name) for p in args.ignore) or not np.issubdtype(array.dtype, np.floating):
            skipped.append(f"{name} ({array.dtype}, {list(array.shape)})")
        else:
            weights[name] = array
    if skipped:
        print(f"note: skipped {len(skipped)} non-weight initializers: {', '.join(skipped)}", file=sys.stderr)

    missing = sorted(set(state) - set(weights))
    unexpected = sorted(set(weights) - set(state))
    mismatched = [
        f"{name}: ONNX {weights[name].dtype} {list(weights[name].shape)}, torch float32 {list(state[name].shape)}"
        for name in sorted(set(state) & set(weights))
        if tuple(weights[name].shape) != tuple(state[name].shape) or weights[name].dtype != np.float32
    ]
    if missing or unexpected or mismatched:
        print(f"error: the initializers of {args.onnx} do not match {args.arch}", file=sys.stderr)
        for title, items in (("missing", missing), ("unexpected", unexpected), ("shape/dtype mismatch", mismatched)):
            if items:
                print(f"  {title} ({len(items)}):", file=sys.stderr)
                for item in items:
                    print(f"    {item}", file=sys.stderr)
        sys.exit(1)

    model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in weights.items()}, strict=False)
    model.eval()

    data = np.fromfile(args.input, dtype="<f4")
    expected_size = int(np.prod(args.shape))
    if data.size != expected_size:
        sys.exit(f"error: {args.input} holds {data.size} floats, shape {args.shape} needs {expected_size}")
    with torch.no_grad():
        out = model(torch.from_numpy(data.reshape(args.shape).astype(np.float32)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(out.numpy().astype("<f4").tobytes())
    print(f"{args.arch}: loaded {len(weights)} tensors, output {list(out.shape)} -> {args.out}")


if __name__ == "__main__":
    main()
