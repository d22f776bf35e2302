"""The lesion study's trained nets and its reference numbers, in PyTorch.

Veit, Wilber and Belongie (2016), "Residual Networks Behave Like Ensembles of Relatively Shallow
Networks": deleting one residual block from a trained ResNet barely changes its test error, while
deleting one layer from a trained plain net (VGG) drops it to chance. Here the two nets are the
paper's CIFAR-style 20-layer nets (He et al. 2015, 6n+2 layers with n = 3) with a 1-channel stem
for Fashion-MNIST's 28x28 images and widths 8/16/32 (a quarter of the CIFAR nets' compute, so the
browser runs the whole study in a minute or two): the residual net with option A shortcuts
(identity blocks, and parameter-free zero-padding where a stage halves the resolution), and its
plain counterpart with exactly the same layers and no shortcuts. Module names are our templates'
(``conv1``, ``layer1.0.conv1``, ``layer1.0.bn1``, ..., ``fc``), so a state_dict key is also the
document's tensor name.

    /usr/bin/python3 scripts/py/lesion_study.py train [--epochs 2] [--images 60000] [--batch 128] [--max-lr 0.1] [--kinds resnet,plain]
        trains both on a seeded subset of the 60,000 Fashion-MNIST training images (Debian's dataset-fashion-mnist;
        same seed, same data order, same schedule), writes their state_dicts to
        .cache/lesion/{resnet20,plain20}.safetensors and public/models/lesion-study.json (training
        settings, time, and the study below). scripts/make-lesion-models.ts then makes the
        documents the app opens (public/models/lesion-*.project.json + weights).

    /usr/bin/python3 scripts/py/lesion_study.py evaluate --weights W.safetensors --kind resnet|plain
        [--width 8] --out result.json
        the study on the shipped weights: accuracy on the 2,000 held-out test images
        (public/data/fashion-mnist-test-2000*.bin) of the intact net, then after deleting each one
        block (residual: every identity block, its output becomes its input) or each one
        conv-BN-ReLU unit (plain: every unit whose input and output shapes agree). The unit test
        compares these to onnxruntime on our compiled ONNX of each lesioned document.

Eval mode (BatchNorm with its running statistics), float32, torch.set_num_threads(2).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asset_io import read_idx, read_safetensors, write_safetensors  # noqa: E402
from residual_models import CifarBasicBlock, PlainCifarBlock, _init_like_torchvision, count_parameters  # noqa: E402
from train_fashion_mnist import augment  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATASET = Path("/usr/share/datasets/fashion-mnist")
HELD_OUT = ROOT / "public" / "data"
MEAN, STD = 0.2860, 0.3530
SEED = 20160520
DEPTH = 20


class CifarNet(nn.Module):
    """The paper's 6n+2-layer CIFAR net (residual or plain) at widths w/2w/4w, 1-channel stem, 10 classes."""

    def __init__(self, kind: str, n: int = 3, width: int = 8) -> None:
        super().__init__()
        block = CifarBasicBlock if kind == "resnet" else PlainCifarBlock
        self.conv1 = nn.Conv2d(1, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        inplanes = width
        for index, (planes, stride) in enumerate([(width, 1), (2 * width, 2), (4 * width, 2)], start=1):
            blocks = []
            for b in range(n):
                blocks.append(block(inplanes, planes, stride if b == 0 else 1))
                inplanes = planes
            setattr(self, f"layer{index}", nn.Sequential(*blocks))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(4 * width, 10)
        _init_like_torchvision(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N,28,28] -> float32 [N,1,28,28], pixels/255 then (x - mean) / std."""
    return ((images.float() / 255.0 - MEAN) / STD).unsqueeze(1)


def held_out() -> tuple[torch.Tensor, torch.Tensor]:
    """The 2,000 held-out test images (test images 8000..9999) the app evaluates on."""
    images = np.fromfile(HELD_OUT / "fashion-mnist-test-2000.bin", dtype=np.uint8).reshape(-1, 28, 28)
    labels = np.fromfile(HELD_OUT / "fashion-mnist-test-2000-labels.bin", dtype=np.uint8)
    return torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))


@torch.no_grad()
def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> tuple[int, int]:
    """Correct top-1 predictions (first index on ties, as argmax) and the image count."""
    model.eval()
    correct = 0
    for i in range(0, len(images), 500):
        correct += int((model(normalise(images[i : i + 500])).argmax(1) == labels[i : i + 500]).sum())
    return correct, len(images)


class Lesioned(nn.Module):
    """Stands in for a deleted block or unit: its output is its input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def lesion_targets(model: CifarNet, kind: str) -> list[str]:
    """What can be deleted without changing a shape: identity blocks, or plain units that keep shapes."""
    targets = []
    for stage in (1, 2, 3):
        for b, block in enumerate(getattr(model, f"layer{stage}")):
            name = f"layer{stage}.{b}"
            if kind == "resnet":
                if isinstance(block.shortcut, nn.Identity):
                    targets.append(name)
                continue
            for conv in ("conv1", "conv2"):
                c = getattr(block, conv)
                if c.in_channels == c.out_channels and c.stride == (1, 1):
                    targets.append(f"{name}.{conv}")
    return targets


def delete(model: CifarNet, kind: str, target: str) -> None:
    """Deletes one block (residual) or one conv-BN-ReLU unit (plain, named by its conv) in place."""
    if kind == "resnet":
        stage, b = target.split(".")
        getattr(model, stage)[int(b)] = Lesioned()
        return
    stage, b, conv = target.split(".")
    block = getattr(model, stage)[int(b)]
    i = conv[-1]
    setattr(block, conv, Lesioned())
    setattr(block, f"bn{i}", Lesioned())
    setattr(block, "relu1" if i == "1" else "relu", Lesioned())


def study(kind: str, state: dict[str, torch.Tensor], width: int) -> dict:
    """Held-out accuracy of the intact net and after each single deletion."""
    images, labels = held_out()
    model = CifarNet(kind, width=width)
    model.load_state_dict(state, strict=True)
    intact, total = accuracy(model, images, labels)
    rows = []
    for target in lesion_targets(model, kind):
        m = CifarNet(kind, width=width)
        m.load_state_dict(state, strict=True)
        delete(m, kind, target)
        correct, _ = accuracy(m, images, labels)
        rows.append({"target": target, "correct": correct, "accuracy": correct / total})
    return {"kind": kind, "images": total, "intact": {"correct": intact, "accuracy": intact / total}, "lesions": rows}


def load_state(path: Path) -> dict[str, torch.Tensor]:
    tensors, _ = read_safetensors(path)
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in tensors.items()}
    # torch keeps a step counter per BN; it plays no part in eval mode.
    for k in [k for k in state if k.endswith("running_mean")]:
        state[k[: -len("running_mean")] + "num_batches_tracked"] = torch.tensor(0)
    return state


