#!/bin/bash
# An RNN encoder-decoder export loaded into PyTorch computes what attn computes: for eight
# configs that between them cover both cells, 1-2 layers, uni- and bidirectional encoders,
# the three bridges, input feeding on and off, all six scorers and all five scopes,
# docs/attn_rnn_reference.py on the npz and the safetensors export must reproduce attn's
# teacher-forced logits (attn-export --forward-src/--forward-tgt) to 1e-4, on a sentence and
# on a padded source shorter than its target. Each model trains a few steps first, so the
# weights are not at their initial values.
# Skipped (exit 77, ctest reports it skipped) only where no python3 can import torch (Debian: python3-torch).
#   bash tests/cli/export_pytorch_rnn.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
source=$(cd "$2" && pwd)
# shellcheck source=tests/cli/lib/tools.bash  # ATTN_TRAIN, ATTN_EXPORT, fail; cds to a scratch dir
source "$source/tests/cli/lib/tools.bash" "$@"
# shellcheck source=tests/cli/lib/pytorch.bash  # TORCH_PYTHON, or a skip line and exit 77
source "$source/tests/cli/lib/pytorch.bash" export_pytorch_rnn
make_letter_reversal train.tsv valid.tsv

# Two pairs: a plain sentence; a source with trailing padding, shorter than its target (the
# local-m window then stops at the last real token, and padding must stay invisible).
pairs=("4 5 6 7 8 9 10|2 11 12 13 14 15" "4 5 6 0 0|2 7 8 9 10 11 12 13")
# name, the config the export must state (cell,attention,scope,bridge,layers,bidirectional,
# input_feeding), attn-train flags.
variants=(
  "gru-general gru,general,global,mean,1,true,true --cell gru --attention general"
  "lstm-additive lstm,concat,global,final,2,true,false --cell lstm --layers 2 --attention additive --bridge final --input-feeding false"
  "gru-dot-local-m gru,dot,local-m,zero,2,false,true --cell gru --layers 2 --bidirectional false --bridge zero --attention dot --attention-scope local-m --window 2"
  "lstm-scaled-dot-local-p lstm,scaled-dot,local-p,mean,1,true,true --cell lstm --attention scaled-dot --attention-scope local-p --window 2"
  "gru-location gru,location,global,final,2,true,true --cell gru --layers 2 --attention location --bridge final"
  "lstm-cosine lstm,cosine,global,zero,1,true,false --cell lstm --attention cosine --bridge zero --input-feeding false"
  "gru-dot-hard gru,dot,hard,mean,1,true,true --cell gru --attention dot --attention-scope hard"
  "lstm-general-monotonic lstm,general,monotonic,final,1,false,true --cell lstm --bidirectional false --attention general --attention-scope monotonic --bridge final"
)
checks=()
for variant in "${variants[@]}"; do
  read -r name want flags <<<"$variant"
  # shellcheck disable=SC2086  # flags is a list of words
  "$ATTN_TRAIN" --train train.tsv --valid valid.tsv --model rnn --preset tiny --embed 8 \
    --hidden 16 --max-steps 5 --valid-every 5 --batch-tokens 400 --lr 1e-2 --seed 4 --threads 1 \
    --quiet --save "$name.attn" $flags >/dev/null 2>&1 || fail "attn-train $name ($flags) failed"
  for i in "${!pairs[@]}"; do
    IFS='|' read -r src_ids tgt_ids <<<"${pairs[i]}"
    "$ATTN_EXPORT" "$name.attn" --forward-src "$src_ids" --forward-tgt "$tgt_ids" \
      >"$name.$i.attn.json" || fail "attn-export --forward-src failed on $name"
  done
  for format in npz safetensors; do
    "$ATTN_EXPORT" "$name.attn" --to "$format" -o "$name.$format" --quiet ||
      fail "attn-export --to $format failed on $name"
    checks+=("$name $want $name.$format")
  done
done

# One Python process for every comparison: importing torch costs more than all the models.
"$TORCH_PYTHON" - "$source/docs" "${#pairs[@]}" "${checks[@]}" <<'PY' ||
import json, sys
sys.path.insert(0, sys.argv[1])
import torch
import attn_rnn_reference as ref

torch.set_num_threads(1)
pairs, worst, failures = int(sys.argv[2]), {}, []
for check in sys.argv[3:]:
    name, want, path = check.split()
    tensors, config_map = ref.attn_reference.read_weights(path)
    c = ref.parse_config(config_map)
    got = ",".join(str(c[k]).lower() for k in ("cell", "attention", "attention_scope", "bridge", "layers",
                                                 "bidirectional", "input_feeding"))
    if got != want:
        failures.append(f"{path} states {got}, not {want}")
        continue
    model = ref.load(path)
    for i in range(pairs):
        ours = json.load(open(f"{name}.{i}.attn.json"))
        src, tgt = torch.tensor([ours["src"]]), torch.tensor([ours["tgt"]])
        with torch.no_grad():
            theirs = model(src, tgt)[0]
        if list(theirs.shape) != ours["shape"]:
            failures.append(f"{path}: shape {list(theirs.shape)}, attn {ours['shape']}")
            continue
        logits = torch.tensor(ours["logits"], dtype=torch.float64)
        diff = (logits - theirs.double()).abs().max().item()
        spread = (logits.max(1).values - logits.min(1).values).max().item()
        print(f"{path} pair {i}: max |attn - PyTorch| = {diff:.2e} over {ours['shape']} logits (spread {spread:.2f})")
        worst[name] = max(worst.get(name, 0.0), diff)
        if spread <= 0.1:
            failures.append(f"{path} pair {i}: logits are flat (spread {spread:.2f}): the comparison would prove nothing")
        if not diff <= 1e-4:
            failures.append(f"{path} pair {i}: logits differ by {diff:.2e} > 1e-4")
for name, diff in worst.items():
    print(f"{name}: max |diff| {diff:.2e}")
for failure in failures:
    print("FAIL:", failure, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
  fail "PyTorch does not reproduce attn's RNN logits"
echo "export_pytorch_rnn: npz and safetensors RNN exports reproduce attn's logits in PyTorch"
