#!/usr/bin/env bash
# Image captioning with visual attention (Xu et al. 2015, "Show, attend and tell") on
# generated 6 x 6 images of one or two coloured shapes: the caption model projects every
# grid cell's features into an annotation and an LSTM decoder with additive attention
# describes the image, looking at cells as it goes. Trains, scores exact match and BLEU on
# held-out images, and draws where the model looks for each word of a few captions.
#
#   bash examples/caption/run.sh [BUILD_DIR]
# Knobs: STEPS (training updates), THREADS, FEATURES (names: a cell is two feature names,
# the default; vectors: two vectors of 3 real numbers, a noisy RGB colour and a noisy shape
# descriptor, trained with --input-dims 3).
#
# Everything is generated (nothing is downloaded) into examples/caption/work/ (the vectors
# run into work/vectors/).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="$here/work"
threads="${THREADS:-1}"
features="${FEATURES:-names}"
case "$features" in
  names) feature_flags=() ;;
  vectors) feature_flags=(--input-dims 3) work="$work/vectors" ;;
  *) echo "run.sh: FEATURES must be names or vectors, not '$features'" >&2; exit 2 ;;
esac
mkdir -p "$work"
cd "$work"

python3 "$here/generate.py" --out . --features "$features"
echo "== training the caption model on $(wc -l < train.tsv) images ($threads threads)"
start=$(date +%s)
"$build/attn-train" --train train.tsv --valid dev.tsv \
  --model caption --cell-features 2 "${feature_flags[@]}" --max-positions 36 --attention additive \
  --embed 32 --hidden 128 --dropout 0 --label-smoothing 0 \
  --lr 3e-3 --warmup 100 --batch-tokens 2304 --max-steps "${STEPS:-4000}" \
  --valid-every 500 --valid-decode 300 --seed 1 --threads "$threads" \
  --save caption.attn --report-every 250
echo "training took $(( $(date +%s) - start ))s"

# The last model, not caption.best.attn: validation keeps the lowest-loss checkpoint as
# .best, and here exact match goes on rising after the dev loss levels off.
echo "== scoring the last model on $(wc -l < test.tsv) held-out images (beam 4)"
cut -f1 test.tsv | "$build/attn-decode" -m caption.attn -b 4 --mini-batch 64 \
  --threads "$threads" > test.out
cut -f2 test.tsv | paste - test.out | awk -F'\t' '
  { total++; if ($1 == $2) same++ }
  END { printf "exact match: %d / %d = %.2f%%\n", same, total, 100 * same / total }'
python3 "$here/bleu.py" <(cut -f2 test.tsv) test.out
echo "-- some misses (reference, output):"
paste <(cut -f2 test.tsv) test.out | awk -F'\t' '$1 != $2 && ++shown <= 5'

echo "== attention: attn-decode --attention-map (tokens) and one sheet per image (cells)"
head -3 test.tsv | cut -f1 > input.txt
rm -rf maps && mkdir maps
"$build/attn-decode" -m caption.attn -b 4 --attention-map maps \
  --attention-json maps/attention.jsonl < input.txt | tee maps/captions.txt
for line in 1 2 3; do
  python3 "$here/render_attention.py" maps/attention.jsonl --line "$line" \
    --out "maps/sheet$line.svg"
done
ls maps
if command -v rsvg-convert > /dev/null; then
  rsvg-convert maps/sheet1.svg -o maps/sheet1.png && echo "maps/sheet1.png"
fi
