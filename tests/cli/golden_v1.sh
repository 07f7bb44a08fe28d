#!/bin/bash
# The frozen v1 model tests/data/formats/v1/reverse-tiny.attn must keep loading and decoding
# to the output recorded when it was made (tests/data/formats/v1/README.md), directly and after
# attn-export rewrites it in the current version.
#   bash tests/cli/golden_v1.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
source=$2
data=$source/tests/data/formats/v1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# Greedy decoding, so the output is a pure function of the weights and the code.
decode() {
  "$build/attn-decode" -m "$1" -b 1 --quiet <"$data/reverse-tiny.src" >"$work/out" ||
    fail "attn-decode failed on $1"
  diff -u "$data/reverse-tiny.expected" "$work/out" >&2 ||
    fail "$1 no longer decodes to reverse-tiny.expected"
}

[ "$(wc -l <"$data/reverse-tiny.src")" -ge 8 ] || fail "reverse-tiny.src lost its lines"
decode "$data/reverse-tiny.attn"

"$build/attn-export" "$data/reverse-tiny.attn" -o "$work/current.attn" --quiet ||
  fail "attn-export cannot rewrite the v1 model"
decode "$work/current.attn"
echo "golden v1: reverse-tiny.attn decodes as recorded, also rewritten in the current version"
