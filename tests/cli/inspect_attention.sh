#!/usr/bin/env bash
# attn-inspect --attention "a line" MODEL: decodes the line and draws its attention, as Unicode
# shades on stdout or, with --out, as the same SVG attn-decode --attention-map draws; misuse
# of the flags is exit code 2.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 40
"$ATTN_TRAIN" --train train.tsv --model rnn --preset tiny --cell gru --attention additive \
  --threads 1 --quiet --lr 0.01 --lr-schedule constant --warmup 0 --batch-tokens 64 \
  --max-steps 30 --save model.attn
line="a b c d"

# Shades: a header naming each source token, then one row per output token, and the rows
# are what attn-decode outputs for the line with the same beam.
"$ATTN_INSPECT" --attention "$line" -b 3 model.attn >shades.txt
decoded=$(echo "$line" | "$ATTN_DECODE" -m model.attn -b 3)
read -ra outputs <<<"$decoded"
[[ ${#outputs[@]} -gt 0 ]] || fail "attn-decode gave an empty output for '$line'"
[[ $(head -1 shades.txt) == "0=a 1=b 2=c 3=d "* ]] || fail "shades header: $(head -1 shades.txt)"
[[ $(line_count shades.txt) -eq $((${#outputs[@]} + 1)) ]] ||
  fail "$(line_count shades.txt) shade lines for the ${#outputs[@]} outputs of '$decoded'"
grep -q '[░▒▓█]' shades.txt || fail "no shaded cell: $(cat shades.txt)"

# --out: an SVG that parses as XML and is the picture attn-decode draws for the same line.
"$ATTN_INSPECT" --attention "$line" --beam-size 3 --out map.svg model.attn >stdout.txt
[[ ! -s stdout.txt ]] || fail "--out also printed to stdout: $(cat stdout.txt)"
python3 -c "import xml.dom.minidom,sys; xml.dom.minidom.parse(sys.argv[1])" map.svg ||
  fail "map.svg is not XML"
echo "$line" | "$ATTN_DECODE" -m model.attn -b 3 --attention-map maps >/dev/null
cmp -s map.svg maps/1.svg || fail "attn-inspect's SVG differs from attn-decode --attention-map"

# Greedy search draws too, and the model can come from stdin.
"$ATTN_INSPECT" --attention "$line" -b 1 - <model.attn >greedy.txt
[[ $(head -1 greedy.txt) == "0=a 1=b 2=c 3=d "* ]] || fail "greedy from stdin: $(cat greedy.txt)"

expect_input_error "--out and --beam-size go with --attention" \
  "$ATTN_INSPECT" --out x.svg model.attn
expect_input_error "one model file" "$ATTN_INSPECT" --attention "$line" model.attn model.attn
expect_input_error "needs a source line" "$ATTN_INSPECT" --attention "" model.attn
expect_input_error "no tokens" "$ATTN_INSPECT" --attention "   " model.attn
expect_input_error "cannot write" \
  "$ATTN_INSPECT" --attention "$line" --out "$WORK_DIR/missing/map.svg" model.attn
echo "inspect_attention: all checks passed"
