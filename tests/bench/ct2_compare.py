#!/usr/bin/env python3
"""attn against CTranslate2 on the same Marian model, same inputs: generated tokens/s.

ct2_compare.sh prepares the two models (one .npz from opus_mt_shape.py, imported by
attn-export --from marian and by CTranslate2's Marian converter) and calls this script:

    ct2_compare.py --attn-decode BUILD/attn-decode --attn-model M.attn --ct2-model CT2_DIR \
        --vocab 32000 --label opus-mt --configs 5x32 [--lines 500 --rounds 3 --threads 1,2]

For each decoding configuration (beam x batch), each engine decodes the same --lines random
token sequences (20 to 30 tokens, fixed seed) at every --threads setting, the runs interleaved
(round 1: attn t1, CT2 t1, attn t2, CT2 t2; round 2: ...) so that load from other work on the
machine falls on both. Each figure is the median over the rounds of output tokens (</s> not
counted) / decoding seconds; model loading is not timed (attn: attn-decode --stats, whose clock
starts after loading; CTranslate2: a worker process times translate_batch alone). Each engine is
reported at its best thread setting, and the share of lines whose output is identical.

The same search for both: --max-length tokens at most (attn: --max-length N
--max-length-factor 0; CTranslate2: max_decoding_length=N), no length normalization (attn
--normalize 0, CTranslate2 length_penalty=0: the two define the length differently, tokens
+ 1 for </s> against tokens), <unk> never output (--no-unk, disable_unk), sentences sorted by
length before batching (attn --maxi-batch covering all lines; CTranslate2 sorts within
translate_batch's max_batch_size), and the same end at the limit. Random weights rarely
produce </s>, so most outputs stop at the limit. attn's default there is Marian's rule (one
more step forces </s> and adds its log-probability to the score); CTranslate2's beam search
(decoding.cc, BeamSearch::search: on the step where step + 1 == max_length every one of the
beam's first beam_size candidates is registered as a finished hypothesis, whatever its last
token, with its score as it stands) ends without it. attn-decode --at-max-length stop is that
rule, so the two engines run the same search and the same number of decoder steps.
"""
import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time


def make_inputs(path, lines, vocab, seed):
    """Random pieces w2..w{vocab-1} (the names opus_mt_shape.py gives), 20 to 30 a line."""
    rng = random.Random(seed)
    with open(path, "w") as out:
        for _ in range(lines):
            out.write(" ".join(f"w{rng.randrange(2, vocab)}" for _ in range(rng.randint(20, 30))) + "\n")


def run_attn(args, beam, batch, threads, src, dst):
    cmd = [args.attn_decode, "-m", args.attn_model, "-i", src, "-o", dst, "--beam-size", str(beam),
           "--mini-batch", str(batch), "--maxi-batch", str((args.lines + batch - 1) // batch),
           "--max-length", str(args.max_length), "--max-length-factor", "0", "--at-max-length", "stop",
           "--normalize", "0", "--no-unk", "--threads", str(threads), "--stats"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    found = re.search(r"tokens in ([0-9.]+)s", done.stderr)
    if done.returncode != 0 or not found:
        sys.exit(f"attn-decode failed ({' '.join(cmd)}):\n{done.stderr[-2000:]}")
    return float(found.group(1))


def run_ct2(args, beam, batch, threads, src, dst):
    # OpenBLAS (pthread build) would otherwise start one thread per core under each of
    # CTranslate2's OpenMP threads: give it the same count, as attn's --threads does.
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    cmd = [sys.executable, os.path.abspath(__file__), "--ct2-worker", args.ct2_model, src, dst,
           str(beam), str(batch), str(threads), str(args.max_length)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"CTranslate2 worker failed ({' '.join(cmd)}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"]


def ct2_worker(model, src, dst, beam, batch, threads, max_length):
    """In its own process, so CTranslate2's OpenMP threads never spin beside attn's runs."""
    import ctranslate2

    translator = ctranslate2.Translator(model, device="cpu", compute_type="float32",
                                        intra_threads=int(threads), inter_threads=1)
    with open(src) as f:
        sources = [line.split() for line in f]
    start = time.perf_counter()
    results = translator.translate_batch(sources, max_batch_size=int(batch), batch_type="examples",
                                         beam_size=int(beam), max_decoding_length=int(max_length),
                                         length_penalty=0, disable_unk=True, return_scores=False)
    seconds = time.perf_counter() - start
    with open(dst, "w") as out:
        for result in results:
            out.write(" ".join(result.hypotheses[0]) + "\n")
    print(json.dumps({"seconds": seconds}))


def count_tokens(path):
    with open(path) as f:
        return sum(len(line.split()) for line in f)


def same_lines(a, b):
    with open(a) as fa, open(b) as fb:
        pairs = list(zip(fa, fb))
    return sum(x == y for x, y in pairs), len(pairs)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--ct2-worker":
        ct2_worker(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attn-decode", required=True)
    parser.add_argument("--attn-model", required=True)
    parser.add_argument("--ct2-model", required=True)
    parser.add_argument("--vocab", type=int, required=True, help="vocabulary size (inputs are drawn from it)")
    parser.add_argument("--label", required=True, help="shape name for the table")
    parser.add_argument("--configs", default="5x32", help="comma-separated BEAMxBATCH, e.g. 1x1,5x1,1x32,5x32")
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--max-length", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="ct2_compare.")
    src = os.path.join(work, "input.txt")
    make_inputs(src, args.lines, args.vocab, args.seed)
    threads = [int(t) for t in args.threads.split(",")]
    engines = {"attn": run_attn, "ct2": run_ct2}
    for config in args.configs.split(","):
        beam, batch = (int(x) for x in config.split("x"))
        rates = {(e, t): [] for e in engines for t in threads}
        for _ in range(args.rounds):
            for t in threads:
                for engine, run in engines.items():
                    dst = os.path.join(work, f"{engine}.{config}.t{t}.out")
                    seconds = run(args, beam, batch, t, src, dst)
                    rates[(engine, t)].append(count_tokens(dst) / seconds)
        median = {key: statistics.median(values) for key, values in rates.items()}
        best = {e: max((median[(e, t)], t) for t in threads) for e in engines}
        same, total = same_lines(os.path.join(work, f"attn.{config}.t{threads[0]}.out"),
                                 os.path.join(work, f"ct2.{config}.t{threads[0]}.out"))
        name = f"{args.label} {'greedy' if beam == 1 else f'beam {beam}'}, batch {batch}"
        per_thread = "  ".join(f"{e} t{t} {median[(e, t)]:.0f}" for e in engines for t in threads)
        print(f"{name:<30} attn {best['attn'][0]:8.0f} (t{best['attn'][1]})  CT2 {best['ct2'][0]:8.0f} "
              f"(t{best['ct2'][1]})  attn/CT2 {best['attn'][0] / best['ct2'][0]:5.2f}  "
              f"same output {same}/{total} ({100.0 * same / total:.1f}%)   [{per_thread}]", flush=True)
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
