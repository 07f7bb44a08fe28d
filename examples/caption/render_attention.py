#!/usr/bin/env python3
"""Draws where the caption model looks for each word, as the figures of Xu et al. 2015.

    attn-decode -m caption.attn --attention-json att.jsonl < grids.txt > captions.txt
    python3 render_attention.py att.jsonl --line 1 --out sheet.svg

Reads one JSON record of attn-decode --attention-json ("source": the grid's feature tokens,
two a cell; "output": the caption's words; "attention": [word][source token]) and writes
one SVG sheet: the image first, then per output word the image again with that word's
attention over the 6 x 6 cells as a light overlay (white = all of the weight, dark = none),
the word and the cell's largest weight underneath. A cell's weight is the sum over its
tokens (the model spreads α_ti evenly over them, caption_model.h). Cells written as vectors
(generate.py --features vectors) are drawn in their own RGB colour, as the shape whose
descriptor is nearest.
"""
import argparse
import json
import math

from generate import DESCRIPTORS

FEATURES = 2
COLOURS = {"red": "#d62728", "green": "#2ca02c", "blue": "#1f77b4", "yellow": "#e6c619"}
CELL = 22
PAD = 10


def shape_svg(shape, colour, x, y):
    fill = colour if colour.startswith("#") else COLOURS.get(colour, "#888888")
    m = 4
    if shape == "square":
        size = CELL - 2 * m
        return f'<rect x="{x + m}" y="{y + m}" width="{size}" height="{size}" fill="{fill}"/>'
    if shape == "circle":
        return f'<circle cx="{x + CELL / 2}" cy="{y + CELL / 2}" r="{CELL / 2 - m}" fill="{fill}"/>'
    if shape == "triangle":
        points = f"{x + CELL / 2},{y + m} {x + CELL - m},{y + CELL - m} {x + m},{y + CELL - m}"
        return f'<polygon points="{points}" fill="{fill}"/>'
    return ""


def as_drawn(colour, shape):
    """A cell's (colour, shape) to draw: names as they are; vectors as an RGB colour and the
    shape whose descriptor is nearest; zeros as an empty cell."""
    if "," not in colour:
        return colour, shape
    rgb = [float(x) for x in colour.split(",")]
    if not any(rgb):
        return "_", "_"
    descriptor = [float(x) for x in shape.split(",")]
    nearest = min(DESCRIPTORS, key=lambda name: sum(
        (a - b) ** 2 for a, b in zip(DESCRIPTORS[name], descriptor)))
    return "#" + "".join(f"{round(255 * x):02x}" for x in rgb), nearest


def panel(cells, side, ox, oy, weights, label):
    width = side * CELL
    parts = [f'<rect x="{ox}" y="{oy}" width="{width}" height="{width}" fill="#ffffff" '
             'stroke="#999999"/>']
    for i, (colour, shape) in enumerate(cells):
        x, y = ox + (i % side) * CELL, oy + (i // side) * CELL
        parts.append(shape_svg(shape, colour, x, y))
    if weights is not None:
        top = max(weights) or 1.0
        for i, w in enumerate(weights):
            x, y = ox + (i % side) * CELL, oy + (i // side) * CELL
            # Xu et al. whiten the attended region; here the rest is darkened, in proportion.
            opacity = 0.75 * (1 - w / top)
            parts.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="#000000" '
                         f'fill-opacity="{opacity:.3f}"/>')
    parts.append(f'<text x="{ox + width / 2}" y="{oy + width + 16}" font-family="sans-serif" '
                 f'font-size="13" text-anchor="middle">{label}</text>')
    return parts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("records", help="attn-decode --attention-json output")
    parser.add_argument("--line", type=int, default=1, help="which record, from 1")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    with open(args.records) as f:
        record = [json.loads(line) for line in f][args.line - 1]
    source, words, attention = record["source"], record["output"], record["attention"]
    cells = [as_drawn(*source[i:i + FEATURES]) for i in range(0, len(source), FEATURES)]
    side = int(math.isqrt(len(cells)))
    if side * side != len(cells):
        raise SystemExit(f"{args.records}:{args.line}: {len(cells)} cells are not a square grid")
    labels = words + ["</s>"] * (len(attention) - len(words))
    width = side * CELL
    parts = panel(cells, side, PAD, PAD, None, "image")
    for n, (word, row) in enumerate(zip(labels, attention), start=1):
        weights = [sum(row[i:i + FEATURES]) for i in range(0, len(row), FEATURES)]
        parts += panel(cells, side, PAD + n * (width + PAD), PAD, weights,
                       f"{word} ({max(weights):.2f})")
    total_width = PAD + (len(labels) + 1) * (width + PAD)
    total_height = 2 * PAD + width + 22
    with open(args.out, "w") as out:
        out.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_width}" '
                  f'height="{total_height}">\n')
        out.write(f'<rect width="{total_width}" height="{total_height}" fill="#ffffff"/>\n')
        out.write("\n".join(parts) + "\n</svg>\n")


if __name__ == "__main__":
    main()
