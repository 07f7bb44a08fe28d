#!/bin/bash
# The layer order of docs/ARCHITECTURE.md, enforced: a file may include its own folder and the
# folders below it, never one above. An upward include fails this test (and so CI).
#   bash tests/cli/layers.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
source=$(cd "$2" && pwd)
cd "$source"

# Bottom to top.
layers="formats libattn/core libattn/kernels libattn/autograd libattn/nn libattn/attention
  libattn/data libattn/decode libattn/models libattn/train tools"

# shellcheck disable=SC2086  # layers is a list of words
grep -rnE '^#include "(formats|libattn/[a-z_]+|tools)/' $layers --include='*.h' --include='*.cc' |
  awk -v layers="$layers" '
    BEGIN { n = split(layers, order, /[ \n]+/); for (i = 1; i <= n; i++) rank[order[i]] = i }
    {
      file = $0; sub(/:.*/, "", file)
      own = file; sub(/\/[^\/]*$/, "", own)
      target = $0; sub(/^[^"]*"/, "", target); sub(/\/[^\/]*"?$/, "", target); sub(/\/.*/, "", target)
      if (target == "libattn") { target = $0; sub(/^[^"]*"/, "", target); split(target, p, "/"); target = p[1] "/" p[2] }
      checked++
      if (!(target in rank) || !(own in rank) || rank[target] > rank[own]) {
        print "FAIL: " $0 " (" own " includes " target ", a layer above it)" > "/dev/stderr"; bad = 1
      }
    }
    END {
      if (checked < 100) { print "FAIL: only " checked " includes found; is the tree there?" > "/dev/stderr"; exit 1 }
      if (bad) exit 1
      print "layers: " checked " includes, none upward"
    }'
