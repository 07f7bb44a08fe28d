#!/usr/bin/env bash
# attn-train -> attn-decode -> attn-inspect on tiny data: the file is written and sound, and
# attn-decode answers line i with line i in every output mode (beam sizes, n-best,
# alignments, scores, files, mini-batches, attention JSON), for words, characters and
# SentencePiece.
# shellcheck source-path=SCRIPTDIR source=lib/tools.bash
source "$(dirname "$0")/lib/tools.bash" "$@"

make_reversal_data train.tsv 40
FAST=(--lr 0.01 --lr-schedule constant --warmup 0 --batch-tokens 64 --max-steps 100)
"$ATTN_TRAIN" --train train.tsv "${TINY[@]}" "${FAST[@]}" --save model.attn
[[ -s model.attn ]] || fail "attn-train wrote no model.attn"
[[ -s model.best.attn ]] || fail "attn-train wrote no model.best.attn"
"$ATTN_INSPECT" --verify model.attn model.best.attn >/dev/null || fail "attn-inspect --verify"
"$ATTN_INSPECT" model.attn | grep transformer >/dev/null || fail "attn-inspect names no architecture"

# Line 2 is empty; the last line has no newline and is answered all the same.
printf 'a b c\n\nd e f g\nh a\nb c d e' >input.txt
inputs=5

check_one_line_per_input() {  # output file, what ran
  local lines
  lines=$(line_count "$1")
  [[ $lines -eq $inputs ]] || fail "$2: $lines output lines for $inputs input lines"
  [[ -z $(sed -n 2p "$1") ]] || fail "$2: empty input line 2 answered with '$(sed -n 2p "$1")'"
  local i
  for i in 1 3 4 5; do
    [[ -n $(sed -n "${i}p" "$1") ]] || fail "$2: input line $i got an empty answer"
  done
}

for beam in 1 4; do
  "$ATTN_DECODE" -m model.attn --beam-size "$beam" <input.txt >out.b$beam.txt
  check_one_line_per_input out.b$beam.txt "--beam-size $beam"
  # Batching must not change what a sentence decodes to (padding, masks, finished rows).
  "$ATTN_DECODE" -m model.attn --beam-size "$beam" --mini-batch 1 <input.txt >single.txt
  cmp -s out.b$beam.txt single.txt || fail "--beam-size $beam: --mini-batch 1 differs from 16"
done

# --input/--output files give what stdin/stdout give.
"$ATTN_DECODE" -m model.attn -b 4 --input input.txt --output out.file.txt
cmp -s out.b4.txt out.file.txt || fail "--input/--output differ from stdin/stdout"

# No input, no output.
"$ATTN_DECODE" -m model.attn </dev/null >out.none.txt
[[ ! -s out.none.txt ]] || fail "empty input produced output"

# n-best: three "i ||| hypothesis ||| F0= sum ||| total" lines per non-empty input (Marian's
# format), best total first; the empty
# input line still answers with one empty line.
"$ATTN_DECODE" -m model.attn -b 4 --n-best 3 <input.txt >nbest.txt
python3 - nbest.txt out.b4.txt <<'PY' || fail "--n-best 3: $(cat nbest.txt)"
import re, sys
lines = open(sys.argv[1]).read().split("\n")[:-1]
best = open(sys.argv[2]).read().split("\n")
assert lines.count("") == 1, "the empty input line is not answered by one empty line"
groups = {}
for line in filter(None, lines):
    match = re.fullmatch(r"(\d+) \|\|\| (.*) \|\|\| F0= (\S+) \|\|\| (\S+)", line)
    assert match, f"not 'i ||| hypothesis ||| F0= sum ||| total': {line!r}"
    f0, total = float(match[3]), float(match[4])
    assert f0 <= total <= 0, f"a total {total} is the sum {f0} over (length + 1)^0.6"
    groups.setdefault(int(match[1]), []).append((match[2], total))
assert sorted(groups) == [0, 2, 3, 4], f"answered lines {sorted(groups)}"
for i, hyps in groups.items():
    assert len(hyps) == 3, f"line {i}: {len(hyps)} hypotheses"
    scores = [score for _, score in hyps]
    assert scores == sorted(scores, reverse=True), f"line {i}: not best first: {scores}"
    assert hyps[0][0] == best[i], f"line {i}: first hypothesis {hyps[0][0]!r}, 1-best {best[i]!r}"
PY

# Hard alignments: "text ||| i-j ..." with i a source word and j an output word.
"$ATTN_DECODE" -m model.attn -b 4 --alignment hard <input.txt >align.txt
python3 - input.txt align.txt <<'PY' || fail "--alignment hard: $(cat align.txt)"
import re, sys
sources = open(sys.argv[1]).read().split("\n")
answers = open(sys.argv[2]).read().split("\n")[:-1]
assert len(answers) == 5, f"{len(answers)} answers"
for source, answer in zip(sources, answers):
    if not source:
        assert answer == "", f"empty input answered {answer!r}"
        continue
    text, pairs = answer.split(" ||| ")
    assert pairs, f"no alignment: {answer!r}"
    for pair in pairs.split(" "):
        assert re.fullmatch(r"\d+-\d+", pair), f"not i-j: {pair!r}"
        i, j = map(int, pair.split("-"))
        assert i < len(source.split()) and j < len(text.split()), f"{pair} out of range: {answer!r}"
