//! Recurrent layers (LSTM, GRU, RNN) on models built in Rust: what the
//! unrolling refuses, and listed activations, `clip`, reverse direction and
//! `layout = 1` against a direct evaluation of ONNX's RNN equation, and
//! LSTM `input_forget = 1` against onnxruntime's coupled gates.

mod common;

use common::*;
use zkml_onnx::proto::{attribute_type as at, AttributeProto};
use zkml_onnx::{load_model_bytes, OnnxError};

fn attr_strings(name: &str, v: &[&str]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
        r#type: at::STRINGS,
        ..Default::default()
    }
}

fn attr_floats(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        floats: v.to_vec(),
        r#type: at::FLOATS,
        ..Default::default()
    }
}

/// A one-node LSTM (`seq` 2, batch 1, input 3, hidden 2) with `extra`
/// attributes and `seq_lens` as constant `sequence_lens` if given.
fn lstm(extra: Vec<AttributeProto>, seq_lens: Option<&[i64]>) -> Vec<u8> {
    let mut inits = vec![
        rand_tensor("W", &[1, 8, 3], 1),
        rand_tensor("R", &[1, 8, 2], 2),
    ];
    let mut ins = vec!["x", "W", "R", "", ""];
    if let Some(s) = seq_lens {
        inits.push(tensor_i64("L", &[1], s));
        ins[4] = "L";
    }
    model(
        14,
        vec![node("LSTM", &ins, &["", "h"], extra)],
        inits,
        vec![value_info("x", &[2, 1, 3])],
        &["h"],
    )
}

fn refusal(bytes: &[u8]) -> String {
    match load_model_bytes(bytes) {
        Ok(_) => panic!("expected a refusal"),
        Err(e) => {
            assert!(!matches!(e, OnnxError::Unsupported { .. }), "{e}");
            e.to_string()
        }
    }
}

#[test]
fn what_the_unrolling_refuses_is_named() {
    assert!(load_model_bytes(&lstm(vec![], None)).is_ok());
    assert!(load_model_bytes(&lstm(vec![], Some(&[2]))).is_ok());
    let e = refusal(&lstm(vec![], Some(&[1])));
    assert!(e.contains("sequence_lens") && e.contains("padded"), "{e}");
    let e = refusal(&lstm(
        vec![attr_strings(
            "activations",
            &["Sigmoid", "ThresholdedRelu", "Tanh"],
        )],
        None,
    ));
    assert!(
        e.contains("ThresholdedRelu") && e.contains("not supported"),
        "{e}"
    );
    let e = refusal(&lstm(vec![attr_strings("activations", &["Sigmoid"])], None));
    assert!(e.contains("3 per direction"), "{e}");
    let e = refusal(&lstm(vec![attr_i("hidden_size", 5)], None));
    assert!(e.contains("hidden_size"), "{e}");
    let e = refusal(&lstm(vec![attr_s("direction", "sideways")], None));
    assert!(e.contains("sideways"), "{e}");
    // W for a GRU (3 gates) in an LSTM.
    let bad = model(
        14,
        vec![node("LSTM", &["x", "W", "R"], &["y"], vec![])],
        vec![
            rand_tensor("W", &[1, 6, 3], 1),
            rand_tensor("R", &[1, 6, 2], 2),
        ],
        vec![value_info("x", &[2, 1, 3])],
        &["y"],
    );
    let e = refusal(&bad);
    assert!(e.contains("[1, 8, 3]"), "{e}");
    // Run-time sequence_lens.
    let rt = model(
        14,
        vec![node("RNN", &["x", "W", "R", "", "L"], &["y"], vec![])],
        vec![
            rand_tensor("W", &[1, 2, 3], 1),
            rand_tensor("R", &[1, 2, 2], 2),
        ],
        vec![value_info("x", &[2, 1, 3]), value_info("L", &[1])],
        &["y"],
    );
    let e = refusal(&rt);
    assert!(e.contains("sequence_lens") && e.contains("constant"), "{e}");
}

