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
        self.audio_in = audio_stream
        self.audio_out = None
        self.audio_mode = "none"
        self._resampler = None
        if audio_stream is not None:
            if audio_stream.codec_context.name in MP4_AUDIO:
                self.audio_out = self.container.add_stream_from_template(audio_stream)
                self.audio_mode = "copied"
            else:
                rate = audio_stream.codec_context.sample_rate or 48000
                self.audio_out = self.container.add_stream("aac", rate=rate)
                self.audio_out.layout = audio_stream.codec_context.layout
                self.audio_mode = "re-encoded to aac"

    def write_video(self, image: np.ndarray, seconds: float | None) -> None:
        self.video.write(image, seconds)

    def write_audio(self, packet) -> None:
        if self.audio_out is None:
            return
        if self.audio_mode == "copied":
            packet.stream = self.audio_out
            self.container.mux(packet)
            return
        for frame in packet.decode():
            frame.pts = None
            for out in self.audio_out.encode(frame):
                self.container.mux(out)

    def _close(self) -> None:
        self.video.flush()
        if self.audio_out is not None and self.audio_mode != "copied":
            for out in self.audio_out.encode(None):
                self.container.mux(out)
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


def render(input_path: str, output_path: str, stylize: Callable[[np.ndarray], np.ndarray],
           smoother=None, options: RenderOptions | None = None,
           progress: Callable[[int, int | None, float], None] | None = None,
           resume_key: str | None = None, resume: bool = False) -> RenderResult:
    """Stylize every frame of ``input_path`` into ``output_path``; see the module docstring.

    ``stylize``: ``H×W×3 uint8 RGB`` → same; ``smoother``: called as ``smoother(frame,
    stylized)`` in order (temporal consistency), or None for per-frame stylization.
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
    early_audio = []  # audio that precedes the first decoded video frame (decoder delay)
    size, resized = None, 0
    frames, t0 = 0, time.monotonic()
    try:
        for kind, item in reader.packets():
            if kind == "audio":
                if output is None:
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
            if frames < skip:  # stylized before the interrupt: already copied
                frames += 1
                if frames == skip and smoother is not None and hasattr(smoother, "prime"):
                    smoother.prime(image, last_out)
                while early_audio:
                    output.write_audio(early_audio.pop(0))
                continue
            out = stylize(image)
            if smoother is not None:
                out = smoother(image, out)
            with resume_state.uninterrupted():  # a frame written is a frame counted, whenever Ctrl-C comes
                output.write_video(out, seconds)
                frames += 1
            while early_audio:
                output.write_audio(early_audio.pop(0))
            if progress:
                progress(frames, info.frames, time.monotonic() - t0)
        if reader.corrupt and not opts.keep_going:
            raise InputError(f"{input_path}: damaged after {frames} frames ({reader.corrupt}); "
                             "--keep-going keeps the frames that decode")
        if output is None:
            raise InputError(f"{input_path}: no video frame could be decoded")
        if frames < skip:
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
