//! Test support: an independent re-statement of the earlier zkml's integer
//! rules, executed directly on the msgpack description in NHWC (zkml's own
//! loops and layouts), and the path to the example models.

#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use zkml_core::exec::execute;
use zkml_core::float::shape_inputs;
use zkml_core::ops::shape::transpose;
use zkml_core::{calibrate, quantize, run_float, QGraph, Trace};
use zkml_msgpack::format::{ModelFile, TensorFile};
use zkml_msgpack::MsgpackModel;

/// `<repo>/../shared/anchors/zkml-examples`, or `None` (with a notice) if absent.
pub fn examples_dir() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/anchors/zkml-examples");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "notice: {} not found; skipping the example-model test",
            p.display()
        );
        None
    }
}

/// zkml's rounding division `⌊(2a + b) / 2b⌋`.
pub fn rdiv(a: i64, b: i64) -> i64 {
    (2 * a + b).div_euclid(2 * b)
}

/// An integer tensor: NHWC shape and row-major data.
#[derive(Clone, Debug, PartialEq)]
pub struct T {
    pub shape: Vec<usize>,
    pub data: Vec<i64>,
}

impl T {
    pub fn from_file(t: &TensorFile) -> T {
        T {
            shape: t.shape.iter().map(|&d| d as usize).collect(),
            data: t.data.clone(),
        }
    }
    fn at4(&self, a: usize, b: usize, c: usize, d: usize) -> i64 {
        let s = &self.shape;
        self.data[((a * s[1] + b) * s[2] + c) * s[3] + d]
    }
}

/// numpy broadcasting of two tensors with `f`.
fn broadcast(a: &T, b: &T, f: impl Fn(i64, i64) -> i64) -> T {
    let r = a.shape.len().max(b.shape.len());
    let pad = |s: &[usize]| {
        let mut v = vec![1; r - s.len()];
        v.extend(s);
        v
    };
    let (sa, sb) = (pad(&a.shape), pad(&b.shape));
    let shape: Vec<usize> = sa.iter().zip(&sb).map(|(&x, &y)| x.max(y)).collect();
    let n: usize = shape.iter().product();
    let mut data = Vec::with_capacity(n);
    for flat in 0..n {
        let (mut rem, mut ia, mut ib) = (flat, 0, 0);
        let (mut sta, mut stb) = (1, 1);
        for d in (0..r).rev() {
            let i = rem % shape[d];
            rem /= shape[d];
            ia += if sa[d] == 1 { 0 } else { i * sta };
            ib += if sb[d] == 1 { 0 } else { i * stb };
            sta *= sa[d];
            stb *= sb[d];
        }
        data.push(f(a.data[ia], b.data[ib]));
    }
    T { shape, data }
}

/// zkml's (TensorFlow's) SAME padding along one axis: (before, after).
fn same_pad(input: usize, k: usize, s: usize) -> (usize, usize) {
    let rem = input % s;
    let total = k.saturating_sub(if rem == 0 { s } else { rem });
    (total / 2, total - total / 2)
}

