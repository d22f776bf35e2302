"""PyTorch eager's training throughput on this CPU: the baseline of ``npm run bench:train``.

    /usr/bin/python3 scripts/py/bench_train.py --arch fashion-resnet [--batch 64] [--warmup 3] [--steps 10] [--profile]

One training step as Residual Studio's step file does it: forward in training mode, cross-entropy,
backward, ``torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=5e-4)``, on a fixed random batch
(inputs U[-1, 1), labels ``i mod classes``), with ``torch.set_num_threads(2)``. A few warm-up
steps, then each timed step on its own (``time.perf_counter``; eager CPU work is synchronous, and
``loss.item()`` waits for it anyway). Prints one JSON line: per-step times, their median, steps/s,
images/s, parameter count and the process's peak RSS. ``--profile`` adds the ops that took the
most time over the timed steps (``torch.autograd.profiler``, self CPU time).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from residual_models import build_model, count_parameters, default_input, default_num_classes  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", default="fashion-resnet")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--profile", action="store_true")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = build_model(a.arch)
    model.train()
    c, h, w = default_input(a.arch)
    classes = default_num_classes(a.arch)
    x = torch.rand(a.batch, c, h, w) * 2 - 1
    y = torch.arange(a.batch) % classes
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)

    def step() -> float:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    median = statistics.median(times)
    out = {
        "arch": a.arch,
        "batch": a.batch,
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "params": count_parameters(model),
        "stepMs": times,
        "medianMs": median,
        "stepsPerSecond": 1000 / median,
        "imagesPerSecond": a.batch * 1000 / median,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if a.profile:
        with torch.autograd.profiler.profile() as prof:
            for _ in range(a.steps):
                step()
        rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        total = sum(e.self_cpu_time_total for e in rows) or 1
        out["profile"] = [{"op": e.key, "ms": e.self_cpu_time_total / 1000 / a.steps, "share": e.self_cpu_time_total / total} for e in rows[:12]]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
