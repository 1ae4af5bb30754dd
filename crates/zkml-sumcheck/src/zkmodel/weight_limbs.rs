//! The weights' range check wider than one range table: hidden constants of
//! a width `b` in `(16, 32]` ([`super::weights`], "Width").
//!
//! Per hidden constant `c` (its committed table, `n` variables) the prover
//! commits two more tables of the same layout, `lo = c mod 2^16` and
//! `hi = ⌊c / 2^16⌋` (entries as integers), and both go to the model's
//! batched lookup: `lo ∈ [0, 2^16)`, `hi ∈ [−2^(b−17), 2^(b−17))`. Then at a
//! fresh `τ ∈ F^n` the prover sends `C_c = Com(c̃(τ))`, `C_hi = Com(h̃i(τ))`;
//! the verifier forms `C_lo = C_c − 2^16·C_hi` and all three are claims on
//! their committed tables, opened with the model's others. So
//! `c̃ = l̃o + 2^16·h̃i` at `τ`, drawn after the three tables are fixed:
//! unless `c = lo + 2^16·hi` entrywise (a nonzero table's multilinear
//! extension vanishes at a random point with probability at most `n/p`),
//! and with the limbs in their ranges every entry of `c` is an integer in
//! `[−2^(b−1), 2^(b−1))`.
//!
//! **Zero knowledge:** the limbs' Hyrax commitments are hiding, `C_c` and
//! `C_hi` fresh Pedersen commitments: simulated by random points; their
//! lookups are the model's batched lookup's columns (committed
//! multiplicities).

use rand_core06::{CryptoRng, RngCore};

use super::lookups::{Column, LookupPlan, TableKey};
use crate::codec::{Encode, Reader, Writer};
use crate::error::{Error, Result};
use crate::field::{Curve, Fr, G1Affine, PrimeField};
use crate::hyrax::{CommittedPoly, HyraxCommitment};
use crate::mle::Mle;
use crate::model::{const_vars, hidden_const, Key, ProvingKey};
use crate::transcript::Transcript;
use crate::zk::{Lc, Opening};

/// Bits of the low limb (one range table).
pub(crate) const LIMB_BITS: u32 = 16;

/// Widest hidden constants two limbs hold.
pub(crate) const MAX_LIMBED_BITS: u32 = 2 * LIMB_BITS;

/// A hidden constant's limbs: their commitments and the relation's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightLimbs {
    /// Hyrax commitment to `lo = c mod 2^16`.
    pub lo: HyraxCommitment,
    /// Hyrax commitment to `hi = ⌊c / 2^16⌋`.
    pub hi: HyraxCommitment,
    /// `Com(c̃(τ))`.
    pub c_com: G1Affine,
    /// `Com(h̃i(τ))`.
    pub hi_com: G1Affine,
}

impl Encode for WeightLimbs {
    fn encode(&self, w: &mut Writer) {
        self.lo.encode(w);
        self.hi.encode(w);
        w.point(&self.c_com);
        w.point(&self.hi_com);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            lo: HyraxCommitment::decode(r)?,
            hi: HyraxCommitment::decode(r)?,
            c_com: r.point()?,
            hi_com: r.point()?,
        })
    }
}

/// Whether the key's width needs limbs.
pub(crate) fn limbed(key: &Key) -> bool {
    key.weight_bits > LIMB_BITS
}

/// The hidden constants, in value order (the limbs' order).
pub(crate) fn hidden_ids(key: &Key) -> Vec<usize> {
    (0..key.q.values.len())
        .filter(|&id| hidden_const(&key.q, &key.visibility, id))
        .collect()
}

/// Registers the limbs' columns of every hidden constant (both ends).
pub(crate) fn register(key: &Key, plan: &mut LookupPlan) {
    let h = 1i64 << (key.weight_bits - LIMB_BITS - 1);
    for (j, id) in hidden_ids(key).into_iter().enumerate() {
        plan.push(
            TableKey::Range(0, (1 << LIMB_BITS) - 1),
            Column::Limb(id, j, false),
        );
        plan.push(TableKey::Range(-h, h - 1), Column::Limb(id, j, true));
    }
}

