//! The fixed weights' commitment `W` ([`super::fixed`]) end to end: which
//! constants it packs, a prover whose weights differ from the key's (a
//! forgery consistent everywhere but `W`), and the key file's commitment.

use super::fixed;
use super::packed::Slot;
use super::*;
use crate::model::{Key, ProvingKey};
use crate::test_utils::{conv, dense, geom, opts, run, samples};
use zkml_core::backend::{Backend, PublicValues, Visibility};
use zkml_core::quant::QValueKind;
use zkml_core::{Graph, Op, QGraph, Trace};

/// Input `[1, 2, 6, 6]` → Conv 3×3 (4 channels, pad 1) → ReLU → Flatten →
/// Dense 144 → 5: one kernel and one MatMul weight to pack.
fn conv_dense() -> (QGraph, Trace) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 2, 6, 6]);
    let c = conv(
        &mut g,
        x,
        2,
        4,
        geom([3, 3], [1, 1], [1; 4], [1, 1], 1),
        "0",
        7,
    );
    let r = g.add_node("relu", Op::Relu, vec![c], "r").unwrap();
    let f = g
        .add_node(
            "flat",
            Op::Reshape {
                shape: vec![1, 144],
            },
            vec![r],
            "f",
        )
        .unwrap();
    let y = dense(&mut g, f, 144, 5, "1", 11);
    g.add_output(y);
    run(&g, &samples(&[1, 2, 6, 6], 3, false))
}

fn const_id(q: &QGraph, name: &str) -> usize {
    q.values.iter().position(|v| v.name == name).unwrap()
}

fn setup(q: &QGraph, input: Vis) -> ProvingKey {
    ZkSumcheckBackend.setup(q, &opts(input)).unwrap().0
}

fn rejected(key: &Key, public: &PublicValues, p: &ZkModelProof) -> bool {
    matches!(
        verifier::verify(key, public, p),
        Err(crate::Error::Rejected { .. })
    )
}

/// The kernel and the MatMul weight are packed, the biases are not; the key
/// holds `W`'s commitment under public weights and none under hidden ones;
/// the model proves and verifies either way.
#[test]
fn public_kernels_and_matmul_weights_are_packed_in_the_keys_w() {
    let (q, t) = conv_dense();
    let l = fixed::layout(&q);
    let packed: Vec<&str> = l
        .blocks
        .iter()
        .map(|&(s, _, _)| match s {
            Slot::Value(id) => q.values[id].name.as_str(),
            Slot::Aux(_) => unreachable!(),
        })
        .collect();
    assert_eq!(packed.len(), 2, "{packed:?}");
    assert!(
        packed.contains(&"cw0") && packed.contains(&"w1"),
        "{packed:?}"
    );
    for input in [Vis::Private, Vis::Public] {
        let key = setup(&q, input);
        assert!(key.fixed.is_some());
        let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
        ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
    }
    for weights in [Vis::Private, Vis::Committed] {
        let vis = Visibility {
            input: Vis::Private,
            weights,
            ..Visibility::default()
        };
        assert_eq!(fixed::layout_of(&q, &vis).num_vars, None, "{weights:?}");
    }
}

/// A constant read by two nodes, or by a node that is not a Conv's kernel
/// input or a MatMul operand, stays the verifier's to evaluate; a MatMul's
/// constant first operand is packed.
#[test]
fn only_single_reader_kernels_and_matmul_operands_are_eligible() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![3, 4]);
    let a = g.add_const("a", crate::test_utils::det(&[5, 3], 1, 0.5));
    let m = g.add_node("mm", Op::MatMul, vec![a, x], "m").unwrap();
    let s = g.add_const("s", crate::test_utils::det(&[4, 2], 2, 0.5));
    let m2 = g.add_node("mm2", Op::MatMul, vec![m, s], "m2").unwrap();
    let m3 = g.add_node("mm3", Op::MatMul, vec![m, s], "m3").unwrap();
    let y = g.add_node("add", Op::Add, vec![m2, m3], "y").unwrap();
    g.add_output(y);
    let (q, t) = run(&g, &samples(&[3, 4], 5, false));
    assert!(fixed::eligible(&q, const_id(&q, "a")));
    assert!(!fixed::eligible(&q, const_id(&q, "s")), "read twice");
    let key = setup(&q, Vis::Private);
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    ZkSumcheckBackend.verify(&key, &public, &proof).unwrap();
}

