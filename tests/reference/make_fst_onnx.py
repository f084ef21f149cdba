#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a fast-style-transfer checkpoint as an ONNX model (opset 13).

    make_fst_onnx.py CHECKPOINT_DIR OUT.onnx [--same-upper | --width W --height H]

This is a second route to the network, independent of Celshade's own C
importer: it checks that importer and gives the benchmark peers (ONNX Runtime,
PyTorch) the same model the engine runs. The graph takes 'input', NCHW float
[1, 3, H, W] RGB in 0..255, and gives 'output', [1, 3, H', W'] RGB clamped to
0..255, where H' = 4 * ceil(H / 4) (the network's own size arithmetic; see
fst_reference.py).

TensorFlow's SAME padding puts the odd pixel after (bottom/right). ONNX's
explicit Conv pads are [top, left, bottom, right], so a stride-1 k x k layer
gets (k-1)/2 on every side, and a stride-2 3x3 layer gets [0, 0, 1, 1] on an
even axis but [1, 1, 1, 1] on an odd one. That depends on the size, so:

  default        symbolic H and W, explicit pads only; exact when H and W are
                 multiples of 4 (then H' = H and W' = W). Other sizes run but
                 do not compute the trained network.
  --same-upper   symbolic H and W; the stride-2 convolutions use
                 auto_pad=SAME_UPPER, which is TF's SAME for every size.
  --width/--height  fixed H and W; every pad is explicit and exact.

The transposed convolutions need no choice: TF crops nothing at the start and
one pixel at the end of the (in-1)*2+3 = 2*in+1 pixel full result, and ONNX
ConvTranspose with pads [0, 0, 1, 1] and no output_padding gives
2*(in-1) + 0 + 3 - 0 - 1 = 2*in pixels, cropping exactly those.
"""

import argparse
import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
IN_EPSILON = 1e-3

# (kind, kernel, stride, relu) for each weight triple in checkpoint order.
LAYERS = (
    [("conv", 9, 1, True), ("conv", 3, 2, True), ("conv", 3, 2, True)]
    + [("res", 3, 1, True), ("res", 3, 1, False)] * 5
    + [("deconv", 3, 2, True), ("deconv", 3, 2, True), ("conv", 9, 1, False)]
)

LAYER_NAMES = (
    ["conv1", "conv2", "conv3"]
    + ["res%d_%s" % (b + 1, half) for b in range(5) for half in ("a", "b")]
    + ["deconv1", "deconv2", "conv4"]
)


def tf_same(in_size, kernel, stride):
    """TF SAME padding of one axis: (before, after, out_size); the odd pixel goes after."""
    out = -(-in_size // stride)
    total = max((out - 1) * stride + kernel - in_size, 0)
    return total // 2, total - total // 2, out


def tf_transposed_crop(in_size, kernel, stride):
    """What TF's SAME conv2d_transpose drops from the full (in-1)*s+k result: (before, after)."""
    out = in_size * stride
    total = max((in_size - 1) * stride + kernel - out, 0)
    before = total // 2
    return before, (in_size - 1) * stride + kernel - out - before


def read_checkpoint(folder):
    """Returns the 48 variables as float32 arrays, in network order."""
    with open(os.path.join(folder, "manifest.json"), encoding="utf-8") as f:
        manifest = json.load(f)
    variables = []
    for i in range(3 * len(LAYERS)):
        name = "Variable" if i == 0 else "Variable_%d" % i
        if name not in manifest:
            raise SystemExit("%s: manifest.json has no %s" % (folder, name))
        shape = [int(d) for d in manifest[name]["shape"]]
        filename = manifest[name]["filename"]
        if os.path.basename(filename) != filename:
            raise SystemExit("%s: %s names a file outside the folder" % (folder, name))
        data = np.fromfile(os.path.join(folder, filename), dtype="<f4")
        if data.size != math.prod(shape):
            raise SystemExit("%s: %s holds %d floats, shape %s needs %d"
                             % (folder, filename, data.size, shape, math.prod(shape)))
        variables.append(data.reshape(shape))
    return variables


