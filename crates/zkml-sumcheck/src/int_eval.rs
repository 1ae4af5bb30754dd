//! The verifier's evaluations of tables of small integers (fixed weights)
//! at a point, without turning each integer into a field element.
//!
//! A fixed weight tensor is public (the key holds it), so the verifier
//! evaluates its multilinear extension itself: `w̃(r) = Σ_x w(x)·eq(r, x)`,
//! one product per weight (3.5 M for MobileNetV2). A Montgomery product
//! costs about ten times a machine multiplication, and converting the
//! integer costs another: here each `eq(r, x)` is taken once as its
//! canonical limbs `e = Σ_k e_k·2^{64k}` and the integers are summed as
//! `Σ_x (w(x) + 2^31)·e_k(x)` in four 128-bit accumulators (one per limb,
//! four machine products per weight, no reduction), reduced once per row:
//!
//! ```text
//! Σ_x w(x)·e(x) = Σ_k 2^{64k}·acc_k − 2^31·Σ_x e(x)   (mod p)
//! ```
//!
//! **Bounds.** `0 ≤ w + 2^31 < 2^32` for `|w| ≤ 2^31` and `e_k < 2^64`, so a
//! product is below `2^96` and a row of fewer than `2^32` entries cannot
//! overflow an accumulator. Larger integers (never a quantized weight) take
//! the field path ([`dot_i64`] checks).

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::field::{fr_from_i64, Fr, PrimeField};
use crate::mle::{eq_table, log2_ceil};

/// The offset that makes every integer of [`dot_i64`] non-negative.
const OFFSET: i64 = 1 << 31;

/// Field elements as canonical little-endian limbs, with their sum (the
/// weights of [`dot_i64`]).
#[derive(Clone, Debug)]
pub struct Weights {
    limbs: Vec<[u64; 4]>,
    field: Vec<Fr>,
}

impl Weights {
    /// The limbs of `ws`.
    pub fn new(ws: Vec<Fr>) -> Self {
        let limbs = ws
            .iter()
            .map(|w| {
                let r = w.to_repr();
                let b = r.as_ref();
                std::array::from_fn(|k| {
                    u64::from_le_bytes(b[8 * k..8 * k + 8].try_into().expect("8 bytes"))
                })
            })
            .collect();
        Self { limbs, field: ws }
    }

    /// Number of weights.
    pub fn len(&self) -> usize {
        self.field.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.field.is_empty()
    }
}

/// `v` as a field element in one Montgomery product (`ff`'s default
/// `from_u128` doubles 64 times).
fn fr_u128(v: u128) -> Fr {
    Fr::from_raw([v as u64, (v >> 64) as u64, 0, 0])
}

/// `2^{64k}` for `k = 1, 2, 3`.
fn limb_bases() -> [Fr; 3] {
    let b = Fr::from_u128(1u128 << 64);
    [b, b * b, b * b * b]
}

/// `Σ_i ints[i]·w[start + i]` in the field (see the [module doc](self));
/// `ints` must fit `w` from `start`.
pub fn dot_i64(ints: &[i64], w: &Weights, start: usize) -> Result<Fr> {
    let end = start
        .checked_add(ints.len())
        .filter(|&e| e <= w.len())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "{} integers from {start} exceed {} weights",
                ints.len(),
                w.len()
            ))
        })?;
    if ints.iter().any(|&v| !(-OFFSET..OFFSET).contains(&v)) || ints.len() >= 1 << 32 {
        return Ok(ints
            .iter()
            .zip(&w.field[start..end])
            .map(|(&v, e)| fr_from_i64(v) * e)
            .sum());
    }
    let mut acc = [0u128; 4];
    for (&v, e) in ints.iter().zip(&w.limbs[start..end]) {
        let u = (v + OFFSET) as u128;
        acc[0] += u * e[0] as u128;
        acc[1] += u * e[1] as u128;
        acc[2] += u * e[2] as u128;
        acc[3] += u * e[3] as u128;
    }
    let b = limb_bases();
    let sum_e: Fr = w.field[start..end].iter().sum();
    Ok(
        fr_u128(acc[0]) + fr_u128(acc[1]) * b[0] + fr_u128(acc[2]) * b[1] + fr_u128(acc[3]) * b[2]
            - Fr::from(OFFSET as u64) * sum_e,
    )
}

/// A `rows × cols` row-major matrix of integers as the table
/// [`crate::mle::Mle::from_matrix`] pads it to (`2^a × 2^b`, index
/// `row·2^b + col`), evaluated without forming it.
#[derive(Clone, Copy, Debug)]
pub struct IntMatrix<'a> {
    values: &'a [i64],
    rows: usize,
    cols: usize,
}

