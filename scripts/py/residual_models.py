"""Model definitions shared by the scripts in scripts/py.

Every model here uses torchvision's module names (conv1, bn1, layer1.0.conv1, layer2.0.downsample.0,
fc, ...) so that a state_dict key is also the ONNX initializer name our app imports and emits.

- ``SmallResNet``: a torchvision-style ResNet with a 3x3 stem and chosen stages, built from
  torchvision's own BasicBlock and Bottleneck classes. Used for the Fashion-MNIST demo model and for
  the tiny import fixtures.
- ``CifarResNet``: the ResNet of the paper's CIFAR-10 experiments (6n+2 layers, widths 16/32/64)
  with option A shortcuts: parameter-free subsampling plus zero-padding of channels.
- ``PlainCifar``: the paper's plain CIFAR-10 net (the same 6n+2 layers, no shortcuts), with the
  module names of our ``plain-cifar<d>`` template (``layer1.0.conv1``, ``layer1.0.bn1``, ...).
- ``plain_imagenet``: the paper's plain-18/34 ImageNet nets (torchvision's ResNet with
  ``PlainBasicBlock``, a BasicBlock without its shortcut), with our ``plain18/34`` templates' names.
- ``PreActBasicBlock`` / ``PreActBottleneck`` / ``PreActCifarResNet``: the pre-activation blocks
  and CIFAR ResNets of "Identity Mappings in Deep Residual Networks" (He et al. 2016), which
  torchvision does not have; ``SEModule`` / ``SEBottleneck`` / ``se_resnet50``: Hu et al.'s
  squeeze-and-excitation; ``resnet50d``: "Bag of Tricks" ResNet-50-D as timm builds it.
- ``build_model``: one name -> model table for the CLIs (torchvision architectures, the tiny
  fixtures, the Fashion-MNIST model, the CIFAR ResNets, the plain CIFAR and ImageNet nets, and
  the pre-activation, SE and ResNet-D nets).
"""

from __future__ import annotations

import re
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from torchvision import models
from torchvision.models.resnet import BasicBlock, Bottleneck


class SmallResNet(nn.Module):
    """A ResNet with a 3x3 stride-1 stem (no max pool unless asked) and the given stages.

    ``stages`` is a list of ``(planes, blocks, stride)``; the block class decides the expansion
    (1 for BasicBlock, 4 for Bottleneck). A stage's first block gets a projection shortcut
    (``downsample`` = 1x1 conv with the stage's stride + BN) when its stride is not 1 or the channel
    count changes, exactly as torchvision's ``ResNet._make_layer`` decides; other blocks use identity.
    """

    def __init__(
        self,
        block: type,
        stages: Sequence[tuple[int, int, int]],
        in_channels: int = 3,
        stem_width: int = 16,
        num_classes: int = 10,
        maxpool: bool = False,
    ) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, stem_width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem_width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1) if maxpool else nn.Identity()
        width = stem_width
        for index, (planes, blocks, stride) in enumerate(stages, start=1):
            layer, width = _make_stage(block, width, planes, blocks, stride)
            setattr(self, f"layer{index}", layer)
        self.num_stages = len(stages)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, num_classes)
        _init_like_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for index in range(1, self.num_stages + 1):
            x = getattr(self, f"layer{index}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def _make_stage(block: type, inplanes: int, planes: int, blocks: int, stride: int):
    out = planes * block.expansion
    downsample = None
    if stride != 1 or inplanes != out:
        downsample = nn.Sequential(
            nn.Conv2d(inplanes, out, 1, stride=stride, bias=False),
            nn.BatchNorm2d(out),
        )
    layers = [block(inplanes, planes, stride, downsample)]
    layers += [block(out, planes) for _ in range(1, blocks)]
    return nn.Sequential(*layers), out


def _init_like_torchvision(model: nn.Module) -> None:
    # torchvision's ResNet init: Kaiming normal (fan_out, relu) for convs, BN weight 1 / bias 0.
    # Linear layers keep torch's default init, as in torchvision.
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


def fashion_resnet() -> SmallResNet:
    """The Fashion-MNIST demo model: 1x28x28 in, 10 logits out, about 82k parameters."""
    return SmallResNet(
        BasicBlock, [(16, 2, 1), (32, 1, 2), (64, 1, 2)], in_channels=1, stem_width=16, num_classes=10
    )


class OptionAShortcut(nn.Module):
    """Paper option A: take every second pixel and zero-pad the new channels equally on both sides."""

    def __init__(self, planes: int) -> None:
        super().__init__()
        self.pad = planes // 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad))


class CifarBasicBlock(nn.Module):
    """A basic block of the CIFAR ResNet; its shortcut is identity or option A (no parameters)."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = (
            OptionAShortcut(planes) if stride != 1 or inplanes != planes else nn.Identity()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class CifarResNet(nn.Module):
    """The paper's CIFAR-10 ResNet with 6n+2 layers (n=3 -> ResNet-20), option A shortcuts.

    ``block`` builds each of the 3n blocks; ``PlainCifar`` passes one without a shortcut.
    """

    def __init__(self, n: int, num_classes: int = 10, block: type | None = None) -> None:
        super().__init__()
        block = block or CifarBasicBlock
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        inplanes = 16
        for index, (planes, stride) in enumerate([(16, 1), (32, 2), (64, 2)], start=1):
            blocks = []
            for b in range(n):
                blocks.append(block(inplanes, planes, stride if b == 0 else 1))
                inplanes = planes
            setattr(self, f"layer{index}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)
        _init_like_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class PlainCifarBlock(nn.Module):
    """Two 3x3 conv + BN + ReLU layers of the plain CIFAR net: a CifarBasicBlock without its shortcut."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))


class PlainCifar(CifarResNet):
    """The paper's plain CIFAR-10 net with 6n+2 layers (n=3 -> plain-20): CifarResNet without shortcuts."""

    def __init__(self, n: int, num_classes: int = 10) -> None:
        super().__init__(n, num_classes, block=PlainCifarBlock)


class PlainBasicBlock(PlainCifarBlock):
    """The same two layers as a block of torchvision's ResNet, for the paper's plain-18/34 ImageNet nets.

    torchvision's ``ResNet._make_layer`` passes a ``downsample`` (and groups, widths) where a
    projection would go; a plain net has none, so they are not kept (no parameters in the state_dict).
    """

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None, *_: object, **__: object) -> None:
        super().__init__(inplanes, planes, stride)


