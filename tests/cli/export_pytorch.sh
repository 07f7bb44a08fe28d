#!/bin/bash
# An export loaded into PyTorch computes what attn computes: for three config variants that
# change the tensor set (post-norm tied; pre-norm with its own output projection; one shared
# embedding), docs/attn_reference.py on the npz and the safetensors export must reproduce
# attn's teacher-forced logits (attn-export --forward-src/--forward-tgt) to 1e-4.
# Skipped (exit 77, ctest reports it skipped) only where no python3 can import torch (Debian: python3-torch).
#   bash tests/cli/export_pytorch.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# shellcheck source=tests/cli/lib/pytorch.bash  # TORCH_PYTHON, or a skip line and exit 77
source "$source/tests/cli/lib/pytorch.bash" export_pytorch
make_letter_reversal train.tsv valid.tsv

src_ids="4 5 6 7 8 9 10"
tgt_ids="2 11 12 13 14 15"
# name, the config the export must state (pre_norm tie_output shared_vocab), attn-train flags.
variants=("post false,true,false" "pre true,false,false --pre-norm --tie-output false"
  "shared false,true,true --shared-vocab")
for variant in "${variants[@]}"; do
  read -r name want flags <<<"$variant"
  # shellcheck disable=SC2086  # flags is a list of words
  "$build/attn-train" --train train.tsv --valid valid.tsv --preset tiny --d-model 16 --heads 4 \
    --ffn 32 --encoder-layers 2 --decoder-layers 2 --max-steps 5 --valid-every 5 \
    --batch-tokens 400 --lr 1e-2 --seed 4 --threads 1 --quiet --save "$name.attn" $flags \
    >/dev/null 2>&1 || fail "attn-train $name ($flags) failed"
  "$build/attn-export" "$name.attn" --forward-src "$src_ids" --forward-tgt "$tgt_ids" \
    >"$name.attn.json" || fail "attn-export --forward-src failed on $name"
  for format in npz safetensors; do
    "$build/attn-export" "$name.attn" --to "$format" -o "$name.$format" --quiet ||
      fail "attn-export --to $format failed on $name"
    got=$(cd "$source/docs" && "$TORCH_PYTHON" -c '
import sys, attn_reference as ref
c = ref.read_weights(sys.argv[1])[1]
print(",".join(c[k] for k in ("pre_norm", "tie_output", "shared_vocab")))' "$work/$name.$format")
    [ "$got" = "$want" ] || fail "$name.$format states pre_norm,tie_output,shared_vocab $got, not $want"
    "$TORCH_PYTHON" "$source/docs/attn_reference.py" "$name.$format" --src "$src_ids" \
      --tgt "$tgt_ids" >"$name.$format.json" || fail "attn_reference.py cannot load $name.$format"
    "$TORCH_PYTHON" - "$name.attn.json" "$name.$format.json" <<'PY' ||
import json, sys
ours, theirs = (json.load(open(path)) for path in sys.argv[1:3])
assert ours["src"] == theirs["src"] and ours["tgt"] == theirs["tgt"], "different inputs"
assert ours["shape"] == theirs["shape"], (ours["shape"], theirs["shape"])
diff = max(abs(a - b) for ra, rb in zip(ours["logits"], theirs["logits"]) for a, b in zip(ra, rb))
spread = max(max(r) - min(r) for r in ours["logits"])
print(f"{sys.argv[2]}: max |attn - PyTorch| = {diff:.2e} over {ours['shape']} logits (spread {spread:.2f})")
assert spread > 0.1, "logits are flat: the comparison would prove nothing"
assert diff <= 1e-4, f"logits differ by {diff:.2e} > 1e-4"
PY
      fail "$name.$format: PyTorch does not reproduce attn's logits"
  done
done
echo "export_pytorch: npz and safetensors exports reproduce attn's logits in PyTorch"
