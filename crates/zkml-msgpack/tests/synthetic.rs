//! Small models written as msgpack bytes in the test: integers checked by
//! hand and, for randomized models, against `common::run_zkml`; malformed
//! files must be errors, never panics.

mod common;

use common::{check_exact, ints, run, run_zkml, softmax_zkml, T};
use zkml_msgpack::format::{LayerFile, ModelFile, TensorFile};
use zkml_msgpack::{load_input_bytes, load_model_bytes, MsgpackError};

fn tensor(idx: i64, shape: &[i64], data: Vec<i64>) -> TensorFile {
    TensorFile {
        idx,
        shape: shape.to_vec(),
        data,
    }
}

fn layer(
    layer_type: &str,
    params: &[i64],
    inp: &[(i64, Vec<i64>)],
    out: (i64, Vec<i64>),
) -> LayerFile {
    LayerFile {
        layer_type: layer_type.into(),
        params: params.to_vec(),
        inp_idxes: inp.iter().map(|(i, _)| *i).collect(),
        inp_shapes: inp.iter().map(|(_, s)| s.clone()).collect(),
        out_idxes: vec![out.0],
        out_shapes: vec![out.1],
        mask: vec![],
    }
}

fn bytes(m: &ModelFile) -> Vec<u8> {
    rmp_serde::to_vec_named(m).unwrap()
}

/// sf = 4. Input 3×3 (1 channel) `[1..9]`; 2×2 VALID conv with weights
/// `[1, −2, 3, 4]`, bias 3; 2×2 average pool; Mul by −6; Add 25.
fn hand_model() -> ModelFile {
    ModelFile {
        global_sf: 4,
        inp_idxes: vec![0],
        out_idxes: vec![13],
        tensors: vec![
            tensor(1, &[1, 2, 2, 1], vec![1, -2, 3, 4]),
            tensor(2, &[1], vec![3]),
            tensor(3, &[1], vec![-6]),
            tensor(4, &[1], vec![25]),
        ],
        layers: vec![
            layer(
                "Conv2D",
                &[0, 1, 0, 1, 1],
                &[(0, vec![1, 3, 3, 1]), (1, vec![1, 2, 2, 1]), (2, vec![1])],
                (10, vec![1, 2, 2, 1]),
            ),
            layer(
                "AveragePool2D",
                &[2, 2, 1, 1],
                &[(10, vec![1, 2, 2, 1])],
                (11, vec![1, 1, 1, 1]),
            ),
            layer(
                "Mul",
                &[],
                &[(11, vec![1, 1, 1, 1]), (3, vec![1])],
                (12, vec![1, 1, 1, 1]),
            ),
            layer(
                "Add",
                &[0],
                &[(12, vec![1, 1, 1, 1]), (4, vec![1])],
                (13, vec![1, 1, 1, 1]),
            ),
        ],
        ..Default::default()
    }
}

#[test]
fn hand_computed_integers() {
    let file = hand_model();
    let model = load_model_bytes(&bytes(&file)).unwrap();
    assert_eq!(model.global_scale, 2);
    let inp = rmp_serde::to_vec_named(&vec![tensor(0, &[1, 3, 3, 1], (1..=9).collect())]).unwrap();
    let input = load_input_bytes(&inp, &model).unwrap();
    assert_eq!(input[0][0], 0.25);
    let r = run(&model, &input);

    // Conv, by zkml's rule d = rdiv(Σ x·w, 4) + 3:
    //   (0,0): 1·1 + 2·(−2) + 4·3 + 5·4 = 29 → rdiv 7 (7.25) → 10
    //   (0,1): 2 − 6 + 15 + 24 = 35 → 9 (8.75) → 12
    //   (1,0): 4 − 10 + 21 + 32 = 47 → 12 (11.75) → 15
    //   (1,1): 5 − 12 + 24 + 36 = 53 → 13 (13.25) → 16
    assert_eq!(ints(&r, 10, &[1, 2, 2, 1]), [10, 12, 15, 16]);
    // AveragePool: rdiv(10 + 12 + 15 + 16 = 53, 4) = 13 (13.25).
    assert_eq!(ints(&r, 11, &[1, 1, 1, 1]), [13]);
    // Mul: rdiv(13·(−6) = −78, 4) = ⌊(−156 + 4)/8⌋ = −19 (−19.5 rounds up).
    assert_eq!(ints(&r, 12, &[1, 1, 1, 1]), [-19]);
    // Add: −19 + 25 = 6 (exact).
    assert_eq!(ints(&r, 13, &[1, 1, 1, 1]), [6]);
    assert_eq!(r.trace.dequantized_outputs(&r.q)[0], [1.5]);
    // The independent restatement agrees.
    let reference = run_zkml(
        &file,
        &[T::from_file(&tensor(0, &[1, 3, 3, 1], (1..=9).collect()))],
    );
    assert_eq!(check_exact(&file, &r, &reference), 4);
}

