"""Issue 19, item 5: where a 1920×1080 live frame's time goes on a GPU, piece by piece.

Prints medians (ms, CUDA-synchronised) of: the live and fast networks alone in their TorchScript
form, with cuDNN's autotuner off and on, in NCHW and channels-last; the stylizer's whole frame
(upload, network, download); the smoother's CPU half (flow and its checks at 160 px) and its device
half (warp, blend, texture restoration, transfers).

    python scripts/device/profile_1080p.py [--device cuda] [--size 1920x1080] [--frames 40]
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch.nn.functional as F  # noqa: E402

from models.inference.runtime import Stylizer  # noqa: E402
from realtime.sources import SyntheticSource  # noqa: E402
from video.device_smoother import blur, gaussian_kernel, live_smoother, restore_texture  # noqa: E402
from video.flow import inside_frame, reliable_mask, to_gray  # noqa: E402
from video.temporal import blend_weight  # noqa: E402


def timed(fn, frames: int, device: torch.device) -> float:
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()
    for _ in range(5):
        fn()
    sync()
    times = []
    for _ in range(frames):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--frames", type=int, default=40)
    args = parser.parse_args()
    w, h = map(int, args.size.split("x"))
    device = torch.device(args.device)
    source = SyntheticSource((w, h), fps=30.0, realtime=False)
    frames = [source.read() for _ in range(2)]
    for tier in ("live", "fast"):
        st = Stylizer("starry", device=args.device, tier=tier, backend="torchscript")
        x = torch.from_numpy(frames[0]).to(device).permute(2, 0, 1)[None].to(st.dtype).div(255)
        eager = copy.deepcopy(st.module).to(device, st.dtype).eval()
        eager_cl = copy.deepcopy(eager).to(memory_format=torch.channels_last)
        x_cl = x.contiguous(memory_format=torch.channels_last)
        variants = {"torchscript (shipped)": (st.net, x), "eager NCHW": (eager, x),
                    "eager channels-last": (eager_cl, x_cl)}
        for bench in (False, True):
            torch.backends.cudnn.benchmark = bench
            for name, (net, xi) in variants.items():
                with torch.inference_mode():
                    ms = timed(lambda net=net, xi=xi: net(xi), args.frames, device)
                print(f"{tier:5} network alone, cudnn.benchmark={bench!s:5} {name:22} {ms:7.2f} ms")
        torch.backends.cudnn.benchmark = False
        ms = timed(lambda st=st: st(frames[0]), args.frames, device)
        print(f"{tier:5} whole frame (upload, network, download): {ms:7.2f} ms")
        out = st(frames[0])
        ms = timed(lambda st=st, x=x: st.net(x)[0].permute(1, 2, 0).contiguous().cpu(), args.frames, device)
        print(f"{tier:5} network, then the frame made contiguous on the device and downloaded: {ms:7.2f} ms")
    sm = live_smoother(device)
    sm(frames[0], out)
    sm(frames[1], out)
    luma = [to_gray(f) for f in frames]
    gray = [sm._flow_size(v) for v in luma]

    def cpu_half():
        g = sm._flow_size(to_gray(frames[1]))
        back, fwd = sm._flow(g, gray[0]), sm._flow(gray[0], g)
        mask = reliable_mask(back, fwd) & inside_frame(back)
        return back, blend_weight(mask, sm.lam)

    back, weight = cpu_half()
    print(f"smoother CPU half (gray, resize, 2 DIS flows at {gray[0].shape[::-1]}, checks): "
          f"{timed(cpu_half, args.frames, torch.device('cpu')):7.2f} ms")
    print(f"smoother device half (upload, warp, blend, texture, download): "
          f"{timed(lambda: sm._blend(out, back, weight), args.frames, device):7.2f} ms")
    sm.keep_texture = False
    print(f"  without texture restoration: {timed(lambda: sm._blend(out, back, weight), args.frames, device):7.2f} ms")
    sm.keep_texture, sm.cubic = True, False
    print(f"  bilinear warp: {timed(lambda: sm._blend(out, back, weight), args.frames, device):7.2f} ms")
    sm.cubic = True
    img = torch.from_numpy(out).to(device).permute(2, 0, 1)[None].float()
    k = gaussian_kernel(3.0, device)
    r = k.numel() // 2

    def blur_batched(image):  # the channels as a batch of one-channel images: a plain (not grouped) convolution
        n, c, hh, ww = image.shape
        x = image.reshape(n * c, 1, hh, ww)
        x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
        return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1)).reshape(n, c, hh, ww)

    for bench in (False, True):
        torch.backends.cudnn.benchmark = bench
        grouped = timed(lambda: blur(img, 3.0), args.frames, device)
        batched = timed(lambda: blur_batched(img), args.frames, device)
        texture = timed(lambda: restore_texture(img, img), args.frames, device)
        print(f"blur σ=3 of a frame, cudnn.benchmark={bench}: grouped {grouped:7.2f} ms, batched {batched:7.2f} ms, "
              f"texture restoration {texture:7.2f} ms")
    torch.backends.cudnn.benchmark = False
    print(f"smoother whole call: {timed(lambda: sm(frames[1], out), args.frames, device):7.2f} ms")
    print("threads", torch.get_num_threads())
    return 0


if __name__ == "__main__":
    sys.exit(main())
