#!/usr/bin/env bash
# attn against CTranslate2 (built as tests/bench/README.md says), decoding the same Marian
# model: tests/bench/opus_mt_shape.py writes the .npz with random weights, attn-export --from
# marian and CTranslate2's Marian converter import it, ct2_compare.py times both engines.
#
#   bash tests/bench/ct2_compare.sh build                  # every shape below
#   bash tests/bench/ct2_compare.sh build opus-mt          # one shape
#
# Shapes and the configurations (beam x batch) timed for each:
#   opus-mt  d512 h8 ff2048 6+6 swish, vocabulary 32,000  beam 5 x 32 (issue 17)
#   small    d256 h4 ff1024 3+3, vocabulary 8,000          greedy x 1, beam 5 x 1, greedy x 32, beam 5 x 32
#   base     d512 h8 ff2048 6+6, vocabulary 8,000          beam 5 x 32 (issue 10's table)
# Knobs (environment): CT2_BENCH_LINES (default 500), CT2_BENCH_ROUNDS (3),
# CT2_BENCH_THREADS (1,2), CT2_BENCH_MAX_LENGTH (30), CT2_BENCH_EMBEDDING_STD (0.3: the tied
# embedding's spread; opus_mt_shape.py says why).
# Without the CTranslate2 Python module it prints one "skipped" line and exits 0.
set -euo pipefail

build=${1:?usage: ct2_compare.sh BUILD_DIR [SHAPE...]}
build=$(cd "$build" && pwd)
shift
shapes=("$@")
((${#shapes[@]})) || shapes=(opus-mt small base)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=/usr/bin/python3
[[ -x $python ]] || python=python3

if ! "$python" -c "import ctranslate2" 2>/dev/null; then
  echo "skipped: CTranslate2 not installed (tests/bench/README.md says how to build it)"
  exit 0
fi
for tool in attn-export attn-decode; do
  [[ -x $build/$tool ]] || { echo "skipped: $build/$tool not built"; exit 0; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CTranslate2 4.8.1's converter reads special:model.yml as "everything but the last byte",
# and Marian 1.12 pads it with NULs (PyYAML: "unacceptable character #x0000"): give it a
# copy with the padding stripped.
# The copy also carries Marian's position table as "Wpos", which the converter takes instead
# of computing its own: its _make_sinusoidal_position_encodings uses 10000^(i / (d/2)) where
# Marian (sinusoidalPositionEmbeddings, and attn's import) uses 10000^(i / (d/2 - 1)), a
# different model (teacher-forced sums over 31 tokens 0.05 to 0.4 apart from attn's at the
# opus-mt shape; with Marian's table within 2e-4). The table is Marian's float arithmetic:
# v = p * exp(i * -log(10000) / (d/2 - 1)), sin in the first half, cos in the second.
ct2_convert() {
  "$python" - "$1" "$2" "$3" <<'EOF'
import sys
import numpy as np
import ctranslate2
npz, vocab, out = sys.argv[1:]
weights = dict(np.load(npz))
text = weights["special:model.yml"].tobytes().rstrip(b"\0")
weights["special:model.yml"] = np.frombuffer(text + b"\0", dtype=np.int8)
half = weights["Wemb"].shape[1] // 2
increment = np.float32(np.log(np.float32(10000)) / np.float32(half - 1))
angle = np.arange(2048, dtype=np.float32)[:, None] * np.exp(np.arange(half, dtype=np.float32)[None, :] * -increment)
weights["Wpos"] = np.concatenate([np.sin(angle), np.cos(angle)], axis=1).astype(np.float32)
stripped = out + ".npz"
np.savez(stripped, **weights)
ctranslate2.converters.MarianConverter(stripped, [vocab]).convert(out, quantization=None, force=True)
EOF
}

echo "== attn vs CTranslate2 $("$python" -c 'import ctranslate2; print(ctranslate2.__version__)'), same Marian model, fp32," \
  "${CT2_BENCH_LINES:-500} lines of 20-30 tokens, at most ${CT2_BENCH_MAX_LENGTH:-30} generated," \
  "threads ${CT2_BENCH_THREADS:-1,2} (best shown), medians of ${CT2_BENCH_ROUNDS:-3} interleaved rounds =="
for shape in "${shapes[@]}"; do
  case $shape in
    opus-mt) configs=5x32 vocab=32000 ;;
    small) configs=1x1,5x1,1x32,5x32 vocab=8000 ;;
    base) configs=5x32 vocab=8000 ;;
    *) echo "unknown shape $shape (opus-mt, small, base)" >&2; exit 2 ;;
  esac
  dir=$work/$shape
  "$python" "$here/opus_mt_shape.py" --shape "$shape" --embedding-std "${CT2_BENCH_EMBEDDING_STD:-0.3}" -o "$dir" >/dev/null
  "$build/attn-export" --from marian "$dir/model.npz" --vocabs "$dir/vocab.yml" -o "$dir/model.attn" \
    >"$work/export.log" 2>&1 || { cat "$work/export.log"; exit 1; }
  ct2_convert "$dir/model.npz" "$dir/vocab.yml" "$dir/ct2" >"$work/convert.log" 2>&1 ||
    { cat "$work/convert.log"; exit 1; }
  rm -f "$dir/model.npz" "$dir/ct2.npz"  # the two imported copies are what is decoded
  "$python" "$here/ct2_compare.py" --attn-decode "$build/attn-decode" --attn-model "$dir/model.attn" \
    --ct2-model "$dir/ct2" --vocab "$vocab" --label "$shape" --configs "$configs" \
    --lines "${CT2_BENCH_LINES:-500}" --rounds "${CT2_BENCH_ROUNDS:-3}" \
    --threads "${CT2_BENCH_THREADS:-1,2}" --max-length "${CT2_BENCH_MAX_LENGTH:-30}"
  rm -rf "$dir"
done
echo "tokens/s = output tokens (</s> not counted) / decoding seconds, model loading not timed;"
echo "same output = lines where attn's and CTranslate2's best output are identical (threads ${CT2_BENCH_THREADS:-1,2} first value)."
