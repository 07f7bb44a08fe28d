#!/usr/bin/env bash
# The demo: train a tiny Transformer to reverse token sequences, score it on held-out data,
# decode a few lines from stdin with beam search, and inspect the model file.
#
#   bash examples/reverse/run.sh [BUILD_DIR]        (make demo runs this)
#
# Everything is generated (nothing is downloaded) into examples/reverse/work/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="$here/work"
threads="${THREADS:-$(nproc)}"
mkdir -p "$work"
cd "$work"

python3 "$here/generate.py" --out .
echo "== training a tiny Transformer on $(wc -l < train.tsv) reversal pairs ($threads threads)"
"$build/attn-train" --train train.tsv --valid dev.tsv --preset tiny \
  --lr 1e-3 --warmup 300 --dropout 0 --label-smoothing 0 --batch-tokens 3000 \
  --max-steps "${STEPS:-1500}" --valid-every 250 --valid-decode 300 \
  --seed 1 --threads "$threads" --save reverse.attn --report-every 250

echo "== scoring the best model on $(wc -l < test.tsv) held-out pairs (beam 4)"
cut -f1 test.tsv | "$build/attn-decode" -m reverse.best.attn -b 4 --mini-batch 64 \
  --threads "$threads" --stats > test.out
cut -f2 test.tsv | paste - test.out | awk -F'\t' '
  { total++; if ($1 == $2) same++ }
  END { printf "exact match: %d / %d = %.2f%%\n", same, total, 100 * same / total }'

echo "== decoding from stdin with beam search (-b 4)"
printf 't1 t2 t3 t4 t5\nt19 t0 t7\n\nt3 t3 t8 t12 t5 t5 t6 t1\n' | tee input.txt
echo "-- output (one line per input line; the empty line stays empty):"
"$build/attn-decode" -m reverse.best.attn -b 4 < input.txt

echo "== attn-inspect reverse.best.attn"
"$build/attn-inspect" reverse.best.attn
