#!/usr/bin/env bash
# attn-export --from marian on models trained by Marian itself (tests/data/marian, see its
# README): the imported models (Transformers, and the s2s RNN with its conditional GRU decoder)
# decode as marian-decoder did — greedy output byte-identical on
# at least 49 of 50 lines, beam 5 top-1 likewise with totals within 1e-3 of Marian's, and the
# teacher-forced --score of every n-best hypothesis equal to Marian's F0 to 1e-3. The pre-norm
# model, which Marian's own decoder gets wrong, must give the trained outputs (test.TGT).
# Damaged or truncated npz files, a missing configuration, an unsupported option, a vocabulary
# that disagrees with the embedding and a wrongly shaped array are one-line errors, exit 2.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
DATA=$(cd "$(dirname "$0")/../data/marian" && pwd)
source "$(dirname "$0")/lib/tools.bash" "$@"

# Lines of file $1 equal to the same line of file $2.
same_lines() { paste "$1" "$2" | awk -F'\t' '$1 == $2' | wc -l; }

import() {  # import NAME VOCAB... -> NAME.attn
  local name=$1
  shift
  "$ATTN_EXPORT" -q --from marian "$DATA/$name.npz" --vocabs "$@" -o "$name.attn"
}
import transformer "$DATA/vocab.yml"
import swish_post "$DATA/src.vocab.yml" "$DATA/tgt.vocab.yml"
import prenorm_swish "$DATA/src.vocab.yml" "$DATA/tgt.vocab.yml"
import s2s_gru "$DATA/src.vocab.yml" "$DATA/tgt.vocab.yml"

# attn-inspect says where the model came from and keeps Marian's configuration.
inspected=$("$ATTN_INSPECT" transformer.attn)
grep -q "imported_from=marian v1.12.43" <<<"$inspected" || fail "inspect: no Marian version: $inspected"
grep -q "transformer-postprocess: dan" <<<"$inspected" || fail "inspect: no Marian configuration"

for name in transformer swish_post s2s_gru; do
  "$ATTN_DECODE" -m $name.attn -b 1 --no-unk <"$DATA/test.src" >$name.greedy
  agree=$(same_lines $name.greedy "$DATA/$name.greedy.out")
  [[ $agree -ge 49 ]] || fail "$name greedy: $agree of 50 lines equal Marian's"

  "$ATTN_DECODE" -m $name.attn -b 5 --n-best 5 --normalize 0.6 --mini-batch 8 --no-unk \
    <"$DATA/test.src" >$name.nbest
  # Top-1 of each line (the first of its group) against Marian's, totals on agreeing lines.
  python3 - $name.nbest "$DATA/$name.beam5.nbest" <<'PY' || fail "$name beam 5 differs from Marian's"
import sys
def groups(path):
    out = {}
    for line in open(path):
        i, text, f0, total = line.rstrip("\n").split(" ||| ")
        assert f0.startswith("F0= "), line
        out.setdefault(int(i), []).append((text, float(f0[4:]), float(total)))
    return out
ours, marian = groups(sys.argv[1]), groups(sys.argv[2])
assert sorted(ours) == sorted(marian) == list(range(50)), "not 50 answered lines"
agree = 0
for i in marian:
    assert len(ours[i]) == 5, f"line {i}: {len(ours[i])} hypotheses"
    if ours[i][0][0] == marian[i][0][0]:
        agree += 1
        assert abs(ours[i][0][2] - marian[i][0][2]) <= 1e-3, f"line {i}: total {ours[i][0]} vs {marian[i][0]}"
assert agree >= 49, f"top-1 equal on {agree} of 50 lines"
PY

  # Teacher-forced: every hypothesis Marian printed, scored by attn, gives Marian's F0.
  awk -F' [|][|][|] ' 'NR == FNR { src[NR - 1] = $0; next } { print src[$1] "\t" $2 }' \
    "$DATA/test.src" "$DATA/$name.beam5.nbest" >$name.pairs
  "$ATTN_DECODE" -m $name.attn --score <$name.pairs >$name.f0
  sed 's/.*F0= \([^ ]*\) .*/\1/' "$DATA/$name.beam5.nbest" | paste $name.f0 - |
    awk '{ d = $1 - $2; if (d < 0) d = -d; if (d > 1e-3 || NF != 2) bad++ } END { exit bad > 0 || NR != 250 }' ||
    fail "$name: --score differs from Marian's F0 by more than 1e-3"
done

"$ATTN_DECODE" -m prenorm_swish.attn -b 1 <"$DATA/test.src" >prenorm.greedy
agree=$(same_lines prenorm.greedy "$DATA/test.TGT")
[[ $agree -ge 49 ]] || fail "prenorm_swish greedy: $agree of 50 lines equal test.TGT"

