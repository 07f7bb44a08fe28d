#!/usr/bin/env bash
# Bad input to attn-train and attn-decode: exit code 2 and one stderr line that names the
# file (and line, where there is one), never a crash or a half-trained model; and a failed
# run leaves an existing --save file as it was.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 20
TRAIN_FAST=("${TINY[@]}" --max-steps 2)

printf 'a b\tb a\nc d no tab\n' >no_tab.tsv
: >empty.tsv
printf 'a b\tb a\nc\tc\nd \xff e\te d\n' >not_utf8.tsv
printf 'a\nb\nc\nd\n' >source.txt
printf 'a\nb\nc\n' >target.txt

expect_input_error "no_tab.tsv:2" "$ATTN_TRAIN" --train no_tab.tsv "${TRAIN_FAST[@]}"
expect_input_error "empty.tsv" "$ATTN_TRAIN" --train empty.tsv "${TRAIN_FAST[@]}"
expect_input_error "not_utf8.tsv:3" "$ATTN_TRAIN" --train not_utf8.tsv "${TRAIN_FAST[@]}"
expect_input_error "source.txt:4" "$ATTN_TRAIN" --train-src source.txt --train-tgt target.txt \
  "${TRAIN_FAST[@]}"
expect_input_error "missing.tsv" "$ATTN_TRAIN" --train missing.tsv "${TRAIN_FAST[@]}"
expect_input_error "no_tab.tsv:2" "$ATTN_TRAIN" --train train.tsv --valid no_tab.tsv \
  "${TRAIN_FAST[@]}"
expect_input_error "--no-such-flag" "$ATTN_TRAIN" --train train.tsv --no-such-flag
expect_input_error "\"bpe\"" "$ATTN_TRAIN" --train train.tsv --tokens bpe "${TRAIN_FAST[@]}"
# Found before training, not when the run is over (or at the end of warmup).
expect_input_error "no_dir/model.attn" "$ATTN_TRAIN" --train train.tsv "${TRAIN_FAST[@]}" \
  --save no_dir/model.attn
expect_input_error "--lr-schedule cosine" "$ATTN_TRAIN" --train train.tsv "${TINY[@]}" \
  --epochs 1 --lr-schedule cosine
for flag in "--batch-tokens 0" "--max-length -1" "--lr -0.1" "--warmup -5" \
  "--label-smoothing 1.5" "--vocab-size 2" "--epochs -1"; do
  # shellcheck disable=SC2086  # the flag and its value are two words
  expect_input_error "${flag% *}" "$ATTN_TRAIN" --train train.tsv "${TINY[@]}" $flag
done
for dropout in 1.5 abc; do
  expect_input_error "'dropout'" "$ATTN_TRAIN" --train train.tsv "${TINY[@]}" --dropout $dropout
done

"$ATTN_TRAIN" --train train.tsv "${TRAIN_FAST[@]}" --save model.attn
printf 'a b\n' >one_line.txt
"$ATTN_DECODE" -m model.attn <one_line.txt >/dev/null || fail "a good model does not decode"

expect_input_error "--no-such-flag" "$ATTN_DECODE" -m model.attn --no-such-flag
expect_input_error "--model" "$ATTN_DECODE" -i one_line.txt
expect_input_error "missing.attn" "$ATTN_DECODE" -m missing.attn -i one_line.txt
expect_input_error "missing.txt" "$ATTN_DECODE" -m model.attn -i missing.txt
expect_input_error "--beam-size" "$ATTN_DECODE" -m model.attn -b 0 -i one_line.txt
expect_input_error "--at-max-length" "$ATTN_DECODE" -m model.attn --at-max-length never -i one_line.txt
expect_input_error "train.tsv" "$ATTN_DECODE" -m train.tsv -i one_line.txt
size=$(wc -c <model.attn)
head -c $((size / 2)) model.attn >truncated.attn
expect_input_error "truncated.attn" "$ATTN_DECODE" -m truncated.attn -i one_line.txt
printf 'a b\n\xfe\n' >not_utf8.txt
expect_input_error "not_utf8.txt:2" "$ATTN_DECODE" -m model.attn -i not_utf8.txt
expect_input_error "--input" "$ATTN_DECODE" -m -
# A full disk is an error (exit 1: not the input's fault), never a silent success.
if [[ -w /dev/full ]]; then
  for target in "-o /dev/full" "--attention-json /dev/full"; do
    rc=0
    # shellcheck disable=SC2086  # the flag and its value are two words
    "$ATTN_DECODE" -m model.attn -i one_line.txt $target >/dev/null 2>stderr || rc=$?
    if [[ $rc -ne 1 ]] || ! grep -q "/dev/full: cannot write" stderr; then
      fail "$target: exit $rc, stderr '$(cat stderr)'"
    fi
  done
fi
# A decode-only model has no optimizer state to resume from.
expect_input_error "model.best.attn" "$ATTN_TRAIN" --train train.tsv "${TRAIN_FAST[@]}" \
  --resume model.best.attn --save resumed.attn
expect_input_error "--pre-norm true" "$ATTN_TRAIN" --train train.tsv "${TRAIN_FAST[@]}" \
  --resume model.attn --pre-norm

# Nothing written over: every failed run above and below left model.attn as it was.
before=$(cksum <model.attn; cksum <model.best.attn)
for bad in no_tab.tsv empty.tsv not_utf8.tsv missing.tsv; do
  expect_input_error "$bad" "$ATTN_TRAIN" --train "$bad" "${TRAIN_FAST[@]}" --save model.attn
  expect_input_error "$bad" "$ATTN_TRAIN" --train "$bad" "${TRAIN_FAST[@]}" --save model.attn \
    --resume model.attn
done
expect_input_error "source.txt:4" "$ATTN_TRAIN" --train-src source.txt --train-tgt target.txt \
  "${TRAIN_FAST[@]}" --save model.attn
after=$(cksum <model.attn; cksum <model.best.attn)
[[ $before == "$after" ]] || fail "a failed run changed model.attn or model.best.attn"
compgen -G '.*.tmp*' >/dev/null && fail "temporary files left behind: $(compgen -G '.*.tmp*')"
echo "bad_inputs: OK"
