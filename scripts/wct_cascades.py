"""Issue 22, validation only: which WCT cascade (levels, alpha) comes nearest the paintings, per VGG layer.

    python scripts/wct_cascades.py --decoders FILE --configs '[[[3,2],1.0],[[4,3,2,1],1.0]]' [--work out/anyp_val]
        [--out out/wct_explore] [--threads 2]

``--decoders``: a WCT decoder file holding every level the configs use (scripts/train_wct_decoders.py --pack).
Each config is ``[levels coarse to fine, alpha]``. For each, on the validation paintings whose Gatys references
are cached in WORK/ref (Monet's Houses of Parliament and Picasso's self-portrait against the split's first three
validation photos, made by scripts/learn_report.py --set validation): the style ratio's median and worst photo,
the content ratio's median, and the median ratio of each style layer relu1_1…relu5_1 (../shared/QUALITY.md).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAINTINGS = ("monet_houses_of_parliament", "picasso_self_portrait_1907")
PHOTOS = ("davis_bmx-trees_00040", "davis_breakdance_00042", "davis_car-shadow_00020")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--decoders", required=True)
    ap.add_argument("--configs", required=True, help="JSON: [[[levels], alpha], ...]")
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--work", type=Path, default=Path("out/anyp_val"), help="holds photos/ and ref/")
    ap.add_argument("--out", type=Path, default=Path("out/wct_explore"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    import torch

    from models.images import read_rgb, resize_short_side, to_tensor, to_uint8, write_rgb
    from models.inference.registry import load_wct_decoders
    from models.nets.vgg import VGG19Features
    from models.nets.wct import WCTStyleNet, style_statistics
    from models.quality import distances

    torch.set_num_threads(args.threads)
    by_level = {d.level: d for d in load_wct_decoders(args.decoders)[0]}
    vgg, encoder = VGG19Features(), VGG19Features("block4_relu1")
    for levels, alpha in json.loads(args.configs):
        for name in PAINTINGS:
            painting = resize_short_side(read_rgb(Path(args.data) / "styles" / "pd" / f"{name}.jpg"), 256)
            net = WCTStyleNet(encoder, [by_level[level] for level in levels],
                              style_statistics(encoder, to_tensor(painting), levels), alpha).eval()
            rows = []
            for photo_name in PHOTOS:
                photo = read_rgb(args.work / "photos" / f"{photo_name}.png")
                with torch.no_grad():
                    out = to_uint8(net(to_tensor(photo)))
                tag = "".join(map(str, levels))
                write_rgb(args.out / f"{name}__{tag}_{alpha}__{photo_name}.png", out)
                ref = read_rgb(args.work / "ref" / f"{name}__{photo_name}.png")
                ours, theirs = distances(vgg, out, photo, painting), distances(vgg, ref, photo, painting)
                layers = [a / b for a, b in zip(ours.style, theirs.style)]
                rows.append((math.exp(sum(map(math.log, layers)) / len(layers)), ours.content / theirs.content, layers))
            per_layer = [round(statistics.median(r[2][i] for r in rows), 2) for i in range(len(rows[0][2]))]
            print(f"{''.join(map(str, levels)):>5} a={alpha:<4} {name[:20]:<20} "
                  f"style x{statistics.median(r[0] for r in rows):.2f} worst x{max(r[0] for r in rows):.2f} "
                  f"content x{statistics.median(r[1] for r in rows):.2f} layers {per_layer}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
