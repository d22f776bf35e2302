"""Runs exported PyTorch code (`residual-studio export-pytorch`) the way a user would.

Usage: check_pytorch_export.py --manifest cases.json

The manifest is `{"cases": [{"name", "dir", "input", "out", "retrained"?}]}`. For each case the
script imports `<dir>/model.py` on its own, calls `build_model()` (which loads
`<dir>/weights.safetensors` strictly), runs it in eval mode on the tensor `input` of the
safetensors file `input`, and writes the outputs (`output0`, `output1`, …) and the state_dict's
key -> shape list (`state.json` beside `out`) to `out`. With `retrained`, it then trains the
model for two SGD steps in train mode (weights and BatchNorm statistics both change), saves it
with the module's own `save_weights`, and writes that model's eval output on the same input as
`output0` of the file `retrained["out"]`; the weights go to `retrained["weights"]` (written
again with numpy unavailable, which must give the same bytes).

Everything the cases read goes through the exported module's own safetensors reader and writer,
so they are what is tested; nothing here needs numpy or the `safetensors` package. Errors name
the case. Run with /usr/bin/python3 (Debian's torch).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import torch


def load_module(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class Holder(torch.nn.Module):
    """Lets the exported save_weights write plain tensors (it writes a module's state_dict)."""

    def __init__(self, tensors: dict[str, torch.Tensor]):
        super().__init__()
        self.tensors = tensors

    def state_dict(self, *args, **kwargs):
        return self.tensors


def outputs_of(model, x: torch.Tensor) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        out = model.eval()(x)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return {f"output{i}": o for i, o in enumerate(outs)}


def retrain(model, x: torch.Tensor) -> None:
    """Two SGD steps towards fixed pseudo-labels, in train mode (BatchNorm statistics move too)."""
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    g = torch.Generator().manual_seed(0)
    for _ in range(2):
        out = model(x)
        out = out[0] if isinstance(out, (tuple, list)) else out
        target = torch.randn(out.shape, generator=g)
        loss = ((out - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


def check_writer_without_numpy(module, model, written: Path) -> None:
    """save_weights without numpy (torch built without it) must write the same bytes."""
    numpy = torch.Tensor.numpy

    def unavailable(self):
        raise RuntimeError("Numpy is not available")

    torch.Tensor.numpy = unavailable
    try:
        again = written.with_suffix(".no-numpy.safetensors")
        module.save_weights(model, again)
    finally:
        torch.Tensor.numpy = numpy
    if again.read_bytes() != written.read_bytes():
        raise AssertionError("save_weights wrote different bytes without numpy")


def run_case(i: int, case: dict) -> None:
    name = case["name"]
    module = load_module(f"exported_model_{i}", Path(case["dir"]) / "model.py")
    model = module.build_model()
    x = module.load_safetensors(case["input"])["input"]
    module.save_weights(Holder(outputs_of(model, x)), case["out"])
    state = {k: list(v.shape) for k, v in model.state_dict().items()}
    Path(case["out"]).with_suffix(".state.json").write_text(json.dumps(state))
    if "retrained" in case:
        retrain(model, x)
        module.save_weights(model, case["retrained"]["weights"])
        check_writer_without_numpy(module, model, Path(case["retrained"]["weights"]))
        module.save_weights(Holder(outputs_of(model, x)), case["retrained"]["out"])
    print(f"{name}: ok", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", required=True, type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    cases = json.loads(args.manifest.read_text())["cases"]
    for i, case in enumerate(cases):
        try:
            run_case(i, case)
        except Exception as e:  # the test shows this line: say which case and why
            raise SystemExit(f"{case['name']}: {type(e).__name__}: {e}") from e


if __name__ == "__main__":
    main()
