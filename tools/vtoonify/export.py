#!/usr/bin/python3
"""Writes a Celshade style folder for VToonify-D.

  export.py --checkpoint-dir DIR [--style NAME] -o STYLE_DIR
      reads the published files: DIR/vtoonify_d_NAME/vtoonify_s_d.pt (or the
      --generator path), DIR/encoder.pt, DIR/faceparsing.pth and the
      extrinsic style codes DIR/vtoonify_d_NAME/*exstyle_code.npy.
  export.py --random-weights [--seed N] [--div K] -o STYLE_DIR
      first writes checkpoints of the same layout holding random values
      (into STYLE_DIR/checkpoints), then exports them.

The folder gets parser.onnx (frame -> parsing map), encoder.onnx (aligned
face -> W+ code), generator.onnx (frame, parsing map, style code, degree ->
image), references.bin (every extrinsic style code, mapped to W+, float32
little-endian, [n, n_latent, style_dim]) and style.json. Nothing is left
behind when a step fails: the folder is assembled next to the destination
and renamed into place at the end.
"""

import argparse
import glob
import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import networks as N  # noqa: E402

OPSET = 17


class CheckpointError(Exception):
    pass


# ------------------------------------------------------------ checkpoints

def _load(path):
    try:
        return torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such file")
    except Exception as e:  # a damaged or foreign file
        raise CheckpointError(f"{path}: not a PyTorch checkpoint ({e})")


def check_state(model, state, what):
    """Refuses, naming them, parameters that are missing, unexpected or of
    another shape than `model` expects."""
    want = model.state_dict()
    state = dict(state)
    # Batch-norm step counters are bookkeeping of training, absent from files
    # saved by older PyTorch; inference never reads them.
    for k in want:
        if k.endswith("num_batches_tracked") and k not in state:
            state[k] = torch.zeros((), dtype=torch.long)
    missing = [k for k in want if k not in state]
    extra = [k for k in state if k not in want]
    shaped = [f"{k} (has {list(state[k].shape)}, expected {list(want[k].shape)})"
              for k in want if k in state and tuple(state[k].shape) != tuple(want[k].shape)]
    problems = []
    if missing:
        problems.append("missing parameters: " + ", ".join(missing))
    if extra:
        problems.append("unexpected parameters: " + ", ".join(extra))
    if shaped:
        problems.append("parameters of the wrong shape: " + ", ".join(shaped))
    if problems:
        raise CheckpointError(f"{what}: " + "; ".join(problems))
    model.load_state_dict({k: v if k.endswith("num_batches_tracked") else v.float()
                           for k, v in state.items()}, strict=True)


def _div_from(state, key, full, what):
    if key not in state:
        raise CheckpointError(f"{what}: missing parameters: {key}")
    n = int(state[key].shape[0 if key.endswith("weight") or key.endswith("bias") else 1])
    if n <= 0 or full % n != 0:
        raise CheckpointError(f"{what}: {key} has {n} channels, not a divisor of {full}")
    return full // n


def load_generator(path):
    ck = _load(path)
    state = ck.get("g_ema") if isinstance(ck, dict) else None
    if state is None:
        raise CheckpointError(f"{path}: no 'g_ema' entry (not a VToonify generator checkpoint)")
    key = "generator.generator.input.input"
    if key not in state:
        raise CheckpointError(f"{path}: missing parameters: {key}")
    div = 512 // int(state[key].shape[1])
    model = N.VToonify(N.Widths(div=div))
    check_state(model, state, path)
    return model.eval()


def load_parser(path):
    state = _load(path)
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: not a state dictionary")
    div = _div_from(state, "cp.resnet.conv1.weight", 64, path)
    model = N.BiSeNet(N.Widths(div=div))
    check_state(model, state, path)
    return model.eval()


