//! The commitment scheme of `committed` visibility: which integers each
//! group commits to, at which digit width, and the blindings.
//!
//! A group's commitment is [`commitment_native`] of its integers (see
//! [`crate::gadgets::commit`]: range-checked digits packed 252 bits per field
//! element, then `Poseidon(e_1, …, e_m, r)`):
//!
//! | group | integers, in order | digit width |
//! | --- | --- | --- |
//! | weights | every constant tensor a node reads or the model outputs, in value order, row-major | [`weight_bits`] |
//! | input | every model input, in order, row-major | `act_bits` |
//! | output | every model output, in order, row-major | `act_bits` |
//!
//! The weight width is public (it shapes the circuit, so the verifying key
//! shows it): the bits the widest constant needs, at least
//! [`MIN_WEIGHT_BITS`], so small tensors (zero biases) do not show their size.
//! The blinding `r` is drawn uniformly from `F_p` with the operating
//! system's CSPRNG ([`fresh_blinding`]).
//!
//! # Why this construction
//!
//! * **Binding.** Every digit is range checked, so the packing is injective
//!   (`D·b ≤ 252` bits per element, below `p`); the sponge's length tag and
//!   the key's fixed layout fix the number of elements. Two openings of one
//!   commitment are a Poseidon collision. Without the range checks the
//!   packing is not injective (a digit out of range carries into the next),
//!   so a prover could use other weights under the published commitment.
//! * **Hiding.** `r` is a uniform field element (254 bits of entropy) hashed
//!   with the values, so the commitment is independent of them with Poseidon
//!   modelled as a random oracle, even for a low-entropy model (a hash
//!   without `r` could be tested against candidate weights). The proof itself
//!   is zero knowledge (halo2 blinds every advice column per proof). What is
//!   public besides `C`: tensor shapes and the digit width `W` (every weight
//!   fits `W` bits).
//! * **Cost.** Per committed value: half a range row (two values per row),
//!   `1/n` of a pack row and `39/(2D)` Poseidon rows (`D = 25` for 10-bit
//!   weights): about 1.4 rows per weight, against `1/(n+1)` rows for a
//!   private weight; 0.5–0.6 rows per 16-bit input or output value.
//!   `BENCHMARKS.md` has the measured cost.
//!
//! Alternatives considered:
//!
//! * *KZG commitment of a dedicated advice column* (commit-and-prove): no
//!   hashing rows, but halo2 re-blinds advice columns in every proof, so the
//!   commitment would change per proof. An unblinded column with one fixed
//!   blinding row gives a stable commitment, but each proof opens that
//!   polynomial at a fresh point, one linear equation in the weights per
//!   proof: not hiding across many proofs, and it needs a modified halo2 and
//!   a verifier that extracts the commitment from the transcript. Segment
//!   boundaries do use such columns ([`crate::segment::boundary`]): there the
//!   commitment is only compared between the two proofs of one chain, the
//!   prover's rng fills the blinding rows from a secret seed so both proofs
//!   agree, and a zone of 16 secret rows hides the few openings.
//! * *Pedersen commitment in-circuit*: elliptic-curve arithmetic over
//!   BN254's base field inside a BN254-scalar circuit is non-native:
//!   thousands of rows per scalar multiplication.
//! * *Poseidon of every value as its own field element*: no range checks,
//!   but 19 Poseidon rows per value instead of about 0.8.
//! * *SHA-256 or Blake2*: bit-oriented, tens of thousands of rows per block.
//!
//! Cheaper variants left for later: checking digits in the lookup argument
//! directly (one lookup input per `x` column instead of range rows), a wider
//! Poseidon (rate 4) or two permutations side by side on wide rows.

use halo2_axiom::halo2curves::{
    bn256::Fr,
    ff::{FromUniformBytes, PrimeField},
};
use rand_core06::{OsRng, RngCore};
use zkml_core::{
    backend::{Blinding, Commitment, Commitments, FieldBytes, Openings, Vis, Visibility},
    quant::QValueKind,
    QGraph, Trace,
};

use crate::error::{PlonkError, Result};
pub use crate::gadgets::commit::commitment_native;
use crate::gadgets::commit::MAX_BITS;

/// Smallest digit width of a weights commitment (the default weight width).
pub const MIN_WEIGHT_BITS: u32 = 10;

/// The blinding field elements the circuit hashes (`None`: no witness, or the
/// group is not committed), and a segment's boundary blinding cells.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Blinds {
    /// Input commitment blinding.
    pub input: Option<Fr>,
    /// Weights commitment blinding.
    pub weights: Option<Fr>,
    /// Output commitment blinding.
    pub output: Option<Fr>,
    /// Boundary cells `(column, row, value)` the circuit assigns below
    /// halo2's own blinding rows (`crate::segment::boundary`; empty without
    /// witness or boundary columns).
    pub zone: std::sync::Arc<[(usize, usize, Fr)]>,
}

/// The constant values a weights commitment binds: every constant that is an
/// input of some node or a model output, in value order. (A constant output
/// left out would be a free, unchecked cell under hidden weights: the key
/// does not bind constants, so any value would prove.)
pub fn committed_constants(q: &QGraph) -> Vec<usize> {
    let mut used = vec![false; q.values.len()];
    for n in &q.nodes {
        for &i in &n.inputs {
            used[i] = true;
        }
    }
    for &o in &q.outputs {
        used[o] = true;
    }
    (0..q.values.len())
        .filter(|&i| used[i] && matches!(q.values[i].kind, QValueKind::Const(_)))
        .collect()
}