impl<'a> IntMatrix<'a> {
    /// The matrix; `values` must hold `rows·cols` integers.
    pub fn new(values: &'a [i64], (rows, cols): (usize, usize)) -> Result<Self> {
        if values.len() != rows * cols {
            return Err(Error::Invalid(format!(
                "matrix {rows}×{cols} needs {} values, got {}",
                rows * cols,
                values.len()
            )));
        }
        Ok(Self { values, rows, cols })
    }

    /// Variables of the padded table.
    pub fn num_vars(&self) -> usize {
        log2_ceil(self.rows) + log2_ceil(self.cols)
    }

    /// The padded table's multilinear extension at `point` (column
    /// variables first, the crate's bit order): `Σ_i eq(r_r, i)·Σ_j
    /// M[i, j]·eq(r_c, j)`, the rows on rayon's threads.
    pub fn evaluate(&self, point: &[Fr]) -> Result<Fr> {
        if point.len() != self.num_vars() {
            return Err(Error::Invalid(format!(
                "evaluating a {}-variable table at a {}-coordinate point",
                self.num_vars(),
                point.len()
            )));
        }
        let (rc, rr) = point.split_at(log2_ceil(self.cols));
        let ec = Weights::new(eq_table(rc));
        let er = eq_table(rr);
        let c = self.cols;
        (0..self.rows)
            .into_par_iter()
            .map(|i| Ok(er[i] * dot_i64(&self.values[i * c..(i + 1) * c], &ec, 0)?))
            .sum()
    }
}

/// A table the verifier evaluates itself: a field table or a matrix of
/// integers.
pub trait PublicTable: Sync {
    /// The multilinear extension at `point`.
    fn evaluate_at(&self, point: &[Fr]) -> Result<Fr>;
}

impl PublicTable for crate::mle::Mle {
    fn evaluate_at(&self, point: &[Fr]) -> Result<Fr> {
        self.evaluate(point)
    }
}

impl PublicTable for IntMatrix<'_> {
    fn evaluate_at(&self, point: &[Fr]) -> Result<Fr> {
        self.evaluate(point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use crate::mle::Mle;
    use rand_chacha03::rand_core::{RngCore, SeedableRng};
    use rand_chacha03::ChaCha20Rng;

    fn point(n: usize, seed: u64) -> Vec<Fr> {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        (0..n).map(|_| Fr::random(&mut rng)).collect()
    }

    /// The lazy sums equal the field's, at the offset's edges and past them
    /// (the field path).
    #[test]
    fn dot_matches_the_field() {
        let ws = Weights::new(point(7, 1));
        for ints in [
            vec![0, 1, -1, 5, -7, 100, -100],
            vec![OFFSET - 1, -OFFSET, OFFSET - 1, -OFFSET, 0, 1, -1],
            vec![OFFSET, -OFFSET - 1, i64::MAX, i64::MIN + 1, 3, 2, 1],
        ] {
            let want: Fr = ints
                .iter()
                .zip(&ws.field)
                .map(|(&v, e)| fr_from_i64(v) * e)
                .sum();
            assert_eq!(dot_i64(&ints, &ws, 0).unwrap(), want);
        }
        assert_eq!(
            dot_i64(&[1, 2], &ws, 2).unwrap(),
            ws.field[2] + ws.field[3] * Fr::from(2)
        );
        assert!(dot_i64(&[1, 2], &ws, 6).is_err());
    }

    /// An integer matrix evaluates as its padded field table does.
    #[test]
    fn matrix_matches_the_padded_table() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        for (rows, cols) in [(1, 1), (3, 5), (4, 4), (7, 1), (1, 9), (10, 13)] {
            let vals: Vec<i64> = (0..rows * cols)
                .map(|_| (rng.next_u64() % 20_001) as i64 - 10_000)
                .collect();
            let m = IntMatrix::new(&vals, (rows, cols)).unwrap();
            let fr: Vec<Fr> = vals.iter().map(|&v| fr_from_i64(v)).collect();
            let t = Mle::from_matrix(&fr, rows, cols).unwrap();
            let p = point(t.num_vars, rows as u64 * 31 + cols as u64);
            assert_eq!(m.evaluate(&p).unwrap(), t.evaluate(&p).unwrap());
            if let Some((_, short)) = p.split_first() {
                assert!(m.evaluate(short).is_err());
            }
        }
        assert!(IntMatrix::new(&[1, 2, 3], (2, 2)).is_err());
    }
}
