"""The offline render job: a video (or image sequence) in, a stylized MP4 (or image sequence) out.

The output keeps the input's frames one for one with their timestamps (variable frame
rate included), its frame rate, its audio (copied, or re-encoded to AAC when MP4 cannot
carry the codec) and its rotation. Frames stream through, so memory stays flat. The file
is written under a temporary name and renamed when complete; on an error the partial file
is removed. On an interrupt (Ctrl-C, SIGTERM) with a ``resume_key``, the frames stylized so
far are kept for ``--resume`` (:mod:`video.resume`) instead.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import UserError
from video import resume as resume_state
from video.decode import InputError, is_pattern, open_input
from video.encode import H264Encoder
from video.render_pipeline import RenderPipeline

MP4_AUDIO = {"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"}


@dataclass
class RenderOptions:
    crf: int = 18
    preset: str = "medium"
    codec: str = "libx264"
    fps: float | None = None  # for an image-sequence input
    keep_going: bool = False


@dataclass
class RenderResult:
    output: Path
    frames: int
    seconds: float
    audio: str  # "copied", "re-encoded to aac" or "none"
    corrupt: str | None = None  # the decoder's complaint when --keep-going kept a partial video
    resized: int = 0  # frames scaled to the first frame's size because the stream changed size


class AudioTrack:
    """The input's audio in an output MP4: its packets copied as they are where MP4 carries the codec, else
    re-encoded to AAC. ``mode``: "copied", "re-encoded to aac" or "none"."""

    def __init__(self, container, audio_stream) -> None:
        self.container = container
        self.stream = None
        self.mode = "none"
        if audio_stream is None:
            return
        if audio_stream.codec_context.name in MP4_AUDIO:
            self.stream = container.add_stream_from_template(audio_stream)
            self.mode = "copied"
        else:
            rate = audio_stream.codec_context.sample_rate or 48000
            self.stream = container.add_stream("aac", rate=rate)
            self.stream.layout = audio_stream.codec_context.layout
            self.mode = "re-encoded to aac"

    def write(self, packet) -> None:
        if self.stream is None:
            return
        if self.mode == "copied":
            packet.stream = self.stream
            self.container.mux(packet)
            return
        for frame in packet.decode():
            frame.pts = None
            for out in self.stream.encode(frame):
                self.container.mux(out)

    def flush(self) -> None:
        if self.stream is not None and self.mode != "copied":
            for out in self.stream.encode(None):
                self.container.mux(out)


class Mp4Output:
    """Video encoder plus audio pass-through in one MP4, written to ``.NAME.part.mp4`` until done."""

    def __init__(self, path: Path, fps, size: tuple[int, int], rotation: int, audio_stream, opts: RenderOptions):
        import av

        self.path = path
        self.tmp = path.with_name(f".{path.stem}.part{path.suffix or '.mp4'}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.container = av.open(str(self.tmp), mode="w", format="mp4", options={"movflags": "+faststart"})
        self.video = H264Encoder(self.container, fps, size, codec=opts.codec, rotation=rotation,
                                 options={"crf": str(opts.crf), "preset": opts.preset})
        self.prefix: Path | None = None  # set by a resumed render: the saved part's video
        self.audio = AudioTrack(self.container, audio_stream)
        self.audio_mode = self.audio.mode

    def write_video(self, image: np.ndarray, seconds: float | None) -> None:
        self.video.write(image, seconds)

    def write_audio(self, packet) -> None:
        self.audio.write(packet)

    def _close(self) -> None:
        self.video.flush()
        self.audio.flush()
        self.container.close()
        if self.prefix is not None:  # a resumed render: the saved part's video goes in front, unchanged
            whole = self.tmp.with_name(f".{self.path.stem}.stitch{self.path.suffix or '.mp4'}")
            try:
                resume_state.stitch(self.prefix, self.tmp, whole)
            except BaseException:
                whole.unlink(missing_ok=True)
                raise
            whole.replace(self.tmp)

    def finish(self) -> None:
        self._close()
        os.replace(self.tmp, self.path)

    def suspend(self) -> Path:
        """Finish the file as it is (every frame written so far) but leave it under its temporary name."""
        self._close()
        return self.tmp

    def abort(self) -> None:
        try:
            self.container.close()
        except Exception:  # noqa: BLE001 - removed either way
            pass
        self.tmp.unlink(missing_ok=True)


class FramesOutput:
    """Numbered images (``out/%05d.png``); on abort, the images written so far are removed."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.written: list[Path] = []
        self.audio_mode = "none"

    def write_video(self, image: np.ndarray, seconds: float | None) -> None:
        from models.images import write_rgb

        self.written.append(write_rgb(Path(self.pattern % (len(self.written) + 1)), image))

    def write_audio(self, packet) -> None:
        pass

    def finish(self) -> None:
        pass

    def abort(self) -> None:
        for p in self.written:
            p.unlink(missing_ok=True)


