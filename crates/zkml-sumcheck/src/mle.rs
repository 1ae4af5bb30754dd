//! Multilinear polynomials by their evaluation tables.
//!
//! **Bit order** (stated once, used everywhere in this crate): variable `k` is
//! bit `k` of the table index, least significant first. So
//! `f(x_0, …, x_{n−1}) = evals[Σ_k x_k·2^k]` on the hypercube, and the unique
//! multilinear extension is
//!
//! ```text
//! f̃(r) = Σ_{x ∈ {0,1}^n} eq(r, x)·f(x),   eq(r, x) = Π_k (r_k·x_k + (1 − r_k)(1 − x_k)).
//! ```
//!
//! A row-major `rows × cols` matrix padded to `2^a × 2^b` has index
//! `row·2^b + col`: its first `b` variables are the column bits, the next `a`
//! the row bits, i.e. `M̃(c, r)` with points written column part first.
//!
//! Fixing the first variable to `r` halves the table:
//! `f'(x_1, …) = (1 − r)·f(0, x_1, …) + r·f(1, x_1, …)`, i.e.
//! `f'[i] = f[2i] + r·(f[2i+1] − f[2i])`.

use crate::error::{Error, Result};
use crate::field::{Field, Fr};

/// A multilinear polynomial in `num_vars` variables, as its `2^num_vars`
/// evaluations on the Boolean hypercube (bit order: see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mle {
    /// Number of variables.
    pub num_vars: usize,
    /// `evals[i] = f(bits of i)`, length `2^num_vars`.
    pub evals: Vec<Fr>,
}

/// The number of variables needed to index `n` entries: `⌈log2 n⌉` (0 for n ≤ 1).
pub fn log2_ceil(n: usize) -> usize {
    if n <= 1 {
        0
    } else {
        (usize::BITS - (n - 1).leading_zeros()) as usize
    }
}

impl Mle {
    /// The polynomial with table `evals`, whose length must be a power of two.
    pub fn new(evals: Vec<Fr>) -> Result<Self> {
        if evals.is_empty() || !evals.len().is_power_of_two() {
            return Err(Error::Invalid(format!(
                "a multilinear table needs a power-of-two length, got {}",
                evals.len()
            )));
        }
        Ok(Self {
            num_vars: evals.len().trailing_zeros() as usize,
            evals,
        })
    }

    /// `values` padded with zeros to `2^num_vars` entries.
    pub fn padded(mut values: Vec<Fr>, num_vars: usize) -> Result<Self> {
        let n = 1usize << num_vars;
        if values.len() > n {
            return Err(Error::Invalid(format!(
                "{} values do not fit {num_vars} variables",
                values.len()
            )));
        }
        values.resize(n, Fr::ZERO);
        Ok(Self {
            num_vars,
            evals: values,
        })
    }

    /// A row-major `rows × cols` matrix padded to `2^⌈log rows⌉ × 2^⌈log cols⌉`
    /// (column bits first, see the module doc).
    pub fn from_matrix(values: &[Fr], rows: usize, cols: usize) -> Result<Self> {
        if values.len() != rows * cols {
            return Err(Error::Invalid(format!(
                "matrix {rows}×{cols} needs {} values, got {}",
                rows * cols,
                values.len()
            )));
        }
        let (a, b) = (log2_ceil(rows), log2_ceil(cols));
        let mut evals = vec![Fr::ZERO; 1 << (a + b)];
        for r in 0..rows {
            evals[r << b..(r << b) + cols].copy_from_slice(&values[r * cols..(r + 1) * cols]);
        }
        Ok(Self {
            num_vars: a + b,
            evals,
        })
    }

    /// Fixes variable 0 to `r` in place (the table halves).
    ///
    /// # Panics
    /// If `num_vars == 0` (a constant has no variable to fix): a caller bug.
    pub fn fix_first_variable(&mut self, r: Fr) {
        assert!(self.num_vars > 0, "fix_first_variable on a constant");
        let half = self.evals.len() / 2;
        for i in 0..half {
            let (lo, hi) = (self.evals[2 * i], self.evals[2 * i + 1]);
            self.evals[i] = lo + r * (hi - lo);
        }
        self.evals.truncate(half);
        self.num_vars -= 1;
    }

