//! Proving a segment and verifying a chain of segment proofs (the
//! [module doc](super)).

use zkml_core::{
    backend::{Backend, Commitment, Openings, PublicValues, Vis, Visibility},
    segment::Segment,
    Trace,
};

use super::boundary::proof_commitments;
use super::{run_digest, segment_keys, segment_openings, segment_visibility, SegmentSeed};
use crate::error::{PlonkError, Result};
use crate::{PlonkBackend, PlonkProof, PlonkProvingKey, PlonkVerifyingKey};

/// The chain's model hash: BLAKE2b-256 of the segment count and each
/// segment key's model hash, in order.
pub fn chain_hash(hashes: &[[u8; 32]]) -> [u8; 32] {
    let mut h = blake2b_simd::Params::new().hash_length(32).to_state();
    h.update(b"zkml segment chain v1\0");
    h.update(&(hashes.len() as u64).to_le_bytes());
    for x in hashes {
        h.update(x);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finalize().as_bytes());
    out
}

/// A proof of one segment with its public values and place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentProof {
    /// Which segment (0-based).
    pub index: usize,
    /// Of how many.
    pub count: usize,
    /// The segment's public values (boundary commitments included).
    pub public: PublicValues,
    /// The proof.
    pub proof: PlonkProof,
}

/// Proves segment `i` of `segments` for the whole model's `trace`: the
/// segment's values are [`Trace::restrict`]ed from it; the model's groups at
/// the ends are opened with `openings` ([`segment_openings`]); the boundary
/// columns are blinded with the keys of `seed` and the run's [`run_digest`]
/// ([`segment_keys`]).
pub fn prove_segment(
    backend: &PlonkBackend,
    pk: &PlonkProvingKey,
    segments: &[Segment],
    i: usize,
    trace: &Trace,
    openings: &Openings,
    seed: &SegmentSeed,
) -> Result<SegmentProof> {
    let n = segments.len();
    let seg = segments.get(i).ok_or_else(|| {
        PlonkError::Segment(format!("segment {i} does not exist (the model has {n})"))
    })?;
    let strace = trace.restrict(seg);
    let run = run_digest(segments, trace);
    let (proof, public) = backend.prove_boundary(
        pk,
        &seg.graph,
        &strace,
        &segment_openings(openings, i, n),
        &segment_keys(seed, &run, i, n),
    )?;
    Ok(SegmentProof {
        index: i,
        count: n,
        public,
        proof,
    })
}

/// A commitment as the transcript holds it (a compressed G1 point).
pub type PointBytes = [u8; 32];

/// The commitments of proof `p`'s boundary columns under key `vk`: its input
/// boundary's (`bnd_in` columns from the first) and its output
/// boundary's (the `bnd_out` after them), as transcript bytes.
pub fn boundary_commitments(
    vk: &PlonkVerifyingKey,
    p: &SegmentProof,
) -> Result<(Vec<PointBytes>, Vec<PointBytes>)> {
    let (ci, co) = (vk.shape.bnd_in, vk.shape.bnd_out);
    let short = || reject(format!("segment {}'s proof is too short", p.index));
    Ok((
        proof_commitments(&p.proof.bytes, 0, ci).ok_or_else(short)?,
        proof_commitments(&p.proof.bytes, ci, co).ok_or_else(short)?,
    ))
}

/// What a verified chain of segment proofs states.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainPublic {
    /// The model's public values: inputs (and input commitment) from the
    /// first segment; outputs, revealed values (and output commitment) from
    /// the last. The weights commitment is per segment: [`Self::weights`].
    pub public: PublicValues,
    /// Each segment's weights commitment (committed weights only).
    pub weights: Vec<Option<Commitment>>,
}

fn reject(msg: String) -> PlonkError {
    PlonkError::Rejected(msg)
}

