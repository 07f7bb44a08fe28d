#!/usr/bin/env python3
"""Writes a Marian-format Transformer .npz of a chosen shape, random weights, fixed seed.

Both attn (attn-export --from marian) and CTranslate2 (its Marian converter) import the file,
so the two engines decode exactly the same weights. The tensor names and layouts are the ones
Marian v1.12 writes: before anything is written, the generator is run at the shape of the
fixture tests/data/marian/transformer.npz (d32, 2 heads, FFN 64, 2+2, vocabulary 14,
tied-embeddings-all) and must reproduce that file's names, dtypes and shapes exactly.

    python3 tests/bench/opus_mt_shape.py --shape opus-mt -o DIR   # DIR/model.npz, DIR/vocab.yml
    python3 tests/bench/opus_mt_shape.py --shape small -o DIR     # issue 10's small shape

Shapes: opus-mt (d512, 8 heads, FFN 2048, 6+6, swish, vocabulary 32,000: OPUS-MT's
transformer-align models), base (d512 h8 ff2048 6+6, ReLU, vocabulary 8,000) and small
(d256 h4 ff1024 3+3, ReLU, vocabulary 8,000), the last two as issue 10 measures them. All
post-norm (`dan`), tied-embeddings-all, one shared vocabulary.

The configuration under `special:model.yml` is padded with NUL bytes as Marian 1.12 pads it
(attn strips them; CTranslate2 4.8.1's converter does not: ct2_compare.sh gives it a copy
without them).
"""
import argparse
import os
import sys

import numpy as np

SHAPES = {
    #            d    heads  ffn  enc dec  vocab  activation
    "opus-mt": (512, 8, 2048, 6, 6, 32000, "swish"),
    "base": (512, 8, 2048, 6, 6, 8000, "relu"),
    "small": (256, 4, 1024, 3, 3, 8000, "relu"),
}
FIXTURE_SHAPE = (32, 2, 64, 2, 2, 14, "swish")  # tests/data/marian/transformer.npz

# Marian's whole configuration as v1.12.43 writes it (copied from the fixture's special:model.yml);
# the {placeholders} are the shape.
MODEL_YML = """\
bert-train-type-embeddings: true
bert-type-vocab-size: 2
dec-cell: gru
dec-cell-base-depth: 2
dec-cell-high-depth: 1
dec-depth: {dec}
dim-emb: {d}
dim-rnn: 1024
dim-vocabs:
  - {vocab}
  - {vocab}
enc-cell: gru
enc-cell-depth: 1
enc-depth: {enc}
enc-type: bidirectional
factors-combine: sum
factors-dim-emb: 0
input-types:
  []
layer-normalization: false
lemma-dependency: ""
lemma-dim-emb: 0
output-omit-bias: false
right-left: false
separator-symbol: "[eos]"
skip: false
tied-embeddings: false
tied-embeddings-all: true
tied-embeddings-src: false
transformer-aan-activation: swish
transformer-aan-depth: 2
transformer-aan-nogate: false
transformer-alibi-shift: false
transformer-alibi-trainable: false
transformer-attention-mask: default
transformer-decoder-autoreg: self-attention
transformer-decoder-dim-ffn: 0
transformer-decoder-ffn-depth: 0
transformer-dim-aan: 2048
transformer-dim-ffn: {ffn}
transformer-disable-position-embeddings: false
transformer-ffn-activation: {activation}
transformer-ffn-depth: 2
transformer-guided-alignment-layer: last
transformer-heads: {heads}
transformer-no-affine: false
transformer-no-bias: false
transformer-no-projection: false
transformer-pool: false
transformer-postprocess: dan
transformer-postprocess-emb: d
transformer-postprocess-top: ""
transformer-preprocess: ""
transformer-rnn-projection: false
transformer-tied-layers:
  []
transformer-train-position-embeddings: false
type: transformer
ulr: false
ulr-dim-emb: 0
ulr-trainable-transformation: false
version: v1.12.43 c9f287db 2025-06-23 19:47:45 +0000"""


def tensor_shapes(d, ffn, enc, dec, vocab):
    """Marian's name -> shape for a post-norm Transformer with tied-embeddings-all."""
    shapes = {"Wemb": (vocab, d), "decoder_ff_logit_out_b": (1, vocab)}

    def attention(prefix):
        for p in "qkv":
            shapes[f"{prefix}_W{p}"] = (d, d)  # Marian multiplies x [*, d] by W [d, d]
            shapes[f"{prefix}_b{p}"] = (1, d)
        shapes[f"{prefix}_Wo"] = (d, d)
        shapes[f"{prefix}_bo"] = (1, d)
        shapes[f"{prefix}_Wo_ln_scale"] = (1, d)  # the `n` of `dan` after the block
        shapes[f"{prefix}_Wo_ln_bias"] = (1, d)

    def feed_forward(prefix):
        shapes[f"{prefix}_W1"] = (d, ffn)
        shapes[f"{prefix}_b1"] = (1, ffn)
        shapes[f"{prefix}_W2"] = (ffn, d)
        shapes[f"{prefix}_b2"] = (1, d)
        shapes[f"{prefix}_ffn_ln_scale"] = (1, d)
        shapes[f"{prefix}_ffn_ln_bias"] = (1, d)

    for layer in range(1, enc + 1):
        attention(f"encoder_l{layer}_self")
        feed_forward(f"encoder_l{layer}_ffn")
    for layer in range(1, dec + 1):
        attention(f"decoder_l{layer}_self")
        attention(f"decoder_l{layer}_context")
        feed_forward(f"decoder_l{layer}_ffn")
    return shapes


