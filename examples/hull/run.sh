#!/usr/bin/env bash
# Planar convex hulls with a pointer network over points (Vinyals et al. 2015, section 4.2):
# train on 5-10 points, then score exact match and area coverage on held-out sets of 5, 10
# and, for generalisation, 15 points (more than any training example).
#
#   bash examples/hull/run.sh [BUILD_DIR]          (STEPS=4000 by default)
#
# Everything is generated (nothing is downloaded) into examples/hull/work/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="${WORK:-$here/work}"
threads="${THREADS:-$(nproc)}"
mkdir -p "$work"
cd "$work"

python3 "$here/generate.py" --out .
echo "== training a pointer network on $(wc -l < train.tsv) hulls of 5-10 points ($threads threads)"
start=$(date +%s)
# --input-dims 2: each source token is a point "x,y", read through a learned projection.
"$build/attn-train" --model pointer --input-dims 2 --train train.tsv --valid dev.tsv \
  --preset small --embed 64 --hidden "${HIDDEN:-256}" --max-positions 20 --mask-chosen \
  --lr 2e-3 --warmup 200 --batch-tokens 4000 --max-steps "${STEPS:-4000}" \
  --valid-every 500 --valid-decode 500 --seed 1 --threads "$threads" --save hull.attn \
  --report-every 500
echo "training took $(( $(date +%s) - start ))s"

for set in test5 test10 test15; do
  for beam in 1 4; do
    cut -f1 "$set.tsv" | "$build/attn-decode" -m hull.best.attn -b "$beam" --mini-batch 64 \
      --threads "$threads" > "$set.b$beam.out"
    echo "$set beam $beam: $(python3 "$here/score.py" "$set.tsv" "$set.b$beam.out")"
  done
done

echo "== decoding from stdin: the output is the hull's positions, counter-clockwise"
printf '0.1,0.1 0.5,0.4 0.9,0.2 0.6,0.9 0.2,0.7 0.45,0.2\n' | tee input.txt
"$build/attn-decode" -m hull.best.attn -b 4 < input.txt
