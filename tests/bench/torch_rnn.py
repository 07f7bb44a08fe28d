#!/usr/bin/env python3
"""PyTorch baseline for attn's RNN benchmarks: the same RnnSeq2Seq, the same work.

    python3 tests/bench/torch_rnn.py --mode train --steps 5 --threads 2
        -> "target tokens/s: X"
    python3 tests/bench/torch_rnn.py --mode decode --batch 1 --threads 2
        -> "decode batch=B beam=1: sentences/s: X tokens/s: Y", then "peak RSS MiB: Z"

The model mirrors libattn/models/rnn_seq2seq.{h,cc} with the configuration run.sh gives
attn-train (--model rnn --cell gru --attention additive --attention-scope global --hidden H
--embed E --layers 1), everything else at RnnConfig's defaults:
  encoder  embeddings -> bidirectional GRU, H/2 units a direction, memory [B, S, H]
  bridge   "mean": s_0 = tanh(W_b · mean_j memory_j + b_b)
  decoder  x_t = [E y_{t-1}; h~_{t-1}] (input feeding, h~_0 = 0), s_t = GRUCell(x_t, s_{t-1})
  scorer   "concat"/additive: v^T tanh(W1 h_j + W2 s_t + b2); W1 h_j (no bias) once per source
  scope    global: softmax over the source (plus the additive padding mask, zeros here)
  output   h~_t = tanh(W_c [c_t; s_t]) (no bias), logits = W_s dropout(h~_t) + b_s
Dropout 0.3 (RnnConfig's default) acts between stacked layers, of which one layer has none,
and before the output layer. Training: random tokens (ids 4..V-1, no padding), label smoothing
0.1, global gradient norm clipped to 1, Adam (0.9, 0.98, 1e-9); two warm-up steps not timed.
Decoding: greedy, T tokens for each sentence, no early stop, incremental: the recurrent state
is carried and the memory and W1 h are computed once per source; each step ends in
log-softmax as attn's does.
"""

import argparse
import os
import resource
import time

import torch
from torch import nn

PAD_ID, BOS_ID = 0, 2
FIRST_WORD_ID = 4  # 0 pad, 1 unk, 2 bos, 3 eos


class RnnSeq2Seq(nn.Module):
    def __init__(self, vocab, embed, hidden, dropout):
        super().__init__()
        self.hidden, self.dropout = hidden, dropout
        self.src_embedding = nn.Embedding(vocab, embed)
        self.tgt_embedding = nn.Embedding(vocab, embed)
        for table in (self.src_embedding, self.tgt_embedding):  # attn: U(-0.1, 0.1), Luong et al.
            nn.init.uniform_(table.weight, -0.1, 0.1)
        self.encoder = nn.GRU(embed, hidden // 2, num_layers=1, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(hidden, hidden)
        self.decoder = nn.GRUCell(embed + hidden, hidden)  # input feeding widens the input
        self.linear_context = nn.Linear(hidden, hidden, bias=False)  # W1, the memory side
        self.linear_query = nn.Linear(hidden, hidden)  # W2 + b2, the query side
        self.v = nn.Linear(hidden, 1, bias=False)
        self.linear_out = nn.Linear(2 * hidden, hidden, bias=False)  # W_c, Luong eq. 5
        self.output_projection = nn.Linear(hidden, vocab)  # W_s + b_s, Luong eq. 6

    def encode(self, src):
        """src [B, S] -> (memory [B, S, H], keys W1·memory, additive mask [B, S], s_0, h~_0)."""
        memory, _ = self.encoder(self.src_embedding(src))
        keep = (src != PAD_ID).unsqueeze(-1).to(memory.dtype)
        summary = (memory * keep).sum(1) / keep.sum(1).clamp(min=1.0)  # mean over real tokens
        mask = torch.zeros(src.shape, dtype=memory.dtype).masked_fill(src == PAD_ID, float("-inf"))
        state = torch.tanh(self.bridge(summary))
        attentional = memory.new_zeros(src.shape[0], self.hidden)
        return memory, self.linear_context(memory), mask, state, attentional

    def step(self, prev_tokens, memory, keys, mask, state, attentional):
        """One decoder step, the function training and decoding share (as attn's decode_step)."""
        x = torch.cat([self.tgt_embedding(prev_tokens), attentional], -1)
        state = self.decoder(x, state)
        scores = self.v(torch.tanh(keys + self.linear_query(state).unsqueeze(1))).squeeze(-1) + mask
        weights = torch.softmax(scores, -1)  # [B, S]
        context = torch.bmm(weights.unsqueeze(1), memory).squeeze(1)  # [B, H]
        attentional = torch.tanh(self.linear_out(torch.cat([context, state], -1)))
        logits = self.output_projection(nn.functional.dropout(attentional, self.dropout, self.training))
        return logits, state, attentional

    def forward(self, src, tgt_in):
        memory, keys, mask, state, attentional = self.encode(src)
        logits = []
        for t in range(tgt_in.shape[1]):
            out, state, attentional = self.step(tgt_in[:, t], memory, keys, mask, state, attentional)
            logits.append(out)
        return torch.stack(logits, 1)  # [B, T, V]


def build_model(args):
    torch.manual_seed(1)
    return RnnSeq2Seq(args.vocab, args.embed, args.hidden, args.dropout)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def random_tokens(rows, length, vocab, generator):
    return torch.randint(FIRST_WORD_ID, vocab, (rows, length), generator=generator)


def train(args):
    model = build_model(args).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4, betas=(0.9, 0.98), eps=1e-9)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1, ignore_index=PAD_ID)
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
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, RNN GRU H{args.hidden}, "
          f"{args.steps} steps of {args.batch}x{args.src_len} -> {args.batch}x{args.tgt_len}, "
          f"loss {loss.item():.3f}, {elapsed / args.steps * 1000:.1f} ms/step")
    print(f"peak RSS MiB: {peak_rss_mib():.0f}")
    print(f"target tokens/s: {tokens / elapsed:.1f}")


