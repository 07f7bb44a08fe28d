#!/usr/bin/env bash
# Data parallelism is gradient accumulation across processes: 2 ranks with --batch-tokens B
# (rank r trains on batch r of each pair) must follow 1 process with --batch-tokens B
# --accumulate 2 (the same pair of batches summed), step for step: the same losses and
# gradient norms over 30 steps, and the same final parameters, up to float rounding (1e-5).
# Both for the Transformer and for the RNN. Dropout is off: the two runs draw their dropout
# masks from different streams (one per rank), so with it only the distributions would match.
# The ranks' checkpoint resumes under mpirun as today's resume does (the same losses as an
# uninterrupted run).
export SOURCE_DATE_EPOCH=1700000000  # both runs stamp the same time: checkpoints compare by bytes
LIB=$(cd "$(dirname "$0")/lib" && pwd)  # tools.bash moves to a scratch folder
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$LIB/tools.bash" "$@"
# shellcheck source-path=SCRIPTDIR source=lib/mpi.bash
source "$LIB/mpi.bash"

make_reversal_data train.tsv 80
N=30
COMMON=(--train train.tsv --batch-tokens 40 --seed 3 --lr 0.01 --lr-schedule constant --warmup 0
        --clip-norm 1 --label-smoothing 0.1 --report-every 1 --max-steps $N --threads 1 --quiet
        --preset tiny --dropout 0)
declare -A MODEL=(
  [transformer]="--model transformer --d-model 16 --heads 2 --ffn 32 --encoder-layers 1 --decoder-layers 1"
  [rnn]="--model rnn --cell lstm --attention general --embed 16 --hidden 16 --layers 1")

compare() {  # compare NAME ONE.json TWO.json ONE.safetensors TWO.safetensors
  python3 - "$@" <<'PY' || fail "$1: 2 ranks differ from 1 process with --accumulate 2"
import array, json, struct, sys
name, one_log, two_log, one_st, two_st = sys.argv[1:]
def train(path):
    return [r for r in map(json.loads, open(path)) if r["type"] == "train"]
one, two = train(one_log), train(two_log)
assert [r["step"] for r in one] == list(range(1, 31)), [r["step"] for r in one]
assert [r["step"] for r in two] == [r["step"] for r in one], [r["step"] for r in two]
assert all(r.get("ranks") == 2 for r in two), "the 2-rank run did not run on 2 ranks"
for a, b in zip(one, two):
    for key in ("loss", "grad_norm"):
        assert abs(a[key] - b[key]) <= 1e-5 * abs(a[key]), (name, a["step"], key, a[key], b[key])
    assert a["lr"] == b["lr"] and a["epoch"] == b["epoch"], (a, b)
# The runs must have learned something, or equal losses would prove little.
assert one[-1]["loss"] < 0.8 * one[0]["loss"], (one[0]["loss"], one[-1]["loss"])
def tensors(path):  # safetensors: u64 header size, JSON header, raw little-endian data
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    header.pop("__metadata__", None)
    out = {}
    for key, t in header.items():
        if t["dtype"] == "F32":
            begin, end = t["data_offsets"]
            out[key] = array.array("f", data[begin:end])
    return out
p, q = tensors(one_st), tensors(two_st)
assert sorted(p) == sorted(q) and p, (sorted(p), sorted(q))
for key in p:
    worst = max((abs(a - b) for a, b in zip(p[key], q[key])), default=0.0)
    assert worst <= 1e-5, (name, key, worst)
print(f"{name}: {len(one)} steps, final loss {one[-1]['loss']:.6f} / {two[-1]['loss']:.6f}")
PY
}

for name in transformer rnn; do
  # shellcheck disable=SC2086  # the model flags are several words
  "$ATTN_TRAIN" "${COMMON[@]}" ${MODEL[$name]} --accumulate 2 --log-json "$name.one.json" \
    --save "$name.one.attn" || fail "$name: 1 process with --accumulate 2"
  # shellcheck disable=SC2086
  "${MPIRUN[@]}" -np 2 "$ATTN_TRAIN" "${COMMON[@]}" ${MODEL[$name]} --log-json "$name.two.json" \
    --save "$name.two.attn" || fail "$name: mpirun -np 2"
  [[ $(grep -c '"type":"train"' "$name.two.json") -eq $N ]] ||
    fail "$name: the 2-rank run logged $(grep -c '"type":"train"' "$name.two.json") steps, not $N (did every rank log?)"
  "$ATTN_INSPECT" --verify "$name.two.attn" >/dev/null || fail "$name: the 2-rank checkpoint does not verify"
  for run in one two; do
    "$ATTN_EXPORT" "$name.$run.attn" --to safetensors -o "$name.$run.safetensors" >/dev/null ||
      fail "$name: attn-export"
  done
  compare "$name" "$name.one.json" "$name.two.json" "$name.one.safetensors" "$name.two.safetensors"
done

# Resume under mpirun: 15 steps, a checkpoint, 15 more equal the 30 above. Dropout on here:
# the checkpoint carries every rank's stream.
RESUME=(--train train.tsv --batch-tokens 40 --seed 3 --lr 0.01 --lr-schedule constant --warmup 0
        --clip-norm 1 --report-every 1 --threads 1 --quiet --preset tiny --dropout 0.2
        --model transformer --d-model 16 --heads 2 --ffn 32 --encoder-layers 1 --decoder-layers 1)
# The same file names in two folders: a checkpoint keeps its run's options (--log-json too).
mkdir full split
cp train.tsv full/
cp train.tsv split/
(cd full && "${MPIRUN[@]}" -np 2 "$ATTN_TRAIN" "${RESUME[@]}" --max-steps 10 --log-json run.json \
  --save m.attn) || fail "mpirun: the uninterrupted run"
(cd split && "${MPIRUN[@]}" -np 2 "$ATTN_TRAIN" "${RESUME[@]}" --max-steps 5 --log-json run.json \
  --save m.attn) || fail "mpirun: the first half"
(cd split && "${MPIRUN[@]}" -np 2 "$ATTN_TRAIN" "${RESUME[@]}" --max-steps 10 --log-json run.json \
  --resume m.attn --save m.attn) || fail "mpirun: the resumed half"
python3 - full/run.json split/run.json <<'PY' || fail "mpirun: the resumed run differs from the uninterrupted one"
import json, sys
def records(path):
    out = []
    for r in map(json.loads, open(path)):
        for timing in ("tokens_per_second", "communication_share", "time"):
            r.pop(timing, None)
        out.append(r)
    return out
full, split = records(sys.argv[1]), records(sys.argv[2])
assert full == split, (full, split)
PY
cmp -s full/m.attn split/m.attn || fail "mpirun: the resumed run's checkpoint differs from the full run's"
echo "mpi_equivalence: OK"
