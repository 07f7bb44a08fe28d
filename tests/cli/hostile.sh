#!/usr/bin/env bash
# The four tools used as a hostile user would (issue 13): nothing typed or pointed at destroys
# a file or loses an answer. Output paths that are inputs, links, devices, FIFOs and
# directories as save targets, stale temporary files, bad and overlong input lines, model
# files whose every CRC is right but whose config lies, endless streams as models, and the
# exit codes: 2 bad usage or input, 1 the environment (a full disk). Devices are our own,
# made with mknod in the scratch directory (skipped where mknod is not allowed).
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"
EDIT=$BUILD_DIR/attn_edit_model

# Runs a command expecting exit code `rc`; stdout to out.txt, stderr to err.txt.
expect_rc() {
  local rc=$1 got=0
  shift
  "$@" >out.txt 2>err.txt || got=$?
  [[ $got -eq $rc ]] || fail "exit code $got, expected $rc: $* (stderr: $(cat err.txt))"
}

make_reversal_data train.tsv 20
TRAIN=("$ATTN_TRAIN" --train train.tsv "${TINY[@]}" --max-steps 2)
"${TRAIN[@]}" --save m.attn
cp m.attn keep.attn
printf 'a b\n' >x.txt
have_mknod=false
mknod full c 1 7 2>/dev/null && have_mknod=true

# --- Files: an output that is an input is refused before anything is opened for writing.
expect_input_error "same file as -m" "$ATTN_DECODE" -m m.attn -o m.attn
cmp -s m.attn keep.attn || fail "attn-decode -o MODEL changed the model"
expect_input_error "same file as -i" "$ATTN_DECODE" -m m.attn -i x.txt -o x.txt
ln -s x.txt x_link.txt
expect_input_error "same file as -i" "$ATTN_DECODE" -m m.attn -i x_link.txt -o x.txt
expect_input_error "same file as -i" "$ATTN_DECODE" -m m.attn -i x.txt -o y.txt --attention-json x.txt
[[ $(cat x.txt) == "a b" ]] || fail "attn-decode -o INPUT changed the input"
# shellcheck disable=SC2094  # reading and writing the same file is the case under test
expect_rc 2 "$ATTN_DECODE" -m m.attn -o x.txt <x.txt
grep -q "same file as -i <stdin>" err.txt || fail "stdin as the output not named: $(cat err.txt)"
[[ $(cat x.txt) == "a b" ]] || fail "attn-decode -o FILE < FILE changed the input"
expect_input_error "same file as the input" "$ATTN_EXPORT" m.attn -o m.attn
expect_input_error "same file as --average" "$ATTN_EXPORT" --average m.attn keep.attn -o keep.attn
expect_input_error "same file as --train" "${TRAIN[@]}" --save train.tsv
expect_input_error "same file as the model" "$ATTN_INSPECT" --attention "a b" m.attn --out m.attn
cmp -s m.attn keep.attn || fail "a refused export changed the model"

# attn-train keeps what it trains: no --save, no run.
expect_input_error "--save" "${TRAIN[@]}"

# Save targets: through a symlink to its target (the link stays), never over a directory,
# a FIFO or a device.
ln -s target.attn link.attn
"$ATTN_EXPORT" --quiet m.attn -o link.attn
[[ -L link.attn && -f target.attn ]] || fail "export -o LINK replaced the link"
"${TRAIN[@]}" --save link.attn
[[ -L link.attn ]] || fail "train --save LINK replaced the link"
"$ATTN_INSPECT" --verify target.attn >/dev/null || fail "the link's target is not a sound model"
mkdir dir
mkfifo fifo
targets=(dir fifo)
$have_mknod && targets+=(full)
for target in "${targets[@]}"; do
  expect_input_error "attn saves only to regular files" "$ATTN_EXPORT" m.attn -o "$target"
  expect_input_error "attn saves only to regular files" "${TRAIN[@]}" --save "$target"
done
ln -s fifo fifo_link.attn
expect_input_error "fifo is a FIFO" "$ATTN_EXPORT" m.attn -o fifo_link.attn
[[ -p fifo && -d dir ]] || fail "a refused save replaced a FIFO or a directory"
! $have_mknod || [[ -c full ]] || fail "a refused save replaced the device"

# A writer killed mid-save leaves .NAME.tmp.PID.N; the next save into the folder removes it,
# and leaves those of live processes alone.
sh -c 'exit 0' &
dead=$!
wait $dead
: >".m.attn.tmp.$dead.0"
: >".other.attn.tmp.$$.7"
"$ATTN_EXPORT" --quiet keep.attn -o m.attn
[[ -e .m.attn.tmp.$dead.0 ]] && fail "a dead writer's temporary file was left behind"
[[ -e .other.attn.tmp.$$.7 ]] || fail "a live writer's temporary file was removed"
rm .other.attn.tmp.$$.7

