#!/usr/bin/env python3
"""Copy-task data (Graves et al. 2014, §4.1): each line is "x1 ... xn<TAB>x1 ... xn".

Training and validation sequences have lengths 1-20; two test sets hold sequences of exactly
20 tokens (the longest seen in training) and exactly 40 (twice as long: generalisation to
lengths never trained on). Seeded, so every run makes the same files.
"""
import argparse
import random


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="directory for the .tsv files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--vocab", type=int, default=16, help="distinct tokens")
    parser.add_argument("--max-length", type=int, default=20, help="longest training sequence")
    parser.add_argument("--train", type=int, default=40000)
    parser.add_argument("--dev", type=int, default=200)
    parser.add_argument("--test", type=int, default=200, help="pairs per test length")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    tokens = [f"t{i}" for i in range(args.vocab)]

    def pair(length):
        seq = " ".join(rng.choice(tokens) for _ in range(length))
        return seq + "\t" + seq

    sets = [
        ("train", args.train, lambda: rng.randint(1, args.max_length)),
        ("dev", args.dev, lambda: rng.randint(1, args.max_length)),
        (f"test{args.max_length}", args.test, lambda: args.max_length),
        (f"test{2 * args.max_length}", args.test, lambda: 2 * args.max_length),
    ]
    for name, count, length in sets:
        with open(f"{args.out}/{name}.tsv", "w") as out:
            for _ in range(count):
                out.write(pair(length()) + "\n")


if __name__ == "__main__":
    main()