#[cfg(test)]
thread_local! {
    /// Tests: a forger's high limbs clamped into their range (so the limbs
    /// pass their lookups but do not add up to the constant).
    pub(crate) static TEST_CLAMP_HI: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The integer of a small field element (`|x| < 2^63`).
fn small_int(x: &Fr) -> Option<i64> {
    let int = |r: <Fr as PrimeField>::Repr| {
        let r = r.as_ref();
        if r[8..].iter().any(|&b| b != 0) {
            return None;
        }
        let v = u64::from_le_bytes(r[..8].try_into().ok()?);
        i64::try_from(v).ok()
    };
    int(x.to_repr()).or_else(|| int((-*x).to_repr()).map(|v| -v))
}

/// The prover's limbs: the messages, the limb tables (value order, `lo`
/// then `hi` per constant) and the claims `(j, hi?, τ, opening)` on them
/// and `(id, τ, opening)` on the constants.
#[allow(clippy::type_complexity)]
pub(crate) fn prove(
    key: &ProvingKey,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(
    Vec<WeightLimbs>,
    Vec<CommittedPoly>,
    Vec<(usize, Vec<Fr>, Opening)>,
    Vec<(usize, bool, Vec<Fr>, Opening)>,
)> {
    let _s = crate::profile::span("prove/weight_limbs");
    let (mut msgs, mut polys, mut c_claims, mut limb_claims) = (vec![], vec![], vec![], vec![]);
    let base = Fr::from(1u64 << LIMB_BITS);
    for (j, id) in hidden_ids(key).into_iter().enumerate() {
        let c = key.consts()[id]
            .as_ref()
            .ok_or_else(|| Error::Invalid(format!("hidden constant {id} is not committed")))?;
        let ints: Vec<i64> = c
            .poly
            .evals
            .iter()
            .map(|x| {
                small_int(x).ok_or_else(|| {
                    Error::Invalid(format!(
                        "hidden constant `{}` holds a value that is not a 64-bit integer",
                        key.q.values[id].name
                    ))
                })
            })
            .collect::<Result<_>>()?;
        let limb = |f: fn(i64) -> i64| -> Result<Mle> {
            Mle::new(
                ints.iter()
                    .map(|&v| crate::field::fr_from_i64(f(v)))
                    .collect(),
            )
        };
        let lo = crate::hyrax::commit(&key.gens, limb(|v| v.rem_euclid(1 << LIMB_BITS))?, rng)?;
        #[allow(unused_mut)]
        let mut hi_of: fn(i64) -> i64 = |v| v.div_euclid(1 << LIMB_BITS);
        #[cfg(test)]
        if TEST_CLAMP_HI.with(|c| c.get()) {
            hi_of = |v| v.div_euclid(1 << LIMB_BITS).clamp(-1, 0);
        }
        let hi = crate::hyrax::commit(&key.gens, limb(hi_of)?, rng)?;
        t.absorb_points(b"model/weights/limb_lo", &lo.comm.rows);
        t.absorb_points(b"model/weights/limb_hi", &hi.comm.rows);
        let tau = t.challenges(b"model/weights/limb_tau", c.poly.num_vars);
        let c_o = Opening::random(c.poly.evaluate(&tau)?, rng);
        let h_o = Opening::random(hi.poly.evaluate(&tau)?, rng);
        let l_o = Opening {
            value: c_o.value - base * h_o.value,
            blind: c_o.blind - base * h_o.blind,
        };
        let (c_com, hi_com) = (
            c_o.commit(&key.gens).to_affine(),
            h_o.commit(&key.gens).to_affine(),
        );
        t.absorb_points(b"model/weights/limb_coms", &[c_com, hi_com]);
        msgs.push(WeightLimbs {
            lo: lo.comm.clone(),
            hi: hi.comm.clone(),
            c_com,
            hi_com,
        });
        polys.push(lo);
        polys.push(hi);
        c_claims.push((id, tau.clone(), c_o));
        limb_claims.push((j, false, tau.clone(), l_o));
        limb_claims.push((j, true, tau, h_o));
    }
    Ok((msgs, polys, c_claims, limb_claims))
}

/// The verifier's side of [`prove`]: the claims `(id, τ, C_c)` on the
/// constants and `(j, hi?, τ, C)` on the limbs.
#[allow(clippy::type_complexity)]
pub(crate) fn verify(
    key: &Key,
    limbs: &[WeightLimbs],
    t: &mut Transcript,
) -> Result<(Vec<(usize, Vec<Fr>, Lc)>, Vec<(usize, bool, Vec<Fr>, Lc)>)> {
    let ids = hidden_ids(key);
    let want = if limbed(key) { ids.len() } else { 0 };
    crate::error::expect_len("weight limbs", limbs.len(), want)?;
    let base = Fr::from(1u64 << LIMB_BITS);
    let (mut c_claims, mut limb_claims) = (vec![], vec![]);
    for (j, (id, l)) in ids.into_iter().zip(limbs).enumerate() {
        t.absorb_points(b"model/weights/limb_lo", &l.lo.rows);
        t.absorb_points(b"model/weights/limb_hi", &l.hi.rows);
        let tau = t.challenges(b"model/weights/limb_tau", const_vars(&key.q, id));
        t.absorb_points(b"model/weights/limb_coms", &[l.c_com, l.hi_com]);
        let mut lo = Lc::from(l.c_com);
        lo.add_point(-base, l.hi_com);
        c_claims.push((id, tau.clone(), l.c_com.into()));
        limb_claims.push((j, false, tau.clone(), lo));
        limb_claims.push((j, true, tau, l.hi_com.into()));
    }
    Ok((c_claims, limb_claims))
}
