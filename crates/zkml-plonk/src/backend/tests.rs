//! Backend-level soundness regressions that need the keys' private parts
//! (a prover who bypasses [`PlonkBackend::prove_with`]'s checks).

use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    exec::execute_int,
    quant::{calibrate, quantize, QuantConfig},
    Graph, Op,
};

use super::*;
use zkml_core::backend::{Backend, SetupOptions};

/// A model that only reshapes its input `[1, 4]` to `[2, 2]`.
fn reshape_only() -> QGraph {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 4]);
    let y = g
        .add_node("reshape", Op::Reshape { shape: vec![2, 2] }, vec![x], "y")
        .unwrap();
    g.add_output(y);
    let sample = ArrayD::from_shape_vec(IxDyn(&[1, 4]), vec![0.5f32, -0.25, 0.75, -1.0]).unwrap();
    let cal = calibrate(&g, &[vec![sample]]).unwrap();
    let cfg = QuantConfig {
        act_bits: 12,
        max_scale: 6,
        ..QuantConfig::default()
    };
    quantize(&g, &cal, &cfg).unwrap()
}

/// A proof made with halo2 directly on `trace` (no executor, no public-value
/// checks), for the instance column `inst`.
fn forge(pk: &PlonkProvingKey, q: &QGraph, trace: Trace, inst: &[Fr]) -> PlonkProof {
    let circuit = ZkmlCircuit {
        q: Arc::new(q.clone()),
        trace: Some(Arc::new(trace)),
        vis: pk.layout.vis.clone(),
        shape: pk.plan.shape.clone(),
        tamper: None,
        witness_only: true,
        blinds: Blinds::default(),
    };
    let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
    create_proof::<
        KZGCommitmentScheme<Bn256>,
        ProverSHPLONK<'_, Bn256>,
        Challenge255<G1Affine>,
        _,
        Blake2bWrite<Vec<u8>, G1Affine, Challenge255<G1Affine>>,
        ZkmlCircuit,
    >(
        pk.params.as_ref(),
        &pk.pk,
        &[circuit],
        &[&[inst]],
        ChaCha20Rng::from_seed([7; 32]),
        &mut transcript,
    )
    .unwrap();
    PlonkProof {
        model_hash: pk.model_hash,
        bytes: transcript.finalize(),
    }
}

/// `i64::MIN` (whose `abs()` wraps to itself) is outside every public bound:
/// the executor, [`PublicLayout::instance`] and `verify` all refuse it, even
/// for a proof that halo2 itself accepts (a Reshape has no range check: the
/// input bound is enforced on the public values).
#[test]
fn i64_min_public_input_is_refused_everywhere() {
    let q = reshape_only();
    let min = ArrayD::from_elem(IxDyn(&[1, 4]), i64::MIN);
    let err = execute_int(&q, vec![min.clone()]).unwrap_err();
    assert!(
        matches!(
            err,
            zkml_core::Error::OutOfRange {
                value: i64::MIN,
                ..
            }
        ),
        "executor: {err}"
    );

    let backend = PlonkBackend {
        srs_dir: std::env::temp_dir().join("zkml-plonk-test-srs"),
        srs_file: None,
        matrix_check: true,
    };
    let (pk, vk) = backend.setup(&q, &SetupOptions::default()).unwrap();
    let public = PublicValues {
        inputs: vec![vec![i64::MIN; 4]],
        outputs: vec![vec![i64::MIN; 4]],
        ..PublicValues::default()
    };
    let err = vk.layout.instance(&public).unwrap_err();
    assert!(
        err.to_string().contains(&i64::MIN.to_string()),
        "instance: {err}"
    );

    // The forgery: the circuit's own values, proven by halo2 directly.
    let trace = Trace {
        values: vec![min.clone(), min.into_shape_clone(IxDyn(&[2, 2])).unwrap()],
    };
    let inst = vec![fe(i64::MIN as i128); 8];
    let proof = forge(&pk, &q, trace, &inst);
    let mut rest: &[u8] = proof.bytes.as_slice();
    let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&mut rest);
    let halo2_accepts = verify_proof::<
        KZGCommitmentScheme<Bn256>,
        VerifierSHPLONK<'_, Bn256>,
        Challenge255<G1Affine>,
        Blake2bRead<&mut &[u8], G1Affine, Challenge255<G1Affine>>,
        SingleStrategy<'_, Bn256>,
    >(
        vk.params.verifier_params(),
        &vk.vk,
        SingleStrategy::new(&vk.params),
        &[&[&inst]],
        &mut transcript,
    );
    assert!(halo2_accepts.is_ok(), "the forgery is a valid halo2 proof");
    let err = backend.verify(&vk, &public, &proof).unwrap_err();
    assert!(
        matches!(err, PlonkError::PublicValues(ref m) if m.contains(&i64::MIN.to_string())),
        "verify: {err}"
    );
}

/// The trait's field-element encoding prints as halo2's `Debug` did (the
/// proof file's `public_field_elements` keep their form), and the layout a
/// key's info describes is the key's own.
#[test]
fn key_info_layout_and_field_hex() {
    for v in [0i128, 1, -1, 255, -(1 << 40)] {
        let f = fe(v);
        assert_eq!(crate::commit::to_bytes(f).to_hex(), format!("{f:?}"));
    }
    let q = reshape_only();
    let backend = PlonkBackend {
        srs_dir: std::env::temp_dir().join("zkml-plonk-test-srs"),
        ..PlonkBackend::default()
    };
    let (pk, vk) = backend.setup(&q, &SetupOptions::default()).unwrap();
    assert_eq!(
        PublicLayout::from_info(&backend.verifying_key_info(&vk)),
        vk.layout
    );
    assert_eq!(
        PublicLayout::from_info(&backend.proving_key_info(&pk)),
        pk.layout
    );
}