    /// `f̃(point)`; `point` must have `num_vars` coordinates.
    pub fn evaluate(&self, point: &[Fr]) -> Result<Fr> {
        if point.len() != self.num_vars {
            return Err(Error::Invalid(format!(
                "evaluating a {}-variable polynomial at a {}-coordinate point",
                self.num_vars,
                point.len()
            )));
        }
        // Fix the variables one by one (`2^n` multiplications in all, half
        // of `Σ_x f(x)·eq(point, x)`); the first fold reads the table.
        let Some((&r0, rest)) = point.split_first() else {
            return Ok(self.evals[0]);
        };
        use rayon::prelude::*;
        // Large folds on rayon's threads (same values: each entry is the
        // same field expression).
        let fold = |t: &[Fr], r: Fr| -> Vec<Fr> {
            if t.len() >= PAR_LEN {
                t.par_chunks_exact(2)
                    .map(|p| p[0] + r * (p[1] - p[0]))
                    .collect()
            } else {
                t.chunks_exact(2)
                    .map(|p| p[0] + r * (p[1] - p[0]))
                    .collect()
            }
        };
        let mut cur = fold(&self.evals, r0);
        for &r in rest {
            if cur.len() >= PAR_LEN {
                cur = fold(&cur, r);
                continue;
            }
            let half = cur.len() / 2;
            for i in 0..half {
                let (lo, hi) = (cur[2 * i], cur[2 * i + 1]);
                cur[i] = lo + r * (hi - lo);
            }
            cur.truncate(half);
        }
        Ok(cur[0])
    }
}

/// `eq(point, x)` for every `x` of the hypercube, indexed as in the module doc.
pub fn eq_table(point: &[Fr]) -> Vec<Fr> {
    eq_table_scaled(point, Fr::ONE)
}

/// `m·eq(point, x)` for every `x` (as [`eq_table`], the scale folded into
/// its first entry: no multiplication per entry).
pub fn eq_table_scaled(point: &[Fr], m: Fr) -> Vec<Fr> {
    if (1usize << point.len()) < PAR_LEN {
        return eq_table_serial(point, m);
    }
    // `eq(p, h‖l) = eq(p_hi, h)·eq(p_lo, l)` (low variables the low index
    // bits): two half tables, then one product per entry on rayon's threads.
    // Same values as the serial table (each entry the same product).
    use rayon::prelude::*;
    let k = point.len() / 2;
    let lo = eq_table_serial(&point[..k], Fr::ONE);
    let hi = eq_table_serial(&point[k..], m);
    let mut t = vec![Fr::ZERO; 1 << point.len()];
    t.par_chunks_mut(1 << k).zip(&hi).for_each(|(c, h)| {
        for (o, l) in c.iter_mut().zip(&lo) {
            *o = *l * h;
        }
    });
    t
}

/// Tables at least this long are built or folded on rayon's threads.
const PAR_LEN: usize = 1 << 14;

fn eq_table_serial(point: &[Fr], m: Fr) -> Vec<Fr> {
    let mut t = Vec::with_capacity(1 << point.len());
    t.push(m);
    for &r in point {
        let n = t.len();
        t.extend_from_within(..);
        for i in 0..n {
            let hi = t[i] * r;
            t[i + n] = hi;
            t[i] -= hi;
        }
    }
    t
}

