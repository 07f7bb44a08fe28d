#!/usr/bin/env bash
# Pointer network demo: learn to sort up to 10 numbers, score exact match on held-out lists
# of 10 and, for generalisation, of 15 numbers (longer than any list seen in training).
#
#   bash examples/sort/run.sh [BUILD_DIR]
#   MASK_CHOSEN=0 STEPS=4000 bash examples/sort/run.sh    # the plain pointer network
#
# Everything is generated (nothing is downloaded) into examples/sort/work/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="${WORK:-$here/work}"
threads="${THREADS:-$(nproc)}"
mask=()
[[ "${MASK_CHOSEN:-1}" == 1 ]] && mask=(--mask-chosen)
mkdir -p "$work"
cd "$work"

python3 "$here/generate.py" --out .
echo "== training a pointer network on $(wc -l < train.tsv) sorting pairs ($threads threads)"
start=$(date +%s)
"$build/attn-train" --model pointer --train train.tsv --valid dev.tsv --preset small \
  --embed 64 --hidden 128 --max-positions 20 "${mask[@]}" \
  --lr 2e-3 --warmup 100 --batch-tokens 2000 --max-steps "${STEPS:-2000}" \
  --valid-every 250 --valid-decode 300 --seed 1 --threads "$threads" --save sort.attn \
  --report-every 250
echo "training took $(( $(date +%s) - start ))s"

for set in test10 test15; do
  for beam in 1 4; do
    cut -f1 "$set.tsv" | "$build/attn-decode" -m sort.best.attn -b "$beam" --mini-batch 64 \
      --threads "$threads" > "$set.b$beam.out"
    cut -f2 "$set.tsv" | paste - "$set.b$beam.out" | awk -F'\t' -v name="$set beam $beam" '
      { total++; if ($1 == $2) same++ }
      END { printf "%s: exact match %d / %d = %.2f%%\n", name, same, total, 100 * same / total }'
  done
done

echo "== decoding from stdin: the output is the positions of the input in sorted order"
printf '0.31 0.77 0.12\n0.50 0.05 0.93 0.41 0.66\n' | tee input.txt
"$build/attn-decode" -m sort.best.attn -b 4 < input.txt
