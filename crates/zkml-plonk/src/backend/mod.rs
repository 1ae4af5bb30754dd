//! [`PlonkBackend`]: setup, prove and verify, and the byte formats of keys and proofs.
//!
//! Every file starts with an 8-byte magic, a format version (`u32` LE) and the
//! 32-byte model hash: BLAKE2b-256 of the QGraph (JSON), the visibility, the
//! plan's shape and `k`. A key or proof for another model, visibility or plan
//! is refused with [`PlonkError::WrongModel`]; another version with
//! [`PlonkError::Format`]. Proofs use SHPLONK openings and a Blake2b transcript;
//! a transcript with bytes left over after verification is rejected.
//!
//! A verifying key carries the verifier's part of the SRS (`[1]G1`, `[1]G2`,
//! `[s]G2`, [`VerifierSrs`]), so verifying needs no SRS file; an SRS that is
//! available (a ceremony file, or a cached local one for the key's `k`) must
//! match it. A proving key carries only `[s]G2` as a fingerprint and loads
//! the full SRS.

use std::path::PathBuf;
use std::sync::Arc;

use halo2_axiom::{
    halo2curves::bn256::{Bn256, Fr, G1Affine},
    plonk::{create_proof, keygen_pk2, verify_proof, ProvingKey, VerifyingKey},
    poly::{
        commitment::ParamsProver,
        kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
    },
    transcript::{
        Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer,
    },
};
use rand_chacha03::ChaCha20Rng;
use rand_core06::{OsRng, RngCore, SeedableRng};
use zkml_core::{
    backend::{Openings, PublicValues, Vis, Visibility},
    QGraph, Trace,
};

use crate::circuit::{check_visibility, ZkmlCircuit};
use crate::commit::{commitments, to_fr, Blinds};
use crate::cpu::check_cpu;
use crate::error::{PlonkError, Result};
use crate::gadgets::{fe, Shape};
use crate::plan::Plan;
use crate::segment::boundary::{self, BoundaryKeys, BoundaryRng};
use crate::srs::{self, VerifierSrs};

mod api;
mod format;
mod keys;

use format::hex;
pub use format::{model_hash, FORMAT_VERSION};

/// The halo2 backend. `srs_file`: a ceremony SRS to use; otherwise a local,
/// INSECURE one is generated and cached in `srs_dir` (see [`crate::srs`]).
#[derive(Clone, Debug)]
pub struct PlonkBackend {
    /// Cache directory for local SRS files.
    pub srs_dir: PathBuf,
    /// A ceremony SRS in halo2's raw format, if given.
    pub srs_file: Option<PathBuf>,
    /// Whether the planner may prove large matrix products by the randomized
    /// check (a second phase); `false` keeps every layer on multiply-accumulate
    /// rows ([`crate::plan_with`]). Default `true`.
    pub matrix_check: bool,
}

impl Default for PlonkBackend {
    fn default() -> Self {
        Self {
            srs_dir: srs::default_dir(),
            srs_file: None,
            matrix_check: true,
        }
    }
}

impl PlonkBackend {
    /// The verifier's part of the SRS available here for `k`, if any: the
    /// ceremony file when one is given (it must be readable and large
    /// enough), else a cached local SRS serving `k`, else `None`. Reads only
    /// three points; never generates an SRS.
    pub fn verifier_srs(&self, k: u32) -> Result<Option<VerifierSrs>> {
        check_cpu()?;
        match &self.srs_file {
            Some(f) => srs::load_verifier_part(f, k).map(Some),
            None => srs::cached_file(&self.srs_dir, k)
                .map(|p| srs::load_verifier_part(&p, k))
                .transpose(),
        }
    }

    /// Where this backend's SRS comes from, for messages: `the SRS file
    /// `…`` or `the local SRS cached in `…``.
    pub fn srs_description(&self) -> String {
        match &self.srs_file {
            Some(f) => format!("the SRS file `{}`", f.display()),
            None => format!("the local SRS cached in `{}`", self.srs_dir.display()),
        }
    }

    /// The SRS for `k`.
    pub fn params(&self, k: u32) -> Result<ParamsKZG<Bn256>> {
        check_cpu()?;
        match &self.srs_file {
            Some(f) => srs::load_file(f, k),
            None => srs::generate_or_load(&self.srs_dir, k),
        }
    }
}

