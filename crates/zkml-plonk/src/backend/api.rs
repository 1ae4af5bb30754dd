//! [`Backend`] for [`PlonkBackend`]: planning, setup, prove, verify, and the
//! byte formats, commitments and SRS trust the front end reaches through the trait.

use std::path::Path;

use zkml_core::backend::{
    Backend, Blinding, FieldBytes, KeyInfo, Openings, ParamsSource, PublicValues, SetupOptions,
    Trust, WeightsCommitment,
};
use zkml_core::{QGraph, Trace};

use super::format::hex;
use super::{PlonkBackend, PlonkProof, PlonkProvingKey, PlonkVerifyingKey, PublicLayout};
use crate::circuit::check_visibility;
use crate::commit::{fresh_blinding, to_bytes, weight_bits, weight_values, weights_commitment};
use crate::cpu::check_cpu;
use crate::error::{PlonkError, Result};
use crate::plan::{plan_with, Plan};
use crate::srs;

impl PlonkBackend {
    /// Describes where the SRS comes from (`ceremony file …` or `local
    /// INSECURE SRS for testing only (cached in …)`).
    pub fn srs_note(&self) -> String {
        match &self.srs_file {
            Some(f) => format!("ceremony file {}", f.display()),
            None => format!(
                "local INSECURE SRS for testing only (cached in {})",
                self.srs_dir.display()
            ),
        }
    }
}

fn info(
    layout: &PublicLayout,
    model_hash: [u8; 32],
    k: u32,
    cols: usize,
    rows: usize,
    act_bits: u32,
) -> KeyInfo {
    KeyInfo {
        model_hash,
        visibility: layout.vis.clone(),
        k,
        columns: cols,
        rows,
        act_bits,
        inputs: layout.input_meta.clone(),
        outputs: layout.output_meta.clone(),
    }
}

impl Backend for PlonkBackend {
    type ProvingKey = PlonkProvingKey;
    type VerifyingKey = PlonkVerifyingKey;
    type Proof = PlonkProof;
    type Plan = Plan;
    type Error = PlonkError;

    const NAME: &'static str = "plonk";

    fn plan(&self, q: &QGraph, options: &SetupOptions) -> Result<Plan> {
        check_cpu()?;
        check_visibility(&options.visibility)?;
        plan_with(q, &options.visibility, options.k, self.matrix_check)
    }

    fn plan_summary(&self, p: &Plan) -> String {
        format!(
            "circuit: k = {}, {} advice columns, {} rows; SRS: {}",
            p.k,
            p.advice_columns,
            p.rows,
            self.srs_note()
        )
    }

    fn prepare(&self, p: &Plan) -> Result<()> {
        self.params(p.k).map(|_| ())
    }

    fn setup_planned(
        &self,
        q: &QGraph,
        options: &SetupOptions,
        plan: Plan,
    ) -> Result<(PlonkProvingKey, PlonkVerifyingKey)> {
        self.setup_with_plan(q, options.visibility.clone(), plan)
    }

    fn prove_with(
        &self,
        pk: &PlonkProvingKey,
        q: &QGraph,
        trace: &Trace,
        openings: &Openings,
    ) -> Result<(PlonkProof, PublicValues)> {
        self.prove_checked(pk, q, trace, openings)
    }

    fn verify(
        &self,
        vk: &PlonkVerifyingKey,
        public: &PublicValues,
        proof: &PlonkProof,
    ) -> Result<()> {
        self.verify_proof(vk, public, proof)
    }

    fn proving_key_info(&self, pk: &PlonkProvingKey) -> KeyInfo {
        info(
            &pk.layout,
            pk.model_hash,
            pk.plan.k,
            pk.plan.advice_columns,
            pk.plan.rows,
            pk.plan.shape.act_bits,
        )
    }

    fn verifying_key_info(&self, vk: &PlonkVerifyingKey) -> KeyInfo {
        // The verifying key does not record the planner's row count.
        info(&vk.layout, vk.model_hash, vk.k, 0, 0, vk.shape.act_bits)
    }

