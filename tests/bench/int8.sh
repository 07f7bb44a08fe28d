#!/usr/bin/env bash
# int8 against fp32 decoding (issue 11), same machine, same run, interleaved A/B/A/B so that
# load from other processes hits both alike; the best of the rounds is kept (noise only ever
# slows a run down). Also the int8 GEMM kernel against fp32 sgemm and oneDNN (int8_bench),
# file sizes and peak RSS.
#
#   bash tests/bench/int8.sh build                 # part of `make bench` (run.sh calls it)
#   ATTN_BENCH_INT8_ROUNDS=3 ATTN_BENCH_DECODE_SECONDS=3 bash tests/bench/int8.sh build
set -euo pipefail
build=$(cd "${1:?usage: int8.sh BUILD_DIR}" && pwd)
threads=${ATTN_BENCH_THREADS:-$(nproc)}
seconds=${ATTN_BENCH_DECODE_SECONDS:-3}
rounds=${ATTN_BENCH_INT8_ROUNDS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

help=$("$build/attn-decode" --help 2>&1 || true)
grep -q -- --compute-type <<<"$help" || { echo "skipped: attn-decode has no --compute-type"; exit 0; }

# tokens/s and peak RSS (KiB) of one attn-decode --synthetic run.
measure() {
  local out=$work/run.out
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "peak RSS KiB: %M" "$build/attn-decode" --synthetic --threads "$threads" \
      --seconds "$seconds" --src-len 30 --tgt-len 30 "$@" >"$out" 2>&1
  else
    "$build/attn-decode" --synthetic --threads "$threads" --seconds "$seconds" --src-len 30 \
      --tgt-len 30 "$@" >"$out" 2>&1
  fi
  local tps rss
  tps=$(grep -o 'tokens/s: [0-9.]*' "$out" | tail -1 | cut -d' ' -f2)
  rss=$(grep -o 'peak RSS KiB: [0-9]*' "$out" | cut -d' ' -f4)
  echo "${tps:-0} ${rss:-0}"
}

best() { python3 -c "import sys; print(max(float(x) for x in sys.argv[1:]))" "$@"; }

echo "== int8 vs fp32 decoding, attn-decode --synthetic, threads $threads, best of $rounds interleaved rounds =="
printf '%-34s %10s %10s %7s %9s %9s\n' "" "fp32 tok/s" "int8 tok/s" "int8/fp32" "fp32 MiB" "int8 MiB"
bench_case() {  # LABEL FLAGS...
  local label=$1; shift
  local fp=() q=() fp_rss=0 q_rss=0 r
  for ((r = 0; r < rounds; ++r)); do
    read -r t m < <(measure "$@" --compute-type fp32); fp+=("$t"); fp_rss=$m
    read -r t m < <(measure "$@" --compute-type int8); q+=("$t"); q_rss=$m
  done
  local a b
  a=$(best "${fp[@]}") b=$(best "${q[@]}")
  printf '%-34s %10.1f %10.1f %7.2fx %9d %9d\n' "$label" "$a" "$b" \
    "$(python3 -c "print($b / $a if $a > 0 else 0)")" $((fp_rss / 1024)) $((q_rss / 1024))
}
bench_case "small beam 5 batch 32" --preset small --mini-batch 32 --beam-size 5
bench_case "base beam 5 batch 32" --preset base --mini-batch 32 --beam-size 5
bench_case "small greedy batch 1" --preset small --mini-batch 1 --beam-size 1
bench_case "base greedy batch 1" --preset base --mini-batch 1 --beam-size 1
if "$build/attn-train" --synthetic --model rnn --cell gru --attention additive \
    --attention-scope global --layers 1 --hidden 256 --embed 256 --src-len 30 --tgt-len 30 \
    --batch 8 --max-steps 1 --quiet --save "$work/rnn.attn" >/dev/null 2>&1; then
  bench_case "rnn gru 256 greedy batch 1" -m "$work/rnn.attn" --mini-batch 1 --beam-size 1
  bench_case "rnn gru 256 beam 5 batch 32" -m "$work/rnn.attn" --mini-batch 32 --beam-size 5
fi

echo
echo "== File size: attn-export --quantize int8 =="
for preset in small base; do
  "$build/attn-train" --synthetic --preset "$preset" --max-steps 1 --batch 2 --src-len 4 \
    --tgt-len 4 --quiet --save "$work/$preset.attn" >/dev/null 2>&1 || continue
  "$build/attn-export" "$work/$preset.attn" --quantize int8 -o "$work/$preset.int8.attn" --quiet
  a=$(stat -c %s "$work/$preset.attn") b=$(stat -c %s "$work/$preset.int8.attn")
  printf '%-6s fp32 %11d bytes, int8 %11d bytes: %.1f%%\n' "$preset" "$a" "$b" \
    "$(python3 -c "print(100 * $b / $a)")"
done

if [[ -x $build/int8_bench ]]; then
  echo
  echo "== int8 GEMM kernel, one thread, GOP/s (fp32: attn::gemm; ours: quantize A + int8 GEMM; onednn: dnnl_gemm_s8s8s32) =="
  OMP_NUM_THREADS=1 "$build/int8_bench" --benchmark_min_time="${ATTN_BENCH_MIN_TIME:-0.1}" \
    --benchmark_out="$work/int8.json" --benchmark_out_format=json >"$work/int8.log" 2>&1 ||
    { cat "$work/int8.log"; exit 1; }
  python3 - "$work/int8.json" <<'PY'
import json, sys
rows = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    _, m, k, n, variant = b["run_name"].split("/")[:5]
    rows.setdefault((int(m), int(k), int(n)), {})[variant] = b["GOP/s"]
print(f"{'M':>4}{'K':>6}{'N':>7}{'fp32':>9}{'ours':>9}{'gemm':>9}{'onednn':>9}{'ours/fp32':>11}")
for (m, k, n), v in sorted(rows.items()):
    cell = lambda key: f"{v[key]:.1f}" if key in v else "-"
    print(f"{m:>4}{k:>6}{n:>7}{cell('fp32'):>9}{cell('ours'):>9}{cell('ours_gemm'):>9}"
          f"{cell('onednn'):>9}{v['ours'] / v['fp32']:>10.2f}x")
PY
fi
