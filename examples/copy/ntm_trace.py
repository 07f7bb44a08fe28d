#!/usr/bin/env python3
"""Replays a trained `attn-train --model ntm` machine on one input, in plain Python from its
exported weights, and draws the write and read weightings over time as an SVG, like Graves
et al. 2014's Fig. 6: write weightings through the input phase (left panel), read weightings
through the output phase (right panel), one column per step, one row per memory slot.

attn-decode only reports the read weighting over the first S slots (its attention is
[output token][source position]), and never the writes, so this script recomputes the whole
run independently: same equations, float64, greedy. It checks itself against attn-decode:
the output tokens must agree and, given --attention-json, so must the read weightings.

    attn-export model.attn --to safetensors -o model.safetensors
    attn-export model.attn --vocab vocab
    python3 ntm_trace.py model.safetensors vocab "t3 t1 t4" -o trace.svg \
        [--attention-json decode.jsonl --line 0]
"""
import argparse
import json
import math
import struct
import sys
from array import array


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    meta = header.pop("__metadata__")
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        values = array("f")
        values.frombytes(data[8 + size + begin : 8 + size + end])
        shape = info["shape"]
        if len(shape) == 2:  # rows of a [out, in] matrix
            cols = shape[1]
            tensors[name] = [list(values[r * cols : (r + 1) * cols]) for r in range(shape[0])]
        else:
            tensors[name] = list(values)
    return meta, tensors


def linear(weight, bias, x):
    return [sum(w * v for w, v in zip(row, x)) + (bias[i] if bias else 0.0) for i, row in enumerate(weight)]


def sigmoid(v):
    return 1.0 / (1.0 + math.exp(-v))


def softplus(v):
    return max(v, 0.0) + math.log1p(math.exp(-abs(v)))


def softmax(xs):
    top = max(xs)
    e = [math.exp(x - top) for x in xs]
    total = sum(e)
    return [v / total for v in e]


def cosine(a, b, eps=1e-8):
    dot = sum(x * y for x, y in zip(a, b))
    na = max(math.sqrt(sum(x * x for x in a)), eps)
    nb = max(math.sqrt(sum(y * y for y in b)), eps)
    return dot / (na * nb)


class Machine:
    """The equations of libattn/attention/ntm_memory.h and libattn/models/ntm.h."""

    def __init__(self, meta, tensors):
        self.t = tensors
        self.kind = meta["controller"]
        self.n = int(meta["memory_slots"])
        self.m = int(meta["memory_width"])
        self.reads_n = int(meta["read_heads"])
        self.writes_n = int(meta["write_heads"])
        self.radius = int(meta["shift_range"])
        self.hidden = int(meta["controller_size"])
        self.memory = [[1e-6] * self.m for _ in range(self.n)]
        first = [1.0] + [0.0] * (self.n - 1)
        self.read_w = [list(first) for _ in range(self.reads_n)]
        self.write_w = [list(first) for _ in range(self.writes_n)]
        self.reads = [0.0] * (self.reads_n * self.m)
        self.h = [0.0] * self.hidden
        self.c = [0.0] * self.hidden

    def head(self, name, write, h, previous):
        p = linear(self.t[name + ".weight"], self.t[name + ".bias"], h)
        m, shifts = self.m, 2 * self.radius + 1
        key, beta, gate = p[:m], softplus(p[m]), sigmoid(p[m + 1])
        shift = softmax(p[m + 2 : m + 2 + shifts])
        gamma = 1.0 + softplus(p[m + 2 + shifts])
        rest = p[m + 3 + shifts :]
        content = softmax([beta * cosine(key, row) for row in self.memory])
        gated = [gate * c + (1 - gate) * w for c, w in zip(content, previous)]
        shifted = [
            sum(shift[k] * gated[(i - (k - self.radius)) % self.n] for k in range(shifts))
            for i in range(self.n)
        ]
        sharp = softmax([gamma * math.log(w + 1e-6) for w in shifted])
        erase = [sigmoid(v) for v in rest[:m]] if write else None
        add = [math.tanh(v) for v in rest[m:]] if write else None
        return sharp, erase, add

    def step(self, embedding):
        x = embedding + self.reads
        if self.kind == "feedforward":
            h = [math.tanh(v) for v in linear(self.t["controller.weight"], self.t["controller.bias"], x)]
        else:
            ih = linear(self.t["controller.weight_ih_l0"], self.t["controller.bias_ih_l0"], x)
            hh = linear(self.t["controller.weight_hh_l0"], self.t["controller.bias_hh_l0"], self.h)
            H = self.hidden
            if self.kind == "lstm":  # PyTorch gate order i, f, g, o
                gates = [a + b for a, b in zip(ih, hh)]
                i, f, g, o = gates[:H], gates[H : 2 * H], gates[2 * H : 3 * H], gates[3 * H :]
                self.c = [sigmoid(fv) * cv + sigmoid(iv) * math.tanh(gv) for iv, fv, gv, cv in zip(i, f, g, self.c)]
                h = self.h = [sigmoid(ov) * math.tanh(cv) for ov, cv in zip(o, self.c)]
            else:  # GRU, PyTorch gate order r, z, n; r scales the recurrent part, bias included
                r = [sigmoid(a + b) for a, b in zip(ih[:H], hh[:H])]
                z = [sigmoid(a + b) for a, b in zip(ih[H : 2 * H], hh[H : 2 * H])]
                n = [math.tanh(a + rv * b) for a, rv, b in zip(ih[2 * H :], r, hh[2 * H :])]
                h = self.h = [nv + zv * (hv - nv) for nv, zv, hv in zip(n, z, self.h)]
        writes = []
        for j in range(self.writes_n):
            w, e, a = self.head(f"heads.write.{j}", True, h, self.write_w[j])
            self.write_w[j] = w
            writes.append((w, e, a))
        for j in range(self.reads_n):
            self.read_w[j] = self.head(f"heads.read.{j}", False, h, self.read_w[j])[0]
        for i in range(self.n):  # erase every head, then add every head
            row = self.memory[i]
            for w, e, _ in writes:
                row = [v * (1 - w[i] * ev) for v, ev in zip(row, e)]
            for w, _, a in writes:
                row = [v + w[i] * av for v, av in zip(row, a)]
            self.memory[i] = row
        self.reads = []
        for w in self.read_w:
            self.reads += [sum(w[i] * self.memory[i][k] for i in range(self.n)) for k in range(self.m)]
        return linear(self.t["output_projection.weight"], self.t["output_projection.bias"], h + self.reads)


