"""Issue 19, item 2: every training command and ``image --optimize`` on CUDA, each short, each logged.

Runs each command as a user would (``python -m stylecam ...``), with a progress line every step,
and prints, per command: exit status, seconds, and the loss of its first logged steps against its
last (the mean of the first and last five lines), so that "it lowers its loss" is read off the log.

    python scripts/device/cuda_commands.py PAINTINGS_DIR OUT_DIR [--device cuda]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import cv2

NUMBER = r"([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
LOSS_WORDS = ("style", "content", "distance", "pixel", "features", "objective")


def photos(folder: Path) -> Path:
    """Six photos that a pip dependency ships (skimage), at 512 px short side."""
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    for name in ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field"):
        image = getattr(data, name)()
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        scale = 512 / min(image.shape[:2])
        image = cv2.resize(image[..., :3], None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
        cv2.imwrite(str(folder / f"{name}.jpg"), image[..., ::-1])
    return folder


def losses(line: str) -> float | None:
    """The sum of the loss terms a progress line names (train: style + content; distill: pixel + features ...)."""
    values = [float(v) for w, v in re.findall(r"\b([a-z]+) " + NUMBER, line) if w in LOSS_WORDS]
    return sum(values) if values else None


def run(name: str, argv: list[str], log: Path, device: str) -> dict:
    env = {**os.environ, "STYLECAM_PROGRESS_SECONDS": "0", "PYTHONUNBUFFERED": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "stylecam", *argv, "--device", device], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    text = proc.stdout + proc.stderr
    with log.open("a") as f:
        f.write(f"\n===== {name}: stylecam {' '.join(argv)} --device {device}\n{text}")
    trace = [v for line in text.splitlines() if re.search(r"\bstep \d+", line) and (v := losses(line)) is not None]
    first = sum(trace[:5]) / len(trace[:5]) if trace else float("nan")
    last = sum(trace[-5:]) / len(trace[-5:]) if trace else float("nan")
    return {"name": name, "rc": proc.returncode, "seconds": seconds, "steps_logged": len(trace), "first": first,
            "last": last, "tail": text.strip().splitlines()[-1:] if text.strip() else []}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("paintings", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--steps", type=int, default=200, help="per command (a CPU dry run: 3)")
    parser.add_argument("--size", type=int, default=256, help="crop size (a CPU dry run: 64)")
    args = parser.parse_args()
    steps, size = str(args.steps), str(args.size)
    work = args.out / "work"
    data = photos(work / "photos")
    paintings = sorted(p for p in args.paintings.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    painting = str(paintings[0])
    log = args.out / "cuda_commands.log"
    log.write_text("")
    common = ["--data", str(data), "--steps", steps, "--batch", "4", "--quiet"]
    cases = [
        ("train (fast tier)", ["train", "--style", painting, "--name", "gf", *common, "--size", size,
                               "--out", str(work / "gf.safetensors"), "--run-dir", str(work / "gf")]),
        ("train (quality tier)", ["train", "--tier", "quality", "--style", painting, "--name", "gq", *common,
                                  "--size", size, "--out", str(work / "gq.safetensors"),
                                  "--run-dir", str(work / "gq")]),
        ("train (live tier, distilled)", ["train", "--tier", "live", "--teacher", "starry", "--style", painting,
                                          "--name", "gl", *common, "--size", size, "--texture-weight", "8",
                                          "--out", str(work / "gl.safetensors"), "--run-dir", str(work / "gl")]),
        ("bank", ["bank", "--from", "starry,wave", "--data", str(data), "--name", "gb", "--steps", steps,
                  "--batch", "4", "--size", size, "--out", str(work / "gb.safetensors"),
                  "--run-dir", str(work / "gb"), "--quiet"]),
        ("train-adain", ["train-adain", "--content", str(data), "--styles", str(args.paintings), "--name", "ga",
                         "--steps", steps, "--batch", "4", "--size", size, "--width", "0.5",
                         "--out", str(work / "ga.decoder.safetensors"), "--run-dir", str(work / "ga"), "--quiet"]),
        ("distill-adain", ["distill-adain", "--content", str(data), "--styles", str(args.paintings), "--name", "gd",
                           "--steps", steps, "--batch", "4", "--size", size,
                           "--out", str(work / "gd.decoder.safetensors"), "--run-dir", str(work / "gd"), "--quiet"]),
        ("image --optimize", ["image", str(data / "astronaut.jpg"), str(work / "opt.png"), "--style", "starry",
                              "--optimize", "--steps", str(max(3, args.steps // 2)), "--painting", painting]),
    ]
    # --quiet hides the progress lines: drop it so that the log holds every step
    results = [run(name, [a for a in argv if a != "--quiet"], log, args.device) for name, argv in cases]
    print(f"{'command':32} {'rc':>3} {'s':>6} {'logged':>6} {'first':>10} {'last':>10} {'last/first':>10}")
    for r in results:
        ratio = r["last"] / r["first"] if r["first"] == r["first"] and r["first"] else float("nan")
        print(f"{r['name']:32} {r['rc']:3d} {r['seconds']:6.1f} {r['steps_logged']:6d} {r['first']:10.4g} "
              f"{r['last']:10.4g} {ratio:10.3f}")
        if r["rc"] != 0:
            print("   ", r["tail"])
    return 0 if all(r["rc"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