/// Which public values a key expects: element counts and the input bound.
/// The instance column is: public inputs, public outputs, revealed values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicLayout {
    /// Visibility.
    pub vis: Visibility,
    /// Elements per model input.
    pub inputs: Vec<usize>,
    /// Elements per model output.
    pub outputs: Vec<usize>,
    /// Public inputs lie in `[−bound − 1, bound]` (`QGraph::range`).
    pub bound: i64,
    /// How many values `vis.reveal` reveals ([`zkml_core::reveal::revealed_count`]).
    pub revealed: usize,
    /// Shape and scale of each model input (element counts: `inputs`).
    pub input_meta: Vec<TensorMeta>,
    /// Shape and scale of each model output (element counts: `outputs`).
    pub output_meta: Vec<TensorMeta>,
}

pub use zkml_core::backend::TensorMeta;

impl PublicLayout {
    /// The layout a key's [`KeyInfo`](zkml_core::backend::KeyInfo) describes
    /// (equal to the key's own: the info is read from it).
    pub fn from_info(info: &zkml_core::backend::KeyInfo) -> Self {
        let numel = |m: &TensorMeta| m.shape.iter().product();
        let revealed = match &info.visibility.reveal {
            zkml_core::backend::Reveal::None => 0,
            zkml_core::backend::Reveal::Indices(ix) => ix.len(),
            zkml_core::backend::Reveal::Argmax => info
                .outputs
                .iter()
                .map(|m| zkml_core::reveal::argmax_rows(&m.shape))
                .sum(),
        };
        Self {
            vis: info.visibility.clone(),
            inputs: info.inputs.iter().map(numel).collect(),
            outputs: info.outputs.iter().map(numel).collect(),
            bound: (1i64 << (info.act_bits.clamp(1, 63) - 1)) - 1,
            revealed,
            input_meta: info.inputs.clone(),
            output_meta: info.outputs.clone(),
        }
    }

    /// The public values `q` has under `vis`.
    pub fn of(q: &QGraph, vis: Visibility) -> Self {
        let numel = |id: &usize| q.values[*id].shape.iter().product();
        let meta = |id: &usize| TensorMeta {
            shape: q.values[*id].shape.clone(),
            scale: q.values[*id].scale,
        };
        Self {
            inputs: q.inputs.iter().map(numel).collect(),
            outputs: q.outputs.iter().map(numel).collect(),
            input_meta: q.inputs.iter().map(meta).collect(),
            output_meta: q.outputs.iter().map(meta).collect(),
            bound: q.bound(),
            revealed: zkml_core::reveal::revealed_count(q, &vis.reveal),
            vis,
        }
    }

    /// The instance column: public inputs, public outputs, the revealed
    /// values, then the commitments of the committed groups (input, weights,
    /// output), checked for shape and range.
    pub fn instance(&self, public: &PublicValues) -> Result<Vec<Fr>> {
        let mut inst = vec![];
        let groups = [
            ("inputs", &self.inputs, self.vis.input, &public.inputs),
            ("outputs", &self.outputs, self.vis.output, &public.outputs),
        ];
        for (what, sizes, v, given) in groups {
            if v != Vis::Public {
                if given.iter().any(|g| !g.is_empty()) {
                    return Err(PlonkError::PublicValues(format!(
                        "{what} are private under this key, but values were given"
                    )));
                }
                continue;
            }
            if given.len() != sizes.len() {
                return Err(PlonkError::PublicValues(format!(
                    "the model has {} {what}, {} were given",
                    sizes.len(),
                    given.len()
                )));
            }
            for (i, (&n, vals)) in sizes.iter().zip(given.iter()).enumerate() {
                if vals.len() != n {
                    return Err(PlonkError::PublicValues(format!(
                        "{what}[{i}] should have {n} values, {} were given",
                        vals.len()
                    )));
                }
                if what == "inputs" {
                    // The executor's range (`QGraph::range`): `[−bound − 1, bound]`.
                    let lo = -self.bound.saturating_abs() - 1;
                    if let Some(bad) = vals.iter().find(|&&v| v < lo || v > self.bound) {
                        return Err(PlonkError::PublicValues(format!(
                            "inputs[{i}] holds {bad}, outside [{lo}, {}]",
                            self.bound
                        )));
                    }
                }
                inst.extend(vals.iter().map(|&v| fe(v as i128)));
            }
        }
        if public.revealed.len() != self.revealed {
            return Err(PlonkError::PublicValues(format!(
                "this key reveals {} output value(s) ({}), {} were given",
                self.revealed,
                self.vis.reveal.describe(),
                public.revealed.len()
            )));
        }
        inst.extend(public.revealed.iter().map(|&v| fe(v as i128)));
        let c = &public.commitments;
        for (what, v, given) in [
            ("input", self.vis.input, c.input),
            ("weights", self.vis.weights, c.weights),
            ("output", self.vis.output, c.output),
        ] {
            match (v == Vis::Committed, given) {
                (true, Some(c)) => inst.push(
                    to_fr(&c, &format!("the {what} commitment"))
                        .map_err(|e| PlonkError::PublicValues(e.to_string()))?,
                ),
                (true, None) => {
                    return Err(PlonkError::PublicValues(format!(
                        "the {what} commitment is missing (the {what} are committed under this key)"
                    )))
                }
                (false, Some(_)) => {
                    return Err(PlonkError::PublicValues(format!(
                        "a {what} commitment was given, but the {what} are not committed under \
                         this key"
                    )))
                }
                (false, None) => {}
            }
        }
        Ok(inst)
    }
}

