#!/usr/bin/env bash
# Attention-pooling classifier demo: topic classification of the quotations in Debian's
# fortunes package (computers, food, law, love, politics, science, sports), one model per
# pooling (static, self-attentive with 4 hops and the penalty, key-value), scored on
# held-out quotations; then labels with probabilities and per-token attention from stdin.
#
#   apt-get install fortunes       # the data: /usr/share/games/fortunes
#   bash examples/classify/run.sh [BUILD_DIR]
#
# Everything is written into examples/classify/work/ (or $WORK).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
work="${WORK:-$here/work}"
threads="${THREADS:-$(nproc)}"
mkdir -p "$work"
cd "$work"

python3 "$here/prepare.py" --out .
echo "== $(wc -l < train.tsv) training, $(wc -l < dev.tsv) dev, $(wc -l < test.tsv) test quotations"
cut -f2 train.tsv | sort | uniq -c | sort -rn | awk -v n="$(wc -l < train.tsv)" '
  NR == 1 { printf "majority class (%s): %.2f%% of the training set\n", $2, 100 * $1 / n }'

for pooling in static self-attentive key-value; do
  hops=1
  [[ $pooling == self-attentive ]] && hops=4
  start=$(date +%s)
  "$build/attn-train" --model classifier --train train.tsv --valid dev.tsv --preset small \
    --embed 64 --hidden 128 --attention-size 64 --pooling "$pooling" --hops "$hops" \
    --penalty 0.1 --dropout 0.3 --min-count 2 --lr 2e-3 --warmup 100 --batch-tokens 2000 \
    --max-steps "${STEPS:-500}" --valid-every 50 --seed 1 --threads "$threads" --quiet \
    --save "$pooling.attn"
  seconds=$(( $(date +%s) - start ))
  cut -f1 test.tsv | "$build/attn-decode" -m "$pooling.best.attn" --threads "$threads" \
    > "test.$pooling.out"
  cut -f2 test.tsv | paste - "test.$pooling.out" | awk -F'\t' -v p="$pooling" -v s="$seconds" '
    { total++; if ($1 == $2) same++ }
    END { printf "%s: test accuracy %d / %d = %.2f%% (trained in %ds)\n", p, same, total,
          100 * same / total, s }'
done

echo "== labels, probabilities and attention (self-attentive, the 4 hops averaged)"
printf 'my program crashed because of a bug in the compiler\n\nthe senate voted on the tax bill\n' |
  tee input.txt
"$build/attn-decode" -m self-attentive.best.attn --n-best 2 --attention < input.txt
