#!/usr/bin/env bash
# attn-train --model pointer -> attn-decode on a tiny sorting task: every output line is a
# permutation of its input's positions (--mask-chosen), most lines are sorted exactly, with
# greedy and beam search alike; targets that are not positions, label smoothing and
# non-word tokens are refused as bad input. With --input-dims the numbers are read as
# coordinates, and numbers never seen in training sort as well.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

# N lines "v1 v2 ...<TAB>positions in increasing order of v" over different numbers 0..19;
# awk's seeded generator makes the same file on every run.
make_sort_data() {
  awk -v count="$2" 'BEGIN {
    srand(11)
    for (i = 0; i < count; ++i) {
      n = 2 + int(rand() * 4)
      delete used
      for (j = 0; j < n; ++j) {
        do v = int(rand() * 20); while (v in used)
        used[v] = 1; value[j] = v; order[j] = j
      }
      for (j = 1; j < n; ++j)  # insertion sort of the positions by value
        for (k = j; k > 0 && value[order[k - 1]] > value[order[k]]; --k) {
          t = order[k]; order[k] = order[k - 1]; order[k - 1] = t
        }
      line = value[0]; out = order[0]
      for (j = 1; j < n; ++j) { line = line " " value[j]; out = out " " order[j] }
      print line "\t" out
    }
  }' >"$1"
}

make_sort_data train.tsv 60
POINTER=(--model pointer --preset tiny --max-positions 8 --mask-chosen --threads 1 --quiet
         --lr 0.01 --lr-schedule constant --warmup 0 --batch-tokens 128 --max-steps 300)
"$ATTN_TRAIN" --train train.tsv "${POINTER[@]}" --save model.attn
"$ATTN_INSPECT" --verify model.attn >/dev/null || fail "attn-inspect --verify"
"$ATTN_INSPECT" model.attn | grep pointer >/dev/null || fail "attn-inspect names no pointer architecture"

cut -f1 train.tsv | head -20 >input.txt
for beam in 1 4; do
  "$ATTN_DECODE" -m model.attn -b "$beam" <input.txt >out.txt
  [[ $(line_count out.txt) -eq 20 ]] || fail "beam $beam: $(line_count out.txt) lines for 20"
  paste input.txt out.txt | awk -F'\t' -v beam="$beam" '
    { n = split($1, v, " "); m = split($2, p, " ")
      if (m != n) { print "beam " beam ": line " NR ": " m " positions for " n " numbers"; exit 1 }
      delete seen
      for (i = 1; i <= m; ++i) {
        if (p[i] !~ /^[0-9]+$/ || p[i] >= n || (p[i] in seen)) {
          print "beam " beam ": line " NR ": \"" $2 "\" is not a permutation of 0.." n - 1; exit 1 }
        seen[p[i]] = 1 }
    }' || fail "outputs are not position permutations"
  correct=$(cut -f2 train.tsv | head -20 | paste - out.txt | awk -F'\t' '$1 == $2' | wc -l)
  [[ $correct -ge 18 ]] || fail "beam $beam: only $correct of 20 training lines sorted"
done

# --scores and --n-best come through the same search.
"$ATTN_DECODE" -m model.attn -b 3 --n-best 2 <<<"3 1 2" | grep '^0 ||| 1 2 0 ||| ' >/dev/null ||
  fail "--n-best: no '1 2 0' hypothesis for '3 1 2'"

printf '1 2 3\t0 5 1\n' >past.tsv
expect_input_error "past its source" "$ATTN_TRAIN" --train past.tsv "${POINTER[@]}" --save past.attn
printf '1 2 3\t0 x 1\n' >word.tsv
expect_input_error "not a source position" "$ATTN_TRAIN" --train word.tsv "${POINTER[@]}" --save word.attn
expect_input_error "--label-smoothing" "$ATTN_TRAIN" --train train.tsv "${POINTER[@]}" \
  --label-smoothing 0.1
expect_input_error "--tokens words" "$ATTN_TRAIN" --train train.tsv "${POINTER[@]}" --tokens chars
# --input-dims: the same task over numbers read as coordinates (v / 20), through a learned
# projection, so numbers never seen in training sort too.
awk -F'\t' '{ n = split($1, v, " "); line = v[1] / 20
               for (j = 2; j <= n; ++j) line = line " " v[j] / 20
               print line "\t" $2 }' train.tsv >points.tsv
"$ATTN_TRAIN" --train points.tsv "${POINTER[@]}" --input-dims 1 --save points.attn
"$ATTN_INSPECT" points.attn | grep "input_dims=1" >/dev/null || fail "attn-inspect shows no input_dims"
cut -f1 points.tsv | head -20 >points_in.txt
"$ATTN_DECODE" -m points.attn -b 4 <points_in.txt >out.txt
correct=$(cut -f2 points.tsv | head -20 | paste - out.txt | awk -F'\t' '$1 == $2' | wc -l)
[[ $correct -ge 18 ]] || fail "--input-dims 1: only $correct of 20 training lines sorted"
unseen=$("$ATTN_DECODE" -m points.attn -b 4 <<<"0.333 0.071 0.562 0.204")
[[ $unseen == "1 3 0 2" ]] || fail "--input-dims 1: '$unseen' for unseen numbers, expected '1 3 0 2'"
"$ATTN_INSPECT" points.attn --attention "0.333 0.071" >shades.txt || fail "attn-inspect --attention on points"
grep -F "0.333" shades.txt >/dev/null || fail "the attention picture does not label the points: $(cat shades.txt)"
printf '0.1 0.2\n0.3 1.5\n' >bad_points.txt
expect_input_error "bad_points.txt:2: '1.5' is not a point" "$ATTN_DECODE" -m points.attn -i bad_points.txt
expect_input_error "--input-dims must lie in 1..4" "$ATTN_TRAIN" --train points.tsv "${POINTER[@]}" \
  --input-dims 7
printf '0.1 x\t0 1\n' >bad_train.tsv
expect_input_error "bad_train.tsv:1: 'x' is not a point" "$ATTN_TRAIN" --train bad_train.tsv \
  "${POINTER[@]}" --input-dims 1
echo "pointer: ok"
