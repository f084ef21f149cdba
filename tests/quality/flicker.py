#!/usr/bin/python3
"""How much styled video flickers, with and without Celshade's stabilization.

For each clip and style, the clip is styled twice by celshade-render (lossless
FFV1): with --stability 0 (frame by frame) and with the stability under test.
For each, the warping error of Lai et al. 2018 ("Learning Blind Video Temporal
Consistency"): optical flow on the *input* frames (OpenCV's DIS, both ways),
occlusions masked by the forward-backward check of Sundaram et al. 2010, and
the mean squared difference (RGB in 0..1) between styled frame t and styled
frame t-1 warped to t, over the pixels left, averaged over the pairs of
frames of one shot (pairs across a shot boundary, where most of the frame
has no counterpart, are left out and counted). Then, frame by frame, SSIM and
PSNR between the stabilized and the frame-by-frame styled frames, so that
steadiness is never bought with blur or ghosts.

--cut joins two unrelated clips and checks that the frame after the join is
exactly the frame-by-frame one (no ghost of the first clip).

Needs Debian's python3-numpy and python3-opencv (tools/install-deps.sh --test)
and the ffmpeg command. The flow here is OpenCV's, independent of the GPU flow
that the stabilization itself uses.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

try:
    import cv2
except ImportError:
    sys.stderr.write("flicker.py needs OpenCV for Python: install python3-opencv "
                     "(tools/install-deps.sh --test)\n")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))

# (name, path relative to the test data, kind)
CLIPS = [
    ("mountain_2", "frames/mountain_2", "frames"),
    ("529", "media/529.mp4", "clip"),
    ("529_2", "media/529_2.mp4", "clip"),
    ("651", "media/651.mp4", "clip"),
    ("tears_of_steel", "media/tears_of_steel.webm", "clip"),
]
STYLES = ["udnie", "wave", "la_muse"]


def run(argv, **kwargs):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)
    if result.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (argv[0], result.returncode,
                                                   result.stderr.decode(errors="replace")[-2000:]))
    return result.stdout


def prepare_clip(data, clip, frames, width, out):
    """The first `frames` frames of a clip, scaled to `width` (even height), as FFV1."""
    name, rel, kind = clip
    src = os.path.join(data, rel)
    if kind == "frames":
        first = sorted(f for f in os.listdir(src) if f.endswith(".png"))[0]
        digits = len(os.path.splitext(first)[0].split("_")[-1])
        prefix = first[: -len(".png") - digits]
        inputs = ["-framerate", "25", "-start_number", str(int(first[len(prefix):-4])),
                  "-i", os.path.join(src, "%s%%0%dd.png" % (prefix, digits))]
    else:
        inputs = ["-i", src]
    run(["ffmpeg", "-nostdin", "-v", "error", "-y"] + inputs +
        ["-frames:v", str(frames), "-an", "-vf", "scale=%d:-2:flags=area" % width,
         "-pix_fmt", "yuv420p", "-c:v", "ffv1", out])
    return out


def decode_rgb(path):
    """All frames as float64 RGB in 0..1, shape (n, h, w, 3)."""
    probe = json.loads(run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height", "-of", "json", path]))
    w, h = probe["streams"][0]["width"], probe["streams"][0]["height"]
    raw = run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo",
               "-pix_fmt", "rgb24", "-"])
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
    return frames.astype(np.float64) / 255.0


def decode_raw(path):
    """All frames' YUV samples as they are in the file, one bytes object a frame."""
    probe = json.loads(run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                            "stream=width,height,pix_fmt", "-of", "json", path]))
    s = probe["streams"][0]
    raw = run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "rawvideo",
               "-pix_fmt", s["pix_fmt"], "-"])
    n = s["width"] * s["height"] * 3 // 2 if s["pix_fmt"] == "yuv420p" else None
    if n is None:
        raise RuntimeError("unexpected pixel format %s" % s["pix_fmt"])
    return [raw[i:i + n] for i in range(0, len(raw), n)]


