#!/usr/bin/env bash
# The copy task (Graves et al. 2014, §4.1) with a neural Turing machine: train on sequences
# of 1-20 tokens, score exact match on held-out sequences of 20 and of 40 tokens (twice the
# longest seen in training), and draw the machine's write and read weightings over time.
#
#   bash examples/copy/run.sh [BUILD_DIR]
#
# Knobs: STEPS (1000), CONTROLLER (feedforward | lstm | gru), THREADS (1), and OUTPUT_FEED:
# what the controller is fed after the delimiter, none (a blank input, as Graves et al.) or
# previous (its previous output token). By default none for an LSTM or GRU controller, which
# otherwise copies from its own state, and previous for a feed-forward one, which measured
# better so (README.md, "Results").
#
# Everything is generated (nothing is downloaded) into examples/copy/work/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="$here/work"
threads="${THREADS:-1}"
controller="${CONTROLLER:-feedforward}"
if [[ $controller == feedforward ]]; then feed="${OUTPUT_FEED:-previous}"; else feed="${OUTPUT_FEED:-none}"; fi
mkdir -p "$work"
cd "$work"

python3 "$here/generate.py" --out .
echo "== training an NTM ($controller controller, output feed $feed) on $(wc -l < train.tsv) copy pairs of 1-20 tokens"
TIMEFORMAT="training took %0R s wall, %0U s user + %0S s system CPU"
time "$build/attn-train" --model ntm --controller "$controller" --preset small --output-feed "$feed" \
  --train train.tsv --valid dev.tsv --lr 2e-3 --warmup 100 --lr-schedule constant \
  --label-smoothing 0 --clip-norm 10 --batch-tokens 800 --max-steps "${STEPS:-1000}" \
  --valid-every 250 --valid-decode 200 --seed 1 --threads "$threads" --save copy.attn \
  --report-every 250

for length in 20 40; do
  cut -f1 "test$length.tsv" | "$build/attn-decode" -m copy.best.attn -b 1 --mini-batch 64 \
    --threads "$threads" > "test$length.out"
  cut -f2 "test$length.tsv" | paste - "test$length.out" | awk -F'\t' -v n="$length" '
    { total++; if ($1 == $2) same++ }
    END { printf "length %d: exact match %d / %d = %.1f%%\n", n, same, total, 100 * same / total }'
done

echo "== write and read weightings of one length-20 copy -> work/weights.svg"
"$build/attn-export" copy.best.attn --to safetensors -o copy.safetensors
"$build/attn-export" copy.best.attn --vocab vocab
line="$(head -1 test20.tsv | cut -f1)"
echo "$line" | "$build/attn-decode" -m copy.best.attn -b 1 --attention-json decode.jsonl > /dev/null
python3 "$here/ntm_trace.py" copy.safetensors vocab "$line" -o weights.svg \
  --attention-json decode.jsonl --line 0
