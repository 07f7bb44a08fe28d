#!/usr/bin/env bash
# attn-train --config/--dump-config: the dump is "key = value" lines that --config reads back
# to the same dump; the command line wins over the file; a config file trains like the
# flags it holds; and an unknown key or a malformed line is bad input (exit 2, one line).
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 20
"$ATTN_TRAIN" --train train.tsv "${TINY[@]}" --max-steps 3 --seed 11 --lr 0.003 --pre-norm \
  --tokens chars --lr-schedule constant --warmup 0 --save from_config.attn --dump-config \
  >first.ini
grep -vqE '^[a-z0-9-]+ = ' first.ini && fail "not 'key = value' lines: $(cat first.ini)"
for line in "seed = 11" "lr = 0.003" "pre-norm = true" "tokens = chars" "max-steps = 3" \
  "quiet = true" "d-model = 16" "train = train.tsv"; do
  grep -qxF "$line" first.ini || fail "--dump-config lacks '$line': $(cat first.ini)"
done
[[ -e from_config.attn ]] && fail "--dump-config trained a model"

"$ATTN_TRAIN" --config first.ini --dump-config >second.ini
cmp -s first.ini second.ini ||
  fail "--config of a dump dumps differently: $(diff first.ini second.ini)"

# The command line wins over the file.
"$ATTN_TRAIN" --config first.ini --seed 12 --dump-config | grep -xF "seed = 12" >/dev/null ||
  fail "--seed on the command line did not override the config file"

# A config file alone trains what the same flags train.
"$ATTN_TRAIN" --config first.ini
[[ -s from_config.attn ]] || fail "training from --config wrote no model"
"$ATTN_INSPECT" from_config.attn | grep chars >/dev/null || fail "the config's --tokens chars was not used"

printf 'max-steps = 2\nno-such-key = 1\n' >unknown.ini
expect_input_error "unknown.ini" "$ATTN_TRAIN" --config unknown.ini --train train.tsv
grep -q "no-such-key" stderr || fail "the unknown key is not named: $(cat stderr)"
printf 'max-steps = 2\nthis line has no equals sign\n' >malformed.ini
expect_input_error "malformed.ini" "$ATTN_TRAIN" --config malformed.ini --train train.tsv
printf 'max-steps = many\n' >bad_value.ini
expect_input_error "bad_value.ini" "$ATTN_TRAIN" --config bad_value.ini --train train.tsv
expect_input_error "missing.ini" "$ATTN_TRAIN" --config missing.ini --train train.tsv
echo "config: OK"
