"""Transformer test models, written the way PyTorch / Hugging Face export
GPT-2-style blocks (see gen_test_models.py for the output layout):

* fused QKV projection (one MatMul + bias) and Split into q, k, v;
* multi-head Reshape [B, T, H, dh] + Transpose to [B, H, T, dh] (k to
  [B, H, dh, T]); scores q·kᵀ divided by sqrt(dh);
* causal mask, either additive (scores + (1 − tril)·(−10000), BERT/old HF) or
  `Where(tril, scores, finfo(float32).min)` on a constant Trilu (new HF);
* Softmax over the last axis, attention output Transpose + Reshape back,
  output projection, residual Add;
* LayerNorm spelled out (ReduceMean, Sub, Pow 2, ReduceMean, Add eps, Sqrt,
  Div, Mul γ, Add β) or as opset-17 LayerNormalization;
* MLP with GELU in its tanh form spelled out (GPT-2's NewGELU: Pow 3, Mul,
  Add, Mul, Tanh, Add 1, Mul, Mul 0.5) or its erf form (Div √2, Erf, Add 1,
  Mul, Mul 0.5);
* token ids (int64) through a Gather embedding plus position embeddings, a
  final LayerNorm and the tied LM head (MatMul by the embedding's transpose).

References are numpy float64 of the same equations, checked against onnx's
reference evaluator.
"""

import numpy as np
from onnx import TensorProto, helper, numpy_helper

EPS = 1e-5


class Dims:
    """Model width, heads, sequence length (and vocabulary for token models)."""

    def __init__(self, d, heads, t, vocab=24):
        self.d, self.heads, self.t, self.vocab = d, heads, t, vocab
        self.dh = d // heads


SMALL = Dims(16, 2, 4)


