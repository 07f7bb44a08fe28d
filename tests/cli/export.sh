#!/bin/bash
# attn-export on two tiny checkpoints: safetensors and npz read back by an independent stdlib
# Python reader (and numpy.load where numpy is installed), --strip-optimizer, --average equal
# to the float32-rounded mean of the two checkpoints' tensors, --vocab, rewriting in the
# current version, "-" for stdout, and exit code 2 with one "attn-export: " line on bad input.
#   bash tests/cli/export.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
export_tool=$build/attn-export
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
expect_in() { grep -qF -- "$2" <<<"$1" || fail "expected '$2' in: $1"; }

# Runs attn-export, keeping stdout, stderr and the exit code.
run() {
  set +e
  "$export_tool" "$@" >"$work/out" 2>"$work/err"
  code=$?
  set -e
  err=$(cat "$work/err")
}

# Bad input: exit 2 and exactly one stderr line, "attn-export: ..." containing $1.
expect_refusal() {
  local want=$1
  shift
  run "$@"
  [ "$code" = 2 ] || fail "attn-export $* exited $code, expected 2: $err"
  [ "$(wc -l <"$work/err")" = 1 ] || fail "attn-export $* printed more than one line: $err"
  expect_in "$err" "attn-export: "
  expect_in "$err" "$want"
}

python3 -c '
import random
r = random.Random(5)
letters = "abcdefgh"
with open("train.tsv", "w") as f:
    for _ in range(200):
        s = [r.choice(letters) for _ in range(r.randint(3, 6))]
        f.write(" ".join(s) + "\t" + " ".join(reversed(s)) + "\n")
'
head -20 train.tsv >valid.tsv
train() {  # name seed d_model
  "$build/attn-train" --train train.tsv --valid valid.tsv --preset tiny --d-model "$3" --heads 2 \
    --ffn 16 --encoder-layers 1 --decoder-layers 1 --max-steps 3 --valid-every 3 \
    --batch-tokens 300 --seed "$2" --threads 1 --quiet --save "$1.attn" >/dev/null 2>&1 ||
    fail "attn-train $1 failed"
}
train a 1 8
train b 2 8
train wide 3 16
for f in a b; do
  kind=$("$build/attn-inspect" --json "$f.attn" | python3 -c 'import json,sys; print(json.load(sys.stdin)["kind"])')
  [ "$kind" = checkpoint ] || fail "$f.attn is a $kind, the test needs checkpoints"
done

# --- safetensors and npz -------------------------------------------------------------------
run a.attn --to safetensors -o a.safetensors
[ "$code" = 0 ] || fail "--to safetensors exit $code: $err"
expect_in "$err" "a.attn -> a.safetensors"
run b.attn --to safetensors -o b.safetensors --quiet
[ "$code" = 0 ] && [ -z "$err" ] || fail "--quiet: exit $code, stderr '$err'"
run a.attn --to npz -o a.npz
[ "$code" = 0 ] || fail "--to npz exit $code: $err"

# The stdlib reader below follows the published layouts (safetensors: u64 length, JSON header,
# data; npz: zip of NPY 1.0 files), not attn's writer.
cat >read_exports.py <<'PY'
import ast, json, struct, sys, zipfile
from array import array

def floats(raw):
    a = array("f"); a.frombytes(raw); return a.tolist()