/// `eq(a, b) = Π_k (a_k·b_k + (1 − a_k)(1 − b_k))`; `None` if lengths differ.
pub fn eq_eval(a: &[Fr], b: &[Fr]) -> Option<Fr> {
    (a.len() == b.len()).then(|| {
        a.iter()
            .zip(b)
            .map(|(x, y)| *x * y + (Fr::ONE - x) * (Fr::ONE - y))
            .product()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha03::rand_core::SeedableRng;
    use rand_chacha03::ChaCha20Rng;

    fn rand_vec(rng: &mut ChaCha20Rng, n: usize) -> Vec<Fr> {
        (0..n).map(|_| Fr::random(&mut *rng)).collect()
    }

    #[test]
    fn evaluation_on_hypercube_is_the_table() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let f = Mle::new(rand_vec(&mut rng, 8)).unwrap();
        for i in 0..8usize {
            let p: Vec<Fr> = (0..3).map(|k| Fr::from(((i >> k) & 1) as u64)).collect();
            assert_eq!(f.evaluate(&p).unwrap(), f.evals[i]);
        }
    }

    #[test]
    fn folding_agrees_with_evaluation_and_eq_eval() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let f = Mle::new(rand_vec(&mut rng, 32)).unwrap();
        let r = rand_vec(&mut rng, 5);
        let mut g = f.clone();
        for &x in &r {
            g.fix_first_variable(x);
        }
        assert_eq!(g.evals.len(), 1);
        assert_eq!(g.evals[0], f.evaluate(&r).unwrap());
        // …and with the definition f̃(r) = Σ_x f(x)·eq(r, x).
        let direct: Fr = f.evals.iter().zip(eq_table(&r)).map(|(a, b)| *a * b).sum();
        assert_eq!(f.evaluate(&r).unwrap(), direct);
        let s = rand_vec(&mut rng, 5);
        let eq = Mle::new(eq_table(&r)).unwrap();
        assert_eq!(eq.evaluate(&s).unwrap(), eq_eval(&r, &s).unwrap());
        assert_eq!(eq.evals.iter().copied().sum::<Fr>(), Fr::ONE);
    }

    #[test]
    fn matrix_layout_and_bad_shapes() {
        let v: Vec<Fr> = (1..=6).map(Fr::from).collect();
        let m = Mle::from_matrix(&v, 2, 3).unwrap(); // 2×4 after padding
        assert_eq!(m.num_vars, 3);
        assert_eq!(m.evals[4], Fr::from(4)); // row 1, col 0
        assert_eq!(m.evals[3], Fr::ZERO); // padding
        assert!(Mle::from_matrix(&v, 2, 2).is_err());
        assert!(Mle::new(vec![Fr::ONE; 3]).is_err());
        assert!(m.evaluate(&[Fr::ONE]).is_err());
        assert_eq!(log2_ceil(1), 0);
        assert_eq!(log2_ceil(5), 3);
        assert_eq!(log2_ceil(8), 3);
    }
}

#[cfg(test)]
mod eq_scaled_tests {
    use super::*;

    #[test]
    fn scaled_eq_table_is_m_times_eq_table() {
        let point: Vec<Fr> = (3..7u64).map(Fr::from).collect();
        let m = Fr::from(11);
        let want: Vec<Fr> = eq_table(&point).iter().map(|e| m * e).collect();
        assert_eq!(eq_table_scaled(&point, m), want);
        assert_eq!(eq_table_scaled(&[], m), vec![m]);
    }

    /// The parallel table and fold (from `PAR_LEN` entries) give the serial
    /// values, at odd and even variable counts around the threshold.
    #[test]
    fn parallel_eq_tables_and_evaluations_equal_the_serial_ones() {
        let n0 = PAR_LEN.trailing_zeros() as usize;
        for n in [n0 - 1, n0, n0 + 1] {
            let point: Vec<Fr> = (0..n as u64).map(|i| Fr::from(3 + 7 * i)).collect();
            let m = Fr::from(5);
            let t = eq_table_scaled(&point, m);
            assert_eq!(t, eq_table_serial(&point, m), "{n} variables");
            let f = Mle::new((0..1u64 << n).map(|i| Fr::from(i * i + 1)).collect()).unwrap();
            let dot: Fr = f.evals.iter().zip(&t).map(|(a, b)| *a * b).sum();
            assert_eq!(f.evaluate(&point).unwrap() * m, dot, "{n} variables");
        }
    }
}