class G:
    """A graph under construction: nodes, initializers, fresh names."""

    def __init__(self, prefix=""):
        self.nodes, self.inits, self.n, self.prefix = [], [], 0, prefix

    def name(self, base):
        self.n += 1
        return f"{self.prefix}{base}_{self.n}"

    def const(self, base, a, dtype=np.float32):
        nm = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(a, dtype=dtype), nm))
        return nm

    def op(self, op_type, inputs, n_out=1, **attrs):
        outs = [self.name(op_type) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=outs[0], **attrs))
        return outs if n_out > 1 else outs[0]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def layer_norm_ref(x, g, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / np.sqrt(v + EPS) * g + b


def gelu_tanh_ref(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def gelu_erf_ref(x):
    from math import erf

    return 0.5 * x * (1 + np.vectorize(erf)(x / np.sqrt(2)))


def softmax_ref(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def layer_norm(g, x, gamma, beta, fused):
    if fused:
        return g.op("LayerNormalization", [x, g.const("ln_g", gamma), g.const("ln_b", beta)], axis=-1, epsilon=EPS)
    # Opset 17: ReduceMean's axes are an attribute.
    m = g.op("ReduceMean", [x], axes=[-1])
    c = g.op("Sub", [x, m])
    sq = g.op("Pow", [c, g.const("two", 2.0)])
    v = g.op("ReduceMean", [sq], axes=[-1])
    s = g.op("Sqrt", [g.op("Add", [v, g.const("eps", EPS)])])
    y = g.op("Div", [c, s])
    return g.op("Add", [g.op("Mul", [y, g.const("ln_g", gamma)]), g.const("ln_b", beta)])


def gelu(g, x, erf):
    if erf:
        e = g.op("Erf", [g.op("Div", [x, g.const("sqrt2", np.sqrt(2.0))])])
        return g.op("Mul", [g.op("Mul", [x, g.op("Add", [e, g.const("one", 1.0)])]), g.const("half", 0.5)])
    cube = g.op("Pow", [x, g.const("three", 3.0)])
    inner = g.op("Add", [x, g.op("Mul", [cube, g.const("c", 0.044715)])])
    t = g.op("Tanh", [g.op("Mul", [inner, g.const("k", np.sqrt(2 / np.pi))])])
    return g.op("Mul", [g.op("Mul", [g.const("half", 0.5), x]), g.op("Add", [t, g.const("one", 1.0)])])


def block_params(rng, dm=SMALL):
    D = dm.d
    s = 0.3 * (16 / D) ** 0.5
    return dict(
        g1=f32(1 + rng.uniform(-0.1, 0.1, D)), b1=f32(rng.uniform(-0.1, 0.1, D)),
        w_qkv=f32(rng.uniform(-s, s, (D, 3 * D))), b_qkv=f32(rng.uniform(-0.1, 0.1, 3 * D)),
        w_o=f32(rng.uniform(-s, s, (D, D))), b_o=f32(rng.uniform(-0.1, 0.1, D)),
        g2=f32(1 + rng.uniform(-0.1, 0.1, D)), b2=f32(rng.uniform(-0.1, 0.1, D)),
        w_fc=f32(rng.uniform(-s, s, (D, 4 * D))), b_fc=f32(rng.uniform(-0.1, 0.1, 4 * D)),
        w_pr=f32(rng.uniform(-s / 2, s / 2, (4 * D, D))), b_pr=f32(rng.uniform(-0.1, 0.1, D)),
    )


def block(g, x, p, fused_ln, where_mask, erf, dm=SMALL):
    """One pre-LN GPT-2 block on x [1, T, D]."""
    D, T, HEADS, DH = dm.d, dm.t, dm.heads, dm.dh
    h = layer_norm(g, x, p["g1"], p["b1"], fused_ln)
    qkv = g.op("Add", [g.op("MatMul", [h, g.const("w_qkv", p["w_qkv"])]), g.const("b_qkv", p["b_qkv"])])
    q, k, v = g.op("Split", [qkv, g.const("split", [D, D, D], np.int64)], n_out=3, axis=2)
    heads = g.const("heads", [1, T, HEADS, DH], np.int64)
    q = g.op("Transpose", [g.op("Reshape", [q, heads])], perm=[0, 2, 1, 3])
    k = g.op("Transpose", [g.op("Reshape", [k, heads])], perm=[0, 2, 3, 1])
    v = g.op("Transpose", [g.op("Reshape", [v, heads])], perm=[0, 2, 1, 3])
    s = g.op("Div", [g.op("MatMul", [q, k]), g.const("sqrt_dh", np.sqrt(DH))])
    if where_mask:
        ones = g.const("ones", np.ones((T, T)), np.float32)
        tril = g.op("Cast", [g.op("Trilu", [ones], upper=0)], to=TensorProto.BOOL)
        s = g.op("Where", [tril, s, g.const("neg", np.finfo(np.float32).min)])
    else:
        s = g.op("Add", [s, g.const("mask", (1 - np.tril(np.ones((T, T)))) * -10000.0)])
    a = g.op("Softmax", [s], axis=-1)
    o = g.op("Transpose", [g.op("MatMul", [a, v])], perm=[0, 2, 1, 3])
    o = g.op("Reshape", [o, g.const("merge", [1, T, D], np.int64)])
    o = g.op("Add", [g.op("MatMul", [o, g.const("w_o", p["w_o"])]), g.const("b_o", p["b_o"])])
    x = g.op("Add", [x, o])
    h = layer_norm(g, x, p["g2"], p["b2"], fused_ln)
    h = g.op("Add", [g.op("MatMul", [h, g.const("w_fc", p["w_fc"])]), g.const("b_fc", p["b_fc"])])
    h = gelu(g, h, erf)
    h = g.op("Add", [g.op("MatMul", [h, g.const("w_pr", p["w_pr"])]), g.const("b_pr", p["b_pr"])])
    return g.op("Add", [x, h])


def block_ref(x, p, erf, dm=SMALL):
    D, T, HEADS, DH = dm.d, dm.t, dm.heads, dm.dh
    h = layer_norm_ref(x, p["g1"], p["b1"])
    qkv = h @ p["w_qkv"] + p["b_qkv"]
    q, k, v = np.split(qkv, 3, axis=-1)
    split = lambda t: t.reshape(1, T, HEADS, DH).transpose(0, 2, 1, 3)
    q, k, v = split(q), split(k), split(v)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(DH)
    s = np.where(np.tril(np.ones((T, T))) > 0, s, -np.inf)
    o = (softmax_ref(s) @ v).transpose(0, 2, 1, 3).reshape(1, T, D)
    x = x + o @ p["w_o"] + p["b_o"]
    h = layer_norm_ref(x, p["g2"], p["b2"]) @ p["w_fc"] + p["b_fc"]
    h = gelu_erf_ref(h) if erf else gelu_tanh_ref(h)
    return x + h @ p["w_pr"] + p["b_pr"]


def attn_block(name, fused_ln, where_mask, erf, dm=SMALL):
    """One block on float embeddings x [1, T, D]."""

    def build(dest, rng, save):
        D, T = dm.d, dm.t
        p = block_params(rng, dm)
        x = f32(rng.uniform(-1, 1, (1, T, D)))
        g = G()
        y = block(g, "x", p, fused_ln, where_mask, erf, dm)
        graph = helper.make_graph(
            g.nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, D])],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, T, D])],
            g.inits,
        )
        save(dest, name, graph, [x], [block_ref(x, p, erf, dm)])

    return build


