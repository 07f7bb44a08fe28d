#!/usr/bin/env python3
"""A test score against minutes of training: decode every kept checkpoint of a run on the test
set with beam 5, score it, and draw the curve as an SVG. Used by the one-hour recipes.

    python3 curve.py wer|bleu BUILD_DIR RUN_NAME STARTED_EPOCH_SECONDS test.tsv curve.tsv curve.svg [TARGET]

wer: the share of outputs not exactly right (g2p); bleu: corpus BLEU of the detokenized output
as sacrebleu computes it by default (bleu.py). RUN_NAME.step-STEP.attn are the checkpoints
attn-train --keep-last leaves; a checkpoint's minute is its file's modification time less the
start of training. RUN_NAME.average.attn (--average-last), when present, is scored at the minute
it was written. TARGET, when given, is drawn as a dashed line.
"""
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bleu import corpus_bleu  # noqa: E402

METRICS = {
    "wer": ("test WER, beam 5", "%",
            lambda hyps, refs: 100.0 * sum(h.split() != r.split() for h, r in zip(hyps, refs)) / len(refs)),
    "bleu": ("test BLEU, beam 5", "", corpus_bleu),
}


def decode(build, model, sources, threads):
    out = subprocess.run([f"{build}/attn-decode", "-m", model, "-b", "5", "--mini-batch", "64",
                          "--threads", str(threads)],
                         input="\n".join(sources) + "\n", capture_output=True, text=True, check=True)
    hyps = out.stdout.splitlines()
    if len(hyps) != len(sources):
        sys.exit(f"curve.py: {model}: {len(hyps)} outputs for {len(sources)} inputs")
    return hyps


def svg(points, average, label, unit, target, path):
    width, height, left, bottom, top, right = 640, 400, 60, 50, 20, 20
    max_minute = max(m for m, _ in points + average) * 1.05
    values = [v for _, v in points + average] + ([target] if target is not None else [])
    low, high = 5 * int(min(values) // 5), 5 * int(max(values) // 5 + 1)
    x = lambda m: left + (width - left - right) * m / max_minute
    y = lambda v: top + (height - top - bottom) * (high - v) / (high - low)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<line x1="{left}" y1="{y(low)}" x2="{width - right}" y2="{y(low)}" stroke="black"/>',
           f'<line x1="{left}" y1="{y(low)}" x2="{left}" y2="{top}" stroke="black"/>']
    for v in range(low, high + 1, 5):
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{width - right}" y2="{y(v):.1f}" '
                   f'stroke="#ddd"/><text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v}{unit}</text>')
    for m in range(0, int(max_minute) + 1, 10):
        out.append(f'<text x="{x(m):.1f}" y="{y(low) + 18}" text-anchor="middle">{m}</text>')
    out.append(f'<text x="{(left + width - right) / 2}" y="{height - 10}" text-anchor="middle">'
               f'minutes of training (2 cores)</text>')
    out.append(f'<text x="15" y="{(top + height - bottom) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 15 {(top + height - bottom) / 2})">{label}</text>')
    if target is not None:
        out.append(f'<line x1="{left}" y1="{y(target):.1f}" x2="{width - right}" y2="{y(target):.1f}" '
                   f'stroke="#c00" stroke-dasharray="4 3"/><text x="{width - right - 4}" '
                   f'y="{y(target) - 4:.1f}" text-anchor="end" fill="#c00">{target:g}{unit}</text>')
    line = " ".join(f"{x(m):.1f},{y(v):.1f}" for m, v in points)
    out.append(f'<polyline points="{line}" fill="none" stroke="#1f5fbf" stroke-width="2"/>')
    for m, v in points:
        out.append(f'<circle cx="{x(m):.1f}" cy="{y(v):.1f}" r="3" fill="#1f5fbf"/>')
    for m, v in average:
        out.append(f'<circle cx="{x(m):.1f}" cy="{y(v):.1f}" r="5" fill="#e08000"/>'
                   f'<text x="{x(m) - 8:.1f}" y="{y(v) + 16:.1f}" text-anchor="end" fill="#e08000">'
                   f'average of the last checkpoints: {v:.2f}{unit}</text>')
    out.append("</svg>")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) not in (8, 9) or sys.argv[1] not in METRICS:
        sys.exit("usage: " + __doc__.strip().splitlines()[3].strip())
    metric, build, run, started, test, table, picture = sys.argv[1:8]
    target = float(sys.argv[8]) if len(sys.argv) == 9 else None
    label, unit, score = METRICS[metric]
    started = float(started)
    pairs = [line.rstrip("\n").split("\t") for line in open(test, encoding="utf-8")]
    sources, references = [p[0] for p in pairs], [p[1] for p in pairs]
    threads = os.cpu_count() or 1
    steps = sorted((int(re.search(r"\.step-(\d+)\.attn$", f).group(1)), f)
                   for f in glob.glob(glob.escape(run) + ".step-*.attn"))
    if not steps:
        sys.exit(f"curve.py: no {run}.step-*.attn checkpoints (train with --keep-last)")
    models = [(str(step), model) for step, model in steps]
    if os.path.exists(run + ".average.attn"):
        models.append(("average", run + ".average.attn"))
    points, average = [], []
    with open(table, "w", encoding="utf-8") as f:
        f.write(f"minutes\tstep\ttest_{metric}\n")
        for step, model in models:
            minute = (os.path.getmtime(model) - started) / 60
            value = score(decode(build, model, sources, threads), references)
            (average if step == "average" else points).append((minute, value))
            f.write(f"{minute:.1f}\t{step}\t{value:.2f}\n")
            print(f"{minute:5.1f} min  step {step:>7}  {label} {value:.2f}{unit}", flush=True)
    svg(points, average, label, unit, target, picture)


if __name__ == "__main__":
    main()
