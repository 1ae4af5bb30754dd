//! The layers the earlier zkml's language and ranking models use (GPT-2,
//! CLIP, Twitter): Sqrt, Rsqrt, Pow, DivVar, BatchMatMul, Slice, Split,
//! MaskNegInf and masked Softmax, in small models written in the test; the
//! integers are checked against zkml's rules restated here.

mod common;

use common::{ints, rdiv, run};
use zkml_msgpack::format::{LayerFile, ModelFile};
use zkml_msgpack::load_model_bytes;

fn layer(t: &str, params: &[i64], inp: &[(i64, &[i64])], out: &[(i64, &[i64])]) -> LayerFile {
    LayerFile {
        layer_type: t.into(),
        params: params.to_vec(),
        inp_idxes: inp.iter().map(|(i, _)| *i).collect(),
        inp_shapes: inp.iter().map(|(_, s)| s.to_vec()).collect(),
        out_idxes: out.iter().map(|(i, _)| *i).collect(),
        out_shapes: out.iter().map(|(_, s)| s.to_vec()).collect(),
        mask: vec![],
    }
}

fn model(sf: i64, inputs: Vec<i64>, outputs: Vec<i64>, layers: Vec<LayerFile>) -> ModelFile {
    ModelFile {
        global_sf: sf,
        inp_idxes: inputs,
        out_idxes: outputs,
        layers,
        ..Default::default()
    }
}

fn load(m: &ModelFile) -> zkml_msgpack::MsgpackModel {
    load_model_bytes(&rmp_serde::to_vec_named(m).unwrap()).unwrap()
}

/// zkml's table rule `round(f(q/sf)·sf)`.
fn table(q: &[i64], sf: i64, f: impl Fn(f64) -> f64) -> Vec<i64> {
    q.iter()
        .map(|&v| (f(v as f64 / sf as f64) * sf as f64).round() as i64)
        .collect()
}

#[test]
fn sqrt_rsqrt_pow_and_div_var_follow_zkml() {
    let sf = 16;
    let xs: &[i64] = &[1, 4];
    let m = model(
        sf,
        vec![0, 1],
        vec![10, 11, 12, 13],
        vec![
            layer("Sqrt", &[], &[(0, xs)], &[(10, xs)]),
            layer("Rsqrt", &[], &[(0, xs)], &[(11, xs)]),
            layer("Pow", &[3], &[(0, xs), (5, &[])], &[(12, xs)]),
            layer("DivVar", &[], &[(0, xs), (1, &[1])], &[(13, xs)]),
        ],
    );
    let model = load(&m);
    // x (reals): 0.25 … 2.0 in steps of 0.25 (q = 4 … 32); d = 1.5 (q = 24).
    let q: Vec<i64> = vec![4, 8, 12, 16];
    let x: Vec<f32> = q.iter().map(|&v| v as f32 / sf as f32).collect();
    let r = run(&model, &[x, vec![1.5]]);
    assert_eq!(ints(&r, 10, &[1, 4]), table(&q, sf, f64::sqrt));
    assert_eq!(ints(&r, 11, &[1, 4]), table(&q, sf, |v| 1.0 / v.sqrt()));
    assert_eq!(ints(&r, 12, &[1, 4]), table(&q, sf, |v| v.powi(3)));
    let div: Vec<i64> = q.iter().map(|&v| rdiv(v * sf, 24)).collect();
    assert_eq!(ints(&r, 13, &[1, 4]), div);
}

