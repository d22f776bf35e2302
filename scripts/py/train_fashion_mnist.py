"""Train the small Fashion-MNIST ResNet and write the demo assets under public/.

Run from the repository root (about 6 minutes on 2 cores):

    /usr/bin/python3 scripts/py/train_fashion_mnist.py

Writes public/models/fashion-resnet.{onnx,safetensors,json}, public/labels/{fashion-mnist,imagenet}.json,
public/samples/fashion-*.png + index.json and public/data/fashion-mnist-test-2000{,-labels}.bin.
The trained state_dict is also kept in .cache/fashion-resnet.pt so that ``--skip-train`` can rewrite
the assets without training again. See scripts/py/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from asset_io import (  # noqa: E402
    onnx_initializers,
    op_type_counts,
    read_idx,
    read_safetensors,
    write_png_gray,
    write_safetensors,
)
from onnx_export import export_onnx  # noqa: E402
from residual_models import count_parameters, fashion_resnet  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
DATASET = Path("/usr/share/datasets/fashion-mnist")
MEAN, STD = 0.2860, 0.3530
CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
HELD_OUT = 2000  # the last 2000 test images: never used to pick samples
SEED = 20240601


def normalise(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N,28,28] -> float32 [N,1,28,28], pixels/255 then (x - mean) / std."""
    return ((images.float() / 255.0 - MEAN) / STD).unsqueeze(1)


