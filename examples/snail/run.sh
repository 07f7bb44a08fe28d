#!/usr/bin/env bash
# SNAIL (Mishra et al. 2018) as a decoder-only model on the reversal task of examples/reverse:
# it reads "x1 .. xn <s>" and writes "xn .. x1" one token a step, reaching back across the
# sequence through its causal attention blocks and dilated convolutions.
#
#   bash examples/snail/run.sh [BUILD_DIR]        (STEPS=1500 by default)
#
# Everything is generated (nothing is downloaded) into examples/snail/work/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="$here/work"
threads="${THREADS:-1}"
mkdir -p "$work"
cd "$work"

python3 "$here/../reverse/generate.py" --out .
echo "== training SNAIL on $(wc -l < train.tsv) reversal pairs of 3-12 tokens"
start=$(date +%s)
"$build/attn-train" --model snail --preset small --train train.tsv --valid dev.tsv \
  --lr 2e-3 --warmup 200 --label-smoothing 0 --batch-tokens 2000 --max-steps "${STEPS:-1500}" \
  --valid-every 500 --valid-decode 300 --seed 1 --threads "$threads" --save snail.attn \
  --report-every 250
echo "training took $(( $(date +%s) - start )) s"

echo "== scoring the best model on $(wc -l < test.tsv) held-out pairs (greedy and beam 4)"
for beam in 1 4; do
  cut -f1 test.tsv | "$build/attn-decode" -m snail.best.attn -b "$beam" --mini-batch 64 \
    --threads "$threads" > "test.b$beam.out"
  cut -f2 test.tsv | paste - "test.b$beam.out" | awk -F'\t' -v b="$beam" '
    { total++; if ($1 == $2) same++ }
    END { printf "beam %d: exact match %d / %d = %.2f%%\n", b, same, total, 100 * same / total }'
done
