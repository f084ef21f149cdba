#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""PyTorch peer for Celshade's benchmarks.

    peer-torch.py MODEL.onnx --width W --height H [--runs N] [--threads T]
                  [--input-raw IN.f32] [--output-raw OUT.f32]
    peer-torch.py --node-tests DIR [NAME_PREFIX ...]

Loads an ONNX model with the onnx package and runs it on the CPU in PyTorch by
interpreting its graph node by node with torch.nn.functional, so that the
comparison needs nothing beyond Debian's python3-onnx and python3-torch. The
input is [1, 3, H, W] float32: the pattern that peer-ort.mjs uses, or
--input-raw (H*W*3 float32, HWC interleaved RGB). One warm-up run, then N timed
runs; prints one line of JSON. --output-raw writes the output as float32 HWC.

Operators outside the list in OPS are refused before anything runs, by name.
--node-tests runs ONNX's operator conformance cases (for example Debian's
libonnx-testdata, /usr/share/libonnx-testdata/data/node) that use only
supported operators, to check this interpreter itself.
"""

import argparse
import glob
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import onnx
from onnx import helper, numpy_helper
import torch
import torch.nn.functional as F


class Unsupported(Exception):
    pass


ONNX_TO_TORCH_DTYPE = {
    onnx.TensorProto.FLOAT: torch.float32,
    onnx.TensorProto.DOUBLE: torch.float64,
    onnx.TensorProto.FLOAT16: torch.float16,
    onnx.TensorProto.INT8: torch.int8,
    onnx.TensorProto.UINT8: torch.uint8,
    onnx.TensorProto.INT16: torch.int16,
    onnx.TensorProto.INT32: torch.int32,
    onnx.TensorProto.INT64: torch.int64,
    onnx.TensorProto.BOOL: torch.bool,
}


def to_torch(tensor_proto):
    if tensor_proto.data_type == onnx.TensorProto.BFLOAT16:
        raise Unsupported("bfloat16 tensors")
    array = numpy_helper.to_array(tensor_proto)
    if array.dtype == object:
        raise Unsupported("string tensors")
    if array.dtype in (np.uint16, np.uint32, np.uint64):
        raise Unsupported("%s tensors" % array.dtype)
    return torch.from_numpy(np.array(array, copy=True))


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def present(inputs, i):
    return i < len(inputs) and inputs[i] is not None


# ---------------------------------------------------------------------------
# Operators: each takes (inputs, attrs, node, opset) and returns a list of outputs
# ---------------------------------------------------------------------------

def spatial_pads(node_attrs, x_spatial, kernel, strides, dilations):
    """[(begin, end)] per spatial axis for Conv from pads or auto_pad."""
    auto = node_attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    n = len(x_spatial)
    if auto in ("NOTSET", ""):
        pads = node_attrs.get("pads", [0] * (2 * n))
        return [(pads[i], pads[i + n]) for i in range(n)]
    if auto == "VALID":
        return [(0, 0)] * n
    if auto not in ("SAME_UPPER", "SAME_LOWER"):
        raise Unsupported("auto_pad=%s" % auto)
    result = []
    for size, k, s, d in zip(x_spatial, kernel, strides, dilations):
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        small = total // 2
        result.append((small, total - small) if auto == "SAME_UPPER" else (total - small, small))
    return result


def torch_pad_list(pairs):
    """[(begin, end)] over leading-to-trailing axes -> F.pad's trailing-first list."""
    flat = []
    for begin, end in reversed(pairs):
        flat += [begin, end]
    return flat


CONV_FN = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T_FN = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def op_conv(inputs, a, node, opset):
    x, w = inputs[0], inputs[1]
    b = inputs[2] if present(inputs, 2) else None
    n = x.dim() - 2
    if n not in CONV_FN:
        raise Unsupported("Conv on %d spatial axes" % n)
    kernel = a.get("kernel_shape", list(w.shape[2:]))
    strides = a.get("strides", [1] * n)
    dilations = a.get("dilations", [1] * n)
    pads = spatial_pads(a, list(x.shape[2:]), kernel, strides, dilations)
    if all(p == q for p, q in pads):
        padding = [p for p, _ in pads]
    else:
        x = F.pad(x, torch_pad_list(pads))
        padding = 0
    return [CONV_FN[n](x, w, b, stride=strides, padding=padding,
                       dilation=dilations, groups=a.get("group", 1))]


