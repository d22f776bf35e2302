"""Export the import corpus: real torchvision architectures, randomly initialised and seeded.

    /usr/bin/python3 scripts/py/export_corpus.py [--out .cache/corpus] [--only NAME ...] [--list]

The corpus is what `src/onnx/import/corpus.test.ts` measures the import rule on: every file either
imports and exports again to a file that computes the same, or is refused with a clear diagnostic.
It reaches past ResNet on purpose: depthwise and grouped convs, SiLU / Hardswish / ReLU6 (Clip),
squeeze-and-excitation (Mul by a gate), Concat (DenseNet, GoogLeNet, SqueezeNet), channel shuffle
(Reshape/Transpose), LayerNorm (ConvNeXt), dilated convs and Resize (FCN), dynamic H/W input axes,
and two named graph outputs; opsets 11, 13 and 17; BN kept and BN folded by torch.

No downloads: every model is built with weights=None under torch.manual_seed, BN made to matter as
in export_torchvision.py. Small inputs (64x64 and 96x96; torchvision classifiers pool adaptively) and
few classes keep the whole corpus to well under a minute of export on two cores.

Writes into --out, for each entry NAME (e.g. `mobilenet_v2-11`):
  NAME.onnx             the model, checked with onnx.checker (full check)
  NAME.onnx.input.bin   float32 little-endian input, shape meta.inputShape (seeded)
  NAME.onnx.meta.json   name, arch, opset, foldBn, params (torch's count), input name and shape,
                        output names, op type counts, exportSeconds and scriptHash

The test computes the reference output by running the ORIGINAL file in onnxruntime, not torch.
An entry whose meta.json carries this script's hash (this file and the modules it imports) is not
exported again, so the corpus is written once per checkout and CI run; `--list` prints the entries.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch
import torchvision
from torch import nn

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from asset_io import op_type_counts  # noqa: E402
from export_torchvision import make_bn_matter  # noqa: E402
from onnx_export import export_onnx  # noqa: E402
from residual_models import count_parameters  # noqa: E402

# The files whose change changes what is exported.
SOURCES = ("export_corpus.py", "export_torchvision.py", "onnx_export.py", "asset_io.py", "residual_models.py")


def script_hash() -> str:
    h = hashlib.sha256()
    for name in SOURCES:
        h.update(name.encode())
        h.update((HERE / name).read_bytes())
    h.update(f"torch {torch.__version__} torchvision {torchvision.__version__}".encode())
    return h.hexdigest()[:16]


class OutOnly(nn.Module):
    """Segmentation models return {'out': ..., 'aux': ...}; export the 'out' tensor alone."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)["out"]


