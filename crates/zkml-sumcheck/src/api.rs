//! [`Backend`] for [`SumcheckBackend`] and [`ZkSumcheckBackend`]: planning,
//! setup, prove, verify and the byte formats the front end reaches through
//! the trait. Both share the keys of [`crate::model::key`]: a
//! [`ProvingKey`] (the full model, the seed of private weights' blinds) and
//! a verifying [`Key`] (the model with hidden constants zeroed, the private
//! weights' Hyrax commitments); generators are recomputed from a public
//! seed. They differ in what they accept and in their proofs.
//!
//! The parameters are transparent (generators hashed to the curve), so
//! [`Backend::prepare`] has nothing to do and [`Backend::trust`] always
//! trusts them. Weights: fixed or public in both; private or committed in
//! [`ZkSumcheckBackend`] only, whose [`Backend::commit_weights`] is
//! [`crate::model::key::weights_commitment`] (the clear backend's is an
//! error).

use std::fmt;
use std::path::Path;

use zkml_core::backend::{
    Backend, Blinding, FieldBytes, KeyInfo, Openings, ParamsSource, PublicValues, SetupOptions,
    TensorMeta, Trust, Vis, WeightsCommitment,
};
use zkml_core::{QGraph, Trace};

use crate::error::{Error, Result};
use crate::field::{fr_from_i64, Fr, FromUniformBytes, PrimeField};
use crate::hyrax::split_vars;
use crate::model::{num_vars, widest_table, Key, ModelProof, ProvingKey, SumcheckBackend};
use crate::zkmodel::{ZkModelProof, ZkSumcheckBackend};

/// What `setup` will build for a model: the sizes that drive its cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SumcheckPlan {
    /// Nodes of the quantized model (one sub-proof each).
    pub nodes: usize,
    /// log2 of the widest table (a tensor, a lookup column or a range table).
    pub k: u32,
    /// Pedersen generators (one per column of the widest table's matrix, the
    /// zero-knowledge backend's packed witness table among them).
    pub generators: usize,
    /// Entries of every tensor's table, summed (padded to powers of two).
    pub entries: usize,
}

impl SumcheckPlan {
    fn of(q: &QGraph) -> Self {
        let k = widest_table(q);
        // The zero-knowledge backend's packed witness table is wider.
        let packed = crate::zkmodel::packed::Layout::widest(q)
            .max(crate::zkmodel::fixed::layout(q).num_vars.unwrap_or(0));
        Self {
            nodes: q.nodes.len(),
            k: k as u32,
            generators: 1 << split_vars(k.max(packed)).1,
            entries: q.values.iter().map(|v| 1usize << num_vars(&v.shape)).sum(),
        }
    }
}

impl fmt::Display for SumcheckPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "sumcheck: {} nodes; widest table 2^{} entries; {} tensor entries in all (padded)",
            self.nodes, self.k, self.entries
        )?;
        write!(
            f,
            "parameters: {} Pedersen generators hashed to the curve from a public seed (no \
             trusted setup)",
            self.generators
        )
    }
}

const TRANSPARENT: &str =
    "transparent: Pedersen generators hashed to BN254 from a public seed (no trusted setup)";

fn info(key: &Key) -> KeyInfo {
    let q = &key.q;
    let meta = |ids: &[usize]| -> Vec<TensorMeta> {
        ids.iter()
            .map(|&i| TensorMeta {
                shape: q.values[i].shape.clone(),
                scale: q.values[i].scale,
            })
            .collect()
    };
    let plan = SumcheckPlan::of(q);
    KeyInfo {
        model_hash: key.model_hash(),
        visibility: key.visibility.clone(),
        k: plan.k,
        columns: 0,
        rows: plan.entries,
        act_bits: q.act_bits,
        inputs: meta(&q.inputs),
        outputs: meta(&q.outputs),
    }
}

