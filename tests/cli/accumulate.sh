#!/usr/bin/env bash
# --accumulate K in one process: resume equivalence holds (the data position is saved at an
# update boundary, K batches on; the step counter counts updates), a resumed run keeps the
# checkpoint's K when its command line leaves it out, K changes the run (K batches an update:
# half the updates per epoch at K = 2), and a bad K is refused.
export SOURCE_DATE_EPOCH=1700000000
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 40
RUN=(--train train.tsv --batch-tokens 40 --seed 5 --lr 0.01 --lr-schedule constant --warmup 0
     --report-every 1 "${TINY[@]}" --dropout 0.2)
N=8

# The same file names in two folders: a checkpoint keeps its run's options (--log-json too).
mkdir full split
cp train.tsv full/
cp train.tsv split/
(cd full && "$ATTN_TRAIN" "${RUN[@]}" --accumulate 3 --max-steps $N --log-json run.json --save m.attn)
(cd split && "$ATTN_TRAIN" "${RUN[@]}" --accumulate 3 --max-steps $((N / 2)) --log-json run.json --save m.attn)
# Resumed without --accumulate: the checkpoint's 3 goes on.
(cd split && "$ATTN_TRAIN" "${RUN[@]}" --max-steps $N --log-json run.json --resume m.attn --save m.attn)
python3 - full/run.json split/run.json <<'PY' || fail "the resumed --accumulate run differs"
import json, sys
def records(path):
    out = []
    for r in map(json.loads, open(path)):
        r.pop("tokens_per_second", None)
        r.pop("time", None)
        out.append(r)
    return out
full, split = records(sys.argv[1]), records(sys.argv[2])
assert full == split, (full, split)
PY
cmp -s full/m.attn split/m.attn || fail "the resumed --accumulate run's checkpoint differs"

# One epoch of batches is half as many updates at --accumulate 2.
"$ATTN_TRAIN" "${RUN[@]}" --epochs 2 --log-json k1.json --save k1.attn
"$ATTN_TRAIN" "${RUN[@]}" --epochs 2 --accumulate 2 --log-json k2.json --save k2.attn
python3 - k1.json k2.json <<'PY' || fail "--accumulate 2 does not halve the updates of an epoch"
import json, sys
def steps(path):
    return [r["step"] for r in map(json.loads, open(path)) if r["type"] == "train"]
one, two = steps(sys.argv[1]), steps(sys.argv[2])
assert len(one) >= 4 and abs(len(two) - len(one) / 2) <= 1, (len(one), len(two))
PY

expect_input_error "--accumulate" "$ATTN_TRAIN" "${RUN[@]}" --max-steps 2 --accumulate 0
echo "accumulate: OK"