    fn public_field_elements(
        &self,
        info: &KeyInfo,
        public: &PublicValues,
    ) -> Result<Vec<FieldBytes>> {
        Ok(PublicLayout::from_info(info)
            .instance(public)?
            .into_iter()
            .map(to_bytes)
            .collect())
    }

    fn proving_key_to_bytes(&self, pk: &PlonkProvingKey) -> Result<Vec<u8>> {
        Ok(pk.to_bytes())
    }

    fn check_proving_key_file(&self, path: &Path, q: &QGraph) -> Result<()> {
        PlonkProvingKey::check_model_file(path, q)
    }

    fn read_proving_key(&self, path: &Path, q: &QGraph) -> Result<PlonkProvingKey> {
        PlonkProvingKey::from_file(path, q, self)
    }

    fn verifying_key_to_bytes(&self, vk: &PlonkVerifyingKey) -> Result<Vec<u8>> {
        Ok(vk.to_bytes())
    }

    fn verifying_key_from_bytes(&self, bytes: &[u8]) -> Result<PlonkVerifyingKey> {
        PlonkVerifyingKey::from_bytes(bytes, self)
    }

    fn proof_to_bytes(&self, proof: &PlonkProof) -> Vec<u8> {
        proof.to_bytes()
    }

    fn proof_from_bytes(&self, bytes: &[u8]) -> Result<PlonkProof> {
        PlonkProof::from_bytes(bytes)
    }

    fn proof_size(&self, proof: &PlonkProof) -> usize {
        proof.bytes.len()
    }

    fn params_source(&self) -> ParamsSource {
        ParamsSource {
            label: "SRS",
            kind: if self.srs_file.is_some() {
                "file"
            } else {
                "local-insecure"
            },
            note: self.srs_note(),
            secure: self.srs_file.is_some(),
        }
    }

    /// A ceremony file (`srs_file`, whose points
    /// [`PlonkVerifyingKey::from_bytes`] already compared with the key's), or,
    /// only with `allow_insecure`, the points inside the key.
    fn trust(&self, vk: &PlonkVerifyingKey, key: &str, allow_insecure: bool) -> Result<Trust> {
        let digest = hex(&vk.srs.digest());
        if let Some(f) = &self.srs_file {
            return Ok(Trust {
                trusted: true,
                source: "file",
                file: Some(f.display().to_string()),
                message: format!(
                    "SRS: trusted: the ceremony file {} (the key's SRS points match it; SRS \
                     digest {digest})",
                    f.display()
                ),
                digest: Some(digest),
            });
        }
        // from_bytes compared the key with a cached local SRS for its k, if any.
        let local = srs::cached_file(&self.srs_dir, vk.k);
        let origin = match &local {
            Some(p) => format!(
                "the local INSECURE SRS cached at {} (made on this machine by `zkml setup` without \
                 --srs; its secret was never destroyed, so whoever has that file can forge proofs)",
                p.display()
            ),
            None => {
                "its own SRS points, which no ceremony file vouches for (whoever generated that \
                  SRS can forge proofs)"
                    .to_string()
            }
        };
        if !allow_insecure {
            return Err(PlonkError::Untrusted(format!(
                "{key} carries {origin}; refusing to trust it. Pass --srs FILE, the \
                 ceremony SRS the key was made with, or --allow-insecure-srs to accept it for \
                 testing (SRS digest {digest})"
            )));
        }
        Ok(Trust {
            trusted: false,
            source: if local.is_some() {
                "local-cache"
            } else {
                "key"
            },
            file: None,
            message: format!(
                "warning: SRS NOT TRUSTED (--allow-insecure-srs): {key} carries \
                 {origin}; a VALID result below shows only that the proof matches this key \
                 (SRS digest {digest})"
            ),
            digest: Some(digest),
        })
    }

    fn fresh_blinding(&self) -> Blinding {
        fresh_blinding()
    }

    fn commit_weights(&self, q: &QGraph, blinding: &Blinding) -> Result<WeightsCommitment> {
        Ok(WeightsCommitment {
            commitment: weights_commitment(q, blinding)?,
            constants: weight_values(q).len(),
            bits: weight_bits(q),
        })
    }
}