def greedy(model, src, length):
    memory, keys, mask, state, attentional = model.encode(src)
    tokens = torch.full((src.shape[0],), BOS_ID, dtype=torch.long)
    out = []
    for _ in range(length):
        logits, state, attentional = model.step(tokens, memory, keys, mask, state, attentional)
        tokens = torch.log_softmax(logits, -1).argmax(-1)
        out.append(tokens)
    return torch.stack(out, 1)


def decode(args):
    model = build_model(args).eval()
    generator = torch.Generator().manual_seed(7)
    batch = args.batch or 1
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, RNN GRU H{args.hidden}, "
          f"{args.src_len} source tokens, {args.tgt_len} generated, greedy, incremental")
    with torch.inference_mode():
        def run_once():
            return greedy(model, random_tokens(batch, args.src_len, args.vocab, generator), args.tgt_len)

        assert run_once().shape == (batch, args.tgt_len)  # warm-up, not timed
        sentences, start = 0, time.perf_counter()
        while sentences == 0 or time.perf_counter() - start < args.seconds:
            run_once()
            sentences += batch
        elapsed = time.perf_counter() - start
        print(f"decode batch={batch} beam=1: sentences/s: {sentences / elapsed:.2f} "
              f"tokens/s: {sentences * args.tgt_len / elapsed:.1f}", flush=True)
    print(f"peak RSS MiB: {peak_rss_mib():.0f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["train", "decode"], default="train")
    parser.add_argument("--steps", type=int, default=10, help="timed training steps (after 2 warm-up steps)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--embed", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=256, help="decoder width; H/2 per encoder direction")
    parser.add_argument("--dropout", type=float, default=0.3, help="RnnConfig's default")
    parser.add_argument("--batch", type=int, default=None, help="sentences a batch (train default 64, decode 1)")
    parser.add_argument("--src-len", type=int, default=30)
    parser.add_argument("--tgt-len", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=3.0, help="decode: time at least this long")
    args = parser.parse_args()
    if args.vocab <= FIRST_WORD_ID:
        parser.error(f"--vocab must exceed {FIRST_WORD_ID} (ids below are pad/unk/bos/eos)")
    if args.hidden % 2:
        parser.error("--hidden must be even: the bidirectional encoder splits it in two")
    torch.set_num_threads(args.threads)
    if args.mode == "train":
        args.batch = args.batch or 64
        train(args)
    else:
        decode(args)


if __name__ == "__main__":
    main()
