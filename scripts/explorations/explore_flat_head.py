"""Painters with and without a phase-flat head (issue 34, item 6: the 8-px lattice), on the validation photos of
scripts/splits/live_sizes.json: each painter at 640×480 with its trunk at 0.75 of the frame (360 px) and at the
full size, against the style's fast tier on the whole frame.

    python scripts/explorations/explore_flat_head.py --data ../shared/data --style starry \
        raw:models/weights/live/starry.safetensors flat:models/weights/live/starry.safetensors \
        flat:out/flat_painters/starry.safetensors

``raw:FILE`` runs the painter as written; ``flat:FILE`` with its head made phase-flat
(:func:`models.nets.live.flat_phase_head`; a painter trained with ``--flat-head`` is unchanged by it). Prints per
painter and trunk size the medians over the photos (worst photo in brackets): live ratio (style), content ratio,
sharpness and the lattice at the 8-px period, each against the fast tier's (QUALITY.md). The flat painter was
trained by ``python scripts/recipes/train_painters.py --data ../shared/data --styles starry --flat-head --out
out/flat_painters [--steps 150|400]``.
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

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SPLIT = ROOT / "scripts" / "splits" / "live_sizes.json"


def main(argv: list[str] | None = None) -> int:
    import cv2

    from models.images import read_rgb
    from models.inference.style_files import load_checked
    from models.nets.live import flat_phase_head
    from models.nets.vgg import VGG19Features
    from models.quality import distances, lattice_prominence, ratios, sharpness_ratio
    from scripts.reports.common import live_frame

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--style", required=True)
    ap.add_argument("painters", nargs="+", help="raw:FILE or flat:FILE")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    split = json.loads(SPLIT.read_text())
    painting = read_rgb(args.data / split["paintings"][args.style])
    scale = 512 / max(painting.shape[:2])
    painting = cv2.resize(painting, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    fast, _ = load_checked(ROOT / "models" / "weights" / f"{args.style}.safetensors")
    vgg = VGG19Features()
    nets = []
    for spec in args.painters:
        kind, _, path = spec.partition(":")
        if kind not in ("raw", "flat") or not path:
            ap.error(f"{spec}: give raw:FILE or flat:FILE")
        net, _ = load_checked(Path(path))
        if kind == "flat":
            net.head.weight.data.copy_(flat_phase_head(net.head.weight.data, net.patch))
        nets.append((spec, net))

    def tensor(x: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(x).permute(2, 0, 1)[None].float() / 255

    def picture(y: torch.Tensor) -> np.ndarray:
        return (y[0].permute(1, 2, 0).clamp(0, 1) * 255 + 0.5).byte().numpy()

    rows: dict[tuple[str, int], list[tuple[float, float, float, float]]] = {}
    for photo in split["validation"]:
        frame = live_frame(read_rgb(args.data / photo))
        x = tensor(frame)
        with torch.no_grad():
            full = picture(fast(x))
            d_full = distances(vgg, full, frame, painting)
            for spec, net in nets:
                for trunk in (360, 480):
                    small = x if trunk == 480 else F.interpolate(x, size=[trunk, trunk * 4 // 3], mode="bilinear",
                                                                 align_corners=False, antialias=True)
                    out = picture(net(x, small))
                    r_style, r_content = ratios(distances(vgg, out, frame, painting), d_full)
                    rows.setdefault((spec, trunk), []).append(
                        (r_style, r_content, sharpness_ratio(out, full),
                         lattice_prominence(out, 8.0) / lattice_prominence(full, 8.0)))
    for (spec, trunk), r in rows.items():
        med = [statistics.median(v[i] for v in r) for i in range(4)]
        print(f"{spec} trunk {trunk}: style ×{med[0]:.2f} (×{max(v[0] for v in r):.2f}) content ×{med[1]:.2f} "
              f"sharpness ×{med[2]:.2f} (×{min(v[2] for v in r):.2f}) lattice ×{med[3]:.2f} "
              f"(×{max(v[3] for v in r):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
