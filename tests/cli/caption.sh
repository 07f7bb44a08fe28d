#!/usr/bin/env bash
# attn-train --model caption -> attn-decode on tiny generated images: 3 x 3 grids, two
# feature tokens a cell ("colour shape", "_ _" when empty), one shape an image, captioned
# "<colour> <shape> <side>". The model learns the training images, decodes them with greedy
# and beam search, draws --attention-map pictures and writes --attention-json rows over the
# source tokens; a grid that is not whole cells is refused as bad input.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

# N lines "grid<TAB>caption"; awk's seeded generator makes the same file on every run.
make_grid_data() {
  awk -v count="$2" 'BEGIN {
    srand(5)
    split("red blue", colour); split("square circle", shape); split("left centre right", side)
    for (i = 0; i < count; ++i) {
      cell = int(rand() * 9); c = colour[1 + int(rand() * 2)]; s = shape[1 + int(rand() * 2)]
      line = ""
      for (j = 0; j < 9; ++j) line = line (j ? " " : "") (j == cell ? c " " s : "_ _")
      print line "\t" c " " s " " side[1 + cell % 3]
    }
  }' >"$1"
}

make_grid_data train.tsv 24
CAPTION=(--model caption --preset tiny --cell-features 2 --max-positions 9 --dropout 0
         --threads 1 --quiet --lr 0.01 --lr-schedule constant --warmup 0 --label-smoothing 0
         --batch-tokens 200 --max-steps 300)
"$ATTN_TRAIN" --train train.tsv "${CAPTION[@]}" --save model.attn
"$ATTN_INSPECT" --verify model.attn >/dev/null || fail "attn-inspect --verify"
"$ATTN_INSPECT" model.attn | grep caption >/dev/null || fail "attn-inspect names no caption architecture"

cut -f1 train.tsv >input.txt
for beam in 1 4; do
  "$ATTN_DECODE" -m model.attn -b "$beam" <input.txt >out.txt
  [[ $(line_count out.txt) -eq 24 ]] || fail "beam $beam: $(line_count out.txt) lines for 24"
  correct=$(cut -f2 train.tsv | paste - out.txt | awk -F'\t' '$1 == $2' | wc -l)
  [[ $correct -ge 20 ]] || fail "beam $beam: only $correct of 24 training images captioned"
done

head -2 input.txt | "$ATTN_DECODE" -m model.attn --attention-map maps \
  --attention-json attention.jsonl >/dev/null
[[ -s maps/1.svg && -s maps/2.svg ]] || fail "--attention-map drew no pictures"
# Every attention row spans the 18 source tokens and sums to 1 over them.
python3 - attention.jsonl <<'PY' || fail "--attention-json rows are not over the 18 tokens"
import json, sys
for line in open(sys.argv[1]):
    record = json.loads(line)
    assert len(record["source"]) == 18
    for row in record["attention"]:
        assert len(row) == 18 and abs(sum(row) - 1) < 1e-4, row
PY

printf 'red square _\n' >odd.txt
expect_input_error "whole cells" "$ATTN_DECODE" -m model.attn --input odd.txt
echo "caption: ok"
