"""Fuzz the media entry points: mutated videos and pictures through ``stylecam`` in subprocesses.

    python scripts/reports/fuzz_media.py [--runs 60] [--seed 0] [--timeout 60] [--work out/fuzz]

Seeds are the bad-media corpus of the tests (tests/hostile_media.py) plus a valid clip and a
valid PNG and JPEG; each run mutates one seed (byte flips, a truncation, a spliced or
duplicated block) and gives it to ``image``, ``render``, ``live --source``, ``--style`` (a
picture, alone or in a blend, through a tiny AdaIN decoder installed for the run) or
``image --optimize --painting``.
Every run must end within the timeout with exit code 0, or with exit code 2 and one line on
stderr, and must leave no partial output. Failures are kept in WORK/failures for replay.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for tests and scripts.reports

from models.images import write_rgb
from models.inference.registry import save_decoder
from models.nets.adain import Decoder
from scripts.reports.common import ROOT
from tests.conftest import make_style
from tests.hostile_media import build_corpus
from tests.video.media import make_clip, moving_frame


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    kind = rng.choice(["flip", "truncate", "splice", "repeat"])
    if not b:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    if kind == "flip":
        for _ in range(rng.randint(1, 32)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == "truncate":
        b = b[: rng.randrange(len(b))]
    elif kind == "splice":
        i = rng.randrange(len(b))
        b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 256)))
    else:
        i, n = rng.randrange(len(b)), rng.randint(1, 4096)
        b[i:i] = b[i : i + n] * rng.randint(2, 4)
    return bytes(b)


def classify(code: int | None, err: str, leftovers: list[str]) -> str:
    if code is None:
        return "hang"
    if "Traceback" in err or code not in (0, 2):
        return "crash"
    if leftovers:
        return "partial-output"
    if code == 2 and len([line for line in err.strip().splitlines() if line]) != 1:
        return "noisy-error"
    return "ok" if code == 0 else "clean-error"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--work", default="out/fuzz", type=Path)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    work = args.work
    shutil.rmtree(work, ignore_errors=True)
    seeds = list(build_corpus(work / "corpus").values())
    seeds.append(make_clip(work / "seeds" / "clip.mp4", frames=24, size=(96, 64)))
    seeds.append(write_rgb(work / "seeds" / "photo.png", moving_frame(3, (96, 64))))
    seeds.append(write_rgb(work / "seeds" / "photo.jpg", moving_frame(5, (96, 64))))
    style = make_style(work / "tiny.safetensors")
    home = work / "home"  # STYLECAM_HOME of the runs: a tiny AdaIN decoder, so that pictures as styles are read
    save_decoder(Decoder(width=0.125), {"name": "tiny"}, home / "styles" / "tiny.decoder.safetensors")
    env = {**os.environ, "STYLECAM_HOME": str(home), "STYLECAM_CACHE": str(work / "cache")}
    counts: Counter[str] = Counter()
    failures = work / "failures"
    pictures = [s for s in seeds if s.suffix in (".png", ".jpg")]
    for run in range(args.runs):
        entry = rng.choice(["image", "render", "live", "style", "blend", "optimize"])
        seed = rng.choice(pictures if entry != "render" and entry != "live" and rng.random() < 0.7 else seeds)
        case = work / "case" / f"input{seed.suffix}"
        case.parent.mkdir(parents=True, exist_ok=True)
        case.write_bytes(mutate(seed.read_bytes(), rng))
        out_dir = work / "case" / "out"
        shutil.rmtree(out_dir, ignore_errors=True)
        out_dir.mkdir()
        argv = {
            "image": ["image", str(case), str(out_dir / "o.png"), "--style", str(style)],
            "render": ["render", str(case), str(out_dir / "o.mp4"), "--style", str(style), "--quiet"],
            "live": ["live", "--source", str(case), "--no-window", "--frames", "3", "--seconds", "20",
                     "--style", str(style), "--out", str(out_dir)],
            "style": ["image", str(seeds[-2]), str(out_dir / "o.png"), "--style", str(case)],
            "blend": ["image", str(seeds[-2]), str(out_dir / "o.png"), "--style", f"{seeds[-1]}:0.5,{case}:0.5"],
            "optimize": ["image", str(seeds[-2]), str(out_dir / "o.png"), "--style", str(style), "--optimize",
                         "--steps", "2", "--painting", str(case)],
        }[entry]
        t0 = time.monotonic()
        try:
            proc = subprocess.run([sys.executable, "-m", "stylecam", *argv], capture_output=True, text=True,
                                  timeout=args.timeout, cwd=ROOT, env=env)
            code, err = proc.returncode, proc.stderr
        except subprocess.TimeoutExpired:
            code, err = None, ""
        leftovers = [p.name for p in out_dir.iterdir() if p.name.startswith(".") or ".part" in p.name]
        verdict = classify(code, err, leftovers)
        counts[verdict] += 1
        print(f"{run:3d} {entry:<6} {seed.name:<20} -> {verdict:<12} ({time.monotonic() - t0:4.1f} s) "
              f"{err.strip().splitlines()[-1][:100] if err.strip() else ''}", flush=True)
        if verdict not in ("ok", "clean-error"):
            keep = failures / f"{run:03d}_{entry}{case.suffix}"
            keep.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(case, keep)
            (keep.with_suffix(".txt")).write_text(" ".join(argv) + "\n\n" + err)
    print("summary:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0 if set(counts) <= {"ok", "clean-error"} else 1


if __name__ == "__main__":
    sys.exit(main())