fn hex(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Checks a chain of segment proofs against the segments' verifying keys
/// (in order) under the model's visibility `vis` (module doc).
pub fn verify_segments(
    backend: &PlonkBackend,
    vis: &Visibility,
    vks: &[PlonkVerifyingKey],
    proofs: &[SegmentProof],
) -> Result<ChainPublic> {
    let n = vks.len();
    if n == 0 {
        return Err(PlonkError::Segment("no segment keys".into()));
    }
    for (i, vk) in vks.iter().enumerate() {
        let want = segment_visibility(vis, i, n);
        if vk.layout.vis != want {
            return Err(PlonkError::Segment(format!(
                "the key of segment {i} has visibility {:?}, a chain of {n} needs {want:?}",
                vk.layout.vis
            )));
        }
        // Boundaries: every one but the model's ends, the same width on both
        // sides, one k and one SRS for the whole chain (a boundary column is
        // one polynomial in two proofs only then).
        let (bi, bo) = (vk.shape.bnd_in, vk.shape.bnd_out);
        if (i > 0) != (bi > 0) || (i + 1 < n) != (bo > 0) {
            return Err(PlonkError::Segment(format!(
                "the key of segment {i} of {n} has {bi} input and {bo} output boundary \
                 columns: not a key of a segment chain (re-run setup)"
            )));
        }
        if i + 1 < n && vks[i + 1].shape.bnd_in != bo {
            return Err(PlonkError::Segment(format!(
                "segment {i}'s key has {bo} output boundary columns, segment {}'s {} input ones",
                i + 1,
                vks[i + 1].shape.bnd_in
            )));
        }
        if vk.k != vks[0].k || vk.srs != vks[0].srs {
            return Err(PlonkError::Segment(format!(
                "segment {i}'s key is at k = {} (SRS digest {}), segment 0's at k = {} ({}): \
                 a chain shares one k and one SRS",
                vk.k,
                hex(&vk.srs.digest()),
                vks[0].k,
                hex(&vks[0].srs.digest())
            )));
        }
    }
    for (pos, p) in proofs.iter().enumerate() {
        if p.count != n {
            return Err(reject(format!(
                "proof {pos} belongs to a chain of {} segments, the keys have {n}",
                p.count
            )));
        }
    }
    if proofs.len() != n {
        return Err(reject(
            match (0..n).find(|&i| !proofs.iter().any(|p| p.index == i)) {
                Some(m) => format!(
                    "segment {m} of {n} is missing ({} proof(s) given)",
                    proofs.len()
                ),
                None => format!("{} proofs for {n} segments", proofs.len()),
            },
        ));
    }
    for (pos, p) in proofs.iter().enumerate() {
        if p.index != pos {
            return Err(reject(format!(
                "segment proofs are out of order: position {pos} holds segment {}",
                p.index
            )));
        }
    }
    let shown = vks
        .iter()
        .zip(proofs)
        .map(|(vk, p)| boundary_commitments(vk, p))
        .collect::<Result<Vec<_>>>()?;
    for j in 0..n.saturating_sub(1) {
        let (out, inp) = (&shown[j].1, &shown[j + 1].0);
        if out != inp {
            let c = out.iter().zip(inp).position(|(a, b)| a != b).unwrap_or(0);
            return Err(reject(format!(
                "the commitment chain is broken between segments {j} and {}: boundary column \
                 {c} of segment {j}'s outputs is committed as {}, of segment {}'s inputs as {}",
                j + 1,
                out.get(c).map(hex).unwrap_or_default(),
                j + 1,
                inp.get(c).map(hex).unwrap_or_default(),
            )));
        }
    }
    for (i, (vk, p)) in vks.iter().zip(proofs).enumerate() {
        backend
            .verify(vk, &p.public, &p.proof)
            .map_err(|e| reject(format!("segment {i} of {n}: {e}")))?;
    }
    let (first, last) = (&proofs[0].public, &proofs[n - 1].public);
    let mut public = PublicValues {
        inputs: first.inputs.clone(),
        outputs: last.outputs.clone(),
        revealed: last.revealed.clone(),
        ..PublicValues::default()
    };
    public.commitments.input = first
        .commitments
        .input
        .filter(|_| vis.input == Vis::Committed);
    public.commitments.output = last
        .commitments
        .output
        .filter(|_| vis.output == Vis::Committed);
    if n == 1 {
        public.commitments.weights = first.commitments.weights;
    }
    Ok(ChainPublic {
        public,
        weights: proofs
            .iter()
            .map(|p| p.public.commitments.weights)
            .collect(),
    })
}
