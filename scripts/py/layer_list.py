"""Run the editor's flat layer list with torch.nn.functional: the reference for any document.

The layer list is what our analysis flattens a document into (``layersJson`` in
``src/train/testing/torch-reference.ts`` writes it), in topological order::

    [{"name": "conv1", "op": "Conv2d", "params": {"outChannels": 16, ...}, "inputs": ["input"]}, ...]

A layer's output tensor is named after the layer; the graph input is ``input``; the first
``Output`` layer's input is the network's output. Parameters are leaf tensors named as the
state_dict (``<layer>.weight``, ``<layer>.bias``; BatchNorm's ``running_mean`` / ``running_var`` are
buffers), so optimisers and strict state loading treat the net like a module. Each op follows
``src/ops/*.ts`` and PyTorch's training-mode semantics: BatchNorm normalises with the batch's
statistics and moves its running statistics by momentum 0.1 (unbiased variance); Dropout multiplies
by a keep mask the caller gives (``x * mask / (1 - p)``), so torch and the step file drop the same
units.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

# Parameters (trainable) and buffers each op owns, by local name.
PARAMS = {
    "Conv2d": lambda p: ["weight"] + (["bias"] if p.get("bias") else []),
    "BatchNorm2d": lambda p: ["weight", "bias"],
    "Linear": lambda p: ["weight"] + (["bias"] if p.get("bias", True) else []),
    "LayerNorm": lambda p: ["weight", "bias"],
    "LayerScale": lambda p: ["weight"],
}
BUFFERS = {"BatchNorm2d": ["running_mean", "running_var"]}

BN_MOMENTUM = 0.1


class LayerNet:
    """A layer list as a trainable net: ``params`` and ``buffers`` by state_dict name, ``forward``."""

    def __init__(self, layers: list[dict]) -> None:
        self.layers = layers
        outputs = [layer for layer in layers if layer["op"] == "Output"]
        if not outputs:
            raise ValueError("the layer list has no Output layer")
        self.output = outputs[0]["inputs"][0]
        self.param_names = [f"{l['name']}.{n}" for l in layers for n in PARAMS.get(l["op"], lambda p: [])(l.get("params", {}))]
        self.buffer_names = [f"{l['name']}.{n}" for l in layers for n in BUFFERS.get(l["op"], [])]
        self.dropout_names = [l["name"] for l in layers if l["op"] in ("Dropout", "StochasticDepth")]
        for layer in layers:
            if layer["op"] not in OPS:
                raise ValueError(f"layer {layer['name']!r}: op {layer['op']} is not supported by the reference")
        self.params: dict[str, torch.Tensor] = {}
        self.buffers: dict[str, torch.Tensor] = {}

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        """Takes the starting value of every parameter and buffer (float32 copies; params become leaves)."""
        for name in self.param_names:
            self.params[name] = tensors[name].detach().clone().requires_grad_(True)
        for name in self.buffer_names:
            self.buffers[name] = tensors[name].detach().clone()

    def forward(self, x: torch.Tensor, masks: dict[str, torch.Tensor] | None = None, step: int = 0) -> torch.Tensor:
        """Runs the list in training mode; ``masks`` holds each Dropout layer's keep mask (see pick_mask)."""
        values: dict[str, torch.Tensor] = {"input": x}
        # Every layer's output of the last forward, by layer name (the signals mode reads them).
        self.values = values
        for layer in self.layers:
            op = layer["op"]
            if op == "Input":
                continue
            if op == "Output":
                continue
            ins = [values[name] for name in layer["inputs"]]
            ctx = _Ctx(self, layer, masks or {}, step)
            try:
                values[layer["name"]] = OPS[op](ctx, ins, layer.get("params", {}))
            except (RuntimeError, ValueError) as err:
                shapes = ", ".join(str(list(t.shape)) for t in ins)
                raise ValueError(f"layer {layer['name']!r} ({op}) on inputs {shapes}: {err}") from err
        return values[self.output]


