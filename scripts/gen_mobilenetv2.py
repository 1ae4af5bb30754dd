"""Writes a MobileNetV2 (Sandler et al. 2018) as ONNX, in the form PyTorch's
exporter gives torchvision's `mobilenet_v2` in eval mode without constant
folding: Conv + BatchNormalization + Clip(0, 6) per convolution, inverted
residual blocks (1×1 expand, 3×3 depthwise, 1×1 linear project; an Add when
the stride is 1 and the widths agree), then a 1×1 Conv to 1280 channels,
GlobalAveragePool, Flatten and Gemm to 1000 classes.

    python scripts/gen_mobilenetv2.py DEST [--width 1.0] [--resolution 224] [--seed 0]

writes

    DEST/model.onnx   (width 1.0: 3.5 M parameters, ~300 M multiply-adds, ~14 MB)
    DEST/input.json   {"input_data": [[...]]}: one seeded N(0, 1) image

The weights are seeded random numbers (He-normal convolutions), not a trained
model: the model is for measuring the prover (rows, segments, time, memory)
at ImageNet scale (issue 11 and docs/segments.md). The BatchNormalization
statistics are those of the random model on the sample input (a numpy
forward pass, layer by layer), so every pre-activation is about N(0, 1) and
Clip(0, 6) neither saturates nor dies, as in a trained network. Keep the
output out of the repository (e.g. under .cache/).
"""

import argparse
import json
import os
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13
# (expansion t, output channels c, repeats n, first stride s): the paper's Table 2.
SETTINGS = [
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
]


