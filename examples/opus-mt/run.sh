#!/usr/bin/env bash
# Import the Marian models of tests/data/marian (trained by Marian v1.12.43 itself; they stand
# in for an OPUS-MT download) and measure how closely attn decodes them as marian-decoder did:
# greedy lines equal, beam 5 top-1 lines equal with the largest total-score difference, and
# the largest difference between attn's teacher-forced score and Marian's F0 over all n-best
# hypotheses. The pre-norm model is checked against its training targets (see the README).
#
#   bash examples/opus-mt/run.sh [BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="$(cd "${1:-$here/../../build}" && pwd)"
data="$(cd "$here/../../tests/data/marian" && pwd)"
work="$here/work"
mkdir -p "$work"
cd "$work"

same() { paste "$1" "$2" | awk -F'\t' '$1 == $2' | wc -l; }

for name in transformer swish_post s2s_gru prenorm_swish; do
  if [[ $name == transformer ]]; then vocabs=("$data/vocab.yml")
  else vocabs=("$data/src.vocab.yml" "$data/tgt.vocab.yml"); fi
  "$build/attn-export" -q --from marian "$data/$name.npz" --vocabs "${vocabs[@]}" -o $name.attn
  "$build/attn-decode" -m $name.attn -b 1 --no-unk <"$data/test.src" >$name.greedy
  "$build/attn-decode" -m $name.attn -b 5 --n-best 5 -n 0.6 --mini-batch 8 --no-unk \
    <"$data/test.src" >$name.nbest
  if [[ $name == prenorm_swish ]]; then
    "$build/attn-decode" -m $name.attn -b 5 <"$data/test.src" >$name.beam
    echo "$name: greedy = test.TGT on $(same $name.greedy "$data/test.TGT")/50," \
         "beam 5 on $(same $name.beam "$data/test.TGT")/50"
    continue
  fi
  awk -F' [|][|][|] ' 'NR == FNR { src[NR - 1] = $0; next } { print src[$1] "\t" $2 }' \
    "$data/test.src" "$data/$name.beam5.nbest" >$name.pairs
  "$build/attn-decode" -m $name.attn --score <$name.pairs >$name.f0
  python3 - $name "$data" <<'PY'
import sys
name, data = sys.argv[1], sys.argv[2]
def groups(path):
    out = {}
    for line in open(path):
        i, text, f0, total = line.rstrip("\n").split(" ||| ")
        out.setdefault(int(i), []).append((text, float(f0[4:]), float(total)))
    return out
ours, marian = groups(name + ".nbest"), groups(f"{data}/{name}.beam5.nbest")
greedy = sum(a == b for a, b in zip(open(name + ".greedy"), open(f"{data}/{name}.greedy.out")))
top = [i for i in marian if ours[i][0][0] == marian[i][0][0]]
total_diff = max(abs(ours[i][0][2] - marian[i][0][2]) for i in top)
lists = sum([h[0] for h in ours[i]] == [h[0] for h in marian[i]] for i in marian)
f0 = [float(x) for x in open(name + ".f0")]
theirs = [h[1] for i in sorted(marian) for h in marian[i]]
print(f"{name}: greedy = Marian on {greedy}/50; beam 5 top-1 = Marian on {len(top)}/50, "
      f"max |total diff| {total_diff:.1e}; whole 5-best lists equal on {lists}/50; "
      f"--score vs F0 on {len(f0)} hypotheses: max |diff| {max(abs(a - b) for a, b in zip(f0, theirs)):.1e}")
PY
done
