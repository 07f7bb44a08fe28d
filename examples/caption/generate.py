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

--features vectors writes the same images with real-valued features instead of names
(--model caption --cell-features 2 --input-dims 3): every cell is two vectors of three
numbers in [0, 1], written "r,g,b" with two decimals,

    colour   the shape's RGB (red 0.9,0.1,0.1 ...), each number with uniform noise of ±0.08
    shape    a descriptor (fill, corners, compactness): the fraction of the cell the shape
             covers, its corners / 4, and 4π·area / perimeter² (1 for a circle); square
             1,1,0.79, circle 0.79,0,1, triangle 0.5,0.75,0.6, each with noise of ±0.05

and an empty cell "0,0,0 0,0,0". The images and captions are those of the named run (the
noise has its own seeded generator), so the two runs differ only in how a cell is written.
"""
import argparse
import random

SIZE = 6
COLOURS = ["red", "green", "blue", "yellow"]
SHAPES = ["square", "circle", "triangle"]
# --features vectors: what a colour and a shape read as (see above).
RGB = {"red": (0.9, 0.1, 0.1), "green": (0.1, 0.75, 0.15), "blue": (0.1, 0.2, 0.9),
       "yellow": (0.9, 0.85, 0.1)}
DESCRIPTORS = {"square": (1.0, 1.0, 0.79), "circle": (0.79, 0.0, 1.0),
               "triangle": (0.5, 0.75, 0.6)}
COLOUR_NOISE, SHAPE_NOISE = 0.08, 0.05
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


def noisy_vector(numbers, noise, rng):
    return ",".join(f"{min(1.0, max(0.0, x + rng.uniform(-noise, noise))):.2f}"
                    for x in numbers)


def vector_grid_text(image, rng):
    tokens = ["0,0,0"] * (2 * SIZE * SIZE)
    for cell, colour, shape in image:
        tokens[2 * cell] = noisy_vector(RGB[colour], COLOUR_NOISE, rng)
        tokens[2 * cell + 1] = noisy_vector(DESCRIPTORS[shape], SHAPE_NOISE, rng)
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
    parser.add_argument("--features", choices=["names", "vectors"], default="names",
                        help="a cell as two feature names or as two vectors of 3 numbers")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    noise = random.Random(args.seed + 1)
    held_out = {}
    while len(held_out) < args.dev + args.test:
        image = random_image(rng)
        held_out.setdefault(grid_text(image), image)
    held_images = list(held_out.values())
    train = []
    while len(train) < args.train:
        image = random_image(rng)
        if grid_text(image) not in held_out:
            train.append(image)
    for name, images in [("train", train), ("dev", held_images[:args.dev]),
                         ("test", held_images[args.dev:])]:
        with open(f"{args.out}/{name}.tsv", "w") as out:
            for image in images:
                grid = vector_grid_text(image, noise) if args.features == "vectors" else \
                    grid_text(image)
                out.write(f"{grid}\t{caption(image)}\n")


if __name__ == "__main__":
    main()