def render(input_path: str, output_path: str, stylizer, smoother=None, options: RenderOptions | None = None,
           progress: Callable[[int, int | None, float], None] | None = None,
           resume_key: str | None = None, resume: bool = False) -> RenderResult:
    """Stylize every frame of ``input_path`` into ``output_path``; see the module docstring.

    ``stylizer``: a frame stylizer (``stylize_small`` and ``finish`` on ``H×W×3 uint8 RGB`` frames,
    :mod:`video.stylize_step`; a plain function goes in :class:`~video.stylize_step.PerFrame`);
    ``smoother``: a :class:`~video.temporal.TemporalSmoother` for temporal consistency, or None for
    per-frame stylization. The frames go through :class:`~video.render_pipeline.RenderPipeline`
    (motion, network and smoothing in threads of their own) while this thread decodes and encodes.
    ``resume_key`` (:func:`video.resume.fingerprint`): keep an interrupted MP4 render for
    ``resume=True``, which continues the one saved under the same key.
    """
    opts = options or RenderOptions()
    out_path = Path(output_path)
    if not is_pattern(output_path) and out_path.suffix.lower() not in (".mp4", ".m4v", ".mov"):
        raise UserError(f"{output_path}: write an .mp4 file or a frame pattern such as frames/%05d.png")
    if Path(input_path).resolve() == out_path.resolve():
        raise UserError("input and output are the same file")
    mp4 = not is_pattern(output_path)
    if resume and not (mp4 and resume_key):
        raise UserError("--resume continues an MP4 render")
    saved = resume_state.load(out_path, resume_key) if resume else None
    reader = open_input(input_path, opts.fps)
    info = reader.info
    output = None
    skip = 0  # input frames already in the saved part
    early_audio = []  # audio that precedes the first video frame written (decoder delay, the pipeline's)
    size, resized = None, 0
    frames, decoded, t0 = 0, 0, time.monotonic()  # frames: in the output (a saved part's included)
    pipeline = RenderPipeline(stylizer, smoother)

    def write(job) -> None:
        nonlocal frames
        with resume_state.uninterrupted():  # a frame written is a frame counted, whenever Ctrl-C comes
            output.write_video(job.output, job.seconds)
            frames += 1
        while early_audio:
            output.write_audio(early_audio.pop(0))
        if progress:
            progress(frames, info.frames, time.monotonic() - t0)

    try:
        for kind, item in reader.packets():
            if kind == "audio":
                if output is None or frames == 0 or early_audio:  # no video written yet: the muxer wants it first
                    early_audio.append(item)
                else:
                    output.write_audio(item)
                continue
            image, seconds = item
            if output is None:
                output = _open_output(output_path, info, image, reader, opts)
                size = image.shape
                if saved is not None:
                    skip, last_out, last_seconds = resume_state.last_frame(saved.video)
                    if skip != saved.frames:  # fewer (or more) frames decode than were saved: damaged
                        raise UserError(f"--resume: the saved part {saved.video} is damaged ({skip} of its "
                                        f"{saved.frames} frames decode); delete it to start again")
                    output.prefix = saved.video
                    output.video.continue_after(skip, last_seconds)
            elif image.shape != size:  # the stream changed size partway: keep the output's size
                import cv2

                image = cv2.resize(image, (size[1], size[0]), interpolation=cv2.INTER_AREA)
                resized += 1
            if decoded < skip:  # stylized before the interrupt: already copied
                decoded += 1
                frames += 1
                if decoded == skip and smoother is not None:  # before the pipeline has seen a frame
                    smoother.prime(image, last_out)
                while early_audio:
                    output.write_audio(early_audio.pop(0))
                continue
            decoded += 1
            for job in pipeline.submit(image, seconds):
                write(job)
        for job in pipeline.drain():
            write(job)
        if reader.corrupt and not opts.keep_going:
            raise InputError(f"{input_path}: damaged after {frames} frames ({reader.corrupt}); "
                             "--keep-going keeps the frames that decode")
        if output is None:
            raise InputError(f"{input_path}: no video frame could be decoded")
        if decoded < skip:
            raise InputError(f"--resume: {input_path} has fewer frames than the saved part ({skip})")
        output.finish()
        if resume_key:
            resume_state.discard(out_path)  # done: a saved part (this one's or a stale one) is no longer needed
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: keep what is done for --resume
        if output is None:
            raise
        if isinstance(output, Mp4Output) and resume_key and frames > skip:  # new frames: save all done so far
            try:
                resume_state.save(out_path, output.suspend(), frames, resume_key)
            except BaseException:
                output.abort()
                raise
        else:
            output.abort()  # nothing new (a saved part, if any, stays as it was)
        raise
    except BaseException:
        if output is not None:
            output.abort()
        raise
    finally:
        pipeline.close()
        reader.close()
    return RenderResult(Path(output_path), frames, time.monotonic() - t0, output.audio_mode, reader.corrupt, resized)


def _open_output(output_path: str, info, first: np.ndarray, reader, opts: RenderOptions):
    if is_pattern(output_path):
        return FramesOutput(output_path)
    h, w = first.shape[:2]
    if min(h, w) < 2:
        raise InputError(f"{reader.info.width}x{reader.info.height} frames are too small for an H.264 video "
                         "(write them as frames instead: OUT like frames/%05d.png)")
    return Mp4Output(Path(output_path), info.fps, (w, h), info.rotation, reader.audio, opts)