def plain_imagenet(depth: int, num_classes: int = 1000) -> nn.Module:
    """The paper's plain-18/34 ImageNet nets: torchvision's ResNet-18/34 with plain blocks."""
    layers = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3]}
    if depth not in layers:
        raise ValueError(f"plain ImageNet nets are 18 or 34 layers deep, got {depth}")
    return models.resnet.ResNet(PlainBasicBlock, layers[depth], num_classes=num_classes)


class SEModule(nn.Module):
    """Squeeze-and-excitation (Hu et al.): x * sigmoid(fc2(relu(fc1(avgpool(x))))), fc = 1x1 conv with bias.

    The hidden width is channels // reduction (at least 1); the names are timm's SEModule's.
    """

    def __init__(self, channels: int, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        # A pooling module (not x.mean) so that an ONNX export says GlobalAveragePool, as ours does.
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, hidden, 1, bias=True)
        self.act = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(hidden, channels, 1, bias=True)
        self.gate = nn.Sigmoid()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.fc2(self.act(self.fc1(self.pool(x)))))


class SEBottleneck(Bottleneck):
    """torchvision's Bottleneck with squeeze-and-excitation on its expanded output, before the add."""

    reduction = 16

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.se = SEModule(self.conv3.out_channels, self.reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.se(self.bn3(self.conv3(out)))
        return self.relu(out + identity)


def se_resnet50(num_classes: int = 1000) -> nn.Module:
    """Hu et al.'s SE-ResNet-50 (reduction 16) on torchvision's ResNet-50 (28,088,024 parameters)."""
    return models.resnet.ResNet(SEBottleneck, [3, 4, 6, 3], num_classes=num_classes)


def resnet50d(num_classes: int = 1000) -> nn.Module:
    """ResNet-50-D as timm's ``resnet50d``: deep 32-32-64 stem (``conv1.0`` ... ``conv1.6``) and
    projections ``downsample`` = AvgPool2d(2, stride, ceil_mode, count_include_pad=False) (Identity
    at stride 1) -> 1x1 conv stride 1 -> BN. 25,576,264 parameters."""
    model = avg_down(models.resnet50(weights=None, num_classes=num_classes))
    model.conv1 = nn.Sequential(
        nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
        nn.Conv2d(32, 32, 3, stride=1, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
        nn.Conv2d(32, 64, 3, stride=1, padding=1, bias=False),
    )
    return model


def avg_down(model: nn.Module) -> nn.Module:
    """Gives every projection shortcut of a torchvision-style ResNet ResNet-D's form (in place)."""
    for block in model.modules():
        if not isinstance(block, (BasicBlock, Bottleneck)) or block.downsample is None:
            continue
        conv, bn = block.downsample[0], block.downsample[1]
        stride = conv.stride[0]
        pool = nn.AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False) if stride > 1 else nn.Identity()
        block.downsample = nn.Sequential(pool, nn.Conv2d(conv.in_channels, conv.out_channels, 1, bias=False), bn)
    return model


class PreActBasicBlock(nn.Module):
    """The pre-activation basic block: BN-ReLU-conv3x3(stride), BN-ReLU-conv3x3, plus the shortcut;
    nothing after the add. A projection (1x1 conv, no BN) reads the pre-activated input."""

    expansion = 1

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.relu1 = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu2 = nn.ReLU(inplace=False)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.downsample = (
            nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False))
            if stride != 1 or inplanes != planes
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu1(self.bn1(x))
        shortcut = x if self.downsample is None else self.downsample(pre)
        return self.conv2(self.relu2(self.bn2(self.conv1(pre)))) + shortcut


