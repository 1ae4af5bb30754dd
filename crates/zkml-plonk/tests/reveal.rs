//! Selective reveal of hidden outputs: chosen indices or the argmax class of
//! each row are the only public output values; the proof binds them, and a
//! changed value or class is rejected. Bad reveals are refused at setup.

use halo2_axiom::dev::MockProver;
use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    backend::{Backend, Reveal, SetupOptions, Vis, Visibility},
    compare::argmax,
    exec::execute,
    quant::{calibrate, quantize, QuantConfig},
    FTensor, Graph, Op, QGraph, Trace,
};
use zkml_plonk::{
    circuit::lay_out,
    gadgets::{Builder, CountSink},
    plan, PlonkError,
};

mod common;
use common::{backend, mock_circuit};

/// `y = x·W + b` (`[2, 5]`, two rows of classes) and `z = Relu(x)` (`[2, 4]`).
/// The second input row is negative, so `z`'s second row is all zeros: a tie.
fn model() -> (QGraph, Vec<FTensor>) {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![2, 4]);
    let w: Vec<f32> = (0..20).map(|i| ((i * 7 % 11) as f32 - 5.0) / 8.0).collect();
    let w = g.add_const("w", ArrayD::from_shape_vec(IxDyn(&[4, 5]), w).unwrap());
    let b = g.add_const(
        "b",
        ArrayD::from_shape_vec(IxDyn(&[5]), vec![0.1, -0.2, 0.0, 0.3, -0.1]).unwrap(),
    );
    let m = g.add_node("mm", Op::MatMul, vec![x, w], "m").unwrap();
    let y = g.add_node("add", Op::Add, vec![m, b], "y").unwrap();
    let z = g.add_node("relu", Op::Relu, vec![x], "z").unwrap();
    g.add_output(y);
    g.add_output(z);
    let input = |v: [f32; 8]| ArrayD::from_shape_vec(IxDyn(&[2, 4]), v.to_vec()).unwrap();
    let samples = vec![
        input([0.5, -0.25, 0.75, 0.1, -0.5, -0.3, -0.9, -0.2]),
        input([-0.6, 0.9, 0.2, 0.4, -0.1, -0.7, -0.4, -0.8]),
    ];
    let cal = calibrate(
        &g,
        &samples.iter().map(|s| vec![s.clone()]).collect::<Vec<_>>(),
    )
    .unwrap();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 6,
        weight_bits: 8,
        ..QuantConfig::default()
    };
    (quantize(&g, &cal, &cfg).unwrap(), samples)
}

fn hidden(reveal: Reveal) -> Visibility {
    Visibility {
        output: Vis::Private,
        reveal,
        ..Visibility::default()
    }
}