def gpt_tokens(name, blocks, dm=SMALL):
    """Token ids [1, T] (int64) → embeddings (Gather) + positions → blocks →
    final LayerNorm → tied LM head: logits [1, T, VOCAB]."""

    def build(dest, rng, save):
        D, T, VOCAB = dm.d, dm.t, dm.vocab
        wte = f32(rng.uniform(-0.5, 0.5, (VOCAB, D)))
        wpe = f32(rng.uniform(-0.2, 0.2, (T, D)))
        ps = [block_params(rng, dm) for _ in range(blocks)]
        gf, bf = f32(1 + rng.uniform(-0.1, 0.1, D)), f32(rng.uniform(-0.1, 0.1, D))
        ids = rng.integers(0, VOCAB, (1, T))
        g = G()
        wte_n = g.const("wte", wte)
        tok = g.op("Gather", [wte_n, "ids"], axis=0)
        pos = g.op("Gather", [g.const("wpe", wpe), g.const("pos", np.arange(T).reshape(1, T), np.int64)], axis=0)
        x = g.op("Add", [tok, pos])
        for p in ps:
            x = block(g, x, p, False, False, False, dm)
        x = layer_norm(g, x, gf, bf, False)
        logits = g.op("MatMul", [x, g.op("Transpose", [wte_n], perm=[1, 0])])
        graph = helper.make_graph(
            g.nodes, name,
            [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, T])],
            [helper.make_tensor_value_info(logits, TensorProto.FLOAT, [1, T, VOCAB])],
            g.inits,
        )
        xr = wte[ids] + wpe[None]
        for p in ps:
            xr = block_ref(xr, p, False, dm)
        ref = layer_norm_ref(xr, gf, bf) @ wte.T
        save(dest, name, graph, [ids], [ref])

    return build


