#!/usr/bin/env python3
"""Scores convex hull predictions as Vinyals et al. 2015 (table 2) do: exact match of the
hull (positions, counter-clockwise from the lowest), and the area coverage of the predicted
polygon over the true hull's, counting as a failure every output that is not a simple
polygon of 3 or more different input points.

    score.py test10.tsv test10.out     (test lines "points<TAB>hull"; one output a line)
"""
import sys


def area(polygon):
    """Absolute shoelace area."""
    return abs(sum(a[0] * b[1] - b[0] * a[1]
                   for a, b in zip(polygon, polygon[1:] + polygon[:1]))) / 2


def segments_cross(p, q, r, s):
    """True when the closed segments pq and rs intersect."""
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return (v > 0) - (v < 0)

    def on(a, b, c):  # c on segment ab, given collinear
        return min(a[0], b[0]) <= c[0] <= max(a[0], b[0]) and min(a[1], b[1]) <= c[1] <= max(a[1], b[1])

    o1, o2, o3, o4 = orient(p, q, r), orient(p, q, s), orient(r, s, p), orient(r, s, q)
    if o1 != o2 and o3 != o4:
        return True
    return ((o1 == 0 and on(p, q, r)) or (o2 == 0 and on(p, q, s)) or
            (o3 == 0 and on(r, s, p)) or (o4 == 0 and on(r, s, q)))


def simple(polygon):
    n = len(polygon)
    edges = [(polygon[i], polygon[(i + 1) % n]) for i in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if j == i + 1 or (i == 0 and j == n - 1):
                continue  # neighbouring edges share a vertex
            if segments_cross(*edges[i], *edges[j]):
                return False
    return True


def main():
    tests = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
    outputs = [line.split() for line in open(sys.argv[2])]
    assert len(tests) == len(outputs), f"{len(tests)} test lines, {len(outputs)} outputs"
    exact = failures = 0
    coverage = []
    for (source, reference), output in zip(tests, outputs):
        points = [tuple(map(float, p.split(","))) for p in source.split()]
        truth = [int(j) for j in reference.split()]
        exact += output == reference.split()
        try:
            chosen = [int(j) for j in output]
        except ValueError:
            chosen = []
        if (len(chosen) < 3 or len(set(chosen)) < len(chosen) or
                not all(0 <= j < len(points) for j in chosen) or
                not simple([points[j] for j in chosen])):
            failures += 1
            continue
        coverage.append(area([points[j] for j in chosen]) / area([points[j] for j in truth]))
    n = len(tests)
    mean = 100 * sum(coverage) / len(coverage) if coverage else 0
    print(f"exact match {exact}/{n} = {100 * exact / n:.1f}%, area coverage {mean:.2f}%, "
          f"failures {failures}/{n} = {100 * failures / n:.1f}%")


if __name__ == "__main__":
    main()