/// Runs the model as zkml would; returns every tensor by index.
/// Softmax is skipped (zkml-core's rule differs); the caller checks it separately.
pub fn run_zkml(m: &ModelFile, inputs: &[T]) -> HashMap<i64, T> {
    let sf = m.global_sf;
    let mut v: HashMap<i64, T> = m.tensors.iter().map(|t| (t.idx, T::from_file(t))).collect();
    for (&i, t) in m.inp_idxes.iter().zip(inputs) {
        v.insert(i, t.clone());
    }
    for l in &m.layers {
        let get = |k: usize| v[&l.inp_idxes[k]].clone();
        let p = &l.params;
        let out = match l.layer_type.as_str() {
            "Conv2D" => {
                let (x, w, b) = (get(0), get(1), get(2));
                let depthwise = p[0] == 1;
                let (sh, sw) = (p[3] as usize, p[4] as usize);
                let (h, wd, c) = (x.shape[1], x.shape[2], x.shape[3]);
                let (kh, kw) = (w.shape[1], w.shape[2]);
                let ((pt, _), (pl, _), oh, ow) = if p[1] == 0 {
                    (
                        same_pad(h, kh, sh),
                        same_pad(wd, kw, sw),
                        h.div_ceil(sh),
                        wd.div_ceil(sw),
                    )
                } else {
                    ((0, 0), (0, 0), (h - kh) / sh + 1, (wd - kw) / sw + 1)
                };
                let oc = if depthwise { w.shape[3] } else { w.shape[0] };
                let read = |i: usize, j: usize, ch: usize| -> i64 {
                    let (y, xx) = (i as isize - pt as isize, j as isize - pl as isize);
                    if y < 0 || xx < 0 || y >= h as isize || xx >= wd as isize {
                        0
                    } else {
                        x.at4(0, y as usize, xx as usize, ch)
                    }
                };
                let mut data = Vec::new();
                for i in 0..oh {
                    for j in 0..ow {
                        for o in 0..oc {
                            let mut acc = 0i64;
                            for u in 0..kh {
                                for t in 0..kw {
                                    if depthwise {
                                        acc += read(i * sh + u, j * sw + t, o) * w.at4(0, u, t, o);
                                    } else {
                                        for ch in 0..c {
                                            acc += read(i * sh + u, j * sw + t, ch)
                                                * w.at4(o, u, t, ch);
                                        }
                                    }
                                }
                            }
                            let d = rdiv(acc, sf) + b.data[o];
                            data.push(match p[2] {
                                1 => d.max(0),
                                3 => d.clamp(0, 6 * sf),
                                _ => d,
                            });
                        }
                    }
                }
                T {
                    shape: vec![1, oh, ow, oc],
                    data,
                }
            }
            "AveragePool2D" | "MaxPool2D" => {
                let x = get(0);
                let (fh, fw, sh, sw) = (p[0] as usize, p[1] as usize, p[2] as usize, p[3] as usize);
                let (oh, ow) = ((x.shape[1] - fh) / sh + 1, (x.shape[2] - fw) / sw + 1);
                let mut data = Vec::new();
                for i in 0..oh {
                    for j in 0..ow {
                        for ch in 0..x.shape[3] {
                            let win: Vec<i64> = (0..fh)
                                .flat_map(|u| (0..fw).map(move |t| (u, t)))
                                .map(|(u, t)| x.at4(0, i * sh + u, j * sw + t, ch))
                                .collect();
                            data.push(if l.layer_type == "MaxPool2D" {
                                *win.iter().max().unwrap()
                            } else {
                                rdiv(win.iter().sum(), (fh * fw) as i64)
                            });
                        }
                    }
                }
                T {
                    shape: vec![1, oh, ow, x.shape[3]],
                    data,
                }
            }
            "Add" => {
                let relu = p.first() == Some(&1);
                broadcast(
                    &get(0),
                    &get(1),
                    |a, b| {
                        if relu {
                            (a + b).max(0)
                        } else {
                            a + b
                        }
                    },
                )
            }
            "Sub" => broadcast(&get(0), &get(1), |a, b| a - b),
            "Mul" => broadcast(&get(0), &get(1), |a, b| rdiv(a * b, sf)),
            "Reshape" => T {
                shape: l.out_shapes[0].iter().map(|&d| d as usize).collect(),
                data: get(0).data,
            },
            "FullyConnected" => {
                let (x, w) = (get(0), get(1));
                let (n, k) = (x.shape[x.shape.len() - 2], x.shape[x.shape.len() - 1]);
                let o = w.shape[0];
                let mut data = Vec::new();
                for r in 0..n {
                    for c in 0..o {
                        let acc: i64 = (0..k).map(|q| x.data[r * k + q] * w.data[c * k + q]).sum();
                        let mut d = rdiv(acc, sf);
                        if l.inp_idxes.len() > 2 {
                            d += get(2).data[c];
                        }
                        data.push(if p.first() == Some(&1) { d.max(0) } else { d });
                    }
                }
                T {
                    shape: vec![n, o],
                    data,
                }
            }
            "Softmax" => continue,
            other => panic!("reference interpreter lacks {other}"),
        };
        v.insert(l.out_idxes[0], out);
    }
    v
}

/// zkml's softmax on the last axis (reference for the documented difference).
pub fn softmax_zkml(x: &T, sf: i64) -> T {
    let n = *x.shape.last().unwrap();
    let mut data = Vec::new();
    for lane in x.data.chunks(n) {
        let m = *lane.iter().max().unwrap();
        let e: Vec<i64> = lane
            .iter()
            .map(|&q| (((q - m) as f64 / sf as f64).exp() * (sf * sf) as f64).round() as i64)
            .collect();
        let s = rdiv(e.iter().sum(), sf);
        data.extend(e.iter().map(|&v| rdiv(v, s)));
    }
    T {
        shape: x.shape.clone(),
        data,
    }
}

pub struct Run {
    pub q: QGraph,
    pub trace: Trace,
    pub float_out: Vec<Vec<f32>>,
}

pub fn run(model: &MsgpackModel, input: &[Vec<f32>]) -> Run {
    let x = shape_inputs(&model.graph, input).unwrap();
    let cal = calibrate(&model.graph, std::slice::from_ref(&x)).unwrap();
    let q = quantize(&model.graph, &cal, &model.quant_config()).unwrap();
    let trace = execute(&q, &x).unwrap();
    let float_out = run_float(&model.graph, input)
        .unwrap()
        .into_iter()
        .map(|t| t.iter().copied().collect())
        .collect();
    Run {
        q,
        trace,
        float_out,
    }
}

/// The integers of msgpack tensor `idx` in NHWC order, from the trace.
pub fn ints(r: &Run, idx: i64, nhwc: &[usize]) -> Vec<i64> {
    let find = |name: String| r.q.values.iter().position(|v| v.name == name);
    if let Some(id) = find(format!("t{idx}")) {
        let t = &r.trace.values[id];
        assert_eq!(t.shape(), nhwc, "t{idx}");
        return t.iter().copied().collect();
    }
    let id = find(format!("t{idx}.nchw")).unwrap_or_else(|| panic!("no value t{idx}"));
    let t = &r.trace.values[id];
    assert_eq!(
        t.shape(),
        [nhwc[0], nhwc[3], nhwc[1], nhwc[2]],
        "t{idx}.nchw"
    );
    transpose(t, &[0, 2, 3, 1]).iter().copied().collect()
}

/// Every layer output the reference computes equals the trace's integers.
pub fn check_exact(
    file: &ModelFile,
    r: &Run,
    reference: &std::collections::HashMap<i64, T>,
) -> usize {
    let mut n = 0;
    for l in &file.layers {
        let idx = l.out_idxes[0];
        if let Some(t) = reference.get(&idx) {
            assert_eq!(
                ints(r, idx, &t.shape),
                t.data,
                "layer {} output t{idx}",
                l.layer_type
            );
            n += 1;
        }
    }
    n
}
