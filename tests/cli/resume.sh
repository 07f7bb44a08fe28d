#!/usr/bin/env bash
# Resume equivalence: N steps in one run, or N/2 steps, a checkpoint, and --resume up to N,
# give the same per-step losses, learning rates and gradient norms, to the last bit. That
# holds only if the checkpoint restores the step count (LR schedule), the Adam moments, the
# dropout RNG and the data position, and the resumed run takes the checkpoint's seed, LR,
# schedule, warmup, optimizer (AdamW and its decay), label smoothing, clipping and batching
# (tokens, max length, crop) when its command line does not repeat them.
# Both runs stamp the same creation time, so their checkpoints can be compared byte for byte.
export SOURCE_DATE_EPOCH=1700000000
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 40
make_reversal_data valid.tsv 6
# Several batches per epoch (so the data position matters), dropout (so the RNG state
# matters), a schedule still warming up at the split, and validations before and after it.
# A run validates at its last step, so the split is at a validation step (as is N): the
# half run validates nowhere the full run does not.
RUN=(--train train.tsv --valid valid.tsv --valid-every 3 --batch-tokens 40 --seed 7 --lr 0.01
     --warmup 10 --optimizer adamw --weight-decay 0.01 --report-every 1 "${TINY[@]}"
     --dropout 0.3 --label-smoothing 0.2 --clip-norm 0.5 --lr-schedule constant --max-length 7
     --max-length-crop)
N=12

# The full and the split run each in its own folder, with the same file names: a checkpoint
# keeps its run's options (--log-json's path among them), so their files can be compared.
mkdir full split
cp train.tsv valid.tsv full/
cp train.tsv valid.tsv split/
(cd full && "$ATTN_TRAIN" "${RUN[@]}" --max-steps $N --log-json log.json --save model.attn)
cd split
"$ATTN_TRAIN" "${RUN[@]}" --max-steps $((N / 2)) --log-json log.json --save half.attn
cp half.attn model.attn
# The same command line plus --resume, ...
"$ATTN_TRAIN" "${RUN[@]}" --max-steps $N --log-json log.json --resume model.attn \
  --save model.attn
# ... and the least one can type: where to stop (the checkpoint knows the rest).
"$ATTN_TRAIN" --max-steps $N --log-json short.json --resume half.attn --save short.attn
cd ..
cp full/log.json full.json
cp split/log.json split.json
cp split/short.json short.json
cp full/model.attn full.attn
cp split/model.attn split.attn
cp split/short.attn short.attn

python3 - full.json split.json short.json $N <<'PY' || fail "the resumed runs differ"
import json, sys
full_path, split_path, short_path, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def records(path):
    # tokens_per_second and time are timings; everything else must repeat exactly.
    out = []
    for line in open(path):
        r = json.loads(line)
        r.pop("tokens_per_second", None)
        r.pop("time", None)
        out.append(r)
    return out

full, split, short = records(full_path), records(split_path), records(short_path)
steps = [r["step"] for r in full if r["type"] == "train"]
assert steps == list(range(1, n + 1)), f"full run logged steps {steps}"
assert any(r["type"] == "valid" for r in full), "no validation was logged"
for name, run in (("resumed with the same flags", split), ("resumed with few flags", short)):
    if name == "resumed with few flags":
        expected = [r for r in full if r["step"] > n // 2]
    else:
        expected = full
    for want, got in zip(expected, run):
        assert want == got, f"{name}: step {want['step']}: expected {want}, got {got}"
    assert len(expected) == len(run), f"{name}: {len(run)} records, expected {len(expected)}"
PY
# A checkpoint holds no timestamps, so the same training state is the same file.
cmp -s full.attn split.attn || fail "the resumed run's checkpoint differs from the full run's"
"$ATTN_INSPECT" --verify short.attn >/dev/null || fail "the resumed checkpoint does not verify"
echo "resume: OK"
