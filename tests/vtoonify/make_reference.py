#!/usr/bin/python3
"""Test material for the vtoonify suite, written into a build folder.

Exports a VToonify-D style with random weights (fixed seed, widths divided
by 4 so that lavapipe runs it in seconds), then computes PyTorch's float32
outputs of the same checkpoints for fixed inputs:

  frame_HxW.f32         a smooth test frame in [-1, 1], [1, 3, H, W]
  parsing_HxW.f32       parser output for it, [1, 19, H, W]
  face.f32              an aligned face, [1, 3, 64, 64]
  wplus.f32             encoder output for it, [1, n_latent, S]
  style.f32             the mixed code: reference 0's first rows, the face's others
  image_HxW_dD.f32      generator output for frame, parsing and style at degree D
  manifest.json         sizes, degrees and names

Usage: make_reference.py OUT_DIR
Exits 77 (skip) when PyTorch is not installed.
"""

import json
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError as e:
    print(f"PyTorch or NumPy missing ({e}); install python3-torch", file=sys.stderr)
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
TOOLS = os.path.join(HERE, "..", "..", "tools", "vtoonify")
sys.path.insert(0, TOOLS)
import export  # noqa: E402

SIZES = [(32, 32), (32, 48)]   # (height, width); the second is not square
DEGREES = [0.0, 0.5, 1.0]
FACE = 64
DIV = 4
SEED = 7


def smooth_image(h, w, seed):
    g = torch.Generator().manual_seed(seed)
    low = torch.rand(1, 3, max(2, h // 8), max(2, w // 8), generator=g) * 2 - 1
    img = torch.nn.functional.interpolate(low, size=(h, w), mode="bilinear", align_corners=False)
    return (img + 0.05 * torch.randn(1, 3, h, w, generator=g)).clamp(-1, 1)


def save(out, name, t):
    t.detach().contiguous().numpy().astype("<f4").tofile(os.path.join(out, name))


def main():
    out = os.path.abspath(sys.argv[1])
    os.makedirs(out, exist_ok=True)
    style_dir = os.path.join(out, "style")
    r = subprocess.run([sys.executable, os.path.join(TOOLS, "export.py"), "--random-weights",
                        "--seed", str(SEED), "--div", str(DIV), "--style", "test",
                        "--face-size", str(FACE),
                        "-o", style_dir], capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        return 1
    ck = style_dir + ".checkpoints"
    gen = export.load_generator(os.path.join(ck, "vtoonify_d_test", "vtoonify_s_d.pt"))
    bisenet = export.load_parser(os.path.join(ck, "faceparsing.pth"))
    enc, avg = export.load_encoder(os.path.join(ck, "encoder.pt"))
    refs = np.fromfile(os.path.join(style_dir, "references.bin"), dtype="<f4")
    n_latent, sd = gen.widths.n_latent, gen.widths.style_dim
    refs = torch.from_numpy(refs.reshape(-1, n_latent, sd))

    parser = export.N.VToonifyParser(bisenet).eval()
    face_net = export.N.FaceToWPlus(enc, avg, gen).eval()
    manifest = {"sizes": SIZES, "degrees": DEGREES, "face": FACE, "n_latent": n_latent,
                "style_dim": sd, "reference": 0, "reference_rows": 7}
    with torch.no_grad():
        face = smooth_image(FACE, FACE, SEED + 1)
        save(out, "face.f32", face)
        wplus = face_net(face)
        save(out, "wplus.f32", wplus)
        style = wplus.clone()
        style[:, :7] = refs[0:1, :7]
        save(out, "style.f32", style)
        for i, (h, w) in enumerate(SIZES):
            frame = smooth_image(h, w, SEED + 10 + i)
            save(out, f"frame_{h}x{w}.f32", frame)
            parsing = parser(frame)
            save(out, f"parsing_{h}x{w}.f32", parsing)
            for d in DEGREES:
                img = gen(frame, parsing, style, torch.tensor([d]))
                save(out, f"image_{h}x{w}_d{d:g}.f32", img)
        # What CsVToonify computes for the second frame at four times its
        # size (no scaling of the frame), the default face (the centred
        # square, scaled to the encoder's size), reference 0, degree 0.5:
        # the image in 0..255.
        h, w = SIZES[1]
        frame = torch.from_numpy(np.fromfile(os.path.join(out, f"frame_{h}x{w}.f32"),
                                             dtype="<f4").reshape(1, 3, h, w))
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        crop = frame[:, :, y0:y0 + side, x0:x0 + side]
        crop = torch.nn.functional.interpolate(crop, size=(FACE, FACE), mode="bilinear",
                                               align_corners=False)
        code = face_net(crop)
        code[:, :7] = refs[0:1, :7]
        img = gen(frame, parser(frame), code, torch.tensor([0.5]))
        save(out, f"pipeline_{h}x{w}.f32", (img.clamp(-1, 1) + 1) * 127.5)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