struct Lcg(u64);
impl Lcg {
    fn next(&mut self, lo: i64, hi: i64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + ((self.0 >> 33) % ((hi - lo + 1) as u64)) as i64
    }
    fn vec(&mut self, n: usize, lo: i64, hi: i64) -> Vec<i64> {
        (0..n).map(|_| self.next(lo, hi)).collect()
    }
}

/// A random conv → (depthwise) conv → pool → Mul/Add/Sub → Reshape → FC model.
fn random_model(rng: &mut Lcg) -> (ModelFile, T) {
    let sf = 1i64 << rng.next(4, 8);
    let (h, w, c) = (rng.next(5, 9), rng.next(5, 9), rng.next(1, 3));
    let mut tensors = vec![];
    let mut layers = vec![];
    let mut next = 100;
    let mut fresh = || {
        next += 1;
        next
    };
    let (mut cur, mut shape) = (0i64, vec![1, h, w, c]);
    let x = T {
        shape: shape.iter().map(|&d| d as usize).collect(),
        data: rng.vec((h * w * c) as usize, -2 * sf, 2 * sf),
    };
    for depthwise in [false, true] {
        let (k, s) = (rng.next(1, 3), rng.next(1, 2));
        let same = rng.next(0, 1) == 0 || shape[1] < k || shape[2] < k;
        let act = [0, 1, 3][rng.next(0, 2) as usize];
        let cin = shape[3];
        let m = if depthwise { cin } else { rng.next(1, 4) };
        let wshape = if depthwise {
            vec![1, k, k, cin]
        } else {
            vec![m, k, k, cin]
        };
        let (wi, bi, o) = (fresh(), fresh(), fresh());
        tensors.push(tensor(
            wi,
            &wshape,
            rng.vec(wshape.iter().product::<i64>() as usize, -sf, sf),
        ));
        tensors.push(tensor(bi, &[m], rng.vec(m as usize, -sf, sf)));
        let (oh, ow) = if same {
            ((shape[1] + s - 1) / s, (shape[2] + s - 1) / s)
        } else {
            ((shape[1] - k) / s + 1, (shape[2] - k) / s + 1)
        };
        let out = vec![1, oh, ow, m];
        layers.push(layer(
            "Conv2D",
            &[depthwise as i64, if same { 0 } else { 1 }, act, s, s],
            &[(cur, shape.clone()), (wi, wshape), (bi, vec![m])],
            (o, out.clone()),
        ));
        (cur, shape) = (o, out);
    }
    if shape[1] >= 2 && shape[2] >= 2 {
        let o = fresh();
        let max = rng.next(0, 1) == 1;
        let out = vec![1, shape[1] - 1, shape[2] - 1, shape[3]];
        layers.push(layer(
            if max { "MaxPool2D" } else { "AveragePool2D" },
            &[2, 2, 1, 1],
            &[(cur, shape.clone())],
            (o, out.clone()),
        ));
        (cur, shape) = (o, out);
    }
    for op in ["Mul", "Add", "Sub"] {
        let (ci, o) = (fresh(), fresh());
        let cshape = if rng.next(0, 1) == 0 {
            vec![shape[3]]
        } else {
            vec![shape[2], 1]
        };
        tensors.push(tensor(
            ci,
            &cshape,
            rng.vec(cshape.iter().product::<i64>() as usize, -2 * sf, 2 * sf),
        ));
        let params: &[i64] = if op == "Add" { &[1] } else { &[] };
        layers.push(layer(
            op,
            params,
            &[(cur, shape.clone()), (ci, cshape)],
            (o, shape.clone()),
        ));
        cur = o;
    }
    let n = shape.iter().product::<i64>();
    let (r, wi, bi, o) = (fresh(), fresh(), fresh(), fresh());
    layers.push(layer(
        "Reshape",
        &[],
        &[(cur, shape.clone())],
        (r, vec![1, n]),
    ));
    tensors.push(tensor(wi, &[3, n], rng.vec(3 * n as usize, -sf, sf)));
    tensors.push(tensor(bi, &[3], rng.vec(3, -sf, sf)));
    layers.push(layer(
        "FullyConnected",
        &[rng.next(0, 1)],
        &[(r, vec![1, n]), (wi, vec![3, n]), (bi, vec![3])],
        (o, vec![1, 3]),
    ));
    let file = ModelFile {
        global_sf: sf,
        inp_idxes: vec![0],
        out_idxes: vec![o],
        tensors,
        layers,
        ..Default::default()
    };
    (file, x)
}

