"""Speed of candidate fast-tier networks: what makes the live CPU path fast.

    python scripts/explorations/explore_fast_tier.py [--size 640x480] [--rounds 5] [--threads 2]

Each candidate is compiled the way the runtime compiles it (TorchScript, frozen, fp32) and
timed round-robin with the others, so machine noise hits them all alike; the table gives
the median ms per frame, parameters and GFLOPs, at the full frame size and at a lower
internal resolution (the runtime's ``model_size``) with the upscale included.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from models.inference.runtime import compile_module
from models.nets.transformer import TIERS, NetConfig, TransformerNet, conv_macs, count_parameters

CANDIDATES = {
    "quality (Johnson size)": TIERS["quality"],
    "johnson, half width, full blocks": NetConfig(channels=(16, 32, 64), n_res=5, block="full"),
    "fast (shipped): half width, dwsep": TIERS["fast"],
    "half width, dwsep, 3x3 in/out": NetConfig(channels=(16, 32, 64), n_res=5, block="dwsep", kernel=3),
    "quarter width, dwsep": NetConfig(channels=(8, 16, 32), n_res=5, block="dwsep"),
    "half width, 3 dwsep blocks": NetConfig(channels=(16, 32, 64), n_res=3, block="dwsep"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="640x480")
    ap.add_argument("--scales", default="1,0.5", help="internal resolution as a fraction of the frame")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    w, h = (int(v) for v in args.size.split("x"))
    scales = [float(s) for s in args.scales.split(",")]
    cpu = torch.device("cpu")
    nets = {name: (cfg, compile_module(TransformerNet(cfg), cpu, torch.float32)) for name, cfg in CANDIDATES.items()}
    frame = torch.rand(1, 3, h, w)
    times: dict[tuple[str, float], list[float]] = {}

    def run(net, scale: float) -> None:
        x = frame if scale == 1 else F.interpolate(frame, scale_factor=scale, mode="bilinear", antialias=True)
        y = net(x)
        if scale != 1:
            F.interpolate(y, size=(h, w), mode="bilinear")

    with torch.inference_mode():
        for _, net in nets.values():
            for s in scales:
                run(net, s)  # warm-up
        for _ in range(args.rounds):
            for name, (_, net) in nets.items():
                for s in scales:
                    t0 = time.perf_counter()
                    run(net, s)
                    times.setdefault((name, s), []).append((time.perf_counter() - t0) * 1000)
    print(f"{args.size}, {torch.get_num_threads()} threads, median of {args.rounds} round-robin rounds")
    print(f"{'network':<36} {'params':>9} {'internal':>10} {'GFLOPs':>7} {'ms':>8} {'fps':>6}")
    for name, (cfg, _) in nets.items():
        probe = TransformerNet(cfg)
        for s in scales:
            ih, iw = round(h * s), round(w * s)
            ms = statistics.median(times[(name, s)])
            print(f"{name:<36} {count_parameters(probe):>9,} {f'{iw}x{ih}':>10} "
                  f"{2 * conv_macs(probe, ih, iw) / 1e9:>7.2f} {ms:>8.1f} {1000 / ms:>6.1f}")


if __name__ == "__main__":
    main()
