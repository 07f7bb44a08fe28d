#!/usr/bin/env python3
"""Corpus BLEU of detokenized text as sacrebleu computes it by default (13a tokenization,
"exp" smoothing), for machines without sacrebleu (Debian 12 does not package it).

    python3 bleu.py REFERENCES HYPOTHESES         one sentence a line in each
"""
import math
import re
import sys
from collections import Counter

# The 13a tokenizer of mteval-v13a.pl, as sacrebleu's tokenizers/tokenizer_13a.py applies it.
_RULES = [
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]


def tokenize_13a(line):
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = (line.replace("&quot;", '"').replace("&amp;", "&")
                .replace("&lt;", "<").replace("&gt;", ">"))
    line = f" {line} "
    for pattern, replacement in _RULES:
        line = pattern.sub(replacement, line)
    return line.split()


def ngrams(tokens, n):
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses, references):
    """0..100. Clipped 1..4-gram precisions summed over the corpus; a precision with no match
    becomes 1 / (2^k total) for the k-th such order; brevity penalty exp(1 - r/c) when c < r."""
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses for {len(references)} references")
    matches, totals = [0] * 4, [0] * 4
    hyp_length = ref_length = 0
    for hypothesis, reference in zip(hypotheses, references):
        h, r = tokenize_13a(hypothesis), tokenize_13a(reference)
        hyp_length += len(h)
        ref_length += len(r)
        for n in range(1, 5):
            h_grams, r_grams = ngrams(h, n), ngrams(r, n)
            matches[n - 1] += sum(min(c, r_grams[g]) for g, c in h_grams.items())
            totals[n - 1] += max(0, len(h) - n + 1)
    if hyp_length == 0 or min(totals) == 0:
        return 0.0
    log_sum, smooth = 0.0, 1.0
    for match, total in zip(matches, totals):
        if match == 0:
            smooth *= 2
            log_sum += math.log(1 / (smooth * total))
        else:
            log_sum += math.log(match / total)
    brevity = 1.0 if hyp_length >= ref_length else math.exp(1 - ref_length / hyp_length)
    return 100 * brevity * math.exp(log_sum / 4)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    refs = open(sys.argv[1], encoding="utf-8").read().splitlines()
    hyps = open(sys.argv[2], encoding="utf-8").read().splitlines()
    print(f"BLEU {corpus_bleu(hyps, refs):.2f}")
