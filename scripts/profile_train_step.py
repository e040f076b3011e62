"""Where a training step's time goes, in fp32 and with bf16 autocast (CPU).

    python scripts/profile_train_step.py [--size 128] [--batch 4] [--tier fast] [--steps 6]

Prints the median milliseconds of each part of a step: the style network forward, the
VGG-19 pass on the content batch (no grad), the VGG-19 pass on the output, the losses,
backward and the optimizer step.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from models.inference.device import training_autocast
from models.nets.transformer import TIERS, TransformerNet
from models.nets.vgg import CONTENT_LAYER, STYLE_LAYERS, VGG19Features
from models.training import losses


def profile(size: int, batch: int, tier: str, steps: int, mixed: bool) -> dict[str, float]:
    torch.manual_seed(0)
    net = TransformerNet(TIERS[tier])
    vgg = VGG19Features()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    targets = {k: losses.gram(v)[0] for k, v in vgg(torch.rand(1, 3, 256, 256), STYLE_LAYERS).items()}
    parts: dict[str, list[float]] = {}
    cpu = torch.device("cpu")
    for i in range(steps + 1):
        x = torch.rand(batch, 3, size, size)
        marks = [("start", time.perf_counter())]
        with training_autocast(cpu, mixed):
            y = net(x)
            marks.append(("network forward", time.perf_counter()))
            with torch.no_grad():
                c = vgg(x, (CONTENT_LAYER,))[CONTENT_LAYER].float()
            marks.append(("VGG content pass (no grad)", time.perf_counter()))
            feats = {k: v.float() for k, v in vgg(y, (*STYLE_LAYERS, CONTENT_LAYER)).items()}
            marks.append(("VGG output pass", time.perf_counter()))
            loss = 10 * losses.style_loss(feats, targets) + 0.01 * losses.content_loss(feats[CONTENT_LAYER], c)
            marks.append(("losses (Gram)", time.perf_counter()))
        opt.zero_grad()
        loss.backward()
        marks.append(("backward (VGG + network)", time.perf_counter()))
        opt.step()
        marks.append(("optimizer", time.perf_counter()))
        if i == 0:
            continue  # warm-up
        for (_, t0), (name, t1) in zip(marks, marks[1:]):
            parts.setdefault(name, []).append((t1 - t0) * 1000)
    return {k: statistics.median(v) for k, v in parts.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--tier", default="fast")
    ap.add_argument("--steps", type=int, default=6)
    args = ap.parse_args()
    print(f"{torch.get_num_threads()} threads, {args.batch}×{args.size}² crops, {args.tier} tier")
    for mixed in (False, True):
        parts = profile(args.size, args.batch, args.tier, args.steps, mixed)
        total = sum(parts.values())
        print(f"\n{'bf16 autocast' if mixed else 'fp32'}: {total:.0f} ms per step")
        for name, ms in parts.items():
            print(f"  {name:<28} {ms:7.1f} ms  {100 * ms / total:5.1f} %")


if __name__ == "__main__":
    main()
