#!/bin/bash
# attn-decode --synthetic (the decoding benchmark) honours every shape flag: --preset, --vocab,
# --src-len, --tgt-len, --mini-batch and --seconds each change what its stats line reports,
# and bad values are refused with one line and exit code 2.
#   bash tests/cli/synthetic_decode.sh BUILD_DIR
source "$(dirname "$0")/lib/tools.bash" "$@"

# synthetic FLAGS...: the stats line of one timed round (--seconds 0 stops after the first).
synthetic() {
  "$ATTN_DECODE" --synthetic --threads 1 --seconds 0 "$@" 2>&1 >/dev/null | tail -1
}
field() { grep -oE "$1" <<<"$2" | grep -oE '[0-9]+' | head -1; }

tiny=$(synthetic --preset tiny --vocab 300 --src-len 7 --tgt-len 5 --mini-batch 3 --beam-size 2)
[[ $(field '[0-9]+ rounds' "$tiny") == 1 ]] || fail "--seconds 0 ran more than one round: $tiny"
[[ $(field 'vocab [0-9]+' "$tiny") == 300 ]] || fail "--vocab 300 not used: $tiny"
[[ $(field 'of [0-9]+ tokens' "$tiny") == 7 ]] || fail "--src-len 7 not used: $tiny"
# One round, 3 sentences, EOS suppressed until --tgt-len: exactly 3 * 5 tokens come out.
[[ $(field '[0-9]+ tokens in' "$tiny") == 15 ]] || fail "--mini-batch 3 x --tgt-len 5 not used: $tiny"

small=$(synthetic --preset small --vocab 300 --src-len 7 --tgt-len 5 --mini-batch 3 --beam-size 2)
wider=$(synthetic --preset tiny --vocab 600 --src-len 7 --tgt-len 5 --mini-batch 3 --beam-size 2)
tiny_params=$(field '[0-9]+ parameters' "$tiny")
(($(field '[0-9]+ parameters' "$small") > tiny_params)) || fail "--preset ignored: $tiny / $small"
(($(field '[0-9]+ parameters' "$wider") > tiny_params)) || fail "--vocab ignored: $tiny / $wider"

expect_input_error "--mini-batch" "$ATTN_DECODE" --synthetic --mini-batch 0
expect_input_error "--tgt-len" "$ATTN_DECODE" --synthetic --tgt-len 0
echo "synthetic decode: every shape flag takes effect"
