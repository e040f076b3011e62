"""Speed of candidate live-tier networks (issue 18): what makes a full-resolution network fast on 2 cores.

    python scripts/explore_live_tier.py [--size 640x480] [--rounds 3] [--threads 2]

Each candidate (random weights: speed does not depend on them) is exported to ONNX and run by
ONNX Runtime as the runtime runs it, round-robin with the others so that machine noise hits
them all alike; the table gives the median ms per frame, parameters and GFLOPs (every layer,
:func:`models.nets.cost.frame_flops`). At these widths memory traffic, not arithmetic, sets
the time: the candidates differ in how they move data (pixel shuffles, reflection pads,
overlapping heads), not only in FLOPs.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

from models.inference.onnx_backend import OnnxNet, export
from models.nets.cost import frame_flops
from models.nets.live import SeparableBlock
from models.nets.transformer import TIERS, build_network, count_parameters


class ShuffleNet(nn.Module):
    """Pixel-unshuffle ×f → 1×1 conv → blocks → 1×1 conv → pixel-shuffle ×f (the issue's probe);
    ``reflect``: blocks with reflection pads instead of zero padding."""

    def __init__(self, width: int = 96, n_res: int = 4, f: int = 8, reflect: bool = False) -> None:
        super().__init__()
        self.f = f
        self.inp = nn.Sequential(nn.Conv2d(3 * f * f, width, 1, bias=False), nn.InstanceNorm2d(width, affine=True),
                                 nn.ReLU())
        blocks = [SeparableBlock(width, 2) for _ in range(n_res)]
        if reflect:
            for b in blocks:
                dw = b.body[3]
                b.body[3] = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dw.in_channels, dw.out_channels, 3,
                                                                           groups=dw.groups, bias=False))
        self.res = nn.Sequential(*blocks)
        self.out = nn.Conv2d(width, 3 * f * f, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(F.pixel_shuffle(self.out(self.res(self.inp(F.pixel_unshuffle(x, self.f)))), self.f))


class ConvNet(nn.Module):
    """Strided-conv stem (kernel ``ks``, stride 8) → blocks → transposed-conv head (kernel ``kh``, stride 8)."""

    def __init__(self, width: int = 80, n_res: int = 4, ks: int = 8, kh: int = 8) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, ks, stride=8, padding=(ks - 8) // 2, bias=False),
                                  nn.InstanceNorm2d(width, affine=True), nn.ReLU())
        self.res = nn.Sequential(*[SeparableBlock(width, 2) for _ in range(n_res)])
        self.head = nn.ConvTranspose2d(width, 3, kh, stride=8, padding=(kh - 8) // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.head(self.res(self.stem(x))))


CANDIDATES = {
    "fast tier (shipped, for scale)": lambda: build_network(TIERS["fast"]),
    "unshuffle x8, 96 ch, 4 blocks, reflect": lambda: ShuffleNet(96, 4, reflect=True),
    "unshuffle x8, 96 ch, 4 blocks": lambda: ShuffleNet(96, 4),
    "unshuffle x4, 48 ch, 4 blocks": lambda: ShuffleNet(48, 4, f=4),
    "conv stem/head k8, 96 ch, 4 blocks": lambda: ConvNet(96, 4),
    "conv stem/head k8, 80 ch, 4 blocks": lambda: ConvNet(80, 4),
    "stem k8, head k16 (overlap), 80 ch": lambda: ConvNet(80, 4, kh=16),
    "stem k16, head k16, 80 ch": lambda: ConvNet(80, 4, ks=16, kh=16),
    "stem k16, head k8, 80 ch (first live styles)": lambda: ConvNet(80, 4, ks=16),
    "stem k16, head k8, 80 ch, 3 blocks": lambda: ConvNet(80, 3, ks=16),
    "stem k16, head k8, 64 ch, 3 blocks": lambda: ConvNet(64, 3, ks=16),
    "live tier (shipped): stem k16, head k8, 64 ch": lambda: build_network(TIERS["live"]),
    "stem k16, head k16 (overlap), 64 ch": lambda: ConvNet(64, 4, ks=16, kh=16),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--frames", type=int, default=20, help="frames timed per candidate and round")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="", help="comma-separated parts of candidate names to run (default: all)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    w, h = (int(v) for v in args.size.split("x"))
    chosen = [n for n in CANDIDATES if not args.only or any(k in n for k in args.only.split(","))]
    modules = {name: CANDIDATES[name]().eval() for name in chosen}
    sessions = {name: OnnxNet(export(m), threads=args.threads) for name, m in modules.items()}
    frame = torch.rand(1, 3, h, w)
    times: dict[str, list[float]] = {name: [] for name in sessions}
    for net in sessions.values():
        net(frame)  # warm-up
    for _ in range(args.rounds):
        for name, net in sessions.items():
            for _ in range(args.frames):
                t0 = time.perf_counter()
                net(frame)
                times[name].append((time.perf_counter() - t0) * 1000)
    print(f"{args.size}, ONNX Runtime, {args.threads} threads, median of {args.rounds} round-robin rounds "
          f"of {args.frames} frames")
    print(f"{'network':<46} {'params':>9} {'GFLOPs':>7} {'ms':>8} {'fps':>6}")
    for name, m in modules.items():
        ms = statistics.median(times[name])
        print(f"{name:<46} {count_parameters(m):>9,} {frame_flops(m, h, w) / 1e9:>7.2f} {ms:>8.1f} "
              f"{1000 / ms:>6.1f}")


if __name__ == "__main__":
    main()
