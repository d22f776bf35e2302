"""PyTorch's side of the training tests: K optimiser steps, or one forward + backward, per case.

    /usr/bin/python3 scripts/py/train_reference.py --manifest cases.json

One invocation runs every case of the manifest (importing torch takes seconds; each test file calls
this once). The manifest is a JSON list of cases, or ``{"cases": [...]}``; relative paths are
relative to the manifest's folder. A case::

    {
      "name": "sgd-fashion",                         # optional, for messages
      "model": {"arch": "fashion-resnet"}            # residual_models.build_model(arch[, num_classes])
             | {"layers": [{"name", "op", "params", "inputs"}, ...]},   # layer_list.LayerNet
      "state": "state.safetensors",   # every parameter and buffer by state_dict name, plus optional
                                      # optimiser state: <p>.momentum_buffer, <p>.exp_avg,
                                      # <p>.exp_avg_sq, step
      "data": "data.safetensors",     # input [K,N,C,H,W] f32, target [K,N] i64, optional lr [K],
                                      # <dropout layer>.mask [K,N,...] (keep mask, 0/1);
                                      # relu_mask.<i> (arch models): the decisions of the i-th
                                      # nn.ReLU / nn.ReLU6 call of the first step (see below);
                                      # vjp: input [N,...] or [1,N,...], dy shaped as the output
      "mode": "train" | "vjp" | "signals",   # default train
      "optimizer": {"kind": "sgd", "lr", "momentum", "nesterov", "weight_decay"}
                 | {"kind": "adamw", "lr", "betas": [b1, b2], "eps", "weight_decay"},
      "label_smoothing": 0.0,
      "frozen": ["conv1.weight"],     # parameters that keep requires_grad False, not in the optimiser
      "out": "out.safetensors"
    }

train writes ``loss`` [K], ``logits`` [K,N,classes] (each step's forward, before its update),
``correct`` [K] (float32 count of argmax == target), ``relu_flips`` (with relu masks: how many mask
elements disagree with the sign this run's own forward gave, float32), and after the K steps ``<name>.next`` for every
parameter (a frozen one's equals its start) and buffer, ``<p>.momentum_buffer.next`` (SGD with
momentum), ``<p>.exp_avg.next`` / ``<p>.exp_avg_sq.next`` / ``step.next`` (AdamW; step as the 0-d
float32 torch keeps). vjp runs one forward in train mode and ``output.backward(dy)``, and writes
``output``, ``input.grad``, ``<p>.grad`` for every trainable parameter and ``<buffer>.next``.
signals (layer-list models only) runs one forward in train mode on ``input`` [N,...] with ``target``
[N] and ``F.cross_entropy(...).backward()``, and writes ``loss``, ``<layer>.std`` (the population
standard deviation of each layer's whole output tensor) and ``<p>.grad_norm`` (the L2 norm of each
trainable parameter's gradient) — the signals at initialisation of ``src/train/signals.ts``.

Relu masks take the decisions of another run: a ReLU input within rounding of zero lands on either
side in two float32 forwards, and its gradient then flows in one and not the other. With
``relu_mask.<i>`` given, the first step's i-th call of nn.ReLU or nn.ReLU6 (in call order) computes
x where the mask is 1 (gradient 1), 0 where it is 0 and ReLU6's 6 where it is 2 (gradient 0), so a
float64 run answers exactly for the decisions the other run made.

Semantics are PyTorch's: model.train() (BatchNorm uses batch statistics and moves its running
statistics by momentum 0.1 with the unbiased variance), ``F.cross_entropy(logits, target,
label_smoothing=ε)`` averaged over the batch, torch.optim.SGD (dampening 0) and torch.optim.AdamW
with ``foreach=False``. Loading is strict: every parameter and buffer must be in the state file with
its shape, nothing else may be (``num_batches_tracked`` is ignored), and problems are listed on
stderr with exit code 1. Float32 throughout, 2 threads, deterministic algorithms.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asset_io import read_safetensors, write_safetensors  # noqa: E402
from layer_list import LayerNet, dropout_with_mask  # noqa: E402
from residual_models import build_model  # noqa: E402


class CaseError(Exception):
    """A problem with a case's inputs (not a bug here): reported by name, exit code 1."""


class MaskedDropout(nn.Module):
    """Stands in for nn.Dropout in an arch model: multiplies by the caller's keep mask / (1 - p)."""

    def __init__(self, name: str, p: float) -> None:
        super().__init__()
        self.name, self.p = name, p
        self.mask: torch.Tensor | None = None
        self.step = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout_with_mask(x, self.p, self.name, self.mask, self.step)


