"""Writes small sequence and language test models (ONNX, numpy + onnx.helper),
each with a sample input and its float64 numpy reference outputs, to the
directory given as the only argument:

    <dest>/<id>/model.onnx
    <dest>/<id>/input.json     {"input_data": [[...]], "input_shapes": [[...]]}
    <dest>/<id>/expected.json  {"outputs": [[...]], "shapes": [[...]]}

Called by scripts/gen-test-models.sh (caching, atomic install); read by
crates/zkml-onnx/tests/gen_models.rs (float and integer executors) and
crates/zkml-plonk/tests/gen_models.rs (proofs). The weights are seeded
random numbers: the models test the lowering and the proof, not a task.

The recurrent references are written here from ONNX's equations
(independently of zkml's Rust lowering) and, where onnx's own reference
evaluator implements the case, checked against it.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from gen_test_models_attn import TRANSFORMERS

OPSET = 17


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def lstm_ref(x, w, r, b, h0, c0, reverse=False):
    """One direction, layout 0: x [seq, batch, in]; gates iofc."""
    hsz = r.shape[-1]
    h, c = h0, c0
    ys = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        g = x[t] @ w.T + h @ r.T + b[: 4 * hsz] + b[4 * hsz :]
        i, o, f, cc = np.split(g, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
        h = sigmoid(o) * np.tanh(c)
        ys[t] = h
    return np.stack(ys), h, c


def gru_ref(x, w, r, b, h0, lbr, reverse=False):
    """One direction, layout 0; gates zrh."""
    hsz = r.shape[-1]
    wb, rb = b[: 3 * hsz], b[3 * hsz :]
    h = h0
    ys = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        xw = x[t] @ w.T + wb
        z = sigmoid(xw[:, :hsz] + h @ r[:hsz].T + rb[:hsz])
        rr = sigmoid(xw[:, hsz : 2 * hsz] + h @ r[hsz : 2 * hsz].T + rb[hsz : 2 * hsz])
        if lbr:
            hh = np.tanh(xw[:, 2 * hsz :] + rr * (h @ r[2 * hsz :].T + rb[2 * hsz :]))
        else:
            hh = np.tanh(xw[:, 2 * hsz :] + (rr * h) @ r[2 * hsz :].T + rb[2 * hsz :])
        h = (1 - z) * hh + z * h
        ys[t] = h
    return np.stack(ys), h


def rnn_ref(x, w, r, b, h0, act, reverse=False):
    hsz = r.shape[-1]
    h = h0
    ys = [None] * x.shape[0]
    steps = range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])
    for t in steps:
        h = act(x[t] @ w.T + h @ r.T + b[:hsz] + b[hsz:])
        ys[t] = h
    return np.stack(ys), h


def init(name, a):
    return numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)


def f32(a):
    """Rounds to float32 (the model stores float32; the reference uses those values)."""
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def save(dest, mid, graph, inputs, outputs, check_ort=True, opset=OPSET):
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="zkml gen_test_models"
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    d = os.path.join(dest, mid)
    os.makedirs(d, exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    feeds = {
        i.name: np.asarray(v) if np.issubdtype(np.asarray(v).dtype, np.integer) else np.asarray(v, dtype=np.float32)
        for i, v in zip(graph.input, inputs)
    }
    # Cross-check with onnx's reference evaluator where it implements the ops.
    if check_ort:
        from onnx.reference import ReferenceEvaluator

        got = ReferenceEvaluator(model).run(None, feeds)
        for g, want in zip(got, outputs):
            err = float(np.max(np.abs(np.asarray(g, dtype=np.float64) - want)))
            assert err < 1e-4, f"{mid}: onnx reference differs from ours by {err}"
    with open(os.path.join(d, "input.json"), "w") as f:
        json.dump(
            {
                "input_data": [np.asarray(v, dtype=np.float64).ravel().tolist() for v in inputs],
                "input_shapes": [list(np.shape(v)) for v in inputs],
            },
            f,
        )
    with open(os.path.join(d, "expected.json"), "w") as f:
        json.dump(
            {
                "outputs": [np.asarray(o, dtype=np.float64).ravel().tolist() for o in outputs],
                "shapes": [list(np.shape(o)) for o in outputs],
            },
            f,
        )


def lstm_classifier(dest, rng):
    """LSTM (forward, H 8) over 4 steps of 3 features, its last hidden state
    through a dense layer to 3 scores; outputs the scores and Y."""
    seq, inp, hid, cls = 4, 3, 8, 3
    s = 0.5
    w = f32(rng.uniform(-s, s, (1, 4 * hid, inp)))
    r = f32(rng.uniform(-s, s, (1, 4 * hid, hid)))
    b = f32(rng.uniform(-0.2, 0.2, (1, 8 * hid)))
    dw = f32(rng.uniform(-0.5, 0.5, (hid, cls)))
    db = f32(rng.uniform(-0.1, 0.1, (cls,)))
    x = f32(rng.uniform(-1, 1, (seq, 1, inp)))
    nodes = [
        helper.make_node("LSTM", ["x", "W", "R", "B"], ["Y", "Y_h"], hidden_size=hid),
        helper.make_node("Reshape", ["Y_h", "shape"], ["h"]),
        helper.make_node("Gemm", ["h", "dw", "db"], ["scores"]),
    ]
    graph = helper.make_graph(
        nodes,
        "lstm_classifier",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, 1, inp])],
        [
            helper.make_tensor_value_info("scores", TensorProto.FLOAT, [1, cls]),
            helper.make_tensor_value_info("Y", TensorProto.FLOAT, [seq, 1, 1, hid]),
        ],
        [
            init("W", w),
            init("R", r),
            init("B", b),
            init("dw", dw),
            init("db", db),
            numpy_helper.from_array(np.array([1, hid], dtype=np.int64), "shape"),
        ],
    )
    z = np.zeros((1, hid))
    y, h, _ = lstm_ref(x, w[0], r[0], b[0], z, z)
    scores = h @ dw + db
    save(dest, "lstm_classifier", graph, [x], [scores, y[:, None]])


def gru_bidirectional(dest, rng):
    """GRU, bidirectional, layout 1 (batch first), linear_before_reset 1,
    initial state as a second graph input; outputs Y and Y_h."""
    batch, seq, inp, hid = 2, 3, 4, 5
    w = f32(rng.uniform(-0.5, 0.5, (2, 3 * hid, inp)))
    r = f32(rng.uniform(-0.5, 0.5, (2, 3 * hid, hid)))
    b = f32(rng.uniform(-0.2, 0.2, (2, 6 * hid)))
    x = f32(rng.uniform(-1, 1, (batch, seq, inp)))
    h0 = f32(rng.uniform(-0.5, 0.5, (batch, 2, hid)))
    node = helper.make_node(
        "GRU",
        ["x", "W", "R", "B", "", "h0"],
        ["Y", "Y_h"],
        hidden_size=hid,
        direction="bidirectional",
        layout=1,
        linear_before_reset=1,
    )
    graph = helper.make_graph(
        [node],
        "gru_bidirectional",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, seq, inp]),
            helper.make_tensor_value_info("h0", TensorProto.FLOAT, [batch, 2, hid]),
        ],
        [
            helper.make_tensor_value_info("Y", TensorProto.FLOAT, [batch, seq, 2, hid]),
            helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [batch, 2, hid]),
        ],
        [init("W", w), init("R", r), init("B", b)],
    )
    xs = x.transpose(1, 0, 2)  # [seq, batch, in]
    yf, hf = gru_ref(xs, w[0], r[0], b[0], h0[:, 0], True)
    yb, hb = gru_ref(xs, w[1], r[1], b[1], h0[:, 1], True, reverse=True)
    y = np.stack([yf, yb], axis=1).transpose(2, 0, 1, 3)  # [batch, seq, 2, hid]
    yh = np.stack([hf, hb], axis=1)
    save(dest, "gru_bidirectional", graph, [x, h0], [y, yh])


def rnn_relu_reverse(dest, rng):
    """RNN, reverse, Relu activation, clip 2; output Y_h."""
    seq, batch, inp, hid = 5, 1, 3, 6
    w = f32(rng.uniform(-0.6, 0.6, (1, hid, inp)))
    r = f32(rng.uniform(-0.4, 0.4, (1, hid, hid)))
    b = f32(rng.uniform(-0.2, 0.2, (1, 2 * hid)))
    x = f32(rng.uniform(-1, 1, (seq, batch, inp)))
    node = helper.make_node(
        "RNN",
        ["x", "W", "R", "B"],
        ["", "Y_h"],
        hidden_size=hid,
        direction="reverse",
        activations=["Relu"],
        clip=2.0,
    )
    graph = helper.make_graph(
        [node],
        "rnn_relu_reverse",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, batch, inp])],
        [helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [1, batch, hid])],
        [init("W", w), init("R", r), init("B", b)],
    )
    _, h = rnn_ref(x, w[0], r[0], b[0], np.zeros((batch, hid)), lambda v: np.maximum(np.clip(v, -2, 2), 0), reverse=True)
    # onnx's reference evaluator ignores `clip`: not cross-checked.
    save(dest, "rnn_relu_reverse", graph, [x], [h[None]], check_ort=False)


def lstm_ref_peep(x, w, r, b, p, h0, c0):
    """lstm_ref with peepholes p = (p_i, p_o, p_f): i and f see C(t−1), o
    sees C(t)."""
    hsz = r.shape[-1]
    pi, po, pf = p[:hsz], p[hsz : 2 * hsz], p[2 * hsz :]
    h, c = h0, c0
    ys = []
    for t in range(x.shape[0]):
        g = x[t] @ w.T + h @ r.T + b[: 4 * hsz] + b[4 * hsz :]
        i, o, f, cc = np.split(g, 4, axis=-1)
        i, f = sigmoid(i + pi * c), sigmoid(f + pf * c)
        c = f * c + i * np.tanh(cc)
        h = sigmoid(o + po * c) * np.tanh(c)
        ys.append(h)
    return np.stack(ys), h, c


def lstm_peephole(dest, rng):
    """LSTM as a third-party export may write it: peepholes P, initial_h and
    initial_c as graph inputs, batch 2; outputs Y_h and Y_c."""
    seq, batch, inp, hid = 3, 2, 4, 5
    w = f32(rng.uniform(-0.5, 0.5, (1, 4 * hid, inp)))
    r = f32(rng.uniform(-0.5, 0.5, (1, 4 * hid, hid)))
    b = f32(rng.uniform(-0.2, 0.2, (1, 8 * hid)))
    p = f32(rng.uniform(-0.5, 0.5, (1, 3 * hid)))
    x = f32(rng.uniform(-1, 1, (seq, batch, inp)))
    h0 = f32(rng.uniform(-0.5, 0.5, (1, batch, hid)))
    c0 = f32(rng.uniform(-0.5, 0.5, (1, batch, hid)))
    node = helper.make_node(
        "LSTM", ["x", "W", "R", "B", "", "h0", "c0", "P"], ["", "Y_h", "Y_c"], hidden_size=hid
    )
    graph = helper.make_graph(
        [node],
        "lstm_peephole",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, batch, inp]),
            helper.make_tensor_value_info("h0", TensorProto.FLOAT, [1, batch, hid]),
            helper.make_tensor_value_info("c0", TensorProto.FLOAT, [1, batch, hid]),
        ],
        [
            helper.make_tensor_value_info("Y_h", TensorProto.FLOAT, [1, batch, hid]),
            helper.make_tensor_value_info("Y_c", TensorProto.FLOAT, [1, batch, hid]),
        ],
        [init("W", w), init("R", r), init("B", b), init("P", p)],
    )
    _, h, c = lstm_ref_peep(x, w[0], r[0], b[0], p[0], h0[0], c0[0])
    save(dest, "lstm_peephole", graph, [x, h0, c0], [h[None], c[None]])


def gru_lbr0_head(dest, rng):
    """GRU as Keras/tf2onnx-style exports write it: linear_before_reset 0,
    forward, its last state through a Gemm head with a Softmax; outputs the
    class probabilities."""
    seq, inp, hid, cls = 4, 3, 6, 4
    w = f32(rng.uniform(-0.5, 0.5, (1, 3 * hid, inp)))
    r = f32(rng.uniform(-0.5, 0.5, (1, 3 * hid, hid)))
    b = f32(rng.uniform(-0.2, 0.2, (1, 6 * hid)))
    dw = f32(rng.uniform(-1, 1, (hid, cls)))
    db = f32(rng.uniform(-0.1, 0.1, (cls,)))
    x = f32(rng.uniform(-1, 1, (seq, 1, inp)))
    nodes = [
        helper.make_node("GRU", ["x", "W", "R", "B"], ["", "Y_h"], hidden_size=hid, linear_before_reset=0),
        helper.make_node("Squeeze", ["Y_h", "ax0"], ["h"]),
        helper.make_node("Gemm", ["h", "dw", "db"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "gru_lbr0_head",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [seq, 1, inp])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, cls])],
        [
            init("W", w),
            init("R", r),
            init("B", b),
            init("dw", dw),
            init("db", db),
            numpy_helper.from_array(np.array([0], dtype=np.int64), "ax0"),
        ],
    )
    _, h = gru_ref(x, w[0], r[0], b[0], np.zeros((1, hid)), False)
    z = h @ dw + db
    e = np.exp(z - z.max(-1, keepdims=True))
    save(dest, "gru_lbr0_head", graph, [x], [e / e.sum(-1, keepdims=True)])


def main():
    dest = sys.argv[1]
    os.makedirs(dest, exist_ok=True)
    rng = np.random.default_rng(20261130)
    lstm_classifier(dest, rng)
    gru_bidirectional(dest, rng)
    rnn_relu_reverse(dest, rng)
    lstm_peephole(dest, np.random.default_rng(11))
    gru_lbr0_head(dest, np.random.default_rng(12))
    for build in TRANSFORMERS:
        build(dest, np.random.default_rng(7), save)


if __name__ == "__main__":
    main()