def svg(write_columns, read_columns, source, output, path):
    cell, gap = 4, 40
    slots = len(write_columns[0])
    left, top = 40, 36
    width = max(560, left + (len(write_columns) + len(read_columns)) * cell + gap + 20)
    height = top + slots * cell + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="10">']
    out.append(f'<text x="{left}" y="14">NTM weightings: memory slot down, step across</text>')

    def panel(columns, x0, title):
        out.append(f'<text x="{x0}" y="30">{title}</text>')
        for t, column in enumerate(columns):
            for i, w in enumerate(column):
                if w < 0.01:
                    continue
                shade = round(255 * (1 - min(1.0, w)))
                out.append(f'<rect x="{x0 + t * cell}" y="{top + i * cell}" width="{cell}" '
                           f'height="{cell}" fill="rgb({shade},{shade},{shade})"/>')
        out.append(f'<rect x="{x0}" y="{top}" width="{len(columns) * cell}" height="{slots * cell}" '
                   f'fill="none" stroke="#888"/>')

    panel(write_columns, left, "writes (input)")
    panel(read_columns, left + len(write_columns) * cell + gap, "reads (output)")
    for i in range(0, slots, 16):
        out.append(f'<text x="4" y="{top + i * cell + 8}">{i}</text>')
    out.append(f'<text x="{left}" y="{top + slots * cell + 16}">in: {" ".join(source)[:120]}</text>')
    out.append(f'<text x="{left}" y="{top + slots * cell + 30}">out: {" ".join(output)[:120]}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("safetensors")
    parser.add_argument("vocab_dir", help="attn-export --vocab output (source.vocab, target.vocab)")
    parser.add_argument("source", help="one input line, tokens separated by spaces")
    parser.add_argument("-o", "--output", required=True, help="SVG to write")
    parser.add_argument("--attention-json", help="attn-decode --attention-json output to check against")
    parser.add_argument("--line", type=int, default=0, help="which record of --attention-json")
    args = parser.parse_args()

    meta, tensors = load_safetensors(args.safetensors)
    if meta.get("architecture") != "ntm":
        sys.exit("ntm_trace.py: not an NTM model")
    source_vocab = open(f"{args.vocab_dir}/source.vocab").read().split("\n")
    target_vocab = [t for t in open(f"{args.vocab_dir}/target.vocab").read().split("\n") if t]
    source_ids = {t: i for i, t in enumerate(source_vocab) if t}
    tokens = args.source.split()
    machine = Machine(meta, tensors)
    writes = []
    for token in tokens:
        machine.step(tensors["encoder.embed_tokens.weight"][source_ids.get(token, 1)])
        writes.append(list(machine.write_w[0]))
    output, reads, previous = [], [], 2  # BOS
    # --output-feed none: after the delimiter (BOS) the controller is fed a zero vector.
    blank = meta.get("output_feed") == "none"
    embed = tensors["decoder.embed_tokens.weight"]
    for step in range(3 * len(tokens)):  # attn-decode's default --max-length-factor
        logits = machine.step([0.0] * len(embed[0]) if blank and step > 0 else embed[previous])
        reads.append(list(machine.read_w[0]))
        previous = max(range(len(logits)), key=lambda v: logits[v])
        if previous == 3:  # EOS
            break
        output.append(target_vocab[previous])
    svg(writes, reads, tokens, output, args.output)
    print(" ".join(output), flush=True)
    if args.attention_json:
        records = [json.loads(line) for line in open(args.attention_json) if line.strip()]
        record = next(r for r in records if r["line"] == args.line)
        if record["output"] != output:
            sys.exit(f"ntm_trace.py: replay gives '{' '.join(output)}', attn-decode "
                     f"'{' '.join(record['output'])}'")
        worst = max(abs(a - b) for row, mine in zip(record["attention"], reads) for a, b in zip(row, mine))
        if worst > 1e-3:
            sys.exit(f"ntm_trace.py: read weightings differ from attn-decode's by {worst:.2e}")
        print(f"ntm_trace.py: matches attn-decode (outputs equal, read weightings within {worst:.1e})",
              file=sys.stderr)


if __name__ == "__main__":
    main()
