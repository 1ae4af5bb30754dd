//! Pedersen commitments with generators hashed from a public seed.
//!
//! `Com(v; ρ) = Σ_j v_j·G_j + ρ·H` for vectors, `Com(y; ρ) = y·U + ρ·H` for
//! scalars. Each generator is hashed to the curve by try-and-increment
//! ([`hash_point`]): `x = BLAKE2b-512(seed ‖ tag ‖ u64le(j) ‖ u32le(ctr))
//! mod q` for the first counter at which `x³ + 3` is a square, `y` its root
//! of the parity the hash's last bit names, with tag `g`, `u` or `h`.
//! BN254's G1 is the whole curve (cofactor 1), so every such point is a
//! generator, and one whose `x` is a hash output has no discrete logarithm
//! anyone knows (the hash modelled as a random oracle). Variable time: the
//! seed is public. About 3× faster than SvdW's constant-time map (a
//! verifier derives the generators on every key load).

use crate::error::{Error, Result};
use crate::field::{msm, Curve, Fr, G1Affine, Group, PrimeField, G1};

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

/// The point of `(seed, tag, j)` (see the [module doc](self)).
pub fn hash_point(seed: &[u8], tag: &[u8], j: u64) -> G1Affine {
    use halo2_axiom::halo2curves::bn256::Fq;
    use halo2_axiom::halo2curves::ff::{FromUniformBytes, PrimeField as _};
    let mut ctr = 0u32;
    loop {
        let h = blake2b_simd::Params::new()
            .hash_length(64)
            .personal(b"zkml-sc-pedersen")
            .to_state()
            .update(&(seed.len() as u64).to_le_bytes())
            .update(seed)
            .update(&(tag.len() as u64).to_le_bytes())
            .update(tag)
            .update(&j.to_le_bytes())
            .update(&ctr.to_le_bytes())
            .finalize();
        let mut wide = [0u8; 64];
        wide.copy_from_slice(h.as_bytes());
        let x = Fq::from_uniform_bytes(&wide);
        if let Some(y) = crate::codec::sqrt_vartime(&(x.square() * x + Fq::from(3))) {
            let odd = wide[63] & 1 == 1;
            let y = if (y.to_repr()[0] & 1 == 1) == odd {
                y
            } else {
                -y
            };
            return G1Affine { x, y };
        }
        // Half of all x are abscissas: 2^{-32} of running out is never met.
        ctr = ctr.wrapping_add(1);
    }
}

impl PartialEq for Generators {
    fn eq(&self, other: &Self) -> bool {
        (&self.g, self.u, self.h) == (&other.g, other.u, other.h)
    }
}

impl Eq for Generators {}

impl Generators {
    /// Builds the fixed-base tables of `U` and `H` now (a prover's key
    /// does, so that its first commitment does not pay for them).
    pub fn prepare_commitments(&self) {
        rayon::join(|| self.u_table(), || self.h_table());
    }

    fn u_table(&self) -> &FixedBase {
        self.u_table.get_or_init(|| FixedBase::new(self.u))
    }

    fn h_table(&self) -> &FixedBase {
        self.h_table.get_or_init(|| FixedBase::new(self.h))
    }

    /// `width` vector generators and `U`, `H`, derived from `seed`. Anyone can
    /// recompute them; no trapdoor exists (hash-to-curve).
    pub fn new(seed: &[u8], width: usize) -> Self {
        // Hashing to the curve (square roots) on rayon's threads.
        use rayon::prelude::*;
        let g: Vec<G1Affine> = (0..width as u64)
            .into_par_iter()
            .map(|j| hash_point(seed, b"g", j))
            .collect();
        let (u, h) = (hash_point(seed, b"u", 0), hash_point(seed, b"h", 0));
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
