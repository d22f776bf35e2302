"""The degradation lab's defaults, checked in PyTorch before the app uses them.

The lab trains a plain net and a residual net of the same depth side by side on the Train panel's
Fashion-MNIST subset (public/data/train, made by make_train_subset.py) and overlays their curves.
Its default settings must show the paper's effect (He et al. 2015, Figures 1 and 6: at the same
depth the plain net trains worse; a deeper plain net trains worse than a shallower one, a deeper
residual net better) within about 5 minutes in the browser on two cores. This script trains the
paper's CIFAR nets (6n+2 layers, 3 stages, option A shortcuts) at the widths the lab uses
(``--widths``, the paper's 16/32/64 or narrower), with a 1-channel stem for 28x28 images, under
exactly the lab's budget (``--limit`` images per epoch, the first of the shuffled subset, as the
Train panel's "images per epoch"), and prints per net the final training loss and error (over the
last 10% of steps), the test error after each epoch, and the time per step. Its output is the
table in the README next to the paper's numbers.

    /usr/bin/python3 scripts/py/degradation_lab.py [--depths 20,56] [--widths 8,16,32] [--epochs 2]
        [--limit 0] [--batch 64] [--lr 0.1] [--weight-decay 1e-4] [--threads 2] [--json out.json]

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
from residual_models import _init_like_torchvision  # noqa: E402

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


class Block(nn.Module):
    """A basic block's two 3x3 conv + BN layers; with ``shortcut``, the residual block (identity, or
    option A's subsample-and-zero-pad where the width doubles), without it the plain net's layers."""

    def __init__(self, inplanes: int, planes: int, stride: int, shortcut: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = shortcut
        self.pad = (planes - inplanes) // 2
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.shortcut:
            s = x[:, :, :: self.stride, :: self.stride] if self.stride > 1 else x
            out = out + (F.pad(s, (0, 0, 0, 0, self.pad, self.pad)) if self.pad else s)
        return F.relu(out)


class LabNet(nn.Module):
    """The lab's net of 6n+2 layers: 1-channel 3x3 stem, 3 stages of n blocks (widths w1/w2/w3,
    stride 2 entering stages 2 and 3), global average pool, fc. torchvision's initialisation
    (kaiming normal fan_out for convs, BN 1/0, torch's Linear default), as the app's fresh weights."""

    def __init__(self, depth: int, widths: list[int], residual: bool) -> None:
        super().__init__()
        if (depth - 2) % 6:
            raise SystemExit(f"depth {depth} is not 6n+2")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(1, widths[0], 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        blocks, inplanes = [], widths[0]
        for i, w in enumerate(widths):
            for b in range(n):
                blocks.append(Block(inplanes, w, 2 if i > 0 and b == 0 else 1, residual))
                inplanes = w
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(widths[-1], 10)
        _init_like_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(x.mean((2, 3)))


def build(kind: str, depth: int, widths: list[int]) -> nn.Module:
    return LabNet(depth, widths, kind == "resnet")


def error(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    with torch.no_grad():
        wrong = sum(int((model(x[i : i + 500]).argmax(1) != y[i : i + 500]).sum()) for i in range(0, len(x), 500))
    model.train()
    return wrong / len(x)


def train(kind: str, depth: int, args, data) -> dict:
    (xtr, ytr), (xte, yte) = data
    if args.limit:
        xtr, ytr = xtr[: args.limit], ytr[: args.limit]
    torch.manual_seed(args.seed)
    model = build(kind, depth, args.widths)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.weight_decay)
    order = torch.Generator().manual_seed(args.seed)
    losses, errors, test_errors, t0, eval_s = [], [], [], time.perf_counter(), 0.0
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
        e0 = time.perf_counter()
        test_errors.append(error(model, xte, yte))
        eval_s += time.perf_counter() - e0
    seconds = time.perf_counter() - t0 - eval_s
    tail = max(1, len(losses) // 10)
    return {
        "net": f"{kind}-{depth}",
        "steps": len(losses),
        "ms_per_step": 1000 * seconds / len(losses),
        "train_loss": float(np.mean(losses[-tail:])),
        "train_error": float(np.mean(errors[-tail:])),
        "test_error": test_errors[-1],
        "test_errors": test_errors,
        "first_loss": float(np.mean(losses[:tail])),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--depths", default="20,56")
    p.add_argument("--widths", default="16,32,64", help="the three stages' widths")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="images per epoch (the first of the subset; 0: all)")
    p.add_argument("--weight-decay", type=float, default=1e-4)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path)
    args = p.parse_args()
    args.widths = [int(w) for w in args.widths.split(",")]
    if len(args.widths) != 3:
        raise SystemExit("--widths takes three numbers, e.g. 8,16,32")
    torch.set_num_threads(args.threads)
    data = load("train"), load("test")
    rows = []
    for d in args.depths.split(","):
        for kind in ("plain", "resnet"):
            rows.append(train(kind, int(d), args, data))
            r = rows[-1]
            # Each net as it ends: a deep pair on a loaded machine takes a while.
            print(f"  {r['net']}: {r['steps']} steps, {r['ms_per_step']:.0f} ms/step, train err {100 * r['train_error']:.1f}%, test err {100 * r['test_error']:.1f}%", flush=True)
    n = args.limit or len(data[0][1])
    print(
        f"Fashion-MNIST subset ({n} of {len(data[0][1])} train / {len(data[1][1])} test), widths {'/'.join(map(str, args.widths))},"
        f" {args.epochs} epochs at batch {args.batch}, lr {args.lr}, weight decay {args.weight_decay}, seed {args.seed}"
    )
    print(f"{'net':<11} {'steps':>5} {'ms/step':>8} {'first loss':>10} {'train loss':>10} {'train err %':>11} {'test err % by epoch':>22}  paper CIFAR-10 test err %")
    for r in rows:
        print(
            f"{r['net']:<11} {r['steps']:>5} {r['ms_per_step']:>8.0f} {r['first_loss']:>10.3f} {r['train_loss']:>10.3f}"
            f" {100 * r['train_error']:>11.1f} {' '.join(f'{100 * e:.1f}' for e in r['test_errors']):>22}  {PAPER.get(r['net'], '')}"
        )
    if args.json:
        args.json.write_text(json.dumps({"settings": vars(args) | {"json": str(args.json)}, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