#[test]
fn random_models_match_zkml_bit_for_bit() {
    let mut rng = Lcg(2024);
    for case in 0..40 {
        let (file, x) = random_model(&mut rng);
        let model = load_model_bytes(&bytes(&file)).unwrap_or_else(|e| panic!("case {case}: {e}"));
        let sf = file.global_sf as f32;
        let input = vec![x.data.iter().map(|&q| q as f32 / sf).collect::<Vec<_>>()];
        let r = run(&model, &input);
        let reference = run_zkml(&file, &[x]);
        assert_eq!(
            check_exact(&file, &r, &reference),
            file.layers.len(),
            "case {case}"
        );
    }
}

#[test]
fn softmax_is_close_to_zkml() {
    let mut rng = Lcg(5);
    let sf = 256;
    let file = ModelFile {
        global_sf: sf,
        inp_idxes: vec![0],
        out_idxes: vec![1],
        layers: vec![layer("Softmax", &[], &[(0, vec![4, 10])], (1, vec![4, 10]))],
        ..Default::default()
    };
    let model = load_model_bytes(&bytes(&file)).unwrap();
    let x = T {
        shape: vec![4, 10],
        data: rng.vec(40, -3 * sf, 3 * sf),
    };
    let input = vec![x
        .data
        .iter()
        .map(|&q| q as f32 / sf as f32)
        .collect::<Vec<_>>()];
    let r = run(&model, &input);
    let ours: Vec<i64> = r.trace.outputs(&r.q)[0].iter().copied().collect();
    let zk = softmax_zkml(&x, sf);
    let diff = zk
        .data
        .iter()
        .zip(&ours)
        .map(|(a, b)| (a - b).abs())
        .max()
        .unwrap();
    eprintln!("softmax at sf 256: max |zkml − zkml-core| = {diff}");
    assert!(diff <= 2);
}

