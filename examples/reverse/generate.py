#!/usr/bin/env python3
"""Reversal data: each line is "x1 x2 ... xn<TAB>xn ... x2 x1" over a small token set.

Seeded, so every run makes the same files: train, dev (validation during training) and
test (held out, scored after training).
"""
import argparse
import random


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="directory for train.tsv, dev.tsv, test.tsv")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vocab", type=int, default=20, help="distinct tokens")
    parser.add_argument("--min-length", type=int, default=3)
    parser.add_argument("--max-length", type=int, default=12)
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--dev", type=int, default=300)
    parser.add_argument("--test", type=int, default=500)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    tokens = [f"t{i}" for i in range(args.vocab)]

    def pair():
        n = rng.randint(args.min_length, args.max_length)
        seq = [rng.choice(tokens) for _ in range(n)]
        return " ".join(seq) + "\t" + " ".join(reversed(seq))

    seen = set()
    for name, count in (("train", args.train), ("dev", args.dev), ("test", args.test)):
        with open(f"{args.out}/{name}.tsv", "w") as out:
            written = 0
            while written < count:
                line = pair()
                # Held-out sets never repeat a training pair: the score is generalisation.
                if name != "train" and line in seen:
                    continue
                seen.add(line)
                out.write(line + "\n")
                written += 1


if __name__ == "__main__":
    main()
