#!/usr/bin/env python3
"""Trains the small character-level GPT of examples/fortune_gpt and exports it to ONNX.

Data: the fortune cookies of Debian's `fortunes` and `fortunes-min` packages
(version FORTUNES_DEB, `apt-get download` + `dpkg -x` into target/fortunes:
no root, no install; a system-wide /usr/share/games/fortunes is used when
it has every file),
files FILES. Fortunes are split at their `%` separators; every 10th one
(seeded order) is held out for testing. Text is lower-cased; characters
outside VOCAB become spaces; whitespace runs become one space.

Model (opset 17, the PyTorch export form of a nanoGPT):
    ids [1, T] int64 -> Gather(wte) + Gather(wpe, 0..T-1)
    -> BLOCKS x pre-LN block: LayerNormalization, fused QKV MatMul + Add,
       Split, Reshape/Transpose to HEADS heads, MatMul q.k^T, Div sqrt(dh),
       Where(Equal(tril, 0), -inf, scores) (nanoGPT's masked_fill), Softmax,
       MatMul v, Transpose/Reshape, output projection, residual Add;
       LayerNormalization, MatMul + Add, GELU (tanh form, spelled out as
       PyTorch exports it), MatMul + Add, residual Add
    -> Gather(position T-1) -> LayerNormalization -> MatMul(wte^T)
    -> logits [1, VOCAB] for the character after the window.

Training: autograd (HIPS, pure Python on numpy), Adam, cross-entropy on every
position of random windows; seeded and single-threaded.

Usage:
    $(scripts/pyenv.sh) examples/fortune_gpt/train.py
        trains, checks the ONNX export against the numpy forward pass with
        onnx.reference.ReferenceEvaluator and writes model.onnx,
        input_0..4.json and calibration.json next to this file.
    $(scripts/pyenv.sh) examples/fortune_gpt/train.py --write-test-set PATH [--n N]
        writes N (default 1000) held-out windows {"inputs": [...], "labels": [...]}
        to PATH without training (for `zkml accuracy`).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse
import glob
import json
import re
import subprocess
import sys
import time

import numpy as onp

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FORTUNES_DEB = "1:1.99.1-7.3"
FILES = ["wisdom", "literature", "science", "people", "work", "politics", "humorists",
         "platitudes", "education", "love", "men-women", "fortunes"]
VOCAB = " abcdefghijklmnopqrstuvwxyz.,'?!"
V = len(VOCAB)
D, HEADS, T, BLOCKS = 32, 2, 16, 2
DH = D // HEADS
EPS = 1e-5
SEED = 20261130
STEPS, BATCH, LR = 2000, 64, 3e-3
N_CALIB, N_SAMPLES = 32, 5


# ----------------------------------------------------------------- data ---

def fortunes_dir():
    sysdir = "/usr/share/games/fortunes"
    if all(os.path.exists(os.path.join(sysdir, f)) for f in FILES):
        return sysdir
    dest = os.path.join(ROOT, "target", "fortunes")
    out = os.path.join(dest, "x", "usr", "share", "games", "fortunes")
    if not all(os.path.exists(os.path.join(out, f)) for f in FILES):
        os.makedirs(dest, exist_ok=True)
        for pkg in ("fortunes", "fortunes-min"):
            subprocess.run(["apt-get", "download", f"{pkg}={FORTUNES_DEB}"], cwd=dest, check=True)
            deb = sorted(glob.glob(os.path.join(dest, f"{pkg}_*.deb")))[-1]
            subprocess.run(["dpkg", "-x", deb, os.path.join(dest, "x")], check=True)
    return out


def clean(s):
    s = s.lower()
    s = "".join(c if c in VOCAB else " " for c in s)
    return re.sub(" +", " ", s).strip()


def load_split():
    """(train text, held-out text) as id arrays."""
    d = fortunes_dir()
    items = []
    for f in FILES:
        with open(os.path.join(d, f), encoding="latin-1") as fh:
            items += [clean(x) for x in fh.read().split("\n%\n")]
    items = [x for x in items if len(x) > T]
    order = onp.random.default_rng(SEED).permutation(len(items))
    test = [items[i] for k, i in enumerate(order) if k % 10 == 0]
    train = [items[i] for k, i in enumerate(order) if k % 10 != 0]
    enc = lambda xs: onp.array([VOCAB.index(c) for c in " ".join(xs)], dtype=onp.int64)
    return enc(train), enc(test)


def windows(ids, n, rng):
    """n windows [n, T] and their next characters [n, T] (shifted by one)."""
    starts = rng.integers(0, len(ids) - T - 1, n)
    x = onp.stack([ids[s:s + T] for s in starts])
    y = onp.stack([ids[s + 1:s + T + 1] for s in starts])
    return x, y


# ---------------------------------------------------------------- model ---

def init_params(rng):
    g = lambda *s, scale=0.02: rng.normal(0, scale, s)
    p = {"wte": g(V, D, scale=0.1), "wpe": g(T, D, scale=0.1),
         "lnf_g": onp.ones(D), "lnf_b": onp.zeros(D)}
    for b in range(BLOCKS):
        p.update({
            f"{b}.ln1_g": onp.ones(D), f"{b}.ln1_b": onp.zeros(D),
            f"{b}.w_qkv": g(D, 3 * D, scale=D ** -0.5), f"{b}.b_qkv": onp.zeros(3 * D),
            f"{b}.w_o": g(D, D, scale=(2 * BLOCKS * D) ** -0.5), f"{b}.b_o": onp.zeros(D),
            f"{b}.ln2_g": onp.ones(D), f"{b}.ln2_b": onp.zeros(D),
            f"{b}.w_fc": g(D, 4 * D, scale=D ** -0.5), f"{b}.b_fc": onp.zeros(4 * D),
            f"{b}.w_pr": g(4 * D, D, scale=(2 * BLOCKS * 4 * D) ** -0.5), f"{b}.b_pr": onp.zeros(D),
        })
    return p


def forward(np, p, ids, last_only):
    """Logits [B, T, V] (or [B, V] for the last position) with numpy `np`
    (autograd.numpy while training, plain numpy to check the export)."""
    def ln(x, g, b):
        m = np.mean(x, axis=-1, keepdims=True)
        v = np.mean((x - m) ** 2, axis=-1, keepdims=True)
        return (x - m) / np.sqrt(v + EPS) * g + b

    def gelu(x):
        return 0.5 * x * (1.0 + np.tanh(onp.sqrt(2.0 / onp.pi) * (x + 0.044715 * x ** 3)))

    B = ids.shape[0]
    causal = onp.tril(onp.ones((T, T))) > 0
    x = p["wte"][ids] + p["wpe"][None]
    for b in range(BLOCKS):
        h = ln(x, p[f"{b}.ln1_g"], p[f"{b}.ln1_b"])
        qkv = np.dot(h, p[f"{b}.w_qkv"]) + p[f"{b}.b_qkv"]
        heads = lambda t: np.transpose(np.reshape(t, (B, T, HEADS, DH)), (0, 2, 1, 3))
        q, k, v = heads(qkv[..., :D]), heads(qkv[..., D:2 * D]), heads(qkv[..., 2 * D:])
        s = np.einsum("bhid,bhjd->bhij", q, k) / onp.sqrt(DH)
        s = np.where(causal, s, -1e30)
        s = s - np.max(s, axis=-1, keepdims=True)
        a = np.exp(s)
        a = a / np.sum(a, axis=-1, keepdims=True)
        o = np.einsum("bhij,bhjd->bhid", a, v)
        o = np.reshape(np.transpose(o, (0, 2, 1, 3)), (B, T, D))
        x = x + np.dot(o, p[f"{b}.w_o"]) + p[f"{b}.b_o"]
        h = ln(x, p[f"{b}.ln2_g"], p[f"{b}.ln2_b"])
        h = gelu(np.dot(h, p[f"{b}.w_fc"]) + p[f"{b}.b_fc"])
        x = x + np.dot(h, p[f"{b}.w_pr"]) + p[f"{b}.b_pr"]
    if last_only:
        x = x[:, -1]
    return np.dot(ln(x, p["lnf_g"], p["lnf_b"]), p["wte"].T)


def train(tr, rng, steps=STEPS):
    import autograd.numpy as anp
    from autograd import grad

    p = init_params(rng)

    def loss(p, x, y):
        z = forward(anp, p, x, False)
        z = z - anp.max(z, axis=-1, keepdims=True)
        lse = anp.log(anp.sum(anp.exp(z), axis=-1))
        picked = anp.sum(z * onp.eye(V)[y], axis=-1)
        return anp.mean(lse - picked)

    g = grad(loss)
    m = {k: onp.zeros_like(v) for k, v in p.items()}
    s = {k: onp.zeros_like(v) for k, v in p.items()}
    t0 = time.time()
    for step in range(1, steps + 1):
        x, y = windows(tr, BATCH, rng)
        gr = g(p, x, y)
        lr = LR * 0.5 * (1 + onp.cos(onp.pi * step / steps))
        for k in p:
            m[k] = 0.9 * m[k] + 0.1 * gr[k]
            s[k] = 0.999 * s[k] + 0.001 * gr[k] ** 2
            mh, sh = m[k] / (1 - 0.9 ** step), s[k] / (1 - 0.999 ** step)
            p[k] = p[k] - lr * mh / (onp.sqrt(sh) + 1e-8)
        if step % 250 == 0 or step == 1:
            print(f"step {step}: loss {loss(p, x, y):.3f} ({time.time() - t0:.0f} s)", flush=True)
    return {k: v.astype(onp.float32).astype(onp.float64) for k, v in p.items()}


# --------------------------------------------------------------- export ---

def export(p):
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits, count = [], [], [0]

    def name(base):
        count[0] += 1
        return f"{base}_{count[0]}"

    def const(nm, a, dtype=onp.float32):
        inits.append(numpy_helper.from_array(onp.asarray(a, dtype=dtype), nm))
        return nm

    def op(op_type, inputs, n_out=1, **attrs):
        outs = [name(op_type) for _ in range(n_out)]
        nodes.append(helper.make_node(op_type, inputs, outs, name=outs[0], **attrs))
        return outs if n_out > 1 else outs[0]

    def ln(x, pre):
        return op("LayerNormalization", [x, const(f"{pre}.weight", p[f"{pre}_g"]),
                                         const(f"{pre}.bias", p[f"{pre}_b"])], axis=-1, epsilon=EPS)

    wte = const("transformer.wte.weight", p["wte"])
    tok = op("Gather", [wte, "ids"], axis=0)
    pos = op("Gather", [const("transformer.wpe.weight", p["wpe"]),
                        const("pos", onp.arange(T).reshape(1, T), onp.int64)], axis=0)
    x = op("Add", [tok, pos])
    heads_shape = const("heads_shape", [1, T, HEADS, DH], onp.int64)
    split = const("split", [D, D, D], onp.int64)
    tril = const("bias", onp.tril(onp.ones((T, T))), onp.float32)
    masked = op("Equal", [tril, const("zero", 0.0)])
    neg_inf = const("neg_inf", -onp.inf)
    for b in range(BLOCKS):
        w = lambda k, a: const(f"h.{b}.{k}", a)
        h = ln(x, f"{b}.ln1")
        qkv = op("Add", [op("MatMul", [h, w("attn.c_attn.weight", p[f"{b}.w_qkv"])]),
                         w("attn.c_attn.bias", p[f"{b}.b_qkv"])])
        q, k, v = op("Split", [qkv, split], n_out=3, axis=2)
        q = op("Transpose", [op("Reshape", [q, heads_shape])], perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [k, heads_shape])], perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [v, heads_shape])], perm=[0, 2, 1, 3])
        s = op("Div", [op("MatMul", [q, k]), const(name("sqrt_dh"), onp.sqrt(DH))])
        s = op("Where", [masked, neg_inf, s])
        a = op("Softmax", [s], axis=-1)
        o = op("Transpose", [op("MatMul", [a, v])], perm=[0, 2, 1, 3])
        o = op("Reshape", [o, const(name("merge"), [1, T, D], onp.int64)])
        o = op("Add", [op("MatMul", [o, w("attn.c_proj.weight", p[f"{b}.w_o"])]),
                       w("attn.c_proj.bias", p[f"{b}.b_o"])])
        x = op("Add", [x, o])
        h = ln(x, f"{b}.ln2")
        h = op("Add", [op("MatMul", [h, w("mlp.c_fc.weight", p[f"{b}.w_fc"])]),
                       w("mlp.c_fc.bias", p[f"{b}.b_fc"])])
        # GELU, tanh form: 0.5·h·(1 + tanh(√(2/π)·(h + 0.044715·h³)))
        cube = op("Pow", [h, const(name("three"), 3.0)])
        inner = op("Add", [h, op("Mul", [cube, const(name("c"), 0.044715)])])
        t = op("Tanh", [op("Mul", [inner, const(name("k"), onp.sqrt(2 / onp.pi))])])
        h = op("Mul", [op("Mul", [const(name("half"), 0.5), h]),
                       op("Add", [t, const(name("one"), 1.0)])])
        h = op("Add", [op("MatMul", [h, w("mlp.c_proj.weight", p[f"{b}.w_pr"])]),
                       w("mlp.c_proj.bias", p[f"{b}.b_pr"])])
        x = op("Add", [x, h])
    last = op("Gather", [x, const("last", T - 1, onp.int64)], axis=1)
    x = ln(last, "lnf")
    logits = op("MatMul", [x, op("Transpose", [wte], perm=[1, 0])])
    graph = helper.make_graph(
        nodes, "fortune_gpt",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, T])],
        [helper.make_tensor_value_info(logits, TensorProto.FLOAT, [1, V])],
        inits,
    )
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                          producer_name="examples/fortune_gpt/train.py")
    m.ir_version = 8
    import onnx

    onnx.checker.check_model(m, full_check=True)
    return m


# ----------------------------------------------------------------- main ---

def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f)
        f.write("\n")
    os.replace(tmp, path)


def test_set(te, n):
    x, y = windows(te, n, onp.random.default_rng(SEED + 1))
    return x, y[:, -1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write-test-set")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--steps", type=int, default=STEPS, help=argparse.SUPPRESS)
    args = ap.parse_args()
    tr, te = load_split()
    if args.write_test_set:
        x, y = test_set(te, args.n)
        write_json(args.write_test_set, {"inputs": x.tolist(), "labels": y.tolist()})
        return
    print(f"corpus: {len(tr)} training / {len(te)} held-out characters, vocabulary {V}")
    rng = onp.random.default_rng(SEED)
    p = train(tr, rng, args.steps)
    m = export(p)

    from onnx.reference import ReferenceEvaluator

    x, y = test_set(te, args.n)
    want = forward(onp, p, x, True)
    ev = ReferenceEvaluator(m)
    got = onp.concatenate([ev.run(None, {"ids": x[i:i + 1]})[0] for i in range(len(x))])
    diff = float(onp.abs(got - want).max())
    acc_np = float((want.argmax(-1) == y).mean())
    acc_onnx = float((got.argmax(-1) == y).mean())
    z = want - want.max(-1, keepdims=True)
    nll = float(onp.mean(onp.log(onp.exp(z).sum(-1)) - z[onp.arange(len(y)), y]))
    print(f"held-out ({len(y)} windows): next-char accuracy {acc_np:.2%} (ONNX {acc_onnx:.2%}), "
          f"perplexity {onp.exp(nll):.2f}; ONNX vs numpy max |diff| {diff:.2e}")
    if diff > 1e-3 or acc_np != acc_onnx:
        sys.exit("the ONNX export does not match the numpy forward pass")
    import onnx

    onnx.save(m, os.path.join(HERE, "model.onnx"))
    cx, _ = windows(tr, N_CALIB, onp.random.default_rng(SEED + 2))
    write_json(os.path.join(HERE, "calibration.json"), {"inputs": cx.tolist()})
    dec = lambda ids: "".join(VOCAB[i] for i in ids)
    for i in range(N_SAMPLES):
        write_json(os.path.join(HERE, f"input_{i}.json"),
                   {"input_data": [x[i].tolist()], "text": dec(x[i]), "next": VOCAB[y[i]]})


if __name__ == "__main__":
    main()
