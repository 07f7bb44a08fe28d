#!/usr/bin/env bash
# attn-train --model classifier -> attn-decode on a tiny labelled set, for every pooling:
# each line is answered "label<TAB>probability", --n-best N gives N labels, --attention
# one weight per source token (summing to 1), and the training lines are classified; a
# label of two words is refused as bad input.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

# N lines "words ...<TAB>label": filler words a-h around one keyword, whose topic is the
# label; awk's seeded generator makes the same file on every run.
make_topic_data() {
  awk -v count="$2" 'BEGIN {
    srand(5)
    split("cat dog fish car bus", keyword, " ")
    split("animal animal animal vehicle vehicle", topic, " ")
    split("a b c d e f g h", filler, " ")
    for (i = 0; i < count; ++i) {
      n = 2 + int(rand() * 4); k = 1 + int(rand() * 5); at = int(rand() * n); line = ""
      for (j = 0; j < n; ++j)
        line = line (j ? " " : "") (j == at ? keyword[k] : filler[1 + int(rand() * 8)])
      print line "\t" topic[k]
    }
  }' >"$1"
}

make_topic_data train.tsv 60
cut -f1 train.tsv | head -20 >input.txt
CLASSIFIER=(--model classifier --preset tiny --threads 1 --quiet --lr 0.01 --lr-schedule constant
            --warmup 0 --batch-tokens 128 --max-steps 150)
for pooling in static self-attentive key-value; do
  hops=1
  [[ $pooling == self-attentive ]] && hops=3
  "$ATTN_TRAIN" --train train.tsv "${CLASSIFIER[@]}" --pooling "$pooling" --hops "$hops" \
    --penalty 0.1 --save "$pooling.attn"
  "$ATTN_INSPECT" "$pooling.attn" | grep classifier >/dev/null || fail "$pooling: no classifier in file"

  "$ATTN_DECODE" -m "$pooling.attn" <input.txt >out.txt
  [[ $(line_count out.txt) -eq 20 ]] || fail "$pooling: $(line_count out.txt) lines for 20"
  awk -F'\t' 'NF != 2 || ($1 != "animal" && $1 != "vehicle") || $2 < 0 || $2 > 1 {
      print "line " NR ": \"" $0 "\" is not label<TAB>probability"; exit 1 }' out.txt ||
    fail "$pooling: bad answer"
  correct=$(cut -f2 train.tsv | head -20 | paste - <(cut -f1 out.txt) | awk -F'\t' '$1 == $2' |
    wc -l)
  [[ $correct -ge 19 ]] || fail "$pooling: only $correct of 20 training lines classified"

  # Two labels, best first, whose probabilities sum to at most 1.
  "$ATTN_DECODE" -m "$pooling.attn" --n-best 2 <<<"a cat b" | awk -F'\t' '
    NF != 4 || $1 != "animal" || $3 != "vehicle" || $2 < $4 || $2 + $4 > 1.0001 { exit 1 }' ||
    fail "$pooling: --n-best 2 for 'a cat b'"
  # One token:weight pair per source token, weights summing to 1.
  "$ATTN_DECODE" -m "$pooling.attn" --attention <<<"a b bus c" | awk -F' \\|\\|\\| ' '
    { n = split($2, pair, " "); total = 0
      for (i = 1; i <= n; ++i) { split(pair[i], tw, ":"); total += tw[2] }
      if (n != 4 || pair[3] !~ /^bus:/ || total < 0.99 || total > 1.01) exit 1 }' ||
    fail "$pooling: --attention for 'a b bus c'"
done

printf 'a b cat\tanimal pet\n' >two.tsv
expect_input_error "one label" "$ATTN_TRAIN" --train two.tsv "${CLASSIFIER[@]}" --save two.attn
expect_input_error "hops" "$ATTN_TRAIN" --train train.tsv "${CLASSIFIER[@]}" --hops 2
echo "classifier: ok"
