#!/usr/bin/env bash
# The one-hour translation recipe: Transformer small (shared SentencePiece vocabulary of 4,000,
# tied embeddings) on English -> German user-interface messages of Debian packages, trained for
# 60 minutes of wall clock on every core, a checkpoint every 150 updates, then the test BLEU of
# each checkpoint against minutes (curve.tsv, curve.svg) and of the average of the last five.
#
#   bash examples/ui-de/one_hour.sh [BUILD_DIR]        Knobs: MAX_TIME (default 60m), THREADS
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
threads="${THREADS:-$(nproc)}"
work="$here/work"
mkdir -p "$work"
cd "$work"
[ -f train.tsv ] || python3 "$here/prepare.py" --out .

rm -f ui-hour.*attn ui-hour.json
started=$(date +%s)
"$build/attn-train" --train train.tsv --valid dev.tsv --tokens spm --spm-vocab-size 4000 \
  --model transformer --preset small --shared-vocab --tie-output --dropout 0.1 \
  --lr 1e-3 --warmup 400 --label-smoothing 0.1 --batch-tokens 4000 --max-time "${MAX_TIME:-60m}" \
  --valid-every 300 --valid-decode 500 --valid-metric bleu --save-every 150 --keep-last 30 \
  --average-last 5 --seed 1 --threads "$threads" --report-every 50 --save ui-hour.attn \
  --log-json ui-hour.json
echo "training took $(( $(date +%s) - started ))s"

python3 "$here/../curve.py" bleu "$build" ui-hour "$started" test.tsv curve.tsv curve.svg