PY
sed 's/ |||.*//' align.txt | cmp -s - out.b4.txt || fail "--alignment changed the outputs"

# --scores: "score<TAB>text", the text as without --scores.
"$ATTN_DECODE" -m model.attn -b 4 --scores <input.txt >scores.txt
[[ $(line_count scores.txt) -eq $inputs ]] || fail "--scores: wrong line count"
grep -v '^$' scores.txt | grep -vqE $'^-?[0-9]+\\.[0-9]+\t' && fail "--scores: $(cat scores.txt)"
grep -v '^$' scores.txt | cut -f2- | cmp -s - <(grep -v '^$' out.b4.txt) ||
  fail "--scores changed the outputs"

# Attention JSON: one object per non-empty input line, rows = output tokens, columns =
# source tokens, each row a distribution.
"$ATTN_DECODE" -m model.attn -b 4 --attention-json attention.jsonl <input.txt >/dev/null
python3 - attention.jsonl <<'PY' || fail "--attention-json: $(cat attention.jsonl)"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
assert [r["line"] for r in records] == [0, 2, 3, 4], [r["line"] for r in records]
for r in records:
    assert len(r["attention"]) == len(r["output"]), r
    for row in r["attention"]:
        assert len(row) == len(r["source"]), r
        assert abs(sum(row) - 1) < 1e-3, row
    # Every layer and head (TINY: 1 + 1 layers, 2 heads), rows and columns as documented:
    # decoder rows are the output + </s>, decoder self-attention columns <s> + the output.
    S, T = len(r["source"]), len(r["output"]) + 1
    shapes = {name: (len(m), len(m[0]), len(m[0][0])) for name, m in r["layers"].items()}
    assert shapes == {"encoder.layers.0.self_attn": (2, S, S),
                      "decoder.layers.0.self_attn": (2, T, T),
                      "decoder.layers.0.encoder_attn": (2, T, S)}, shapes
    for m in r["layers"].values():
        for head in m:
            for row in head:
                assert abs(sum(row) - 1) < 1e-4, row
    causal = r["layers"]["decoder.layers.0.self_attn"]
    assert all(causal[h][t][u] == 0 for h in range(2) for t in range(T) for u in range(t + 1, T))
    # The search's matrix is the last layer's cross-attention averaged over the heads.
    cross = r["layers"]["decoder.layers.0.encoder_attn"]
    for t, row in enumerate(r["attention"]):
        for j, w in enumerate(row):
            assert abs(w - (cross[0][t][j] + cross[1][t][j]) / 2) < 1e-4, (t, j, w)
PY

# Characters and SentencePiece: trained from the raw text, decoded back to raw text (spaces,
# not "▁" pieces).
"$ATTN_TRAIN" --train train.tsv "${TINY[@]}" "${FAST[@]}" --tokens chars --save chars.attn
"$ATTN_TRAIN" --train train.tsv "${TINY[@]}" "${FAST[@]}" --tokens spm --spm-vocab-size 40 \
  --save spm.attn
for model in chars spm; do
  "$ATTN_DECODE" -m $model.attn -b 4 <input.txt >out.$model.txt
  check_one_line_per_input out.$model.txt "--tokens $model"
  grep -q '▁' out.$model.txt && fail "--tokens $model: pieces in the output"
  grep -q ' ' out.$model.txt || fail "--tokens $model: no spaces in the output"
  # CRLF lines and a byte-order mark are read as training read them: not as characters.
  { printf '\xef\xbb\xbf'; sed 's/$/\r/' input.txt; } |
    "$ATTN_DECODE" -m $model.attn -b 4 >out.$model.crlf.txt
  cmp -s out.$model.txt out.$model.crlf.txt ||
    fail "--tokens $model: CRLF input decodes differently: $(cat out.$model.crlf.txt)"
done
"$ATTN_INSPECT" spm.attn | grep -i spm >/dev/null || fail "attn-inspect: spm.attn does not say spm"

# The RNN encoder-decoder goes through the same tools (its own config keys, no "tokens").
"$ATTN_TRAIN" --model rnn --preset tiny --threads 1 --quiet --train train.tsv "${FAST[@]}" \
  --save rnn.attn
"$ATTN_DECODE" -m rnn.attn -b 4 <input.txt >out.rnn.txt
check_one_line_per_input out.rnn.txt "--model rnn"
# Every scorer and scope under the spelling the README gives (a few steps each: the flags
# are the point here; training is covered by the unit tests' overfit table).
for flags in "--attention scaled-dot --attention-scope local-p --window 2" \
             "--attention general --attention-scope local-m --window 2" \
             "--attention cosine --attention-scope monotonic" "--attention location --attention-scope hard" \
             "--attention dot --attention-scope global" "--attention concat --attention-scope global"; do
  # shellcheck disable=SC2086  # the flags are several words
  "$ATTN_TRAIN" --model rnn --preset tiny --threads 1 --quiet --train train.tsv \
    --lr-schedule constant --warmup 0 --batch-tokens 64 --max-steps 3 $flags --save flags.attn ||
    fail "attn-train $flags"
  read -r -a words <<<"$flags"
  "$ATTN_INSPECT" flags.attn | grep -F "attention_scope=${words[3]} " >/dev/null ||
    fail "attn-inspect does not show attention_scope=${words[3]} for $flags"
  "$ATTN_DECODE" -m flags.attn -b 2 <input.txt >out.flags.txt || fail "attn-decode $flags"
done
echo "train_decode: OK"
