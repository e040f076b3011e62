"""``stylecam render IN OUT --style NAME``: a stylized video, without flicker; or a folder of them."""

from __future__ import annotations

import argparse
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from models.errors import UserError
from stylecam.commands.options import add_decoder_option, add_region_options, add_tier_option, region_of
from video.temporal import RENDER_STRENGTH

EXIT_PARTIAL = 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="stylize a video file (or image sequence) into an MP4 (or images)")
    p.add_argument("input", help="video file, an image sequence such as frames/%%05d.jpg (with --fps), or a "
                                 "folder of videos")
    p.add_argument("output", help="MP4 file, a frame pattern such as out/%%05d.png, or (for a folder) a folder: "
                                  "one MP4 per video; a rerun skips those already made with the same options")
    p.add_argument("--style", help="style name or path (default: the default style)")
    p.add_argument("--model-size", type=int, help="short side the network runs at (default: the video's)")
    p.add_argument("--strength", type=float, default=1.0)
    p.add_argument("--alpha", type=float, default=1.0,
                   help="picture styles: 0 = the frame's features, 1 = the style's statistics (default: 1)")
    p.add_argument("--preserve-color", action="store_true")
    add_decoder_option(p, "vgg19 when installed")
    add_tier_option(p, "the best for the device: quality on a GPU when the style has it, else fast")
    add_region_options(p)
    temporal = p.add_mutually_exclusive_group()
    temporal.add_argument("--temporal", dest="temporal", action="store_true", default=True,
                          help="optical-flow temporal consistency (the default)")
    temporal.add_argument("--no-temporal", dest="temporal", action="store_false", help="stylize each frame alone")
    p.add_argument("--stable-variant", action="store_true",
                   help="with --temporal, use the style's video-stable variant (trained with the temporal loss) "
                        "where one ships: steadier, but on flat cartoon shading it loses some of the style")
    p.add_argument("--flow", choices=("dis", "farneback", "raft"), default="dis",
                   help="optical flow (default: dis; raft needs torchvision's RAFT weights on this machine)")
    p.add_argument("--temporal-strength", type=float, default=RENDER_STRENGTH,
                   help="weight of the warped previous output where the flow is reliable (default: "
                        f"{RENDER_STRENGTH}; higher: steadier, but strokes drift with non-rigid motion)")
    p.add_argument("--fps", type=float, help="frame rate of an image-sequence input")
    p.add_argument("--crf", type=int, default=18, help="x264 quality, lower is better (default: 18)")
    p.add_argument("--preset", default="medium", help="x264 preset (default: medium)")
    p.add_argument("--codec", default="libx264", help="video encoder (default: libx264)")
    p.add_argument("--keep-going", action="store_true", help="keep the frames that decode from a damaged input")
    p.add_argument("--resume", action="store_true",
                   help="continue a render of OUT that Ctrl-C or SIGTERM stopped (same input and options)")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="render in chunks on a Ray cluster: 'local' (the default) starts one on this machine, an "
                        "address joins one (pip install 'stylecam[ray]')")
    p.add_argument("--workers", type=int, help="--ray local: how many CPU workers (default: every core)")
    p.add_argument("--chunk-frames", type=int, help="--ray: frames a chunk (default: two chunks a worker)")
    p.add_argument("--device", default="auto")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=run)


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the render stops and keeps what it finished for --resume."""


def _on_sigterm(signum, frame):
    raise Terminated()


@contextmanager
def _stoppable():
    """Ctrl-C, SIGINT and SIGTERM stop what runs inside, also when render was started as a background job, which
    inherits SIGINT ignored from the shell (Python then installs no handler of its own)."""
    previous = {signal.SIGTERM: signal.signal(signal.SIGTERM, _on_sigterm),
                signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run(args: argparse.Namespace) -> int:
    from models.images import sha256_file
    from models.inference.registry import default_style_name, video_variant
    from models.inference.runtime import Stylizer
    from video.folder import folder_jobs, is_done, mark_done
    from video.render import RenderOptions

    if not 0 <= args.crf <= 51:
        raise UserError(f"--crf must be between 0 and 51, got {args.crf}")
    if not 0.0 <= args.temporal_strength < 1.0:
        raise UserError("--temporal-strength must be in [0, 1)")
    folder = Path(args.input).is_dir()
    if folder and args.resume:
        raise UserError("--resume continues one file's render; a folder's rerun skips what is done by itself")
    style = args.style or default_style_name()
    variant = video_variant(style) if args.temporal and args.stable_variant else None
    stylizer = Stylizer(variant or style, device=args.device, model_size=args.model_size,
                        strength=args.strength, preserve_colors=args.preserve_color, alpha=args.alpha,
                        decoder=args.decoder, prefer_decoder="vgg19", region=region_of(args),
                        palette=args.palette, tier=None if variant else args.tier)
    options = RenderOptions(crf=args.crf, preset=args.preset, codec=args.codec, fps=args.fps,
                            keep_going=args.keep_going)
    settings = {k: v for k, v in vars(args).items()
                if k not in ("func", "argv", "quiet", "resume", "output", "input")}
    settings["weights"] = sha256_file(stylizer.weights)
    label = f"{'the video-stable variant of ' + style if variant else ''}"
    if args.ray is not None:
        if args.resume:
            raise UserError("--resume continues a render on one machine; a --ray render redoes what a stop left")
        if args.workers is not None and args.workers < 1 or args.chunk_frames is not None and args.chunk_frames < 1:
            raise UserError("--workers and --chunk-frames must be at least 1")
        job = _chunk_job(args, variant or style, variant is not None)
    if not folder:
        if args.ray is not None:
            return _ray_one(args, job, args.input, args.output)

        code, result = _render_one(args, stylizer, args.input, args.output, options, settings, args.resume)
        if result is not None:
            print(f"{result.output}: {result.frames} frames in {result.seconds:.1f} s "
                  f"({result.frames / max(result.seconds, 1e-9):.1f} fps), audio {result.audio}, "
                  f"temporal {'on (' + args.flow + ')' if args.temporal else 'off'}{', ' + label if label else ''}")
        return code
    jobs = folder_jobs(Path(args.input), Path(args.output))
    chunk_job = job if args.ray is not None else None
    Path(args.output).mkdir(parents=True, exist_ok=True)
    frames, seconds, made, skipped, worst = 0, 0.0, 0, 0, 0
    from video import resume

    for job in jobs:
        key = resume.fingerprint(str(job.input), settings)
        if is_done(job, key):
            skipped += 1
            if not args.quiet:
                print(f"{job.output}: already made from {job.input.name} with these options, skipped")
            continue
        if args.ray is not None:
            code = _ray_one(args, chunk_job, str(job.input), str(job.output))
            result = None
            if code == 0:
                mark_done(job, key)
                made += 1
            elif code in (130, 143):
                return code
            worst = max(worst, code)
            continue
        code, result = _render_one(args, stylizer, str(job.input), str(job.output), options, settings, False)
        if code in (130, 143):
            return code
        if result is not None:
            frames, seconds = frames + result.frames, seconds + result.seconds
            if code == 0:
                mark_done(job, key)
                made += 1
            if not args.quiet:
                print(f"{job.output}: {result.frames} frames in {result.seconds:.1f} s, audio {result.audio}")
        worst = max(worst, code)
    print(f"{args.output}: {made} of {len(jobs)} videos rendered, {skipped} skipped (already made); {frames} frames "
          f"in {seconds:.1f} s ({frames / max(seconds, 1e-9):.1f} fps), temporal "
          f"{'on (' + args.flow + ')' if args.temporal else 'off'}")
    return worst


def _render_one(args, stylizer, input_path: str, output_path: str, options, settings: dict, resume_wanted: bool):
    """One file: (exit code, :class:`~video.render.RenderResult` or ``None`` when nothing finished)."""
    from stylecam.progress import Progress
    from video import resume
    from video.decode import is_pattern
    from video.render import render
    from video.temporal import render_smoother

    smoother = render_smoother(args.flow, args.temporal_strength) if args.temporal else None
    bar = Progress(f"render {stylizer.name}", quiet=args.quiet)

    def progress(done: int, total: int | None, elapsed: float) -> None:
        fps = done / max(elapsed, 1e-9)
        eta = (total - done) / fps if total and fps > 0 else None
        bar.update(done / total if total else None, f"{done}/{total or '?'} frames {fps:.1f} fps", eta)

    out = Path(output_path)
    key = resume.fingerprint(input_path, settings)
    if not resume_wanted and resume.saved_frames(out):
        print(f"stylecam: note: starting over; an interrupted render of {out} can be continued with --resume",
              file=sys.stderr)
    try:
        with _stoppable():
            result = render(input_path, output_path, stylizer, smoother, options, progress,
                            resume_key=key, resume=resume_wanted)
    except KeyboardInterrupt as exc:
        bar.close()
        kept = resume.saved_frames(out) if not is_pattern(output_path) else None
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        if kept:
            print(f"stylecam: {what}; {kept} frames kept in {resume.state_dir(out)}: the same command with "
                  f"--resume continues ({out} untouched)", file=sys.stderr)
        else:
            print(f"stylecam: {what}; no output written", file=sys.stderr)
        return (143 if isinstance(exc, Terminated) else 130), None
    except OSError as exc:
        bar.close()
        raise UserError(f"cannot write {output_path}: {exc.strerror or exc}") from None
    bar.close()
    if result.resized:
        print(f"stylecam: warning: {input_path} changed size partway; {result.resized} frames were scaled to "
              "the first frame's size", file=sys.stderr)
    if result.corrupt:
        print(f"stylecam: warning: {input_path} is damaged ({result.corrupt}); kept the {result.frames} frames "
              "that decoded", file=sys.stderr)
        return EXIT_PARTIAL, result
    return 0, result


def _chunk_job(args, style: str, variant: bool):
    """The settings a Ray worker rebuilds the stylizer and smoother from (a style file travels as bytes)."""
    from video.ray_render import ChunkJob

    kwargs = {"style": style, "device": args.device, "model_size": args.model_size, "strength": args.strength,
              "preserve_colors": args.preserve_color, "alpha": args.alpha, "decoder": args.decoder,
              "prefer_decoder": "vgg19", "region": region_of(args), "palette": args.palette,
              "tier": None if variant else args.tier}
    style_file = (Path(style).name, Path(style).read_bytes()) if Path(style).is_file() else None
    temporal = {"method": args.flow, "strength": args.temporal_strength} if args.temporal else None
    return ChunkJob(kwargs, style_file, temporal, crf=args.crf, preset=args.preset, codec=args.codec)


def _ray_one(args, job, input_path: str, output_path: str) -> int:
    from stylecam.progress import Progress
    from video.ray_render import ray_render

    bar = Progress(f"render {Path(input_path).name} on ray", quiet=args.quiet)

    def progress(done: int, total: int | None, elapsed: float) -> None:
        bar.update(done / total if total else None, f"{done}/{total or '?'} frames {done / max(elapsed, 1e-9):.1f} fps")

    try:
        with _stoppable():
            result = ray_render(input_path, output_path, job, address=args.ray, workers=args.workers,
                                chunk_frames=args.chunk_frames, progress=progress)
    except KeyboardInterrupt as exc:
        bar.close()
        print(f"stylecam: {'terminated' if isinstance(exc, Terminated) else 'interrupted'}; no output written",
              file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    bar.close()
    print(f"{result.output}: {result.frames} frames in {result.seconds:.1f} s "
          f"({result.frames / max(result.seconds, 1e-9):.1f} fps) on ray ({len(result.chunks)} chunks, "
          f"{result.workers} workers), audio {result.audio}, "
          f"temporal {'on (' + args.flow + ')' if args.temporal else 'off'}")
    return 0
