#!/bin/bash
# attn-inspect on the v1 golden file and damaged copies of it: every flag, JSON that parses,
# stdin, several files, and exit code 2 with one "attn-inspect: " line per problem.
#   bash tests/cli/inspect.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
tool=$build/attn-inspect
golden=$source/tests/data/formats/v1/tiny.attn
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }
json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)' || fail "output is not JSON"; }

# Runs the tool, keeping stdout, stderr and the exit code.
run() {
  set +e
  "$tool" "$@" >"$work/out" 2>"$work/err"
  code=$?
  set -e
  out=$(cat "$work/out")
  err=$(cat "$work/err")
}

# Default summary.
run "$golden"
[ "$code" = 0 ] || fail "summary exit $code: $err"
expect_in "$out" ".attn 1.0 model"
expect_in "$out" "tiny (tensor naming revision 1)"
expect_in "$out" "shared: 5 tokens (<unk> <s> </s> a b)"
expect_in "$out" "total                  18 in 3 tensors"
expect_in "$out" "10 steps, 1 epochs, best accuracy 0.5"
expect_in "$out" "checksums     all OK"

# --tensors: one row per tensor with shape, dtype, bytes and stats (mean of embed.weight is 1.25).
run --tensors "$golden"
[ "$code" = 0 ] || fail "--tensors exit $code"
expect_in "$out" "embed.weight"
expect_in "$out" "[5, 2]"
grep -qE '^out\.index +i32 +\[3\] +12 ' <<<"$out" || fail "no out.index row: $out"
grep -qE '^embed\.weight .* 1\.25 ' <<<"$out" || fail "wrong embed.weight mean: $out"

# --meta: the raw archive text.
run --meta "$golden"
[ "$code" = 0 ] || fail "--meta exit $code"
expect_in "$out" "serialization::archive"
expect_in "$out" "2024-01-01T00:00:00Z"

# --json: one object for one file, parsed back; an array for several; stdin as '-'.
run --json "$golden"
[ "$code" = 0 ] || fail "--json exit $code"
json_ok <<<"$out"
python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["architecture"] == "tiny", d["architecture"]
assert d["total_parameters"] == 18
assert [t["name"] for t in d["tensors"]] == ["embed.weight", "out.bias", "out.index"]
assert d["tensors"][0]["shape"] == [5, 2]
assert d["checksums"]["ok"] is True
assert d["vocabularies"][0]["tokens"][3] == "a"
' <<<"$out" || fail "--json content"
set +e
several=$("$tool" --json "$golden" - <"$golden")
code=$?
set -e
[ "$code" = 0 ] || fail "--json of two files exit $code"
python3 -c 'import json,sys; d = json.load(sys.stdin); assert len(d) == 2 and d[1]["path"] == "<stdin>"' \
  <<<"$several" || fail "--json of two files"

# --verify on a sound model, also through a pipe. It loads the model as decode does: the
# hand-built golden tiny.attn is a sound container but no model (no vocabularies).
model=$source/tests/data/formats/v1/reverse-tiny.attn
run --verify "$model"
[ "$code" = 0 ] || fail "--verify of the golden model exit $code: $err"
expect_in "$out" "OK (44 tensors, 29952 bytes, every CRC matches, the model loads)"
run --verify "$golden"
[ "$code" = 2 ] || fail "--verify of a container that is no model exit $code: $err"
expect_in "$err" "tiny.attn: no 'source' vocabulary in the metadata"
set +e
piped=$(cat "$model" | "$tool" --verify -)
code=$?
set -e
[ "$code" = 0 ] || fail "--verify from stdin exit $code"
expect_in "$piped" "<stdin>: OK"

# Damaged copies: a flipped bit in a tensor, in the metadata, and a truncation.
python3 - "$golden" "$work" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
size = len(data)
def save(name, blob):
    open(sys.argv[2] + "/" + name, "wb").write(blob)
tensor = bytearray(data); tensor[size - 64] ^= 0x10     # first byte of out.index
save("tensor.attn", tensor)
meta = bytearray(data); meta[160] ^= 0x01                # inside the metadata archive
save("meta.attn", meta)
save("cut.attn", data[:size - 7])
save("text.attn", b"hello, not a model\n")
PY

run --verify "$work/tensor.attn"
[ "$code" = 2 ] || fail "--verify of a damaged tensor exit $code"
expect_in "$err" "attn-inspect: $work/tensor.attn: byte"
expect_in "$err" "tensor 'out.index' CRC mismatch (expected 0x"
[ -z "$out" ] || fail "--verify printed OK for a damaged file: $out"

run "$work/tensor.attn"
[ "$code" = 2 ] || fail "summary of a damaged tensor exit $code"
expect_in "$out" "checksums     DAMAGED"

run --verify "$work/meta.attn"
[ "$code" = 2 ] || fail "--verify of damaged metadata exit $code"
expect_in "$err" "metadata section CRC mismatch"
[ "$(wc -l <"$work/err")" = 1 ] || fail "more than one stderr line: $err"

run "$work/cut.attn"
[ "$code" = 2 ] || fail "truncated file exit $code"
expect_in "$err" "truncated (expected"

run "$work/text.attn"
[ "$code" = 2 ] || fail "text file exit $code"
expect_in "$err" "not an .attn file"

run "$work/missing.attn"
[ "$code" = 2 ] || fail "missing file exit $code"
expect_in "$err" "attn-inspect: $work/missing.attn: cannot open"

# One bad file among good ones: the good ones are still shown, and the exit code is 2.
run --verify "$model" "$work/cut.attn"
[ "$code" = 2 ] || fail "mixed files exit $code"
expect_in "$out" "OK (44 tensors"

run
[ "$code" = 2 ] || fail "no file exit $code"
run --no-such-flag "$golden"
[ "$code" = 2 ] || fail "unknown flag exit $code"
run --help
[ "$code" = 0 ] || fail "--help exit $code"
expect_in "$out" "--verify"

echo "inspect: all checks passed"
