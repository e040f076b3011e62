"""A video in chunks, for rendering on many workers (:mod:`video.ray_render`): the plan, one chunk's
render, and the join.

* :func:`index_frames` reads the video's packets (no decoding): every frame's timestamp and which
  frames are keyframes.
* :func:`plan_chunks` cuts the frames into chunks of about ``chunk_frames``, at keyframes where the
  input has them near the cut (a chunk then starts where the decoder can seek to), else at frame
  boundaries.
* :func:`render_chunk` seeks to a chunk, stylizes its frames through the same pipeline as ``render``
  (:class:`~video.render_pipeline.RenderPipeline`), and writes them, losslessly (x264 at qp 0), as a
  video-only MP4. Its temporal smoothing starts ``warmup`` frames before the chunk, on frames it does
  not write: at the chunk's first frame the smoother carries nearly the same history as one long
  render. Measured losslessly (``--crf 0``) on the test clip, a cold start differs from one long render
  by 0.4 grey levels (mean) and the difference shrinks by about ×0.8 a frame (texture restoration keeps
  some of it): after 8 warm-up frames a chunk's first frame is 0.4 levels off, after 24 under 0.02.
* :class:`ChunkJoiner` encodes the chunks' frames, in order and as they arrive, once, with the render's
  own encoder settings, into one MP4 with the input's audio, written under a temporary name and renamed
  when complete. Chunks encoded at the final quality and copied together started each with a keyframe
  of its own: at crf 18 the pairs across a seam flickered ×1.17 (median, worst ×1.30) more than one
  long render's same pairs (scripts/reports/ray_report.py). Encoded once, the video has one render's keyframes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from models.errors import UserError
from video.decode import InputError, VideoFileReader
from video.encode import H264Encoder
from video.render_pipeline import RenderPipeline

WARMUP_FRAMES = 24
LOSSLESS = {"qp": "0", "preset": "ultrafast"}  # a chunk's frames on their way to the join: exact and quick


@dataclass(frozen=True)
class FrameIndex:
    """The frames of a video file, in presentation order: ``pts`` in ``time_base`` units."""

    pts: tuple[int, ...]
    keyframes: tuple[int, ...]  # indices into ``pts``
    time_base: Fraction
    fps: Fraction
    size: tuple[int, int]  # width, height
    rotation: int

    def seconds(self, i: int) -> float:
        return float(self.pts[i] * self.time_base)


@dataclass(frozen=True)
class Chunk:
    """Frames ``start`` … ``end - 1`` are written; the ``warmup`` frames before ``start`` are only smoothed."""

    index: int
    start: int
    end: int
    warmup: int


def index_frames(path: str) -> FrameIndex:
    """Every video frame's timestamp and the keyframes, from the packets (nothing is decoded)."""
    reader = VideoFileReader(path)
    try:
        stream = reader.video
        time_base = Fraction(stream.time_base)
        stamps = []
        for packet in reader.container.demux(stream):
            if packet.pts is not None:
                stamps.append((int(packet.pts), bool(packet.is_keyframe)))
        rotation = 0
        reader.container.seek(0)
        for frame in reader.container.decode(stream):  # the display rotation comes with the frames
            rotation = int(getattr(frame, "rotation", 0) or 0)
            break
    finally:
        reader.close()
    if not stamps:
        raise InputError(f"{path}: no video frames with timestamps; render it on one machine")
    stamps.sort()
    pts = tuple(p for p, _ in stamps)
    if len(set(pts)) != len(pts):
        raise InputError(f"{path}: frames share timestamps; render it on one machine")
    keyframes = tuple(i for i, (_, key) in enumerate(stamps) if key)
    info = reader.info
    return FrameIndex(pts, keyframes, time_base, Fraction(info.fps), (info.width, info.height),
                      rotation)


