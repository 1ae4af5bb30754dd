//! Conv as one degree-2 sumcheck over the input, against the kernel's
//! transpose applied to `eq(ρ, ·)`.
//!
//! **Relation.** For [`zkml_core::ops::conv::Conv`] (NCHW; groups, strides,
//! pads and dilations as that type defines them) the accumulator is linear in
//! the input `x` with weights `w` and bias `b` known to the verifier:
//!
//! ```text
//! acc(o) = b[m(o)] + Σ_{(a, k) ∈ taps(o)} x(a)·w(k)      (o: output index, m(o): its channel)
//! ```
//!
//! `taps(o)` is the sparse, public index map of the im2col view
//! ([`zkml_core::ops::conv::Conv::for_each_output`]: padding taps skipped).
//! For a claim at a point `ρ` over the output's table,
//!
//! ```text
//! Σ_o eq(ρ, o)·(acc(o) − b[m(o)]) = Σ_a x(a)·G_ρ(a),   G_ρ(a) = Σ_o Σ_{(a, k) ∈ taps(o)} eq(ρ, o)·w(k)
//! ```
//!
//! so the im2col matrix never exists: `G_ρ` (the transposed convolution of
//! `eq(ρ, ·)` by `w`) is a public function of `ρ` and the model that both
//! ends compute in `O(outputs · taps)` ([`dual`]), and one product sumcheck
//! `Σ_a x̃(a)·G̃_ρ(a)` over the input's variables (degree 2) reduces the
//! claim to one evaluation of `x̃` at the sumcheck's point, which the caller
//! discharges like any other claim (a Hyrax opening, or the verifier's own
//! evaluation for a known input). The verifier evaluates `G̃_ρ` at that point
//! itself; it never takes `G` from the proof. This is the direct route
//! (MSCProof's reshape-then-link, [SUMCHECK.md §1(b)]) with the link folded
//! into the product sumcheck: because the weights are known, the matmul
//! against the im2col view and the linking sumcheck collapse into one.
//! Soundness: the sumcheck's (`n·2/p`) plus the random point `ρ` (a wrong
//! output table agrees with the true one at `ρ` with probability
//! `≤ n_out/p`).
//!
//! Index layout: tensors are laid out as in [`crate::model`] (`rows × cols`,
//! cols = the last dimension, each padded to a power of two); padding entries
//! of `x` are never a tap, so `G_ρ` is zero there.
//!
//! Hidden (committed) weights would make `G_ρ` a function of secrets and need
//! the two-sumcheck route; they are refused at setup.

use crate::field::{fr_from_i64, Fr};
use crate::mle::{eq_table, log2_ceil};
use crate::model::layout;
use zkml_core::ops::conv::Conv;

/// Table index (see [`crate::model::layout`]) of the row-major entry `flat`
/// of a tensor of `shape`.
pub fn table_index(shape: &[usize], flat: usize) -> usize {
    let (_, c) = layout(shape);
    let cp = 1usize << log2_ceil(c);
    (flat / c) * cp + flat % c
}

/// `(G_ρ, Σ_o eq(ρ, o)·(b[m(o)] + half))` for a conv with input shape
/// `x_shape`, weights `w` (`w_shape`, row-major), optional bias, output shape
/// `out_shape` and claim point `rho` over the output's table; `G_ρ` is over
/// the input's padded table (`2^nv_x` entries). `half` is the rescale's
/// rounding constant `2^{s−1}` (0 when `s = 0`).
#[allow(clippy::too_many_arguments)]
pub fn dual(
    conv: &Conv,
    x_shape: &[usize],
    nv_x: usize,
    w: &[i64],
    w_shape: &[usize],
    bias: Option<&[i64]>,
    half: i64,
    out_shape: &[usize],
    rho: &[Fr],
) -> (Vec<Fr>, Fr) {
    let eq = eq_table(rho);
    let wf: Vec<Fr> = w.iter().map(|&v| fr_from_i64(v)).collect();
    let mut g = vec![Fr::from(0); 1 << nv_x];
    let mut offset = Fr::from(0);
    let mut k = 0usize;
    conv.for_each_output(x_shape, w_shape, |oc, taps| {
        let e = eq[table_index(out_shape, k)];
        k += 1;
        let b = bias.map(|b| b[oc]).unwrap_or(0) + half;
        if b != 0 {
            offset += e * fr_from_i64(b);
        }
        for &(xi, wi) in taps {
            g[table_index(x_shape, xi)] += e * wf[wi];
        }
    });
    (g, offset)
}

/// `H_ρ(i) = Σ_{j : π(j) = i} eq(ρ, j)` for a gather from `in_shape` (the
/// input's table layout, `2^nv_in` entries) to `out_shape`: row-major entry
/// `f` of the output is row-major entry `index(f)` of the input (`f` for a
/// reshape), so `õ(ρ) = Σ_i ã(i)·H_ρ(i)` (one product sumcheck, as for a
/// conv; exact on padding: the identity holds over the whole output table).
pub fn gather_dual(
    in_shape: &[usize],
    nv_in: usize,
    out_shape: &[usize],
    index: impl Fn(usize) -> usize,
    rho: &[Fr],
) -> Vec<Fr> {
    let eq = eq_table(rho);
    let mut h = vec![Fr::from(0); 1 << nv_in];
    let n: usize = out_shape.iter().product();
    for f in 0..n {
        h[table_index(in_shape, index(f))] += eq[table_index(out_shape, f)];
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::table_of;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn dual_pairs_with_the_input_to_the_output_evaluation() {
        // Strides, pads, dilations, groups and a bias: ⟨x, G_ρ⟩ + offset = ãcc(ρ).
        let conv = Conv {
            kernel: [3, 2],
            strides: [2, 1],
            pads: [1, 0, 2, 1],
            dilations: [1, 2],
            group: 2,
        };
        let xs = [1usize, 4, 5, 6];
        let ws = [6usize, 2, 3, 2];
        let x: Vec<i64> = (0..xs.iter().product::<usize>() as i64)
            .map(|i| (i * 37 % 19) - 9)
            .collect();
        let w: Vec<i64> = (0..ws.iter().product::<usize>() as i64)
            .map(|i| (i * 13 % 11) - 5)
            .collect();
        let b: Vec<i64> = vec![3, -2, 7, 0, 1, -9];
        let xa = ArrayD::from_shape_vec(IxDyn(&xs), x.clone()).unwrap();
        let wa = ArrayD::from_shape_vec(IxDyn(&ws), w.clone()).unwrap();
        let ba = ArrayD::from_shape_vec(IxDyn(&[6]), b.clone()).unwrap();
        let acc = conv.accumulate(&xa, &wa, Some(&ba));
        let os = acc.shape().to_vec();
        let acc_t = table_of(&os, &acc.iter().copied().collect::<Vec<_>>()).unwrap();
        let x_t = table_of(&xs, &x).unwrap();
        let rho: Vec<Fr> = (0..acc_t.num_vars)
            .map(|i| Fr::from(7 + 3 * i as u64))
            .collect();
        let (g, off) = dual(&conv, &xs, x_t.num_vars, &w, &ws, Some(&b), 0, &os, &rho);
        let lhs: Fr = x_t.evals.iter().zip(&g).map(|(a, b)| *a * b).sum::<Fr>() + off;
        assert_eq!(lhs, acc_t.evaluate(&rho).unwrap());
    }
}

#[cfg(test)]
mod mobile_tests;
#[cfg(test)]
pub(crate) mod model_tests;
