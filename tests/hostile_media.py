"""A corpus of bad media files, made on the spot (nothing downloaded, nothing from ../shared)."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import numpy as np

from models.images import write_rgb
from tests.video.media import make_clip


def sparse_png(path: Path, width: int, height: int) -> Path:
    """A valid 1-bit greyscale PNG of ``width×height`` (all black); small on disk however large its header says."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    packer = zlib.compressobj(9)
    row = b"\0" * (1 + (width + 7) // 8)  # filter byte + the packed bits
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


def audio_only(path: Path) -> Path:
    import av

    with av.open(str(path), "w") as c:
        a = c.add_stream("aac", rate=16000)
        a.layout = "mono"
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 16000
        for p in [*a.encode(frame), *a.encode()]:
            c.mux(p)
    return path


def build_corpus(folder: Path) -> dict[str, Path]:
    """name → file: every kind of bad input that issue 8 lists."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(8)
    clip = make_clip(folder / "clip.mp4", frames=24, audio=None)
    corpus = {
        "zero_bytes": folder / "zero.mp4",
        "random_bytes": folder / "random.mp4",
        "truncated_mp4": folder / "truncated.mp4",
        "png_bad_header": folder / "bad_header.png",
        "image_1x1": write_rgb(folder / "one.png", np.full((1, 1, 3), 200, np.uint8)),
        "image_20000x20000": sparse_png(folder / "huge.png", 20000, 20000),
        "no_video_stream": audio_only(folder / "audio_only.mp4"),
        "size_changes": folder / "size_changes.ts",
        "unknown_codec": folder / "unknown_codec.mp4",
    }
    corpus["zero_bytes"].write_bytes(b"")
    corpus["random_bytes"].write_bytes(rng.integers(0, 256, 20000, dtype=np.uint8).tobytes())
    data = clip.read_bytes()
    corpus["truncated_mp4"].write_bytes(data[: len(data) // 2])
    # found by scripts/reports/fuzz_media.py: a damaged sample description names a codec FFmpeg has no decoder for
    corpus["unknown_codec"].write_bytes(data.replace(b"avc1", b"zzz1"))
    good_png = write_rgb(folder / "good.png", rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)).read_bytes()
    corpus["png_bad_header"].write_bytes(b"\x89PNX" + good_png[4:])
    a = make_clip(folder / "a.ts", frames=6, size=(64, 48), audio=None, container_format="mpegts")
    b = make_clip(folder / "b.ts", frames=6, size=(96, 64), audio=None, container_format="mpegts")
    corpus["size_changes"].write_bytes(a.read_bytes() + b.read_bytes())
    for helper in (clip, a, b, folder / "good.png"):
        os.remove(helper)
    return corpus
