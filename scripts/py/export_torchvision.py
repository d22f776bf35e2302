"""Export a randomly initialised (seeded) model to ONNX, with a fixed input and torch's output.

    /usr/bin/python3 scripts/py/export_torchvision.py --arch resnet18 --opset 17 --out .cache/r18.onnx
    /usr/bin/python3 scripts/py/export_torchvision.py --arch tiny-basic --opset 13 --out .cache/tb.onnx --fold-bn

--arch is any torchvision classification builder (resnet18/34/50/101/152, wide_resnet50_2, vgg19,
vgg19_bn, ...), tiny-basic / tiny-bottleneck / tiny-stack (3x32x32 import fixtures), fashion-resnet or
cifar-resnet20/32/44/56/110.

Writes, next to each other:
  <out>                 the ONNX model: input `input` [N,C,H,W] (N dynamic), output `logits`
  <out>.input.bin       float32 little-endian input of shape [batch,C,H,W] (batch 2 by default)
  <out>.expected.bin    float32 little-endian output of the torch model on that input
  <out>.meta.json       arch, opset, seed, shapes, whether BN was folded, the op types with counts

BatchNorm is made to matter: before export every BN gets a random weight in [0.5, 1.5) and bias in
N(0, 0.2^2), and its running mean/var are then measured (cumulative average) on a seeded random batch
in train mode, so they are far from the default 0/1 yet keep activations of deep nets in range.
Without --fold-bn the BN layers stay BatchNormalization nodes and every initializer keeps its
torchvision name; with --fold-bn torch 1.13 folds BN into the preceding Conv (names are lost).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asset_io import onnx_initializers, op_type_counts  # noqa: E402
from onnx_export import export_onnx  # noqa: E402
from residual_models import build_model, count_parameters, default_input  # noqa: E402


def parse_shape(text: str) -> tuple[int, ...]:
    try:
        dims = tuple(int(d) for d in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shape like 3x224x224, got {text!r}")
    if not dims or any(d <= 0 for d in dims):
        raise argparse.ArgumentTypeError(f"expected positive dimensions, got {text!r}")
    return dims


@torch.no_grad()
def make_bn_matter(model: nn.Module, input_chw: tuple[int, ...], gen: torch.Generator) -> None:
    """Randomise BN affine parameters, then measure running statistics on a seeded random batch."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for bn in bns:
        bn.weight.copy_(torch.rand(bn.weight.shape, generator=gen) + 0.5)
        bn.bias.copy_(torch.randn(bn.bias.shape, generator=gen) * 0.2)
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average: the stats of exactly this batch
    model.train()
    model(torch.randn((4, *input_chw), generator=gen))
    for bn in bns:
        bn.momentum = 0.1
    model.eval()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", required=True)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--fold-bn", action="store_true", help="let torch fold BatchNorm into Conv")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--input", type=parse_shape, help="CxHxW (default: the arch's own)")
    parser.add_argument("--batch", type=int, default=2, help="batch size of the fixed input")
    parser.add_argument("--num-classes", type=int, help="default: 1000 for torchvision, 10 otherwise")
    args = parser.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    input_chw = args.input or default_input(args.arch)
    try:
        model = build_model(args.arch, args.num_classes)
    except ValueError as err:
        raise SystemExit(f"error: {err}")
    gen = torch.Generator().manual_seed(args.seed + 1)
    make_bn_matter(model, input_chw, gen)
    model.eval()

    x = torch.randn((args.batch, *input_chw), generator=torch.Generator().manual_seed(args.seed + 2))
    with torch.no_grad():
        expected = model(x)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    proto = export_onnx(model, x, args.out, args.opset, fold_bn=args.fold_bn)
    ops = op_type_counts(proto)
    if not args.fold_bn:
        state = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
        names = set(onnx_initializers(proto))
        # A Linear on a channels-last map (ConvNeXt's) is exported as MatMul with its weight
        # transposed, under a name of torch's own: counted by shape, not by name.
        renamed = {k for k in names - state if k.startswith("onnx::MatMul_")}
        lost = {k for k in state - names if k.endswith(".weight") and model.state_dict()[k].dim() == 2}
        if len(renamed) == len(lost):
            names, state = names - renamed, state - lost
        if names != state:
            raise SystemExit(
                f"error: ONNX initializer names differ from the state_dict: "
                f"only in ONNX {sorted(names - state)[:10]}, only in torch {sorted(state - names)[:10]}"
            )

    Path(f"{args.out}.input.bin").write_bytes(x.numpy().astype("<f4").tobytes())
    Path(f"{args.out}.expected.bin").write_bytes(expected.numpy().astype("<f4").tobytes())
    meta = {
        "arch": args.arch,
        "opset": args.opset,
        "seed": args.seed,
        "foldBn": args.fold_bn,
        "bnNodes": ops.get("BatchNormalization", 0),
        "params": count_parameters(model),
        "inputShape": list(x.shape),
        "outputShape": list(expected.shape),
        "ops": ops,
    }
    Path(f"{args.out}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps({"out": str(args.out), **meta}))


if __name__ == "__main__":
    main()