def gpt_stack(name, blocks, dm=SMALL):
    """nanoGPT-style stack on float embeddings x [1, T, D] (EZKL takes float
    inputs only): blocks → final LayerNorm → LM head [D, VOCAB]: logits
    [1, T, VOCAB]."""

    def build(dest, rng, save):
        D, T, VOCAB = dm.d, dm.t, dm.vocab
        ps = [block_params(rng, dm) for _ in range(blocks)]
        gf, bf = f32(1 + rng.uniform(-0.1, 0.1, D)), f32(rng.uniform(-0.1, 0.1, D))
        w_head = f32(rng.uniform(-0.3, 0.3, (D, VOCAB)) * (16 / D) ** 0.5)
        x = f32(rng.uniform(-1, 1, (1, T, D)))
        g = G()
        y = "x"
        for p in ps:
            y = block(g, y, p, False, False, False, dm)
        y = layer_norm(g, y, gf, bf, False)
        logits = g.op("MatMul", [y, g.const("w_head", w_head)])
        graph = helper.make_graph(
            g.nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, D])],
            [helper.make_tensor_value_info(logits, TensorProto.FLOAT, [1, T, VOCAB])],
            g.inits,
        )
        xr = x
        for p in ps:
            xr = block_ref(xr, p, False, dm)
        save(dest, name, graph, [x], [layer_norm_ref(xr, gf, bf) @ w_head])

    return build


def torch_encoder_layer(name, dm=SMALL, ff=32):
    """nn.TransformerEncoderLayer(d, heads, ff, batch_first=False) with the
    float causal mask of nn.Transformer.generate_square_subsequent_mask (−∞
    above the diagonal) as torch 2.x exports it at opset 17: src [T, 1, D];
    the fused in-projection unflattened to [T, B, 3, D], Unsqueeze, Transpose
    and Squeeze (axes as inputs) to [3, T, B, D] and Gather 0/1/2; heads by
    Reshape [T, B·H, dh] + Transpose; scaled_dot_product_attention's export
    (q and kᵀ each multiplied by √scale, mask added, Softmax, MatMul); the
    output projection as Gemm(transB=1) on [T·B, D]; post-norm
    LayerNormalization and a Relu feed-forward."""

    def build(dest, rng, save):
        D, T, H, DH = dm.d, dm.t, dm.heads, dm.dh
        s = 0.3 * (16 / D) ** 0.5
        w_in, b_in = f32(rng.uniform(-s, s, (3 * D, D))), f32(rng.uniform(-0.1, 0.1, 3 * D))
        w_out, b_out = f32(rng.uniform(-s, s, (D, D))), f32(rng.uniform(-0.1, 0.1, D))
        w1, b1 = f32(rng.uniform(-s, s, (ff, D))), f32(rng.uniform(-0.1, 0.1, ff))
        w2, b2 = f32(rng.uniform(-s, s, (D, ff))), f32(rng.uniform(-0.1, 0.1, D))
        g1, be1 = f32(1 + rng.uniform(-0.1, 0.1, D)), f32(rng.uniform(-0.1, 0.1, D))
        g2, be2 = f32(1 + rng.uniform(-0.1, 0.1, D)), f32(rng.uniform(-0.1, 0.1, D))
        mask = np.triu(np.full((T, T), -np.inf), 1)
        x = f32(rng.uniform(-1, 1, (T, 1, D)))
        g = G()
        i64 = lambda base, v: g.const(base, v, np.int64)
        proj = g.op("Add", [g.op("MatMul", ["src", g.const("w_in_t", w_in.T)]), g.const("b_in", b_in)])
        proj = g.op("Reshape", [proj, i64("unflat", [T, 1, 3, D])])
        proj = g.op("Unsqueeze", [proj, i64("ax0", [0])])
        proj = g.op("Transpose", [proj], perm=[3, 1, 2, 0, 4])
        proj = g.op("Squeeze", [proj, i64("axm2", [-2])])
        heads = []
        for i in range(3):
            t = g.op("Gather", [proj, g.const("idx", i, np.int64)], axis=0)
            t = g.op("Transpose", [g.op("Reshape", [t, i64("bh", [T, H, DH])])], perm=[1, 0, 2])
            heads.append(g.op("Reshape", [t, i64("bhtd", [1, H, T, DH])]))
        q, k, v = heads
        sq = g.const("sqrt_scale", np.sqrt(1 / np.sqrt(DH)))
        q = g.op("Mul", [q, sq])
        kt = g.op("Mul", [g.op("Transpose", [k], perm=[0, 1, 3, 2]), sq])
        a = g.op("Add", [g.op("MatMul", [q, kt]), g.const("attn_mask", mask)])
        o = g.op("MatMul", [g.op("Softmax", [a], axis=-1), v])
        o = g.op("Reshape", [g.op("Transpose", [o], perm=[2, 0, 1, 3]), i64("tb_d", [T, D])])
        o = g.op("Gemm", [o, g.const("w_out", w_out), g.const("b_out", b_out)], transB=1)
        o = g.op("Reshape", [o, i64("t_b_d", [T, 1, D])])
        y = g.op("LayerNormalization", [g.op("Add", ["src", o]), g.const("g1", g1), g.const("be1", be1)], axis=-1, epsilon=EPS)
        f = g.op("Relu", [g.op("Add", [g.op("MatMul", [y, g.const("w1_t", w1.T)]), g.const("b1", b1)])])
        f = g.op("Add", [g.op("MatMul", [f, g.const("w2_t", w2.T)]), g.const("b2", b2)])
        y = g.op("LayerNormalization", [g.op("Add", [y, f]), g.const("g2", g2), g.const("be2", be2)], axis=-1, epsilon=EPS)
        graph = helper.make_graph(
            g.nodes, name,
            [helper.make_tensor_value_info("src", TensorProto.FLOAT, [T, 1, D])],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, [T, 1, D])],
            g.inits,
        )
        xr = x[:, 0]  # [T, D]
        qkv = xr @ w_in.T + b_in
        split = lambda t: t.reshape(T, H, DH).transpose(1, 0, 2)
        qh, kh, vh = (split(t) for t in np.split(qkv, 3, axis=-1))
        sc = qh @ kh.transpose(0, 2, 1) / np.sqrt(DH) + mask
        att = (softmax_ref(sc) @ vh).transpose(1, 0, 2).reshape(T, D) @ w_out.T + b_out
        yr = layer_norm_ref(xr + att, g1, be1)
        fr = np.maximum(yr @ w1.T + b1, 0) @ w2.T + b2
        yr = layer_norm_ref(yr + fr, g2, be2)
        save(dest, name, graph, [x], [yr[:, None]])

    return build


