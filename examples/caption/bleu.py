#!/usr/bin/env python3
"""Corpus BLEU-4 (Papineni et al. 2002) of a hypothesis file against one reference file,
whitespace tokens, one sentence a line, with the brevity penalty; printed as a percentage.

    python3 bleu.py references.txt hypotheses.txt
"""
import math
import sys
from collections import Counter


def ngrams(words, n):
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def main():
    with open(sys.argv[1]) as f:
        references = [line.split() for line in f]
    with open(sys.argv[2]) as f:
        hypotheses = [line.split() for line in f]
    if len(references) != len(hypotheses):
        raise SystemExit(f"{len(hypotheses)} hypotheses for {len(references)} references")
    matches, totals = [0] * 4, [0] * 4
    for ref, hyp in zip(references, hypotheses):
        for n in range(1, 5):
            h, r = ngrams(hyp, n), ngrams(ref, n)
            matches[n - 1] += sum(min(c, r[g]) for g, c in h.items())
            totals[n - 1] += max(len(hyp) - n + 1, 0)
    if min(matches) == 0:
        print("BLEU: 0.00")
        return
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / 4
    hyp_length = sum(len(h) for h in hypotheses)
    ref_length = sum(len(r) for r in references)
    brevity = min(0.0, 1 - ref_length / hyp_length)
    print(f"BLEU: {100 * math.exp(log_precision + brevity):.2f}")


if __name__ == "__main__":
    main()