#[test]
fn nchw_values_feed_layout_sensitive_layers() {
    // Conv (NCHW inside) → Reshape and → Concatenation of conv output with itself:
    // both read the msgpack NHWC order.
    let file = ModelFile {
        global_sf: 2,
        inp_idxes: vec![0],
        out_idxes: vec![4, 5],
        tensors: vec![
            tensor(1, &[2, 1, 1, 1], vec![2, -2]),
            tensor(2, &[2], vec![0, 0]),
        ],
        layers: vec![
            layer(
                "Conv2D",
                &[0, 1, 0, 1, 1],
                &[(0, vec![1, 2, 2, 1]), (1, vec![2, 1, 1, 1]), (2, vec![2])],
                (3, vec![1, 2, 2, 2]),
            ),
            layer("Reshape", &[], &[(3, vec![1, 2, 2, 2])], (4, vec![1, 8])),
            layer(
                "Concatenation",
                &[-1],
                &[(3, vec![1, 2, 2, 2]), (3, vec![1, 2, 2, 2])],
                (5, vec![1, 2, 2, 4]),
            ),
        ],
        ..Default::default()
    };
    let model = load_model_bytes(&bytes(&file)).unwrap();
    let r = run(&model, &[vec![0.5, 1.0, 1.5, 2.0]]);
    let out = r.trace.outputs(&r.q);
    // x·w: rdiv(q·2, 2) = q and −q, interleaved per pixel (NHWC).
    assert_eq!(
        out[0].iter().copied().collect::<Vec<_>>(),
        [1, -1, 2, -2, 3, -3, 4, -4]
    );
    assert_eq!(out[1].shape(), [1, 2, 2, 4]);
    assert_eq!(
        out[1].iter().copied().collect::<Vec<_>>(),
        [1, -1, 1, -1, 2, -2, 2, -2, 3, -3, 3, -3, 4, -4, 4, -4]
    );
}

fn load_err(m: &ModelFile) -> MsgpackError {
    load_model_bytes(&bytes(m)).expect_err("should be refused")
}

#[test]
fn malformed_models_are_errors() {
    for garbage in [
        &b""[..],
        b"\xc1",
        b"\x93\x01\x02\x03",
        b"\xdf\xff\xff\xff\xff",
        b"\xdd\xff\xff\xff\xff\x00",
        b"\xdb\xff\xff\xff\xf0abc",
        b"not msgpack at all",
    ] {
        assert!(matches!(
            load_model_bytes(garbage),
            Err(MsgpackError::Decode { .. })
        ));
    }
    // An unknown field holding 200k nested arrays: an error, not a stack overflow.
    let mut deep = b"\x81\xa1x".to_vec();
    deep.resize(deep.len() + 200_000, 0x91);
    deep.push(0x01);
    assert!(load_model_bytes(&deep).is_err());
    let good = hand_model();
    // A stale input index (GPT-2's example config lists 7, which no layer
    // reads): the error names the tensor the layers read instead.
    let mut stale = good.clone();
    stale.inp_idxes = vec![7];
    let e = load_err(&stale).to_string();
    assert!(
        e.contains("no layer reads model input 7") && e.contains("[0]") && e.contains("inp_idxes"),
        "{e}"
    );
    let b = bytes(&good);
    for cut in 0..b.len() {
        assert!(load_model_bytes(&b[..cut]).is_err(), "prefix {cut}");
    }
    for i in 0..b.len() {
        for x in [0x01, 0x80, 0xff] {
            let mut m = b.clone();
            m[i] ^= x;
            let _ = load_model_bytes(&m);
        }
    }

    let mut m = good.clone();
    m.global_sf = 6;
    assert!(matches!(load_err(&m), MsgpackError::Model(_)));
    let mut m = good.clone();
    m.tensors[0].data.pop();
    assert!(matches!(load_err(&m), MsgpackError::Tensor { idx: 1, .. }));
    let mut m = good.clone();
    m.tensors[1].data[0] = 1 << 40;
    assert!(load_err(&m).to_string().contains("2^24"));
    let mut m = good.clone();
    m.tensors[0].shape = vec![1 << 40, 1 << 40, 1, 1];
    assert!(matches!(load_err(&m), MsgpackError::Tensor { idx: 1, .. }));
    for (k, bad) in [(0, 2), (1, 5), (2, 2), (3, 0), (4, -1)] {
        let mut m = good.clone();
        m.layers[0].params[k] = bad;
        let e = load_err(&m);
        assert!(
            matches!(e, MsgpackError::Layer { index: 0, .. }),
            "param {k}: {e}"
        );
    }
    let mut m = good.clone();
    m.layers[0].params.truncate(2);
    assert!(matches!(load_err(&m), MsgpackError::Layer { index: 0, .. }));
    let mut m = good.clone();
    m.tensors[0].shape = vec![1, 0, 2, 1];
    m.tensors[0].data.clear();
    assert!(matches!(load_err(&m), MsgpackError::Layer { index: 0, .. }));
    let mut m = good.clone();
    m.layers[1].params = vec![0, 2, 1, 1];
    assert!(matches!(load_err(&m), MsgpackError::Layer { index: 1, .. }));
    let mut m = good.clone();
    m.layers[1].params = vec![5, 5, 1, 1];
    assert!(matches!(load_err(&m), MsgpackError::Layer { index: 1, .. }));
    let mut m = good.clone();
    m.layers[1].out_shapes = vec![vec![1, 2, 2, 1]];
    assert!(load_err(&m).to_string().contains("declares"));
    let mut m = good.clone();
    m.layers[2].inp_idxes[1] = 77;
    assert!(load_err(&m).to_string().contains("tensor 77"));
    let mut m = good.clone();
    m.out_idxes = vec![99];
    assert!(matches!(load_err(&m), MsgpackError::Model(_)));
    let mut m = good.clone();
    m.layers[3].out_idxes = vec![12];
    m.out_idxes = vec![12];
    assert!(load_err(&m).to_string().contains("already defined"));

    // Unsupported types: one error naming every one, with its index.
    let mut m = good.clone();
    m.layers[1].layer_type = "Gather".into();
    m.layers[2].layer_type = "Frobnicate".into();
    match load_err(&m) {
        MsgpackError::Unsupported { layers } => assert_eq!(
            layers,
            [(1, "Gather".to_string()), (2, "Frobnicate".to_string())]
        ),
        e => panic!("{e}"),
    }
}

