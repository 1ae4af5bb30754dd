//! Univariate polynomials given by their values at `0, 1, …, d` (how sumcheck
//! round messages travel), and Lagrange interpolation at a point.

use crate::field::{Field, Fr};

/// `g(x)` for the unique `g` of degree ≤ `d` with `g(i) = evals[i]`, `i = 0..=d`.
///
/// `g(x) = Σ_i evals[i]·Π_{j≠i} (x − j)/(i − j)`; the denominators are small
/// integers, inverted once each. Returns zero for an empty slice.
pub fn interpolate_at(evals: &[Fr], x: Fr) -> Fr {
    let n = evals.len();
    // If x is a node, return the value directly (the formula would divide by zero nowhere,
    // but this is cheaper and exact).
    for (i, e) in evals.iter().enumerate() {
        if x == Fr::from(i as u64) {
            return *e;
        }
    }
    let mut acc = Fr::ZERO;
    for (i, e) in evals.iter().enumerate() {
        let mut num = Fr::ONE;
        let mut den = Fr::ONE;
        for j in 0..n {
            if j != i {
                num *= x - Fr::from(j as u64);
                den *= Fr::from(i as u64) - Fr::from(j as u64);
            }
        }
        // den ≠ 0: the nodes are distinct small integers.
        acc += *e * num * den.invert().unwrap_or(Fr::ZERO);
    }
    acc
}

/// The Lagrange basis at nodes `0..n` evaluated at `x`: `g(x) = Σ_i L_i(x)·g(i)`
/// for every `g` of degree `< n`. Linear in the values, so it also maps
/// commitments to values to a commitment to `g(x)`.
pub fn lagrange_coeffs(n: usize, x: Fr) -> Vec<Fr> {
    (0..n)
        .map(|i| {
            let mut e = vec![Fr::ZERO; n];
            e[i] = Fr::ONE;
            interpolate_at(&e, x)
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
}
