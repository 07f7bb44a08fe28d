#!/usr/bin/env bash
# Date normalisation ("3rd of March 1998", "03/03/98", ... -> "1998-03-03") with the RNN of
# Bahdanau et al. 2015: a bidirectional GRU encoder and additive attention over every source
# character. Trains, scores exact match on held-out dates, and draws the attention of a few.
#
#   bash examples/dates/run.sh [BUILD_DIR]
# Knobs: STEPS (training updates), THREADS.
#
# Everything is generated (nothing is downloaded) into examples/dates/work/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="$here/work"
threads="${THREADS:-$(nproc)}"
mkdir -p "$work"
cd "$work"

python3 "$here/generate.py" --out .
echo "== training a biGRU + additive attention on $(wc -l < train.tsv) dates ($threads threads)"
start=$(date +%s)
"$build/attn-train" --train train.tsv --valid dev.tsv --tokens chars \
  --model rnn --cell gru --attention additive --attention-scope global \
  --embed 32 --hidden 128 --layers 1 --dropout 0 --label-smoothing 0 \
  --lr 3e-3 --warmup 100 --batch-tokens 2000 --max-steps "${STEPS:-1000}" \
  --valid-every 250 --valid-decode 300 --seed 1 --threads "$threads" \
  --save dates.attn --report-every 250
echo "training took $(( $(date +%s) - start ))s"

echo "== scoring the best model on $(wc -l < test.tsv) held-out dates (beam 4)"
cut -f1 test.tsv | "$build/attn-decode" -m dates.best.attn -b 4 --mini-batch 64 \
  --threads "$threads" --stats > test.out
cut -f2 test.tsv | paste - test.out | awk -F'\t' '
  { total++; if ($1 == $2) same++ }
  END { printf "exact match: %d / %d = %.2f%%\n", same, total, 100 * same / total }'
echo "-- some misses (reference, output, source):"
paste <(cut -f2 test.tsv) test.out <(cut -f1 test.tsv) | awk -F'\t' '$1 != $2' | head -5

echo "== attention pictures (source across, output down) in $work/maps/"
printf '%s\n' "Tuesday, March 3rd, 1998" "03/03/98" "the 21st of Sept, 2012" | tee input.txt
rm -rf maps
"$build/attn-decode" -m dates.best.attn -b 4 --attention-map maps < input.txt
ls maps
if command -v rsvg-convert > /dev/null; then
  rsvg-convert maps/1.svg -o maps/1.png && echo "maps/1.png"
fi
"$build/attn-inspect" --attention "Tuesday, March 3rd, 1998" dates.best.attn
