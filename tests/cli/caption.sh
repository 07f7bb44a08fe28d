#!/usr/bin/env bash
# attn-train --model caption -> attn-decode on tiny generated images: 3 x 3 grids, two
# feature tokens a cell ("colour shape", "_ _" when empty), one shape an image, captioned
# "<colour> <shape> <side>". The model learns the training images, decodes them with greedy
# and beam search, draws --attention-map pictures and writes --attention-json rows over the
# source tokens; a grid that is not whole cells is refused as bad input. With --input-dims 3
# the same images are real-valued: every cell is two vectors of 3 numbers (a noisy RGB
# colour, a noisy shape descriptor), and bad numbers are refused naming file:line.
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

# Decodes the grids of $2 with model $1, greedy and beam 4: 20 of the 24 captions or more
# exact.
expect_captions() {
  cut -f1 "$2" >input.txt
  for beam in 1 4; do
    "$ATTN_DECODE" -m "$1" -b "$beam" <input.txt >out.txt
    [[ $(line_count out.txt) -eq 24 ]] || fail "$1, beam $beam: $(line_count out.txt) lines for 24"
    correct=$(cut -f2 "$2" | paste - out.txt | awk -F'\t' '$1 == $2' | wc -l)
    [[ $correct -ge 20 ]] || fail "$1, beam $beam: only $correct of 24 training images captioned"
  done
}

# Draws the first two images of $2 with model $1 (--attention-map into folder $3) and checks
# the --attention-json rows ($3.jsonl): every row spans the 18 source tokens and sums to 1.
expect_attention() {
  head -2 "$2" | cut -f1 | "$ATTN_DECODE" -m "$1" --attention-map "$3" \
    --attention-json "$3.jsonl" >/dev/null
  [[ -s $3/1.svg && -s $3/2.svg ]] || fail "$1: --attention-map drew no pictures"
  python3 - "$3.jsonl" <<'PY' || fail "$1: --attention-json rows are not over the 18 tokens"
import json, sys
for line in open(sys.argv[1]):
    record = json.loads(line)
    assert len(record["source"]) == 18
    for row in record["attention"]:
        assert len(row) == 18 and abs(sum(row) - 1) < 1e-4, row
PY
}

make_grid_data train.tsv 24
CAPTION=(--model caption --preset tiny --cell-features 2 --max-positions 9 --dropout 0
         --threads 1 --quiet --lr 0.01 --lr-schedule constant --warmup 0 --label-smoothing 0
         --batch-tokens 200 --max-steps 300)
"$ATTN_TRAIN" --train train.tsv "${CAPTION[@]}" --save model.attn
"$ATTN_INSPECT" --verify model.attn >/dev/null || fail "attn-inspect --verify"
"$ATTN_INSPECT" model.attn | grep caption >/dev/null || fail "attn-inspect names no caption architecture"

expect_captions model.attn train.tsv
expect_attention model.attn train.tsv maps

printf 'red square _\n' >odd.txt
expect_input_error "whole cells" "$ATTN_DECODE" -m model.attn --input odd.txt

# --input-dims 3: the same kind of images with every feature a vector of 3 numbers in
# [0, 1]: the colour as RGB, the shape as a descriptor, each with noise up to 0.1, and
# "0,0,0 0,0,0" for an empty cell.
awk 'BEGIN {
  srand(7)
  split("red blue", colour); split("0.85,0.1,0.1 0.1,0.15,0.85", rgb)
  split("square circle", shape); split("0.9,0.1,0.5 0.1,0.9,0.5", descriptor)
  split("left centre right", side)
  for (i = 0; i < 24; ++i) {
    cell = int(rand() * 9); c = 1 + int(rand() * 2); s = 1 + int(rand() * 2)
    line = ""
    for (j = 0; j < 9; ++j) {
      if (j != cell) { line = line (j ? " " : "") "0,0,0 0,0,0"; continue }
      split(rgb[c], x, ","); split(descriptor[s], y, ",")
      line = line (j ? " " : "") sprintf("%.2f,%.2f,%.2f %.2f,%.2f,%.2f",
        x[1] + rand() / 10, x[2] + rand() / 10, x[3] + rand() / 10,
        y[1] + rand() / 10, y[2] + rand() / 10, y[3] - rand() / 10)
    }
    print line "\t" colour[c] " " shape[s] " " side[1 + cell % 3]
  }
}' >vectors.tsv
"$ATTN_TRAIN" --train vectors.tsv "${CAPTION[@]}" --input-dims 3 --save vectors.attn
"$ATTN_INSPECT" vectors.attn | grep "input_dims=3" >/dev/null || fail "attn-inspect shows no input_dims"
expect_captions vectors.attn vectors.tsv
expect_attention vectors.attn vectors.tsv vector_maps
# The maps label the columns with the vectors as written.
grep -F '"0,0,0"' vector_maps.jsonl >/dev/null || fail "--attention-json does not name the vectors"
printf '0,0,0 0,0,0\n0.9,1.5,0.1 0,0,0\n' >bad_vectors.txt
expect_input_error "bad_vectors.txt:2: '0.9,1.5,0.1' is not a point" \
  "$ATTN_DECODE" -m vectors.attn --input bad_vectors.txt
printf '0,0,0 0,0,0\t_\n0.5,0.5 0,0,0\tred square left\n' >bad_vectors.tsv
expect_input_error "bad_vectors.tsv:2: '0.5,0.5' is not a point" \
  "$ATTN_TRAIN" --train bad_vectors.tsv "${CAPTION[@]}" --input-dims 3
printf '0,0,0 0,0,0 0,0,0\n' >odd_vectors.txt
expect_input_error "whole cells" "$ATTN_DECODE" -m vectors.attn --input odd_vectors.txt
expect_input_error "--input-dims must lie in 1..4" \
  "$ATTN_TRAIN" --train vectors.tsv "${CAPTION[@]}" --input-dims 1.5
echo "caption: ok"
