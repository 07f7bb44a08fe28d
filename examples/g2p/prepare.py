#!/usr/bin/env python3
"""CMU Pronouncing Dictionary -> grapheme-to-phoneme pairs, split train/dev/test by word.

Reads the copy Debian's pocketsphinx-en-us ships (cmudict-en-us.dict: "word PH ON ES", no
stress marks, alternates as "word(2)"). Keeps each word's first pronunciation and only words
of letters and apostrophes, so the task matches the usual CMUdict g2p setup. The split is
seeded and by word, so no test word is seen in training.
"""
import argparse
import random
import re

DEFAULT_DICT = "/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dict", default=DEFAULT_DICT)
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dev", type=int, default=1000)
    parser.add_argument("--test", type=int, default=5000)
    parser.add_argument("--train-limit", type=int, default=0, help="keep at most this many training words (0 = all)")
    args = parser.parse_args()

    pronunciations = {}
    with open(args.dict, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word, phones = parts[0], parts[1:]
            if "(" in word or not re.fullmatch(r"[a-z']+", word):
                continue
            pronunciations.setdefault(word, phones)

    words = sorted(pronunciations)
    random.Random(args.seed).shuffle(words)
    test, dev, train = words[: args.test], words[args.test : args.test + args.dev], words[args.test + args.dev :]
    if args.train_limit:
        train = train[: args.train_limit]
    for name, subset in (("train", train), ("dev", dev), ("test", test)):
        with open(f"{args.out}/{name}.tsv", "w", encoding="utf-8") as out:
            for word in subset:
                out.write(" ".join(word) + "\t" + " ".join(pronunciations[word]) + "\n")
    print(f"g2p: {len(train)} train, {len(dev)} dev, {len(test)} test words")


if __name__ == "__main__":
    main()