def load_encoder(path):
    ck = _load(path)
    if not isinstance(ck, dict) or "state_dict" not in ck:
        raise CheckpointError(f"{path}: no 'state_dict' entry (not a pSp checkpoint)")
    # The file also holds pSp's own StyleGAN decoder, which VToonify never runs.
    state = {k[len("encoder."):]: v for k, v in ck["state_dict"].items() if k.startswith("encoder.")}
    div = _div_from(state, "input_layer.0.weight", 64, path)
    opts = ck.get("opts") or {}
    out_size = int(opts.get("output_size", 1024))
    model = N.GradualStyleEncoder(N.Widths(div=div, out_size=out_size))
    check_state(model, state, path)
    avg = ck.get("latent_avg")
    if avg is None:
        raise CheckpointError(f"{path}: missing parameters: latent_avg")
    avg = torch.as_tensor(avg).float()
    sd = model.styles[0].n_out
    if avg.shape[-1] != sd or avg.numel() not in (sd, sd * model.style_count):
        raise CheckpointError(f"{path}: parameters of the wrong shape: latent_avg (has {list(avg.shape)}, "
                              f"expected [{model.style_count}, {sd}])")
    return model.eval(), avg


def load_exstyles(path, n_latent, style_dim):
    try:
        d = np.load(path, allow_pickle=True)
        if d.dtype == object:
            d = d.item()
    except Exception as e:
        raise CheckpointError(f"{path}: not a NumPy file of style codes ({e})")
    if isinstance(d, np.ndarray):
        d = {f"{i}": d[i] for i in range(d.shape[0])}
    if not isinstance(d, dict) or not d:
        raise CheckpointError(f"{path}: holds no style codes")
    out = []
    for name, code in d.items():
        a = np.asarray(code, dtype=np.float32)
        if a.size != n_latent * style_dim:
            raise CheckpointError(f"{path}: style code '{name}' has shape {list(a.shape)}, "
                                  f"expected [1, {n_latent}, {style_dim}]")
        out.append((str(name), a.reshape(1, n_latent, style_dim)))
    return out


# ------------------------------------------------------------ random weights

def randomize(model, gen):
    """Random values of a sensible scale in every parameter and statistic:
    equalised layers get unit-variance weights (their scale is applied at
    run time, and lr_mul undone as at initialisation), ordinary layers He
    initialisation, normalisations statistics near the identity."""
    def rnd(shape, s=1.0):
        return torch.randn(shape, generator=gen) * s

    with torch.no_grad():
        done = set()
        for mname, m in model.named_modules():
            prefix = mname + "." if mname else ""
            if isinstance(m, N.EqualLinear):
                m.weight.copy_(rnd(m.weight.shape, 1.0 / m.lr_mul))
                m.bias.copy_(m.bias + rnd(m.bias.shape, 0.1 / m.lr_mul))
            elif isinstance(m, (N.EqualConv2d, N.ModulatedConv2d, N.ConstantInput)):
                for n, p in m.named_parameters(recurse=False):
                    p.copy_(rnd(p.shape) if p.dim() > 1 else p + rnd(p.shape, 0.1))
            else:
                continue
            done.update(prefix + n for n, _ in m.named_parameters(recurse=False))
        for name, p in model.state_dict().items():
            if name in done or name.endswith("num_batches_tracked") or name.endswith(".kernel"):
                continue
            if name.endswith("running_var"):
                p.copy_(torch.rand(p.shape, generator=gen) + 0.5)
            elif name.endswith("running_mean"):
                p.copy_(rnd(p.shape, 0.1))
            elif p.dim() <= 1 or name.endswith(".bias"):
                p.add_(rnd(p.shape, 0.1))
            else:
                p.copy_(rnd(p.shape, math.sqrt(2.0 / max(1, p[0].numel()))))


