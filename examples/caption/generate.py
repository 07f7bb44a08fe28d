#!/usr/bin/env python3
"""Captioning data: small images as grids of feature cells, each with its description.

Each line is "<grid><TAB><caption>". The grid is 6 x 6 cells written row-major, every cell
as exactly two feature tokens, its colour and its shape, "_ _" for an empty cell: the
multi-hot feature vector attn's caption model reads (--model caption --cell-features 2,
libattn/models/caption_model.h). An image holds one or two shapes (red, green, blue,
yellow; square, circle, triangle) in different cells:

    one shape    a red square in the top left
    two shapes   a red square above a blue circle      (the upper one first) or
                 a red square left of a blue circle    (same rows apart as columns or fewer:
                                                        the left one first)

Rows 0-1 are "top", 2-3 "middle", 4-5 "bottom"; columns 0-1 "left", 2-3 "centre", 4-5
"right". Two shapes are related "above" when they are more rows than columns apart, else
"left of", so every image has one caption. Seeded, so every run makes the same files; an
image in dev.tsv or test.tsv never appears in train.tsv.
"""
import argparse
import random

SIZE = 6
COLOURS = ["red", "green", "blue", "yellow"]
SHAPES = ["square", "circle", "triangle"]
ROWS = ["top", "top", "middle", "middle", "bottom", "bottom"]
COLUMNS = ["left", "left", "centre", "centre", "right", "right"]


def random_image(rng):
    count = rng.choice([1, 2])
    cells = rng.sample(range(SIZE * SIZE), count)
    return [(cell, rng.choice(COLOURS), rng.choice(SHAPES)) for cell in cells]


def grid_text(image):
    tokens = ["_"] * (2 * SIZE * SIZE)
    for cell, colour, shape in image:
        tokens[2 * cell], tokens[2 * cell + 1] = colour, shape
    return " ".join(tokens)


def caption(image):
    if len(image) == 1:
        cell, colour, shape = image[0]
        row, column = divmod(cell, SIZE)
        place = "in the middle" if (ROWS[row], COLUMNS[column]) == ("middle", "centre") else \
            f"in the {ROWS[row]} {COLUMNS[column]}"
        return f"a {colour} {shape} {place}"
    (a, b) = image
    row_gap = abs(a[0] // SIZE - b[0] // SIZE)
    column_gap = abs(a[0] % SIZE - b[0] % SIZE)
    if row_gap > column_gap:
        first, second = sorted(image, key=lambda o: o[0] // SIZE)
        relation = "above"
    else:
        first, second = sorted(image, key=lambda o: o[0] % SIZE)
        relation = "left of"
    return f"a {first[1]} {first[2]} {relation} a {second[1]} {second[2]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=".")
    parser.add_argument("--train", type=int, default=20000)
    parser.add_argument("--dev", type=int, default=300)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    held_out = {}
    while len(held_out) < args.dev + args.test:
        image = random_image(rng)
        held_out.setdefault(grid_text(image), caption(image))
    held_items = list(held_out.items())
    train = []
    while len(train) < args.train:
        image = random_image(rng)
        text = grid_text(image)
        if text not in held_out:
            train.append((text, caption(image)))
    for name, rows in [("train", train), ("dev", held_items[:args.dev]),
                       ("test", held_items[args.dev:])]:
        with open(f"{args.out}/{name}.tsv", "w") as out:
            for grid, words in rows:
                out.write(f"{grid}\t{words}\n")


if __name__ == "__main__":
    main()
