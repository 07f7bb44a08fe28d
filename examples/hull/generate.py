#!/usr/bin/env python3
"""Planar convex hull data for the pointer network (Vinyals et al. 2015, section 4.2): each
line is "x1,y1 x2,y2 ... xn,yn<TAB>h1 h2 ... hk", n points drawn uniformly in the unit
square with three decimals, and the 0-based positions of the points on their convex hull,
counter-clockwise, starting from the lowest position (Vinyals et al.'s convention, so every
hull has exactly one right answer). The hull is exact: Andrew's monotone chain in integer
arithmetic on the thousandths. Point sets with a repeated point or three collinear hull
points are drawn again, so no answer is ambiguous.

Seeded, so every run makes the same files: train (n from --min-points to --max-points), dev
(validation during training), test5 and test10 (n = 5 and 10 exactly) and test15 (n = 15:
more points than anything seen in training, for generalisation).
"""
import argparse
import random


def cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points):
    """Positions of the hull vertices, counter-clockwise from the lowest position, or None
    when three hull points are collinear (the answer would depend on a convention)."""
    order = sorted(range(len(points)), key=lambda j: points[j])
    lower, upper = [], []
    for chain, indices in ((lower, order), (upper, reversed(order))):
        for j in indices:
            while len(chain) >= 2 and cross(points[chain[-2]], points[chain[-1]], points[j]) <= 0:
                if cross(points[chain[-2]], points[chain[-1]], points[j]) == 0:
                    return None
                chain.pop()
            chain.append(j)
    hull = lower[:-1] + upper[:-1]
    start = hull.index(min(hull))
    return hull[start:] + hull[:start]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True, help="directory for the .tsv files")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-points", type=int, default=5)
    parser.add_argument("--max-points", type=int, default=10)
    parser.add_argument("--train", type=int, default=100000)
    parser.add_argument("--dev", type=int, default=500)
    parser.add_argument("--test", type=int, default=1000)
    args = parser.parse_args()

    rng = random.Random(args.seed)

    def pair(n):
        while True:
            points = [(rng.randrange(1000), rng.randrange(1000)) for _ in range(n)]
            if len(set(points)) < n:
                continue
            hull = convex_hull(points)
            if hull is not None:
                text = " ".join(f"{x / 1000:.3f},{y / 1000:.3f}" for x, y in points)
                return text + "\t" + " ".join(str(j) for j in hull)

    sets = (("train", args.train, None), ("dev", args.dev, None), ("test5", args.test, 5),
            ("test10", args.test, 10), ("test15", args.test, 15))
    for name, count, n in sets:
        with open(f"{args.out}/{name}.tsv", "w") as out:
            for _ in range(count):
                out.write(pair(n or rng.randint(args.min_points, args.max_points)) + "\n")


if __name__ == "__main__":
    main()
