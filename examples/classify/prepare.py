#!/usr/bin/env python3
"""Topic classification data from Debian's `fortunes` package: the quotations of
/usr/share/games/fortunes are filed by topic (one file a topic, entries between '%' lines),
a small real labelled text set. Each line written is "text<TAB>topic", the text lowercased
and split into words and punctuation marks (attn-train's --tokens words splits on spaces).

Seeded, so every run makes the same train (80%), dev (10%) and test (10%) files. Entries
longer than --max-words are left out (a few are whole pages).
"""
import argparse
import os
import random
import re

TOPICS = ["computers", "food", "law", "love", "politics", "science", "sports"]


def entries(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for entry in re.split(r"^%$", text, flags=re.M):
        words = re.findall(r"[a-z0-9']+|[^\sa-z0-9']", entry.lower())
        if words:
            yield " ".join(words)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="directory for train.tsv, dev.tsv, test.tsv")
    parser.add_argument("--fortunes", default="/usr/share/games/fortunes")
    parser.add_argument("--topics", default=",".join(TOPICS))
    parser.add_argument("--max-words", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    pairs = []
    for topic in args.topics.split(","):
        path = os.path.join(args.fortunes, topic)
        if not os.path.exists(path):
            raise SystemExit(f"{path} not found: install Debian's fortunes package "
                             "(apt-get install fortunes)")
        pairs += [(text, topic) for text in entries(path)
                  if len(text.split()) <= args.max_words]
    pairs = sorted(set(pairs))  # the same quotation filed twice under one topic counts once
    random.Random(args.seed).shuffle(pairs)
    dev = test = len(pairs) // 10
    splits = {"dev": pairs[:dev], "test": pairs[dev:dev + test], "train": pairs[dev + test:]}
    for name, rows in splits.items():
        with open(os.path.join(args.out, f"{name}.tsv"), "w", encoding="utf-8") as out:
            for text, topic in rows:
                out.write(f"{text}\t{topic}\n")


if __name__ == "__main__":
    main()
