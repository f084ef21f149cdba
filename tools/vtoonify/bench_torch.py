#!/usr/bin/python3
"""The PyTorch peer of celshade-bench --vtoonify: the same parser and
generator, from the checkpoints a style folder was exported from, on the CPU
at the same sizes. Prints one line of JSON with median milliseconds.

  bench_torch.py STYLE_DIR --width W --height H [--runs N] [--threads T]
                 [--checkpoint-dir DIR]   (default: STYLE_DIR.checkpoints)
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import export  # noqa: E402
import networks as N  # noqa: E402


def timed(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("style_dir")
    ap.add_argument("--width", type=int, required=True, help="output width")
    ap.add_argument("--height", type=int, required=True, help="output height")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--checkpoint-dir")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    ck = args.checkpoint_dir or os.path.abspath(args.style_dir).rstrip("/") + ".checkpoints"
    try:
        gens = [os.path.join(root, f) for root, _, files in os.walk(ck) for f in files
                if f.startswith("vtoonify_s") and f.endswith(".pt")]
        if not gens:
            raise export.CheckpointError(f"no generator checkpoint under {ck}; give --checkpoint-dir")
        gen = export.load_generator(sorted(gens)[0])
        parser = N.VToonifyParser(export.load_parser(os.path.join(ck, "faceparsing.pth"))).eval()
    except export.CheckpointError as e:
        print(f"bench_torch.py: {e}", file=sys.stderr)
        return 1
    nl, sd = gen.widths.n_latent, gen.widths.style_dim
    refs = np.fromfile(os.path.join(args.style_dir, "references.bin"), dtype="<f4")
    style = torch.from_numpy(refs[: nl * sd].reshape(1, nl, sd).copy())
    cw, ch = (args.width + 3) // 4, (args.height + 3) // 4
    pw, ph = (cw + 7) // 8 * 8, (ch + 7) // 8 * 8
    xs = torch.linspace(0, 1, pw)[None, :]
    ys = torch.linspace(0, 1, ph)[:, None]
    frame = torch.stack([0.8 * torch.sin(7 * xs * (c + 1) + 5 * ys) for c in range(3)])[None]
    degree = torch.tensor([0.5])

    with torch.no_grad():
        parsing = parser(frame)
        parser_ms = timed(lambda: parser(frame), args.runs)
        generator_ms = timed(lambda: gen(frame, parsing, style, degree), args.runs)
        # The part of each generator run that depends on the code and the
        # degree alone, which Celshade folds once per change.
        mods = [m for m in gen.modules() if isinstance(m, N.ModulatedConv2d)]
        row = style[:, 0]

        def style_only():
            for m in mods:
                m.styled_weight(row)
            for r in range(nl):
                gen.generator.style(style[:, r])
        prepare_ms = timed(style_only, args.runs)
    print(json.dumps({"parser_ms": parser_ms, "generator_ms": generator_ms, "prepare_ms": prepare_ms,
                      "fps_median": 1000.0 / (parser_ms + generator_ms), "threads": args.threads}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
