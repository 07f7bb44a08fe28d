#!/usr/bin/env bash
# shellcheck disable=SC2034  # the variables are for the scripts that source this file
# Shared by the tests/cli scripts: the tools' paths, a scratch directory that is removed
# at exit, tiny training data, and checks that say what failed. (It lives in lib/ so the
# tests/cli/*.sh glob does not run it as a test.)
#
#   source "$(dirname "$0")/lib/tools.bash" "$@"   # $1: the build directory
#   make_reversal_data train.tsv 40
#   "$ATTN_TRAIN" --train train.tsv "${TINY[@]}" --max-steps 5 --save model.attn
#   expect_input_error "train.tsv:2" "$ATTN_TRAIN" --train bad.tsv
set -euo pipefail

[[ $# -ge 1 ]] || { echo "usage: bash $0 BUILD_DIR [SOURCE_DIR]" >&2; exit 2; }
BUILD_DIR=$(cd "$1" && pwd)
ATTN_TRAIN=$BUILD_DIR/attn-train
ATTN_DECODE=$BUILD_DIR/attn-decode
ATTN_INSPECT=$BUILD_DIR/attn-inspect
ATTN_EXPORT=$BUILD_DIR/attn-export

WORK_DIR=$(mktemp -d)
trap 'rm -rf "$WORK_DIR"' EXIT
cd "$WORK_DIR"

# The smallest model that still has every part; CI runs the suite on 2 cores.
TINY=(--preset tiny --d-model 16 --heads 2 --ffn 32 --encoder-layers 1 --decoder-layers 1
      --threads 1 --quiet)

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Writes N lines "w1 w2 ...<TAB>... w2 w1" over the letters a-h: a task a tiny model learns in
# a hundred steps. RANDOM is seeded, so the file is the same on every run.
make_reversal_data() {
  local file=$1 count=$2 letters=(a b c d e f g h)
  RANDOM=7
  : >"$file"
  local i j n words
  for ((i = 0; i < count; ++i)); do
    n=$((2 + RANDOM % 4))
    words=()
    for ((j = 0; j < n; ++j)); do words+=("${letters[RANDOM % 8]}"); done
    local reversed=()
    for ((j = n - 1; j >= 0; --j)); do reversed+=("${words[j]}"); done
    printf '%s\t%s\n' "${words[*]}" "${reversed[*]}" >>"$file"
  done
}

line_count() { wc -l <"$1" | tr -d ' '; }

# Runs a command that must fail on bad input: exit code 2 and exactly one line on stderr,
# which contains `expected` (typically "file:line").
expect_input_error() {
  local expected=$1
  shift
  local rc=0
  "$@" >"$WORK_DIR/stdout" 2>"$WORK_DIR/stderr" </dev/null || rc=$?
  [[ $rc -eq 2 ]] || fail "exit code $rc, expected 2: $* (stderr: $(cat "$WORK_DIR/stderr"))"
  local lines
  lines=$(line_count "$WORK_DIR/stderr")
  [[ $lines -eq 1 ]] || fail "$lines stderr lines, expected one: $*: $(cat "$WORK_DIR/stderr")"
  grep -qF -- "$expected" "$WORK_DIR/stderr" ||
    fail "stderr does not name '$expected': $*: $(cat "$WORK_DIR/stderr")"
}
