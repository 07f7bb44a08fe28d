#!/usr/bin/env bash
# Grapheme-to-phoneme on the CMU Pronouncing Dictionary (from Debian's pocketsphinx-en-us):
# train, then score WER/PER on held-out words with beam search.
#
#   bash examples/g2p/run.sh [BUILD_DIR] [MODEL]       MODEL: transformer (default) | rnn-bahdanau
#                                                       | rnn-luong-general | rnn-luong-local-p
# Knobs: STEPS (training updates), PRESET (transformer size: tiny | small | base), THREADS,
#        HIDDEN / EMBED / LAYERS (RNN sizes; the defaults, 128 / 64 / 1, match Transformer tiny's size).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
model="${2:-transformer}"
work="$here/work"
threads="${THREADS:-$(nproc)}"
steps="${STEPS:-12000}"
warmup=$(( steps / 6 < 2000 ? steps / 6 : 2000 ))  # short runs warm up for a sixth of them
mkdir -p "$work"
cd "$work"
[ -f /usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict ] ||
  { echo "g2p: needs Debian's pocketsphinx-en-us (make deps installs it)" >&2; exit 2; }
[ -f train.tsv ] || python3 "$here/prepare.py" --out .

rnn_size=(--hidden "${HIDDEN:-128}" --embed "${EMBED:-64}" --layers "${LAYERS:-1}" --dropout 0.1)
case "$model" in
  transformer) flags=(--model transformer --preset "${PRESET:-small}" --dropout 0.1 --lr 1e-3 --warmup "$warmup") ;;
  rnn-bahdanau) flags=("${rnn_size[@]}" --model rnn --cell gru --attention additive --attention-scope global --lr 1e-3 --warmup 500) ;;
  rnn-luong-general) flags=("${rnn_size[@]}" --model rnn --cell lstm --attention general --attention-scope global --input-feeding true --lr 1e-3 --warmup 500) ;;
  rnn-luong-local-p) flags=("${rnn_size[@]}" --model rnn --cell lstm --attention general --attention-scope local-p --window 3 --input-feeding true --lr 1e-3 --warmup 500) ;;
  *) echo "g2p: unknown model '$model'" >&2; exit 2 ;;
esac

start=$(date +%s)
"$build/attn-train" --train train.tsv --valid dev.tsv "${flags[@]}" \
  --batch-tokens 4000 --max-steps "$steps" --valid-every 1000 --valid-decode 1000 \
  --early-stopping 4 --seed 1 --threads "$threads" --save "g2p-$model.attn" --report-every 500
echo "training took $(( $(date +%s) - start ))s"

cut -f1 test.tsv | "$build/attn-decode" -m "g2p-$model.best.attn" -b 5 --mini-batch 64 \
  --threads "$threads" --stats > "test-$model.out"
cut -f2 test.tsv > test.ref
python3 "$here/score.py" test.ref "test-$model.out"
