"""An OBS-like load beside stylecam (issue 34): x264 encoding a 1280×720 stream at 30 fps, paced in real time.

    taskset -c 0,1 python scripts/reports/obs_load.py --seconds 300 --stop-when out/done [--json out/load.json] &
    taskset -c 0,1 stylecam bench --pipeline --size 640x480 --frames 600; touch out/done

What OBS does while it streams a webcam on the same laptop: every 1/30 s a 1280×720 frame is encoded with
libx264 (preset veryfast, one thread, 4500 kbit/s constant bitrate, as OBS's streaming defaults) into an FLV
stream (discarded). x264's lookahead makes its calls uneven (every few frames one call does the lookahead's work:
here 15–20 ms calls and a 55 ms one), so a single slow call is not a dropped frame; a frame is **late** when the
encoder starts on it more than one frame interval after it was due, i.e. with a whole frame already waiting
before it: the encoder has fallen behind the stream, and OBS, whose queue is short, starts dropping frames. The load
must keep real time (≤ 1 % late) for a stylecam figure beside it to count: stylecam must not starve the stream.
Prints the late share, the encoder's time per frame (median, p95 and mean: the mean over the interval is the share
of a core the encoder needs) and, with --json, writes them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def frames(width: int, height: int, count: int = 60) -> list[np.ndarray]:
    """``count`` frames of what a webcam sends: a photo (scikit-image's astronaut) panning slowly past, with a
    sensor's grain (σ = 2 grey levels, what survives a webcam's own denoising), so that the encoder has real
    work: motion, texture and noise. Pure synthetic noise (σ = 6) cost x264 48 ms a frame on one core here, more
    than a real camera's picture (about 20)."""
    import cv2
    from skimage import data

    rng = np.random.default_rng(0)
    scene = cv2.resize(data.astronaut(), (width + count * 4, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    out = []
    for i in range(count):
        f = scene[:, i * 4 : i * 4 + width] + rng.normal(0, 2, (height, width, 3))
        out.append(np.clip(f, 0, 255).astype(np.uint8))
    return out


def run(seconds: float, width: int = 1280, height: int = 720, fps: float = 30.0, bitrate: int = 4_500_000,
        output: str = "/dev/null", stop_when: Path | None = None) -> dict:
    """Encode for ``seconds`` (or until ``stop_when`` exists); the figures as a dict."""
    import av

    # OBS hands the encoder frames already in its colour format (converted on the GPU), so the conversion to
    # yuv420p is done here once, before the clock starts, and not counted as the encoder's time
    pictures = [av.VideoFrame.from_ndarray(p, format="rgb24").reformat(format="yuv420p") for p in frames(width, height)]
    container = av.open(output, "w", format="flv")
    stream = container.add_stream("libx264", rate=int(fps))
    stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
    stream.bit_rate = bitrate
    stream.codec_context.thread_count = 1
    stream.options = {"preset": "veryfast", "threads": "1", "nal-hrd": "cbr", "maxrate": str(bitrate // 1000) + "k",
                      "bufsize": str(2 * bitrate // 1000) + "k", "g": str(int(2 * fps))}
    interval = 1.0 / fps
    n = int(seconds * fps)
    encode_ms, late = [], 0
    t0 = time.perf_counter()
    for i in range(n):
        if stop_when is not None and i % 10 == 0 and stop_when.exists():
            n = i
            break
        due = t0 + i * interval
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        start = time.perf_counter()
        if start > due + interval:
            late += 1
        frame = pictures[i % len(pictures)]
        frame.pts = i
        for packet in stream.encode(frame):
            container.mux(packet)
        encode_ms.append(1000 * (time.perf_counter() - start))
    for packet in stream.encode():
        container.mux(packet)
    container.close()
    ordered = sorted(encode_ms) or [0.0]
    return {"frames": n, "late": late, "late_share": late / max(n, 1), "fps": fps, "size": f"{width}x{height}",
            "bitrate": bitrate, "encode_median_ms": round(statistics.median(ordered), 2),
            "encode_p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
            "encode_mean_ms": round(statistics.fmean(ordered), 2),
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--bitrate", type=int, default=4500, help="kbit/s (default 4500)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--stop-when", type=Path, help="stop early once this file exists (the measured command's end)")
    args = ap.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))
    result = run(args.seconds, w, h, args.fps, args.bitrate * 1000, stop_when=args.stop_when)
    print(f"x264 load {result['size']} at {args.fps:g} fps, {args.bitrate} kbit/s, veryfast, 1 thread: "
          f"{result['late']} of {result['frames']} frames late ({100 * result['late_share']:.2f} %), encode median "
          f"{result['encode_median_ms']} ms, p95 {result['encode_p95_ms']} ms, mean {result['encode_mean_ms']} ms "
          f"({100 * result['encode_mean_ms'] * args.fps / 1000:.0f} % of a core)", flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0 if result["late_share"] <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