/// RNN, `layout = 1`, reverse, LeakyRelu(0.3) with clip 0.5, initial state:
/// `H_t = leaky(clip(x_t·Wᵀ + H_{t+1}·Rᵀ + Wb + Rb))`, run backwards.
#[test]
fn rnn_with_listed_activation_clip_reverse_and_batch_first() {
    let (seq, batch, inp, hid) = (3usize, 2usize, 3usize, 4usize);
    let w = rand_vec(hid * inp, 11);
    let r = rand_vec(hid * hid, 12);
    let b = rand_vec(2 * hid, 13);
    let h0 = rand_vec(batch * hid, 14);
    let x = rand_vec(batch * seq * inp, 15);
    let bytes = model(
        14,
        vec![node(
            "RNN",
            &["x", "W", "R", "B", "", "h0"],
            &["y", "yh"],
            vec![
                attr_i("layout", 1),
                attr_s("direction", "reverse"),
                attr_strings("activations", &["LeakyRelu"]),
                attr_floats("activation_alpha", &[0.3]),
                attr_f("clip", 0.5),
                attr_i("hidden_size", hid as i64),
            ],
        )],
        vec![
            tensor("W", &[1, hid as i64, inp as i64], &w),
            tensor("R", &[1, hid as i64, hid as i64], &r),
            tensor("B", &[1, 2 * hid as i64], &b),
            tensor("h0", &[batch as i64, 1, hid as i64], &h0),
        ],
        vec![value_info("x", &[batch as i64, seq as i64, inp as i64])],
        &["y", "yh"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    let outs = zkml_core::run_float(&g, std::slice::from_ref(&x)).unwrap();
    assert_eq!(outs[0].shape(), [batch, seq, 1, hid]);
    assert_eq!(outs[1].shape(), [batch, 1, hid]);
    // Reference, f64.
    let mut y = vec![0f64; batch * seq * hid];
    let mut yh = vec![0f64; batch * hid];
    for bi in 0..batch {
        let mut h: Vec<f64> = (0..hid).map(|j| f64::from(h0[bi * hid + j])).collect();
        for t in (0..seq).rev() {
            let next: Vec<f64> = (0..hid)
                .map(|j| {
                    let mut s = f64::from(b[j]) + f64::from(b[hid + j]);
                    for k in 0..inp {
                        s += f64::from(x[(bi * seq + t) * inp + k]) * f64::from(w[j * inp + k]);
                    }
                    for k in 0..hid {
                        s += h[k] * f64::from(r[j * hid + k]);
                    }
                    let s = s.clamp(-0.5, 0.5);
                    if s >= 0.0 {
                        s
                    } else {
                        0.3 * s
                    }
                })
                .collect();
            h = next;
            y[(bi * seq + t) * hid..(bi * seq + t + 1) * hid].copy_from_slice(&h);
        }
        yh[bi * hid..(bi + 1) * hid].copy_from_slice(&h);
    }
    for (got, want) in [(&outs[0], &y), (&outs[1], &yh)] {
        for (g, w) in got.iter().zip(want.iter()) {
            assert!((f64::from(*g) - w).abs() < 1e-5, "{g} vs {w}");
        }
    }
}

/// LSTM with `input_forget = 1` (coupled gates, as onnxruntime computes
/// them: the forget gate is `1 − i`, its own weights unused), an initial
/// cell state and biases: `Y_h` and `Y_c` equal a direct f64 evaluation.
#[test]
fn lstm_input_forget_couples_the_forget_gate_to_the_input_gate() {
    let (seq, inp, hid) = (3usize, 3usize, 2usize);
    let w = rand_vec(4 * hid * inp, 21);
    let r = rand_vec(4 * hid * hid, 22);
    let b = rand_vec(8 * hid, 23);
    let h0 = rand_vec(hid, 24);
    let c0 = rand_vec(hid, 25);
    let x = rand_vec(seq * inp, 26);
    let (h4, hh, ii) = (4 * hid as i64, hid as i64, inp as i64);
    let bytes = model(
        14,
        vec![node(
            "LSTM",
            &["x", "W", "R", "B", "", "h0", "c0"],
            &["", "yh", "yc"],
            vec![attr_i("input_forget", 1), attr_i("hidden_size", hh)],
        )],
        vec![
            tensor("W", &[1, h4, ii], &w),
            tensor("R", &[1, h4, hh], &r),
            tensor("B", &[1, 2 * h4], &b),
            tensor("h0", &[1, 1, hh], &h0),
            tensor("c0", &[1, 1, hh], &c0),
        ],
        vec![value_info("x", &[seq as i64, 1, ii])],
        &["yh", "yc"],
    );
    let g = load_model_bytes(&bytes).unwrap();
    let outs = zkml_core::run_float(&g, std::slice::from_ref(&x)).unwrap();
    let sig = |v: f64| 1.0 / (1.0 + (-v).exp());
    let mut h: Vec<f64> = h0.iter().map(|&v| f64::from(v)).collect();
    let mut c: Vec<f64> = c0.iter().map(|&v| f64::from(v)).collect();
    for t in 0..seq {
        // Gate `q` (ONNX order i, o, f, c), unit `j`: its pre-activation.
        let pre = |q: usize, j: usize| {
            let row = q * hid + j;
            let mut s = f64::from(b[row]) + f64::from(b[4 * hid + row]);
            for k in 0..inp {
                s += f64::from(x[t * inp + k]) * f64::from(w[row * inp + k]);
            }
            for (k, hk) in h.iter().enumerate() {
                s += hk * f64::from(r[row * hid + k]);
            }
            s
        };
        let mut nh = vec![0f64; hid];
        for j in 0..hid {
            let i = sig(pre(0, j));
            let o = sig(pre(1, j));
            let cc = pre(3, j).tanh();
            c[j] = (1.0 - i) * c[j] + i * cc;
            nh[j] = o * c[j].tanh();
        }
        h = nh;
    }
    for (got, want) in [(&outs[0], &h), (&outs[1], &c)] {
        assert_eq!(got.len(), hid);
        for (g, w) in got.iter().zip(want.iter()) {
            assert!((f64::from(*g) - w).abs() < 1e-5, "{g} vs {w}");
        }
    }
}