/// A proving key: the plan, the halo2 key and the SRS it was made with.
pub struct PlonkProvingKey {
    /// The layout.
    pub plan: Plan,
    /// Public values layout.
    pub layout: PublicLayout,
    /// Model hash.
    pub model_hash: [u8; 32],
    params: Arc<ParamsKZG<Bn256>>,
    pk: ProvingKey<G1Affine>,
}

impl PlonkProvingKey {
    /// halo2's blinding rows at the bottom of every advice column
    /// (`blinding_factors + 1`).
    pub fn blinding_rows(&self) -> usize {
        self.pk.get_vk().cs().blinding_factors() + 1
    }
}

/// A verifying key. It carries the verifier's part of the SRS
/// ([`VerifierSrs`]), so verifying needs no SRS file.
pub struct PlonkVerifyingKey {
    /// Column shape.
    pub shape: Shape,
    /// log2 rows.
    pub k: u32,
    /// Public values layout.
    pub layout: PublicLayout,
    /// Model hash.
    pub model_hash: [u8; 32],
    /// The SRS points the verifier uses (`[1]G1`, `[1]G2`, `[s]G2`).
    pub srs: VerifierSrs,
    /// Verifier parameters built from `srs` alone.
    params: ParamsKZG<Bn256>,
    vk: VerifyingKey<G1Affine>,
}

/// A proof with the hash of the model it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlonkProof {
    /// Model hash.
    pub model_hash: [u8; 32],
    /// The halo2 transcript.
    pub bytes: Vec<u8>,
}

impl PlonkBackend {
    /// Setup with an already chosen plan.
    pub fn setup_with_plan(
        &self,
        q: &QGraph,
        vis: Visibility,
        plan: Plan,
    ) -> Result<(PlonkProvingKey, PlonkVerifyingKey)> {
        check_cpu()?;
        check_visibility(&vis)?;
        zkml_core::reveal::check_reveal(q, &vis).map_err(PlonkError::Reveal)?;
        let params = Arc::new(self.params(plan.k)?);
        let circuit = ZkmlCircuit {
            q: Arc::new(q.clone()),
            trace: None,
            vis: vis.clone(),
            shape: plan.shape.clone(),
            tamper: None,
            witness_only: false,
            blinds: Blinds::default(),
        };
        plan.check_fits()?;
        // halo2's keygen panics (rather than erring) on some layout faults;
        // a panic there is a planner bug, reported as an error, never a crash.
        // One synthesis for both keys: `keygen_pk2` builds the verifying key
        // exactly as `keygen_vk` does (same fixed commitments, permutation
        // and selectors) from the same layout, instead of laying the circuit
        // out a second time for `keygen_pk`.
        let keygen = || -> Result<_> {
            let pk = keygen_pk2(params.as_ref(), &circuit, false)
                .map_err(|e| PlonkError::Halo2(e.to_string()))?;
            Ok((pk.get_vk().clone(), pk))
        };
        let (vk, pk) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(keygen))
            .unwrap_or_else(|p| {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(PlonkError::Halo2(format!(
                    "key generation failed at k = {} ({msg}); this is a bug in zkml's planner, \
                     please report it with the model",
                    plan.k
                )))
            })?;
        let model_hash = model_hash(q, &vis, &plan.shape, plan.k);
        let layout = PublicLayout::of(q, vis);
        let vsrs = VerifierSrs::of(&params);
        Ok((
            PlonkProvingKey {
                plan: plan.clone(),
                layout: layout.clone(),
                model_hash,
                params: params.clone(),
                pk,
            },
            PlonkVerifyingKey {
                shape: plan.shape,
                k: plan.k,
                layout,
                model_hash,
                srs: vsrs,
                params: vsrs.params(plan.k),
                vk,
            },
        ))
    }
}