def hf_padding_mask(name, dm=Dims(16, 2, 8), kept=5, masked_fill=False, causal=None, left=False):
    """BERT / Hugging Face encoder self-attention with a run-time
    `attention_mask` input (int64 [1, T], 1 = token, 0 = padding) expanded as
    transformers exports it: Unsqueeze to [1, 1, 1, T], Cast to float,
    Sub(1, ·), Mul by finfo(float32).min, added to the scaled scores; then
    Softmax, ·v and the output projection. Inputs x [1, T, D] and the mask
    (its last T − kept entries 0). `masked_fill`: newer transformers'
    form, Expand to [1, 1, T, T] and `inverted.masked_fill(inverted.bool(),
    finfo.min)` (Cast to bool + Where) instead of the Mul.

    `causal` adds a causal mask on the same scores, as decoder exports
    combine the two: "gpt2" (Hugging Face GPT-2 before the 4.36 mask
    converter: `Where(tril, scores, finfo.min)` in the attention, then the
    padding mask added), "folded" (transformers 4.36's
    `AttentionMaskConverter.to_4d`, Llama/Mistral: a causal [1, 1, T, T]
    mask made by ConstantOfShape(finfo.min) + Trilu(upper, k 1), and
    `causal.masked_fill(expanded.bool(), finfo.min)` with the masked_fill
    padding mask, added to the scores once). The outputs are also checked
    against onnxruntime.

    `left`: the padding is on the left (the first T − kept entries 0, as a
    decoder batch is padded for generation), so the rows of padded query
    positions keep no entry under both masks. The reference is then what
    float32 makes them: with "gpt2" the padding finfo.min added to the causal
    finfo.min overflows to −∞ (weight 0) and such a row is uniform over the
    entries masked once (onnxruntime's row)."""

    def build(dest, rng, save):
        D, T, H, DH = dm.d, dm.t, dm.heads, dm.dh
        s = 0.3 * (16 / D) ** 0.5
        wq, wk, wv, wo = (f32(rng.uniform(-s, s, (D, D))) for _ in range(4))
        x = f32(rng.uniform(-1, 1, (1, T, D)))
        pads = [[1] * kept, [0] * (T - kept)]
        am = np.array([sum(pads[::-1] if left else pads, [])], dtype=np.int64)
        g = G()
        heads = g.const("heads", [1, T, H, DH], np.int64)
        proj = lambda w, perm: g.op("Transpose", [g.op("Reshape", [g.op("MatMul", ["x", g.const("w", w)]), heads])], perm=perm)
        q, k, v = proj(wq, [0, 2, 1, 3]), proj(wk, [0, 2, 3, 1]), proj(wv, [0, 2, 1, 3])
        sc = g.op("Div", [g.op("MatMul", [q, k]), g.const("sqrt_dh", np.sqrt(DH))])
        m = g.op("Unsqueeze", ["attention_mask", g.const("ax12", [1, 2], np.int64)])
        fmin = g.const("fmin", np.finfo(np.float32).min)
        if causal == "gpt2":
            tril = g.op("Cast", [g.op("Trilu", [g.const("ones", np.ones((T, T)))], upper=0)], to=TensorProto.BOOL)
            sc = g.op("Where", [tril, sc, fmin])
        if causal == "folded":
            full = g.op("ConstantOfShape", [g.const("tt2", [T, T], np.int64)],
                        value=numpy_helper.from_array(np.array([np.finfo(np.float32).min], np.float32)))
            cm = g.op("Trilu", [full, g.const("k1", 1, np.int64)], upper=1)
            cm = g.op("Expand", [g.op("Unsqueeze", [cm, g.const("ax01", [0, 1], np.int64)]), g.const("b1tt", [1, 1, T, T], np.int64)])
        if masked_fill:
            m = g.op("Expand", [m, g.const("tt", [1, 1, T, T], np.int64)])
            inv = g.op("Sub", [g.const("one", 1.0), g.op("Cast", [m], to=TensorProto.FLOAT)])
            m = g.op("Where", [g.op("Cast", [inv], to=TensorProto.BOOL), fmin, inv])
        else:
            m = g.op("Cast", [m], to=TensorProto.FLOAT)
            m = g.op("Mul", [g.op("Sub", [g.const("one", 1.0), m]), fmin])
        if causal == "folded":
            m = g.op("Where", [g.op("Cast", [m], to=TensorProto.BOOL), fmin, cm])
        a = g.op("Softmax", [g.op("Add", [sc, m])], axis=-1)
        o = g.op("Transpose", [g.op("MatMul", [a, v])], perm=[0, 2, 1, 3])
        o = g.op("MatMul", [g.op("Reshape", [o, g.const("merge", [1, T, D], np.int64)]), g.const("wo", wo)])
        graph = helper.make_graph(
            g.nodes, name,
            [
                helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, D]),
                helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [1, T]),
            ],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, [1, T, D])],
            g.inits,
        )
        split = lambda t: t.reshape(1, T, H, DH).transpose(0, 2, 1, 3)
        qh, kh, vh = split(x @ wq), split(x @ wk), split(x @ wv)
        sc = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(DH)
        keep = am[:, None, None, :] > 0
        tril = np.tril(np.ones((T, T))) > 0
        if causal:
            keep = keep & tril
        if left and causal == "gpt2":
            # float32's sum: the doubly masked entries are −∞, the rest of a
            # fully masked row finfo.min (equal: a uniform row over them).
            fmin32 = np.float32(np.finfo(np.float32).min)
            with np.errstate(over="ignore"):
                level = np.where(tril, np.float32(0), fmin32) + np.where(am[:, None, None, :] > 0, np.float32(0), fmin32)
            alone = ~keep.any(-1, keepdims=True)
            sc = np.where(keep, sc, np.where(alone & np.isfinite(level), 0.0, -np.inf))
        else:
            sc = np.where(keep, sc, -np.inf)
        ref = (softmax_ref(sc) @ vh).transpose(0, 2, 1, 3).reshape(1, T, D) @ wo
        save(dest, name, graph, [x, am], [ref])
        if causal:
            ort_check(dest, name, {"x": np.asarray(x, np.float32), "attention_mask": am}, ref)

    return build


