//! The model verifier's one deferred MSM ([`crate::zk::deferred`]): values
//! that enter only the final batched check (Σ-protocol and opening
//! responses, which no challenge depends on) pass every transcript and shape
//! check, and the batch rejects them, naming the equation.

use super::verifier::verify_into;
use super::*;
use crate::field::{Field, Fr};
use crate::model::tests::mlp;
use crate::zk::Checks;
use zkml_core::backend::{Backend, PublicValues, SetupOptions, Visibility};

fn proved(seed: u64) -> (crate::model::Key, ZkModelProof, PublicValues) {
    let (q, t) = mlp(&[12, 8, 4], seed);
    let opts = SetupOptions {
        visibility: Visibility {
            input: Vis::Private,
            ..Visibility::default()
        },
        k: None,
    };
    let (key, vk) = ZkSumcheckBackend.setup(&q, &opts).unwrap();
    let (proof, public) = ZkSumcheckBackend.prove(&key, &q, &t).unwrap();
    (vk, proof, public)
}

/// Runs the verifier up to the batched check: `Ok(checks)` when every
/// transcript and shape check passed.
fn collect(key: &crate::model::Key, public: &PublicValues, p: &ZkModelProof) -> Result<Checks> {
    let mut checks = Checks::new();
    verify_into(key, public, p, &mut checks)?;
    Ok(checks)
}

#[test]
fn the_honest_proof_is_one_batch_of_many_equations() {
    let (key, proof, public) = proved(21);
    let checks = collect(&key, &public, &proof).unwrap();
    // Every committed sumcheck, proof of zero or product and opening
    // contributes: far more than one equation, one MSM for all.
    assert!(checks.len() > 20, "{} equations", checks.len());
    checks.finish(&key.gens).unwrap();
}

#[test]
fn a_tampered_response_passes_the_transcript_and_fails_the_batch() {
    let (key, proof, public) = proved(22);
    type Tamper = (&'static str, Box<dyn Fn(&mut ZkModelProof)>);
    let cases: Vec<Tamper> = vec![
        (
            "hyrax dot product: c·C_x + δ = ⟨z, G⟩ + z_δ·H",
            Box::new(|p| p.openings[0].open.z_delta += Fr::ONE),
        ),
        (
            "hyrax dot product: c·C_y + β = ⟨z, R⟩·U + z_β·H",
            Box::new(|p| {
                let last = p.openings.len() - 1;
                p.openings[last].open.z_beta += Fr::ONE
            }),
        ),
        (
            "proof of zero: s·H = A + c·X",
            Box::new(|p| {
                let i = p
                    .nodes
                    .iter()
                    .position(|n| matches!(n, ZkNodeProof::MatMul { .. }))
                    .unwrap();
                if let ZkNodeProof::MatMul { matmul, .. } = &mut p.nodes[i] {
                    matmul.final_ok.s += Fr::ONE;
                }
            }),
        ),
        (
            "proof of product: δ + c·C_z = z_1·C_y + z_5·H",
            Box::new(|p| p.lookups[0].logup.witness_layers[1].products[0].1.z[4] += Fr::ONE),
        ),
    ];
    for (check, tamper) in cases {
        let mut p = proof.clone();
        tamper(&mut p);
        let checks = collect(&key, &public, &p)
            .unwrap_or_else(|e| panic!("{check}: rejected before the batch: {e}"));
        match checks.finish(&key.gens) {
            Err(Error::Rejected { check: got, .. }) => assert_eq!(got, check),
            other => panic!("{check}: {other:?}"),
        }
        assert!(ZkSumcheckBackend.verify(&key, &public, &p).is_err());
    }
}