impl PlonkBackend {
    /// A proof of `circuit`'s assignment (whatever its witness, tampered cells
    /// included) against the public values `inst`, with none of
    /// [`zkml_core::backend::Backend::prove`]'s checks: what a malicious prover can send. For
    /// soundness tests, which must see [`zkml_core::backend::Backend::verify`] reject a forged
    /// statement; [`zkml_core::backend::Backend::prove`] ends here after its checks.
    #[doc(hidden)]
    pub fn prove_unchecked(
        &self,
        pk: &PlonkProvingKey,
        circuit: &ZkmlCircuit,
        inst: &[Fr],
    ) -> Result<PlonkProof> {
        self.prove_unchecked_with(pk, circuit, inst, &BoundaryKeys::default())
    }

    /// [`Self::prove_unchecked`] of a segment: the boundary columns' blinding
    /// rows come from `keys` ([`crate::segment::boundary`]); `circuit.blinds.zone`
    /// must hold [`crate::segment::boundary::zone_cells`] of the same keys.
    #[doc(hidden)]
    pub fn prove_unchecked_with(
        &self,
        pk: &PlonkProvingKey,
        circuit: &ZkmlCircuit,
        inst: &[Fr],
        keys: &BoundaryKeys,
    ) -> Result<PlonkProof> {
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        let rng = BoundaryRng::new(
            ChaCha20Rng::from_seed(seed),
            &pk.plan.shape,
            keys,
            pk.plan.k,
            pk.blinding_rows(),
        )?;
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
            std::slice::from_ref(circuit),
            &[&[inst]],
            rng,
            &mut transcript,
        )
        .map_err(|e| PlonkError::Halo2(e.to_string()))?;
        Ok(PlonkProof {
            model_hash: pk.model_hash,
            bytes: transcript.finalize(),
        })
    }
}

impl PlonkBackend {
    /// [`zkml_core::backend::Backend::prove_with`]: checks the key and trace, then proves.
    pub(super) fn prove_checked(
        &self,
        pk: &PlonkProvingKey,
        q: &QGraph,
        trace: &Trace,
        openings: &Openings,
    ) -> Result<(PlonkProof, PublicValues)> {
        self.prove_boundary(pk, q, trace, openings, &BoundaryKeys::default())
    }

