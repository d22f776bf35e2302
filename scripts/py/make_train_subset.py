"""The Fashion-MNIST subset the app's Train panel ships with: balanced, seeded, IDX gz.

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist) and writes, under
public/data/train/, the same four files the data set itself has (so the app reads both with one
reader):

  train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz   1,200 images per class from the 60k training set
  t10k-images-idx3-ubyte.gz,  t10k-labels-idx1-ubyte.gz      200 images per class from the 10k test set

The images of each class are a seeded random choice (numpy's default_rng(0)), then shuffled
together. gzip with mtime 0, so the bytes depend on the data only. Run from the repository root:
/usr/bin/python3 scripts/py/make_train_subset.py [--train-per-class 1200] [--test-per-class 200]
"""

from __future__ import annotations

import argparse
import gzip
import struct
from pathlib import Path

import numpy as np

from asset_io import read_idx

SOURCE = Path("/usr/share/datasets/fashion-mnist")
OUT = Path("public/data/train")


def balanced(images: np.ndarray, labels: np.ndarray, per_class: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    picks = []
    for c in range(10):
        where = np.flatnonzero(labels == c)
        if where.size < per_class:
            raise SystemExit(f"class {c} has only {where.size} images, fewer than {per_class}")
        picks.append(rng.choice(where, per_class, replace=False))
    order = rng.permutation(np.concatenate(picks))
    return images[order], labels[order]


def write_idx_gz(path: Path, array: np.ndarray) -> None:
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0, filename="") as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--train-per-class", type=int, default=1200)
    p.add_argument("--test-per-class", type=int, default=200)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    OUT.mkdir(parents=True, exist_ok=True)
    for split, source, per in (("train", "train", a.train_per_class), ("t10k", "t10k", a.test_per_class)):
        images = read_idx(SOURCE / f"{source}-images-idx3-ubyte.gz")
        labels = read_idx(SOURCE / f"{source}-labels-idx1-ubyte.gz")
        x, y = balanced(images, labels, per, rng)
        write_idx_gz(OUT / f"{split}-images-idx3-ubyte.gz", x)
        write_idx_gz(OUT / f"{split}-labels-idx1-ubyte.gz", y)
        print(f"{split}: {len(y)} images, {per} per class")
    for f in sorted(OUT.iterdir()):
        print(f"{f}: {f.stat().st_size / 2**20:.2f} MB")


if __name__ == "__main__":
    main()
