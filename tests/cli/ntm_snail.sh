#!/usr/bin/env bash
# attn-train --model ntm and --model snail -> attn-decode on tiny reversal data: their flags
# reach the model file, the file verifies, decodes one line per input line with greedy and
# beam search, and resumes; bad values and flags of another model are bad usage (exit 2).
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 40
NTM=(--model ntm --preset tiny --memory-slots 12 --memory-width 6 --controller-size 16
     --read-heads 2 --controller feedforward --embed 8 --output-feed none)
SNAIL=(--model snail --preset tiny --filters 4 --dilations 3 --key-size 4 --value-size 6
       --blocks 1 --embed 8)
COMMON=(--threads 1 --quiet --lr 0.01 --lr-schedule constant --warmup 0 --batch-tokens 128)
for name in ntm snail; do
  if [[ $name == ntm ]]; then flags=("${NTM[@]}"); else flags=("${SNAIL[@]}"); fi
  "$ATTN_TRAIN" --train train.tsv "${flags[@]}" "${COMMON[@]}" --max-steps 20 --save "$name.attn"
  "$ATTN_INSPECT" --verify "$name.attn" >/dev/null || fail "$name: attn-inspect --verify"
  "$ATTN_INSPECT" "$name.attn" | grep "$name" >/dev/null || fail "$name: attn-inspect names no $name"
  cut -f1 train.tsv | head -10 >input.txt
  for beam in 1 3; do
    "$ATTN_DECODE" -m "$name.attn" -b "$beam" <input.txt >output.txt
    [[ $(line_count output.txt) -eq 10 ]] || fail "$name -b $beam: $(line_count output.txt) lines"
  done
  "$ATTN_TRAIN" --train train.tsv "${flags[@]}" "${COMMON[@]}" --max-steps 25 \
    --resume "$name.attn" --save "$name.attn" || fail "$name: --resume"
done
# Captured first: grep -q exits at the first match, and under pipefail the inspector's SIGPIPE
# would fail the test at random.
ntm_json=$("$ATTN_INSPECT" --json ntm.attn)
grep -q '"memory_slots": *"12"' <<<"$ntm_json" ||
  fail "--memory-slots 12 is not in the model file: $ntm_json"
grep -q '"output_feed": *"none"' <<<"$ntm_json" ||
  fail "--output-feed none is not in the model file: $ntm_json"
"$ATTN_INSPECT" --json snail.attn | grep '"dilations": *"3"' >/dev/null ||
  fail "--dilations 3 is not in the model file"

expect_input_error "shift_range" "$ATTN_TRAIN" --train train.tsv --model ntm --memory-slots 4 \
  --shift-range 2 --max-steps 1 --quiet
expect_input_error "controller" "$ATTN_TRAIN" --train train.tsv --model ntm --controller rnn \
  --max-steps 1 --quiet
expect_input_error "--output-feed" "$ATTN_TRAIN" --train train.tsv --model ntm --output-feed zeros \
  --max-steps 1 --quiet
expect_input_error "--memory-slots" "$ATTN_TRAIN" --train train.tsv --model rnn --memory-slots 8 \
  --max-steps 1 --quiet
expect_input_error "filters" "$ATTN_TRAIN" --train train.tsv --model snail --filters 0 \
  --max-steps 1 --quiet
echo "ntm_snail: ok"
