#!/bin/bash
# Quantized inference (issue 11): attn-export --quantize int8 writes format 1.1 (i8 matrices +
# f32 row scales), attn-inspect shows it, attn-decode decodes it in int8 by default, and
# --compute-type int8 quantizes an fp32 model at load. The frozen int8 golden
# tests/data/formats/v1_1/reverse-tiny.int8.attn (made from v1/reverse-tiny.attn, see its
# README) must decode to the fp32 model's recorded output: its lines win by >= 0.85 logits.
#   bash tests/cli/int8.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
v1=$source/tests/data/formats/v1
v11=$source/tests/data/formats/v1_1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

decode() {  # MODEL [flags...]: greedy, compared with the recorded output
  local model=$1
  shift
  "$build/attn-decode" -m "$model" -b 1 --quiet "$@" <"$v1/reverse-tiny.src" >"$work/out" ||
    fail "attn-decode $* failed on $model"
  diff -u "$v1/reverse-tiny.expected" "$work/out" >&2 || fail "$model $* decodes differently"
}

decode "$v11/reverse-tiny.int8.attn"
decode "$v1/reverse-tiny.attn" --compute-type int8
decode "$v1/reverse-tiny.attn" --compute-type fp32

"$build/attn-export" "$v1/reverse-tiny.attn" --quantize int8 -o "$work/q.attn" --quiet ||
  fail "attn-export --quantize int8"
cmp "$work/q.attn" "$v11/reverse-tiny.int8.attn" ||
  fail "attn-export --quantize int8 no longer writes the golden int8 file"
"$build/attn-inspect" "$work/q.attn" >"$work/summary" || fail "attn-inspect on an int8 file"
grep -q 'format *.attn 1.1 model' "$work/summary" || fail "int8 file is not format 1.1"
grep -q '^  int8 .* matrices, .* bytes saved)' "$work/summary" || fail "no int8 line: $(cat "$work/summary")"
"$build/attn-inspect" --tensors "$work/q.attn" >"$work/tensors"
grep -q ' i8 ' "$work/tensors" || fail "--tensors shows no i8 tensor"
grep -q ':scale ' "$work/tensors" || fail "--tensors shows no scale tensor"
"$build/attn-inspect" --verify "$work/q.attn" >/dev/null 2>&1 || fail "--verify refuses the int8 file"
# The fp32 file stays format 1.0.
"$build/attn-inspect" "$v1/reverse-tiny.attn" | grep -q 'format *.attn 1.0 model' ||
  fail "an fp32 file is no longer 1.0"

# Back to f32: a 1.0 file again that decodes the same; int8 -> int8 keeps int8.
"$build/attn-export" "$work/q.attn" --dequantize -o "$work/d.attn" --quiet || fail "--dequantize"
"$build/attn-inspect" "$work/d.attn" | grep -q 'format *.attn 1.0 model' || fail "--dequantize left int8"
decode "$work/d.attn"
"$build/attn-export" "$work/q.attn" --to safetensors -o "$work/q.safetensors" --quiet ||
  fail "int8 -> safetensors"
grep -aq '"dtype":"I8"' "$work/q.safetensors" || fail "safetensors export lost the int8 dtype"

# Bad flags are input errors (exit 2) with one line.
set +e
"$build/attn-decode" -m "$v1/reverse-tiny.attn" --compute-type int4 </dev/null 2>"$work/err"
[ $? -eq 2 ] || fail "--compute-type int4 is not exit 2"
grep -q "compute-type must be fp32, int8 or bf16" "$work/err" || fail "$(cat "$work/err")"
"$build/attn-export" "$v1/reverse-tiny.attn" --quantize int4 -o "$work/x.attn" 2>"$work/err"
[ $? -eq 2 ] || fail "--quantize int4 is not exit 2"
set -e

# bf16 falls back to fp32 with one line (no bf16 kernel yet).
"$build/attn-decode" -m "$v1/reverse-tiny.attn" -b 1 --compute-type bf16 \
  <"$v1/reverse-tiny.src" >"$work/out" 2>"$work/err" || fail "--compute-type bf16"
[ "$(grep -c 'compute-type bf16' "$work/err")" -eq 1 ] || fail "bf16: $(cat "$work/err")"
diff -q "$v1/reverse-tiny.expected" "$work/out" >/dev/null || fail "bf16 fallback decodes differently"
echo "int8: golden int8 file, --quantize, --compute-type, inspect and --dequantize all as expected"
