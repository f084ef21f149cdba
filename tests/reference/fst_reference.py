#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Float64 NumPy reference for the fast-style-transfer generator network.

This is the independent reference that Celshade's numerical tests compare the
engine against (see DESIGN.md, "The fast-style-transfer checkpoint layout").
It reads a checkpoint folder (manifest.json + raw little-endian float32
variables), runs the network in float64 on one image and writes the result.

Images travel as raw float32, HWC interleaved RGB in 0..255, so that a C test
can resize a photo itself, write it, run this script and read the result back
without any image library on either side:

    fst_reference.py CHECKPOINT_DIR --input-raw IN.f32 --width W --height H \
                     --output OUT.f32

The output is ceil4(H) x ceil4(W) x 3 (ceil4(n) = 4 * ceil(n / 4)): the two
stride-2 convolutions give ceil(n / 2) and then ceil(ceil(n / 2) / 2) pixels
and the two transposed convolutions double that, exactly as the network was
trained. For sizes that are multiples of 4 the output has the input's size.
The output size is also printed on stdout as one JSON line.

`--self-test` checks the building blocks against naive loops and the
transposed convolution against the adjoint of TensorFlow's SAME convolution.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

IN_EPSILON = 1e-3

# Bound on one im2col block, in float64 elements (about 64 MiB): large enough
# for BLAS to run at full speed, small enough that a 9x9 convolution over a
# 1280x720 frame does not need gigabytes.
IM2COL_BLOCK_ELEMENTS = 8 * 1024 * 1024


# ---------------------------------------------------------------------------
# Padding arithmetic
# ---------------------------------------------------------------------------

