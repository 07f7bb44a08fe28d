#!/usr/bin/env bash
# Every architecture takes the same path through the four tools: attn-train (a few steps) ->
# attn-inspect --verify -> attn-export to safetensors and npz, whose tensors are exactly the
# decode-only model's -> attn-decode from stdin, the checkpoint and the stripped model giving
# the same answers -> --attention-json with every named attention matrix of the model.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data reverse.tsv 40
# Sorting for the pointer network, as tokens and as coordinates ("0.35" read as a number).
awk -F'\t' 'BEGIN { srand(3) } { }
  END { for (i = 0; i < 40; ++i) { n = 2 + int(rand() * 4); line = ""; delete v
          for (j = 0; j < n; ++j) { do x = int(rand() * 20); while (x in v); v[x] = j
                                    line = line (j ? " " : "") x / 20 }
          out = ""; for (x = 0; x < 20; ++x) if (x in v) out = out (out == "" ? "" : " ") v[x]
          print line "\t" out } }' /dev/null >sort.tsv
printf 'a b c x\tone\nb a y\ttwo\nx c\tone\nd y a\ttwo\nc x d\tone\ny b\ttwo\n' >topics.tsv
printf '_ _ red square\tred left\nred square _ _\tred right\n_ _ blue circle\tblue left\nblue circle _ _\tblue right\n' >grid.tsv

COMMON=(--preset tiny --threads 1 --quiet --lr 0.01 --lr-schedule constant --warmup 0
        --batch-tokens 64 --max-steps 4)
declare -A FLAGS=(
  [transformer]="--model transformer --d-model 16 --heads 2 --ffn 32 --encoder-layers 1 --decoder-layers 1"
  [rnn]="--model rnn --cell lstm --attention general --attention-scope local-p --window 2"
  [pointer]="--model pointer --max-positions 8 --mask-chosen"
  [points]="--model pointer --max-positions 8 --mask-chosen --input-dims 1"
  [ntm]="--model ntm --memory-slots 8 --memory-width 4 --controller-size 8 --embed 8"
  [snail]="--model snail --filters 4 --dilations 2 --key-size 4 --value-size 4 --blocks 1 --embed 8"
  [classifier]="--model classifier --pooling self-attentive"
  [caption]="--model caption --cell-features 2 --max-positions 2 --label-smoothing 0")
declare -A DATA=([transformer]=reverse.tsv [rnn]=reverse.tsv [pointer]=sort.tsv [points]=sort.tsv
                 [ntm]=reverse.tsv [snail]=reverse.tsv [classifier]=topics.tsv [caption]=grid.tsv)

for name in transformer rnn pointer points ntm snail classifier caption; do
  data=${DATA[$name]}
  # shellcheck disable=SC2086  # the flags are several words
  "$ATTN_TRAIN" --train "$data" ${FLAGS[$name]} "${COMMON[@]}" --save "$name.attn" ||
    fail "$name: attn-train"
  "$ATTN_INSPECT" --verify "$name.attn" >/dev/null || fail "$name: attn-inspect --verify"
  "$ATTN_EXPORT" "$name.attn" --strip-optimizer -o "$name.model.attn" >/dev/null ||
    fail "$name: attn-export --strip-optimizer"
  "$ATTN_EXPORT" "$name.attn" --to safetensors -o "$name.safetensors" >/dev/null ||
    fail "$name: attn-export --to safetensors"
  "$ATTN_EXPORT" "$name.attn" --to npz -o "$name.npz" >/dev/null || fail "$name: attn-export --to npz"
  "$ATTN_INSPECT" --json "$name.model.attn" >"$name.json"
  python3 - "$name" <<'PY' || fail "$name: the exported tensors are not the model's"
import json, struct, sys, zipfile
name = sys.argv[1]
model = {t["name"]: t["shape"] for t in json.load(open(name + ".json"))["tensors"]}
with open(name + ".safetensors", "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
header.pop("__metadata__", None)
assert {k: v["shape"] for k, v in header.items()} == model, (sorted(header), sorted(model))
npz = {n[:-len(".npy")] for n in zipfile.ZipFile(name + ".npz").namelist()} - {"__config__"}
assert npz == set(model), (sorted(npz), sorted(model))
PY
  cut -f1 "$data" | head -4 >input.txt
  "$ATTN_DECODE" -m "$name.attn" -b 2 <input.txt >from_checkpoint.txt || fail "$name: attn-decode"
  [[ $(line_count from_checkpoint.txt) -eq 4 ]] || fail "$name: $(line_count from_checkpoint.txt) answers for 4 lines"
  "$ATTN_DECODE" -m "$name.model.attn" -b 2 <input.txt >from_model.txt
  cmp -s from_checkpoint.txt from_model.txt || fail "$name: the stripped model answers differently"
  [[ $name == classifier ]] && continue  # one label, no output sequence to attend from
  "$ATTN_DECODE" -m "$name.attn" -b 2 --attention-json attention.jsonl <input.txt >/dev/null
  python3 - "$name" attention.jsonl <<'PY' || fail "$name: --attention-json: $(head -c 300 attention.jsonl)"
import json, sys
name, path = sys.argv[1], sys.argv[2]
records = [json.loads(line) for line in open(path)]
assert records, "no records"
def rows(m):
    return [m] if m and isinstance(m[0], float) else [r for x in m for r in rows(x)]
for r in records:
    assert r["layers"], "no named attention matrices"
    for key, matrix in r["layers"].items():
        for row in rows(matrix):
            # Weights; a row sums to 1, or less under local-p's Gaussian (Luong et al. do not
            # renormalise), or to 0 (NTM steps that read nothing).
            assert all(0 <= w <= 1 for w in row) and sum(row) < 1 + 1e-3, (key, row)
            if name == "transformer":
                assert abs(sum(row) - 1) < 1e-3, (key, row)
PY
done
echo "every_model: ok"