/// The executor's classes: per output, per row (last axis), first maximum.
fn classes(q: &QGraph, t: &Trace) -> Vec<i64> {
    q.outputs
        .iter()
        .flat_map(|&o| {
            let v: Vec<i64> = t.values[o].iter().copied().collect();
            let lane = *q.values[o].shape.last().unwrap();
            v.chunks(lane)
                .map(|r| argmax(r.iter().copied()) as i64)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn argmax_reveal_proves_the_class_of_every_row() {
    let (q, samples) = model();
    let be = backend();
    let vis = hidden(Reveal::Argmax);
    let (pk, vk) = common::keys(&be, &q, &vis);
    for s in &samples {
        let t = execute(&q, std::slice::from_ref(s)).unwrap();
        let (proof, public) = be.prove(&pk, &q, &t).unwrap();
        assert!(public.outputs.is_empty() && public.inputs.len() == 1);
        assert_eq!(public.revealed, classes(&q, &t));
        // z's second row is all zeros: the tie goes to index 0.
        assert_eq!(public.revealed[3], 0);
        be.verify(&vk, &public, &proof).unwrap();
        for i in 0..public.revealed.len() {
            for wrong in 0..6 {
                if wrong == public.revealed[i] {
                    continue;
                }
                let mut bad = public.clone();
                bad.revealed[i] = wrong;
                assert!(
                    matches!(be.verify(&vk, &bad, &proof), Err(PlonkError::Rejected(_))),
                    "class {wrong} accepted for row {i}"
                );
            }
        }
        let mut bad = proof.clone();
        let mid = bad.bytes.len() / 2;
        bad.bytes[mid] ^= 1;
        assert!(be.verify(&vk, &public, &bad).is_err());
        // Too few or too many revealed values: refused before the proof is read.
        let mut short = public.clone();
        short.revealed.pop();
        assert!(matches!(
            be.verify(&vk, &short, &proof),
            Err(PlonkError::PublicValues(_))
        ));
    }
}

#[test]
fn index_reveal_proves_the_chosen_values() {
    let (q, samples) = model();
    let be = backend();
    // Flat indices over y (10 values) then z (8): 12 is z[0, 2].
    let vis = hidden(Reveal::Indices(vec![7, 0, 12]));
    let (pk, vk) = common::keys(&be, &q, &vis);
    let t = execute(&q, &samples[0..1]).unwrap();
    let (proof, public) = be.prove(&pk, &q, &t).unwrap();
    let y: Vec<i64> = t.values[q.outputs[0]].iter().copied().collect();
    let z: Vec<i64> = t.values[q.outputs[1]].iter().copied().collect();
    assert_eq!(public.revealed, vec![y[7], y[0], z[2]]);
    assert!(public.outputs.is_empty());
    be.verify(&vk, &public, &proof).unwrap();
    for i in 0..3 {
        let mut bad = public.clone();
        bad.revealed[i] += 1;
        assert!(matches!(
            be.verify(&vk, &bad, &proof),
            Err(PlonkError::Rejected(_))
        ));
    }
    // The values in another order are another statement.
    let mut swapped = public.clone();
    swapped.revealed.swap(0, 1);
    assert!(y[7] == y[0] || be.verify(&vk, &swapped, &proof).is_err());
}

/// Every cell the reveal adds (the argmax rows) is constrained: corrupting any
/// one of them fails the MockProver.
#[test]
fn every_reveal_cell_is_constrained() {
    let (q, samples) = model();
    let t = execute(&q, &samples[0..1]).unwrap();
    let vis = hidden(Reveal::Argmax);
    let p = plan(&q, &vis, None).unwrap();
    let count = |vis: &Visibility| {
        let mut sink = CountSink::default();
        let mut b = Builder::new(&mut sink, p.shape.clone(), false);
        lay_out(&mut b, &q, Some(&t), vis).unwrap();
        sink.count
    };
    let (before, all) = (count(&hidden(Reveal::None)), count(&vis));
    assert!(all > before);
    let (c, k, inst) = mock_circuit(&q, &t, &vis, &p);
    MockProver::run(k, &c, vec![inst.clone()])
        .unwrap()
        .assert_satisfied();
    for i in before..all {
        let mut bad = c.clone();
        bad.tamper = Some(i);
        let r = MockProver::run(k, &bad, vec![inst.clone()])
            .unwrap()
            .verify();
        assert!(r.is_err(), "corrupting reveal cell {i} went unnoticed");
    }
}

#[test]
fn bad_reveals_are_refused_at_setup() {
    let (q, _) = model();
    let setup = |vis: Visibility| {
        backend()
            .setup(
                &q,
                &SetupOptions {
                    visibility: vis,
                    k: None,
                },
            )
            .err()
            .expect("refused")
    };
    let e = setup(hidden(Reveal::Indices(vec![3, 18])));
    assert!(
        matches!(
            &e,
            PlonkError::Reveal(zkml_core::Error::RevealIndex {
                index: 18,
                count: 18
            })
        ),
        "{e}"
    );
    assert!(e.to_string().contains("0..=17"), "{e}");
    let e = setup(hidden(Reveal::Indices(vec![3, 3])));
    assert!(e.to_string().contains("given twice"), "{e}");
    let e = setup(hidden(Reveal::Indices(vec![])));
    assert!(e.to_string().contains("no output index"), "{e}");
    let e = setup(Visibility {
        reveal: Reveal::Argmax,
        ..Visibility::default()
    });
    assert!(e.to_string().contains("public"), "{e}");
}