class PreActBottleneck(nn.Module):
    """The pre-activation bottleneck of ResNet-164: BN-ReLU-1x1, BN-ReLU-3x3(stride), BN-ReLU-1x1 (x4)."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        out = planes * self.expansion
        self.bn1 = nn.BatchNorm2d(inplanes)
        self.relu1 = nn.ReLU(inplace=False)
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.relu2 = nn.ReLU(inplace=False)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.relu3 = nn.ReLU(inplace=False)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.downsample = (
            nn.Sequential(nn.Conv2d(inplanes, out, 1, stride=stride, bias=False))
            if stride != 1 or inplanes != out
            else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = self.relu1(self.bn1(x))
        shortcut = x if self.downsample is None else self.downsample(pre)
        out = self.conv2(self.relu2(self.bn2(self.conv1(pre))))
        return self.conv3(self.relu3(self.bn3(out))) + shortcut


class PreActCifarResNet(nn.Module):
    """The pre-activation CIFAR ResNet: conv1 (3x3, 16), three stages of 16/32/64 (x4 in bottlenecks)
    pre-activation blocks, the final BN-ReLU (``bn_final``) before pooling, and fc."""

    def __init__(self, block: type, n: int, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        inplanes = 16
        for index, (planes, stride) in enumerate([(16, 1), (32, 2), (64, 2)], start=1):
            blocks = []
            for b in range(n):
                blocks.append(block(inplanes, planes, stride if b == 0 else 1))
                inplanes = planes * block.expansion
            setattr(self, f"layer{index}", nn.Sequential(*blocks))
        self.bn_final = nn.BatchNorm2d(inplanes)
        self.relu_final = nn.ReLU(inplace=True)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(inplanes, num_classes)
        _init_like_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        x = self.relu_final(self.bn_final(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def preact_cifar(depth: int, bottleneck: bool, num_classes: int = 10) -> nn.Module:
    """Pre-activation CIFAR ResNet-depth: 6n+2 with basic blocks (110), 9n+2 with bottlenecks (164)."""
    per = 9 if bottleneck else 6
    if (depth - 2) % per != 0 or depth < per + 2:
        raise ValueError(f"pre-activation CIFAR depth must be {per}n+2, got {depth}")
    return PreActCifarResNet(PreActBottleneck if bottleneck else PreActBasicBlock, (depth - 2) // per, num_classes)


TINY_ARCHS = {
    # stem + identity basic block + projection basic block (stride 2, 16 -> 32)
    "tiny-basic": lambda nc: SmallResNet(BasicBlock, [(16, 1, 1), (32, 1, 2)], num_classes=nc),
    # stem with max pool + identity bottleneck (16 -> 4 -> 16) + projection bottleneck (16 -> 32, stride 2)
    "tiny-bottleneck": lambda nc: SmallResNet(
        Bottleneck, [(4, 1, 1), (8, 1, 2)], num_classes=nc, maxpool=True
    ),
    # stem + two identity basic blocks + one projection basic block
    "tiny-stack": lambda nc: SmallResNet(BasicBlock, [(16, 2, 1), (32, 1, 2)], num_classes=nc),
    # stem + identity SE bottleneck (16 -> 4 -> 16, SE hidden 1) + projection SE bottleneck (16 -> 32, stride 2)
    "tiny-se": lambda nc: SmallResNet(SEBottleneck, [(4, 1, 1), (8, 1, 2)], num_classes=nc),
    # stem + identity basic block + ResNet-D projection basic block (avg-pool, 1x1 conv, BN; 16 -> 32)
    "tiny-resnet-d": lambda nc: avg_down(SmallResNet(BasicBlock, [(16, 1, 1), (32, 1, 2)], num_classes=nc)),
    # conv1 + one pre-activation bottleneck per stage (projections 16 -> 64, 64 -> 128, 128 -> 256)
    "tiny-preact-bottleneck": lambda nc: preact_cifar(11, True, nc),
    # torchvision's own MobileNetV2 at width 0.25: 8-wide stem, inverted residuals 8 -> 8 (t 1, identity),
    # 8 -> 16 (t 6, stride 2, no shortcut), 16 -> 16 (t 6, identity), 1x1 conv to 1280; no dropout
    "tiny-mobilenet_v2": lambda nc: models.MobileNetV2(
        num_classes=nc, width_mult=0.25, inverted_residual_setting=[[1, 32, 1, 1], [6, 48, 2, 2]], dropout=0.0
    ),
}

# Default input (C, H, W) of each non-ImageNet architecture; torchvision ones take 3x224x224.
DEFAULT_INPUT = {
    "tiny-basic": (3, 32, 32),
    "tiny-bottleneck": (3, 32, 32),
    "tiny-stack": (3, 32, 32),
    "tiny-se": (3, 32, 32),
    "tiny-resnet-d": (3, 32, 32),
    "tiny-preact-bottleneck": (3, 32, 32),
    "tiny-mobilenet_v2": (3, 32, 32),
    "fashion-resnet": (1, 28, 28),
}


def default_input(arch: str) -> tuple[int, int, int]:
    """The input shape (C, H, W) an architecture is meant for."""
    if arch in DEFAULT_INPUT:
        return DEFAULT_INPUT[arch]
    if arch.startswith("cifar-resnet") or arch.startswith("plain-cifar") or arch.startswith("preact_resnet"):
        return (3, 32, 32)
    return (3, 224, 224)


def default_num_classes(arch: str) -> int:
    """1000 for torchvision architectures, 10 for everything defined here."""
    if arch in TINY_ARCHS or arch == "fashion-resnet" or re.match(r"(cifar-resnet|plain-cifar|preact_resnet)\d", arch):
        return 10
    return 1000


def build_model(arch: str, num_classes: int | None = None) -> nn.Module:
    """Build an untrained model by name.

    Names: any torchvision classification builder (resnet18, resnet50, wide_resnet50_2, vgg19, ...),
    tiny-basic / tiny-bottleneck / tiny-stack, fashion-resnet, cifar-resnet<6n+2> (20, 32, 44, 56, 110),
    plain-cifar<6n+2> (the template gallery has 20 and 56), plain18 / plain34 (ImageNet, no shortcuts).
    """
    nc = default_num_classes(arch) if num_classes is None else num_classes
    if arch in TINY_ARCHS:
        return TINY_ARCHS[arch](nc)
    if arch == "fashion-resnet":
        if nc != 10:
            raise ValueError("fashion-resnet has 10 classes")
        return fashion_resnet()
    match = re.fullmatch(r"(cifar-resnet|plain-cifar)(\d+)", arch)
    if match:
        depth = int(match.group(2))
        if (depth - 2) % 6 != 0 or depth < 8:
            raise ValueError(f"CIFAR net depth must be 6n+2 (20, 32, 44, 56, 110), got {depth}")
        net = CifarResNet if match.group(1) == "cifar-resnet" else PlainCifar
        return net((depth - 2) // 6, nc)
    match = re.fullmatch(r"preact_resnet(\d+)", arch)
    if match:
        # The paper's two: 110 with basic blocks, 164 with bottlenecks; other 6n+2 depths are basic.
        depth = int(match.group(1))
        return preact_cifar(depth, depth == 164, nc)
    if arch == "se_resnet50":
        return se_resnet50(nc)
    if arch == "resnet50d":
        return resnet50d(nc)
    match = re.fullmatch(r"plain(\d+)", arch)
    if match:
        return plain_imagenet(int(match.group(1)), nc)
    if arch.startswith("_") or not arch.islower() or not hasattr(models, arch):
        raise ValueError(f"unknown architecture {arch!r}")
    return getattr(models, arch)(weights=None, num_classes=nc)


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters (BN running statistics are buffers, not counted)."""
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates of the convolutions and linear layers for one input of (C, H, W)
    (the convention of the app's counts: bias adds, BN, pooling and activations are not counted)."""
    total = 0

    def conv_hook(m: nn.Conv2d, _inp: object, out: torch.Tensor) -> None:
        nonlocal total
        total += out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m: nn.Linear, _inp: object, out: torch.Tensor) -> None:
        nonlocal total
        total += m.in_features * m.out_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, nn.Linear)]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *input_shape))
    for h in hooks:
        h.remove()
    return total


if __name__ == "__main__":
    # `residual_models.py ARCH ...`: one JSON line per architecture with its parameter count and
    # MACs at its default input (the unit tests compare the app's templates against these).
    import json
    import sys

    for name in sys.argv[1:]:
        net = build_model(name)
        print(json.dumps({"arch": name, "params": count_parameters(net), "macs": count_macs(net, default_input(name))}))
