"""Tiny real media made by the tests with PyAV: moving clips with audio."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np


def moving_frame(i: int, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    """A textured scene that slides 2 px right per frame (``H×W×3 uint8 RGB``)."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    x = xx - 2 * i
    img = np.stack([128 + 100 * np.sin(x / 5.0), 128 + 100 * np.cos(yy / 4.0), 128 + 80 * np.sin((x + yy) / 7.0)], -1)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_clip(path: Path, frames: int = 16, fps: int = 24, size: tuple[int, int] = (64, 48),
              audio: str | None = "aac", times: list[float] | None = None, rotation: int = 0,
              container_format: str | None = None) -> Path:
    """Write a clip: H.264 video (optionally VFR ``times`` in seconds) plus a sine tone in ``audio`` codec."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format=container_format) as c:
        v = c.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.codec_context.time_base = Fraction(1, 1000)
        if rotation:
            v.set_display_rotation(rotation)
        a = None
        if audio:
            a = c.add_stream(audio, rate=16000)
            a.layout = "mono"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(moving_frame(i, size), format="rgb24")
            t = times[i] if times else i / fps
            frame.pts, frame.time_base = round(t * 1000), Fraction(1, 1000)
            for p in v.encode(frame):
                c.mux(p)
        for p in v.encode():
            c.mux(p)
        if a is not None:
            seconds = frames / fps if not times else times[-1] + 1 / fps
            n = int(16000 * seconds)
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / 16000)).astype(np.float32)
            fmt = "s16" if audio.startswith("pcm_s16") else "fltp"
            samples = (tone * 32767).astype(np.int16) if fmt == "s16" else tone
            chunk = 1024
            for start in range(0, n, chunk):
                part = samples[start : start + chunk][None, :]
                af = av.AudioFrame.from_ndarray(np.ascontiguousarray(part), format=fmt, layout="mono")
                af.sample_rate, af.pts = 16000, start
                af.time_base = Fraction(1, 16000)
                for p in a.encode(af):
                    c.mux(p)
            for p in a.encode():
                c.mux(p)
    return path


def probe(path: Path) -> dict:
    """What the tests compare: frame times, size, rate, rotation, keyframes, audio codec and packet count."""
    import av

    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = list(c.decode(video=0))
        info = {"times": [round(float(f.time), 4) for f in frames], "size": (v.width, v.height),
                "rate": v.average_rate, "rotation": int(frames[0].rotation or 0) if frames else 0,
                "pix_fmt": v.codec_context.pix_fmt, "codec": v.codec_context.name,
                "keyframes": [i for i, f in enumerate(frames) if f.key_frame],
                "images": [f.to_ndarray(format="rgb24") for f in frames]}
    with av.open(str(path)) as c:
        if c.streams.audio:
            a = c.streams.audio[0]
            packets = [p for p in c.demux(a) if p.size]
            info["audio"] = {"codec": a.codec_context.name, "packets": len(packets),
                             "bytes": sum(p.size for p in packets)}
        else:
            info["audio"] = None
    return info