#[test]
fn malformed_inputs_are_errors() {
    let model = load_model_bytes(&bytes(&hand_model())).unwrap();
    let ok = rmp_serde::to_vec_named(&vec![tensor(0, &[1, 3, 3, 1], (1..=9).collect())]).unwrap();
    assert!(load_input_bytes(&ok, &model).is_ok());
    for cut in 0..ok.len() {
        assert!(load_input_bytes(&ok[..cut], &model).is_err());
    }
    let wrong_idx = rmp_serde::to_vec_named(&vec![tensor(5, &[1, 3, 3, 1], vec![0; 9])]).unwrap();
    assert!(matches!(
        load_input_bytes(&wrong_idx, &model),
        Err(MsgpackError::MissingInput { idx: 0, .. })
    ));
    let wrong_shape = rmp_serde::to_vec_named(&vec![tensor(0, &[1, 9], vec![0; 9])]).unwrap();
    assert!(matches!(
        load_input_bytes(&wrong_shape, &model),
        Err(MsgpackError::Tensor { idx: 0, .. })
    ));
    let short = rmp_serde::to_vec_named(&vec![tensor(0, &[1, 3, 3, 1], vec![0; 8])]).unwrap();
    assert!(load_input_bytes(&short, &model).is_err());
    assert!(matches!(
        load_input_bytes(b"\x81\xa1a\x01", &model),
        Err(MsgpackError::Decode { what: "input", .. })
    ));
}

