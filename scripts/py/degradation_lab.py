"""The degradation lab's defaults, checked in PyTorch before the app uses them.

The lab trains a plain net and a residual net of the same depth side by side on the Train panel's
Fashion-MNIST subset (public/data/train, made by make_train_subset.py) and overlays their curves.
Its default settings must show the paper's effect (He et al. 2015, Figures 1 and 6: at the same
depth the plain net trains worse; a deeper plain net trains worse than a shallower one, a deeper
residual net better) within about 5 minutes in the browser on two cores. This script trains the
paper's CIFAR nets (6n+2 layers, widths 16/32/64, option A shortcuts: ``residual_models``), with a
1-channel stem for 28x28 images, under exactly the lab's budget, and prints per net the final
training loss and error (over the last 10% of steps) and the test error, plus the time per step.
Its output is the table in the README next to the paper's numbers.

    /usr/bin/python3 scripts/py/degradation_lab.py [--depths 20,56] [--epochs 2] [--batch 64]
        [--lr 0.1] [--threads 2] [--json out.json]

Same seed, same data order and same initialisation rule for every net; SGD with momentum 0.9,
weight decay 1e-4 (the paper's), a constant learning rate (the budget is far shorter than the
paper's schedule), no augmentation.
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
from asset_io import read_idx  # noqa: E402
from residual_models import CifarResNet, PlainCifar  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "public" / "data" / "train"
# Fashion-MNIST's pixel mean and std (pixels / 255), as the default model and the Train panel use.
MEAN, STD = 0.2860, 0.3530

# The paper's CIFAR-10 results (Table 6 and Figure 6): test error, %.
PAPER = {"plain-20": "~9.5 (Fig. 6)", "plain-56": "~12 (Fig. 6)", "resnet-20": "8.75", "resnet-56": "6.97"}


def load(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(DATA / f"{prefix}-images-idx3-ubyte.gz")
    labels = read_idx(DATA / f"{prefix}-labels-idx1-ubyte.gz")
    x = (torch.from_numpy(images.astype(np.float32)) / 255 - MEAN) / STD
    return x.unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def build(kind: str, depth: int) -> nn.Module:
    if (depth - 2) % 6:
        raise SystemExit(f"depth {depth} is not 6n+2")
    model = (CifarResNet if kind == "resnet" else PlainCifar)((depth - 2) // 6)
    # A 1-channel stem for Fashion-MNIST, initialised as the rest (kaiming normal, fan_out).
    model.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
    nn.init.kaiming_normal_(model.conv1.weight, mode="fan_out", nonlinearity="relu")
    return model


def error(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        wrong = sum(int((model(x[i : i + 500]).argmax(1) != y[i : i + 500]).sum()) for i in range(0, len(x), 500))
    model.train()
    return wrong / len(x)


def train(kind: str, depth: int, args, data) -> dict:
    (xtr, ytr), (xte, yte) = data
    torch.manual_seed(args.seed)
    model = build(kind, depth)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    order = torch.Generator().manual_seed(args.seed)
    losses, errors, t0 = [], [], time.perf_counter()
    for _ in range(args.epochs):
        perm = torch.randperm(len(xtr), generator=order)
        for i in range(0, len(xtr) - args.batch + 1, args.batch):
            idx = perm[i : i + args.batch]
            logits = model(xtr[idx])
            loss = F.cross_entropy(logits, ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            errors.append(float((logits.argmax(1) != ytr[idx]).float().mean()))
    seconds = time.perf_counter() - t0
    tail = max(1, len(losses) // 10)
    return {
        "net": f"{kind}-{depth}",
        "steps": len(losses),
        "ms_per_step": 1000 * seconds / len(losses),
        "train_loss": float(np.mean(losses[-tail:])),
        "train_error": float(np.mean(errors[-tail:])),
        "test_error": error(model, xte, yte),
        "first_loss": float(np.mean(losses[:tail])),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--depths", default="20,56")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    data = load("train"), load("test")
    rows = [train(kind, int(d), args, data) for d in args.depths.split(",") for kind in ("plain", "resnet")]
    print(f"Fashion-MNIST subset ({len(data[0][1])} train / {len(data[1][1])} test), {args.epochs} epochs at batch {args.batch}, lr {args.lr}")
    print(f"{'net':<11} {'steps':>5} {'ms/step':>8} {'first loss':>10} {'train loss':>10} {'train err %':>11} {'test err %':>10}  paper CIFAR-10 test err %")
    for r in rows:
        print(
            f"{r['net']:<11} {r['steps']:>5} {r['ms_per_step']:>8.0f} {r['first_loss']:>10.3f} {r['train_loss']:>10.3f}"
            f" {100 * r['train_error']:>11.1f} {100 * r['test_error']:>10.1f}  {PAPER.get(r['net'], '')}"
        )
    if args.json:
        args.json.write_text(json.dumps({"settings": vars(args) | {"json": str(args.json)}, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
