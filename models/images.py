"""Image files ↔ arrays and tensors, without OpenCV windows or PyAV (so ``models/`` stays light).

Arrays are ``H×W×3 uint8 RGB``; tensors are ``N×3×H×W float32 RGB`` in [0, 1].
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
from pathlib import Path

import numpy as np
import torch

from models.errors import UserError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
MAX_IMAGE_PIXELS = 80_000_000  # 80 MP: larger images are refused before decoding


class ImageError(UserError):
    """An image that cannot be read; the message is one line for the user."""


def read_rgb(path: str | Path) -> np.ndarray:
    """Decode an image file to ``H×W×3 uint8 RGB`` (grey and alpha are converted)."""
    import cv2

    path = Path(path)
    if not path.is_file():
        raise ImageError(f"image not found: {path}")
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: empty file, not an image")
    size = header_size(path)
    if size is not None and size[0] * size[1] > MAX_IMAGE_PIXELS:
        raise ImageError(f"{path}: {size[0]}x{size[1]} is larger than {MAX_IMAGE_PIXELS // 1_000_000} megapixels")
    data = np.fromfile(str(path), dtype=np.uint8)
    with native_stderr_captured() as messages:
        bgr = cv2.imdecode(data, cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageError(f"{path}: not a readable image")
    if messages():  # libpng/libjpeg complained but gave pixels: say so once, in our words
        print(f"stylecam: warning: {path}: damaged image data, decoded what could be read", file=sys.stderr)
    if bgr.shape[0] * bgr.shape[1] > MAX_IMAGE_PIXELS:
        raise ImageError(f"{path}: image larger than {MAX_IMAGE_PIXELS // 1_000_000} megapixels")
    return np.ascontiguousarray(bgr[:, :, ::-1])


@contextlib.contextmanager
def native_stderr_captured():
    """Catch what C libraries (libpng, libjpeg, OpenCV's logger) write to file descriptor 2 while
    the block runs, so a damaged file ends in one line of ours, not theirs; yields a function
    returning the captured text."""
    import tempfile

    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        text: list[str] = []
        try:
            yield lambda: "".join(text)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            text.append(sink.read(4096).decode("utf-8", "replace").strip())


def header_size(path: Path) -> tuple[int, int] | None:
    """(width, height) from the file's header, without decoding the pixels; None if unknown."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Image.MAX_IMAGE_PIXELS = None  # the size is checked here, against our own limit
            with Image.open(path) as im:
                return im.size
    except (OSError, ValueError, SyntaxError):
        return None


def write_rgb(path: str | Path, image: np.ndarray) -> Path:
    """Encode ``H×W×3 uint8 RGB`` to a file whose suffix names the format; written atomically."""
    import os

    import cv2

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise ImageError(f"{path}: unsupported output format {suffix or '(none)'}; use .png or .jpg")
    ok, buf = cv2.imencode(suffix, np.ascontiguousarray(image[:, :, ::-1]))
    if not ok:
        raise ImageError(f"{path}: could not encode image")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_bytes(buf.tobytes())
    os.replace(tmp, path)
    return path


def resize_short_side(image: np.ndarray, short: int) -> np.ndarray:
    """Resize so that the short side is ``short`` px (area interpolation when shrinking)."""
    import cv2

    h, w = image.shape[:2]
    scale = short / min(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if size == (w, h):
        return image
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interp)


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """``H×W×3 uint8 RGB`` → ``1×3×H×W float32`` in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).unsqueeze(0).float().div_(255.0)


def to_uint8(tensor: torch.Tensor) -> np.ndarray:
    """``1×3×H×W`` float in [0, 1] → ``H×W×3 uint8 RGB`` (rounded, clipped)."""
    t = tensor[0].detach().float().clamp(0, 1).mul(255.0).round().to(torch.uint8)
    return np.ascontiguousarray(t.permute(1, 2, 0).cpu().numpy())


def sha256_file(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
