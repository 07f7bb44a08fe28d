#!/usr/bin/env bash
# The one-hour g2p recipe: a bidirectional GRU encoder (256 a direction) and a GRU decoder of 512
# with additive attention, trained for 60 minutes of wall clock on every core, a checkpoint every
# 300 updates, then the test WER of each checkpoint against minutes (curve.tsv, curve.svg) and of
# the average of the last five.
#
#   bash examples/g2p/one_hour.sh [BUILD_DIR]        Knobs: MAX_TIME (default 60m), THREADS
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
threads="${THREADS:-$(nproc)}"
work="$here/work"
mkdir -p "$work"
cd "$work"
[ -f /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict ] ||
  { echo "g2p: needs Debian's pocketsphinx-en-us (make deps installs it)" >&2; exit 2; }
[ -f train.tsv ] || python3 "$here/prepare.py" --out .

rm -f g2p-hour.*attn g2p-hour.json
started=$(date +%s)
"$build/attn-train" --train train.tsv --valid dev.tsv \
  --model rnn --cell gru --attention additive --attention-scope global \
  --hidden 512 --embed 128 --layers 1 --dropout 0.2 --lr 1e-3 --warmup 500 \
  --batch-tokens 4000 --max-time "${MAX_TIME:-60m}" --valid-every 600 --valid-decode 1000 \
  --valid-metric exact --save-every 300 --keep-last 20 --average-last 5 \
  --seed 1 --threads "$threads" --report-every 200 --save g2p-hour.attn --log-json g2p-hour.json
echo "training took $(( $(date +%s) - started ))s"

python3 "$here/../curve.py" wer "$build" g2p-hour "$started" test.tsv curve.tsv curve.svg 30