class ArchNet:
    """A residual_models / torchvision module behind the same interface as LayerNet."""

    def __init__(self, arch: str, state: dict[str, np.ndarray], num_classes: int | None) -> None:
        try:
            module = build_model(arch) if num_classes is None else build_model(arch, num_classes)
            # The class count follows the state's last Linear weight, as torch_reference.py does.
            linears = [name for name, m in module.named_modules() if isinstance(m, nn.Linear)]
            fc = f"{linears[-1]}.weight" if linears else None
            if num_classes is None and fc in state and state[fc].ndim == 2 and state[fc].shape[0] != module.state_dict()[fc].shape[0]:
                module = build_model(arch, num_classes=int(state[fc].shape[0]))
        except ValueError as err:
            raise CaseError(str(err)) from err
        self.dropouts: dict[str, MaskedDropout] = {}
        for name, m in list(module.named_modules()):
            if isinstance(m, nn.Dropout):
                parent, _, leaf = name.rpartition(".")
                masked = MaskedDropout(name, m.p)
                setattr(module.get_submodule(parent) if parent else module, leaf, masked)
                self.dropouts[name] = masked
        self.module = module.to(DTYPE)
        self.params = dict(module.named_parameters())
        self.buffers = {k: v for k, v in module.named_buffers() if not k.endswith("num_batches_tracked")}
        self.param_names = list(self.params)
        self.buffer_names = list(self.buffers)
        self.dropout_names = list(self.dropouts)

    def shape_of(self, name: str) -> list[int]:
        return list({**self.params, **self.buffers}[name].shape)

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for name, t in {**self.params, **self.buffers}.items():
                t.copy_(tensors[name])

    def forward(self, x: torch.Tensor, masks: dict[str, torch.Tensor], step: int = 0) -> torch.Tensor:
        for name, d in self.dropouts.items():
            d.mask, d.step = masks.get(name), step
        self.module.train()
        return self.module(x)


# The precision a case runs in: float32 (as our step file), or float64 for the exact answer the
# tests measure both float32 implementations against (``"dtype": "float64"`` in the case).
DTYPE = torch.float32


def as_float(a) -> torch.Tensor:
    """An array as a tensor of the case's precision."""
    return torch.from_numpy(np.array(a, dtype=np.float64 if DTYPE == torch.float64 else np.float32))


def optimizer_state_names(param: str) -> list[str]:
    return [f"{param}.momentum_buffer", f"{param}.exp_avg", f"{param}.exp_avg_sq"]


def load_state(net, state: dict[str, np.ndarray], frozen: list[str]) -> dict[str, np.ndarray]:
    """Strictly loads parameters and buffers; returns the optimiser state entries of the file."""
    expected = set(net.param_names) | set(net.buffer_names)
    trainable = [p for p in net.param_names if p not in frozen]
    opt_names = {n for p in trainable for n in optimizer_state_names(p)} | {"step"}
    given = {k for k in state if not k.endswith("num_batches_tracked")}
    problems = []
    missing = sorted(expected - given)
    unexpected = sorted(given - expected - opt_names)
    unknown_frozen = sorted(set(frozen) - set(net.param_names))
    if missing:
        problems.append(f"missing ({len(missing)}): {', '.join(missing)}")
    if unexpected:
        problems.append(f"unexpected ({len(unexpected)}): {', '.join(unexpected)}")
    if unknown_frozen:
        problems.append(f"frozen names that are not parameters: {', '.join(unknown_frozen)}")
    if isinstance(net, ArchNet):
        for name in sorted(expected & given):
            if list(state[name].shape) != net.shape_of(name):
                problems.append(f"{name}: file {list(state[name].shape)}, torch {net.shape_of(name)}")
    owner = {n: p for p in trainable for n in optimizer_state_names(p)}
    for name in sorted(given & set(owner)):
        param = owner[name]
        if param in state and state[name].shape != state[param].shape:
            problems.append(f"{name}: shape {list(state[name].shape)}, its parameter has {list(state[param].shape)}")
    if problems:
        raise CaseError("the state file does not match the model:\n    " + "\n    ".join(problems))
    net.load({k: as_float(state[k]) for k in expected})
    for p in frozen:
        net.params[p].requires_grad_(False)
    return {k: state[k] for k in given & opt_names}


