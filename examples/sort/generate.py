#!/usr/bin/env python3
"""Sorting data for the pointer network: each line is "x1 x2 ... xn<TAB>p1 p2 ... pn", where
the x are different numbers with two decimals in [0, 1) ("0.31") and the p are the 0-based
positions of the x in increasing order (so "0.31 0.77 0.12" -> "2 0 1").

Seeded, so every run makes the same files: train (n from --min-length to --max-length),
dev (validation during training), test10 (n = 10 exactly) and test15 (n = 15: longer than
anything seen in training, for generalisation). Held-out lines never repeat a training line.
"""
import argparse
import random


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="directory for the .tsv files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-length", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=10)
    parser.add_argument("--train", type=int, default=50000)
    parser.add_argument("--dev", type=int, default=300)
    parser.add_argument("--test", type=int, default=1000)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    numbers = [f"{i / 100:.2f}" for i in range(100)]

    def pair(n):
        values = rng.sample(numbers, n)  # different numbers: the sorted order is unique
        order = sorted(range(n), key=lambda j: values[j])
        return " ".join(values) + "\t" + " ".join(str(j) for j in order)

    seen = set()
    sets = (("train", args.train, None), ("dev", args.dev, None), ("test10", args.test, 10),
            ("test15", args.test, 15))
    for name, count, length in sets:
        with open(f"{args.out}/{name}.tsv", "w") as out:
            written = 0
            while written < count:
                line = pair(length or rng.randint(args.min_length, args.max_length))
                if name != "train" and line in seen:
                    continue
                seen.add(line)
                out.write(line + "\n")
                written += 1


if __name__ == "__main__":
    main()