/// Bits of the two's-complement range `[−2^(b−1), 2^(b−1))` holding `v`.
fn signed_bits(v: i128) -> u32 {
    let m = if v < 0 { -(v + 1) } else { v };
    129 - m.leading_zeros()
}

/// The digit width of the weights commitment: the bits the widest committed
/// constant needs, at least [`MIN_WEIGHT_BITS`].
pub fn weight_bits(q: &QGraph) -> u32 {
    weight_values(q)
        .iter()
        .map(|&v| signed_bits(v))
        .fold(MIN_WEIGHT_BITS, u32::max)
}

/// The committed constants' integers, concatenated ([`committed_constants`]).
pub fn weight_values(q: &QGraph) -> Vec<i128> {
    committed_constants(q)
        .into_iter()
        .flat_map(|i| match &q.values[i].kind {
            QValueKind::Const(t) => t.iter().map(|&v| v as i128).collect::<Vec<_>>(),
            _ => unreachable!("committed_constants returns constants"),
        })
        .collect()
}

/// A uniform field element from the operating system's CSPRNG (64 bytes
/// reduced modulo `p`: statistically uniform).
pub fn fresh_blinding() -> Blinding {
    let mut wide = [0u8; 64];
    OsRng.fill_bytes(&mut wide);
    Blinding(to_bytes(Fr::from_uniform_bytes(&wide)))
}

/// A field element's canonical bytes.
pub fn to_bytes(f: Fr) -> FieldBytes {
    FieldBytes(f.to_repr())
}

/// The field element of canonical bytes (an error names `what` otherwise).
pub fn to_fr(b: &FieldBytes, what: &str) -> Result<Fr> {
    Option::from(Fr::from_repr(b.0)).ok_or_else(|| {
        PlonkError::Opening(format!("{what} {b} is not a BN254 scalar (not below p)"))
    })
}

/// The weights commitment of `q` with blinding `r`.
pub fn weights_commitment(q: &QGraph, r: &Blinding) -> Result<Commitment> {
    crate::cpu::check_cpu()?;
    let bits = weight_bits(q);
    if bits > MAX_BITS {
        return Err(PlonkError::Visibility(format!(
            "committed weights need {bits}-bit digits, more than {MAX_BITS}"
        )));
    }
    Ok(to_bytes(commitment_native(
        &weight_values(q),
        bits,
        to_fr(&r.0, "the weights blinding")?,
    )))
}

/// The commitment of tensors `ids` of `trace` (inputs or outputs) with blinding `r`.
pub fn tensor_commitment(
    q: &QGraph,
    trace: &Trace,
    ids: &[usize],
    r: &Blinding,
) -> Result<Commitment> {
    let vals: Vec<i128> = ids
        .iter()
        .flat_map(|&i| trace.values[i].iter().map(|&v| v as i128))
        .collect();
    Ok(to_bytes(commitment_native(
        &vals,
        q.act_bits,
        to_fr(&r.0, "a blinding")?,
    )))
}

/// The commitments and circuit blindings of a proof of `trace` under `vis`:
/// every committed group needs its blinding in `openings`.
pub fn commitments(
    q: &QGraph,
    trace: &Trace,
    vis: &Visibility,
    openings: &Openings,
) -> Result<(Commitments, Blinds)> {
    let need = |v: Vis, b: Option<Blinding>, what: &str| -> Result<Option<Blinding>> {
        match (v, b) {
            (Vis::Committed, None) => Err(PlonkError::Opening(format!(
                "{what} are committed: the prover needs their blinding (for weights, the opening \
                 written by `zkml commit`)"
            ))),
            (Vis::Committed, b) => Ok(b),
            _ => Ok(None),
        }
    };
    let ri = need(vis.input, openings.input, "inputs")?;
    let rw = need(vis.weights, openings.weights, "weights")?;
    let ro = need(vis.output, openings.output, "outputs")?;
    let c = Commitments {
        input: ri
            .map(|r| tensor_commitment(q, trace, &q.inputs, &r))
            .transpose()?,
        weights: rw.map(|r| weights_commitment(q, &r)).transpose()?,
        output: ro
            .map(|r| tensor_commitment(q, trace, &q.outputs, &r))
            .transpose()?,
    };
    let fr = |b: Option<Blinding>| b.map(|b| to_fr(&b.0, "a blinding")).transpose();
    Ok((
        c,
        Blinds {
            input: fr(ri)?,
            weights: fr(rw)?,
            output: fr(ro)?,
            zone: Default::default(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use halo2_axiom::halo2curves::ff::Field;

    #[test]
    fn signed_widths() {
        assert_eq!(signed_bits(0), 1);
        assert_eq!(signed_bits(-1), 1);
        assert_eq!(signed_bits(1), 2);
        assert_eq!(signed_bits(511), 10);
        assert_eq!(signed_bits(-512), 10);
        assert_eq!(signed_bits(512), 11);
        assert_eq!(signed_bits(-513), 11);
    }

    /// Two fresh blindings differ, are canonical, and give different
    /// commitments to the same values.
    #[test]
    fn fresh_blindings_hide() {
        let (a, b) = (fresh_blinding(), fresh_blinding());
        assert_ne!(a, b);
        let (fa, fb) = (to_fr(&a.0, "a").unwrap(), to_fr(&b.0, "b").unwrap());
        assert_ne!(fa, Fr::ZERO);
        let vals = [1i128, 2, 3];
        assert_ne!(
            commitment_native(&vals, 10, fa),
            commitment_native(&vals, 10, fb)
        );
        // Not a canonical scalar: refused.
        assert!(to_fr(&FieldBytes([0xff; 32]), "x").is_err());
    }
}
