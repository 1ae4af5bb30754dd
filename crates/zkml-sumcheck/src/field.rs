//! The field and group: BN254's scalar field `Fr` and its G1, from
//! `halo2curves-axiom` (the curve crate `halo2-axiom` uses, so values and
//! points mix with the plonk backend's).
//!
//! Integers of the executor map to the field as `x ↦ x mod p` (a negative
//! `x` becomes `p − |x|`).

pub use halo2_axiom::halo2curves::bn256::{Fr, G1Affine, G1};
pub use halo2_axiom::halo2curves::ff::{Field, FromUniformBytes, PrimeField};
pub use halo2_axiom::halo2curves::group::{prime::PrimeCurveAffine, Curve, Group, GroupEncoding};

/// `x mod p` for a signed integer.
pub fn fr_from_i64(x: i64) -> Fr {
    if x < 0 {
        -Fr::from(x.unsigned_abs())
    } else {
        Fr::from(x as u64)
    }
}

/// The field elements of a slice of integers.
pub fn fr_vec(xs: &[i64]) -> Vec<Fr> {
    xs.iter().map(|&x| fr_from_i64(x)).collect()
}

/// `Σ bases[i]·scalars[i]` with halo2curves' best MSM (Pippenger, parallel).
/// The caller guarantees equal lengths (checked again here: an empty sum for
/// a mismatch would be a silent bug, so it is an [`crate::Error::Invalid`]).
pub fn msm(scalars: &[Fr], bases: &[G1Affine]) -> crate::Result<G1> {
    if scalars.len() != bases.len() {
        return Err(crate::Error::Invalid(format!(
            "MSM with {} scalars but {} bases",
            scalars.len(),
            bases.len()
        )));
    }
    if scalars.is_empty() {
        return Ok(G1::identity());
    }
    Ok(halo2_axiom::halo2curves::msm::msm_best(scalars, bases))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_integers_are_p_minus_abs() {
        assert_eq!(fr_from_i64(-5) + Fr::from(5), Fr::ZERO);
        assert_eq!(fr_from_i64(i64::MIN) + Fr::from(1u64 << 63), Fr::ZERO);
        assert_eq!(fr_from_i64(7), Fr::from(7));
    }

    #[test]
    fn msm_matches_naive_and_rejects_length_mismatch() {
        let g = G1Affine::generator();
        let bases = vec![g, (g * Fr::from(3)).to_affine()];
        let s = vec![Fr::from(2), Fr::from(5)];
        assert_eq!(msm(&s, &bases).unwrap(), G1::generator() * Fr::from(17));
        assert!(msm(&s[..1], &bases).is_err());
    }
}
