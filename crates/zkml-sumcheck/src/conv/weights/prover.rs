//! The weight sumcheck's prover (equations in the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};

use super::msg::ConvWeightsProof;
use super::ConvGeom;
use crate::error::Result;
use crate::field::{Field, Fr};
use crate::hyrax::Generators;
use crate::mle::Mle;
use crate::sumcheck::{self, ProductSum};
use crate::transcript::Transcript;
use crate::zk::{Opening, ZkProverOutput};

/// `Σ_k w̃(k)·T̃_{ρ,r}(k)` with `w` (row-major `[M, C/g, k_H, k_W]`) in the
/// per-dimension layout.
fn instance(geom: &ConvGeom, w: &[i64], rho: &[Fr], r: &[Fr]) -> Result<ProductSum> {
    ProductSum::new(
        vec![geom.weight_table(w)?, Mle::new(geom.t_table(rho, r)?)?],
        vec![(Fr::ONE, vec![0, 1])],
    )
}

/// Proves `claim = G̃_ρ(r) = Σ_k w(k)·T(k)` (the caller has absorbed
/// `claim`); absorbs and sends `w̃(κ)`. Returns the proof and `κ`.
pub fn prove(
    geom: &ConvGeom,
    w: &[i64],
    (rho, r): (&[Fr], &[Fr]),
    claim: &Fr,
    t: &mut Transcript,
) -> Result<(ConvWeightsProof, Vec<Fr>)> {
    let o = sumcheck::prove(instance(geom, w, rho, r)?, claim, t);
    let w_eval = o.factor_evals[0];
    t.absorb_scalar(b"conv/w_eval", &w_eval);
    Ok((
        ConvWeightsProof {
            sumcheck: o.proof,
            w_eval,
        },
        o.point,
    ))
}

/// The committed version: the verifier holds `Com(G̃_ρ(r))` (`claim`'s
/// commitment, bound by the transcript); `T` is public, `w` public when
/// `w_public` (else its value at `κ` is a committed factor, opened by the
/// caller).
#[allow(clippy::too_many_arguments)]
pub fn prove_zk(
    gens: &Generators,
    geom: &ConvGeom,
    w: &[i64],
    w_public: bool,
    (rho, r): (&[Fr], &[Fr]),
    claim: &Opening,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<ZkProverOutput> {
    let inst = instance(geom, w, rho, r)?;
    crate::zk::prove_sumcheck(gens, inst, &[w_public, true], claim, t, rng)
}
