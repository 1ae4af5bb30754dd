//! Pedersen commitments with generators hashed from a public seed.
//!
//! `Com(v; ρ) = Σ_j v_j·G_j + ρ·H` for vectors, `Com(y; ρ) = y·U + ρ·H` for
//! scalars. Each generator is `hash_to_curve("zkml-sumcheck/pedersen/v1")`
//! (SvdW, `halo2curves`) of `seed ‖ tag ‖ u64le(j)` with tag `g`, `u` or `h`.

use crate::error::{Error, Result};
use crate::field::{msm, Curve, Fr, G1Affine, Group, PrimeField, G1};
use halo2_axiom::halo2curves::CurveExt;

/// The public generators of a commitment scheme of width `W = g.len()`
/// (equal when their points are).
#[derive(Clone, Debug)]
pub struct Generators {
    /// `G_0, …, G_{W−1}`: one per matrix column.
    pub g: Vec<G1Affine>,
    /// `U`: the base of committed scalars (evaluations, claims).
    pub u: G1Affine,
    /// `H`: the blinding base.
    pub h: G1Affine,
    /// Fixed-base tables of `U` and `H` (see [`FixedBase`]), built on first
    /// use (a prover's commitments; a verifier needs none).
    u_table: std::sync::OnceLock<FixedBase>,
    h_table: std::sync::OnceLock<FixedBase>,
}

/// `j·2^{8i}·P` for `i < 32`, `j < 256`: a scalar multiple of the fixed point
/// `P` is then 32 mixed additions, one per byte of the scalar (blinds and
/// committed scalars are full-width, so this is ~8× a double-and-add).
#[derive(Clone, Debug, PartialEq, Eq)]
struct FixedBase(Vec<G1Affine>);

impl FixedBase {
    fn new(p: G1Affine) -> Self {
        let mut proj = Vec::with_capacity(32 * 256);
        let mut base = G1::from(p);
        for _ in 0..32 {
            let mut acc = G1::identity();
            for _ in 0..256 {
                proj.push(acc);
                acc += base;
            }
            base = acc; // 256·base
        }
        let mut t = vec![G1Affine::default(); proj.len()];
        G1::batch_normalize(&proj, &mut t);
        Self(t)
    }

    fn mul(&self, s: &Fr) -> G1 {
        let mut acc = G1::identity();
        self.add_mul(&mut acc, s);
        acc
    }

    /// `acc += s·P`.
    fn add_mul(&self, acc: &mut G1, s: &Fr) {
        let repr = s.to_repr();
        for (i, &b) in repr.as_ref().iter().enumerate() {
            if b != 0 {
                *acc += self.0[i * 256 + b as usize];
            }
        }
    }
}

impl PartialEq for Generators {
    fn eq(&self, other: &Self) -> bool {
        (&self.g, self.u, self.h) == (&other.g, other.u, other.h)
    }
}

impl Eq for Generators {}

impl Generators {
    fn u_table(&self) -> &FixedBase {
        self.u_table.get_or_init(|| FixedBase::new(self.u))
    }

    fn h_table(&self) -> &FixedBase {
        self.h_table.get_or_init(|| FixedBase::new(self.h))
    }

    /// `width` vector generators and `U`, `H`, derived from `seed`. Anyone can
    /// recompute them; no trapdoor exists (hash-to-curve).
    pub fn new(seed: &[u8], width: usize) -> Self {
        const DOMAIN: &str = "zkml-sumcheck/pedersen/v1";
        let msg = |tag: &[u8], j: u64| {
            let mut msg = Vec::with_capacity(seed.len() + tag.len() + 16);
            msg.extend_from_slice(&(seed.len() as u64).to_le_bytes());
            msg.extend_from_slice(seed);
            msg.extend_from_slice(tag);
            msg.extend_from_slice(&j.to_le_bytes());
            msg
        };
        // Hashing to the curve (square roots) on rayon's threads, one
        // hasher per thread.
        use rayon::prelude::*;
        let proj: Vec<G1> = (0..width as u64)
            .into_par_iter()
            .map_init(|| G1::hash_to_curve(DOMAIN), |h, j| h(&msg(b"g", j)))
            .collect();
        let hasher = G1::hash_to_curve(DOMAIN);
        let point = |tag: &[u8], j: u64| hasher(&msg(tag, j));
        let mut g = vec![G1Affine::default(); width];
        G1::batch_normalize(&proj, &mut g);
        let (u, h) = (point(b"u", 0).to_affine(), point(b"h", 0).to_affine());
        Self {
            g,
            u,
            h,
            u_table: Default::default(),
            h_table: Default::default(),
        }
    }

    /// `Σ_j v_j·G_j + ρ·H`; `v` may be shorter than the width (zeros after).
    pub fn commit_vec(&self, v: &[Fr], blind: &Fr) -> Result<G1> {
        if v.len() > self.g.len() {
            return Err(Error::Invalid(format!(
                "a vector of {} values exceeds the {} generators",
                v.len(),
                self.g.len()
            )));
        }
        Ok(msm(v, &self.g[..v.len()])? + self.blind(blind))
    }

    /// `y·U + ρ·H`.
    pub fn commit_scalar(&self, y: &Fr, blind: &Fr) -> G1 {
        // One accumulator for both fixed-base products.
        let mut acc = self.u_table().mul(y);
        self.h_table().add_mul(&mut acc, blind);
        acc
    }

    /// `ρ·H`.
    pub fn blind(&self, blind: &Fr) -> G1 {
        self.h_table().mul(blind)
    }
}
