#!/usr/bin/env python3
"""Word error rate and phoneme error rate of g2p output against references.

WER: the fraction of words whose predicted pronunciation is not exactly the reference.
PER: phoneme-level Levenshtein distance summed over words / reference phonemes.
These are the definitions the g2p literature reports (e.g. Yao & Zweig 2015).

    python3 score.py references.txt hypotheses.txt
"""
import sys


def edit_distance(a, b):
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        diagonal, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            diagonal, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, diagonal + (x != y))
    return row[len(b)]


def main():
    refs = open(sys.argv[1], encoding="utf-8").read().splitlines()
    hyps = open(sys.argv[2], encoding="utf-8").read().splitlines()
    if len(refs) != len(hyps):
        sys.exit(f"score.py: {len(refs)} references but {len(hyps)} hypotheses")
    wrong_words = sum(r.split() != h.split() for r, h in zip(refs, hyps))
    edits = sum(edit_distance(r.split(), h.split()) for r, h in zip(refs, hyps))
    phones = sum(len(r.split()) for r in refs)
    print(f"WER {100 * wrong_words / len(refs):.2f}%  PER {100 * edits / phones:.2f}%  ({len(refs)} words)")


if __name__ == "__main__":
    main()
