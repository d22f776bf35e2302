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
) -> onnx.ModelProto:
    """Export ``model`` (put in eval mode) with input ``input`` [N,...] and output ``logits``.

    The batch axis is dynamic and named ``N``. With ``fold_bn=False`` BatchNormalization nodes and
    torchvision initializer names are kept; with ``fold_bn=True`` torch folds BN into the convs.
    The written file is checked with onnx.checker (full check, with shape inference) and returned.
    """
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
            output_names=["logits"],
            dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
        )
    proto = onnx.load(str(path))
    onnx.checker.check_model(proto, full_check=True)
    return proto