def flows(inputs):
    """Backward flow (t -> t-1) and the mask of pixels it can be trusted at,
    for t = 1..n-1, from the input frames."""
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gray = [cv2.cvtColor((f * 255).round().astype(np.uint8), cv2.COLOR_RGB2GRAY) for f in inputs]
    h, w = gray[0].shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    out = []
    for t in range(1, len(gray)):
        back = dis.calc(gray[t], gray[t - 1], None)
        fwd = dis.calc(gray[t - 1], gray[t], None)
        mx, my = gx + back[..., 0], gy + back[..., 1]
        fwd_at = cv2.remap(fwd, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        d = back.astype(np.float64) + fwd_at
        tol = 0.01 * ((back.astype(np.float64) ** 2).sum(-1) + (fwd_at.astype(np.float64) ** 2).sum(-1)) + 0.5
        inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
        mask = ((d ** 2).sum(-1) < tol) & inside
        # A shot boundary: most of the frame has no counterpart in the one
        # before it, and no warping error means anything there.
        change = np.abs(gray[t].astype(np.float64) - gray[t - 1]).mean()
        out.append((mx, my, mask if mask.mean() >= 0.5 and change < 40 else None))
    return out


def warping_error(styled, flow):
    errors = []
    for t, (mx, my, mask) in enumerate(flow, start=1):
        if mask is None:
            continue
        prev = cv2.remap(styled[t - 1].astype(np.float32), mx, my, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REPLICATE).astype(np.float64)
        diff = ((styled[t] - prev) ** 2).sum(-1)
        errors.append(diff[mask].mean() if mask.any() else 0.0)
    return float(np.mean(errors))


def ssim(a, b):
    """Mean SSIM of two RGB images in 0..1 (Wang et al. 2004: Gaussian window,
    sigma 1.5, K1 0.01, K2 0.03), the mean of the three channels."""
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    blur = lambda x: cv2.GaussianBlur(x, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)
    values = []
    for k in range(3):
        x, y = a[..., k], b[..., k]
        mx, my = blur(x), blur(y)
        sxx, syy, sxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
        m = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
        values.append(m.mean())
    return float(np.mean(values))


def psnr(a, b):
    mse = ((a - b) ** 2).mean()
    return float("inf") if mse == 0 else float(10 * np.log10(1.0 / mse))


def render(args, clip_path, style_dir, stability, out):
    run([args.render, clip_path, "-o", out, "--style", style_dir, "--codec", "ffv1",
         "--no-audio", "--quiet", "--stability", str(stability)])
    return out


def import_style(args, data, name, work):
    dest = os.path.join(work, "style-" + name)
    if not os.path.isdir(dest):
        run([args.import_tool, "fast-style-transfer", os.path.join(data, "styles", "ml5", name), dest])
    return dest


def measure(args, data, work):
    rows = []
    for clip in CLIPS:
        if args.clips and clip[0] not in args.clips:
            continue
        path = prepare_clip(data, clip, args.frames, args.width, os.path.join(work, clip[0] + ".mkv"))
        inputs = decode_rgb(path)
        flow = flows(inputs)
        cuts = sum(1 for f in flow if f[2] is None)
        for style in args.styles:
            style_dir = import_style(args, data, style, work)
            plain = decode_rgb(render(args, path, style_dir, 0, os.path.join(work, "plain.mkv")))
            steady = decode_rgb(render(args, path, style_dir, args.stability, os.path.join(work, "steady.mkv")))
            e_plain, e_steady = warping_error(plain, flow), warping_error(steady, flow)
            s = [ssim(a, b) for a, b in zip(steady, plain)]
            p = [psnr(a, b) for a, b in zip(steady, plain)]
            finite = [v for v in p if np.isfinite(v)]
            row = {
                "clip": clip[0], "style": style, "frames": len(plain),
                "size": "%dx%d" % (plain.shape[2], plain.shape[1]), "cuts": cuts,
                "warp_plain": e_plain, "warp_steady": e_steady, "ratio": e_steady / e_plain,
                "ssim_mean": float(np.mean(s)), "ssim_min": float(np.min(s)),
                "psnr_mean": float(np.mean(finite)) if finite else float("inf"),
            }
            rows.append(row)
            print("%-15s %-9s %3d %4d %-8s %10.5f %10.5f %6.3f %8.4f %8.4f %7.2f" % (
                row["clip"], row["style"], row["frames"], cuts, row["size"], e_plain, e_steady,
                row["ratio"], row["ssim_mean"], row["ssim_min"], row["psnr_mean"]), flush=True)
    return rows


def cut_test(args, data, work):
    """mountain_2 then tears_of_steel, joined: the first frame after the join
    must be the frame-by-frame one, byte for byte."""
    half = max(3, args.frames // 2)
    a = prepare_clip(data, CLIPS[0], half, args.width, os.path.join(work, "cut-a.mkv"))
    b = prepare_clip(data, CLIPS[4], half, args.width, os.path.join(work, "cut-b.mkv"))
    ha = json.loads(run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "json", a]))
    w, h = ha["streams"][0]["width"], ha["streams"][0]["height"]
    joined = os.path.join(work, "cut.mkv")
    run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", a, "-i", b, "-filter_complex",
         "[1:v]scale=%d:%d:force_original_aspect_ratio=increase,crop=%d:%d,setsar=1[b];"
         "[0:v]setsar=1[a];[a][b]concat=n=2:v=1[v]" % (w, h, w, h),
         "-map", "[v]", "-pix_fmt", "yuv420p", "-c:v", "ffv1", joined])
    style_dir = import_style(args, data, args.styles[0], work)
    plain = decode_raw(render(args, joined, style_dir, 0, os.path.join(work, "cut-plain.mkv")))
    steady = decode_raw(render(args, joined, style_dir, args.stability, os.path.join(work, "cut-steady.mkv")))
    same_after = plain[half] == steady[half]
    differs_before = plain[half - 1] != steady[half - 1]
    print("cut at frame %d: the frame after the cut %s the frame-by-frame one; the frame before it %s" % (
        half, "equals" if same_after else "DIFFERS FROM", "is stabilized" if differs_before else "is not stabilized"))
    return same_after and differs_before


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=os.environ.get("CELSHADE_TEST_DATA",
                                                         os.path.join(SOURCE_DIR, "..", "shared", "data")))
    parser.add_argument("--build", default=os.path.join(SOURCE_DIR, "build"),
                        help="the build folder holding src/cli/celshade-render and celshade-import")
    parser.add_argument("--frames", type=int, default=24, help="frames of each clip (default 24)")
    parser.add_argument("--width", type=int, default=320, help="width the clips are scaled to (default 320)")
    parser.add_argument("--styles", default=",".join(STYLES), help="styles of styles/ml5, comma-separated")
    parser.add_argument("--clips", default="", help="only these clips, comma-separated (default: all)")
    parser.add_argument("--stability", type=float, default=0.5, help="the stability under test (default 0.5)")
    parser.add_argument("--cut", action="store_true", help="also run the cut test")
    parser.add_argument("--check", action="store_true",
                        help="fail unless every warping error is at most half the frame-by-frame one "
                             "and the mean SSIM to the frame-by-frame frames is at least 0.9")
    parser.add_argument("--json", help="write the rows here as JSON")
    args = parser.parse_args()
    args.styles = [s for s in args.styles.split(",") if s]
    args.clips = [c for c in args.clips.split(",") if c]
    args.render = os.path.join(args.build, "src", "cli", "celshade-render")
    args.import_tool = os.path.join(args.build, "src", "cli", "celshade-import")

    if not os.path.isdir(args.data):
        print("shared test data not found at %s; set CELSHADE_TEST_DATA" % args.data)
        return 77
    for tool in (args.render, args.import_tool):
        if not os.access(tool, os.X_OK):
            print("%s is not built; pass --build" % tool)
            return 1
    if shutil.which("ffmpeg") is None:
        print("flicker.py needs the ffmpeg command")
        return 77

    ok = True
    with tempfile.TemporaryDirectory(prefix="celshade-flicker-") as work:
        print("stability %.2f; %d frames a clip at %d pixels wide; warping error (Lai et al. 2018, RGB 0..1) "
              "frame by frame and stabilized; SSIM and PSNR of the stabilized frames to the frame-by-frame ones"
              % (args.stability, args.frames, args.width))
        print("%-15s %-9s %3s %4s %-8s %10s %10s %6s %8s %8s %7s" % (
            "clip", "style", "n", "cuts", "size", "warp", "warp-stab", "ratio", "SSIM", "SSIM-min", "PSNR"))
        rows = measure(args, data=args.data, work=work)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(rows, f, indent=1)
        if args.cut:
            ok = cut_test(args, args.data, work) and ok
    if args.check:
        for r in rows:
            if r["ratio"] > 0.5 or r["ssim_mean"] < 0.9:
                print("FAIL %s/%s: ratio %.3f (at most 0.5), mean SSIM %.4f (at least 0.9)" % (
                    r["clip"], r["style"], r["ratio"], r["ssim_mean"]))
                ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