/// The public integers as field elements (`x mod p`): public inputs, public
/// outputs, revealed values, in that order, after checking their counts
/// against `info`.
fn field_elements(info: &KeyInfo, public: &PublicValues) -> Result<Vec<FieldBytes>> {
    let mut out = vec![];
    for (what, vis, metas, given) in [
        (
            "inputs",
            info.visibility.input,
            &info.inputs,
            &public.inputs,
        ),
        (
            "outputs",
            info.visibility.output,
            &info.outputs,
            &public.outputs,
        ),
    ] {
        if vis != Vis::Public {
            if given.iter().any(|g| !g.is_empty()) {
                return Err(Error::Invalid(format!(
                    "{what} are private under this key, but values were given"
                )));
            }
            continue;
        }
        if given.len() != metas.len() {
            return Err(Error::Invalid(format!(
                "the model has {} {what}, {} were given",
                metas.len(),
                given.len()
            )));
        }
        for (i, (m, vals)) in metas.iter().zip(given).enumerate() {
            let n: usize = m.shape.iter().product();
            if vals.len() != n {
                return Err(Error::Invalid(format!(
                    "{what}[{i}] should have {n} values, {} were given",
                    vals.len()
                )));
            }
            out.extend(vals.iter().map(|&v| FieldBytes(fr_from_i64(v).to_repr())));
        }
    }
    out.extend(
        public
            .revealed
            .iter()
            .map(|&v| FieldBytes(fr_from_i64(v).to_repr())),
    );
    Ok(out)
}

fn read_key(path: &Path, q: &QGraph) -> Result<ProvingKey> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Decode(format!("reading `{}`: {e}", path.display())))?;
    let key = ProvingKey::from_bytes(&bytes)?;
    if &key.q != q {
        return Err(Error::Invalid(
            "the proving key is for another model than the compiled model beside it".into(),
        ));
    }
    Ok(key)
}

fn fresh() -> Blinding {
    use rand_core06::RngCore;
    let mut wide = [0u8; 64];
    rand_core06::OsRng.fill_bytes(&mut wide);
    Blinding(FieldBytes(Fr::from_uniform_bytes(&wide).to_repr()))
}

/// The zero-knowledge backend's weights commitment: the hash of the
/// constants' Hyrax commitments under the blinding's seed
/// ([`crate::model::key::weights_commitment`]).
fn commit_hidden(q: &QGraph, b: &Blinding) -> Result<WeightsCommitment> {
    let (commitment, constants) = crate::model::key::weights_commitment(q, b)?;
    let bits = q
        .values
        .iter()
        .filter_map(|v| match &v.kind {
            zkml_core::quant::QValueKind::Const(c) => c
                .iter()
                .map(|x| 64 - x.unsigned_abs().leading_zeros() + 1)
                .max(),
            _ => None,
        })
        .max()
        .unwrap_or(1);
    Ok(WeightsCommitment {
        commitment,
        constants,
        bits,
    })
}

/// The clear backend cannot hide weights.
fn refuse_commit(_q: &QGraph, _b: &Blinding) -> Result<WeightsCommitment> {
    Err(Error::Invalid(
        "committed weights need the zero-knowledge sumcheck backend (`--backend sumcheck`); \
         SumcheckBackend is not zero-knowledge"
            .into(),
    ))
}