def calibrate_batch_norms(model, gen, size):
    """Sets every batch normalisation's statistics to those of random images,
    as training would have: without it the residual streams of random
    networks grow by orders of magnitude and leave the range of fp16, which
    trained networks never do."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # a plain average over the calibration batch
    x = torch.rand(4, 3, size, size, generator=gen) * 2 - 1
    model.train()
    with torch.no_grad():
        model(x)
    model.eval()
    for m in bns:
        m.momentum = 0.1
        m.num_batches_tracked.zero_()


def write_random_checkpoints(folder, seed, div, style="random", n_refs=3):
    # The modules' own initialisation draws from the global generator.
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    widths = N.Widths(div=div)
    g = N.VToonify(widths)
    randomize(g, gen)
    p = N.BiSeNet(widths)
    randomize(p, gen)
    calibrate_batch_norms(p, gen, 128)
    e = N.GradualStyleEncoder(widths)
    randomize(e, gen)
    calibrate_batch_norms(e, gen, 64)
    sub = os.path.join(folder, f"vtoonify_d_{style}")
    os.makedirs(sub, exist_ok=True)
    torch.save({"g_ema": g.state_dict()}, os.path.join(sub, "vtoonify_s_d.pt"))
    torch.save(p.state_dict(), os.path.join(folder, "faceparsing.pth"))
    avg = torch.randn(widths.n_latent, widths.style_dim, generator=gen) * 0.1
    torch.save({"state_dict": {"encoder." + k: v for k, v in e.state_dict().items()},
                "latent_avg": avg,
                "opts": {"output_size": widths.out_size, "encoder_type": "GradualStyleEncoder"}},
               os.path.join(folder, "encoder.pt"))
    codes = {f"{style}-{i:03d}.png": torch.randn(1, widths.n_latent, widths.style_dim,
                                                 generator=gen).numpy()
             for i in range(n_refs)}
    np.save(os.path.join(sub, f"{style}_exstyle_code.npy"), codes, allow_pickle=True)
    return sub


# ------------------------------------------------------------ export

class GeneratorExport(torch.nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g

    def forward(self, frame, parsing, style, d_s):
        return self.g(frame, parsing, style, d_s)


def export_onnx(module, args, path, names_in, names_out, dynamic):
    with torch.no_grad():
        torch.onnx.export(module, args, path, opset_version=OPSET,
                          input_names=names_in, output_names=names_out,
                          dynamic_axes=dynamic, do_constant_folding=True)


def export_style(gen, parser, encoder, latent_avg, refs, out_dir, style_name, sample=(64, 64),
                 face_size=256):
    widths = gen.widths
    n_latent, sd = widths.n_latent, widths.style_dim
    with torch.no_grad():
        mapped = [gen.zplus_to_wplus(torch.from_numpy(c)).numpy().astype("<f4") for _, c in refs]
    h, w = sample
    frame = torch.zeros(1, 3, h, w)
    parsing = torch.zeros(1, 19, h, w)
    style = torch.zeros(1, n_latent, sd)
    d_s = torch.tensor([0.5])

    parent = os.path.dirname(os.path.abspath(out_dir)) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=".vtoonify-", dir=parent)
    try:
        os.chmod(tmp, 0o755)
        hw = {2: "height", 3: "width"}
        export_onnx(N.VToonifyParser(parser), (frame,), os.path.join(tmp, "parser.onnx"),
                    ["frame"], ["parsing"], {"frame": hw, "parsing": hw})
        export_onnx(N.FaceToWPlus(encoder, latent_avg, gen), (torch.zeros(1, 3, 64, 64),),
                    os.path.join(tmp, "encoder.onnx"), ["face"], ["wplus"], {"face": hw})
        export_onnx(GeneratorExport(gen), (frame, parsing, style, d_s),
                    os.path.join(tmp, "generator.onnx"),
                    ["frame", "parsing", "style", "d_s"], ["image"],
                    {"frame": hw, "parsing": hw, "image": hw})
        np.concatenate(mapped, axis=0).astype("<f4").tofile(os.path.join(tmp, "references.bin"))
        desc = {
            "format": 1,
            "id": "vtoonify-d-" + "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in style_name),
            "name": f"VToonify-D {style_name}",
            "authors": ["Shuai Yang", "Liming Jiang", "Ziwei Liu", "Chen Change Loy"],
            "licence": "S-Lab License 1.0",
            "source": "https://github.com/williamyang1991/VToonify",
            "kind": "vtoonify-d",
            "model": "generator.onnx",
            "size_multiple": 8,
            "degree": {"kind": "input", "input": "d_s",
                       "description": "0 keeps the face's own structure, 1 takes the reference's fully"},
            "vtoonify": {
                "networks": {
                    "parser": {"model": "parser.onnx", "inputs": {"frame": "frame"},
                               "outputs": {"parsing": "parsing"}},
                    "encoder": {"model": "encoder.onnx", "inputs": {"face": "face"},
                                "outputs": {"wplus": "wplus"}},
                    "generator": {"model": "generator.onnx",
                                  "inputs": {"frame": "frame", "parsing": "parsing",
                                             "style": "style", "degree": "d_s"},
                                  "outputs": {"image": "image"}},
                },
                "face_size": face_size,
                "output_scale": 4,
                "range": [-1.0, 1.0],
                "n_latent": n_latent,
                "style_dim": sd,
                "reference_rows": 7,
                "references": {"file": "references.bin",
                               "names": [name for name, _ in refs]},
            },
        }
        with open(os.path.join(tmp, "style.json"), "w") as f:
            json.dump(desc, f, indent=2)
            f.write("\n")
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def find_files(args):
    d = args.checkpoint_dir
    gen = args.generator
    if gen is None:
        pat = os.path.join(d, f"vtoonify_d_{args.style or '*'}", "vtoonify_s*_d*.pt")
        hits = sorted(glob.glob(pat))
        if not hits:
            raise CheckpointError(f"no generator matching {pat}; name it with --generator")
        if len(hits) > 1 and not args.style:
            raise CheckpointError("several generators (" + ", ".join(hits) + "); choose one with --style or --generator")
        gen = hits[0]
    ex = args.exstyle
    if ex is None:
        hits = sorted(glob.glob(os.path.join(os.path.dirname(gen), "*exstyle_code.npy")))
        if not hits:
            raise CheckpointError(f"no *exstyle_code.npy next to {gen}; name it with --exstyle")
        ex = hits[0]
    name = args.style or os.path.basename(os.path.dirname(gen)).replace("vtoonify_d_", "") or "style"
    return (gen, args.encoder or os.path.join(d, "encoder.pt"),
            args.parser or os.path.join(d, "faceparsing.pth"), ex, name)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Export VToonify-D checkpoints as a Celshade style folder.")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--checkpoint-dir", help="folder of the published checkpoint files")
    src.add_argument("--random-weights", action="store_true",
                     help="write checkpoints of the published layout with random values, then export them")
    ap.add_argument("--generator", help="generator checkpoint (default: found in --checkpoint-dir)")
    ap.add_argument("--encoder", help="pSp encoder checkpoint (default: CHECKPOINT_DIR/encoder.pt)")
    ap.add_argument("--parser", help="face parser (default: CHECKPOINT_DIR/faceparsing.pth)")
    ap.add_argument("--exstyle", help="extrinsic style codes (default: next to the generator)")
    ap.add_argument("--style", help="style name (the NAME of vtoonify_d_NAME)")
    ap.add_argument("--seed", type=int, default=1, help="random weights: the seed")
    ap.add_argument("--div", type=int, default=1,
                    help="random weights: divide every width by this (1: the published sizes)")
    ap.add_argument("--references", type=int, default=3, help="random weights: how many style codes")
    ap.add_argument("--face-size", type=int, default=256,
                    help="side of the aligned face the encoder takes (pSp: 256)")
    ap.add_argument("-o", "--output", required=True, help="the style folder to write")
    args = ap.parse_args(argv)
    try:
        if args.random_weights:
            if args.div < 1 or 16 % args.div != 0:
                raise CheckpointError("--div must be 1, 2, 4, 8 or 16")
            ck = os.path.join(os.path.abspath(args.output) + ".checkpoints")
            write_random_checkpoints(ck, args.seed, args.div, args.style or "random", args.references)
            args.checkpoint_dir = ck
        gen_p, enc_p, par_p, ex_p, name = find_files(args)
        gen = load_generator(gen_p)
        parser = load_parser(par_p)
        encoder, avg = load_encoder(enc_p)
        if encoder.style_count != gen.widths.n_latent or encoder.styles[0].n_out != gen.widths.style_dim:
            raise CheckpointError(f"{enc_p}: codes of {encoder.style_count} x {encoder.styles[0].n_out} "
                                  f"do not fit the generator's {gen.widths.n_latent} x {gen.widths.style_dim}")
        refs = load_exstyles(ex_p, gen.widths.n_latent, gen.widths.style_dim)
        if args.face_size < 16 or args.face_size % 16 != 0:
            raise CheckpointError("--face-size must be a multiple of 16")
        export_style(gen, parser, encoder, avg, refs, args.output, name, face_size=args.face_size)
    except CheckpointError as e:
        print(f"export.py: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