# Re-saving an imported model keeps its origin.
"$ATTN_EXPORT" -q transformer.attn --strip-optimizer -o resaved.attn
"$ATTN_INSPECT" resaved.attn | grep -q "imported_from=marian" || fail "re-saving lost the origin"
"$ATTN_DECODE" -m resaved.attn -b 1 <"$DATA/test.src" | cmp -s - transformer.greedy ||
  fail "the re-saved model decodes differently"

# Bad inputs. rewrite_npz IN OUT PYTHON-EXPRESSION: entries (name -> bytes) changed by the code.
rewrite_npz() {
  python3 - "$1" "$2" "$3" <<'PY'
import sys, zipfile
entries = {}
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        entries[name] = z.read(name)
exec(sys.argv[3])
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for name, data in entries.items():
        z.writestr(name, data)
PY
}
npz=$DATA/transformer.npz
vocab=$DATA/vocab.yml
head -c 100000 "$npz" >truncated.npz
expect_input_error "truncated.npz" "$ATTN_EXPORT" --from marian truncated.npz --vocabs "$vocab" -o x.attn
# A flipped byte inside the stored data of an entry: the zip's CRC-32 catches it.
python3 - "$npz" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
at = data.index(b"decoder_l1_ffn_W1.npy") + 400
data[at] ^= 0xFF
open("damaged.npz", "wb").write(bytes(data))
PY
expect_input_error "damaged.npz" "$ATTN_EXPORT" --from marian damaged.npz --vocabs "$vocab" -o x.attn
printf 'not a zip' >text.npz
expect_input_error "text.npz" "$ATTN_EXPORT" --from marian text.npz --vocabs "$vocab" -o x.attn
rewrite_npz "$npz" noconfig.npz 'del entries["special:model.yml.npy"]'
expect_input_error "no Marian configuration" \
  "$ATTN_EXPORT" --from marian noconfig.npz --vocabs "$vocab" -o x.attn
# (The configuration's NUL padding absorbs the longer value, so the array keeps its size.)
rewrite_npz "$npz" aan.npz \
  'k = "special:model.yml.npy"; entries[k] = entries[k].replace(b"autoreg: self-attention", b"autoreg: average-attention")[:len(entries[k])]'
expect_input_error "unsupported Marian option transformer-decoder-autoreg: average-attention" \
  "$ATTN_EXPORT" --from marian aan.npz --vocabs "$vocab" -o x.attn
rewrite_npz "$npz" gelu.npz \
  'k = "special:model.yml.npy"; entries[k] = entries[k].replace(b"ffn-activation: swish", b"ffn-activation: gelu ")'
expect_input_error "unsupported Marian option transformer-ffn-activation: gelu" \
  "$ATTN_EXPORT" --from marian gelu.npz --vocabs "$vocab" -o x.attn
rewrite_npz "$npz" extra.npz 'entries["decoder_l1_rnn_W.npy"] = entries["decoder_l1_ffn_b1.npy"]'
expect_input_error "decoder_l1_rnn_W" "$ATTN_EXPORT" --from marian extra.npz --vocabs "$vocab" -o x.attn
# The same bytes under a header claiming another shape: (64, 32) instead of (32, 64).
rewrite_npz "$npz" shape.npz \
  'k = "decoder_l1_ffn_W1.npy"; entries[k] = entries[k].replace(b"(32, 64)", b"(64, 32)")'
expect_input_error "decoder_l1_ffn_W1" "$ATTN_EXPORT" --from marian shape.npz --vocabs "$vocab" -o x.attn
head -n 13 "$vocab" >short.yml
expect_input_error "short.yml" "$ATTN_EXPORT" --from marian "$npz" --vocabs short.yml -o x.attn
expect_input_error "differ" \
  "$ATTN_EXPORT" --from marian "$npz" --vocabs "$vocab" "$DATA/tgt.vocab.yml" -o x.attn
expect_input_error "--vocabs" "$ATTN_EXPORT" --from marian "$npz" -o x.attn
rewrite_npz "$DATA/s2s_gru.npz" lstm.npz \
  'k = "special:model.yml.npy"; entries[k] = entries[k].replace(b"dec-cell: gru", b"dec-cell: lstm")[:len(entries[k])]'
expect_input_error "unsupported Marian option dec-cell: lstm" \
  "$ATTN_EXPORT" --from marian lstm.npz --vocabs "$DATA/src.vocab.yml" "$DATA/tgt.vocab.yml" -o x.attn
[[ ! -e x.attn ]] || fail "a refused import left x.attn behind"
echo "marian: ok"