def torch_sdpa_causal(name, dm=Dims(16, 2, 8)):
    """torch.nn.functional.scaled_dot_product_attention(q, k, v,
    is_causal=True) as torch's TorchScript exporter writes it at opset 18
    (symbolic_opset14): the scale from Shape/Slice/Cast/Sqrt/Div, q and kᵀ
    each multiplied by its square root, and the causal mask built at run
    time from the shapes (Shape, Slice, Concat, Expand of 1.0, Trilu,
    `Where(Equal(tril, 0), −∞, 0)`), added to the scores; before it a
    pre-norm LayerNorm spelled out with opset 18's ReduceMean (axes as an
    input). Input x [1, T, D]; output the attention's projection plus x."""

    def build(dest, rng, save):
        D, T, H, DH = dm.d, dm.t, dm.heads, dm.dh
        s = 0.3 * (16 / D) ** 0.5
        wq, wk, wv, wo = (f32(rng.uniform(-s, s, (D, D))) for _ in range(4))
        gam, bet = f32(1 + rng.uniform(-0.1, 0.1, D)), f32(rng.uniform(-0.1, 0.1, D))
        x = f32(rng.uniform(-1, 1, (1, T, D)))
        g = G()
        i64 = lambda base, v: g.const(base, v, np.int64)
        # LayerNorm, opset 18: ReduceMean(x, axes).
        ax = i64("axm1", [-1])
        mu = g.op("ReduceMean", ["x", ax])
        c = g.op("Sub", ["x", mu])
        var = g.op("ReduceMean", [g.op("Pow", [c, g.const("two", 2.0)]), ax])
        h = g.op("Div", [c, g.op("Sqrt", [g.op("Add", [var, g.const("eps", EPS)])])])
        h = g.op("Add", [g.op("Mul", [h, g.const("ln_g", gam)]), g.const("ln_b", bet)])
        heads = i64("heads", [1, T, H, DH])
        proj = lambda w: g.op("Transpose", [g.op("Reshape", [g.op("MatMul", [h, g.const("w", w)]), heads])], perm=[0, 2, 1, 3])
        q, k, v = proj(wq), proj(wk), proj(wv)
        # scale = 1 / sqrt(E), E from the shape; each side gets sqrt(scale).
        e = g.op("Cast", [g.op("Slice", [g.op("Shape", [q]), i64("m1", [-1]), i64("big", [2**62])])], to=TensorProto.FLOAT)
        scale = g.op("Div", [g.const("one", [1.0]), g.op("Sqrt", [e])])
        sq = g.op("Sqrt", [scale])
        kt = g.op("Transpose", [k], perm=[0, 1, 3, 2])
        qk = g.op("MatMul", [g.op("Mul", [q, sq]), g.op("Mul", [kt, sq])])
        # The causal mask from the shapes.
        tl = g.op("Slice", [g.op("Shape", [q]), i64("m2", [-2]), i64("m1b", [-1])])
        sl = g.op("Slice", [g.op("Shape", [k]), i64("m1c", [-2]), i64("m1d", [-1])])
        ones = g.op("Expand", [g.const("one_f", [1.0]), g.op("Concat", [tl, sl], axis=0)])
        tril = g.op("Trilu", [ones], upper=0)
        mask = g.op("Where", [g.op("Equal", [tril, g.const("zero", [0.0])]), g.const("ninf", [-np.inf]), g.const("zero_b", [0.0])])
        a = g.op("Softmax", [g.op("Add", [qk, mask])], axis=-1)
        o = g.op("Transpose", [g.op("MatMul", [a, v])], perm=[0, 2, 1, 3])
        o = g.op("MatMul", [g.op("Reshape", [o, i64("merge", [1, T, D])]), g.const("wo", wo)])
        y = g.op("Add", ["x", o])
        graph = helper.make_graph(
            g.nodes, name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, T, D])],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, [1, T, D])],
            g.inits,
        )
        hr = layer_norm_ref(x, gam, bet)
        split = lambda t: t.reshape(1, T, H, DH).transpose(0, 2, 1, 3)
        qh, kh, vh = split(hr @ wq), split(hr @ wk), split(hr @ wv)
        sc = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(DH)
        sc = np.where(np.tril(np.ones((T, T))) > 0, sc, -np.inf)
        ref = x + (softmax_ref(sc) @ vh).transpose(0, 2, 1, 3).reshape(1, T, D) @ wo
        save(dest, name, graph, [x], [ref], opset=18)
        ort_check(dest, name, {"x": np.asarray(x, np.float32)}, ref)

    return build


