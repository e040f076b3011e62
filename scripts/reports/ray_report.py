"""Issue 21: a clip rendered on one machine and on a local Ray cluster (1 and 2 workers): time and seams.

    python scripts/reports/ray_report.py CLIP.mp4 [--style starry] [--chunk-frames 24] [--workers 1,2] [--tier fast]
        [--work out/ray]

Renders CLIP with ``stylecam render`` on one machine and with ``--ray local --workers N`` for each N
(each in its own process, so each starts its own local cluster), then measures the warping error
(../shared/QUALITY.md) of every frame pair of each output: the whole clip's mean against the one-machine
render's, and the pairs that straddle a chunk boundary (frames s−1, s) against all the other pairs
(their ratio to the one-machine render's same pairs, so that a hard cut in the footage is not taken for
a seam). Chunk boundaries come from the same plan the render made (:func:`video.chunks.plan_chunks`).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for scripts.reports

from scripts.reports.common import ROOT, write_json
from video.chunks import index_frames, plan_chunks
from video.metrics import pair_errors, video_frames


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clip")
    ap.add_argument("--style", default="starry")
    ap.add_argument("--tier", default="fast")
    ap.add_argument("--chunk-frames", type=int, default=24)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--work", default="out/ray", type=Path)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    base = ["render", args.clip, "--style", args.style, "--tier", args.tier, "--quiet"]
    runs = {"one machine": []}
    runs.update({f"ray, {n} workers": ["--ray", "local", "--workers", n, "--chunk-frames", str(args.chunk_frames)]
                 for n in args.workers.split(",")})
    report, errors = {}, {}
    for label, extra in runs.items():
        out = args.work / f"{Path(args.clip).stem}_{label.replace(' ', '_').replace(',', '')}.mp4"
        cmd = [sys.executable, "-m", "stylecam", *base[:2], str(out), *base[2:], *extra]
        t0 = time.monotonic()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        seconds = time.monotonic() - t0
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        print(f"{label}: {seconds:.1f} s wall, command: {done.stdout.strip().splitlines()[-1]}", flush=True)
        errors[label], _ = pair_errors(video_frames(args.clip), video_frames(str(out)))
        report[label] = {"seconds": seconds, "line": done.stdout.strip().splitlines()[-1]}
    index = index_frames(args.clip)
    chunks = plan_chunks(len(index.pts), index.keyframes, args.chunk_frames)
    seams = [c.start - 1 for c in chunks[1:]]  # pair index (s−1, s)
    one = errors["one machine"]
    for label, errs in errors.items():
        if label == "one machine":
            continue
        at = [errs[i] / max(one[i], 1e-9) for i in seams]
        elsewhere = [e / max(o, 1e-9) for i, (e, o) in enumerate(zip(errs, one)) if i not in seams]
        row = {"whole_clip_vs_one_machine": statistics.mean(errs) / statistics.mean(one),
               "seam_pairs_vs_one_machine_median": statistics.median(at), "seam_pairs_max": max(at),
               "other_pairs_vs_one_machine_median": statistics.median(elsewhere),
               "seam_error_median": statistics.median(errs[i] for i in seams),
               "other_error_median": statistics.median(e for i, e in enumerate(errs) if i not in seams)}
        report[label].update(row)
        print(f"{label}: {len(chunks)} chunks; whole-clip warping error x{row['whole_clip_vs_one_machine']:.3f} of "
              f"one machine's; at the {len(seams)} seams E = {row['seam_error_median']:.5f} (median; "
              f"x{row['seam_pairs_vs_one_machine_median']:.3f} of one machine's same pairs, worst "
              f"x{row['seam_pairs_max']:.3f}), elsewhere {row['other_error_median']:.5f} "
              f"(x{row['other_pairs_vs_one_machine_median']:.3f})", flush=True)
    write_json(args.work / "report.json", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