/// `q` with constant `name`'s first entry moved by one, and its trace on
/// `t`'s input.
fn other_weights(q: &QGraph, t: &Trace, name: &str) -> (QGraph, Trace) {
    let mut q2 = q.clone();
    let QValueKind::Const(c) = &mut q2.values[const_id(q, name)].kind else {
        panic!("{name} is a constant");
    };
    c.as_slice_mut().unwrap()[0] += 1;
    let inputs = q.inputs.iter().map(|&i| t.values[i].clone()).collect();
    let t2 = zkml_core::exec::execute_int(&q2, inputs).unwrap();
    (q2, t2)
}

/// A prover with other weights than the key's (one kernel entry, or one
/// MatMul weight, moved by one), whose every table and claim is consistent
/// with its weights and whose digest is the key's, is rejected, whether it
/// keeps the key's `W` commitment or commits its own `W`: only the opening
/// of the key's `W` can catch it. The control: a key whose `W` commitment
/// is the forger's (same digest) accepts the second forger's proof.
#[test]
fn a_prover_with_other_weights_than_the_keys_w_is_rejected() {
    let (q, t) = conv_dense();
    let pk = setup(&q, Vis::Private);
    let vk = pk.verifying_key();
    for name in ["cw0", "w1"] {
        let (q2, t2) = other_weights(&q, &t, name);
        for keeps_keys_w in [true, false] {
            let mut forger = pk.clone();
            forger.key.q = q2.clone();
            let comm = keeps_keys_w.then(|| pk.key.fixed.clone()).flatten();
            forger.fixed_poly = fixed::commit(&pk.gens, &q2, &pk.visibility, comm).unwrap();
            let (proof, public) = prover::prove(&forger, &t2, &mut rand_core06::OsRng).unwrap();
            assert!(rejected(&vk, &public, &proof), "{name}, {keeps_keys_w}");
            if !keeps_keys_w {
                let mut control = vk.clone();
                control.fixed = forger.fixed_poly.as_ref().map(|c| c.comm.clone());
                verifier::verify(&control, &public, &proof).unwrap();
            }
        }
    }
}

/// The verifying key's `W` commitment survives its byte round trip, is
/// bound by the digest (another row: another digest, and the proof is
/// rejected), and a key without it is refused by name.
#[test]
fn the_keys_w_commitment_is_in_its_file_and_digest() {
    let (q, t) = conv_dense();
    let pk = setup(&q, Vis::Private);
    let vk = pk.verifying_key();
    let (proof, public) = ZkSumcheckBackend.prove(&pk, &q, &t).unwrap();
    let bytes = vk.to_bytes().unwrap();
    let back = Key::from_bytes(&bytes).unwrap();
    assert_eq!((&back.fixed, &back.digest), (&vk.fixed, &vk.digest));
    verifier::verify(&back, &public, &proof).unwrap();
    // The last row is the file's last 32 bytes: put another point there.
    let mut other = bytes.clone();
    let n = other.len();
    let g = crate::field::G1Affine::generator();
    use crate::field::GroupEncoding;
    other[n - 32..].copy_from_slice(g.to_bytes().as_ref());
    let forged = Key::from_bytes(&other).unwrap();
    assert_ne!(forged.digest, vk.digest);
    assert!(rejected(&forged, &public, &proof));
    // Without the commitment (tag 0 in place of its list): refused.
    let rows = vk.fixed.as_ref().unwrap().rows.len();
    let mut none = bytes[..n - 32 * rows - 5].to_vec();
    none.push(0);
    let err = Key::from_bytes(&none).unwrap_err().to_string();
    assert!(err.contains("fixed weights"), "{err}");
    // A proving key too.
    let pk_back = ProvingKey::from_bytes(&pk.to_bytes().unwrap()).unwrap();
    assert_eq!(pk_back.key.fixed, pk.key.fixed);
}