def build_model(variables, mode, width=None, height=None, name="fast-style-transfer"):
    nodes = []
    inits = []

    def init(name, array):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))
        return name

    c150 = init("const_150", np.array(150.0, dtype=np.float32))
    c127 = init("const_127_5", np.array(127.5, dtype=np.float32))
    c0 = init("const_0", np.array(0.0, dtype=np.float32))
    c255 = init("const_255", np.array(255.0, dtype=np.float32))

    x = "input"
    h, w = height, width          # known sizes when fixed, else None
    channels = 3
    block_input = None
    for n, ((kind, k, stride, use_relu), lname) in enumerate(zip(LAYERS, LAYER_NAMES)):
        weight, shift, scale = variables[3 * n:3 * n + 3]
        if kind == "deconv":
            kh, kw, cout, cin = weight.shape
        else:
            kh, kw, cin, cout = weight.shape
        if (kh, kw) != (k, k) or cin != channels or shift.shape != (cout,) or scale.shape != (cout,):
            raise SystemExit("layer %d (%s): unexpected shapes %s, %s, %s"
                             % (n, lname, weight.shape, shift.shape, scale.shape))
        channels = cout
        if kind == "res" and use_relu:
            block_input = x

        # Both TF layouts become ONNX's by the same permutation: a convolution's
        # [kh, kw, in, out] becomes Conv's [out, in, kh, kw], and a transposed
        # convolution's [kh, kw, out, in] becomes ConvTranspose's [in, out, kh, kw].
        wname = init(lname + ".weight", weight.transpose(3, 2, 0, 1))
        y = lname + ".conv"
        if kind == "deconv":
            if h is not None:
                top, bottom = tf_transposed_crop(h, k, stride)
                left, right = tf_transposed_crop(w, k, stride)
                h, w = h * stride, w * stride
            else:
                # Size-independent: (in-1)*s + k - s*in = k - s whatever in is.
                top, bottom = tf_transposed_crop(2, k, stride)
                left, right = top, bottom
            nodes.append(helper.make_node(
                "ConvTranspose", [x, wname], [y], name=y,
                kernel_shape=[k, k], strides=[stride, stride],
                pads=[top, left, bottom, right]))
        else:
            attrs = {"kernel_shape": [k, k], "strides": [stride, stride]}
            if h is not None:
                top, bottom, h = tf_same(h, k, stride)
                left, right, w = tf_same(w, k, stride)
                attrs["pads"] = [top, left, bottom, right]
            elif stride == 1:
                # (k-1)/2 each side for odd k, whatever the size.
                top, bottom, _ = tf_same(k, k, 1)
                attrs["pads"] = [top, top, bottom, bottom]
            elif mode == "same-upper":
                attrs["auto_pad"] = "SAME_UPPER"
            else:
                # TF's pads on an even axis; see the module comment.
                top, bottom, _ = tf_same(2 * k, k, stride)
                attrs["pads"] = [top, top, bottom, bottom]
            nodes.append(helper.make_node("Conv", [x, wname], [y], name=y, **attrs))

        sname = init(lname + ".in_scale", scale)
        bname = init(lname + ".in_shift", shift)
        z = lname + ".norm"
        nodes.append(helper.make_node("InstanceNormalization", [y, sname, bname], [z],
                                      name=z, epsilon=IN_EPSILON))
        if use_relu:
            nodes.append(helper.make_node("Relu", [z], [lname + ".relu"], name=lname + ".relu"))
            z = lname + ".relu"
        if kind == "res" and not use_relu:
            nodes.append(helper.make_node("Add", [block_input, z], [lname + ".add"],
                                          name=lname + ".add"))
            z = lname + ".add"
        x = z

    nodes.append(helper.make_node("Tanh", [x], ["tanh"], name="tanh"))
    nodes.append(helper.make_node("Mul", ["tanh", c150], ["scaled"], name="scale_150"))
    nodes.append(helper.make_node("Add", ["scaled", c127], ["shifted"], name="add_127_5"))
    nodes.append(helper.make_node("Clip", ["shifted", c0, c255], ["output"], name="clip_0_255"))

    if height is not None:
        in_dims, out_dims = [1, 3, height, width], [1, 3, h, w]
    elif mode == "same-upper":
        in_dims, out_dims = [1, 3, "height", "width"], [1, 3, "out_height", "out_width"]
    else:
        in_dims, out_dims = [1, 3, "height", "width"], [1, 3, "height", "width"]

    graph = helper.make_graph(
        nodes, name.replace("-", "_"),
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, in_dims)],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, out_dims)],
        initializer=inits)
    graph.input[0].doc_string = "RGB in 0..255, not normalised"
    graph.output[0].doc_string = "RGB clamped to 0..255"
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="celshade-make-fst-onnx", producer_version="1")
    # Keep the IR version readable by older runtimes; opset 13 needs IR 7.
    model.ir_version = 7
    if height is None and mode != "same-upper":
        model.doc_string = ("Fast style transfer (%s). Exact for input sizes that are "
                            "multiples of 4." % name)
    else:
        model.doc_string = "Fast style transfer (%s)." % name
    onnx.checker.check_model(model)
    return model


def main(argv):
    parser = argparse.ArgumentParser(
        description="Write a fast-style-transfer checkpoint (manifest.json + raw float32 "
                    "variables) as an ONNX opset-13 model.")
    parser.add_argument("checkpoint", help="checkpoint folder")
    parser.add_argument("output", help="the .onnx file to write")
    parser.add_argument("--same-upper", action="store_true",
                        help="stride-2 convolutions with auto_pad=SAME_UPPER: exact for every size")
    parser.add_argument("--width", type=int, help="fix the input width (all pads explicit and exact)")
    parser.add_argument("--height", type=int, help="fix the input height")
    args = parser.parse_args(argv)
    if (args.width is None) != (args.height is None):
        parser.error("--width and --height go together")
    if args.width is not None and (args.width <= 0 or args.height <= 0):
        parser.error("--width and --height must be positive")
    if args.width is not None and args.same_upper:
        parser.error("--same-upper is for models of symbolic size")

    variables = read_checkpoint(args.checkpoint)
    style = os.path.basename(os.path.normpath(args.checkpoint))
    model = build_model(variables, "same-upper" if args.same_upper else "explicit",
                        args.width, args.height, style)
    tmp = args.output + ".part"
    onnx.save(model, tmp)
    os.replace(tmp, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
