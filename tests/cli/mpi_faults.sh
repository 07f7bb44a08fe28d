#!/usr/bin/env bash
# What goes wrong under mpirun: ranks started on other data or flags are refused at start,
# naming the difference (exit 2); a rank killed mid-training stops the job within seconds,
# with a message naming the lost rank and a non-zero exit, and the last checkpoint on disk
# verifies and resumes.
LIB=$(cd "$(dirname "$0")/lib" && pwd)  # tools.bash moves to a scratch folder
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$LIB/tools.bash" "$@"
# shellcheck source-path=SCRIPTDIR source=lib/mpi.bash
source "$LIB/mpi.bash"

make_reversal_data train.tsv 80
make_reversal_data valid.tsv 6
sed 's/a/b/' train.tsv >other.tsv
RUN=(--batch-tokens 40 --seed 3 --lr 0.01 --warmup 5 "${TINY[@]}" --report-every 1)

# refused NAME EXPECTED MPMD-ARGS...: the job must exit 2 and name EXPECTED.
refused() {
  local name=$1 expected=$2 rc=0
  shift 2
  "${MPIRUN[@]}" "$@" >"$name.out" 2>&1 || rc=$?
  [[ $rc -eq 2 ]] || fail "$name: exit code $rc, expected 2: $(cat "$name.out")"
  grep -q -- "$expected" "$name.out" || fail "$name: the message does not name '$expected': $(cat "$name.out")"
}
refused data "rank 1 differs from rank 0 in the training data" \
  -np 1 "$ATTN_TRAIN" --train train.tsv "${RUN[@]}" --max-steps 2 --save refused.attn : \
  -np 1 "$ATTN_TRAIN" --train other.tsv "${RUN[@]}" --max-steps 2 --save refused.attn
refused flag "rank 1 differs from rank 0 in --label-smoothing" \
  -np 1 "$ATTN_TRAIN" --train train.tsv "${RUN[@]}" --max-steps 2 --save refused.attn : \
  -np 1 "$ATTN_TRAIN" --train train.tsv "${RUN[@]}" --max-steps 2 --save refused.attn --label-smoothing 0.2
refused model "rank 1 differs from rank 0 in --pre-norm" \
  -np 1 "$ATTN_TRAIN" --train train.tsv "${RUN[@]}" --max-steps 2 --save refused.attn : \
  -np 1 "$ATTN_TRAIN" --train train.tsv "${RUN[@]}" --max-steps 2 --save refused.attn --pre-norm

# A long run that checkpoints every 5 steps (at each validation); rank 1 is killed once a
# checkpoint is on disk.
"${MPIRUN[@]}" -np 2 "$ATTN_TRAIN" --train train.tsv --valid valid.tsv --valid-every 5 \
  "${RUN[@]}" --max-steps 1000000 --save model.attn >job.out 2>&1 &
job=$!
for _ in $(seq 1 600); do
  [[ -f model.attn ]] && break
  kill -0 "$job" 2>/dev/null || fail "the job ended before its first checkpoint: $(cat job.out)"
  sleep 0.1
done
[[ -f model.attn ]] || fail "no checkpoint after 60 s: $(cat job.out)"
sleep 1  # a few steps past the checkpoint, so training is under way
rank1=""
for pid in $(pgrep -P "$job"); do
  if tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then rank1=$pid; fi
done
[[ -n $rank1 ]] || fail "rank 1 not found among mpirun's children"
killed_at=$(date +%s.%N)
kill -KILL "$rank1"
rc=0
for _ in $(seq 1 100); do
  kill -0 "$job" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$job" 2>/dev/null; then
  kill -KILL "$job"
  fail "the job still runs 10 s after rank 1 was killed: $(cat job.out)"
fi
wait "$job" || rc=$?
elapsed=$(python3 -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.1f}')" "$killed_at")
[[ $rc -ne 0 ]] || fail "the job exited 0 after losing rank 1"
grep -q "rank 1" job.out || fail "the job's output does not name the lost rank 1: $(cat job.out)"
echo "rank 1 killed: the job stopped in $elapsed s with exit code $rc"

"$ATTN_INSPECT" --verify model.attn >/dev/null || fail "the last checkpoint does not verify"
saved_step=$("$ATTN_INSPECT" --json model.attn | python3 -c "import json, sys; print(json.load(sys.stdin)['provenance']['steps'])")
(( saved_step >= 5 && saved_step % 5 == 0 )) || fail "checkpoint at step $saved_step, expected a multiple of 5"
"${MPIRUN[@]}" -np 2 "$ATTN_TRAIN" --train train.tsv --valid valid.tsv --valid-every 5 "${RUN[@]}" \
  --max-steps $((saved_step + 3)) --resume model.attn --save model.attn --log-json resumed.json ||
  fail "--resume after the lost rank"
python3 - resumed.json "$saved_step" <<'PY' || fail "the resumed job did not continue from the checkpoint"
import json, sys
steps = [r["step"] for r in map(json.loads, open(sys.argv[1])) if r["type"] == "train"]
start = int(sys.argv[2])
assert steps == [start + 1, start + 2, start + 3], steps
PY
"$ATTN_INSPECT" --verify model.attn >/dev/null || fail "the resumed checkpoint does not verify"
echo "mpi_faults: OK"
