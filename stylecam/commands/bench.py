"""``stylecam bench``: inference speed per frame. A benchmark that prints numbers, not a test."""

from __future__ import annotations

import argparse
import json
import statistics
import time

from models.errors import UserError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="measure stylization speed")
    p.add_argument("--size", default="640x480", help="frame size WxH (default: 640x480)")
    p.add_argument("--style", help="style name or path (default: the default style)")
    p.add_argument("--tier", help="live, fast or quality, or several separated by commas (timed in the same run): "
                                  "the style's network of that tier, or an untrained one of that architecture "
                                  "where the style has none (default: what live/image would pick)")
    p.add_argument("--model-size", help="short side the network runs at (default: the frame's; with --pipeline, "
                                        "'auto' like stylecam live)")
    p.add_argument("--frames", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--device", default="auto")
    p.add_argument("--backend", default="auto", choices=("auto", "torchscript", "onnx", "both"),
                   help="inference engine (auto: ONNX Runtime on the CPU, else TorchScript); 'both' times "
                        "TorchScript and ONNX Runtime in the same run")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--baseline", action="store_true",
                   help="also time a Johnson et al. (2016) sized network in plain eager PyTorch, in the same run")
    p.add_argument("--pipeline", action="store_true",
                   help="time the whole live pipeline (synthetic camera at --fps, capture thread, stylizer, "
                        "temporal smoothing, a display sink without a display) instead of the network alone")
    p.add_argument("--fps", type=float, default=30.0, help="--pipeline: the synthetic camera's frame rate")
    p.add_argument("--no-temporal", action="store_true", help="--pipeline: without temporal smoothing")
    p.add_argument("--painting", help="--pipeline: the style's painting (an image file), for the live ratio beside "
                                      "the sharpness")
    p.add_argument("--decoder", metavar="vgg19|light|wct|all|FILE",
                   help="a picture as --style: its network; 'all' times every installed kind in the same "
                        "run (default: vgg19 when installed)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run_pipeline(args: argparse.Namespace, size: tuple[int, int], style: str, tier: str | None) -> dict:
    """The live loop of ``stylecam live`` with a null display; fps and capture-to-display latency."""
    import time

    import torch

    from models.images import read_rgb
    from models.inference.runtime import Stylizer
    from realtime.app import LiveApp
    from realtime.autosize import for_stylizer, parse_model_size
    from realtime.picture_check import picture_report, style_spec
    from realtime.sinks import NullSink
    from realtime.sources import SyntheticSource
    from video.device_smoother import live_smoother

    if args.backend == "both":
        raise UserError("--pipeline times one backend: give --backend auto, torchscript or onnx")
    model_size = parse_model_size(args.model_size or "auto")
    if args.decoder == "all":
        raise UserError("--pipeline times one decoder: give --decoder vgg19, light or a file")
    stylizer = Stylizer(style, device=args.device, model_size=model_size, backend=args.backend,
                        decoder=args.decoder, prefer_decoder="light", tier=tier, prefer_tier="live")
    frames = args.frames
    source = SyntheticSource(size, fps=args.fps, realtime=True)
    autosize = for_stylizer(model_size, args.fps, size, stylizer)
    app = LiveApp(source, [(stylizer.name, stylizer)], smoother=live_smoother(stylizer.device),
                  temporal=not args.no_temporal,
                  autosize=autosize)
    sink = NullSink()
    t0 = time.monotonic()
    app.run(sink, max_frames=args.warmup if autosize is None else max(args.warmup, 150))  # let the size settle
    warm = time.monotonic() - t0
    app.stats.latencies.clear()
    app.stats.infer_ms.clear()
    shown0, t1 = app.stats.shown, time.monotonic()
    app.run(sink, max_frames=shown0 + frames)
    elapsed = time.monotonic() - t1
    shown = app.stats.shown - shown0
    infer = sorted(app.stats.infer_ms)
    painting = read_rgb(args.painting) if args.painting else None  # after the timing: what the viewer got
    check, ratio = picture_report(app.shown, style_spec(stylizer, stylizer.name), args.device, painting) or (None, None)
    return {
        "live_ratio_style": round(ratio.style, 3) if ratio else None,
        "live_ratio_content": round(ratio.content, 3) if ratio else None,
        "sharpness": round(check.median, 3) if check else None,
        "sharpness_lowest": round(check.worst, 3) if check else None,
        "photo_edges_excess": round(check.edge_excess, 3) if check else None,
        "sharpness_reference": check.reference if check else None,
        "size_trace": [(max(0.0, round(t - t0, 1)), size) for t, size in app.size_trace],
        "label": f"live pipeline, {stylizer.name} ({stylizer.tier or 'picture'})", "size": f"{size[0]}x{size[1]}",
        "model_size": stylizer.model_size, "model_size_mode": "auto" if autosize else "fixed",
        "camera_fps": args.fps, "frames": shown,
        "fps": round(shown / elapsed, 2), "latency_p50_ms": round(app.stats.latency_ms(0.5), 1),
        "latency_p95_ms": round(app.stats.latency_ms(0.95), 1),
        "stylize_median_ms": round(infer[len(infer) // 2], 1) if infer else None,
        "smooth_median_ms": round(statistics.median(app.smooth.ms), 1) if app.smooth.ms else None,
        "smoothing": (app.smooth.level.describe() or "full") if app.smooth.level is not None else None,
        "temporal": not args.no_temporal, "device": str(stylizer.device), "backend": stylizer.backend,
        "dtype": str(stylizer.dtype).replace("torch.", ""), "threads": torch.get_num_threads(),
        "warmup_s": round(warm, 2),
    }


def time_frames(fn, frame, frames: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn(frame)
    times = []
    for _ in range(frames):
        t0 = time.perf_counter()
        fn(frame)
        times.append((time.perf_counter() - t0) * 1000.0)
    return times


def installed_decoder_kinds() -> tuple[str, ...]:
    """Each picture network installed (``vgg19``, ``light``, ``wct``), for ``--decoder all``."""
    from models.inference.registry import DECODER_KINDS, StyleError, find_decoder, wct_installed

    kinds = ["wct"] if wct_installed() else []
    for kind in DECODER_KINDS:
        try:
            find_decoder(kind)
            kinds.append(kind)
        except StyleError:
            pass
    if not kinds:
        find_decoder()  # the one-line "no decoder installed" message
    return tuple(kinds)


def parse_tiers(text: str | None) -> list[str | None]:
    """``--tier live,fast`` → ``["live", "fast"]``; none given → ``[None]`` (the default choice)."""
    if not text:
        return [None]
    tiers = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in tiers if t not in ("live", "fast", "quality")]
    if bad or not tiers:
        raise UserError(f"--tier: choose from live, fast, quality (comma-separated), got {text!r}")
    return tiers


def summarize(label: str, times: list[float], params: int, gflops: float, extra: dict) -> dict:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    median = statistics.median(ordered)
    return {"label": label, "median_ms": round(median, 2), "p95_ms": round(p95, 2),
            "fps": round(1000.0 / median, 2), "params": params, "gflops": round(gflops, 2), **extra}


def run(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    import numpy as np
    import torch

    from models.inference.registry import default_style_name, has_tier
    from models.inference.runtime import Stylizer
    from models.inference.timing import eager_baseline, stand_in_style
    from models.nets.cost import frame_flops
    from models.nets.transformer import count_parameters
    from realtime.autosize import parse_model_size
    from realtime.sources import parse_size

    if args.threads:
        torch.set_num_threads(args.threads)
    w, h = parse_size(args.size)
    if not args.pipeline and args.model_size is not None:
        if args.model_size == "auto":
            raise UserError("--model-size auto needs --pipeline (the network alone is timed at a fixed size)")
        args.model_size = parse_model_size(args.model_size)
    if args.frames < 1:
        raise UserError("--frames must be at least 1")
    tiers = parse_tiers(args.tier)
    if args.pipeline:
        style = args.style or default_style_name()
        results = [run_pipeline(args, (w, h), style, tier) for tier in tiers]
        if args.json:
            print(json.dumps(results if len(results) > 1 else results[0], indent=2))
            return 0
        for r in results:
            print(f"{r['label']}: {r['size']} (network at short side {r['model_size']}, {r['model_size_mode']}) "
              f"on {r['device']} "
              f"{r['dtype']} ({r['backend']}), {r['threads']} threads, camera {r['camera_fps']:g} fps, "
              f"temporal {'on' if r['temporal'] else 'off'}")
            print(f"  {r['fps']:.1f} fps over {r['frames']} frames  latency p50 {r['latency_p50_ms']:.0f} ms  "
              f"p95 {r['latency_p95_ms']:.0f} ms  stylize median {r['stylize_median_ms']} ms  "
              f"smooth median {r['smooth_median_ms']} ms (smoothing: {r['smoothing']})")
            if r["sharpness"] is not None:
                print(f"  sharpness ×{r['sharpness']:.2f} (lowest ×{r['sharpness_lowest']:.2f}) against the "
                      f"{r['sharpness_reference']} on the whole frame, photo edges {r['photo_edges_excess']:+.2f}; "
                      f"network sizes " + ", ".join(f"{size} px at {t:g} s" for t, size in r["size_trace"]))
            if r["live_ratio_style"] is not None:
                print(f"  live ratio: style ×{r['live_ratio_style']:.2f}, content ×{r['live_ratio_content']:.2f}")
        return 0
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        style = args.style or default_style_name()
        backends = ("torchscript", "onnx") if args.backend == "both" else (args.backend,)
        decoders = installed_decoder_kinds() if args.decoder == "all" else (args.decoder,)
        stylizers = []
        for tier in tiers:
            spec, spec_tier = style, tier
            if tier is not None and not has_tier(style, tier):
                spec = stand_in_style(tier, tmp)
                spec_tier = None
            stylizers += [Stylizer(spec, device=args.device, model_size=args.model_size, backend=b, decoder=d,
                                   prefer_decoder="vgg19", tier=spec_tier) for b in backends for d in decoders]
    stylizer = stylizers[0]
    net_h, net_w = stylizer.network_size(h, w)
    common = {"device": str(stylizer.device), "dtype": str(stylizer.dtype).replace("torch.", ""),
              "threads": torch.get_num_threads(), "size": f"{w}x{h}",
              "net_size": f"{net_w}x{net_h}" + (", its trunk; painted at the frame's size" if stylizer.painter else "")}
    results = [summarize(
        f"{s.name} ({s.tier + ' tier, ' if s.tier else ''}{s.backend}"
        f"{', ' + Path(s.meta['decoder']).name if 'decoder' in s.meta else ''})",
        time_frames(s, frame, args.frames, args.warmup),
        count_parameters(s.module),
        (frame_flops(s.module, h, w, (net_h, net_w)) if s.painter else frame_flops(s.module, net_h, net_w)) / 1e9,
        {**common, "backend": s.backend, "config": s.config.to_dict() if s.config else None,
         "decoder": s.meta.get("decoder"), "compile_or_load_s": round(s.load_seconds, 3),
         "from_cache": s.from_cache}) for s in stylizers]
    if args.baseline:
        eager, johnson = eager_baseline(frame, stylizer.device)
        results.append(summarize("Johnson et al. 2016 size, eager PyTorch fp32",
                                 time_frames(eager, frame, args.frames, args.warmup),
                                 count_parameters(johnson), frame_flops(johnson, h, w) / 1e9,
                                 {**common, "dtype": "float32", "net_size": f"{w}x{h}"}))
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for r in results:
        print(f"{r['label']}: {r['size']} (network at {r['net_size']}) on {r['device']} {r['dtype']}, "
              f"{r['threads']} threads")
        print(f"  median {r['median_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms  {r['fps']:.1f} fps  "
              f"params {r['params']:,}  {r['gflops']:.2f} GFLOPs/frame")
    return 0