def same_pads(in_size, kernel, stride):
    """TensorFlow SAME padding of one spatial axis: (before, after, out_size).

    TF makes out = ceil(in / stride) and pads
    pad_total = max((out - 1) * stride + kernel - in, 0) zeros, of which
    pad_total // 2 go before and the rest (the odd pixel) after. This differs
    from frameworks that centre the odd pixel before.
    """
    out_size = -(-in_size // stride)
    total = max((out_size - 1) * stride + kernel - in_size, 0)
    return total // 2, total - total // 2, out_size


def transposed_same_crop(in_size, kernel, stride):
    """Crop that TF's conv2d_transpose applies with SAME padding: (before, after, out_size).

    tf.nn.conv2d_transpose(x, w, output_shape, strides, 'SAME') is defined as
    the gradient of conv2d(y, w, strides, 'SAME') with respect to y, where y
    has output_shape. The network asks for output = stride * in. The forward
    SAME convolution from that y back to x pads y with
        pad_total = max((in - 1) * stride + kernel - out, 0)
    (in = ceil(out / stride) holds), pad_before = pad_total // 2. Its adjoint
    scatters x into the full transposed result of (in - 1) * stride + kernel
    pixels, and y is that full result seen through the same padding window:
    pad_before pixels are dropped at the start and the remainder at the end.

    For kernel 3, stride 2: full = 2 * in + 1, out = 2 * in, pad_total = 1,
    pad_before = 0, so nothing is cropped at the start and one pixel at the
    end.
    """
    out_size = in_size * stride
    full = (in_size - 1) * stride + kernel
    total = max((in_size - 1) * stride + kernel - out_size, 0)
    before = total // 2
    after = full - out_size - before
    assert after >= 0, "transposed convolution would have to grow, not crop"
    return before, after, out_size


# ---------------------------------------------------------------------------
# Layers, on float64 HWC arrays
# ---------------------------------------------------------------------------

def conv2d_same(x, w, stride):
    """TF conv2d with SAME padding. x: [H, W, Cin], w: [kh, kw, Cin, Cout]."""
    h, wd, cin = x.shape
    kh, kw, wcin, cout = w.shape
    assert wcin == cin, "convolution expects %d channels, got %d" % (wcin, cin)
    top, bottom, ho = same_pads(h, kh, stride)
    left, right, wo = same_pads(wd, kw, stride)
    xp = np.pad(x, ((top, bottom), (left, right), (0, 0)))

    # Windows as a strided view [Ho', Wo', Cin, kh, kw]; rows are copied into
    # a patch matrix in blocks, then one GEMM per block.
    windows = np.lib.stride_tricks.sliding_window_view(xp, (kh, kw), axis=(0, 1))
    windows = windows[::stride, ::stride][:ho, :wo]
    wmat = w.transpose(2, 0, 1, 3).reshape(cin * kh * kw, cout)

    out = np.empty((ho, wo, cout), dtype=np.float64)
    rows = max(1, IM2COL_BLOCK_ELEMENTS // max(1, wo * cin * kh * kw))
    for r0 in range(0, ho, rows):
        r1 = min(ho, r0 + rows)
        patches = windows[r0:r1].reshape((r1 - r0) * wo, cin * kh * kw)
        out[r0:r1] = (patches @ wmat).reshape(r1 - r0, wo, cout)
    return out


def conv2d_transpose_same(x, w, stride):
    """TF conv2d_transpose with SAME padding and output = stride * input.

    x: [H, W, Cin], w: [kh, kw, Cout, Cin] (TF's layout for transposed
    convolutions: the forward convolution's [kh, kw, in, out] seen from the
    other side). One GEMM gives every input pixel's kh*kw*Cout contribution;
    they are then scattered (col2im) into the full (H-1)*s+kh result, which is
    cropped as transposed_same_crop() explains.
    """
    h, wd, cin = x.shape
    kh, kw, cout, wcin = w.shape
    assert wcin == cin, "transposed convolution expects %d channels, got %d" % (wcin, cin)
    top, _, ho = transposed_same_crop(h, kh, stride)
    left, _, wo = transposed_same_crop(wd, kw, stride)

    wmat = w.transpose(3, 0, 1, 2).reshape(cin, kh * kw * cout)
    contrib = (x.reshape(h * wd, cin) @ wmat).reshape(h, wd, kh, kw, cout)

    full = np.zeros(((h - 1) * stride + kh, (wd - 1) * stride + kw, cout))
    for i in range(kh):
        for j in range(kw):
            full[i:i + (h - 1) * stride + 1:stride,
                 j:j + (wd - 1) * stride + 1:stride] += contrib[:, :, i, j]
    return full[top:top + ho, left:left + wo]


def instance_norm(x, shift, scale):
    """scale * (x - mean) / sqrt(var + 1e-3) + shift, per channel, population variance."""
    mean = x.mean(axis=(0, 1), keepdims=True)
    var = ((x - mean) ** 2).mean(axis=(0, 1), keepdims=True)
    return scale * (x - mean) / np.sqrt(var + IN_EPSILON) + shift


def relu(x):
    return np.maximum(x, 0.0)


# ---------------------------------------------------------------------------
# Checkpoint and network
# ---------------------------------------------------------------------------

# (kind, kernel, stride, relu) for each of the 16 weight triples, in the
# order the checkpoint stores them. Residual blocks are pairs of "res" layers.
LAYERS = (
    [("conv", 9, 1, True), ("conv", 3, 2, True), ("conv", 3, 2, True)]
    + [("res", 3, 1, True), ("res", 3, 1, False)] * 5
    + [("deconv", 3, 2, True), ("deconv", 3, 2, True), ("conv", 9, 1, False)]
)


def variable_name(index):
    return "Variable" if index == 0 else "Variable_%d" % index


def load_checkpoint(folder):
    """Returns a list of (weight, shift, scale) float64 triples, checked against LAYERS."""
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)

    def load(index):
        name = variable_name(index)
        if name not in manifest:
            raise ValueError("%s: manifest.json has no variable %s" % (folder, name))
        entry = manifest[name]
        shape = tuple(int(d) for d in entry["shape"])
        filename = entry["filename"]
        if os.path.basename(filename) != filename:
            raise ValueError("%s: variable %s names a file outside the folder" % (folder, name))
        data = np.fromfile(os.path.join(folder, filename), dtype="<f4")
        if data.size != math.prod(shape):
            raise ValueError("%s: %s holds %d floats, its shape %s needs %d"
                             % (folder, filename, data.size, shape, math.prod(shape)))
        return data.reshape(shape).astype(np.float64)

    triples = []
    channels = 3
    for n, (kind, k, _, _) in enumerate(LAYERS):
        weight, shift, scale = load(3 * n), load(3 * n + 1), load(3 * n + 2)
        if kind == "deconv":
            kh, kw, cout, cin = weight.shape
        else:
            kh, kw, cin, cout = weight.shape
        if (kh, kw) != (k, k) or cin != channels:
            raise ValueError("%s: layer %d (%s) has weight shape %s, expected %dx%d from %d channels"
                             % (folder, n, variable_name(3 * n), weight.shape, k, k, channels))
        if shift.shape != (cout,) or scale.shape != (cout,):
            raise ValueError("%s: layer %d instance-norm parameters do not have %d channels"
                             % (folder, n, cout))
        triples.append((weight, shift, scale))
        channels = cout
    if channels != 3:
        raise ValueError("%s: the last layer gives %d channels, not 3" % (folder, channels))
    return triples


def output_size(n):
    """Output pixels along an axis of n input pixels: 4 * ceil(n / 4)."""
    return 4 * (-(-n // 4))


def run_network(triples, image, dump=None):
    """image: [H, W, 3] float64 RGB in 0..255. Returns [ceil4(H), ceil4(W), 3] in 0..255.

    dump, if given, is called as dump(name, array) after each stage.
    """
    x = np.asarray(image, dtype=np.float64)
    block_input = None
    for n, ((kind, _, stride, use_relu), (w, shift, scale)) in enumerate(zip(LAYERS, triples)):
        if kind == "res" and use_relu:
            block_input = x
        if kind == "deconv":
            x = conv2d_transpose_same(x, w, stride)
        else:
            x = conv2d_same(x, w, stride)
        x = instance_norm(x, shift, scale)
        if use_relu:
            x = relu(x)
        if kind == "res" and not use_relu:
            x = x + block_input
        if dump is not None:
            dump("layer%02d_%s" % (n, kind), x)
    x = np.clip(np.tanh(x) * 150.0 + 127.5, 0.0, 255.0)
    if dump is not None:
        dump("output", x)
    return x


# ---------------------------------------------------------------------------
# Self-test: the fast paths against loops written straight from the definitions
# ---------------------------------------------------------------------------

def naive_conv2d_same(x, w, stride):
    h, wd, cin = x.shape
    kh, kw, _, cout = w.shape
    top, _, ho = same_pads(h, kh, stride)
    left, _, wo = same_pads(wd, kw, stride)
    out = np.zeros((ho, wo, cout))
    for oy in range(ho):
        for ox in range(wo):
            for i in range(kh):
                for j in range(kw):
                    iy, ix = oy * stride + i - top, ox * stride + j - left
                    if 0 <= iy < h and 0 <= ix < wd:
                        out[oy, ox] += x[iy, ix] @ w[i, j]
    return out


def naive_conv2d_transpose_same(x, w, stride):
    h, wd, cin = x.shape
    kh, kw, cout, _ = w.shape
    top, _, ho = transposed_same_crop(h, kh, stride)
    left, _, wo = transposed_same_crop(wd, kw, stride)
    out = np.zeros((ho, wo, cout))
    for iy in range(h):
        for ix in range(wd):
            for i in range(kh):
                for j in range(kw):
                    oy, ox = iy * stride + i - top, ix * stride + j - left
                    if 0 <= oy < ho and 0 <= ox < wo:
                        out[oy, ox] += w[i, j] @ x[iy, ix]
    return out


def self_test():
    rng = np.random.default_rng(20240607)
    failures = 0

    def check(what, got, want, tol=1e-12):
        nonlocal failures
        if got.shape != want.shape:
            print("FAIL %s: shape %s, expected %s" % (what, got.shape, want.shape))
            failures += 1
            return
        err = np.linalg.norm(got - want) / max(np.linalg.norm(want), 1e-300)
        ok = err <= tol
        failures += not ok
        print("%s %s: relative error %.3g" % ("ok  " if ok else "FAIL", what, err))

    # TF's documented SAME arithmetic, worked by hand.
    assert same_pads(8, 3, 2) == (0, 1, 4)
    assert same_pads(7, 3, 2) == (1, 1, 4)
    assert same_pads(5, 9, 1) == (4, 4, 5)
    assert same_pads(6, 4, 1) == (1, 2, 6)
    assert transposed_same_crop(4, 3, 2) == (0, 1, 8)
    assert transposed_same_crop(5, 3, 2) == (0, 1, 10)

    for (h, wd, cin, cout, k, s) in [(7, 6, 3, 4, 9, 1), (8, 5, 2, 3, 3, 2),
                                     (7, 9, 3, 2, 3, 2), (5, 5, 2, 2, 4, 1),
                                     (6, 7, 3, 2, 4, 3)]:
        x = rng.standard_normal((h, wd, cin))
        w = rng.standard_normal((k, k, cin, cout))
        check("conv %dx%d k%d s%d" % (h, wd, k, s),
              conv2d_same(x, w, s), naive_conv2d_same(x, w, s))

    # Exercise the blocked im2col path with more than one block.
    saved = globals()["IM2COL_BLOCK_ELEMENTS"]
    globals()["IM2COL_BLOCK_ELEMENTS"] = 200
    x = rng.standard_normal((11, 10, 3))
    w = rng.standard_normal((3, 3, 3, 2))
    check("conv blocked", conv2d_same(x, w, 2), naive_conv2d_same(x, w, 2))
    globals()["IM2COL_BLOCK_ELEMENTS"] = saved

    for (h, wd, cin, cout, k, s) in [(4, 5, 3, 2, 3, 2), (3, 3, 2, 4, 3, 2), (4, 3, 2, 2, 5, 2)]:
        x = rng.standard_normal((h, wd, cin))
        w = rng.standard_normal((k, k, cout, cin))
        got = conv2d_transpose_same(x, w, s)
        check("deconv %dx%d k%d s%d" % (h, wd, k, s), got, naive_conv2d_transpose_same(x, w, s))

        # TF defines conv2d_transpose as the gradient of conv2d: for every y of
        # the output's shape, <conv(y), x> == <y, conv_transpose(x)>, where the
        # forward convolution runs from s*in pixels to in pixels with SAME.
        y = rng.standard_normal((h * s, wd * s, cout))
        fwd = conv2d_same(y, w, s)
        assert fwd.shape == x.shape
        lhs, rhs = np.vdot(fwd, x), np.vdot(y, got)
        check("deconv adjoint of SAME conv %dx%d" % (h, wd),
              np.array([lhs]), np.array([rhs]))

    x = rng.standard_normal((5, 4, 3)) * 3 + 2
    shift, scale = rng.standard_normal(3), rng.standard_normal(3)
    want = np.empty_like(x)
    for c in range(3):
        v = x[:, :, c]
        mu = sum(v.ravel()) / v.size
        var = sum((t - mu) ** 2 for t in v.ravel()) / v.size
        want[:, :, c] = scale[c] * (v - mu) / math.sqrt(var + IN_EPSILON) + shift[c]
    check("instance norm", instance_norm(x, shift, scale), want)

    for n in (1, 2, 3, 4, 5, 157, 203, 256, 360):
        a = same_pads(n, 3, 2)[2]
        b = same_pads(a, 3, 2)[2]
        assert transposed_same_crop(transposed_same_crop(b, 3, 2)[2], 3, 2)[2] == output_size(n)

    print("self-test: %s" % ("passed" if failures == 0 else "%d FAILED" % failures))
    return failures == 0


# ---------------------------------------------------------------------------

def main(argv):
    parser = argparse.ArgumentParser(
        description="Float64 reference run of a fast-style-transfer checkpoint "
                    "on a raw float32 HWC RGB image (0..255).")
    parser.add_argument("checkpoint", nargs="?",
                        help="folder with manifest.json and the raw float32 variables")
    parser.add_argument("--input-raw", "--input", dest="input",
                        help="H*W*3 little-endian float32, HWC interleaved RGB in 0..255")
    parser.add_argument("--width", type=int, help="input width in pixels")
    parser.add_argument("--height", type=int, help="input height in pixels")
    parser.add_argument("--output", help="written as ceil4(H)*ceil4(W)*3 float32, HWC RGB, clamped to 0..255")
    parser.add_argument("--dump", metavar="DIR",
                        help="also write every layer's output as raw float32 HWC into DIR")
    parser.add_argument("--self-test", action="store_true",
                        help="check the layers against naive loops and exit")
    args = parser.parse_args(argv)

    if args.self_test:
        return 0 if self_test() else 1
    if not (args.checkpoint and args.input and args.output and args.width and args.height):
        parser.error("CHECKPOINT_DIR, --input-raw, --width, --height and --output are needed")
    if args.width <= 0 or args.height <= 0:
        parser.error("--width and --height must be positive")

    triples = load_checkpoint(args.checkpoint)
    data = np.fromfile(args.input, dtype="<f4")
    expected = args.width * args.height * 3
    if data.size != expected:
        raise SystemExit("%s: holds %d floats, %dx%d RGB needs %d"
                         % (args.input, data.size, args.width, args.height, expected))
    image = data.reshape(args.height, args.width, 3).astype(np.float64)

    dump = None
    if args.dump:
        os.makedirs(args.dump, exist_ok=True)

        def dump(name, array):
            array.astype("<f4").tofile(os.path.join(args.dump, "%s_%dx%dx%d.f32" % (
                name, array.shape[0], array.shape[1], array.shape[2])))

    out = run_network(triples, image, dump)
    tmp = args.output + ".part"
    out.astype("<f4").tofile(tmp)
    os.replace(tmp, args.output)
    print(json.dumps({"width": out.shape[1], "height": out.shape[0], "channels": 3}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
