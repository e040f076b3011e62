"""Issue 34's exploration: how the live tier's stylization, made below the frame, should reach the frame.

    python scripts/explore_upscale.py --data ../shared/data --styles starry udnie [--photos N]

On the validation photos of scripts/splits/live_sizes.json (640×480 frames, QUALITY.md's crop), for the network
at 0.75 and 0.5 of the frame's short side: the guided filter (what shipped before), bicubic and Lanczos
upscaling of the stylization, and two ways of painting at the frame's own resolution with the shipped live
weights untrained for it (features upsampled to the frame's patch grid, then the head; or only the residual
blocks' change upsampled onto the full-size stem's features); at the full size, the head's lattice removed by
painting the features' local mean flat (the head is linear before its sigmoid). Against the shipped fast tier
on the whole frame (no codec on either side): sharpness, style and content ratio (medians, worst photo) and the
lattice prominence at the patch period as it lands in the output ÷ the fast tier's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.images import read_rgb, resize_short_side  # noqa: E402
from models.inference.registry import load_style  # noqa: E402
from models.nets.vgg import VGG19Features  # noqa: E402
from models.quality import detail, distances, lattice_prominence, ratios  # noqa: E402
from scripts.live_report import live_frame  # noqa: E402

SPLIT = ROOT / "scripts" / "splits" / "live_sizes.json"


def guided_upsample(small_out: np.ndarray, small_guide: np.ndarray, guide: np.ndarray, radius: int = 2,
                    eps: float = 1e-3) -> np.ndarray:
    """The upscale that shipped before issue 34 (the fast guided filter, He & Sun 2015, the frame's luma as the
    guide, coefficients fitted in 5×5 windows at the network's size): kept here as the baseline it measured."""
    import cv2

    h, w = guide.shape[:2]
    box = (2 * radius + 1, 2 * radius + 1)

    def mean(x: np.ndarray) -> np.ndarray:
        return cv2.boxFilter(x, -1, box, borderType=cv2.BORDER_REFLECT)

    i = (small_guide.astype(np.float32) @ np.asarray((0.299, 0.587, 0.114), np.float32)) / 255.0
    p = small_out.astype(np.float32) / 255.0
    mean_i, mean_p = mean(i), mean(p)
    a = (mean(p * i[..., None]) - mean_p * mean_i[..., None]) / ((mean(i * i) - mean_i * mean_i)[..., None] + eps)
    b = mean_p - a * mean_i[..., None]
    a = cv2.resize(mean(a), (w, h), interpolation=cv2.INTER_LINEAR)
    b = cv2.resize(mean(b) * 255.0 + 0.5, (w, h), interpolation=cv2.INTER_LINEAR)
    luma = cv2.cvtColor(guide, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return np.clip(a * luma[..., None] + b, 0, 255).astype(np.uint8)


def to_frame(y: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray((y[0].permute(1, 2, 0) * 255).round().clamp(0, 255).byte().numpy())


def tensor(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255


def small_of(image: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    return cv2.resize(image, (round(w * scale / 8) * 8, round(h * scale / 8) * 8), interpolation=cv2.INTER_AREA)


def outputs(live, image: np.ndarray, painter=None) -> dict[str, tuple[np.ndarray, float]]:
    """name → (output, the patch period in output pixels); ``painter``: a trained
    :class:`models.nets.live.FramePainter` to measure too, its trunk at 1, 0.75 and 0.5 of the frame."""
    import cv2

    h, w = image.shape[:2]
    out = {"full": (to_frame(live(tensor(image))), 8.0)}
    if painter is not None:
        for scale in (1.0, 0.75, 0.5):
            small = image if scale == 1.0 else small_of(image, scale)
            out[f"painter, trunk at {scale}"] = (to_frame(painter(tensor(image), tensor(small))), 8.0)
        return out
    f = live.res(live.stem(tensor(image)))
    g = F.avg_pool2d(F.pad(f, [2] * 4, mode="replicate"), 5, stride=1)
    dc = torch.einsum("iokl->oi", live.head.weight) / 64
    flat = torch.einsum("oi,nihw->nohw", dc, g) + live.head.bias.view(1, -1, 1, 1)
    y = live.paint(f - g) - live.head.bias.view(1, -1, 1, 1) + F.interpolate(flat, scale_factor=8, mode="bilinear")
    out["full, lattice painted flat"] = (to_frame(torch.sigmoid(y)), 8.0)
    for scale in (0.75, 0.5):
        small = small_of(image, scale)
        period = 8 * h / small.shape[0]
        stylized = to_frame(live(tensor(small)))
        out[f"{scale} guided filter"] = (guided_upsample(stylized, small, image), period)
        out[f"{scale} bicubic"] = (cv2.resize(stylized, (w, h), interpolation=cv2.INTER_CUBIC), period)
        out[f"{scale} lanczos"] = (cv2.resize(stylized, (w, h), interpolation=cv2.INTER_LANCZOS4), period)
        coarse = live.res(live.stem(tensor(small)))
        up = F.interpolate(coarse, size=(h // 8, w // 8), mode="bicubic", align_corners=False)
        out[f"{scale} features up, head at full size"] = (to_frame(torch.sigmoid(live.paint(up))), 8.0)
        stem = live.stem(tensor(image))
        c = F.interpolate(stem, size=coarse.shape[-2:], mode="bilinear", antialias=True, align_corners=False)
        change = F.interpolate(live.res(c) - c, size=stem.shape[-2:], mode="bilinear", align_corners=False)
        out[f"{scale} full stem + blocks' change up"] = (to_frame(torch.sigmoid(live.paint(stem + change))), 8.0)
    return out


def picture_rows(picture: Path, photos: list[Path]) -> dict[str, list[tuple[float, float]]]:
    """A picture style (the light AdaIN network `live` runs): its output at 0.75 and 0.5 of the frame, scaled up
    bicubically (now) and by the guided filter (before), against its own output on the whole frame (QUALITY.md's
    reference for a picture style): sharpness and photo-edge excess per photo."""
    from models.inference.runtime import Stylizer
    from models.quality import edge_correlation

    rows: dict[str, list[tuple[float, float]]] = {}
    full = Stylizer(picture, model_size=None, prefer_decoder="light")
    for photo in photos:
        image = live_frame(read_rgb(photo))
        ref = full(image)
        for scale in (0.75, 0.5):
            small_in, small_out = Stylizer(picture, model_size=int(480 * scale), prefer_decoder="light").stylize_small(
                image)
            for name, out in ((f"{scale} bicubic (now)", full.finish(small_out, image)),
                              (f"{scale} guided filter (before)", guided_upsample(small_out, small_in, image))):
                excess = edge_correlation(out, image) - edge_correlation(ref, image)
                rows.setdefault(name, []).append((detail(out) / detail(ref), excess))
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--styles", nargs="+", default=["starry"])
    ap.add_argument("--photos", type=int, default=5, help="how many of the validation photos")
    ap.add_argument("--painter", help="a trained painter's weights, STYLE for the style's (one style): measured "
                                      "beside the shipped live tier at full size instead of the alternatives")
    ap.add_argument("--picture", type=Path, help="a painting as a picture style: its scale-up measured on the "
                                                   "held-out photos instead (sharpness against its full-frame output)")
    args = ap.parse_args(argv)
    torch.set_num_threads(2)
    split = json.loads(SPLIT.read_text())
    if args.picture:
        rows = picture_rows(args.picture, [args.data / p for p in split["heldout"]])
        print(f"\n{args.picture.name} as a picture style, {len(split['heldout'])} held-out photos at 640×480, against "
              "its own output on the whole frame\n| output | sharpness (lowest) | photo edges |\n|---|---|---|")
        for name, values in rows.items():
            a = np.array(values)
            print(f"| {name} | ×{statistics.median(a[:, 0]):.2f} (×{a[:, 0].min():.2f}) | "
                  f"{statistics.median(a[:, 1]):+.2f} |")
        return 0
    vgg = VGG19Features()
    for style in args.styles:
        live, _ = load_style(ROOT / "models" / "weights" / "live" / f"{style}.safetensors")
        fast, _ = load_style(ROOT / "models" / "weights" / f"{style}.safetensors")
        live.eval(), fast.eval()
        painter = load_style(args.painter.replace("STYLE", style))[0].eval() if args.painter else None
        painting = resize_short_side(read_rgb(args.data / split["paintings"][style]), 480)
        rows: dict[str, list[tuple[float, float, float, float]]] = {}
        for photo in split["validation"][: args.photos]:
            image = live_frame(read_rgb(args.data / photo))
            with torch.no_grad():
                ref = to_frame(fast(tensor(image)))
                results = outputs(live, image, painter)
            d_ref = distances(vgg, ref, image, painting)
            for name, (out, period) in results.items():
                r_s, r_c = ratios(distances(vgg, out, image, painting), d_ref)
                lattice = lattice_prominence(out, period) / lattice_prominence(ref, period)
                rows.setdefault(name, []).append((detail(out) / detail(ref), r_s, r_c, lattice))
        print(f"\n{style}: {len(split['validation'][: args.photos])} validation photos, 640×480, against the fast tier")
        print("| output | sharpness (worst) | style (worst) | content | lattice ÷ fast tier (worst) |")
        print("|---|---|---|---|---|")
        for name, values in rows.items():
            a = np.array(values)
            med = [statistics.median(a[:, i]) for i in range(4)]
            print(f"| {name} | ×{med[0]:.2f} (×{a[:, 0].min():.2f}) | ×{med[1]:.2f} (×{a[:, 1].max():.2f}) | "
                  f"×{med[2]:.2f} | ×{med[3]:.2f} (×{a[:, 3].max():.2f}) |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
