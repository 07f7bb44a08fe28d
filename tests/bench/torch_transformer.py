#!/usr/bin/env python3
"""PyTorch baseline for attn's end-to-end benchmarks: the same Transformer, the same work.

    python3 tests/bench/torch_transformer.py --mode train --steps 20 --threads 2
        -> "target tokens/s: X"
    python3 tests/bench/torch_transformer.py --mode decode --threads 2
        -> "decode batch=B beam=K: sentences/s: X tokens/s: Y" for greedy and beam 5 at
           batch 1 and 32 (or only --batch / --beam when given), then "peak RSS MiB: Z"

The model is docs/attn_reference.py's AttnTransformer, which mirrors attn's layer for
layer (separate q/k/v projections, post-norm, ReLU, sinusoidal positions, embeddings times
sqrt(D), output tied to the target embedding), so both sides do the same arithmetic.
Training: random tokens (ids 4..V-1, no padding) B x S -> B x T, label smoothing 0.1, global
gradient norm clipped to 1 (attn-train's default), Adam (0.9, 0.98, 1e-9); two warm-up steps
are not timed. Decoding: T tokens generated for each
sentence, no early stop, self-attention keys/values cached, cross-attention keys/values
computed once per source; each step ends in log-softmax as attn's does.
"""

import argparse
import os
import resource
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs"))
import attn_reference  # noqa: E402  (path set just above)

BOS_ID = 2
FIRST_WORD_ID = 4  # 0 pad, 1 unk, 2 bos, 3 eos


# attn's presets (TransformerConfig::preset): width, heads, feed-forward, layers a side.
PRESETS = {"small": (256, 4, 1024, 3), "base": (512, 8, 2048, 6)}


def model_config(preset, vocab):
    d_model, heads, ffn, layers = PRESETS[preset]
    return dict(src_vocab=vocab, tgt_vocab=vocab, d_model=d_model, heads=heads, ffn=ffn,
                encoder_layers=layers, decoder_layers=layers, dropout=0.1, pre_norm=False,
                tie_output=True, shared_vocab=False)


def build_model(preset, vocab):
    torch.manual_seed(1)
    model = attn_reference.AttnTransformer(model_config(preset, vocab))
    with torch.no_grad():  # attn's init: embeddings N(0, D^-1/2); Linear layers keep xavier-like scale
        for name, p in model.named_parameters():
            if name.endswith("embed_tokens.weight"):
                p.normal_(0.0, model.config["d_model"] ** -0.5)
    return model


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def random_tokens(rows, length, vocab, generator):
    return torch.randint(FIRST_WORD_ID, vocab, (rows, length), generator=generator)


def train(args):
    model = build_model(args.preset, args.vocab).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.98), eps=1e-9)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=attn_reference.PAD_ID)
    generator = torch.Generator().manual_seed(7)
    warmup = 2
    start, loss = None, None
    for step in range(warmup + args.steps):
        if step == warmup:
            start = time.perf_counter()
        src = random_tokens(args.batch, args.src_len, args.vocab, generator)
        tgt = random_tokens(args.batch, args.tgt_len + 1, args.vocab, generator)
        tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
        logits = model(src, tgt_in)
        loss = criterion(logits.reshape(-1, args.vocab), tgt_out.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # attn-train's default --clip-norm
        optimizer.step()
    elapsed = time.perf_counter() - start
    tokens = args.steps * args.batch * args.tgt_len
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {args.steps} steps of "
          f"{args.batch}x{args.src_len} -> {args.batch}x{args.tgt_len}, loss {loss.item():.3f}, "
          f"{elapsed / args.steps * 1000:.1f} ms/step")
    print(f"peak RSS MiB: {peak_rss_mib():.0f}")
    print(f"target tokens/s: {tokens / elapsed:.1f}")


def greedy(model, src, length):
    state = model.start_decoding(src, max_len=length)
    tokens = torch.full((src.shape[0],), BOS_ID, dtype=torch.long)
    out = []
    for _ in range(length):
        log_probs = torch.log_softmax(model.decode_step(state, tokens), -1)
        tokens = log_probs.argmax(-1)
        out.append(tokens)
    return torch.stack(out, 1)


def beam_search(model, src, length, beam):
    batch, vocab = src.shape[0], model.config["tgt_vocab"]
    state = model.start_decoding(src, max_len=length, repeat=beam)
    # Only the first beam of each sentence is live at the start, so the K beams differ.
    scores = torch.full((batch, beam), float("-inf"))
    scores[:, 0] = 0.0
    tokens = torch.full((batch * beam,), BOS_ID, dtype=torch.long)
    history = torch.empty(batch * beam, 0, dtype=torch.long)
    base = (torch.arange(batch) * beam)[:, None]
    for _ in range(length):
        log_probs = torch.log_softmax(model.decode_step(state, tokens), -1)
        total = (scores[:, :, None] + log_probs.view(batch, beam, vocab)).view(batch, beam * vocab)
        scores, flat = total.topk(beam, dim=-1)
        rows = (base + torch.div(flat, vocab, rounding_mode="floor")).view(-1)
        tokens = (flat % vocab).view(-1)
        # Beams move only within their sentence, so the source's cross-attention K/V rows stay.
        state.reorder(rows, same_sources=True)
        history = torch.cat([history.index_select(0, rows), tokens[:, None]], 1)
    best = scores.argmax(-1)
    return history.view(batch, beam, length)[torch.arange(batch), best]


def decode(args):
    model = build_model(args.preset, args.vocab).eval()
    generator = torch.Generator().manual_seed(7)
    batches = [args.batch] if args.batch else [1, 32]
    beams = [args.beam] if args.beam else [1, 5]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, {args.src_len} source tokens, "
          f"{args.tgt_len} generated, KV cache")
    with torch.inference_mode():
        for batch in batches:
            for beam in beams:
                def run_once():
                    src = random_tokens(batch, args.src_len, args.vocab, generator)
                    if beam == 1:
                        return greedy(model, src, args.tgt_len)
                    return beam_search(model, src, args.tgt_len, beam)

                out = run_once()  # warm-up, not timed
                assert out.shape == (batch, args.tgt_len)
                sentences, start = 0, time.perf_counter()
                while sentences == 0 or time.perf_counter() - start < args.seconds:
                    run_once()
                    sentences += batch
                elapsed = time.perf_counter() - start
                print(f"decode batch={batch} beam={beam}: sentences/s: {sentences / elapsed:.2f} "
                      f"tokens/s: {sentences * args.tgt_len / elapsed:.1f}", flush=True)
    print(f"peak RSS MiB: {peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["train", "decode"], default="train")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps (after 2 warm-up steps)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--batch", type=int, default=None, help="sentences a batch (train default 64; "
                        "decode default: both 1 and 32)")
    parser.add_argument("--beam", type=int, default=None, help="decode beam size (default: both 1 = greedy and 5)")
    parser.add_argument("--src-len", type=int, default=30)
    parser.add_argument("--tgt-len", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=3.0, help="decode: time each configuration at least this long")
    args = parser.parse_args()
    if args.vocab <= FIRST_WORD_ID:
        parser.error(f"--vocab must exceed {FIRST_WORD_ID} (ids below are pad/unk/bos/eos)")
    torch.set_num_threads(args.threads)
    if args.mode == "train":
        args.batch = args.batch or 64
        train(args)
    else:
        decode(args)


if __name__ == "__main__":
    main()