def check_against_fixture(fixture):
    """The generator at the fixture's shape must give the fixture's names, dtypes and shapes."""
    d, _, ffn, enc, dec, vocab, _ = FIXTURE_SHAPE
    expected = tensor_shapes(d, ffn, enc, dec, vocab)
    with np.load(fixture) as npz:
        found = {name: npz[name] for name in npz.files if name != "special:model.yml"}
    problems = []
    for name in sorted(set(expected) | set(found)):
        if name not in found:
            problems.append(f"{name}: generated, not in the fixture")
        elif name not in expected:
            problems.append(f"{name}: in the fixture, not generated")
        elif found[name].dtype != np.float32 or tuple(found[name].shape) != expected[name]:
            problems.append(f"{name}: fixture {found[name].dtype}{found[name].shape}, generated float32{expected[name]}")
    if problems:
        sys.exit(f"opus_mt_shape.py: names differ from {fixture}:\n  " + "\n  ".join(problems))


def model_yml_array(text):
    """special:model.yml as Marian 1.12 stores it: int8 bytes, NUL-padded."""
    raw = text.encode() + b"\0"
    raw += b"\0" * (-len(raw) % 512)
    return np.frombuffer(raw, dtype=np.int8).copy()


def random_weights(shapes, d, seed, embedding_std=0.3):
    """Weights that keep activations at unit scale: each matrix ~ N(0, 1/fan_in).

    The tied embedding is N(0, 0.3^2) rather than N(0, 1/d): the logits (decoder output,
    layer-normed to unit variance, times the embedding) then have a spread of about
    0.3 * sqrt(d), so the best and second-best token are rarely within float rounding of
    each other and two engines pick the same token. With 0.1, beam 5 still met near ties
    among beam x vocabulary candidates: attn and CTranslate2 agreed on 47 of 64 lines of the
    small shape, against 64 of 64 with 0.3 (greedy: 61 against 64). Biases are small, layer norms are identity.
    """
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in shapes.items():
        if name.endswith("_ln_scale"):
            value = np.ones(shape)
        elif name.endswith("_ln_bias"):
            value = np.zeros(shape)
        elif name == "Wemb":
            value = rng.normal(0.0, embedding_std, shape)
        elif shape[0] == 1:  # a bias
            value = rng.normal(0.0, 0.02, shape)
        else:
            value = rng.normal(0.0, 1.0 / np.sqrt(shape[0]), shape)
        weights[name] = value.astype(np.float32)
    return weights


def write_vocab(path, vocab):
    """Marian's .yml vocabulary: </s> = 0, <unk> = 1, then made-up pieces."""
    with open(path, "w", encoding="utf-8") as out:
        out.write("</s>: 0\n<unk>: 1\n")
        for i in range(2, vocab):
            out.write(f"w{i}: {i}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="opus-mt")
    parser.add_argument("-o", "--output", required=True, help="folder for model.npz and vocab.yml")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--embedding-std", type=float, default=0.3,
                        help="spread of the tied embedding: larger makes the output distributions peakier")
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--fixture", default=os.path.join(here, "..", "data", "marian", "transformer.npz"))
    args = parser.parse_args()

    check_against_fixture(args.fixture)
    d, heads, ffn, enc, dec, vocab, activation = SHAPES[args.shape]
    os.makedirs(args.output, exist_ok=True)
    weights = random_weights(tensor_shapes(d, ffn, enc, dec, vocab), d, args.seed, args.embedding_std)
    text = MODEL_YML.format(d=d, heads=heads, ffn=ffn, enc=enc, dec=dec, vocab=vocab, activation=activation)
    weights["special:model.yml"] = model_yml_array(text)
    np.savez(os.path.join(args.output, "model.npz"), **weights)
    write_vocab(os.path.join(args.output, "vocab.yml"), vocab)
    print(f"{args.output}/model.npz: {args.shape} d{d} h{heads} ff{ffn} {enc}+{dec} {activation} "
          f"vocab {vocab}, {sum(w.size for n, w in weights.items() if n != 'special:model.yml') / 1e6:.1f}M parameters")


if __name__ == "__main__":
    main()
