"""The temporal warping error of a stylized video (Lai et al. 2018), as ../shared/QUALITY.md defines it.

For each t: flow from input frame t to t+1 and back (OpenCV DIS, medium preset, on the
grey input frames); reliable pixels pass the forward–backward check and are not on a
motion boundary (Ruder et al. 2016); ``E_t = Σ M·‖O_t − warp(O_{t+1})‖² / Σ M`` with RGB in
[0, 1] summed over channels; the error is the mean of E_t.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from video.flow import FlowEstimator, reliable_mask, warp


def frame_error(out_t: np.ndarray, out_next: np.ndarray, forward: np.ndarray, mask: np.ndarray) -> float:
    """One E_t: masked mean over pixels of the squared RGB difference (channels summed), in [0, 1] units."""
    aligned = warp(out_next, forward).astype(np.float32) / 255.0
    diff = ((out_t.astype(np.float32) / 255.0 - aligned) ** 2).sum(axis=-1)
    m = mask.astype(np.float32)
    return float((diff * m).sum() / max(m.sum(), 1.0))


def warping_errors(inputs: Iterable[np.ndarray], outputs: Iterable[np.ndarray],
                   method: str = "dis") -> tuple[float, float, int]:
    """(error of the outputs, error of the inputs themselves, number of frame pairs).

    ``inputs`` and ``outputs`` are frame iterables of equal length and size (``H×W×3 uint8 RGB``).
    """
    out_errors, in_errors = pair_errors(inputs, outputs, method)
    return float(np.mean(out_errors)), float(np.mean(in_errors)), len(out_errors)


def pair_errors(inputs: Iterable[np.ndarray], outputs: Iterable[np.ndarray],
                method: str = "dis") -> tuple[list[float], list[float]]:
    """E_t for every frame pair (t, t+1): of the outputs, and of the inputs themselves (the seams of a chunked
    render are measured on these)."""
    flow = FlowEstimator(method, "medium")
    out_errors, in_errors = [], []
    prev_in = prev_out = None
    for frame_in, frame_out in _paired(inputs, outputs):
        if prev_in is not None:
            forward = flow(prev_in, frame_in)
            backward = flow(frame_in, prev_in)
            mask = reliable_mask(forward, backward)
            out_errors.append(frame_error(prev_out, frame_out, forward, mask))
            in_errors.append(frame_error(prev_in, frame_in, forward, mask))
        prev_in, prev_out = frame_in, frame_out
    if not out_errors:
        raise ValueError("need at least two frames")
    return out_errors, in_errors


def _paired(inputs: Iterable[np.ndarray], outputs: Iterable[np.ndarray]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    it_in, it_out = iter(inputs), iter(outputs)
    for a in it_in:
        b = next(it_out, None)
        if b is None:
            raise ValueError("the stylized video has fewer frames than the input")
        if a.shape != b.shape:
            raise ValueError(f"frame sizes differ: input {a.shape[1]}x{a.shape[0]}, stylized {b.shape[1]}x{b.shape[0]}")
        yield a, b
    if next(it_out, None) is not None:
        raise ValueError("the stylized video has more frames than the input")


def video_frames(path: str, fps: float | None = None) -> Iterator[np.ndarray]:
    """Decoded RGB frames of a video file or an image sequence."""
    from video.decode import open_input

    reader = open_input(path, fps)
    try:
        for kind, item in reader.packets():
            if kind == "video":
                yield item[0]
    finally:
        reader.close()