macro_rules! sumcheck_backend {
    ($backend:ty, $proof:ty, $name:literal, $check:path, $prove:path, $verify:path, $commit:path) => {
        impl Backend for $backend {
            type ProvingKey = ProvingKey;
            type VerifyingKey = Key;
            type Proof = $proof;
            type Plan = SumcheckPlan;
            type Error = Error;

            const NAME: &'static str = $name;

            fn plan(&self, q: &QGraph, options: &SetupOptions) -> Result<SumcheckPlan> {
                $check(q, &options.visibility)?;
                zkml_core::reveal::check_reveal(q, &options.visibility)
                    .map_err(|e| Error::Invalid(e.to_string()))?;
                Ok(SumcheckPlan::of(q))
            }

            fn plan_summary(&self, p: &SumcheckPlan) -> String {
                format!(
                    "sumcheck: {} nodes, widest table 2^{}; {}",
                    p.nodes, p.k, TRANSPARENT
                )
            }

            fn prepare(&self, _plan: &SumcheckPlan) -> Result<()> {
                Ok(())
            }

            fn setup_planned(
                &self,
                q: &QGraph,
                options: &SetupOptions,
                _plan: SumcheckPlan,
            ) -> Result<(ProvingKey, Key)> {
                $check(q, &options.visibility)?;
                crate::model::key::make_keys(q, &options.visibility)
            }

            fn prove_with(
                &self,
                pk: &ProvingKey,
                q: &QGraph,
                trace: &Trace,
                openings: &Openings,
            ) -> Result<($proof, PublicValues)> {
                if q != &pk.q {
                    return Err(Error::Invalid(
                        "the proving key is for another model".into(),
                    ));
                }
                let opened;
                let pk = if pk.visibility.weights == Vis::Committed {
                    let b = openings.weights.as_ref().ok_or_else(|| {
                        Error::Invalid(
                            "the weights are committed: pass the opening of the published \
                             weights commitment (`zkml prove --opening`)"
                                .into(),
                        )
                    })?;
                    opened = pk.open_weights(b)?;
                    &opened
                } else {
                    pk
                };
                let r = $prove(pk, trace, &mut rand_core06::OsRng);
                crate::profile::report("prove");
                r
            }

            fn verify(&self, vk: &Key, public: &PublicValues, proof: &$proof) -> Result<()> {
                let r = $verify(vk, public, proof);
                crate::profile::report("verify");
                r
            }

            fn proving_key_info(&self, pk: &ProvingKey) -> KeyInfo {
                info(pk)
            }

            fn verifying_key_info(&self, vk: &Key) -> KeyInfo {
                info(vk)
            }

            fn public_field_elements(
                &self,
                info: &KeyInfo,
                public: &PublicValues,
            ) -> Result<Vec<FieldBytes>> {
                field_elements(info, public)
            }

            fn proving_key_to_bytes(&self, pk: &ProvingKey) -> Result<Vec<u8>> {
                pk.to_bytes()
            }

            fn check_proving_key_file(&self, path: &Path, q: &QGraph) -> Result<()> {
                read_key(path, q).map(|_| ())
            }

            fn read_proving_key(&self, path: &Path, q: &QGraph) -> Result<ProvingKey> {
                read_key(path, q)
            }

            fn verifying_key_to_bytes(&self, vk: &Key) -> Result<Vec<u8>> {
                vk.to_bytes()
            }

            fn verifying_key_from_bytes(&self, bytes: &[u8]) -> Result<Key> {
                let key = Key::from_bytes(bytes)?;
                $check(&key.q, &key.visibility)?;
                Ok(key)
            }

            fn proof_to_bytes(&self, proof: &$proof) -> Vec<u8> {
                proof.to_bytes()
            }

            fn proof_from_bytes(&self, bytes: &[u8]) -> Result<$proof> {
                <$proof>::from_bytes(bytes)
            }

            fn proof_size(&self, proof: &$proof) -> usize {
                proof.to_bytes().len()
            }

            fn params_source(&self) -> ParamsSource {
                ParamsSource {
                    label: "generators",
                    kind: "transparent",
                    note: TRANSPARENT.into(),
                    secure: true,
                }
            }

            fn trust(&self, _vk: &Key, _key: &str, _allow_insecure: bool) -> Result<Trust> {
                Ok(Trust {
                    trusted: true,
                    source: "transparent",
                    file: None,
                    digest: None,
                    message: format!("generators: trusted: {TRANSPARENT}"),
                })
            }

            fn fresh_blinding(&self) -> Blinding {
                fresh()
            }

            fn commit_weights(&self, q: &QGraph, b: &Blinding) -> Result<WeightsCommitment> {
                $commit(q, b)
            }
        }
    };
}

sumcheck_backend!(
    ZkSumcheckBackend,
    ZkModelProof,
    "sumcheck",
    crate::zkmodel::check_supported,
    crate::zkmodel::prover::prove,
    crate::zkmodel::verifier::verify,
    commit_hidden
);
sumcheck_backend!(
    SumcheckBackend,
    ModelProof,
    "sumcheck-clear",
    crate::model::check_supported,
    crate::model::prover::prove,
    crate::model::verifier::verify,
    refuse_commit
);
