#!/usr/bin/env python3
"""Test WER against minutes of training: decode every kept checkpoint of a run on the test
words with beam 5, score it, and draw the curve as an SVG.

    python3 curve.py BUILD_DIR RUN_NAME STARTED_EPOCH_SECONDS test.tsv curve.tsv curve.svg

RUN_NAME.step-STEP.attn are the checkpoints attn-train --keep-last leaves; a checkpoint's
minute is its file's modification time less the start of training. RUN_NAME.average.attn
(--average-last), when present, is scored at the minute it was written.
"""
import glob
import os
import re
import subprocess
import sys


def score(build, model, sources, references, threads):
    out = subprocess.run([f"{build}/attn-decode", "-m", model, "-b", "5", "--mini-batch", "64",
                          "--threads", str(threads)],
                         input="\n".join(sources) + "\n", capture_output=True, text=True, check=True)
    hyps = out.stdout.splitlines()
    if len(hyps) != len(references):
        sys.exit(f"curve.py: {model}: {len(hyps)} outputs for {len(references)} words")
    wrong = sum(h.split() != r.split() for h, r in zip(hyps, references))
    return 100.0 * wrong / len(references)


def svg(points, average, path):
    width, height, left, bottom, top, right = 640, 400, 60, 50, 20, 20
    max_minute = max(m for m, _ in points + average) * 1.05
    low = min(w for _, w in points + average)
    high = max(w for _, w in points + average)
    low, high = 5 * int(low // 5), 5 * int(high // 5 + 1)
    x = lambda m: left + (width - left - right) * m / max_minute
    y = lambda w: top + (height - top - bottom) * (high - w) / (high - low)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<line x1="{left}" y1="{y(low)}" x2="{width - right}" y2="{y(low)}" stroke="black"/>',
           f'<line x1="{left}" y1="{y(low)}" x2="{left}" y2="{top}" stroke="black"/>']
    for w in range(low, high + 1, 5):
        out.append(f'<line x1="{left}" y1="{y(w):.1f}" x2="{width - right}" y2="{y(w):.1f}" '
                   f'stroke="#ddd"/><text x="{left - 8}" y="{y(w) + 4:.1f}" text-anchor="end">{w}%</text>')
    for m in range(0, int(max_minute) + 1, 10):
        out.append(f'<text x="{x(m):.1f}" y="{y(low) + 18}" text-anchor="middle">{m}</text>')
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">'
               f'minutes of training (2 cores)</text>')
    out.append(f'<text x="15" y="{(top + height - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 15 {(top + height - bottom) / 2})">test WER, beam 5</text>')
    target = 30
    if low <= target <= high:
        out.append(f'<line x1="{left}" y1="{y(target):.1f}" x2="{width - right}" y2="{y(target):.1f}" '
                   f'stroke="#c00" stroke-dasharray="4 3"/><text x="{width - right - 4}" '
                   f'y="{y(target) - 4:.1f}" text-anchor="end" fill="#c00">30%</text>')
    line = " ".join(f"{x(m):.1f},{y(w):.1f}" for m, w in points)
    out.append(f'<polyline points="{line}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
    for m, w in points:
        out.append(f'<circle cx="{x(m):.1f}" cy="{y(w):.1f}" r="3" fill="#1f5fbf"/>')
    for m, w in average:
        out.append(f'<circle cx="{x(m):.1f}" cy="{y(w):.1f}" r="5" fill="#e08000"/>'
                   f'<text x="{x(m) - 8:.1f}" y="{y(w) + 16:.1f}" text-anchor="end" fill="#e08000">'
                   f'average of the last checkpoints: {w:.2f}%</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) != 7:
        sys.exit(__doc__.strip().splitlines()[3].strip())
    build, run, started, test, table, picture = sys.argv[1:]
    started = float(started)
    pairs = [line.rstrip("\n").split("\t") for line in open(test, encoding="utf-8")]
    sources, references = [p[0] for p in pairs], [p[1] for p in pairs]
    threads = os.cpu_count() or 1
    steps = sorted((int(re.search(r"\.step-(\d+)\.attn$", f).group(1)), f)
                   for f in glob.glob(glob.escape(run) + ".step-*.attn"))
    if not steps:
        sys.exit(f"curve.py: no {run}.step-*.attn checkpoints (train with --keep-last)")
    points, average = [], []
    with open(table, "w", encoding="utf-8") as f:
        f.write("minutes\tstep\ttest_wer\n")
        for step, model in steps:
            minute = (os.path.getmtime(model) - started) / 60
            wer = score(build, model, sources, references, threads)
            points.append((minute, wer))
            f.write(f"{minute:.1f}\t{step}\t{wer:.2f}\n")
            print(f"{minute:5.1f} min  step {step:6d}  test WER {wer:.2f}%", flush=True)
        if os.path.exists(run + ".average.attn"):
            minute = (os.path.getmtime(run + ".average.attn") - started) / 60
            wer = score(build, run + ".average.attn", sources, references, threads)
            average.append((minute, wer))
            f.write(f"{minute:.1f}\taverage\t{wer:.2f}\n")
            print(f"{minute:5.1f} min  average  test WER {wer:.2f}%")
    svg(points, average, picture)


if __name__ == "__main__":
    main()
