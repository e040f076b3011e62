"""``stylecam live``: the real-time stylized preview (camera, file, image or synthetic scene)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from models.errors import UserError
from stylecam.commands.options import add_decoder_option, add_tier_option

DEMO_CLIP_SECONDS = 8.0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("live", help="live stylized preview with hotkeys (h shows them)")
    p.add_argument("--source", default="auto",
                   help="camera index, device path, video file, image, 'synthetic', or 'auto' (camera 0, "
                        "else synthetic; the default)")
    p.add_argument("--size", help="ask the camera for WxH (synthetic: its size; default 640x480)")
    p.add_argument("--loop", action="store_true", help="loop a video file")
    p.add_argument("--style", action="append",
                   help="style(s) to rotate through: names, weights files or pictures (default: every style)")
    p.add_argument("--style-dir", help="add every picture in this folder to the rotation (AdaIN)")
    p.add_argument("--no-learn", action="store_true",
                   help="pictures as --style: do not learn them in the background (by default a picture without a "
                        "learned style starts on the instant network and switches to its learned one when ready)")
    p.add_argument("--learn-minutes", default="1",
                   help="minutes of background learning for such a picture; several separated by commas learn "
                        "again, longer, and switch again (default: 1; e.g. 1,5)")
    p.add_argument("--model-size", default="auto",
                   help="short side in px the network runs at, the output scaled to the frame; 'auto' (the "
                        "default) picks the largest size that keeps up with the camera, adjusting as it runs")
    p.add_argument("--strength", type=float, default=1.0)
    p.add_argument("--alpha", type=float, default=1.0,
                   help="picture styles: 0 = the frame's features, 1 = the style's statistics (default: 1)")
    add_decoder_option(p, "light when installed")
    add_tier_option(p, "live on a CPU when the style has it, quality on a GPU when it has it, else fast")
    p.add_argument("--no-temporal", action="store_true", help="start with temporal smoothing off")
    p.add_argument("--device", default="auto")
    p.add_argument("--backend", default="auto", choices=("auto", "torchscript", "onnx"),
                   help="inference engine (default: ONNX Runtime on the CPU, TorchScript elsewhere)")
    p.add_argument("--frames", type=int, help="stop after showing N frames")
    p.add_argument("--painting", help="the style's painting (an image file): the exit summary adds the live ratio "
                                      "(QUALITY.md) to the sharpness")
    p.add_argument("--seconds", type=float, help="stop after S seconds")
    p.add_argument("--no-window", action="store_true", help="no preview window (for streaming or recording)")
    p.add_argument("--record", metavar="MP4", help="record the stylized output from the start")
    p.add_argument("--out", default="out", help="folder for snapshots and recordings (default: out)")
    p.add_argument("--fullscreen", action="store_true")
    vcam = p.add_argument_group("virtual camera (pip install 'stylecam[vcam]')")
    vcam.add_argument("--vcam", action="store_true", help="send the stylized video to a virtual camera")
    vcam.add_argument("--vcam-device", help="device, e.g. /dev/video10 (default: the first free one)")
    vcam.add_argument("--vcam-backend", help="obs, v4l2loopback or unitycapture (default: any available)")
    p.add_argument("--stream", metavar="URL",
                   help="send an H.264 stream for OBS's Media Source: udp://HOST:PORT, srt://HOST:PORT, rtmp://...")
    p.set_defaults(func=run)


def resources() -> tuple[float, int]:
    """(resident memory in MB, live Python threads) of this process, for the exit summary."""
    import threading

    try:
        rss_pages = int(Path("/proc/self/statm").read_text().split()[1])
        rss = rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):  # not Linux: the peak instead
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rss = peak / 2**20 if sys.platform == "darwin" else peak / 1024
    return rss, threading.active_count()


def output_openers(args: argparse.Namespace) -> list:
    from realtime.outputs import VirtualCamera, open_stream

    outputs = []
    if args.vcam:
        outputs.append(("vcam", lambda size, fps: VirtualCamera(size, fps, args.vcam_device, args.vcam_backend)))
    if args.stream:
        outputs.append(("stream", lambda size, fps: open_stream(args.stream, fps, size)))
    return outputs


def style_dir_pictures(folder: str | None) -> list[str]:
    from models.images import IMAGE_SUFFIXES

    if folder is None:
        return []
    path = Path(folder)
    if not path.is_dir():
        raise UserError(f"--style-dir: not a folder: {folder}")
    pictures = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not pictures:
        raise UserError(f"--style-dir: no pictures in {folder}")
    return pictures


def have_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def picture_line(app, device: str = "auto", painting: str | None = None) -> str:
    """What the viewer got: the network's size and the shown frames' sharpness against the full-frame reference
    (:mod:`realtime.picture_check`), for the style on screen at the end; with ``painting`` (the style's painting,
    an image file) the live ratio too."""
    from models.images import read_rgb
    from realtime.picture_check import picture_report, style_spec

    name, stylizer = app.stylizers[app.state.style_index]
    size = getattr(stylizer, "model_size", None)
    text = f"picture: {name}, network at {size or 'the frame'}{' px' if size else ''}"
    if getattr(getattr(stylizer, "stylizer", stylizer), "painter", False):
        text += " (its trunk), painted at the frame's size"
    report = picture_report(app.shown, style_spec(stylizer, name), device, read_rgb(painting) if painting else None)
    if report is None:
        return text + "; no full-frame network of this style to compare with"
    check, ratio = report
    text += f"; {check.describe()}" if check is not None else "; no stylized frames to check"
    if ratio is not None:
        text += f"; {ratio.describe()}"
    return text


def parse_learn_minutes(text: str) -> tuple[float, ...]:
    """``--learn-minutes``: minutes of each background learning stage, e.g. ``1`` or ``1,5``."""
    try:
        stages = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise UserError(f"--learn-minutes: minutes separated by commas, e.g. 1 or 1,5; got {text!r}") from None
    if not all(0.5 <= m <= 24 * 60 for m in stages):
        raise UserError(f"--learn-minutes: each between 0.5 and 1440, got {text!r}")
    return stages


def pictures_to_learn(specs: list[str], stylizers: list) -> dict[str, str]:
    """picture → the entry showing it, for each picture in ``specs`` that runs on the instant (arbitrary-style)
    network because no learned style of it exists yet."""
    waiting = {}
    for name, stylizer in stylizers:
        meta = getattr(stylizer, "meta", None) or {}
        if meta.get("kind") != "image":
            continue
        picture = str(meta.get("style_file", "")).split(",")[0]
        if Path(picture).is_file() and any(Path(spec).resolve() == Path(picture).resolve() for spec in specs):
            waiting[picture] = name
    return waiting


def attach_learning(app, waiting: dict[str, str], stages: tuple[float, ...], source, model_size, options: dict
                    ) -> None:
    """Learn each waiting picture in the background and show its learned live network when it is installed."""
    from models.inference.registry import list_styles
    from models.inference.runtime import load_stylizers
    from realtime.autosize import for_stylizer
    from realtime.learning import BackgroundLearner, learn_name

    learner = BackgroundLearner(threads=1)
    taken = {s.name for s in list_styles()}
    for picture in waiting:
        name = learn_name(picture, taken)
        taken.add(name)
        learner.submit(picture, name, stages)

    def load(picture: str):
        return load_stylizers([picture], **options)[0]

    app.attach_learner(learner, load, waiting,
                       autosize_for=lambda stylizer: for_stylizer(model_size, source.fps, source.size, stylizer))


def open_live_source(args: argparse.Namespace):
    from realtime.sources import SourceError, open_source, parse_size

    size = parse_size(args.size)
    if args.source == "auto":
        try:
            return open_source("0", size=size)
        except SourceError:
            print("stylecam: no camera found; showing the synthetic scene (--source synthetic)", file=sys.stderr)
            return open_source("synthetic", size=size)
    return open_source(args.source, size=size, loop=args.loop)


def run(args: argparse.Namespace) -> int:
    from models.inference.registry import default_style_name, has_tier, list_styles
    from models.inference.runtime import load_stylizers
    from realtime.app import LiveApp
    from realtime.autosize import for_stylizer, parse_model_size
    from realtime.sinks import NullSink, WindowSink
    from video.device_smoother import live_smoother

    started = time.monotonic()  # the time to the first frame counts the networks' loading
    if not 0.0 <= args.strength <= 1.0:
        raise UserError(f"--strength must be between 0 and 1, got {args.strength}")
    window = not args.no_window
    seconds, record = args.seconds, args.record
    if window and not have_display():
        window = False
        if args.vcam or args.stream:
            print("stylecam: no display found; running without the preview window", file=sys.stderr)
        else:
            seconds = seconds or DEMO_CLIP_SECONDS
            record = record or str(Path(args.out) / "live-demo.mp4")
            print(f"stylecam: no display found; writing a {seconds:g} s stylized clip to {record} instead",
                  file=sys.stderr)
    if args.style or args.style_dir:
        specs = list(args.style or []) + style_dir_pictures(args.style_dir)
    else:
        default = default_style_name()
        names = [s.name for s in list_styles() if args.tier is None or has_tier(s.name, args.tier)]
        specs = [default] + [n for n in names if n != default]
    model_size = parse_model_size(args.model_size)
    stylizers = load_stylizers(specs, device=args.device, model_size=model_size, strength=args.strength,
                               backend=args.backend, alpha=args.alpha,
                               decoder=args.decoder, prefer_decoder="light", palette=args.palette,
                               tier=args.tier, prefer_tier="live")
    metas = [getattr(stylizer, "meta", None) or {} for _, stylizer in stylizers]
    soft = [m["style_file"] for m in metas if m.get("kind") == "image" and m.get("encoder") == "light"]
    learn_stages = parse_learn_minutes(args.learn_minutes)
    waiting = {} if args.no_learn or args.alpha != 1.0 or args.decoder else pictures_to_learn(specs, stylizers)
    if soft and not waiting:  # measured: ×2.4–3.5 the full frame's style distance at 256 px, ×0.9 for a learned one
        print(f"stylecam: pictures run on the arbitrary-style network, soft at live sizes; `stylecam learn "
              f"{soft[0].split(',')[0]} --minutes 5` makes a picture a sharp live style", file=sys.stderr)
    elif waiting:
        print(f"stylecam: learning {len(waiting)} picture(s) in the background ({args.learn_minutes} min each, "
              f"one thread; x cancels, --no-learn turns it off); the instant network shows them until then",
              file=sys.stderr)
    with open_live_source(args) as source:
        first = stylizers[0][1]
        device = getattr(getattr(first, "stylizer", first), "device", None)
        autosize = for_stylizer(model_size, source.fps, source.size, first)
        app = LiveApp(source, stylizers, smoother=live_smoother(device), snapshot_dir=args.out, record_dir=args.out,
                      strength=args.strength, temporal=not args.no_temporal, outputs=output_openers(args),
                      autosize=autosize)
        app.count_from(started)
        if waiting:
            attach_learning(app, waiting, learn_stages, source, model_size,
                            dict(device=args.device, model_size=model_size, strength=args.strength,
                                 backend=args.backend, palette=args.palette, tier=args.tier, prefer_tier="live"))
        sink = WindowSink(fullscreen=args.fullscreen) if window else NullSink()
        with sink:
            if record:
                app.start_recording(record)
            before = resources()
            app.run(sink, max_frames=args.frames, max_seconds=seconds)
    after = resources()
    print(app.summary())
    print(picture_line(app, getattr(args, "device", "auto"), getattr(args, "painting", None)))
    print(f"memory {before[0]:.0f} MB at start, {after[0]:.0f} MB at the end; "
          f"threads {before[1]} at start, {after[1]} at the end")
    for path in app.snapshots + app.recordings:
        print(path)
    return 0
