//! Univariate polynomials given by their values at `0, 1, …, d` (how sumcheck
//! round messages travel), and Lagrange interpolation at a point.

use crate::field::{Field, Fr};
use halo2_axiom::halo2curves::ff::BatchInvert;

/// `g(x)` for the unique `g` of degree ≤ `d` with `g(i) = evals[i]`, `i = 0..=d`:
/// `Σ_i evals[i]·L_i(x)` ([`lagrange_coeffs`]). Returns zero for an empty slice.
pub fn interpolate_at(evals: &[Fr], x: Fr) -> Fr {
    lagrange_coeffs(evals.len(), x)
        .iter()
        .zip(evals)
        .map(|(l, e)| *l * e)
        .sum()
}

/// The Lagrange basis at nodes `0..n` evaluated at `x`: `g(x) = Σ_i L_i(x)·g(i)`
/// for every `g` of degree `< n`. Linear in the values, so it also maps
/// commitments to values to a commitment to `g(x)`.
///
/// `L_i(x) = Π_{j≠i} (x − j) / Π_{j≠i} (i − j)`: the numerators from prefix
/// and suffix products of `x − j`, the denominators
/// `(−1)^{n−1−i}·i!·(n−1−i)!` inverted together (one field inversion per
/// call; at a node `x = i` the basis is the unit vector `e_i`).
pub fn lagrange_coeffs(n: usize, x: Fr) -> Vec<Fr> {
    if let Some(i) = (0..n).find(|&i| x == Fr::from(i as u64)) {
        let mut e = vec![Fr::ZERO; n];
        e[i] = Fr::ONE;
        return e;
    }
    let d: Vec<Fr> = (0..n).map(|j| x - Fr::from(j as u64)).collect();
    let mut suffix = vec![Fr::ONE; n + 1];
    for j in (0..n).rev() {
        suffix[j] = suffix[j + 1] * d[j];
    }
    let mut fact = vec![Fr::ONE; n.max(1)];
    for k in 1..n {
        fact[k] = fact[k - 1] * Fr::from(k as u64);
    }
    let mut den: Vec<Fr> = (0..n)
        .map(|i| {
            let w = fact[i] * fact[n - 1 - i];
            if (n - 1 - i) % 2 == 1 {
                -w
            } else {
                w
            }
        })
        .collect();
    den.iter_mut().batch_invert();
    let mut prefix = Fr::ONE;
    (0..n)
        .map(|i| {
            let l = prefix * suffix[i + 1] * den[i];
            prefix *= d[i];
            l
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_a_cubic() {
        let g = |x: Fr| x * x * x * Fr::from(3) - x * Fr::from(7) + Fr::from(2);
        let evals: Vec<Fr> = (0..4u64).map(|i| g(Fr::from(i))).collect();
        for x in [5u64, 11, 1 << 40] {
            assert_eq!(interpolate_at(&evals, Fr::from(x)), g(Fr::from(x)));
        }
        assert_eq!(interpolate_at(&evals, Fr::from(2)), evals[2]);
        let x = Fr::from(77);
        let l = lagrange_coeffs(4, x);
        let via: Fr = l.iter().zip(&evals).map(|(a, b)| *a * b).sum();
        assert_eq!(via, g(x));
    }

    #[test]
    fn lagrange_basis_matches_the_product_formula() {
        // Reference: Π_{j≠i} (x − j)/(i − j), one inversion per denominator.
        let naive = |n: usize, x: Fr| -> Vec<Fr> {
            (0..n)
                .map(|i| {
                    let (mut num, mut den) = (Fr::ONE, Fr::ONE);
                    for j in (0..n).filter(|&j| j != i) {
                        num *= x - Fr::from(j as u64);
                        den *= Fr::from(i as u64) - Fr::from(j as u64);
                    }
                    num * den.invert().unwrap()
                })
                .collect()
        };
        for n in 1..7 {
            for x in [0u64, 1, 3, 6, 9, 12345, u64::MAX] {
                assert_eq!(
                    lagrange_coeffs(n, Fr::from(x)),
                    naive(n, Fr::from(x)),
                    "n={n} x={x}"
                );
            }
            let x = -Fr::from(5);
            assert_eq!(lagrange_coeffs(n, x), naive(n, x));
        }
        assert!(lagrange_coeffs(0, Fr::from(3)).is_empty());
        assert_eq!(interpolate_at(&[], Fr::from(3)), Fr::ZERO);
    }
}