def read_safetensors(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert (8 + n) % 8 == 0, "data not 8-byte aligned"
    header = json.loads(blob[8:8 + n]); data = blob[8 + n:]
    meta = header.pop("__metadata__")
    assert all(isinstance(v, str) for v in meta.values()), meta
    tensors, end = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, stop = info["data_offsets"]
        assert begin == end, f"{name}: gap or overlap at {begin}"
        assert info["dtype"] == "F32", info
        count = 1
        for d in info["shape"]: count *= d
        assert stop - begin == 4 * count, f"{name}: {stop - begin} bytes for shape {info['shape']}"
        tensors[name] = (info["shape"], floats(data[begin:stop])); end = stop
    assert end == len(data), f"{len(data) - end} bytes after the last tensor"
    return tensors, meta

def read_npz(path):
    archive = zipfile.ZipFile(path)
    assert archive.testzip() is None, "a CRC does not match"
    tensors, config = {}, None
    for info in archive.infolist():
        assert info.compress_type == zipfile.ZIP_STORED and info.filename.endswith(".npy")
        raw = archive.read(info)
        assert raw[:8] == b"\x93NUMPY\x01\x00", raw[:8]
        (n,) = struct.unpack("<H", raw[8:10])
        assert (10 + n) % 64 == 0 and raw[10 + n - 1:10 + n] == b"\n", "header not padded to 64"
        header = ast.literal_eval(raw[10:10 + n].decode("latin1"))
        assert header["fortran_order"] is False, header
        name, body = info.filename[:-4], raw[10 + n:]
        if name == "__config__":
            assert header["descr"].startswith("<U") and header["shape"] == (), header
            config = json.loads(body.decode("utf-32-le"))
            assert len(body) == 4 * int(header["descr"][2:])
        else:
            assert header["descr"] == "<f4", header
            tensors[name] = (list(header["shape"]), floats(body))
    return tensors, config

if __name__ == "__main__":
    kind, path = sys.argv[1], sys.argv[2]
    tensors, config = (read_safetensors if kind == "safetensors" else read_npz)(path)
    print(json.dumps({"config": config, "tensors": tensors}))
PY
python3 read_exports.py safetensors a.safetensors >a.st.json || fail "a.safetensors does not parse"
python3 read_exports.py npz a.npz >a.npz.json || fail "a.npz does not parse"
python3 - "$source" <<'PY' || fail "exports disagree"
import json, sys
st, nz = json.load(open("a.st.json")), json.load(open("a.npz.json"))
assert st == nz, "npz and safetensors hold different tensors or config"
config, tensors = st["config"], st["tensors"]
assert config["architecture"] == "transformer" and config["naming_revision"] == "1", config
assert config["d_model"] == "8" and config["heads"] == "2" and config["tie_output"] == "true", config
assert not any(n.startswith("optimizer.") for n in tensors), "optimizer moments exported"
d, v = 8, int(config["src_vocab"])
assert tensors["encoder.embed_tokens.weight"][0] == [v, d]
assert tensors["encoder.layers.0.fc1.weight"][0] == [16, d], "Linear weights are [out, in]"
assert tensors["decoder.layers.0.encoder_attn.q_proj.bias"][0] == [d]
# Every name docs/EXPORT.md lists for this config, and nothing else.
want = {"encoder.embed_tokens.weight", "decoder.embed_tokens.weight"}
for side, parts in (("encoder", ["self_attn"]), ("decoder", ["self_attn", "encoder_attn"])):
    for part in parts:
        want |= {f"{side}.layers.0.{part}.{p}_proj.{w}" for p in "qkvo" if p != "o" for w in ("weight", "bias")}
        want |= {f"{side}.layers.0.{part}.out_proj.{w}" for w in ("weight", "bias")}
        want |= {f"{side}.layers.0.{part}_layer_norm.{w}" for w in ("weight", "bias")}
    want |= {f"{side}.layers.0.{fc}.{w}" for fc in ("fc1", "fc2", "final_layer_norm") for w in ("weight", "bias")}
assert set(tensors) == want, (sorted(set(tensors) - want), sorted(want - set(tensors)))
PY
# numpy may live in another Python than the first python3 on PATH (Debian's python3-numpy).
numpy_python=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c 'import numpy' 2>/dev/null; then numpy_python=$candidate; break; fi
done
if [ -n "$numpy_python" ]; then
  "$numpy_python" -c '
import json, numpy as np
z = np.load("a.npz")
config = json.loads(str(z["__config__"]))   # the way docs/EXPORT.md reads it
ref = json.load(open("a.st.json"))
assert config == ref["config"], config
for name, (shape, values) in ref["tensors"].items():
    assert z[name].dtype == np.float32 and list(z[name].shape) == shape, name
    assert z[name].ravel().tolist() == values, name
' || fail "numpy.load disagrees with the stdlib reader"
fi

# "-": stdout, the same bytes as a file.
"$export_tool" a.attn --to npz -o - --quiet >stdout.npz || fail "--to npz -o - failed"
cmp -s stdout.npz a.npz || fail "npz on stdout differs from the file"
"$export_tool" a.attn --to safetensors -o - --quiet | cmp -s - a.safetensors ||
  fail "safetensors on stdout differs from the file"

# --- --strip-optimizer -----------------------------------------------------------------------
run a.attn --strip-optimizer -o a.model.attn
[ "$code" = 0 ] || fail "--strip-optimizer exit $code: $err"
"$build/attn-inspect" --json a.model.attn >a.model.json
python3 - <<'PY' || fail "the stripped file is not a bare model"
import json
d = json.load(open("a.model.json"))
names = sorted(t["name"] for t in d["tensors"])
assert d["kind"] == "model", d["kind"]
assert names == sorted(json.load(open("a.st.json"))["tensors"]), names  # parameters only
PY
[ "$(stat -c %s a.model.attn)" -lt "$(stat -c %s a.attn)" ] || fail "stripping saved nothing"
printf 'a b c\nh g f e\n' >src.txt
"$build/attn-decode" -m a.attn -b 1 -i src.txt >from_checkpoint.txt
"$build/attn-decode" -m a.model.attn -b 1 -i src.txt >from_model.txt
cmp -s from_checkpoint.txt from_model.txt || fail "stripped model decodes differently"
# Piped straight into attn-decode.
"$export_tool" a.attn --strip-optimizer -o - --quiet | "$build/attn-decode" -m - -b 1 -i src.txt |
  cmp -s - from_checkpoint.txt || fail "a stripped model on stdout does not decode the same"

# --- --average ---------------------------------------------------------------------------
run --average a.attn b.attn -o ab.attn
[ "$code" = 0 ] || fail "--average exit $code: $err"
expect_in "$err" "the average of 2 files -> ab.attn"
"$build/attn-inspect" --json ab.attn | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["kind"] == "model", d["kind"]
assert not any(t["name"].startswith("optimizer.") for t in d["tensors"])
' || fail "the average is not a decode-only model"
"$export_tool" ab.attn --to safetensors -o ab.safetensors --quiet
python3 read_exports.py safetensors b.safetensors >b.st.json
python3 read_exports.py safetensors ab.safetensors >ab.st.json
python3 - <<'PY' || fail "the average is not the mean of the two checkpoints"
import json, struct
a, b, ab = (json.load(open(f"{n}.st.json")) for n in ("a", "b", "ab"))
f32 = lambda x: struct.unpack("<f", struct.pack("<f", x))[0]
assert set(a["tensors"]) == set(ab["tensors"]) == set(b["tensors"])
assert ab["config"] == a["config"]
differ = 0
for name, (shape, av) in a["tensors"].items():
    bshape, bv = b["tensors"][name]
    mshape, mv = ab["tensors"][name]
    assert shape == bshape == mshape, name
    for x, y, m in zip(av, bv, mv):
        assert m == f32((x + y) / 2), f"{name}: {m} != mean({x}, {y})"
        differ += x != y
assert differ > 1000, f"only {differ} values differ between the checkpoints: nothing was tested"
print(f"average: {sum(len(v) for _, v in ab['tensors'].values())} values checked, {differ} differ between inputs")
PY
# The same average straight to npz.
"$export_tool" --average a.attn b.attn --to npz -o ab.npz --quiet
python3 read_exports.py npz ab.npz >ab.npz.json
python3 -c 'import json; a, b = (json.load(open(f)) for f in ("ab.st.json", "ab.npz.json")); assert a == b' ||
  fail "--average --to npz differs from averaging then exporting"

# --- --vocab ---------------------------------------------------------------------------------
run a.attn --vocab vocab/
[ "$code" = 0 ] || fail "--vocab exit $code: $err"
for side in source target; do
  [ -f "vocab/$side.vocab" ] || fail "no vocab/$side.vocab"
  [ "$(head -4 "vocab/$side.vocab" | tr '\n' ' ')" = "<pad> <unk> <s> </s> " ] ||
    fail "$side.vocab does not start with the specials"
done
src_vocab=$(python3 -c 'import json; print(json.load(open("a.st.json"))["config"]["src_vocab"])')
[ "$(wc -l <vocab/source.vocab)" = "$src_vocab" ] || fail "source.vocab is not $src_vocab lines"
[ "$(sort vocab/target.vocab | uniq | wc -l)" = "$(wc -l <vocab/target.vocab)" ] ||
  fail "target.vocab repeats a token"
for letter in a b c d e f g h; do grep -qx "$letter" vocab/target.vocab || fail "no '$letter'"; done

# --- rewriting in the current version ------------------------------------------------------
run a.attn -o rewritten.attn
[ "$code" = 0 ] || fail "rewrite exit $code: $err"
expect_in "$err" "(format 1.0)"
cmp -s a.attn rewritten.attn || fail "a current-version checkpoint does not rewrite to itself"
# A file of an architecture this build does not know still rewrites: the rewrite is the container's.
run "$source/tests/data/formats/v1/tiny.attn" -o tiny.attn
[ "$code" = 0 ] || fail "rewriting the v1 golden tiny.attn exit $code: $err"
# Not byte for byte: the writer's metadata classes may be newer (TrainingState gained
# run_options), so the archive text differs by a class version; all it says is the same.
"$build/attn-inspect" --json "$source/tests/data/formats/v1/tiny.attn" >golden.json
"$build/attn-inspect" --json tiny.attn >rewritten.json
python3 - golden.json rewritten.json <<'PY' || fail "tiny.attn changed on rewrite"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
for d in (a, b):
    d.pop("path"); d.pop("metadata_text")
assert a == b, (a, b)
PY
cmp -s <("$build/attn-inspect" --tensors "$source/tests/data/formats/v1/tiny.attn") \
  <("$build/attn-inspect" --tensors tiny.attn) || fail "tiny.attn's tensors changed on rewrite"

# --- bad input -------------------------------------------------------------------------------
expect_refusal "missing.attn" missing.attn --to npz -o x.npz
expect_refusal "--to must be attn, safetensors or npz" a.attn --to onnx -o x.onnx
expect_refusal "nothing to write" a.attn
expect_refusal "--average needs at least two files" --average a.attn -o x.attn
expect_refusal "cannot average with a.attn" --average a.attn wide.attn -o x.attn
expect_refusal "config d_model=16, not 8" --average a.attn wide.attn -o x.attn
expect_refusal "one input model file" a.attn b.attn -o x.attn
expect_refusal "not a token id" a.attn --forward-src "1 2 99999" --forward-tgt "2"
head -c 3000 a.attn >truncated.attn
expect_refusal "truncated.attn" truncated.attn --to safetensors -o x.safetensors
[ ! -e x.safetensors ] && [ ! -e x.attn ] && [ ! -e x.npz ] || fail "a refused export left a file"
ls -A | grep -q '\.tmp\.' && fail "a temporary file was left behind"

echo "attn-export: safetensors, npz, strip, average, vocab, rewrite, stdout and refusals OK"
