#!/usr/bin/env bash
# SIGINT (Ctrl-C) and SIGTERM stop training cleanly: the run finishes its step, writes a
# checkpoint that verifies, decodes and resumes, and exits 128 + the signal (130, 143).
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 40

# Waits (at most 20 s) until the log shows the run is past a few steps.
wait_for_training() {  # log file, pid
  local tries
  for ((tries = 0; tries < 200; ++tries)); do
    [[ $(line_count "$1" 2>/dev/null || echo 0) -ge 3 ]] && return 0
    kill -0 "$2" 2>/dev/null || fail "attn-train ended before it was signalled"
    sleep 0.1
  done
  fail "attn-train logged no steps in 20 s"
}

for signal in INT TERM; do
  # No limit that could end the run, and no validation: no checkpoint is written unless the
  # signal makes one.
  "$ATTN_TRAIN" --train train.tsv "${TINY[@]}" --batch-tokens 40 --max-steps 1000000000 \
    --report-every 1 --log-json $signal.json --save $signal.attn &
  pid=$!
  wait_for_training $signal.json $pid
  [[ -e $signal.attn ]] && fail "a checkpoint was written before SIG$signal"
  kill -s $signal $pid
  rc=0
  wait $pid || rc=$?
  # The shell's convention: 128 + the signal (130 for Ctrl-C), though the checkpoint is saved.
  [[ $rc -eq $((128 + $(kill -l $signal))) ]] || fail "attn-train exited with $rc after SIG$signal"
  "$ATTN_INSPECT" --verify $signal.attn >/dev/null || fail "the SIG$signal checkpoint is damaged"
  echo "a b c" | "$ATTN_DECODE" -m $signal.attn -b 1 >decoded.txt ||
    fail "the SIG$signal checkpoint does not decode"
  [[ $(line_count decoded.txt) -eq 1 ]] ||
    fail "the SIG$signal checkpoint decoded to $(line_count decoded.txt) lines"
  # The checkpoint holds the last logged step, and training goes on from there.
  steps=$(tail -1 $signal.json | grep -oE '"step":[0-9]+' | cut -d: -f2)
  "$ATTN_TRAIN" --train train.tsv --batch-tokens 40 --threads 1 --quiet --resume $signal.attn \
    --save $signal.attn --max-steps $((steps + 2)) --report-every 1 --log-json $signal.resumed.json
  [[ $(head -1 $signal.resumed.json | grep -oE '"step":[0-9]+') == "\"step\":$((steps + 1))" ]] ||
    fail "resuming after SIG$signal at step $steps: $(cat $signal.resumed.json)"
done
echo "sigint: OK"