def plan_chunks(frames: int, keyframes: tuple[int, ...], chunk_frames: int,
                warmup: int = WARMUP_FRAMES) -> list[Chunk]:
    """Cuts near every multiple of ``chunk_frames``: at the nearest keyframe within half a chunk, else right there."""
    if frames < 1 or chunk_frames < 1:
        raise ValueError("a plan needs frames and a positive chunk length")
    cuts, target = [0], chunk_frames
    while target < frames:
        near = [k for k in keyframes if abs(k - target) <= chunk_frames // 2 and cuts[-1] < k < frames]
        cut = min(near, key=lambda k: abs(k - target)) if near else target
        if cut > cuts[-1]:
            cuts.append(cut)
        target = cut + chunk_frames
    cuts.append(frames)
    return [Chunk(i, a, b, min(warmup, a)) for i, (a, b) in enumerate(zip(cuts, cuts[1:]))]


def render_chunk(input_path: str, index: FrameIndex, chunk: Chunk, stylizer, smoother, out_path: Path,
                 on_frame=None) -> int:
    """Write ``chunk``'s frames, stylized, to ``out_path`` (a lossless video-only MP4, renamed into place when
    complete); returns how many. ``on_frame(i)`` is called with each written frame's index (tests: a worker
    that dies)."""
    first = chunk.start - chunk.warmup
    wanted = {p: i for i, p in enumerate(index.pts[first:chunk.end], start=first)}
    reader = VideoFileReader(input_path)
    tmp = out_path.with_name(f".{out_path.name}.part.mp4")
    encoder = None
    written, seen = 0, first
    try:
        stream = reader.video
        reader.container.seek(index.pts[first], stream=stream, backward=True, any_frame=False)
        encoder = H264Encoder(str(tmp), index.fps, index.size, format="mp4", options=LOSSLESS)
        done = 0  # jobs out of the pipeline: they come in order, from frame ``first`` on

        def write(job) -> None:
            nonlocal written, done
            i = first + done
            done += 1
            if i >= chunk.start:
                encoder.write(job.output, index.seconds(i))
                written += 1
                if on_frame is not None:
                    on_frame(i)

        with RenderPipeline(stylizer, smoother) as pipeline:
            for frame in reader.container.decode(stream):
                i = wanted.get(frame.pts)
                if i is None:
                    if frame.pts is not None and frame.pts > index.pts[chunk.end - 1]:
                        break
                    continue  # before the chunk's first frame (the seek lands on a keyframe before it)
                if i != seen:
                    raise InputError(f"{input_path}: frame {seen} did not decode after a seek; render it on one "
                                     "machine")
                seen += 1
                image, _ = reader.convert(frame)
                for job in pipeline.submit(image, None):
                    write(job)
                if seen == chunk.end:
                    break
            for job in pipeline.drain():
                write(job)
        if seen != chunk.end:
            raise InputError(f"{input_path}: frames {seen}…{chunk.end - 1} did not decode; render it on one machine")
        encoder.close()
        encoder = None
        os.replace(tmp, out_path)
    finally:
        if encoder is not None:
            try:
                encoder.container.close()
            except Exception:  # noqa: BLE001 - removed either way
                pass
        tmp.unlink(missing_ok=True)
        reader.close()
    return written


class ChunkJoiner:
    """The chunks' frames, in order, encoded once into ``output_path`` as ``render`` encodes (``options``: its
    crf, preset and codec; the input's frame times, rotation and audio). ``add`` each chunk's file as it
    arrives, then ``finish``; ``abort`` leaves nothing behind. The output appears only when complete."""

    def __init__(self, input_path: str, index: FrameIndex, output_path: Path, options) -> None:
        import av

        from video.render import Mp4Output

        self.index, self.frames = index, 0
        self.source = av.open(input_path)
        try:
            self.audio = self.source.streams.audio[0] if self.source.streams.audio else None
            self.output = Mp4Output(Path(output_path), index.fps, index.size, index.rotation, self.audio, options)
        except BaseException:
            self.source.close()
            raise

    def add(self, part: Path) -> int:
        """Encode ``part``'s frames (the next chunk's); returns how many."""
        import av

        before = self.frames
        with av.open(str(part)) as src:
            for frame in src.decode(src.streams.video[0]):
                if self.frames >= len(self.index.pts):
                    raise UserError(f"the chunks hold more frames than the input's {len(self.index.pts)}")
                self.output.video.write_frame(frame, self.index.seconds(self.frames))
                self.frames += 1
        return self.frames - before

    def finish(self) -> str:
        """The input's audio, then the file renamed into place; returns the audio mode."""
        if self.frames != len(self.index.pts):
            raise UserError(f"the chunks hold {self.frames} frames, the input {len(self.index.pts)}")
        try:
            if self.audio is not None:
                for packet in self.source.demux(self.audio):
                    if packet.dts is not None:
                        self.output.write_audio(packet)
            self.output.finish()
        except BaseException:
            self.abort()
            raise
        self.source.close()
        return self.output.audio_mode

    def abort(self) -> None:
        self.output.abort()
        self.source.close()