# --- Answers: a bad line is answered with an empty line and one warning; the rest go on.
printf 'a b c\nd e f\n\xff g\nh a\n' >mixed.txt
printf 'a b c\nd e f\nh a\n' >good.txt
"$ATTN_DECODE" -m m.attn -b 1 -i good.txt >good.out
expect_rc 2 "$ATTN_DECODE" -m m.attn -b 1 -i mixed.txt
[[ $(line_count out.txt) -eq 4 && -z $(sed -n 3p out.txt) ]] ||
  fail "a bad line did not get its own empty answer: $(cat out.txt)"
[[ $(sed 3d out.txt) == "$(cat good.out)" ]] || fail "the good lines' answers changed"
if [[ $(line_count err.txt) -ne 1 ]] || ! grep -q "mixed.txt:3: invalid UTF-8" err.txt; then
  fail "expected one warning naming mixed.txt:3: $(cat err.txt)"
fi
# The same in a pipe, one mini-batch.
printf 'a b c\nd e f\n\xff g\nh a\n' | expect_rc 2 "$ATTN_DECODE" -m m.attn -b 1
[[ $(line_count out.txt) -eq 4 ]] || fail "a pipe lost answers: $(cat out.txt)"
# --strict: the lines before the bad one are answered, then it stops.
expect_rc 2 "$ATTN_DECODE" -m m.attn -b 1 -i mixed.txt --strict
[[ $(cat out.txt) == "$(head -2 good.out)" ]] || fail "--strict lost the lines before: $(cat out.txt)"
grep -q "mixed.txt:3" err.txt || fail "--strict does not name the line: $(cat err.txt)"
# A 1 MB line of 500k tokens: a bad line at once (not "out of memory"), or cropped.
{
  head -c 1000000 < <(yes) | tr '\n' ' '
  printf '\na b\n'
} >long.txt
expect_rc 2 timeout 60 "$ATTN_DECODE" -m m.attn -b 1 -i long.txt
[[ $(line_count out.txt) -eq 2 && -z $(head -1 out.txt) ]] || fail "the long line's answers"
grep -q "long.txt:1: 500000 tokens, more than --max-input-length 1024" err.txt ||
  fail "the long line is not named: $(cat err.txt)"
expect_rc 0 timeout 60 "$ATTN_DECODE" -m m.attn -b 1 -i long.txt --max-input-length 3 \
  --max-input-length-crop --max-length 4
[[ $(line_count out.txt) -eq 2 ]] || fail "--max-input-length-crop lost a line"
expect_input_error "--max-input-length" "$ATTN_DECODE" -m m.attn -i x.txt --max-input-length 0
# A line with no end is not kept whole in memory: past 1 MiB it is a bad line, read to its end.
{
  printf 'a b\n'
  head -c 3000000 < <(yes) | tr -d '\n'
  printf '\nb a\n'
  head -c 3000000 < <(yes) | tr -d '\n'
} >endless.txt
expect_rc 2 timeout 60 "$ATTN_DECODE" -m m.attn -b 1 -i endless.txt
[[ $(line_count out.txt) -eq 4 && -z $(sed -n 2p out.txt) && -z $(sed -n 4p out.txt) ]] ||
  fail "the endless lines' answers: $(cut -c1-80 out.txt)"
[[ $(grep -c "longer than 1048576 bytes" err.txt) -eq 2 ]] || fail "endless lines: $(cat err.txt)"

# --- Crafted files, every CRC right (attn_edit_model rewrites them): refused at load by
# decode, export and inspect --verify alike, within seconds and without the memory asked.
"$EDIT" m.attn layers.attn set encoder_layers 2147483647
"$EDIT" m.attn d_model.attn set d_model 1073741824
"$EDIT" m.attn ffn.attn set ffn 2147483647
"$EDIT" m.attn heads.attn set heads 16
"$EDIT" m.attn untied.attn set tie_output false
"$EDIT" m.attn missing.attn drop decoder.embed_tokens.weight
"$EDIT" m.attn vocab.attn add-token source zzz
"$EDIT" m.attn x16.attn set d_model 16x
"$EDIT" m.attn space16.attn set d_model " 16"
declare -A reason=(
  [layers.attn]="asks for more memory than its file's tensors fill"
  [d_model.attn]="asks for more memory than its file's tensors fill"
  [ffn.attn]="asks for more memory than its file's tensors fill"
  [heads.attn]="heads 16 leave 1 dimension"
  [untied.attn]="no tensor 'decoder.output_projection.weight'"
  [missing.attn]="no tensor 'decoder.embed_tokens.weight'"
  [vocab.attn]="source vocabulary has 13 tokens, the config's src_vocab 12"
  [x16.attn]="'d_model' is not a positive integer: '16x'"
  [space16.attn]="'d_model' is not a positive integer: ' 16'")
