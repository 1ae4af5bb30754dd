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
    // halo2curves' MSMs take affine coordinates of every base and panic on
    // the identity (which has none); it adds nothing, so it is dropped. A
    // proof may hold the identity (a zero row commitment, a forger's point).
    let owned: (Vec<Fr>, Vec<G1Affine>);
    let (scalars, bases) = if bases.iter().any(|b| bool::from(b.is_identity())) {
        owned = scalars
            .iter()
            .zip(bases)
            .filter(|(_, b)| !bool::from(b.is_identity()))
            .map(|(s, b)| (*s, *b))
            .unzip();
        (&owned.0[..], &owned.1[..])
    } else {
        (scalars, bases)
    };
    if scalars.len() < 128 {
        // Small MSMs (round messages, Lagrange combinations) on the calling
        // thread: a rayon hand-off costs more than the work.
        let mut acc = G1::identity();
        halo2_axiom::halo2curves::msm::msm_serial(scalars, bases, &mut acc);
        return Ok(acc);
    }
    Ok(halo2_axiom::halo2curves::msm::msm_best(scalars, bases))
}

/// `Σ bases[i]·scalars[i]` for scalars that are mostly small signed
/// integers (quantized activations, remainders, multiplicities): each scalar
/// `v` goes to one of three MSMs by its size: `v < 2^64` (a small positive
/// integer), `−v < 2^64` (a small negative one, summed as `|v|` and
/// subtracted) or full width. halo2curves' MSM sizes its windows by the
/// largest scalar in a call, so the two small-integer sums run over a few
/// bytes instead of 32 (a negative integer `p − |v|` is a full-width scalar;
/// committing it as such was most of the cost). Zeros are skipped. Same value
/// as [`msm`] on every input.
pub fn msm_signed(scalars: &[Fr], bases: &[G1Affine]) -> crate::Result<G1> {
    if scalars.len() != bases.len() {
        return Err(crate::Error::Invalid(format!(
            "MSM with {} scalars but {} bases",
            scalars.len(),
            bases.len()
        )));
    }
    let small = |v: &Fr| -> Option<u64> {
        let r = v.to_repr();
        let b = r.as_ref();
        b[8..]
            .iter()
            .all(|&x| x == 0)
            .then(|| u64::from_le_bytes(b[..8].try_into().expect("8 bytes")))
    };
    let (mut pos, mut neg, mut big) = (
        (Vec::new(), Vec::new()),
        (Vec::new(), Vec::new()),
        (Vec::new(), Vec::new()),
    );
    for (s, g) in scalars.iter().zip(bases) {
        if bool::from(s.is_zero()) {
            continue;
        }
        let part = match small(s) {
            Some(_) => &mut pos,
            None => match small(&-*s) {
                Some(_) => {
                    neg.0.push(-*s);
                    neg.1.push(*g);
                    continue;
                }
                None => &mut big,
            },
        };
        part.0.push(*s);
        part.1.push(*g);
    }
    Ok(msm(&pos.0, &pos.1)? - msm(&neg.0, &neg.1)? + msm(&big.0, &big.1)?)
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

    /// The identity among the bases (a zero row's commitment, a forger's
    /// point) adds nothing and never panics, on both MSM paths.
    #[test]
    fn msm_with_identity_bases_skips_them_on_both_paths() {
        let g = G1::generator();
        for n in [5u64, 300] {
            let mut bases: Vec<G1Affine> = (1..=n).map(|k| (g * Fr::from(k)).to_affine()).collect();
            let scalars: Vec<Fr> = (0..n).map(|i| Fr::from(i * 7 + 1)).collect();
            let full = msm(&scalars, &bases).unwrap();
            let hole = G1::generator() * (Fr::from(3) * Fr::from(2 * 7 + 1));
            bases[2] = G1Affine::identity();
            assert_eq!(msm(&scalars, &bases).unwrap(), full - hole, "{n} bases");
            assert_eq!(msm_signed(&scalars, &bases).unwrap(), full - hole);
            let zeros = vec![G1Affine::identity(); n as usize];
            assert_eq!(msm(&scalars, &zeros).unwrap(), G1::identity());
        }
    }

    #[test]
    fn signed_msm_matches_msm_on_small_negative_zero_and_wide_scalars() {
        use rand_chacha03::rand_core::SeedableRng;
        let mut rng = rand_chacha03::ChaCha20Rng::seed_from_u64(9);
        let g = G1::generator();
        let bases: Vec<G1Affine> = (1..=40u64).map(|k| (g * Fr::from(k)).to_affine()).collect();
        let scalars: Vec<Fr> = (0..40i64)
            .map(|i| match i % 5 {
                0 => Fr::ZERO,
                1 => fr_from_i64(-(i * 1000)),
                2 => fr_from_i64(i * 77),
                3 => Fr::random(&mut rng),
                _ => fr_from_i64(i64::MIN + i),
            })
            .collect();
        assert_eq!(
            msm_signed(&scalars, &bases).unwrap(),
            msm(&scalars, &bases).unwrap()
        );
        assert!(msm_signed(&scalars[..3], &bases).is_err());
    }
}
