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
# --help lists every model field with its type, range and default (and the presets' values).
"$ATTN_TRAIN" --help | tr -s ' ' >help.txt
for text in "--d-model INT" "--d-model positive integer, default 256 (tiny 64, base 512): model width D" \
  "--dropout number in [0, 1), default 0.1" "--cell lstm|gru, default lstm" \
  "--shift-range non-negative integer, default 1" "--input-dims integer in 0..4, default 0" \
  "--pre-norm [=BOOL(=true)]"; do
  grep -qF -- "$text" help.txt || fail "--help lacks '$text'"
done
fields=$(grep -cE '^ --[a-z-]+ .*, default ' help.txt)
[[ $fields -ge 60 ]] || fail "--help lists $fields model fields: $(cat help.txt)"

# --dump-config expands the preset: every field of the model, and --config of it trains the
# same model (the same config in the file) and dumps the same bytes.
"$ATTN_TRAIN" --model rnn --preset tiny --cell gru --train train.tsv --max-steps 1 --quiet \
  --save flags.attn --dump-config >rnn.ini
for line in "hidden = 64" "embed = 32" "cell = gru" "attention = general" "dropout = 0.3" \
  "decoder = luong"; do
  grep -qxF "$line" rnn.ini || fail "the rnn dump lacks '$line': $(cat rnn.ini)"
done
grep -q "^d-model" rnn.ini && fail "the rnn dump has a Transformer field"
"$ATTN_TRAIN" --config rnn.ini --dump-config >rnn_again.ini
cmp -s rnn.ini rnn_again.ini || fail "the rnn dump changes: $(diff rnn.ini rnn_again.ini)"
"$ATTN_TRAIN" --model rnn --preset tiny --cell gru --train train.tsv --max-steps 1 --quiet \
  --save flags.attn
sed 's/^save = .*/save = dumped.attn/' rnn.ini >dumped.ini
"$ATTN_TRAIN" --config dumped.ini
[[ "$("$ATTN_INSPECT" flags.attn | grep -i config)" == "$("$ATTN_INSPECT" dumped.attn | grep -i config)" ]] ||
  fail "the dump trains another model: $("$ATTN_INSPECT" dumped.attn | grep -i config)"
"$ATTN_TRAIN" --resume flags.attn --dump-config | grep -E '^(hidden|cell|embed) = ' >resumed.ini
grep -E '^(hidden|cell|embed) = ' rnn.ini | cmp -s - resumed.ini ||
  fail "--resume dumps other model fields: $(cat resumed.ini)"

# Model flags: typed, checked against the model they are given for.
expect_input_error "--heads does not apply to --model rnn" \
  "$ATTN_TRAIN" --model rnn --heads 2 --train train.tsv
expect_input_error "'--d-model' is missing" "$ATTN_TRAIN" --d-model
expect_input_error "'d_model' is not a positive integer: '256x'" \
  "$ATTN_TRAIN" --d-model 256x --train train.tsv --dump-config
expect_input_error "--hidden 32: flags.attn was trained with 64" \
  "$ATTN_TRAIN" --resume flags.attn --hidden 32 --max-steps 2
echo "config: OK"
