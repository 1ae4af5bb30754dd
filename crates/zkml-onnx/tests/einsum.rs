//! Einsum: the contractions attention and linear layers use, lowered to
//! ReduceSum/Transpose/Reshape/MatMul, against a direct sum over every index;
//! the integer executor within tolerance; unsupported equations refused with
//! the equation named.

mod common;

use std::collections::BTreeMap;

use common::*;
use zkml_core::{calibrate, execute, quantize, run_float, Op, QuantConfig};
use zkml_onnx::load_model_bytes;

/// Row-major strides.
fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Reference einsum for explicit equations without `...`: sums the product
/// of the operands over every assignment of the letters.
fn reference(eq: &str, xs: &[(Vec<usize>, Vec<f32>)]) -> (Vec<usize>, Vec<f64>) {
    let (lhs, out) = eq.split_once("->").unwrap();
    let terms: Vec<Vec<char>> = lhs.split(',').map(|t| t.chars().collect()).collect();
    let mut size = BTreeMap::new();
    for (t, (shape, _)) in terms.iter().zip(xs) {
        for (c, d) in t.iter().zip(shape) {
            size.insert(*c, *d);
        }
    }
    let letters: Vec<char> = size.keys().copied().collect();
    let out: Vec<char> = out.chars().collect();
    let out_shape: Vec<usize> = out.iter().map(|c| size[c]).collect();
    let mut y = vec![0f64; out_shape.iter().product()];
    let total: usize = letters.iter().map(|c| size[c]).product();
    for flat in 0..total {
        let mut idx = BTreeMap::new();
        let mut r = flat;
        for c in letters.iter().rev() {
            idx.insert(*c, r % size[c]);
            r /= size[c];
        }
        let mut p = 1f64;
        for (t, (shape, data)) in terms.iter().zip(xs) {
            let st = strides(shape);
            let off: usize = t.iter().zip(&st).map(|(c, s)| idx[c] * s).sum();
            p *= f64::from(data[off]);
        }
        let st = strides(&out_shape);
        let off: usize = out.iter().zip(&st).map(|(c, s)| idx[c] * s).sum();
        y[off] += p;
    }
    (out_shape, y)
}

/// An Einsum model: operands named `a`, `b`; `b` an initializer when `const_b`.
fn einsum_model(eq: &str, shapes: &[&[usize]], const_b: Option<&[f32]>) -> Vec<u8> {
    let names = ["a", "b"];
    let dims = |s: &[usize]| s.iter().map(|&d| d as i64).collect::<Vec<_>>();
    let mut inputs = vec![value_info("a", &dims(shapes[0]))];
    let mut inits = vec![];
    if shapes.len() == 2 {
        match const_b {
            Some(w) => inits.push(tensor("b", &dims(shapes[1]), w)),
            None => inputs.push(value_info("b", &dims(shapes[1]))),
        }
    }
    model(
        12,
        vec![node(
            "Einsum",
            &names[..shapes.len()],
            &["y"],
            vec![attr_s("equation", eq)],
        )],
        inits,
        inputs,
        &["y"],
    )
}