#[test]
fn other_layers_by_hand() {
    // sf = 4; input [1, 2, 3] = [1, 2, 3, 4, 5, 7] (reals 0.25 … 1.75).
    let s = |v: &[i64]| (0, v.to_vec());
    let x = vec![1, 2, 3];
    let file = ModelFile {
        global_sf: 4,
        inp_idxes: vec![0],
        out_idxes: (10..=17).collect(),
        tensors: vec![tensor(1, &[3], vec![1, 1, 1])],
        layers: vec![
            layer("Mean", &[2], &[s(&x)], (10, vec![1, 2])),
            layer(
                "Transpose",
                &[1, 2, 3, 0, 2, 1],
                &[s(&x)],
                (11, vec![1, 3, 2]),
            ),
            layer("Pad", &[0, 0, 1, 0, 0, 1], &[s(&x)], (12, vec![1, 3, 4])),
            layer("Square", &[], &[s(&x)], (13, x.clone())),
            layer(
                "SquaredDifference",
                &[],
                &[s(&x), (1, vec![3])],
                (14, x.clone()),
            ),
            layer("Logistic", &[], &[s(&x)], (15, x.clone())),
            layer(
                "Pack",
                &[0],
                &[(10, vec![1, 2]), (10, vec![1, 2])],
                (16, vec![2, 1, 2]),
            ),
            layer("Tanh", &[], &[s(&x)], (17, x.clone())),
        ],
        ..Default::default()
    };
    let model = load_model_bytes(&bytes(&file)).unwrap();
    let r = run(&model, &[vec![0.25, 0.5, 0.75, 1.0, 1.25, 1.75]]);
    let got = |idx: i64, shape: &[usize]| ints(&r, idx, shape);
    // Mean keeps axis 1: rdiv(1+2+3, 3) = 2, rdiv(4+5+7, 3) = 5 (5.33).
    assert_eq!(got(10, &[1, 2]), [2, 5]);
    assert_eq!(got(11, &[1, 3, 2]), [1, 4, 2, 5, 3, 7]);
    assert_eq!(got(12, &[1, 3, 4]), [0, 0, 0, 0, 1, 2, 3, 0, 4, 5, 7, 0]);
    // Square: rdiv(q², 4): 0.25→0, 1, 2.25→2, 4, 6.25→6, 12.25→12.
    assert_eq!(got(13, &[1, 2, 3]), [0, 1, 2, 4, 6, 12]);
    // SquaredDifference with 1: d = 0,1,2,3,4,6 → rdiv(d², 4) = 0,0,1,2,4,9.
    assert_eq!(got(14, &[1, 2, 3]), [0, 0, 1, 2, 4, 9]);
    // Logistic: round(σ(q/4)·4) = 2.25, 2.49, 2.72, 2.92, 3.11, 3.41 → 2,2,3,3,3,3.
    assert_eq!(got(15, &[1, 2, 3]), [2, 2, 3, 3, 3, 3]);
    assert_eq!(got(16, &[2, 1, 2]), [2, 5, 2, 5]);
    // Tanh: round(tanh(q/4)·4) = 0.98, 1.85, 2.54, 3.05, 3.39, 3.77 → 1,2,3,3,3,4.
    assert_eq!(got(17, &[1, 2, 3]), [1, 2, 3, 3, 3, 4]);
}

#[test]
fn shape_side_graphs_are_skipped() {
    // TFLite-style: Shape(x) → Pack → Reshape's shape operand. Reshape reads
    // its shape from out_shapes, so the side graph is never converted.
    let file = ModelFile {
        global_sf: 4,
        inp_idxes: vec![0],
        out_idxes: vec![3],
        layers: vec![
            layer("Shape", &[], &[(0, vec![1, 2, 3])], (1, vec![3])),
            layer("Pack", &[0], &[(1, vec![3])], (2, vec![1, 3])),
            LayerFile {
                layer_type: "Reshape".into(),
                inp_idxes: vec![0, 2],
                inp_shapes: vec![vec![1, 2, 3], vec![1, 3]],
                out_idxes: vec![3],
                out_shapes: vec![vec![6]],
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let model = load_model_bytes(&bytes(&file)).unwrap();
    assert_eq!(model.graph.nodes.len(), 1);
    let r = run(&model, &[vec![0.25, 0.5, 0.75, 1.0, 1.25, 1.75]]);
    assert_eq!(ints(&r, 3, &[6]), [1, 2, 3, 4, 5, 7]);
}
