#!/usr/bin/env bash
# The training workflow: --version on every tool; --resume continues a run with its own
# options (the effective configuration is the same before and after) and validates at the
# last step; resuming where the data does not fit points to --init-from; --init-from starts
# a new run from a trained model (its loss at step 1 is the model's, not a random one's);
# numbered checkpoints (--keep-last) and their mean (--average-last); the best checkpoint by
# each --valid-metric; --valid-output holds what attn-decode gives; --max-time stops cleanly;
# the epoch on the console, in the JSON log and in the summary agree.
SOURCE_DIR=$(cd "${2:-$(dirname "$0")/../..}" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

# --version: the project version of CMakeLists.txt, on all four tools.
version=$(sed -n 's/^project(attn VERSION \([0-9.]*\).*/\1/p' "$SOURCE_DIR/CMakeLists.txt")
[[ -n $version ]] || fail "no project version in $SOURCE_DIR/CMakeLists.txt"
for tool in "$ATTN_TRAIN" "$ATTN_DECODE" "$ATTN_INSPECT" "$ATTN_EXPORT"; do
  out=$("$tool" --version) || fail "$tool --version failed"
  [[ $out == "$(basename "$tool") $version" ]] || fail "$tool --version says '$out', not $version"
done

make_reversal_data all.tsv 60
head -32 all.tsv >train.tsv
sed -n 33,40p all.tsv >valid.tsv
tail -20 all.tsv >new.tsv # other sentences of the same task: data to fine-tune on

BASE=(--train train.tsv --valid valid.tsv --batch-tokens 40 --lr 0.01 --lr-schedule constant
      --warmup 0 --label-smoothing 0 --report-every 1 "${TINY[@]}")
RUN=("${BASE[@]}" --valid-every 4)

# --- resume: the effective configuration is the checkpoint's, and it validates at the end.
"$ATTN_TRAIN" "${RUN[@]}" --max-steps 6 --log-json run.json --save run.attn
"$ATTN_TRAIN" "${RUN[@]}" --max-steps 6 --log-json run.json --dump-config | grep -v '^save = ' >before.cfg
"$ATTN_TRAIN" --resume run.attn --dump-config | grep -v '^resume = ' >after.cfg
diff before.cfg after.cfg >/dev/null || fail "resume changes the configuration: $(diff before.cfg after.cfg)"
grep -q '^valid-every = 4$' after.cfg || fail "the checkpoint's --valid-every is not restored"
"$ATTN_TRAIN" --resume run.attn --max-steps 10 # saves back to run.attn, logs to run.json
python3 - run.json <<'PY' || fail "resumed run log: $(cat run.json)"
import json, sys
log = [json.loads(line) for line in open(sys.argv[1])]
train = [r["step"] for r in log if r["type"] == "train"]
valid = [r["step"] for r in log if r["type"] == "valid"]
assert train == list(range(1, 11)), train
# Every 4 steps, and at the last step of each run (6, then 10).
assert valid == [4, 6, 8, 10], valid
assert all("time" in r for r in log), "a record without a timestamp"
PY
"$ATTN_INSPECT" --json run.attn >run-inspect.json
python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["provenance"]; assert p["steps"] == 10, p' \
  run-inspect.json || fail "the resumed run did not save back to its checkpoint"

# --- resume on data whose batches do not reach the saved position: a clear pointer to --init-from.
"$ATTN_TRAIN" "${RUN[@]}" --max-steps 3 --save mid.attn
head -2 new.tsv >two.tsv
expect_input_error "--init-from" "$ATTN_TRAIN" --resume mid.attn --train two.tsv --max-steps 5

# --- init-from: a new run (step 1, fresh schedule) from the trained model's weights.
"$ATTN_TRAIN" "${BASE[@]}" --max-steps 80 --log-json trained.json --save trained.attn
FT=(--train new.tsv --batch-tokens 40 --lr 0.01 --lr-schedule constant --warmup 0
    --label-smoothing 0 --report-every 1 "${TINY[@]}" --max-steps 3)
"$ATTN_TRAIN" "${FT[@]}" --log-json fresh.json --save fresh.attn
"$ATTN_TRAIN" "${FT[@]}" --init-from trained.attn --log-json tuned.json --save tuned.attn
python3 - trained.json fresh.json tuned.json <<'PY' || fail "init-from did not start from the model"
import json, sys
def train(path):
    return [json.loads(l) for l in open(path) if json.loads(l)["type"] == "train"]
trained, fresh, tuned = (train(p) for p in sys.argv[1:])
model_loss = sum(r["loss"] for r in trained[-5:]) / 5
assert [r["step"] for r in tuned] == [1, 2, 3], [r["step"] for r in tuned]
assert tuned[0]["lr"] == fresh[0]["lr"], (tuned[0], fresh[0])  # a fresh schedule
assert fresh[0]["loss"] - model_loss > 0.5, ("the trained model learned nothing", fresh[0], model_loss)
# Step 1 on new sentences: near the trained model's loss, far from a random model's.
assert abs(tuned[0]["loss"] - model_loss) < 0.5 * (fresh[0]["loss"] - model_loss), \
    (tuned[0]["loss"], model_loss, fresh[0]["loss"])
PY
expect_input_error "not both" "$ATTN_TRAIN" "${FT[@]}" --init-from trained.attn --resume run.attn

# --- reused vocabularies: --vocab-from takes a model's (not built from data that has fewer
# words), --spm-model a SentencePiece model file as it is.
printf 'a b\tb a\n' >ab.tsv
"$ATTN_TRAIN" --train ab.tsv "${TINY[@]}" --max-steps 2 --vocab-from trained.attn --save from.attn
"$ATTN_TRAIN" --train ab.tsv "${TINY[@]}" --max-steps 2 --save built.attn
for name in trained from built; do "$ATTN_EXPORT" $name.attn --vocab vocab-$name --quiet; done
diff -r vocab-trained vocab-from >/dev/null || fail "--vocab-from: the vocabularies differ from the model's"
! diff -r vocab-trained vocab-built >/dev/null || fail "--vocab-from shows nothing: built vocabularies are the same"
cut -f1 all.tsv >text.txt
spm_train --input=text.txt --model_prefix=sp --vocab_size=16 --model_type=char \
  --hard_vocab_limit=false --minloglevel=2 >/dev/null 2>&1 || fail "spm_train failed"
"$ATTN_TRAIN" --train ab.tsv "${TINY[@]}" --max-steps 2 --spm-model sp.model --save spm.attn
"$ATTN_EXPORT" spm.attn --vocab vocab-spm --quiet
cmp -s sp.model vocab-spm/sentencepiece.model || fail "--spm-model: the model file is not the one given"
expect_input_error "sp.vocab" "$ATTN_TRAIN" --train ab.tsv "${TINY[@]}" --spm-model sp.vocab
expect_input_error "not both" "$ATTN_TRAIN" --train ab.tsv "${TINY[@]}" --spm-model sp.model \
  --vocab-from trained.attn
expect_input_error "keep their model's vocabularies" "$ATTN_TRAIN" --train ab.tsv "${TINY[@]}" \
  --init-from trained.attn --spm-model sp.model

# --- numbered checkpoints, the oldest removed, and the mean of the last two.
"$ATTN_TRAIN" "${BASE[@]}" --max-steps 12 --save-every 3 --keep-last 2 \
  --average-last 2 --save keep.attn
numbered=$(ls keep.step-*.attn | sort | tr '\n' ' ')
[[ $numbered == "keep.step-12.attn keep.step-9.attn " ]] || fail "numbered checkpoints: $numbered"
for name in keep.step-9 keep.step-12 keep.average; do
  "$ATTN_EXPORT" $name.attn --to safetensors -o $name.safetensors --quiet
done
python3 - keep.step-9.safetensors keep.step-12.safetensors keep.average.safetensors <<'PY' ||
import json, struct, sys
def tensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__": continue
        begin, end = info["data_offsets"]
        raw = data[8 + n + begin:8 + n + end]
        out[name] = struct.unpack("<%df" % (len(raw) // 4), raw)
    return out
a, b, mean = (tensors(p) for p in sys.argv[1:])
assert a.keys() == mean.keys() and len(a) > 0
differ = 0
for name in a:
    for x, y, m in zip(a[name], b[name], mean[name]):
        assert abs(m - (x + y) / 2) <= 1e-6 * max(1, abs(m)), (name, x, y, m)
        differ += x != y
assert differ > 0, "the two checkpoints are the same: the test shows nothing"
PY
  fail "keep.average.attn is not the mean of the last two numbered checkpoints"

# --- the best checkpoint by each metric: the first validation with the best value.
for metric in loss perplexity bleu chrf exact wer; do
  "$ATTN_TRAIN" "${RUN[@]}" --max-steps 40 --valid-metric $metric \
    --log-json "$metric.json" --save "$metric.attn"
  "$ATTN_INSPECT" --json "$metric.best.attn" >"$metric.best.json"
  python3 - $metric "$metric.json" "$metric.best.json" <<'PY' || fail "--valid-metric $metric"
import json, sys
metric, log_path, best_path = sys.argv[1:]
key = {"exact": "exact_match"}.get(metric, metric)
valid = [r for r in map(json.loads, open(log_path)) if r["type"] == "valid"]
lower = metric in ("loss", "perplexity", "wer")
best_value = (min if lower else max)(v[key] for v in valid)
first = next(v for v in valid if v[key] == best_value)
provenance = json.load(open(best_path))["provenance"]
assert provenance["best_valid_metric"] == metric, provenance
assert provenance["best_valid_score"] == best_value, (provenance, best_value)
assert provenance["steps"] == first["step"], (provenance, first)
PY
done
expect_input_error "--valid-metric" "$ATTN_TRAIN" "${RUN[@]}" --valid-metric accuracy
expect_input_error "--keep-last" "$ATTN_TRAIN" "${RUN[@]}" --average-last 3 --keep-last 2

# --- --valid-output with --valid-beam-size: what attn-decode gives the same model.
"$ATTN_TRAIN" "${BASE[@]}" --max-steps 10 --valid-every 10 --valid-beam-size 3 \
  --valid-output 'hyp.{step}.txt' --save beam.attn
cut -f1 valid.tsv | "$ATTN_DECODE" beam.attn -b 3 >decoded.txt # the model as a positional argument
cmp -s hyp.10.txt decoded.txt || fail "validation decodes differ from attn-decode -b 3: $(diff hyp.10.txt decoded.txt)"

# --- --maxi-batch: sentences decoded in length-sorted batches, answered in input order: the
# same bytes as one sentence at a time (empty lines included). Scores may differ in the last
# printed digit (a batch's padding changes the float sums; Marian's format prints 6
# significant digits), so n-best lists are compared as text, and their scores to 2e-5.
{ cut -f1 all.tsv; echo; cut -f1 all.tsv | rev; } >many.txt
"$ATTN_DECODE" trained.attn -b 3 --mini-batch 1 -i many.txt -o one.txt
"$ATTN_DECODE" trained.attn -b 3 --mini-batch 4 --maxi-batch 8 -i many.txt -o sorted.txt
[[ $(line_count one.txt) -eq 121 ]] || fail "output: $(line_count one.txt) lines for 121"
cmp -s one.txt sorted.txt || fail "--maxi-batch changes the output: $(diff one.txt sorted.txt | head -5)"
"$ATTN_DECODE" trained.attn -b 3 --n-best 2 --mini-batch 1 -i many.txt -o one.nbest
"$ATTN_DECODE" trained.attn -b 3 --n-best 2 --mini-batch 4 --maxi-batch 8 -i many.txt -o sorted.nbest
python3 - one.nbest sorted.nbest <<'PY' || fail "--maxi-batch changes the n-best lists"
import re, sys
def parse(path):
    rows = []
    for line in open(path):
        numbers = [float(x) for x in re.findall(r"-?\d+\.\d+", line)]
        rows.append((re.sub(r"-?\d+\.\d+", "#", line), numbers))
    return rows
one, sorted_ = parse(sys.argv[1]), parse(sys.argv[2])
assert len(one) == len(sorted_) > 200, (len(one), len(sorted_))
for (text_a, nums_a), (text_b, nums_b) in zip(one, sorted_):
    assert text_a == text_b, (text_a, text_b)
    assert all(abs(x - y) <= 2e-5 for x, y in zip(nums_a, nums_b)), (text_a, nums_a, nums_b)
PY
expect_input_error "--maxi-batch" "$ATTN_DECODE" trained.attn --maxi-batch 0

# --- ensembles: a model with itself is that model, scores included; members must share
# vocabularies (from.attn took trained.attn's, built.attn built its own).
"$ATTN_DECODE" trained.attn -b 3 --scores -i many.txt -o single.txt
"$ATTN_DECODE" -m trained.attn -m trained.attn -b 3 --scores -i many.txt -o self.txt
cmp -s single.txt self.txt || fail "an ensemble of a model with itself differs from it"
"$ATTN_DECODE" trained.attn from.attn -b 3 -i many.txt -o pair.txt
[[ $(line_count pair.txt) -eq 121 ]] || fail "ensemble output: $(line_count pair.txt) lines"
expect_input_error "built.attn" "$ATTN_DECODE" -m trained.attn -m built.attn -i many.txt

# --- --max-time: stops on time, saves, validates the last step.
"$ATTN_TRAIN" "${BASE[@]}" --max-steps 100000000 --max-time 2s --valid-every 100000 \
  --log-json timed.json --save timed.attn
python3 - timed.json <<'PY' || fail "--max-time: $(tail -2 timed.json)"
import json, sys
log = [json.loads(line) for line in open(sys.argv[1])]
last = max(r["step"] for r in log if r["type"] == "train")
assert 0 < last < 100000000
assert [r["step"] for r in log if r["type"] == "valid"] == [last], "no validation at the last step"
PY
expect_input_error "--max-time" "$ATTN_TRAIN" "${RUN[@]}" --max-time 5x

# --- --exponential-smoothing: the average survives a resume (a run and the same run split in
# two end in the same bytes), and the best model holds the average, not the last weights.
mkdir ema-full ema-split
cp train.tsv valid.tsv ema-full/
cp train.tsv valid.tsv ema-split/
EMA=("${BASE[@]}" --valid-every 8 --exponential-smoothing 0.1 --save m.attn)
(cd ema-full && SOURCE_DATE_EPOCH=1700000000 "$ATTN_TRAIN" "${EMA[@]}" --max-steps 8)
(cd ema-split && SOURCE_DATE_EPOCH=1700000000 "$ATTN_TRAIN" "${EMA[@]}" --max-steps 4 &&
  "$ATTN_TRAIN" --resume m.attn --max-steps 8)
cmp -s ema-full/m.attn ema-split/m.attn || fail "--exponential-smoothing: a resumed run's checkpoint differs"
cmp -s ema-full/m.best.attn ema-split/m.best.attn || fail "--exponential-smoothing: a resumed run's best model differs"
"$ATTN_EXPORT" ema-full/m.attn --to safetensors -o ema-last.safetensors --quiet
"$ATTN_EXPORT" ema-full/m.best.attn --to safetensors -o ema-best.safetensors --quiet
python3 - ema-last.safetensors ema-best.safetensors <<'PY' || fail "the best model is not the average"
import json, struct, sys
def tensors(path):
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    return {k: data[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]
            for k, v in header.items() if k != "__metadata__"}
last, best = tensors(sys.argv[1]), tensors(sys.argv[2])
assert best and all(name in last for name in best), sorted(last)[:5]
assert any(best[name] != last[name] for name in best), "the best model has the last weights"
averages = {name[4:]: value for name, value in last.items() if name.startswith("ema.")}
if averages:  # the export shows the checkpoint's averages: the best model is exactly them
    assert all(best[name] == averages[name] for name in best), "best != the checkpoint's average"
PY

# --- the epoch agrees on the console, in the JSON log and in the summary.
QUIET_LESS=()
for arg in "${BASE[@]}"; do [[ $arg == --quiet ]] || QUIET_LESS+=("$arg"); done
"$ATTN_TRAIN" "${QUIET_LESS[@]}" --max-steps 9 --log-json epochs.json --save epochs.attn 2>console.txt
python3 - epochs.json console.txt <<'PY' || fail "epoch counters disagree: $(cat console.txt)"
import json, re, sys
log = {r["step"]: r for r in map(json.loads, open(sys.argv[1])) if r["type"] == "train"}
console = open(sys.argv[2]).read()
lines = re.findall(r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] step +(\d+) +epoch +(\d+)", console, re.M)
assert len(lines) == 9, console
for step, epoch in lines:
    assert log[int(step)]["epoch"] == int(epoch), (step, epoch, log[int(step)])
assert log[1]["epoch"] == 1, log[1]
summary = re.search(r"done after (\d+) steps, in epoch (\d+) \((\d+) complete\)", console)
assert summary and int(summary[1]) == 9 and int(summary[2]) == log[9]["epoch"], console
assert int(summary[3]) in (log[9]["epoch"] - 1, log[9]["epoch"]), console
PY
echo "workflow: OK"
