"""Issue 22: train the whitening-and-colouring decoders (models/nets/wct.py) on photos only, then pack them.

    python scripts/recipes/train_wct_decoders.py --data ../shared/data --level 4 --minutes 60 [--width 0.5]
        [--work out/wct] [--resume]
    python scripts/recipes/train_wct_decoders.py --pack --work out/wct [--out models/weights/wct.decoders.safetensors]

Photos: the ``training_photos`` folders of scripts/splits/any_painting.json (no validation or held-out
photo, no painting at all). Each level trains in WORK/level{L}/ (checkpoints, resumable) and is written
to WORK/level{L}.safetensors; ``--pack`` puts the levels (``--levels``, default 4,3,2,1) into one file with
each run's command and settings in its metadata (and those of the run it started from).
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SPLIT = ROOT / "scripts" / "splits" / "any_painting.json"

from models.inference.registry import SHIPPED_DIR, WCT_FILE, load_wct_decoders, save_wct_decoders  # noqa: E402
from models.nets.wct import LEVELS  # noqa: E402


def with_history(train: dict) -> dict:
    """A level's training settings, with those of the run it started from (``--init``), recursively."""
    init = train.get("init")
    if init and Path(init).is_file():
        _, meta = load_wct_decoders(init)
        return {**train, "init_train": with_history(meta.get("train", {}))}
    return train


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="../shared/data")
    ap.add_argument("--level", type=int, choices=LEVELS)
    ap.add_argument("--minutes", type=float)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--width", type=float, default=0.5)
    ap.add_argument("--size", type=int, default=160)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--photos", nargs="+", help="photo folders instead of the split's training folders (the GPU "
                    "machine's copy: scripts/device/prepare_data.py)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--wct-share", type=float, default=0.0,
                    help="share of each batch that is one photo's features coloured with another photo's")
    ap.add_argument("--init", help="start from this level decoder file")
    ap.add_argument("--work", type=Path, default=Path("out/wct"))
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--pack", action="store_true", help="pack the trained levels into one file")
    ap.add_argument("--out", type=Path, default=SHIPPED_DIR / WCT_FILE)
    ap.add_argument("--levels", default=",".join(map(str, LEVELS)),
                    help="--pack: the cascade's levels, in order (coarse to fine)")
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)
    if args.pack:
        decoders, metas = [], []
        for level in (int(x) for x in args.levels.split(",")):
            (decoder,), meta = load_wct_decoders(args.work / f"level{level}.safetensors")
            decoders.append(decoder)
            metas.append(with_history(meta["train"]))
        save_wct_decoders(decoders, {"about": "photo-only decoders for whitening and colouring (issue 22)",
                                     "train": metas}, args.out)
        print(f"packed {len(decoders)} levels into {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")
        return 0
    if (args.data is None and not args.photos) or args.level is None:
        ap.error("--data (or --photos) and --level, or --pack")
    from models.training.wct_decoders import DecoderTrainConfig, train_level_decoder

    split = json.loads(SPLIT.read_text())
    content = args.photos or [str(Path(args.data) / p) for p in split["training_photos"]]
    cfg = DecoderTrainConfig(content, args.level, args.width, args.steps, args.minutes, args.size, args.batch,
                             wct_share=args.wct_share, init=args.init)
    started = time.time()

    def on_step(r) -> None:
        if r.step % 50 == 0:
            print(f"level {args.level} step {r.step} {r.elapsed:.0f}s pixel {r.style:.5f} feature {r.content:.4f}",
                  flush=True)

    decoder, settings = train_level_decoder(cfg, args.work / f"level{args.level}", args.resume, on_step,
                                            torch.device(args.device))
    script = Path(__file__).resolve().relative_to(ROOT).as_posix()  # as the weights' metadata cites it
    command = f"python {script} " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    save_wct_decoders([decoder], {"train": {"level": args.level, "command": command, **settings}},
                      args.work / f"level{args.level}.safetensors")
    print(f"level {args.level}: {settings['final_step']} steps in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
