#!/bin/bash
# Runs every libFuzzer target in a build directory for a bounded time, each seeded from its
# checked-in corpus (tests/fuzz/corpus/<name without _fuzz>/). New inputs go to a temporary
# directory, so the checked-in corpus only changes by hand. Exits non-zero on any finding.
#   bash tests/fuzz/run.sh build-fuzz 60
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR SECONDS}
seconds=${2:-60}
source=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Undefined behaviour is a finding too, not just a message on stderr.
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
found=0
for fuzzer in "$build"/*_fuzz; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer" _fuzz)
  seeds=$source/tests/fuzz/corpus/$name
  mkdir -p "$work/$name" "$work/$name-artifacts"
  echo "fuzz: $name for ${seconds}s"
  # -rss_limit_mb caps the process; -malloc_limit_mb any single allocation, so one sized by a
  # hostile count (1 GiB for a file under 64 KiB) is reported as a finding. -len_control=0:
  # long inputs from the start (long decode lines, many structure edits), not after hours.
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
      -len_control=0 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$work/$name-artifacts/" \
      "$work/$name" $( [ -d "$seeds" ] && echo "$seeds" ) 2>"$work/$name.log"; then
    tail -n 40 "$work/$name.log" >&2
    mkdir -p "$build/fuzz-findings"
    cp "$work/$name-artifacts/"* "$build/fuzz-findings/" 2>/dev/null || true
    echo "fuzz: $name FOUND A PROBLEM; inputs saved in $build/fuzz-findings/" >&2
    found=1
    continue
  fi
  grep -E 'stat::number_of_executed_units|cov:' "$work/$name.log" | tail -n 2
done
[ "$found" = 0 ] || exit 1
echo "fuzz: nothing found"