def train_one(kind: str, args, data) -> tuple[CifarNet, dict]:
    (xtr, ytr), (xte, yte) = data
    torch.manual_seed(SEED)
    model = CifarNet(kind, width=args.width)
    gen = torch.Generator().manual_seed(SEED + 1)
    steps = math.ceil(len(xtr) / args.batch)
    decay = [p for p in model.parameters() if p.ndim > 1]
    no_decay = [p for p in model.parameters() if p.ndim == 1]
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
        lr=args.max_lr, momentum=0.9, nesterov=True,
    )
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.max_lr, epochs=args.epochs, steps_per_epoch=steps, pct_start=0.25)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        total, correct = 0.0, 0
        for i in range(steps):
            idx = order[i * args.batch : (i + 1) * args.batch]
            logits = model(normalise(augment(xtr[idx], gen)))
            loss = F.cross_entropy(logits, ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            correct += int((logits.argmax(1) == ytr[idx]).sum())
            if (i + 1) % 20 == 0:
                print(f"{kind}-{DEPTH} step {i + 1}/{steps} loss {loss.item():.3f} ({time.time() - t0:.0f}s)", flush=True)
        right, n = accuracy(model, xte, yte)
        print(f"{kind}-{DEPTH} epoch {epoch + 1}/{args.epochs}: loss {total / len(xtr):.4f} train acc {correct / len(xtr):.4f} "
              f"held-out acc {right / n:.4f} ({time.time() - t0:.0f}s)", flush=True)
    return model, {"trainSeconds": round(time.time() - t0), "params": count_parameters(model)}


def cmd_train(args) -> None:
    xtr = torch.from_numpy(read_idx(DATASET / "train-images-idx3-ubyte.gz").copy())
    ytr = torch.from_numpy(read_idx(DATASET / "train-labels-idx1-ubyte.gz").astype(np.int64))
    if args.images < len(xtr):
        # A seeded subset, so a budget that fits a loaded machine still sees every class alike.
        keep = torch.randperm(len(xtr), generator=torch.Generator().manual_seed(SEED + 2))[: args.images]
        xtr, ytr = xtr[keep], ytr[keep]
    data = (xtr, ytr), held_out()
    out = ROOT / ".cache" / "lesion"
    out.mkdir(parents=True, exist_ok=True)
    card: dict = {
        "paper": "Veit, Wilber, Belongie 2016, Residual Networks Behave Like Ensembles of Relatively Shallow Networks",
        "depth": DEPTH,
        "widths": [args.width, 2 * args.width, 4 * args.width],
        "training": {"images": len(xtr), "epochs": args.epochs, "batch": args.batch, "maxLr": args.max_lr,
                     "optimizer": "SGD, Nesterov momentum 0.9, weight decay 5e-4 on weights, one-cycle",
                     "augmentation": "random crop (2 px padding), horizontal flip", "seed": SEED},
        "nets": {},
    }
    card_path = ROOT / "public" / "models" / "lesion-study.json"
    for kind in args.kinds.split(","):
        model, info = train_one(kind, args, data)
        state = {k: v.detach().numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
        write_safetensors(out / f"{kind}{DEPTH}.safetensors", state, {"arch": f"lesion-{kind}{DEPTH}"})
        result = study(kind, {k: torch.from_numpy(v.copy()) for k, v in state.items()} | {
            k: torch.tensor(0) for k in model.state_dict() if k.endswith("num_batches_tracked")}, args.width)
        card["nets"][kind] = info | {"study": result}
        worst = min(r["accuracy"] for r in result["lesions"])
        print(f"{kind}: intact {result['intact']['accuracy']:.4f}, worst single deletion {worst:.4f}", flush=True)
        # Read again just before writing: the other net may have been trained by another process meanwhile.
        others = json.loads(card_path.read_text()).get("nets", {}) if card_path.exists() else {}
        card["nets"] = others | card["nets"]
        card_path.write_text(json.dumps(card, indent=2) + "\n")


def cmd_evaluate(args) -> None:
    result = study(args.kind, load_state(args.weights), args.width)
    args.out.write_text(json.dumps(result, indent=2))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("--epochs", type=int, default=2)
    t.add_argument("--batch", type=int, default=128)
    t.add_argument("--max-lr", type=float, default=0.1)
    t.add_argument("--width", type=int, default=8)
    t.add_argument("--images", type=int, default=60000, help="training images (all 60,000, or a seeded subset for a smaller budget)")
    t.add_argument("--threads", type=int, default=2, help="torch threads (1 per process when two train side by side on a loaded machine)")
    t.add_argument("--kinds", default="resnet,plain", help="which nets to train (one per process lets two run side by side)")
    e = sub.add_parser("evaluate")
    e.add_argument("--weights", type=Path, required=True)
    e.add_argument("--kind", choices=["resnet", "plain"], required=True)
    e.add_argument("--width", type=int, default=8)
    e.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest on a loaded 2-core machine)")
    e.add_argument("--out", type=Path, required=True)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.cmd == "train":
        torch.use_deterministic_algorithms(True)
        cmd_train(args)
    else:
        cmd_evaluate(args)


if __name__ == "__main__":
    main()
