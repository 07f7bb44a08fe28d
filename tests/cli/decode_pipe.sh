#!/usr/bin/env bash
# attn-decode in a pipe: each line is answered (and flushed) while the input is still open,
# even with --mini-batch 16, so a program (or a person) can wait for the answer before it
# writes the next line. A decoder that reads ahead to fill a batch, or that buffers its
# output until exit, hangs here until `read -t` gives up.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 20
"$ATTN_TRAIN" --train train.tsv "${TINY[@]}" --max-steps 2 --save model.attn

for beam in 1 4; do
  coproc DECODER { "$ATTN_DECODE" -m model.attn --beam-size "$beam" --mini-batch 16; }
  to_decoder=${DECODER[1]}
  from_decoder=${DECODER[0]}
  for sentence in "a b c" "" "d e f g" "h"; do
    printf '%s\n' "$sentence" >&"$to_decoder"
    read -r -t 10 answer <&"$from_decoder" ||
      fail "--beam-size $beam: no answer to '$sentence' within 10 s while the input is open"
    [[ -n $sentence || -z $answer ]] || fail "--beam-size $beam: empty line answered '$answer'"
  done
  # Closing the input ends the decoder cleanly, with nothing left unanswered.
  exec {to_decoder}>&-
  status=0
  read -r -t 10 extra <&"$from_decoder" || status=$?
  [[ $status -ne 0 ]] || fail "--beam-size $beam: extra output '$extra'"
  [[ $status -le 128 ]] || fail "--beam-size $beam: attn-decode still runs after its input closed"
  wait "$DECODER_PID" || fail "--beam-size $beam: attn-decode exited with $?"
done
echo "decode_pipe: OK"
