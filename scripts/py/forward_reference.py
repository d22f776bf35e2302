"""PyTorch's forward pass, in eval mode, for many cases in one run: the inference tests' reference.

    /usr/bin/python3 scripts/py/forward_reference.py --manifest cases.json

``src/onnx/torch-forward.test.ts`` writes the manifest, the states and the inputs, and runs this
once per test run (importing torch takes seconds; every case after that takes milliseconds). The
manifest is a JSON list of cases (or ``{"cases": [...]}``; paths relative to the manifest), each:

- ``name``: for messages.
- ``model``: either ``{"arch": name}`` (a whole network: ``residual_models.build_model``, i.e.
  torchvision's ResNets and VGG, the CIFAR ResNets, the plain nets, the Fashion-MNIST model; with
  ``"zero_init_residual": true`` torchvision's builder is called with it and the names of the BN
  weights it zeroes are reported), or ``{"layers": [...]}``: the editor's flat layer list (what
  ``layersJson`` in ``src/train/testing/torch-reference.ts`` writes, also read by ``layer_list.py``)
  run with **torch's own modules**, one per layer: ``nn.Conv2d``, ``nn.BatchNorm2d``, ``nn.Linear``
  (on the last axis), ``nn.ReLU``, ``nn.LeakyReLU``, ``nn.Sigmoid``, ``nn.Softmax(dim=1)``,
  ``nn.ReLU6``, ``nn.SiLU``, ``nn.Hardswish``, ``nn.Hardsigmoid`` (α=1/6, β=½; other α, β are
  ``clamp(αx+β, 0, 1)``, which torch has no module for), ``nn.GELU``, ``nn.Hardtanh`` (Clip; ``torch.clamp`` when min = max),
  ``nn.MaxPool2d``, ``nn.AvgPool2d``, ``nn.AdaptiveAvgPool2d(1)``, ``nn.Flatten``, ``nn.Dropout``,
  ``nn.Identity``; Add, Mul (``torch.mul``, broadcasting) and Concat (``torch.cat`` on dim 1); the
  zero-pad shortcut as the paper's option A (``residual_models.OptionAShortcut`` where it applies,
  else ``x[:, :, ::s, ::s]`` with ⌊extra/2⌋ zero channels before and the rest after);
  LayerNorm as torchvision's ``LayerNorm2d`` on a map (``nn.LayerNorm`` on a vector), LayerScale
  as ``x * weight``, StochasticDepth as ``torchvision.ops.StochasticDepth(p, "row")``.
  For ``convnext_*`` archs the state is the editor's: its 1×1 convs' ``[4C, C, 1, 1]`` weights go
  into torchvision's channels-last Linears as ``[4C, C]`` and ``<block>.layer_scale.weight`` is
  torchvision's ``<block>.layer_scale`` (same values).
- ``state``: safetensors with every parameter and buffer by state_dict name (strict: missing,
  unexpected and mis-shaped entries are all listed; ``num_batches_tracked`` is not needed).
- ``input``: safetensors with ``input`` [N, C, H, W].
- ``out``: safetensors written here: ``output``; for zero-init cases ``zeroed`` as well, a JSON
  list of names is written to ``<out>.json``.

Float32, ``torch.set_num_threads(2)``, ``torch.no_grad()``, modules in eval mode (BatchNorm uses
the running statistics, Dropout passes through). Exit code 1 with ``error: case <name>: ...``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asset_io import read_safetensors, write_safetensors  # noqa: E402
from residual_models import OptionAShortcut, build_model  # noqa: E402


def _hardsigmoid(p: dict) -> nn.Module:
    alpha, beta = float(p.get("alpha", 1 / 6)), float(p.get("beta", 0.5))
    if abs(alpha - 1 / 6) < 1e-12 and abs(beta - 0.5) < 1e-12:
        return nn.Hardsigmoid()
    return _Lambda(lambda x: torch.clamp(alpha * x + beta, 0, 1))


def _clip(low: float, high: float) -> nn.Module:
    # nn.Hardtanh refuses an empty range; torch.clamp gives every element the bound then.
    return nn.Hardtanh(low, high) if high > low else _Lambda(lambda x: torch.clamp(x, low, high))


def _zero_pad(p: dict, shape: list[int]) -> nn.Module:
    out, stride, c = int(p["outChannels"]), int(p.get("stride", 2)), shape[1]
    extra = out - c
    if stride == 2 and extra == 2 * (out // 4):
        return OptionAShortcut(out)
    return _Lambda(lambda x: F.pad(x[:, :, ::stride, ::stride], (0, 0, 0, 0, extra // 2, extra - extra // 2)))


class _Lambda(nn.Module):
    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


# op -> (params, shape of the first input) -> torch module
class _ChannelNorm(nn.LayerNorm):
    """LayerNorm over the channels of N x C x H x W (torchvision's LayerNorm2d), or of N x F."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() == 2:
            return super().forward(x)
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class _LayerScale(nn.Module):
    def __init__(self, shape: list[int]) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones([shape[1], 1, 1] if len(shape) == 4 else [shape[1]]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight


def _stochastic_depth(p: dict) -> nn.Module:
    from torchvision.ops import StochasticDepth

    return StochasticDepth(float(p.get("p", 0.1)), "row")


def convnext_state(state: dict[str, np.ndarray], own: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """The editor's ConvNeXt weights by torchvision's names and shapes (1×1 conv -> Linear, layer scale)."""
    out = {}
    for k, v in state.items():
        if k.endswith(".layer_scale.weight"):
            k = k[: -len(".weight")]
        if k in own and tuple(own[k].shape) != tuple(v.shape) and own[k].numel() == v.size:
            v = np.asarray(v).reshape(tuple(own[k].shape))
        out[k] = v
    return out


MODULES: dict[str, Callable[[dict, list[int]], nn.Module]] = {
    "LayerNorm": lambda p, s: _ChannelNorm(s[1], eps=float(p.get("eps", 1e-6))),
    "LayerScale": lambda p, s: _LayerScale(s),
    "StochasticDepth": lambda p, s: _stochastic_depth(p),
    "Conv2d": lambda p, s: nn.Conv2d(
        s[1], int(p["outChannels"]), int(p["kernel"]), stride=int(p.get("stride", 1)), padding=int(p.get("padding", 0)),
        dilation=int(p.get("dilation", 1)), groups=int(p.get("groups", 1)), bias=bool(p.get("bias", False)),
    ),
    "BatchNorm2d": lambda p, s: nn.BatchNorm2d(s[1], eps=float(p.get("eps", 1e-5))),
    "Linear": lambda p, s: nn.Linear(s[-1], int(p["outFeatures"]), bias=bool(p.get("bias", True))),
    "ReLU": lambda p, s: nn.ReLU(),
    "LeakyReLU": lambda p, s: nn.LeakyReLU(float(p.get("alpha", 0.01))),
    "Sigmoid": lambda p, s: nn.Sigmoid(),
    "Softmax": lambda p, s: nn.Softmax(dim=1),
    "ReLU6": lambda p, s: nn.ReLU6(),
    "SiLU": lambda p, s: nn.SiLU(),
    "Hardswish": lambda p, s: nn.Hardswish(),
    "Hardsigmoid": lambda p, s: _hardsigmoid(p),
    "GELU": lambda p, s: nn.GELU(approximate=str(p.get("approximate", "none"))),
    "Clip": lambda p, s: _clip(float(p.get("min", -1)), float(p.get("max", 1))),
    "MaxPool2d": lambda p, s: nn.MaxPool2d(int(p["kernel"]), int(p["stride"]), int(p.get("padding", 0)), ceil_mode=bool(p.get("ceilMode", False))),
    "AvgPool2d": lambda p, s: nn.AvgPool2d(
        int(p["kernel"]), int(p["stride"]), int(p.get("padding", 0)), ceil_mode=bool(p.get("ceilMode", False)),
        count_include_pad=bool(p.get("countIncludePad", True)),
    ),
    "GlobalAvgPool": lambda p, s: nn.AdaptiveAvgPool2d(1),
    "Flatten": lambda p, s: nn.Flatten(),
    "Dropout": lambda p, s: nn.Dropout(float(p.get("p", 0.5))),
    "Identity": lambda p, s: nn.Identity(),
    "ZeroPadShortcut": _zero_pad,
}
MERGES: dict[str, Callable[[list[torch.Tensor]], torch.Tensor]] = {
    "Add": lambda ins: torch.stack(ins).sum(0) if len(ins) > 2 else ins[0] + ins[1],
    "Mul": lambda ins: torch.mul(ins[0], ins[1]),
    "Concat": lambda ins: torch.cat(ins, dim=1),
}


class LayerModules(nn.Module):
    """A layer list as torch modules, built at the first forward (a module needs its input's shape)."""

    def __init__(self, layers: list[dict]) -> None:
        super().__init__()
        self.layers = layers
        self.mods = nn.ModuleDict()

    def build(self, x: torch.Tensor) -> None:
        """Builds every layer's module from the shapes of one pass (on a copy of the input)."""
        self.forward(x, build=True)

    def forward(self, x: torch.Tensor, build: bool = False) -> torch.Tensor:
        values = {"input": x}
        output = None
        for layer in self.layers:
            op, name = layer["op"], layer["name"]
            ins = [values[i] for i in layer["inputs"]]
            if op == "Output":
                output = ins[0] if output is None else output
                continue
            if op in MERGES:
                values[name] = MERGES[op](ins)
                continue
            if op not in MODULES:
                raise ValueError(f"layer {name}: op {op} has no torch module here")
            key = name.replace(".", "__")
            if build:
                self.mods[key] = MODULES[op](layer["params"], list(ins[0].shape))
            values[name] = self.mods[key](ins[0])
        if output is None:
            raise ValueError("the layer list has no Output layer")
        return output

    def state_names(self) -> dict[str, str]:
        """state_dict name in the editor's naming (``<layer>.weight``) -> this module's key."""
        names = {}
        for key in self.state_dict():
            _, layer, local = key.split(".", 2)
            names[f"{layer.replace('__', '.')}.{local}"] = key
        return names


def load_strict(model: nn.Module, state: dict[str, np.ndarray], rename: dict[str, str] | None = None) -> None:
    """Loads ``state`` into ``model``; every missing, unexpected or mis-shaped entry is listed."""
    own = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    to_own = rename or {k: k for k in own}
    given = {to_own.get(k, f"?{k}"): (k, v) for k, v in state.items()}
    missing = sorted(k for k in own if k not in given)
    unexpected = sorted(k for k, _ in given.values() if to_own.get(k) not in own)
    mismatched = [f"{name}: given {list(v.shape)}, torch {list(own[key].shape)}" for key, (name, v) in sorted(given.items()) if key in own and tuple(v.shape) != tuple(own[key].shape)]
    problems = [f"{title}: {', '.join(items)}" for title, items in (("missing", missing), ("unexpected", unexpected), ("shape mismatch", mismatched)) if items]
    if problems:
        raise ValueError("; ".join(problems))
    model.load_state_dict({key: torch.from_numpy(np.array(v, dtype=np.float32)) for key, (_, v) in given.items()}, strict=False)


def run_case(case: dict, base: Path) -> None:
    state, _ = read_safetensors(base / case["state"])
    inputs, _ = read_safetensors(base / case["input"])
    x = torch.from_numpy(np.array(inputs["input"], dtype=np.float32))
    spec = case["model"]
    zeroed: list[str] | None = None
    if "arch" in spec:
        if spec.get("zero_init_residual"):
            from torchvision import models

            model = getattr(models, spec["arch"])(weights=None, num_classes=spec.get("num_classes", 1000), zero_init_residual=True)
            zeroed = sorted(k for k, v in model.state_dict().items() if k.endswith(".weight") and v.ndim == 1 and not v.any())
        else:
            model = build_model(spec["arch"], spec.get("num_classes"))
        if spec["arch"].startswith("convnext"):
            state = convnext_state(state, model.state_dict())
        load_strict(model, state)
    else:
        model = LayerModules(spec["layers"])
        with torch.no_grad():
            model.build(x.clone())
        load_strict(model, state, model.state_names())
    model.eval()
    with torch.no_grad():
        y = model(x)
    out = base / case["out"]
    write_safetensors(out, {"output": y.numpy().astype(np.float32)})
    if zeroed is not None:
        Path(f"{out}.json").write_text(json.dumps({"zeroed": zeroed}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True, warn_only=True)
    manifest = json.loads(args.manifest.read_text())
    cases = manifest["cases"] if isinstance(manifest, dict) else manifest
    base = args.manifest.parent
    failed = []
    for i, case in enumerate(cases):
        try:
            run_case(case, base)
        except (ValueError, KeyError, RuntimeError, AssertionError) as err:
            failed.append(f"error: case {case.get('name', i)}: {err}")
    if failed:
        sys.exit("\n".join(failed))


if __name__ == "__main__":
    main()