def make_optimizer(spec: dict, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    kind = spec.get("kind")
    if kind == "sgd":
        return torch.optim.SGD(
            params,
            lr=float(spec["lr"]),
            momentum=float(spec.get("momentum", 0)),
            dampening=0,
            weight_decay=float(spec.get("weight_decay", 0)),
            nesterov=bool(spec.get("nesterov", False)),
            foreach=False,
        )
    if kind == "adamw":
        b1, b2 = spec.get("betas", [0.9, 0.999])
        return torch.optim.AdamW(
            params,
            lr=float(spec["lr"]),
            betas=(float(b1), float(b2)),
            eps=float(spec.get("eps", 1e-8)),
            weight_decay=float(spec.get("weight_decay", 1e-2)),
            amsgrad=False,
            foreach=False,
        )
    raise CaseError(f"unknown optimizer kind {kind!r} (sgd or adamw)")


def seed_optimizer_state(opt: torch.optim.Optimizer, spec: dict, net, trainable: list[str], given: dict[str, np.ndarray]) -> None:
    """Puts the file's optimiser state where torch keeps it; absent entries start as torch starts."""
    t = lambda a: as_float(a)  # noqa: E731
    if spec["kind"] == "sgd":
        extra = [k for k in given if not k.endswith(".momentum_buffer") or float(spec.get("momentum", 0)) == 0]
        if extra:
            raise CaseError(f"optimiser state SGD{' without momentum' if float(spec.get('momentum', 0)) == 0 else ''} does not keep: {', '.join(sorted(extra))}")
        for p in trainable:
            if f"{p}.momentum_buffer" in given:
                opt.state[net.params[p]]["momentum_buffer"] = t(given[f"{p}.momentum_buffer"]).clone()
        return
    extra = [k for k in given if k.endswith(".momentum_buffer")]
    if extra:
        raise CaseError(f"optimiser state AdamW does not keep: {', '.join(sorted(extra))}")
    if "step" in given and given["step"].size != 1:
        raise CaseError(f"step has {given['step'].size} values, expected one")
    step = float(np.asarray(given["step"]).reshape(-1)[0]) if "step" in given else 0.0
    if not given:
        return
    # torch initialises all three at once when a parameter's state is empty, so set all three.
    for p in trainable:
        w = net.params[p]
        opt.state[w]["step"] = torch.tensor(step)
        opt.state[w]["exp_avg"] = t(given[f"{p}.exp_avg"]).clone() if f"{p}.exp_avg" in given else torch.zeros_like(w)
        opt.state[w]["exp_avg_sq"] = t(given[f"{p}.exp_avg_sq"]).clone() if f"{p}.exp_avg_sq" in given else torch.zeros_like(w)


def dropout_masks(data: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """The data file's keep masks by Dropout layer name (``<name>.mask``)."""
    return {k[: -len(".mask")]: as_float(v) for k, v in data.items() if k.endswith(".mask")}


def relu_masks_of(data: dict[str, np.ndarray], net) -> list[torch.Tensor]:
    """The ``relu_mask.<i>`` tensors of the data file, in order (none: an empty list)."""
    count = len([k for k in data if k.startswith("relu_mask.")])
    if count and not isinstance(net, ArchNet):
        raise CaseError("relu masks need an arch model (a layer list calls F.relu, which has no module to replace)")
    missing = [i for i in range(count) if f"relu_mask.{i}" not in data]
    if missing:
        raise CaseError(f"relu masks must be numbered 0..{count - 1}; relu_mask.{missing[0]} is missing")
    return [as_float(data[f"relu_mask.{i}"]) for i in range(count)]


class forced_relu:
    """Within the block, the i-th nn.ReLU / nn.ReLU6 call follows masks[i]; counts disagreements with its own decisions in flips[0]."""

    def __init__(self, masks: list[torch.Tensor], flips: list[float]) -> None:
        self.masks, self.flips, self.calls = masks, flips, 0

    def __enter__(self) -> None:
        self.original = nn.ReLU.forward, nn.ReLU6.forward

        def forward(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
            i = self.calls
            self.calls += 1
            if i >= len(self.masks):
                raise CaseError(f"the forward calls nn.ReLU more than the {len(self.masks)} relu masks given")
            mask = self.masks[i]
            if list(mask.shape) != list(x.shape):
                raise CaseError(f"relu_mask.{i} has shape {list(mask.shape)}, the ReLU's input {list(x.shape)}")
            top = 6.0 if isinstance(module, nn.ReLU6) else float("inf")
            own = torch.where(x <= 0, 0.0, torch.where(x >= top, 2.0, 1.0)).to(mask.dtype)
            self.flips[0] += float((own != mask).sum().item())
            return torch.where(mask == 1, x, torch.where(mask == 2, torch.full_like(x, 6.0), torch.zeros_like(x)))

        nn.ReLU.forward = forward
        nn.ReLU6.forward = forward

    def __exit__(self, kind, *_rest) -> None:
        nn.ReLU.forward, nn.ReLU6.forward = self.original
        if kind is None and self.calls != len(self.masks):
            raise CaseError(f"{len(self.masks)} relu masks given, the forward called nn.ReLU {self.calls} times")


def run_train(case: dict, net, state_opt: dict[str, np.ndarray], data: dict[str, np.ndarray], frozen: list[str]) -> dict[str, np.ndarray]:
    if "optimizer" not in case:
        raise CaseError("a train case needs an optimizer")
    spec = case["optimizer"]
    for name in ("input", "target"):
        if name not in data:
            raise CaseError(f"the data file has no '{name}'")
    x, target = data["input"], data["target"]
    if x.ndim < 2 or target.ndim != 2 or target.shape[0] != x.shape[0] or target.shape[1] != x.shape[1]:
        raise CaseError(f"input {list(x.shape)} must be [K,N,...] and target {list(target.shape)} [K,N]")
    steps = x.shape[0]
    lrs = data.get("lr")
    if lrs is not None and lrs.size != steps:
        raise CaseError(f"lr has {lrs.size} values for {steps} steps")
    masks = dropout_masks(data)
    for name, m in masks.items():
        if m.dim() < 2 or m.shape[0] != steps:
            raise CaseError(f"'{name}.mask' has {m.shape[0]} steps, the input {steps}")
    trainable = [p for p in net.param_names if p not in frozen]
    opt = make_optimizer(spec, [net.params[p] for p in trainable])
    seed_optimizer_state(opt, spec, net, trainable, state_opt)
    smoothing = float(case.get("label_smoothing", 0))

    relu_masks = relu_masks_of(data, net)
    flips = [0.0]

    losses, logits_all, correct = [], [], []
    for k in range(steps):
        if lrs is not None:
            for group in opt.param_groups:
                group["lr"] = float(lrs.reshape(-1)[k])
        opt.zero_grad(set_to_none=True)
        if k == 0 and relu_masks:
            with forced_relu(relu_masks, flips):
                logits = net.forward(as_float(x[k]), masks, k)
        else:
            logits = net.forward(as_float(x[k]), masks, k)
        if logits.dim() != 2:
            raise CaseError(f"the output has shape {list(logits.shape)}; cross-entropy needs logits [N, classes]")
        t = torch.from_numpy(np.array(target[k], dtype=np.int64))
        loss = F.cross_entropy(logits, t, label_smoothing=smoothing)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        logits_all.append(logits.detach().numpy().copy())
        correct.append(float((logits.detach().argmax(1) == t).sum().item()))

    out: dict[str, np.ndarray] = {
        "loss": np.array(losses, dtype=np.float32),
        "logits": np.stack(logits_all).astype(np.float32),
        "correct": np.array(correct, dtype=np.float32),
    }
    if relu_masks:
        out["relu_flips"] = np.array(flips[0], dtype=np.float32)
    for name in net.param_names:
        out[f"{name}.next"] = net.params[name].detach().numpy().copy()
    for name in net.buffer_names:
        out[f"{name}.next"] = net.buffers[name].detach().numpy().copy()
    steps_seen = set()
    for p in trainable:
        st = opt.state.get(net.params[p], {})
        for key in ("momentum_buffer", "exp_avg", "exp_avg_sq"):
            if st.get(key) is not None:
                out[f"{p}.{key}.next"] = st[key].detach().numpy().copy()
        if "step" in st:
            steps_seen.add(float(st["step"]))
    if spec["kind"] == "adamw" and steps_seen:
        if len(steps_seen) != 1:
            raise CaseError(f"parameters ended at different AdamW steps {sorted(steps_seen)} (a parameter got no gradient)")
        out["step.next"] = np.array(steps_seen.pop(), dtype=np.float32)
    return out


def run_vjp(case: dict, net, data: dict[str, np.ndarray], frozen: list[str]) -> dict[str, np.ndarray]:
    for name in ("input", "dy"):
        if name not in data:
            raise CaseError(f"the data file has no '{name}'")
    x = data["input"]
    if x.ndim == 5:
        if x.shape[0] != 1:
            raise CaseError(f"a vjp case runs one batch; input {list(x.shape)} has {x.shape[0]} steps")
        x = x[0]
    xt = as_float(x).requires_grad_(True)
    y = net.forward(xt, dropout_masks(data), 0)
    dy = data["dy"]
    if dy.ndim == y.dim() + 1 and dy.shape[0] == 1:
        dy = dy[0]
    if list(dy.shape) != list(y.shape):
        raise CaseError(f"dy has shape {list(dy.shape)}, the output {list(y.shape)}")
    y.backward(as_float(dy))
    out = {"output": y.detach().numpy().copy(), "input.grad": xt.grad.numpy().copy()}
    for p in net.param_names:
        if p in frozen:
            continue
        g = net.params[p].grad
        out[f"{p}.grad"] = (g if g is not None else torch.zeros_like(net.params[p])).numpy().copy()
    for name in net.buffer_names:
        out[f"{name}.next"] = net.buffers[name].detach().numpy().copy()
    return out


def run_signals(net, data: dict[str, np.ndarray], frozen: list[str]) -> dict[str, np.ndarray]:
    if not isinstance(net, LayerNet):
        raise CaseError("a signals case needs a layer-list model (each layer's output by name)")
    for name in ("input", "target"):
        if name not in data:
            raise CaseError(f"the data file has no '{name}'")
    logits = net.forward(as_float(data["input"]), dropout_masks(data), 0)
    loss = F.cross_entropy(logits, torch.from_numpy(np.array(data["target"], dtype=np.int64)))
    loss.backward()
    f32 = lambda v: np.array(v, dtype=np.float32)  # noqa: E731
    out = {"loss": f32(loss.item())}
    for name, value in net.values.items():
        if name != "input":
            out[f"{name}.std"] = f32(value.detach().std(unbiased=False).item())
    for p in net.param_names:
        g = net.params[p].grad
        if p not in frozen and g is not None:
            out[f"{p}.grad_norm"] = f32(g.norm().item())
    return out


def run_case(case: dict, base: Path) -> tuple[Path, dict[str, np.ndarray]]:
    resolve = lambda p: base / Path(p)  # noqa: E731  (an absolute p stays as it is)
    for field in ("model", "state", "data", "out"):
        if field not in case:
            raise CaseError(f"the case has no '{field}'")
    global DTYPE
    DTYPE = {"float32": torch.float32, "float64": torch.float64}.get(case.get("dtype", "float32"))
    if DTYPE is None:
        raise CaseError(f"dtype must be float32 or float64, got {case.get('dtype')!r}")
    state, _ = read_safetensors(resolve(case["state"]))
    data, _ = read_safetensors(resolve(case["data"]))
    model = case["model"]
    if "arch" in model:
        net = ArchNet(model["arch"], state, model.get("num_classes"))
    elif "layers" in model:
        try:
            net = LayerNet(model["layers"])
        except ValueError as err:
            raise CaseError(str(err)) from err
    else:
        raise CaseError("model must be {'arch': ...} or {'layers': [...]}")
    known = {"input", "target", "lr", "dy"} | {f"{d}.mask" for d in net.dropout_names} | {k for k in data if k.startswith("relu_mask.")}
    if set(data) - known:
        raise CaseError(f"the data file has tensors the model does not use: {', '.join(sorted(set(data) - known))}")
    frozen = list(case.get("frozen", []))
    state_opt = load_state(net, state, frozen)
    mode = case.get("mode", "train")
    try:
        if mode == "train":
            out = run_train(case, net, state_opt, data, frozen)
        elif mode == "vjp":
            if state_opt:
                raise CaseError(f"a vjp case takes no optimiser state: {', '.join(sorted(state_opt))}")
            out = run_vjp(case, net, data, frozen)
        elif mode == "signals":
            out = run_signals(net, data, frozen)
        else:
            raise CaseError(f"unknown mode {mode!r} (train, vjp or signals)")
    except ValueError as err:  # a layer's shapes or a mask that do not fit, reported by LayerNet
        raise CaseError(str(err)) from err
    return resolve(case["out"]), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifest", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.manual_seed(0)

    manifest = json.loads(args.manifest.read_text())
    cases = manifest["cases"] if isinstance(manifest, dict) else manifest
    base = args.manifest.resolve().parent
    for index, case in enumerate(cases):
        label = case.get("name", f"#{index}")
        t0 = time.perf_counter()
        try:
            path, out = run_case(case, base)
        except CaseError as err:
            sys.exit(f"error: case {label}: {err}")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_safetensors(path, out)
        what = case["model"].get("arch", f"{len(case['model'].get('layers', []))} layers")
        print(f"{label}: {what}, {case.get('mode', 'train')}, {(time.perf_counter() - t0) * 1000:.0f} ms -> {path}")


if __name__ == "__main__":
    main()
