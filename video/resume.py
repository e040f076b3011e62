"""Resuming an interrupted render: the frames already stylized are kept, ``--resume`` goes on from there.

On Ctrl-C or SIGTERM, render finishes the MP4 it was writing (the encoder is flushed, so
every frame stylized so far is in it) and moves it, with a small JSON file, into the hidden
folder ``.OUT.resume/`` beside OUT; OUT itself is never touched. ``render --resume`` with the
same input and options copies those video packets into the new file as they are (no second
encoding), decodes only what the temporal smoother needs, skips the input's first frames
without stylizing them, and continues. A state made by another input or other options is
refused, so a resume never splices two different renders together.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.errors import UserError

STATE_VERSION = 1


def state_dir(output: Path) -> Path:
    return output.with_name(f".{output.name}.resume")


def fingerprint(input_path: str, settings: dict) -> str:
    """What must not change between an interrupted render and its resume: the input file and the options."""
    p = Path(input_path).resolve()
    stat = p.stat() if p.is_file() else None
    key = {"input": str(p), "size": stat.st_size if stat else None, "mtime_ns": stat.st_mtime_ns if stat else None,
           "settings": settings}
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class ResumeState:
    video: Path  # an MP4 whose video stream holds the first ``frames`` output frames
    frames: int


def save(output: Path, video: Path, frames: int, key: str) -> Path:
    """Move the finished partial ``video`` into the state folder with its frame count and fingerprint."""
    folder = state_dir(output)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    video.replace(folder / "video.mp4")
    (folder / "state.json").write_text(json.dumps({"version": STATE_VERSION, "frames": frames, "fingerprint": key}))
    return folder


def load(output: Path, key: str) -> ResumeState:
    """The saved state for ``output``; one clear error when there is none or it belongs to another render."""
    folder = state_dir(output)
    try:
        state = json.loads((folder / "state.json").read_text())
        frames = int(state["frames"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UserError(f"--resume: no interrupted render of {output} to continue") from None
    if state.get("version") != STATE_VERSION or state.get("fingerprint") != key:
        raise UserError(f"--resume: the interrupted render of {output} used another input or other options; "
                        f"run the same command, or delete {folder} to start again")
    if frames < 1 or not (folder / "video.mp4").is_file():
        raise UserError(f"--resume: the saved state in {folder} is incomplete; delete it to start again")
    return ResumeState(folder / "video.mp4", frames)


def saved_frames(output: Path) -> int | None:
    """How many frames an interrupted render of ``output`` kept (None: there is none)."""
    try:
        return int(json.loads((state_dir(output) / "state.json").read_text())["frames"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back until the block is done; a signal that came is raised right after it.

    Writing a frame and counting it must happen together: a signal that lands after the encoder
    took a frame but before render counted it would save a part with one frame more than its state
    says, which no ``--resume`` could continue. (Masking the signal would not do: in a process with
    other threads, the kernel hands it to one of them and Python still raises it in the main thread.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # Python runs signal handlers only in the main thread: nothing arrives here to hold back
        return
    came: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, _frame: came.append(signum)) for s in held}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)  # None: not set from Python
        if came:  # now it arrives, to the handler that was there before
            signal.raise_signal(came[0])


def discard(output: Path) -> None:
    shutil.rmtree(state_dir(output), ignore_errors=True)


def last_frame(part: Path) -> tuple[int, np.ndarray, float]:
    """(frames in ``part``'s video, the last one as ``H×W×3 uint8 RGB``, the latest timestamp in seconds)."""
    import av

    count, last, latest = 0, None, 0.0
    try:
        with av.open(str(part)) as container:
            stream = container.streams.video[0]
            for frame in container.decode(stream):
                count, last = count + 1, frame
                if frame.pts is not None:
                    latest = max(latest, float(frame.pts * stream.time_base))
    except (av.error.FFmpegError, IndexError, OSError) as exc:
        raise UserError(f"--resume: the saved part {part} is damaged ({exc.__class__.__name__}); "
                        "delete it to start again") from None
    if last is None:
        raise UserError(f"--resume: {part} holds no video; delete it to start again")
    return count, last.to_ndarray(format="rgb24"), latest


def stitch(part: Path, rest: Path, out: Path) -> Path:
    """``part``'s video packets, then ``rest``'s video (and all of ``rest``'s audio), copied into ``out``.

    Both videos come from the same encoder settings, so their codec headers agree and the packets
    are copied as they are: no second encoding, no quality lost. (Copied into streams made from
    the files' own, not into a live encoder's stream: FFmpeg's MP4 muxer writes empty samples then.)
    """
    import av

    with av.open(str(part)) as first, av.open(str(rest)) as second, \
            av.open(str(out), "w", format="mp4", options={"movflags": "+faststart"}) as dst:
        video = dst.add_stream_from_template(second.streams.video[0])
        audio = dst.add_stream_from_template(second.streams.audio[0]) if second.streams.audio else None
        for packet in first.demux(first.streams.video[0]):
            if packet.dts is not None:
                packet.stream = video
                dst.mux(packet)
        for packet in second.demux():
            if packet.dts is None or packet.stream.type not in ("video", "audio"):
                continue
            packet.stream = video if packet.stream.type == "video" else audio
            if packet.stream is not None:
                dst.mux(packet)
    return out