class TwoOutputNet(nn.Module):
    """A small conv net with two graph outputs: the logits `y` and the pooled features `feat`."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(32)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        feat = torch.flatten(self.avgpool(x), 1)
        return self.fc(feat), feat


M = torchvision.models


@dataclass(frozen=True)
class Entry:
    name: str
    arch: str
    build: Callable[[], nn.Module]
    opset: int
    fold_bn: bool = False
    input_chw: tuple[int, int, int] = (3, 64, 64)
    # The fixed input's shape, when it is not [2, *input_chw] (a dynamic-H/W model runs at another size).
    run_shape: tuple[int, ...] | None = None
    output_names: tuple[str, ...] = ("logits",)
    dynamic_axes: dict[str, dict[int, str]] | None = field(default=None, hash=False)


def entries() -> list[Entry]:
    dyn_hw = {0: "N", 2: "H", 3: "W"}
    return [
        Entry("efficientnet_b0-13", "efficientnet_b0", lambda: M.efficientnet_b0(num_classes=10), 13),
        Entry("efficientnet_b0-17-fold", "efficientnet_b0", lambda: M.efficientnet_b0(num_classes=10), 17, True),
        Entry("mobilenet_v2-11", "mobilenet_v2", lambda: M.mobilenet_v2(num_classes=10), 11),
        Entry("mobilenet_v2-13-fold", "mobilenet_v2", lambda: M.mobilenet_v2(num_classes=10), 13, True),
        Entry("mobilenet_v3_small-13", "mobilenet_v3_small", lambda: M.mobilenet_v3_small(num_classes=10), 13),
        Entry("mobilenet_v3_small-17", "mobilenet_v3_small", lambda: M.mobilenet_v3_small(num_classes=10), 17),
        Entry("mnasnet0_5-13", "mnasnet0_5", lambda: M.mnasnet0_5(num_classes=10), 13),
        Entry("regnet_x_400mf-13", "regnet_x_400mf", lambda: M.regnet_x_400mf(num_classes=10), 13),
        Entry("regnet_x_400mf-17-fold", "regnet_x_400mf", lambda: M.regnet_x_400mf(num_classes=10), 17, True),
        Entry("shufflenet_v2_x0_5-11", "shufflenet_v2_x0_5", lambda: M.shufflenet_v2_x0_5(num_classes=10), 11),
        Entry("squeezenet1_1-11", "squeezenet1_1", lambda: M.squeezenet1_1(num_classes=10), 11),
        Entry("squeezenet1_1-17", "squeezenet1_1", lambda: M.squeezenet1_1(num_classes=10), 17),
        Entry("densenet121-13", "densenet121", lambda: M.densenet121(num_classes=10), 13),
        Entry(
            "googlenet-13",
            "googlenet",
            lambda: M.googlenet(num_classes=10, aux_logits=False, init_weights=True),
            13,
            input_chw=(3, 96, 96),
        ),
        Entry("resnext50_32x4d-17-fold", "resnext50_32x4d", lambda: M.resnext50_32x4d(num_classes=10), 17, True),
        Entry("wide_resnet50_2-17", "wide_resnet50_2", lambda: M.wide_resnet50_2(num_classes=10), 17),
        Entry("convnext_tiny-17", "convnext_tiny", lambda: M.convnext_tiny(num_classes=10), 17),
        Entry(
            "resnet18-dynhw-17",
            "resnet18",
            lambda: M.resnet18(num_classes=10),
            17,
            # Traced at 64x64, run at 80x96: the file must accept any H and W.
            run_shape=(2, 3, 80, 96),
            dynamic_axes={"input": dyn_hw, "logits": {0: "N"}},
        ),
        Entry(
            "fcn_resnet50-17",
            "fcn_resnet50",
            lambda: OutOnly(M.segmentation.fcn_resnet50(weights=None, weights_backbone=None, num_classes=5, aux_loss=False)),
            17,
        ),
        Entry("two-output-13", "two-output", TwoOutputNet, 13, output_names=("y", "feat")),
    ]


def export(entry: Entry, out_dir: Path, seed: int, version: str) -> dict:
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = entry.build()
    make_bn_matter(model, entry.input_chw, torch.Generator().manual_seed(seed + 1))
    model.eval()
    example = torch.randn((2, *entry.input_chw), generator=torch.Generator().manual_seed(seed + 2))
    path = out_dir / f"{entry.name}.onnx"
    proto = export_onnx(model, example, path, entry.opset, entry.fold_bn, entry.output_names, entry.dynamic_axes)
    x = example
    if entry.run_shape is not None:
        x = torch.randn(entry.run_shape, generator=torch.Generator().manual_seed(seed + 3))
    Path(f"{path}.input.bin").write_bytes(x.numpy().astype("<f4").tobytes())
    meta = {
        "name": entry.name,
        "arch": entry.arch,
        "opset": entry.opset,
        "seed": seed,
        "foldBn": entry.fold_bn,
        "params": count_parameters(model),
        "inputName": "input",
        "inputShape": list(x.shape),
        "outputNames": list(entry.output_names),
        "ops": op_type_counts(proto),
        "exportSeconds": round(time.perf_counter() - start, 2),
        "scriptHash": version,
    }
    # meta.json last: its presence with this hash is what marks the entry as done.
    Path(f"{path}.meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def is_current(out_dir: Path, name: str, version: str) -> bool:
    meta = out_dir / f"{name}.onnx.meta.json"
    try:
        return json.loads(meta.read_text()).get("scriptHash") == version and (out_dir / f"{name}.onnx").exists()
    except (OSError, ValueError):
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(".cache/corpus"))
    parser.add_argument("--only", nargs="*", help="export only these entries (names as in --list)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--list", action="store_true", help="print the entry names and exit")
    args = parser.parse_args()

    all_entries = entries()
    if args.list:
        print("\n".join(e.name for e in all_entries))
        return
    chosen = [e for e in all_entries if not args.only or e.name in args.only]
    unknown = set(args.only or ()) - {e.name for e in all_entries}
    if unknown:
        raise SystemExit(f"error: unknown corpus entries {sorted(unknown)}; see --list")

    torch.set_num_threads(2)
    version = script_hash()
    args.out.mkdir(parents=True, exist_ok=True)
    # Files from an earlier version of the list must not linger and be measured as corpus.
    names = {e.name for e in all_entries}
    for stale in args.out.glob("*.onnx.meta.json"):
        if stale.name.removesuffix(".onnx.meta.json") not in names:
            for suffix in ("", ".input.bin", ".meta.json"):
                Path(str(stale).removesuffix(".meta.json") + suffix).unlink(missing_ok=True)
    for entry in chosen:
        if is_current(args.out, entry.name, version):
            continue
        meta = export(entry, args.out, args.seed, version)
        print(f"{entry.name}: {meta['params']} params, {meta['exportSeconds']} s", flush=True)


if __name__ == "__main__":
    main()