    /// [`zkml_core::backend::Backend::prove_with`] of a segment whose
    /// boundaries are blinded by `keys` ([`crate::segment::boundary`]; empty
    /// keys for a key without boundary columns). After proving, the proof's
    /// boundary commitments are checked against the ones computed natively
    /// (the commitments the neighbouring segments show).
    pub fn prove_boundary(
        &self,
        pk: &PlonkProvingKey,
        q: &QGraph,
        trace: &Trace,
        openings: &Openings,
        keys: &BoundaryKeys,
    ) -> Result<(PlonkProof, PublicValues)> {
        check_cpu()?;
        let vis = pk.layout.vis.clone();
        let expected = model_hash(q, &vis, &pk.plan.shape, pk.plan.k);
        if expected != pk.model_hash {
            return Err(PlonkError::WrongModel {
                what: "proving key",
                found: hex(&pk.model_hash),
                expected: hex(&expected),
            });
        }
        if trace.values.len() != q.values.len()
            || trace
                .values
                .iter()
                .zip(&q.values)
                .any(|(t, v)| t.shape() != v.shape.as_slice())
        {
            return Err(PlonkError::PublicValues(
                "the trace is not an execution of this model (tensor count or shapes differ)"
                    .into(),
            ));
        }
        let (commits, mut blinds) = commitments(q, trace, &vis, openings)?;
        let shape = &pk.plan.shape;
        let room = (1usize << pk.plan.k).saturating_sub(boundary::ZONE_ROWS);
        for (cols, ids, what) in [
            (shape.bnd_in, &q.inputs, "inputs"),
            (shape.bnd_out, &q.outputs, "outputs"),
        ] {
            let elems: usize = ids.iter().map(|&i| trace.values[i].len()).sum();
            if cols > 0 && elems.div_ceil(cols) > room {
                return Err(PlonkError::Segment(format!(
                    "the boundary {what} ({elems} values) do not fit {cols} boundary column(s) \
                     of {room} rows"
                )));
            }
        }
        blinds.zone = boundary::zone_cells(shape, keys, pk.plan.k, pk.blinding_rows())?.into();
        let mut public = PublicValues::from_trace(q, trace, &vis);
        public.commitments = commits;
        let inst = pk.layout.instance(&public)?;
        // Check the trace against the circuit's own computation first: a bad
        // trace is then a clear error (halo2's witness generation would panic).
        {
            let mut sink = crate::gadgets::NullSink;
            let mut b = crate::gadgets::Builder::new(&mut sink, pk.plan.shape.clone(), false);
            crate::circuit::lay_out_with(&mut b, q, Some(trace), &vis, &blinds)?;
            if b.public_vals
                .iter()
                .map(|v| v.unwrap_or_default())
                .ne(inst.iter().copied())
            {
                return Err(PlonkError::Halo2(
                    "internal: the circuit's public values differ from the computed ones".into(),
                ));
            }
        }
        let circuit = ZkmlCircuit {
            q: Arc::new(q.clone()),
            trace: Some(Arc::new(trace.clone())),
            vis,
            shape: pk.plan.shape.clone(),
            tamper: None,
            witness_only: true,
            blinds,
        };
        let proof = self.prove_unchecked_with(pk, &circuit, &inst, keys)?;
        self.check_boundary_commitments(pk, q, trace, keys, &proof)?;
        Ok((proof, public))
    }

    /// The proof's boundary commitments are the native ones
    /// ([`boundary::column_commitment`]): a changed rng schedule in halo2
    /// would otherwise show only as a broken chain.
    fn check_boundary_commitments(
        &self,
        pk: &PlonkProvingKey,
        q: &QGraph,
        trace: &Trace,
        keys: &BoundaryKeys,
        proof: &PlonkProof,
    ) -> Result<()> {
        let shape = &pk.plan.shape;
        let flat = |ids: &[usize]| -> Vec<i128> {
            ids.iter()
                .flat_map(|&i| trace.values[i].iter().map(|&v| v as i128))
                .collect()
        };
        let sides = [
            (0, shape.bnd_in, keys.input, &q.inputs),
            (shape.bnd_in, shape.bnd_out, keys.output, &q.outputs),
        ];
        for (first, cols, key, ids) in sides {
            let Some(key) = key.filter(|_| cols > 0) else {
                continue;
            };
            let vals = flat(ids);
            let shown = boundary::proof_commitments(&proof.bytes, first, cols)
                .ok_or_else(|| PlonkError::Halo2("internal: a short proof".into()))?;
            for (c, got) in shown.iter().enumerate() {
                let want = boundary::column_commitment(
                    &pk.params,
                    pk.pk.get_vk().get_domain(),
                    &vals,
                    cols,
                    c,
                    &key,
                );
                if boundary::point_bytes(&want) != *got {
                    return Err(PlonkError::Halo2(format!(
                        "internal: boundary column {} of the proof is not the boundary's                          commitment (halo2's blinding schedule changed?)",
                        first + c
                    )));
                }
            }
        }
        Ok(())
    }

    /// [`zkml_core::backend::Backend::verify`].
    pub(super) fn verify_proof(
        &self,
        vk: &PlonkVerifyingKey,
        public: &PublicValues,
        proof: &PlonkProof,
    ) -> Result<()> {
        check_cpu()?;
        if proof.model_hash != vk.model_hash {
            return Err(PlonkError::WrongModel {
                what: "proof",
                found: hex(&proof.model_hash),
                expected: hex(&vk.model_hash),
            });
        }
        let inst = vk.layout.instance(public)?;
        let mut rest: &[u8] = proof.bytes.as_slice();
        let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&mut rest);
        verify_proof::<
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
        )
        .map_err(|e| PlonkError::Rejected(format!("{e:?}")))?;
        // The transcript must be exactly what the verifier read: no proof
        // bytes may go unchecked.
        if !rest.is_empty() {
            return Err(PlonkError::Rejected(format!(
                "{} bytes after the proof transcript",
                rest.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