def make_divisible(v, divisor=8):
    """torchvision's channel rounding (to a multiple of 8, never below 90%)."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


def conv_np(x, w, stride, pad, groups):
    """NCHW convolution of one image (x: [C, H, W]) in numpy, by kernel offsets."""
    cin, h, wd = x.shape
    cout, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - kh) // stride + 1
    ow = (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((cout, oh, ow), dtype=np.float64)
    og = cout // groups
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i : i + stride * oh : stride, j : j + stride * ow : stride]
            if groups == 1:
                out += np.einsum("oc,chw->ohw", w[:, :, i, j], patch, optimize=True)
            else:
                # Depthwise (cg == 1, og == 1 here): channel o reads channel o.
                assert cg == 1 and og == 1
                out += w[:, 0, i, j][:, None, None] * patch
    return out


class Builder:
    def __init__(self, rng, x):
        self.rng = rng
        self.nodes = []
        self.inits = []
        self.x = x  # the sample's activations at the current tensor (numpy, float64)
        self.params = 0
        self.macs = 0
        self.n = 0

    def name(self, what):
        self.n += 1
        return f"{what}_{self.n}"

    def init(self, name, arr, trainable=True):
        self.inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
        if trainable:
            self.params += arr.size
        return name

    def conv_bn(self, inp, x, cout, k, stride, groups, act):
        """Conv (no bias) + BatchNormalization [+ Clip(0, 6)]; returns (tensor, value)."""
        cin = x.shape[0]
        fan_in = (cin // groups) * k * k
        w = self.rng.normal(0.0, np.sqrt(2.0 / fan_in), (cout, cin // groups, k, k))
        pad = k // 2
        y = conv_np(x, w, stride, pad, groups)
        self.macs += y.size * (cin // groups) * k * k
        # BN statistics of this random model on the sample: pre-activations ~ N(beta, gamma²).
        mean = y.mean(axis=(1, 2))
        var = y.var(axis=(1, 2)) + 1e-3
        gamma = self.rng.uniform(0.8, 1.2, cout)
        beta = self.rng.normal(0.0, 0.1, cout)
        eps = 1e-5
        z = (y - mean[:, None, None]) / np.sqrt(var[:, None, None] + eps)
        z = z * gamma[:, None, None] + beta[:, None, None]
        c = self.name("conv")
        wn = self.init(c + ".weight", w)
        cout_t = c + "_out"
        self.nodes.append(
            helper.make_node(
                "Conv",
                [inp, wn],
                [cout_t],
                name=c,
                kernel_shape=[k, k],
                strides=[stride, stride],
                pads=[pad] * 4,
                group=groups,
                dilations=[1, 1],
            )
        )
        b = self.name("bn")
        names = [
            self.init(f"{b}.{p}", a, trainable=p in ("weight", "bias"))
            for p, a in [("weight", gamma), ("bias", beta), ("running_mean", mean), ("running_var", var)]
        ]
        bn_t = b + "_out"
        self.nodes.append(
            helper.make_node(
                "BatchNormalization", [cout_t] + names, [bn_t], name=b, epsilon=eps, momentum=0.9
            )
        )
        if not act:
            return bn_t, z
        r = self.name("clip")
        lo, hi = r + ".min", r + ".max"
        self.inits.append(numpy_helper.from_array(np.array(0.0, dtype=np.float32), lo))
        self.inits.append(numpy_helper.from_array(np.array(6.0, dtype=np.float32), hi))
        out = r + "_out"
        self.nodes.append(helper.make_node("Clip", [bn_t, lo, hi], [out], name=r))
        return out, np.clip(z, 0.0, 6.0)


def build(width, res, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.normal(0.0, 1.0, (3, res, res))
    b = Builder(rng, x0)
    t, x = "input", x0
    cin = make_divisible(32 * width)
    last = make_divisible(1280 * max(1.0, width))
    t, x = b.conv_bn(t, x, cin, 3, 2, 1, True)
    for exp, c, n, s in SETTINGS:
        cout = make_divisible(c * width)
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = int(round(cin * exp))
            inp, xin = t, x
            if exp != 1:
                t, x = b.conv_bn(t, x, hidden, 1, 1, 1, True)
            t, x = b.conv_bn(t, x, hidden, 3, stride, hidden, True)
            t, x = b.conv_bn(t, x, cout, 1, 1, 1, False)
            if stride == 1 and cin == cout:
                a = b.name("add")
                b.nodes.append(helper.make_node("Add", [inp, t], [a + "_out"], name=a))
                t, x = a + "_out", x + xin
            cin = cout
    t, x = b.conv_bn(t, x, last, 1, 1, 1, True)
    b.nodes.append(helper.make_node("GlobalAveragePool", [t], ["pool_out"], name="pool"))
    b.nodes.append(helper.make_node("Flatten", ["pool_out"], ["flat_out"], name="flatten", axis=1))
    feat = x.mean(axis=(1, 2))
    w = rng.normal(0.0, np.sqrt(1.0 / last), (1000, last))
    bias = np.zeros(1000)
    b.init("classifier.weight", w)
    b.init("classifier.bias", bias)
    b.macs += w.size
    b.nodes.append(
        helper.make_node(
            "Gemm", ["flat_out", "classifier.weight", "classifier.bias"], ["output"], name="classifier", transB=1
        )
    )
    logits = w @ feat + bias
    graph = helper.make_graph(
        b.nodes,
        f"mobilenet_v2_{width}_{res}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, res, res])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1000])],
        b.inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model, x0, logits, b.params, b.macs


def write_atomic(path, data):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dest")
    ap.add_argument("--width", type=float, default=1.0)
    ap.add_argument("--resolution", type=int, default=224)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.dest, exist_ok=True)
    model, x0, logits, params, macs = build(a.width, a.resolution, a.seed)
    write_atomic(os.path.join(a.dest, "model.onnx"), model.SerializeToString())
    sample = {"input_data": [x0.astype(np.float32).ravel().round(5).tolist()]}
    write_atomic(os.path.join(a.dest, "input.json"), json.dumps(sample).encode())
    print(
        f"wrote {a.dest}/model.onnx (MobileNetV2 {a.width} at {a.resolution}×{a.resolution}: "
        f"{params / 1e6:.2f} M parameters, {macs / 1e6:.0f} M multiply-adds, "
        f"{len(model.graph.node)} nodes; float argmax on input.json: {int(np.argmax(logits))})"
    )


if __name__ == "__main__":
    main()
