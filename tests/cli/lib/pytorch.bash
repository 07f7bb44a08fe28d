#!/usr/bin/env bash
# shellcheck disable=SC2034  # the variables are for the scripts that source this file
# Shared by the tests that check an export in PyTorch (export_pytorch*.sh): TORCH_PYTHON, a
# python3 that can import torch and numpy, or a "skipped" line and exit 77 (ctest: skipped) where none can;
# and the letter-reversal data those tests train on.
#
#   source "$source/tests/cli/lib/pytorch.bash" export_pytorch   # the name the skip line says
#   make_letter_reversal train.tsv valid.tsv                     # 300 pairs; the first 20 again

# Debian's python3-torch lives in /usr/bin/python3, which another python3 on PATH may hide.
TORCH_PYTHON=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import torch, numpy' 2>/dev/null; then TORCH_PYTHON=$candidate; break; fi
done
if [ -z "$TORCH_PYTHON" ]; then
  echo "$1: skipped: no python3 here can import torch and numpy"
  exit 77
fi

# 300 lines "w1 w2 ...<TAB>... w2 w1" of 3-8 letters a-t, the same on every run; the first
# 20 are the validation set.
make_letter_reversal() {
  "$TORCH_PYTHON" - "$1" <<'PY'
import random, sys
r = random.Random(3)
letters = "abcdefghijklmnopqrst"
with open(sys.argv[1], "w") as f:
    for _ in range(300):
        s = [r.choice(letters) for _ in range(r.randint(3, 8))]
        f.write(" ".join(s) + "\t" + " ".join(reversed(s)) + "\n")
PY
  head -20 "$1" >"$2"
}
