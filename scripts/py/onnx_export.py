"""Exporting a PyTorch model to ONNX the way Residual Studio expects, with or without BN folding.

What torch 1.13 does (read from torch/onnx/utils.py and checked on our exports):
- ``training=TrainingMode.EVAL`` (the default) runs ``_jit_pass_onnx_eval_peephole``, which folds
  every BatchNorm that follows a Conv into that Conv's weight and bias. The folded tensors lose their
  names (they become ``onnx::Conv_123``), so such a file cannot be matched to torchvision names.
- ``training=TrainingMode.PRESERVE`` on a model that is already in eval mode skips that pass: every
  BN stays a ``BatchNormalization`` node (``training_mode=0``, running statistics as inputs) and all
  initializers keep their state_dict names. torch warns that constant folding is not recommended in
  training-amenable mode; that warning is about models in training mode and does not apply here
  (constant folding only folds nodes whose inputs are all constants, which no BN here is).
- Whatever the mode, torch 1.13 deduplicates initializers with equal values
  (``_jit_pass_onnx_deduplicate_initializers``): the second one disappears and an ``Identity`` node
  makes its name from the first. This really happens in trained ResNets: in a block with a projection
  shortcut, ``bn2.bias`` and ``downsample.1.bias`` feed the same Add, so they get the same gradient
  and, both starting at 0 without weight decay, stay bit-for-bit equal. Without BN folding we undo it
  (``restore_deduplicated_initializers``) so that every state_dict name is an initializer.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import onnx
import torch


def export_onnx(
    model: torch.nn.Module,
    example: torch.Tensor,
    path: Path,
    opset: int,
    fold_bn: bool = False,
    output_names: tuple[str, ...] = ("logits",),
    dynamic_axes: dict[str, dict[int, str]] | None = None,
) -> onnx.ModelProto:
    """Export ``model`` (put in eval mode) with input ``input`` [N,...] and output ``logits``.

    The batch axis is dynamic and named ``N`` (of the input and of every output), unless
    ``dynamic_axes`` says otherwise; a model returning a tuple needs one name per output in
    ``output_names``. With ``fold_bn=False`` BatchNormalization nodes and torchvision initializer
    names are kept; with ``fold_bn=True`` torch folds BN into the convs. The written file is
    checked with onnx.checker (full check, with shape inference) and returned.
    """
    if dynamic_axes is None:
        dynamic_axes = {name: {0: "N"} for name in ("input", *output_names)}
    model.eval()
    mode = torch.onnx.TrainingMode.EVAL if fold_bn else torch.onnx.TrainingMode.PRESERVE
    with warnings.catch_warnings():
        # The constant-folding advice only concerns models exported in training mode.
        warnings.filterwarnings("ignore", message="It is recommended that constant folding")
        torch.onnx.export(
            model,
            example,
            str(path),
            export_params=True,
            opset_version=opset,
            do_constant_folding=True,
            training=mode,
            input_names=["input"],
            output_names=list(output_names),
            dynamic_axes=dynamic_axes,
        )
    proto = onnx.load(str(path))
    if not fold_bn and restore_deduplicated_initializers(proto):
        onnx.save(proto, str(path))
    onnx.checker.check_model(proto, full_check=True)
    return proto


def restore_deduplicated_initializers(proto: onnx.ModelProto) -> int:
    """Replace each ``Identity(initializer) -> name`` by an initializer ``name`` holding a copy.

    Returns how many were restored. Graph outputs are left alone (an Identity there is real).
    """
    graph = proto.graph
    inits = {init.name: init for init in graph.initializer}
    outputs = {o.name for o in graph.output}
    restored = []
    for node in graph.node:
        if node.op_type == "Identity" and node.input[0] in inits and node.output[0] not in outputs:
            copy = onnx.TensorProto()
            copy.CopyFrom(inits[node.input[0]])
            copy.name = node.output[0]
            restored.append((node, copy))
    for node, copy in restored:
        graph.node.remove(node)
        graph.initializer.append(copy)
    return len(restored)
