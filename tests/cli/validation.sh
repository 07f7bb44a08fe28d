#!/usr/bin/env bash
# attn-train with --valid: validations at every --valid-every steps with sane metrics, the
# best model (NAME.best.attn) is the one with the lowest validation loss and says when it
# was taken, and --early-stopping stops the run right after N validations without a gain.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data all.tsv 40
head -32 all.tsv >train.tsv
tail -8 all.tsv >valid.tsv
"$ATTN_TRAIN" --train train.tsv --valid valid.tsv "${TINY[@]}" --lr 0.01 --lr-schedule constant \
  --warmup 0 --batch-tokens 64 --valid-every 10 --max-steps 150 --early-stopping 2 \
  --report-every 1 --log-json log.json --save model.attn
"$ATTN_INSPECT" --json model.best.attn >best.json
printf 'a b c\n' | "$ATTN_DECODE" -m model.best.attn >/dev/null || fail "the best model does not decode"

python3 - log.json best.json <<'PY' || fail "validation log or best model: $(cat log.json)"
import json, math, sys
log = [json.loads(line) for line in open(sys.argv[1])]
best = json.load(open(sys.argv[2]))
train = {r["step"]: r for r in log if r["type"] == "train"}
valid = [r for r in log if r["type"] == "valid"]
last_step = max(train)
assert [v["step"] for v in valid] == list(range(10, last_step + 1, 10)), [v["step"] for v in valid]
for v in valid:
    assert math.isclose(v["perplexity"], math.exp(v["loss"]), rel_tol=1e-9), v
    for key in ("accuracy", "exact_match"):
        assert 0 <= v[key] <= 1, v
    for key in ("bleu", "chrf"):
        assert 0 <= v[key] <= 100, v

# The best model is the first validation with the lowest loss, with that step's provenance.
lowest = min(valid, key=lambda v: v["loss"])
provenance = best["provenance"]
assert best["kind"] == "model", best["kind"]
assert provenance["steps"] == lowest["step"], (provenance, lowest)
# "epoch" counts from 1 (the epoch of the step's batch); provenance counts completed epochs.
epoch = train[lowest["step"]]["epoch"]
assert provenance["epochs"] in (epoch - 1, epoch), (provenance, train[lowest["step"]])
assert math.isclose(provenance["best_valid_score"], lowest["loss"], rel_tol=1e-12), provenance

# Early stopping: the run ends at the second validation in a row without a new best, or
# at --max-steps if that never happens.
best_so_far, stalled, stop = math.inf, 0, 150
for v in valid:
    stalled = 0 if v["loss"] < best_so_far else stalled + 1
    best_so_far = min(best_so_far, v["loss"])
    if stalled == 2:
        stop = v["step"]
        break
assert last_step == stop, f"stopped at step {last_step}, expected {stop}"
PY
echo "validation: OK"