# PyTorch 1.13's CPU conv_transpose2d has no fast path and runs several times
# slower than a convolution of the same size; the peer is meant to be a strong
# baseline, so by default a transposed convolution runs as the equivalent
# stride-1 convolution over the zero-upsampled input (--convtranspose native
# gives PyTorch's own operator).
CONV_TRANSPOSE_AS_CONV = True


def conv_transpose_full_via_conv(x, w, strides, dilations, group):
    """Un-cropped transposed convolution, s*(in-1) + (k-1)*d + 1 pixels per axis."""
    n = x.dim() - 2
    in_sizes = list(x.shape[2:])
    if any(s > 1 for s in strides):
        up = x.new_zeros(list(x.shape[:2]) + [s * (i - 1) + 1 for i, s in zip(in_sizes, strides)])
        up[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)] = x
        x = up
    # ConvTranspose weight [C_in, C_out/g, k...] -> Conv weight [C_out, C_in/g, k...],
    # each group's block transposed and every kernel flipped.
    cin, cout_g = w.shape[0], w.shape[1]
    k = list(w.shape[2:])
    wc = w.reshape([group, cin // group, cout_g] + k).transpose(1, 2)
    wc = wc.reshape([group * cout_g, cin // group] + k).flip(list(range(2, 2 + n)))
    halo = [(kk - 1) * d for kk, d in zip(k, dilations)]
    return CONV_FN[n](x, wc, None, stride=1, padding=halo, dilation=dilations, groups=group)


def op_conv_transpose(inputs, a, node, opset):
    x, w = inputs[0], inputs[1]
    b = inputs[2] if present(inputs, 2) else None
    n = x.dim() - 2
    if n not in CONV_T_FN:
        raise Unsupported("ConvTranspose on %d spatial axes" % n)
    group = a.get("group", 1)
    kernel = a.get("kernel_shape", list(w.shape[2:]))
    strides = a.get("strides", [1] * n)
    dilations = a.get("dilations", [1] * n)
    out_pad = a.get("output_padding", [0] * n)
    in_sizes = list(x.shape[2:])
    # The full result, before the ONNX pads crop it: s*(in-1) + (k-1)*d + 1.
    if CONV_TRANSPOSE_AS_CONV:
        full = conv_transpose_full_via_conv(x, w, strides, dilations, group)
    else:
        full = CONV_T_FN[n](x, w, None, stride=strides, padding=0, output_padding=0,
                            groups=group, dilation=dilations)
    natural = [s * (i - 1) + op + (k - 1) * d + 1
               for i, s, op, k, d in zip(in_sizes, strides, out_pad, kernel, dilations)]
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if "output_shape" in a or auto in ("SAME_UPPER", "SAME_LOWER"):
        if "output_shape" in a:
            target = a["output_shape"][-n:]
        else:
            target = [i * s for i, s in zip(in_sizes, strides)]
        pads = []
        for nat, t in zip(natural, target):
            total = nat - t
            if auto == "SAME_UPPER":
                pads.append((total // 2, total - total // 2))
            else:
                pads.append((total - total // 2, total // 2))
    elif auto == "VALID":
        pads = [(0, 0)] * n
    elif auto in ("NOTSET", ""):
        p = a.get("pads", [0] * (2 * n))
        pads = [(p[i], p[i + n]) for i in range(n)]
    else:
        raise Unsupported("auto_pad=%s" % auto)
    # output_padding appends zeros at the end; pads crop both ends. Negative
    # F.pad amounts crop, so one call does both.
    y = F.pad(full, torch_pad_list([(-pb, op - pe) for (pb, pe), op in zip(pads, out_pad)]))
    if b is not None:
        y = y + b.reshape([1, -1] + [1] * n)
    return [y]


def op_instance_norm(inputs, a, node, opset):
    x, scale, bias = inputs[:3]
    return [F.instance_norm(x, weight=scale, bias=bias, eps=a.get("epsilon", 1e-5))]


def op_batch_norm(inputs, a, node, opset):
    if a.get("training_mode", 0) or sum(1 for o in node.output if o) > 1:
        raise Unsupported("BatchNormalization in training mode")
    x, scale, bias, mean, var = inputs[:5]
    return [F.batch_norm(x, mean, var, scale, bias, training=False, momentum=0.0,
                         eps=a.get("epsilon", 1e-5))]


def op_clip(inputs, a, node, opset):
    x = inputs[0]
    if opset < 11:
        lo, hi = a.get("min", None), a.get("max", None)
    else:
        lo = inputs[1].item() if present(inputs, 1) else None
        hi = inputs[2].item() if present(inputs, 2) else None
    if lo is None and hi is None:
        return [x.clone()]
    return [torch.clamp(x, min=lo, max=hi)]


def op_div(inputs, a, node, opset):
    x, y = inputs
    if x.is_floating_point():
        return [x / y]
    return [torch.div(x, y, rounding_mode="trunc")]


def op_pad(inputs, a, node, opset):
    x = inputs[0]
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if opset < 11:
        pads, value = a["pads"], a.get("value", 0.0)
        axes = list(range(x.dim()))
    else:
        pads = ints(inputs[1])
        value = inputs[2].item() if present(inputs, 2) else 0
        axes = ints(inputs[3]) if present(inputs, 3) else list(range(x.dim()))
        axes = [ax % x.dim() for ax in axes]
    n = len(axes)
    pairs = [(0, 0)] * x.dim()
    for i, ax in enumerate(axes):
        pairs[ax] = (pads[i], pads[i + n])
    # Negative pads crop, in every mode.
    index = [slice(max(-b, 0), x.shape[d] - max(-e, 0)) for d, (b, e) in enumerate(pairs)]
    x = x[tuple(index)]
    pairs = [(max(b, 0), max(e, 0)) for b, e in pairs]
    if mode == "constant":
        return [F.pad(x, torch_pad_list(pairs), mode="constant", value=value)]
    if mode not in ("reflect", "edge"):
        raise Unsupported("Pad mode=%s" % mode)
    lead = 0
    while lead < len(pairs) and pairs[lead] == (0, 0):
        lead += 1
    padded_axes = x.dim() - lead
    if padded_axes == 0:
        return [x.clone()]
    if padded_axes > 3:
        raise Unsupported("Pad mode=%s on more than the 3 last axes" % mode)
    # torch pads the last 1-3 axes of a tensor with one more (channel-like)
    # axis in front: fold every unpadded leading axis into that one.
    shape = list(x.shape)
    view = x.reshape([-1] + shape[lead:])
    # torch has these modes for floating point only; float64 holds any int32.
    work = view if view.is_floating_point() else view.to(torch.float64)
    y = F.pad(work, torch_pad_list(pairs[lead:]),
              mode="reflect" if mode == "reflect" else "replicate").to(x.dtype)
    return [y.reshape(shape[:lead] + list(y.shape[1:]))]


def resize_nearest_indices(in_size, out_size, scale, ctm, nearest_mode):
    x = np.arange(out_size, dtype=np.float64)
    if ctm == "half_pixel":
        orig = (x + 0.5) / scale - 0.5
    elif ctm == "pytorch_half_pixel":
        orig = (x + 0.5) / scale - 0.5 if out_size > 1 else np.zeros_like(x)
    elif ctm == "align_corners":
        orig = x * (in_size - 1) / (out_size - 1) if out_size > 1 else np.zeros_like(x)
    elif ctm == "asymmetric":
        orig = x / scale
    elif ctm == "tf_half_pixel_for_nn":
        orig = (x + 0.5) / scale
    else:
        raise Unsupported("Resize coordinate_transformation_mode=%s" % ctm)
    if nearest_mode == "round_prefer_floor":
        idx = np.ceil(orig - 0.5)
    elif nearest_mode == "round_prefer_ceil":
        idx = np.floor(orig + 0.5)
    elif nearest_mode == "floor":
        idx = np.floor(orig)
    elif nearest_mode == "ceil":
        idx = np.ceil(orig)
    else:
        raise Unsupported("Resize nearest_mode=%s" % nearest_mode)
    return torch.from_numpy(np.clip(idx, 0, in_size - 1).astype(np.int64))


def op_resize(inputs, a, node, opset):
    x = inputs[0]

    def attr(name, default):
        v = a.get(name, default)
        return v.decode() if isinstance(v, bytes) else v

    mode = attr("mode", "nearest")
    if mode != "nearest":
        raise Unsupported("%s mode=%s (only nearest)" % (node.op_type, mode))
    if node.op_type == "Upsample":
        scales = a["scales"] if opset < 9 else inputs[1].tolist()
        sizes = None
        ctm, nearest_mode = "asymmetric", "floor"
    else:
        if opset < 11:
            scales, sizes = inputs[1].tolist(), None
            ctm, nearest_mode = "asymmetric", "floor"
        else:
            scales = inputs[2].tolist() if present(inputs, 2) and inputs[2].numel() else None
            sizes = ints(inputs[3]) if present(inputs, 3) and inputs[3].numel() else None
            ctm = attr("coordinate_transformation_mode", "half_pixel")
            nearest_mode = attr("nearest_mode", "round_prefer_floor")
            if ctm == "tf_crop_and_resize":
                raise Unsupported("Resize coordinate_transformation_mode=tf_crop_and_resize")
    if sizes is not None:
        scales = [o / i for o, i in zip(sizes, x.shape)]
    else:
        sizes = [int(math.floor(i * s)) for i, s in zip(x.shape, scales)]
    y = x
    for axis, (i, o, s) in enumerate(zip(x.shape, sizes, scales)):
        if i == o and s == 1:
            continue
        y = torch.index_select(y, axis, resize_nearest_indices(i, o, s, ctm, nearest_mode))
    return [y]


def op_reshape(inputs, a, node, opset):
    x, shape = inputs[0], ints(inputs[1])
    if not a.get("allowzero", 0):
        shape = [x.shape[i] if d == 0 else d for i, d in enumerate(shape)]
    return [x.reshape(shape)]


def op_transpose(inputs, a, node, opset):
    x = inputs[0]
    return [x.permute(a.get("perm", list(reversed(range(x.dim()))))).contiguous()]


def op_gemm(inputs, a, node, opset):
    A, B = inputs[0], inputs[1]
    if a.get("transA", 0):
        A = A.t()
    if a.get("transB", 0):
        B = B.t()
    y = a.get("alpha", 1.0) * (A @ B)
    if present(inputs, 2):
        y = y + a.get("beta", 1.0) * inputs[2]
    return [y]


def op_constant(inputs, a, node, opset):
    if "value" in a:
        return [to_torch(a["value"])]
    if "value_float" in a:
        return [torch.tensor(a["value_float"], dtype=torch.float32)]
    if "value_floats" in a:
        return [torch.tensor(a["value_floats"], dtype=torch.float32)]
    if "value_int" in a:
        return [torch.tensor(a["value_int"], dtype=torch.int64)]
    if "value_ints" in a:
        return [torch.tensor(a["value_ints"], dtype=torch.int64)]
    raise Unsupported("Constant with %s" % ", ".join(a))


def op_depth_to_space(inputs, a, node, opset):
    x, bs = inputs[0], a["blocksize"]
    mode = a.get("mode", b"DCR")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    n, c, h, w = x.shape
    if mode == "DCR":
        y = x.reshape(n, bs, bs, c // (bs * bs), h, w).permute(0, 3, 4, 1, 5, 2)
    else:
        y = x.reshape(n, c // (bs * bs), bs, bs, h, w).permute(0, 1, 4, 2, 5, 3)
    return [y.reshape(n, c // (bs * bs), h * bs, w * bs)]


def op_slice(inputs, a, node, opset):
    x = inputs[0]
    if opset < 10:
        starts, ends = a["starts"], a["ends"]
        axes = a.get("axes", list(range(len(starts))))
        steps = [1] * len(starts)
    else:
        starts, ends = ints(inputs[1]), ints(inputs[2])
        axes = ints(inputs[3]) if present(inputs, 3) else list(range(len(starts)))
        steps = ints(inputs[4]) if present(inputs, 4) else [1] * len(starts)
    index = [slice(None)] * x.dim()
    flips = []
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis %= x.dim()
        size = x.shape[axis]
        if step > 0:
            start = min(max(start + size if start < 0 else start, 0), size)
            end = min(max(end + size if end < 0 else end, 0), size)
            index[axis] = slice(start, end, step)
        else:
            # torch slices only forward: take the same elements, then flip.
            start = min(max(start + size if start < 0 else start, -1), size - 1)
            end = min(max(end + size if end < 0 else end, -1), size - 1)
            count = max(0, -(-(start - end) // -step))
            first = start + (count - 1) * step if count else 0
            index[axis] = slice(first, first + (count - 1) * -step + 1 if count else 0, -step)
            flips.append(axis)
    y = x[tuple(index)]
    return [torch.flip(y, flips) if flips else y.clone()]


def op_unsqueeze(inputs, a, node, opset):
    x = inputs[0]
    axes = a["axes"] if opset < 13 else ints(inputs[1])
    rank = x.dim() + len(axes)
    for axis in sorted(ax % rank for ax in axes):
        x = x.unsqueeze(axis)
    return [x]


def op_squeeze(inputs, a, node, opset):
    x = inputs[0]
    if opset < 13:
        axes = a.get("axes", None)
    else:
        axes = ints(inputs[1]) if present(inputs, 1) else None
    if axes is None:
        return [x.squeeze()]
    for axis in sorted((ax % x.dim() for ax in axes), reverse=True):
        x = x.squeeze(axis)
    return [x]


def op_gather(inputs, a, node, opset):
    x, idx = inputs[0], inputs[1].long()
    axis = a.get("axis", 0) % x.dim()
    idx = torch.where(idx < 0, idx + x.shape[axis], idx)
    y = torch.index_select(x, axis, idx.reshape(-1))
    return [y.reshape(list(x.shape[:axis]) + list(idx.shape) + list(x.shape[axis + 1:]))]


def op_flatten(inputs, a, node, opset):
    x = inputs[0]
    axis = a.get("axis", 1)
    if axis < 0:
        axis += x.dim()
    lead = int(np.prod(x.shape[:axis])) if axis else 1
    return [x.reshape(lead, -1)]


def op_cast(inputs, a, node, opset):
    to = a["to"]
    if to not in ONNX_TO_TORCH_DTYPE:
        raise Unsupported("Cast to %s" % onnx.TensorProto.DataType.Name(to))
    return [inputs[0].to(ONNX_TO_TORCH_DTYPE[to])]


def op_shape(inputs, a, node, opset):
    # start/end (opset 15) slice the shape like Python does, clamped.
    dims = list(inputs[0].shape)
    end = a.get("end", None)
    return [torch.tensor(dims[a.get("start", 0):end], dtype=torch.int64)]


def op_prelu(inputs, a, node, opset):
    x, slope = inputs
    if opset < 7 and slope.dim() == 1 and x.dim() > 2 and slope.numel() == x.shape[1]:
        # Before opset 7 a 1-D slope is per channel, not broadcast from the right.
        slope = slope.reshape([-1] + [1] * (x.dim() - 2))
    return [torch.where(x >= 0, x, x * slope)]


def simple(fn):
    return lambda inputs, a, node, opset: [fn(*inputs)]


OPS = {
    "Conv": op_conv,
    "ConvTranspose": op_conv_transpose,
    "InstanceNormalization": op_instance_norm,
    "BatchNormalization": op_batch_norm,
    "Relu": simple(torch.relu),
    "LeakyRelu": lambda i, a, n, o: [F.leaky_relu(i[0], a.get("alpha", 0.01))],
    "PRelu": op_prelu,
    "Sigmoid": simple(torch.sigmoid),
    "Tanh": simple(torch.tanh),
    "Clip": op_clip,
    "Add": simple(torch.add),
    "Sub": simple(torch.sub),
    "Mul": simple(torch.mul),
    "Div": op_div,
    "Pad": op_pad,
    "Concat": lambda i, a, n, o: [torch.cat(i, dim=a["axis"])],
    "Resize": op_resize,
    "Upsample": op_resize,
    "DepthToSpace": op_depth_to_space,
    "Reshape": op_reshape,
    "Flatten": op_flatten,
    "Transpose": op_transpose,
    "Slice": op_slice,
    "Squeeze": op_squeeze,
    "Unsqueeze": op_unsqueeze,
    "Gather": op_gather,
    "Shape": op_shape,
    "Cast": op_cast,
    "MatMul": simple(torch.matmul),
    "Gemm": op_gemm,
    "Constant": op_constant,
    "Identity": lambda i, a, n, o: [i[0]],
}


class Interpreter:
    """Runs an onnx.ModelProto's main graph with torch, node by node."""

    def __init__(self, model):
        self.opset = None
        for imp in model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                self.opset = imp.version
        if self.opset is None:
            raise Unsupported("the model imports no ai.onnx opset")
        graph = model.graph
        refused = sorted({"%s%s" % (n.domain + "." if n.domain not in ("", "ai.onnx") else "",
                                    n.op_type)
                          for n in graph.node
                          if n.domain not in ("", "ai.onnx") or n.op_type not in OPS})
        if refused:
            raise Unsupported("operator%s %s" % ("s" if len(refused) > 1 else "",
                                                 ", ".join(refused)))
        self.nodes = [(n, {at.name: helper.get_attribute_value(at) for at in n.attribute})
                      for n in graph.node]
        self.initializers = {t.name: to_torch(t) for t in graph.initializer}
        self.inputs = [i.name for i in graph.input if i.name not in self.initializers]
        self.outputs = [o.name for o in graph.output]

    def run(self, feeds):
        values = dict(self.initializers)
        values.update(feeds)
        for node, attrs in self.nodes:
            args = [values[name] if name else None for name in node.input]
            results = OPS[node.op_type](args, attrs, node, self.opset)
            for name, value in zip(node.output, results):
                if name:
                    values[name] = value
        return [values[name] for name in self.outputs]


# ---------------------------------------------------------------------------

def pattern_input(width, height):
    """The deterministic input peer-ort.mjs uses, [1, 3, H, W] float32."""
    c = np.arange(3, dtype=np.float64)[:, None, None]
    y = np.arange(height, dtype=np.float64)[None, :, None]
    x = np.arange(width, dtype=np.float64)[None, None, :]
    v = 127.5 + 127.5 * np.sin(2 * np.pi * ((c + 1) * x / width + (3 - c) * y / (2 * height)) + c)
    return torch.from_numpy(v.astype(np.float32)[None])


def raw_input(path, width, height):
    data = np.fromfile(path, dtype="<f4")
    if data.size != width * height * 3:
        raise SystemExit("peer-torch: %s holds %d floats, %dx%d RGB needs %d"
                         % (path, data.size, width, height, width * height * 3))
    return torch.from_numpy(np.ascontiguousarray(data.reshape(height, width, 3).transpose(2, 0, 1))[None])


def run_node_tests(folder, prefixes):
    """ONNX conformance cases whose operators are all supported; returns failures."""
    passed = failed = skipped = 0
    for case in sorted(glob.glob(os.path.join(folder, "*", "model.onnx"))):
        name = os.path.basename(os.path.dirname(case))
        if prefixes and not any(name.startswith(p) for p in prefixes):
            continue
        model = onnx.load(case)
        if any(not v.type.HasField("tensor_type")
               for v in list(model.graph.input) + list(model.graph.output)):
            skipped += 1       # sequences, optionals, maps
            continue
        try:
            interp = Interpreter(model)
        except Unsupported:
            skipped += 1
            continue
        for data_set in sorted(glob.glob(os.path.join(os.path.dirname(case), "test_data_set_*"))):
            def load(kind):
                out = []
                for i in range(len(glob.glob(os.path.join(data_set, kind + "_*.pb")))):
                    t = onnx.TensorProto()
                    with open(os.path.join(data_set, "%s_%d.pb" % (kind, i)), "rb") as f:
                        t.ParseFromString(f.read())
                    out.append(t)
                return out
            try:
                ins = load("input")
                feeds = {n: to_torch(t) for n, t in zip(interp.inputs, ins)}
                with torch.inference_mode():
                    got = interp.run(feeds)
                want = [numpy_helper.to_array(t) for t in load("output")]
                ok = len(got) == len(want) and all(
                    g.shape == tuple(w.shape) and np.allclose(g.numpy(), w, rtol=1e-3, atol=1e-6)
                    for g, w in zip(got, want))
                detail = "" if ok else "mismatch"
            except Unsupported as e:
                ok, detail = None, str(e)
            except Exception as e:  # a conformance run reports, it does not stop
                ok, detail = False, "%s: %s" % (type(e).__name__, e)
            if ok is None:
                skipped += 1
                print("skip %s (%s)" % (name, detail))
                break
            passed += ok
            failed += not ok
            print("%s %s/%s %s" % ("ok  " if ok else "FAIL", name,
                                   os.path.basename(data_set), detail))
    print("node tests: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return failed


def main(argv):
    parser = argparse.ArgumentParser(
        description="Run an image-to-image ONNX model in PyTorch on the CPU and print its speed "
                    "as one line of JSON.")
    parser.add_argument("model", nargs="?", help="the .onnx model")
    parser.add_argument("prefixes", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--width", type=int)
    parser.add_argument("--height", type=int)
    parser.add_argument("--runs", type=int, default=3, help="timed runs after one warm-up (3)")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads (2)")
    parser.add_argument("--input-raw", help="H*W*3 float32, HWC RGB, instead of the pattern")
    parser.add_argument("--output-raw", help="write the output as float32 HWC")
    parser.add_argument("--convtranspose", choices=("conv", "native"), default="conv",
                        help="run ConvTranspose as an equivalent convolution (conv, the "
                             "default: faster) or with PyTorch's conv_transpose (native)")
    parser.add_argument("--node-tests", metavar="DIR",
                        help="run ONNX node conformance cases under DIR (optionally only "
                             "names starting with the given prefixes) and exit")
    args = parser.parse_args(argv)

    global CONV_TRANSPOSE_AS_CONV
    CONV_TRANSPOSE_AS_CONV = args.convtranspose == "conv"
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    if args.node_tests:
        prefixes = ([args.model] if args.model else []) + args.prefixes
        return 1 if run_node_tests(args.node_tests, prefixes) else 0

    if not args.model or not args.width or not args.height or args.prefixes:
        parser.error("MODEL.onnx, --width and --height are needed")
    if args.width <= 0 or args.height <= 0 or args.runs <= 0 or args.threads <= 0:
        parser.error("--width, --height, --runs and --threads must be positive")

    try:
        interp = Interpreter(onnx.load(args.model))
    except Unsupported as e:
        print("peer-torch: %s: unsupported %s" % (args.model, e), file=sys.stderr)
        return 2
    if len(interp.inputs) != 1:
        print("peer-torch: %s: expected one image input, found %d"
              % (args.model, len(interp.inputs)), file=sys.stderr)
        return 2

    x = (raw_input(args.input_raw, args.width, args.height) if args.input_raw
         else pattern_input(args.width, args.height))
    feeds = {interp.inputs[0]: x}
    runs = []
    with torch.inference_mode():
        out = interp.run(feeds)[0]          # warm-up
        for _ in range(args.runs):
            t0 = time.perf_counter()
            out = interp.run(feeds)[0]
            runs.append((time.perf_counter() - t0) * 1000.0)

    if args.output_raw:
        if out.dim() != 4 or out.shape[0] != 1:
            print("peer-torch: output has shape %s, not [1, C, H, W]" % list(out.shape),
                  file=sys.stderr)
            return 1
        tmp = args.output_raw + ".part"
        out[0].permute(1, 2, 0).contiguous().numpy().astype("<f4").tofile(tmp)
        os.replace(tmp, args.output_raw)

    ms = statistics.median(runs)
    print(json.dumps({
        "peer": "pytorch",
        "version": torch.__version__,
        "device": "cpu",
        "model": os.path.basename(args.model),
        "width": args.width,
        "height": args.height,
        "output_shape": list(out.shape),
        "threads": args.threads,
        "convtranspose": args.convtranspose,
        "fps_median": round(1000.0 / ms, 3),
        "ms_median": round(ms, 3),
        "runs": [round(t, 3) for t in runs],
    }, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