for file in "${!reason[@]}"; do
  "$ATTN_INSPECT" "$file" >/dev/null || fail "$file: the container should be sound"
  expect_input_error "${reason[$file]}" timeout 30 "$ATTN_DECODE" -m "$file" -i x.txt
  expect_input_error "${reason[$file]}" timeout 30 "$ATTN_EXPORT" "$file" -o out.attn
  expect_input_error "${reason[$file]}" timeout 30 "$ATTN_INSPECT" --verify "$file"
done
[[ -e out.attn ]] && fail "a crafted file was exported"
# NaN weights: decode and --verify refuse them; -n nan is refused too.
"$EDIT" m.attn nan.attn nan encoder.layers.0.fc1.weight
expect_input_error "'encoder.layers.0.fc1.weight' holds 1 NaN" "$ATTN_DECODE" -m nan.attn -i x.txt
expect_input_error "'encoder.layers.0.fc1.weight' holds 1 NaN" "$ATTN_INSPECT" --verify nan.attn
expect_input_error "--normalize" "$ATTN_DECODE" -m m.attn -i x.txt -n nan

# Endless streams as the model stop at the first wrong byte; a stream is read no further
# than its preamble says.
expect_input_error "not an .attn file" timeout 10 "$ATTN_DECODE" -m /dev/zero -i x.txt
expect_rc 2 timeout 10 "$ATTN_DECODE" -m - -i x.txt < <(head -c 100M /dev/zero)
grep -q "<stdin>: byte 0: not an .attn file" err.txt || fail "stdin zeros: $(cat err.txt)"
expect_rc 2 timeout 10 "$ATTN_INSPECT" --verify - < <(head -c 100M /dev/zero)
expect_rc 2 "$ATTN_DECODE" -m - -i x.txt < <(cat m.attn; head -c 10M /dev/zero)
grep -q "trailing bytes" err.txt || fail "a model with zeros after it: $(cat err.txt)"
expect_rc 0 "$ATTN_DECODE" -m - -i x.txt <m.attn

# --- Exit codes: 2 for bad usage, 1 for the environment; no abort when stderr cannot be
# written; --threads capped with a warning, not a hang.
expect_input_error "--max-length" "$ATTN_DECODE" -m m.attn -i x.txt --max-length -1
expect_input_error "--threads" "$ATTN_DECODE" -m m.attn -i x.txt --threads 0
expect_rc 0 timeout 60 "$ATTN_DECODE" -m m.attn -i x.txt --threads 300
grep -q "warning: --threads 300" err.txt || fail "--threads 300 without a warning: $(cat err.txt)"
mkdir corpus_dir
expect_input_error "corpus_dir: is a directory" "$ATTN_TRAIN" --train corpus_dir --save d.attn
if $have_mknod; then
  expect_rc 1 "$ATTN_DECODE" -m m.attn -i x.txt -o full
  grep -q "No space left on device" err.txt || fail "decode to a full device: $(cat err.txt)"
  rc=0
  "$ATTN_DECODE" -m m.attn -i mixed.txt >/dev/null 2>full || rc=$?
  [[ $rc -eq 2 ]] || fail "attn-decode with stderr on a full device: exit $rc"
  loud=()
  for flag in "${TINY[@]}"; do [[ $flag == --quiet ]] || loud+=("$flag"); done
  rc=0
  "$ATTN_TRAIN" --train train.tsv "${loud[@]}" --max-steps 2 --report-every 1 \
    --save quiet.attn 2>full || rc=$?
  [[ $rc -eq 0 && -s quiet.attn ]] || fail "attn-train with stderr on a full device: exit $rc"
fi
# A full file system (a tiny tmpfs, where mounting is allowed): 1, in every tool.
mkdir small
if mount -t tmpfs -o size=16k tmpfs small 2>/dev/null; then
  rc_export=0 rc_train=0
  "$ATTN_EXPORT" m.attn -o small/x.attn 2>err.txt || rc_export=$?
  "${TRAIN[@]}" --save small/t.attn 2>>err.txt || rc_train=$?
  leftovers=$(ls -A small)
  umount small
  [[ $rc_export -eq 1 && $rc_train -eq 1 ]] ||
    fail "a full disk: export exit $rc_export, train exit $rc_train, expected 1: $(cat err.txt)"
  grep -q "small/x.attn: cannot write: No space left on device" err.txt ||
    fail "the full disk is not named: $(cat err.txt)"
  [[ -z $leftovers ]] || fail "a failed save left $leftovers"
fi
compgen -G '.*.tmp*' >/dev/null && fail "temporary files left behind: $(compgen -G '.*.tmp*')"
echo "hostile: OK"