def ort_check(dest, name, feeds, ref, tol=1e-4):
    """The saved model's output under onnxruntime is within `tol` of `ref`."""
    import os

    import onnxruntime as ort

    sess = ort.InferenceSession(os.path.join(dest, name, "model.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, feeds)[0]
    err = float(np.max(np.abs(np.asarray(got, dtype=np.float64) - ref)))
    assert err < tol, f"{name}: onnxruntime differs from the reference by {err}"


# Each entry: build(dest, rng, save).
TRANSFORMERS = [
    attn_block("gpt_block_spelled", fused_ln=False, where_mask=False, erf=False),
    attn_block("gpt_block_fused", fused_ln=True, where_mask=True, erf=True),
    # Issue 10's benchmark shape: GPT-2 small's block (d 768, 12 heads, MLP
    # 3072, sequence 32; 7.1 M parameters), spelled-out form.
    attn_block("gpt2_small_block", fused_ln=False, where_mask=False, erf=False, dm=Dims(768, 12, 32)),
    gpt_tokens("gpt_tiny_tokens", blocks=2),
    # Issue 10's CI model: a two-block tiny GPT at d=64 (4 heads, sequence 8).
    gpt_tokens("gpt_tiny_d64", blocks=2, dm=Dims(64, 4, 8, vocab=32)),
    # Issue 10's peer benchmark: a 4-block nanoGPT-scale stack (d 128, 4
    # heads, sequence 16, vocabulary 64; 0.8 M parameters) on float
    # embeddings, for `zkml time` and EZKL on the same file.
    gpt_stack("nanogpt_4x128", blocks=4, dm=Dims(128, 4, 16, vocab=64)),
    # Third-party export forms (issue 10's held-back set).
    torch_encoder_layer("torch_encoder_layer"),
    hf_padding_mask("hf_padding_mask"),
    hf_padding_mask("hf_masked_fill", kept=6, masked_fill=True),
    # A padding mask and a causal mask on the same scores (decoder exports).
    hf_padding_mask("hf_gpt2_padding_causal", kept=6, causal="gpt2"),
    hf_padding_mask("hf_folded_padding_causal", kept=5, masked_fill=True, causal="folded"),
    # Left padding: rows with no kept entry, as float32 (onnxruntime) makes them.
    hf_padding_mask("hf_gpt2_leftpad_causal", kept=5, causal="gpt2", left=True),
    torch_sdpa_causal("torch_sdpa_causal"),
]