class _Ctx:
    def __init__(self, net: LayerNet, layer: dict, masks: dict[str, torch.Tensor], step: int) -> None:
        self.net, self.layer, self.masks, self.step = net, layer, masks, step

    def param(self, local: str, shape: list[int]) -> torch.Tensor:
        return self._check(self.net.params, local, shape)

    def buffer(self, local: str, shape: list[int]) -> torch.Tensor:
        return self._check(self.net.buffers, local, shape)

    def _check(self, table: dict[str, torch.Tensor], local: str, shape: list[int]) -> torch.Tensor:
        name = f"{self.layer['name']}.{local}"
        t = table[name]
        if list(t.shape) != list(shape):
            raise ValueError(f"{name} has shape {list(t.shape)}, the layer needs {shape}")
        return t


def _conv2d(ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    (x,) = ins
    k, g, out = int(p["kernel"]), int(p.get("groups", 1)), int(p["outChannels"])
    w = ctx.param("weight", [out, x.shape[1] // g, k, k])
    b = ctx.param("bias", [out]) if p.get("bias") else None
    return F.conv2d(x, w, b, stride=int(p.get("stride", 1)), padding=int(p.get("padding", 0)), dilation=int(p.get("dilation", 1)), groups=g)


def _batch_norm(ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    (x,) = ins
    c = [x.shape[1]]
    return F.batch_norm(
        x,
        ctx.buffer("running_mean", c),
        ctx.buffer("running_var", c),
        ctx.param("weight", c),
        ctx.param("bias", c),
        training=True,
        momentum=BN_MOMENTUM,
        eps=float(p.get("eps", 1e-5)),
    )


def _linear(ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    (x,) = ins
    out = int(p["outFeatures"])
    w = ctx.param("weight", [out, x.shape[-1]])
    b = ctx.param("bias", [out]) if p.get("bias", True) else None
    return F.linear(x, w, b)


def _dropout(ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    (x,) = ins
    rate = float(p.get("p", 0.5))
    if rate == 0:
        return x
    return dropout_with_mask(x, rate, ctx.layer["name"], ctx.masks.get(ctx.layer["name"]), ctx.step)


def dropout_with_mask(x: torch.Tensor, p: float, name: str, mask: torch.Tensor | None, step: int) -> torch.Tensor:
    """``x * mask / (1 - p)``. A mask with one axis more than x holds one mask per step ([K,N,...]):
    step ``step``'s is used; a mask of x's rank is used as it is."""
    if p == 0:
        return x
    if mask is None:
        raise ValueError(f"no keep mask '{name}.mask' for this Dropout (p={p}) in the data file")
    if mask.dim() == x.dim() + 1:
        mask = mask[step]
    if list(mask.shape) != list(x.shape):
        raise ValueError(f"'{name}.mask' has shape {list(mask.shape)} for an input of shape {list(x.shape)}")
    return x * mask / (1 - p)


def _hardsigmoid(_ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    (x,) = ins
    alpha, beta = float(p.get("alpha", 1 / 6)), float(p.get("beta", 0.5))
    if alpha == 1 / 6 and beta == 0.5:
        return F.hardsigmoid(x)
    return torch.clamp(alpha * x + beta, 0, 1)


def _zero_pad_shortcut(_ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    (x,) = ins
    s = int(p.get("stride", 2))
    if s > 1:
        x = x[:, :, ::s, ::s]
    extra = int(p["outChannels"]) - x.shape[1]
    if extra < 0:
        raise ValueError(f"outChannels {p['outChannels']} is below the input's {x.shape[1]} channels")
    before = extra // 2
    return F.pad(x, (0, 0, 0, 0, before, extra - before))


def _layer_norm(ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    """Over the channels at each position: torchvision's LayerNorm2d on a map, nn.LayerNorm on a vector."""
    (x,) = ins
    c = x.shape[1]
    w, b, eps = ctx.param("weight", [c]), ctx.param("bias", [c]), float(p.get("eps", 1e-6))
    if x.dim() == 2:
        return F.layer_norm(x, [c], w, b, eps)
    return F.layer_norm(x.permute(0, 2, 3, 1), [c], w, b, eps).permute(0, 3, 1, 2)


def _layer_scale(ctx: _Ctx, ins: list[torch.Tensor], _p: dict) -> torch.Tensor:
    (x,) = ins
    return x * ctx.param("weight", [x.shape[1], 1, 1] if x.dim() == 4 else [x.shape[1]])


def _stochastic_depth(ctx: _Ctx, ins: list[torch.Tensor], p: dict) -> torch.Tensor:
    """torchvision's StochasticDepth(p, "row") with the given per-sample 0/1 keep mask [N, 1, ...]."""
    (x,) = ins
    rate = float(p.get("p", 0.1))
    if rate == 0:
        return x
    name = ctx.layer["name"]
    mask = ctx.masks.get(name)
    if mask is None:
        raise ValueError(f"no keep mask '{name}.mask' for this StochasticDepth (p={rate}) in the data file")
    if mask.dim() == x.dim() + 1:
        mask = mask[ctx.step]
    return x * mask / (1 - rate)


def _pool_args(p: dict, kernel: int, stride: int, padding: int) -> dict:
    return {
        "kernel_size": int(p.get("kernel", kernel)),
        "stride": int(p.get("stride", stride)),
        "padding": int(p.get("padding", padding)),
        "ceil_mode": bool(p.get("ceilMode", False)),
    }


def _one(fn: Callable[[torch.Tensor, dict], torch.Tensor]) -> Callable[[_Ctx, list[torch.Tensor], dict], torch.Tensor]:
    return lambda _ctx, ins, p: fn(ins[0], p)


OPS: dict[str, Callable[[_Ctx, list[torch.Tensor], dict], torch.Tensor]] = {
    "Input": lambda _c, ins, _p: ins[0],
    "Output": lambda _c, ins, _p: ins[0],
    "Conv2d": _conv2d,
    "BatchNorm2d": _batch_norm,
    "Linear": _linear,
    "Dropout": _dropout,
    "LayerNorm": _layer_norm,
    "LayerScale": _layer_scale,
    "StochasticDepth": _stochastic_depth,
    "ReLU": _one(lambda x, _p: F.relu(x)),
    "LeakyReLU": _one(lambda x, p: F.leaky_relu(x, float(p.get("alpha", 0.01)))),
    "Sigmoid": _one(lambda x, _p: torch.sigmoid(x)),
    "Clip": _one(lambda x, p: torch.clamp(x, float(p.get("min", -1)), float(p.get("max", 1)))),
    "ReLU6": _one(lambda x, _p: F.relu6(x)),
    "SiLU": _one(lambda x, _p: F.silu(x)),
    "Hardsigmoid": _hardsigmoid,
    "Hardswish": _one(lambda x, _p: F.hardswish(x)),
    "GELU": _one(lambda x, p: F.gelu(x, approximate=str(p.get("approximate", "none")))),
    "MaxPool2d": _one(lambda x, p: F.max_pool2d(x, **_pool_args(p, 3, 2, 1))),
    "AvgPool2d": _one(
        lambda x, p: F.avg_pool2d(x, **_pool_args(p, 2, 2, 0), count_include_pad=bool(p.get("countIncludePad", True)))
    ),
    "GlobalAvgPool": _one(lambda x, _p: F.adaptive_avg_pool2d(x, 1)),
    "Flatten": _one(lambda x, _p: torch.flatten(x, 1)),
    "Softmax": _one(lambda x, _p: F.softmax(x, dim=1)),
    "Identity": _one(lambda x, _p: x),
    "ZeroPadShortcut": _zero_pad_shortcut,
    "Add": lambda _c, ins, _p: ins[0] + ins[1],
    "Mul": lambda _c, ins, _p: ins[0] * ins[1],
    "Concat": lambda _c, ins, _p: torch.cat(ins, dim=1),
}