#[test]
fn batch_mat_mul_slice_and_split_follow_zkml() {
    let sf = 4;
    let a: &[i64] = &[2, 2, 3];
    let bt: &[i64] = &[2, 2, 3];
    let m = model(
        sf,
        vec![0, 1],
        vec![10, 11, 12, 13, 14],
        vec![
            // adj_y = 1: the second operand is [B, N, K].
            layer(
                "BatchMatMul",
                &[0, 1],
                &[(0, a), (1, bt)],
                &[(10, &[2, 2, 2])],
            ),
            layer(
                "Slice",
                &[0, 1, 1, 2, 1, -1],
                &[(0, a), (5, &[3]), (6, &[3])],
                &[(11, &[2, 1, 2])],
            ),
            layer(
                "Split",
                &[2, 3],
                &[(7, &[]), (0, a)],
                &[(12, &[2, 2, 1]), (13, &[2, 2, 1]), (14, &[2, 2, 1])],
            ),
        ],
    );
    let model = load(&m);
    let qa: Vec<i64> = (0..12).map(|i| i - 5).collect();
    let qb: Vec<i64> = (0..12).map(|i| 7 - i).collect();
    let f = |q: &[i64]| {
        q.iter()
            .map(|&v| v as f32 / sf as f32)
            .collect::<Vec<f32>>()
    };
    let r = run(&model, &[f(&qa), f(&qb)]);
    // z[b, i, j] = rdiv(Σ_k a[b, i, k]·bt[b, j, k], sf).
    let mut z = vec![];
    for b in 0..2 {
        for i in 0..2 {
            for j in 0..2 {
                let acc: i64 = (0..3)
                    .map(|k| qa[b * 6 + i * 3 + k] * qb[b * 6 + j * 3 + k])
                    .sum();
                z.push(rdiv(acc, sf));
            }
        }
    }
    assert_eq!(ints(&r, 10, &[2, 2, 2]), z);
    // a[0:2, 1:2, 1:3].
    assert_eq!(ints(&r, 11, &[2, 1, 2]), [qa[4], qa[5], qa[10], qa[11]]);
    for k in 0..3 {
        let part: Vec<i64> = (0..4).map(|row| qa[row * 3 + k]).collect();
        assert_eq!(ints(&r, 12 + k as i64, &[2, 2, 1]), part, "split part {k}");
    }
}

#[test]
fn masked_softmax_gives_masked_entries_exactly_zero() {
    let sf = 64;
    let s: &[i64] = &[1, 1, 3, 3];
    // Causal mask (1 = masked) above the diagonal, broadcast over heads.
    let mask = [0, 1, 1, 0, 0, 1, 0, 0, 0];
    let mut params = vec![4, 1, 1, 3, 3];
    params.extend(mask);
    let m = model(
        sf,
        vec![0],
        vec![11],
        vec![
            layer("MaskNegInf", &params, &[(0, s), (5, s)], &[(10, s)]),
            layer("Softmax", &params, &[(10, s)], &[(11, s)]),
        ],
    );
    let model = load(&m);
    // Row 2 is all kept and far below 0: only its differences count.
    let x = [0.5f32, 3.0, -2.0, 1.25, -0.75, 2.5, -40.0, -39.5, -41.0];
    let r = run(&model, &[x.to_vec()]);
    let y = ints(&r, 11, &[1, 1, 3, 3]);
    for (i, (&v, &masked)) in y.iter().zip(&mask).enumerate() {
        if masked == 1 {
            assert_eq!(v, 0, "masked entry {i} must be exactly 0");
        }
    }
    // Kept entries: the softmax over each row's kept logits, within 2 units.
    for row in 0..3 {
        let kept: Vec<usize> = (0..3).filter(|&c| mask[row * 3 + c] == 0).collect();
        let mx = kept
            .iter()
            .map(|&c| x[row * 3 + c])
            .fold(f32::MIN, f32::max);
        let den: f32 = kept.iter().map(|&c| (x[row * 3 + c] - mx).exp()).sum();
        for &c in &kept {
            let want = (x[row * 3 + c] - mx).exp() / den * sf as f32;
            let got = y[row * 3 + c] as f32;
            assert!(
                (got - want).abs() <= 2.0,
                "row {row} col {c}: {got} vs {want}"
            );
        }
    }
    // The float graph agrees (masked entries at most e^−24 there).
    for (i, &masked) in mask.iter().enumerate() {
        if masked == 1 {
            assert!(r.float_out[0][i] < 1e-10, "float entry {i}");
        }
    }
}

#[test]
fn malformed_masks_and_splits_are_errors() {
    let s: &[i64] = &[1, 2];
    let bad = |l: LayerFile| {
        let m = model(4, vec![0], vec![10], vec![l]);
        load_model_bytes(&rmp_serde::to_vec_named(&m).unwrap())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    let e = bad(layer("MaskNegInf", &[2, 1, 2, 0, 2], &[(0, s)], &[(10, s)]));
    assert!(e.contains("0 or 1"), "{e}");
    let e = bad(layer("Softmax", &[2, 1, 3, 0, 1, 0], &[(0, s)], &[(10, s)]));
    assert!(e.contains("broadcast"), "{e}");
    let e = bad(layer(
        "Split",
        &[1, 3],
        &[(5, &[]), (0, s)],
        &[(10, &[1, 1])],
    ));
    assert!(e.contains("equal parts"), "{e}");
    let e = bad(layer("Slice", &[0, 1, 1, 5], &[(0, s)], &[(10, &[1, 5])]));
    assert!(e.contains("outside axis 1"), "{e}");
    let e = bad(layer("BatchMatMul", &[1, 0], &[(0, s), (0, s)], &[(10, s)]));
    assert!(e.contains("adj_x"), "{e}");
}