def augment(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random crop with 2 pixels of zero padding and a random horizontal flip, per image.

    Works on raw uint8 images [B,28,28], so the zero padding is black, as in the pictures.
    """
    b = batch.shape[0]
    padded = F.pad(batch, (2, 2, 2, 2))
    oy = torch.randint(0, 5, (b,), generator=gen)
    ox = torch.randint(0, 5, (b,), generator=gen)
    ar = torch.arange(28)
    rows = (oy[:, None] + ar)[:, :, None]
    cols = (ox[:, None] + ar)[:, None, :]
    flip = torch.rand(b, generator=gen) < 0.5
    cols = torch.where(flip[:, None, None], cols.flip(-1), cols)
    return padded[torch.arange(b)[:, None, None], rows, cols]


@torch.no_grad()
def predict(model: torch.nn.Module, images: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """Softmax probabilities [N,10] of the eval-mode model."""
    model.eval()
    out = [
        F.softmax(model(normalise(images[i : i + batch]).contiguous(memory_format=torch.channels_last)), 1)
        for i in range(0, len(images), batch)
    ]
    return torch.cat(out)


def train(model, images, labels, test_images, test_labels, epochs: int, batch: int, max_lr: float):
    gen = torch.Generator().manual_seed(SEED + 1)
    steps_per_epoch = math.ceil(len(images) / batch)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        (no_decay if p.ndim == 1 else decay).append(p)  # no weight decay on BN and biases
    opt = torch.optim.SGD(
        [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
        lr=max_lr, momentum=0.9, nesterov=True,
    )
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=steps_per_epoch, pct_start=0.25
    )
    for epoch in range(epochs):
        model.train()
        start = time.time()
        order = torch.randperm(len(images), generator=gen)
        total_loss, correct = 0.0, 0
        for i in range(steps_per_epoch):
            idx = order[i * batch : (i + 1) * batch]
            x = normalise(augment(images[idx], gen)).contiguous(memory_format=torch.channels_last)
            y = labels[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
            correct += (logits.argmax(1) == y).sum().item()
        acc = (predict(model, test_images).argmax(1) == test_labels).float().mean().item()
        print(
            f"epoch {epoch + 1}/{epochs}: loss {total_loss / len(images):.4f} "
            f"train acc {correct / len(images):.4f} test acc {acc:.4f} ({time.time() - start:.0f}s)",
            flush=True,
        )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--max-lr", type=float, default=0.2)
    parser.add_argument("--skip-train", action="store_true", help="reuse .cache/fashion-resnet.pt")
    parser.add_argument("--out", type=Path, default=ROOT / "public", help="where public/ is")
    args = parser.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)

    train_images = torch.from_numpy(read_idx(DATASET / "train-images-idx3-ubyte.gz").copy())
    train_labels = torch.from_numpy(read_idx(DATASET / "train-labels-idx1-ubyte.gz").astype(np.int64))
    test_images = torch.from_numpy(read_idx(DATASET / "t10k-images-idx3-ubyte.gz").copy())
    test_labels = torch.from_numpy(read_idx(DATASET / "t10k-labels-idx1-ubyte.gz").astype(np.int64))

    model = fashion_resnet()
    params = count_parameters(model)
    print(f"fashion-resnet: {params} parameters")
    checkpoint = ROOT / ".cache" / "fashion-resnet.pt"
    meta_path = ROOT / ".cache" / "fashion-resnet.train.json"
    if args.skip_train:
        model.load_state_dict(torch.load(checkpoint))
        train_meta = json.loads(meta_path.read_text())
    else:
        start = time.time()
        model = model.to(memory_format=torch.channels_last)
        train(model, train_images, train_labels, test_images, test_labels, args.epochs, args.batch, args.max_lr)
        seconds = time.time() - start
        print(f"trained in {seconds:.0f}s")
        model = model.to(memory_format=torch.contiguous_format)
        checkpoint.parent.mkdir(exist_ok=True)
        torch.save(model.state_dict(), checkpoint)
        train_meta = {"epochs": args.epochs, "batch": args.batch, "maxLr": args.max_lr, "trainSeconds": round(seconds)}
        write_json(meta_path, train_meta)
    model.eval()

    probs = predict(model, test_images)
    top1 = probs.argmax(1)
    test_acc = (top1 == test_labels).float().mean().item()
    held = slice(len(test_images) - HELD_OUT, len(test_images))
    held_acc = (top1[held] == test_labels[held]).float().mean().item()
    print(f"test accuracy {test_acc:.4f} (10000 images), held-out {held_acc:.4f} (last {HELD_OUT})")

    out = args.out
    for sub in ("models", "labels", "samples", "data"):
        (out / sub).mkdir(parents=True, exist_ok=True)

    # ONNX, BN kept (see onnx_export.py for what torch 1.13 would otherwise fold).
    onnx_path = out / "models" / "fashion-resnet.onnx"
    proto = export_onnx(model, normalise(test_images[:2]), onnx_path, opset=17, fold_bn=False)
    ops = op_type_counts(proto)
    state = {k: v.numpy() for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    inits = onnx_initializers(proto)
    if set(inits) != set(state) or any(not np.array_equal(inits[k], state[k]) for k in state):
        raise SystemExit(f"ONNX initializers do not match the state_dict: {sorted(set(inits) ^ set(state))}")
    print(f"ONNX op types: {ops}")

    write_safetensors(
        out / "models" / "fashion-resnet.safetensors",
        state,
        {"format": "pt", "arch": "fashion-resnet", "mean": str(MEAN), "std": str(STD), "labels": "fashion-mnist"},
    )
    back, _ = read_safetensors(out / "models" / "fashion-resnet.safetensors")
    assert all(np.array_equal(back[k], state[k]) for k in state) and set(back) == set(state)

    write_json(out / "models" / "fashion-resnet.json", {
        "arch": "fashion-resnet",
        "input": [1, 28, 28],
        "mean": [MEAN],
        "std": [STD],
        "labels": "fashion-mnist",
        "params": params,
        "epochs": train_meta["epochs"],
        "batch": train_meta["batch"],
        "trainSeconds": train_meta["trainSeconds"],
        "testAccuracy": round(test_acc, 4),
        "heldOutAccuracy": round(held_acc, 4),
        "heldOut": {
            "images": "data/fashion-mnist-test-2000.bin",
            "labels": "data/fashion-mnist-test-2000-labels.bin",
            "firstTestIndex": len(test_images) - HELD_OUT,
            "count": HELD_OUT,
        },
        "onnx": {"file": "models/fashion-resnet.onnx", "opset": 17, "bnFolded": "BatchNormalization" not in ops, "ops": ops},
        "safetensors": "models/fashion-resnet.safetensors",
    })

    write_json(out / "labels" / "fashion-mnist.json", CLASSES)
    write_json(out / "labels" / "imagenet.json", imagenet_categories())

    # One correctly classified image per class, from the test images before the held-out ones.
    index = []
    for label, name in enumerate(CLASSES):
        candidates = [
            i for i in range(len(test_images) - HELD_OUT)
            if test_labels[i].item() == label and top1[i].item() == label
        ]
        i = candidates[0]
        file = f"fashion-{label}-{slug(name)}.png"
        write_png_gray(out / "samples" / file, test_images[i].numpy())
        index.append({
            "file": file,
            "label": name,
            "labelIndex": label,
            "testIndex": i,
            "torchTop1": top1[i].item(),
            "torchProbs": [round(p, 6) for p in probs[i].tolist()],
        })
    write_json(out / "samples" / "index.json", index)

    (out / "data" / "fashion-mnist-test-2000.bin").write_bytes(test_images[held].numpy().tobytes())
    (out / "data" / "fashion-mnist-test-2000-labels.bin").write_bytes(
        test_labels[held].numpy().astype(np.uint8).tobytes()
    )
    print("assets written under", out)


def imagenet_categories() -> list[str]:
    """The 1000 ImageNet class names in index order, from torchvision's bundled weight metadata."""
    from torchvision.models import ResNet18_Weights

    categories = list(ResNet18_Weights.IMAGENET1K_V1.meta["categories"])
    if len(categories) != 1000:
        raise SystemExit(f"expected 1000 ImageNet categories, torchvision has {len(categories)}")
    return categories


if __name__ == "__main__":
    main()
