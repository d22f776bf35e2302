"""The ModernSE import fixture: a tiny net with the activations and gates of modern residual nets.

    /usr/bin/python3 scripts/py/modern_ops.py net --opset 13 --out .cache/import/modern-se-13.onnx

(Torch's references for these ops on their own are ``forward_reference.py``'s.)

``net`` exports ``ModernSE`` (below), seeded, at the given opset, with the files
``export_torchvision.py`` writes: ``<out>``, ``<out>.input.bin``, ``<out>.expected.bin`` and
``<out>.meta.json`` (arch ``modern-se``, opset, params, shapes, op type counts).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asset_io import op_type_counts  # noqa: E402
from onnx_export import export_onnx  # noqa: E402


class SqueezeExcite(nn.Module):
    """Channel gate: global average pool, 1x1 conv down, activation, 1x1 conv up, gate, multiply."""

    def __init__(self, channels: int, squeezed: int, act: type[nn.Module], gate: type[nn.Module]) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.act = act()
        self.fc2 = nn.Conv2d(squeezed, channels, 1)
        self.gate = gate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.mul(x, self.gate(self.fc2(self.act(self.fc1(self.avgpool(x))))))


class InvertedResidual(nn.Module):
    """MobileNetV3/EfficientNet-style block: 1x1 expand, 3x3 depthwise, SE, 1x1 project, plus x."""

    def __init__(self, channels: int, expanded: int, act: type[nn.Module], gate: type[nn.Module]) -> None:
        super().__init__()
        self.expand = nn.Sequential(nn.Conv2d(channels, expanded, 1, bias=False), nn.BatchNorm2d(expanded), nn.Hardswish())
        self.depthwise = nn.Sequential(nn.Conv2d(expanded, expanded, 3, padding=1, groups=expanded, bias=False), nn.BatchNorm2d(expanded), act())
        self.se = SqueezeExcite(expanded, expanded // 4, nn.SiLU, gate)
        self.project = nn.Sequential(nn.Conv2d(expanded, channels, 1, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.project(self.se(self.depthwise(self.expand(x))))


class ModernSE(nn.Module):
    """A tiny net using every modern op the editor models: SiLU, Hardswish, Hardsigmoid, ReLU6, GELU, SE gates (Mul)."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.SiLU())
        self.block1 = InvertedResidual(16, 32, nn.ReLU6, nn.Sigmoid)
        self.block2 = InvertedResidual(16, 32, nn.ReLU6, nn.Hardsigmoid)
        self.act = nn.GELU()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.block2(self.block1(self.stem(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


@torch.no_grad()
def randomise_bn(model: nn.Module, gen: torch.Generator) -> None:
    """BN weights, biases and running statistics away from 1/0, so a lost BN would show."""
    for bn in (m for m in model.modules() if isinstance(m, nn.BatchNorm2d)):
        bn.weight.copy_(torch.rand(bn.weight.shape, generator=gen) + 0.5)
        bn.bias.copy_(torch.randn(bn.bias.shape, generator=gen) * 0.2)
        bn.running_mean.copy_(torch.randn(bn.running_mean.shape, generator=gen) * 0.2)
        bn.running_var.copy_(torch.rand(bn.running_var.shape, generator=gen) + 0.5)


def export_net(opset: int, out: Path, seed: int) -> None:
    torch.manual_seed(seed)
    model = ModernSE().eval()
    randomise_bn(model, torch.Generator().manual_seed(seed + 1))
    # Inputs of scale 3 push the activations past their knees (ReLU6 at 6, Hardswish at ±3).
    x = torch.randn((2, 3, 16, 16), generator=torch.Generator().manual_seed(seed + 2)) * 3
    with torch.no_grad():
        expected = model(x)
    out.parent.mkdir(parents=True, exist_ok=True)
    proto = export_onnx(model, x, out, opset)
    Path(f"{out}.input.bin").write_bytes(x.numpy().astype("<f4").tobytes())
    Path(f"{out}.expected.bin").write_bytes(expected.numpy().astype("<f4").tobytes())
    meta = {
        "arch": "modern-se",
        "opset": opset,
        "seed": seed,
        "foldBn": False,
        "params": sum(p.numel() for p in model.parameters()),
        "inputShape": list(x.shape),
        "outputShape": list(expected.shape),
        "ops": op_type_counts(proto),
    }
    Path(f"{out}.meta.json").write_text(json.dumps(meta, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    net = sub.add_parser("net", help="export the ModernSE fixture")
    net.add_argument("--opset", type=int, default=17)
    net.add_argument("--out", type=Path, required=True)
    net.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    export_net(args.opset, args.out, args.seed)


if __name__ == "__main__":
    main()