#[test]
fn attention_and_linear_contractions_match_a_direct_sum() {
    let cases: &[(&str, &[&[usize]], bool)] = &[
        ("bhid,bhjd->bhij", &[&[1, 2, 4, 3], &[1, 2, 5, 3]], false),
        ("bhij,bhjd->bhid", &[&[1, 2, 4, 5], &[1, 2, 5, 3]], false),
        ("bid,jd->bij", &[&[2, 4, 3], &[5, 3]], true),
        ("ij,jk->ik", &[&[3, 4], &[4, 5]], true),
        ("bij,bjk->bik", &[&[2, 3, 4], &[2, 4, 5]], false),
        ("ij,jk->ki", &[&[3, 4], &[4, 5]], false),
        ("i,j->ij", &[&[3], &[4]], false),
        ("i,i->", &[&[5], &[5]], false),
        ("bik,bjk->bj", &[&[2, 3, 4], &[2, 5, 4]], false),
        ("ij->ji", &[&[3, 4]], false),
        ("ijk->ki", &[&[2, 3, 4]], false),
        ("ij->", &[&[3, 4]], false),
    ];
    for (k, (eq, shapes, const_b)) in cases.iter().enumerate() {
        let xs: Vec<(Vec<usize>, Vec<f32>)> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    s.to_vec(),
                    rand_vec(s.iter().product(), 11 + 7 * k as u64 + i as u64),
                )
            })
            .collect();
        let bytes = einsum_model(eq, shapes, const_b.then(|| xs[1].1.as_slice()));
        let g = load_model_bytes(&bytes).unwrap_or_else(|e| panic!("{eq}: {e}"));
        assert!(
            g.nodes.iter().all(|n| matches!(
                n.op,
                Op::MatMul | Op::Transpose { .. } | Op::Reshape { .. } | Op::ReduceSum { .. }
            )),
            "{eq}: lowered to {:?}",
            g.nodes.iter().map(|n| n.op.name()).collect::<Vec<_>>()
        );
        let (shape, want) = reference(eq, &xs);
        let fed: Vec<Vec<f32>> = xs
            .iter()
            .take(if *const_b { 1 } else { xs.len() })
            .map(|(_, d)| d.clone())
            .collect();
        let out = run_float(&g, &fed).unwrap();
        assert_eq!(out[0].shape(), shape.as_slice(), "{eq}: shape");
        for (a, b) in out[0].iter().zip(&want) {
            assert!((f64::from(*a) - b).abs() < 1e-5, "{eq}: {a} vs {b}");
        }
        // The integer executor follows (errors of a few quantization steps).
        let ts = zkml_core::float::shape_inputs(&g, &fed).unwrap();
        let cal = calibrate(&g, std::slice::from_ref(&ts)).unwrap();
        let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
        let t = execute(&q, &ts).unwrap();
        let peak = want.iter().fold(0f64, |m, v| m.max(v.abs()));
        for (a, b) in t.dequantized_outputs(&q)[0].iter().zip(&want) {
            assert!(
                (a - b).abs() <= 0.02 * peak.max(1.0),
                "{eq}: int {a} vs {b}"
            );
        }
    }
}

#[test]
fn implicit_outputs_and_ellipses() {
    // (equation, explicit equivalent, shapes)
    let cases: &[(&str, &str, &[&[usize]])] = &[
        ("ij,jk", "ij,jk->ik", &[&[3, 4], &[4, 5]]),
        ("ba,ca", "ba,ca->bc", &[&[3, 4], &[5, 4]]),
        (
            "...ij,...jk->...ik",
            "bij,bjk->bik",
            &[&[2, 3, 4], &[2, 4, 5]],
        ),
        ("...id,jd", "bij", &[&[2, 3, 4], &[5, 4]]),
    ];
    for (eq, explicit, shapes) in cases {
        let xs: Vec<(Vec<usize>, Vec<f32>)> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| (s.to_vec(), rand_vec(s.iter().product(), 3 + i as u64)))
            .collect();
        let explicit = if explicit.contains("->") {
            explicit.to_string()
        } else {
            format!("bid,jd->{explicit}")
        };
        let (shape, want) = reference(&explicit, &xs);
        let g = load_model_bytes(&einsum_model(eq, shapes, None))
            .unwrap_or_else(|e| panic!("{eq}: {e}"));
        let fed: Vec<Vec<f32>> = xs.iter().map(|(_, d)| d.clone()).collect();
        let out = run_float(&g, &fed).unwrap();
        assert_eq!(out[0].shape(), shape.as_slice(), "{eq}: shape");
        for (a, b) in out[0].iter().zip(&want) {
            assert!((f64::from(*a) - b).abs() < 1e-5, "{eq}: {a} vs {b}");
        }
    }
}

#[test]
fn unsupported_equations_are_refused_naming_the_equation() {
    let cases: &[(&str, &[&[usize]], &str)] = &[
        ("ii->i", &[&[3, 3]], "diagonal"),
        ("ij,jk->iz", &[&[3, 4], &[4, 5]], "in no operand"),
        ("ij,jk->ik", &[&[3, 4], &[5, 5]], "size 4"),
        ("ijk,jk->i", &[&[3, 4], &[4, 5]], "rank-2"),
        ("i#,j->ij", &[&[3, 4], &[4]], "unexpected `#`"),
    ];
    for (eq, shapes, why) in cases {
        let e = load_model_bytes(&einsum_model(eq, shapes, None))
            .expect_err(eq)
            .to_string();
        assert!(
            e.contains(&format!("equation `{eq}`")) && e.contains(why),
            "{eq}: {e}"
        );
    }
    // Three operands.
    let bytes = model(
        12,
        vec![node(
            "Einsum",
            &["a", "b", "c"],
            &["y"],
            vec![attr_s("equation", "i,i,i->")],
        )],
        vec![],
        vec![
            value_info("a", &[3]),
            value_info("b", &[3]),
            value_info("c", &[3]),
        ],
        &["y"],
    );
    let e = load_model_bytes(&bytes)
        .expect_err("3 operands")
        .to_string();
    assert!(
        e.contains("equation `i,i,i->`") && e.contains("3 operands"),
        "{e}"
    );
}
