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
//! `eq(ρ, ·)` by `w`) is a public function of `ρ` and the model, which the
//! prover tables in `O(outputs · taps)` ([`dual`]), and one product sumcheck
//! `Σ_a x̃(a)·G̃_ρ(a)` over the input's variables (degree 2) reduces the
//! claim to one evaluation of `x̃` at the sumcheck's point `r`, which the
//! caller discharges like any other claim (a Hyrax opening, or the
//! verifier's own evaluation for a known input), and the value `G̃_ρ(r)`.
//! The verifier does not build `G_ρ`: the prover sends `G̃_ρ(r)` (committed
//! in the zero-knowledge backend) and proves it with a second sumcheck
//! `G̃_ρ(r) = Σ_k w(k)·T_{ρ,r}(k)` over the weights in a per-dimension layout
//! ([`weights`]), whose final check needs `T̃(κ)` (a factored formula in
//! `O(oW·k_W + N·(M·oH + C·H + g·oH·k_H))`) and one claim `w̃(κ)` on the
//! weights (`O(|w|)` for known weights). This is the direct route
//! (MSCProof's reshape-then-link, [SUMCHECK.md §1(b)]) with the link folded
//! into the product sumcheck. Soundness: the two sumchecks' (`2·(n_x + n_w)/p`)
//! plus the random point `ρ` (a wrong output table agrees with the true one
//! at `ρ` with probability `≤ n_out/p`).
//!
//! Index layout: tensors are laid out as in [`crate::model`] (`rows × cols`,
//! cols = the last dimension, each padded to a power of two); padding entries
//! of `x` are never a tap, so `G_ρ` is zero there.
//!
//! Hidden (committed) weights would leave the weight claim `w̃(κ)` to an
//! opening ([`weights::verify`] returns it); they are refused at setup today.

pub mod weights;

use crate::field::{fr_from_i64, Field, Fr};
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
///
/// **Cost.** The table index of an output `(b, m, i, j)` is
/// `row·2^{n_c} + j` with `row = (b·M + m)·oH + i`, so
/// `eq(ρ, o) = eq_r(row)·eq_c(j)`, and a tap's input column depends only on
/// `j` and the kernel column `v`: with
/// `C_v(x) = Σ_j eq_c(j)·[x = j·s_W + v·d_W − p_left]` and
/// `A_v(b, c, y) = Σ_{m, u, i : y = i·s_H + u·d_H − p_top} eq_r(row)·w(m, c, u, v)`,
/// `G_ρ(b, c, y, x) = Σ_v A_v(b, c, y)·C_v(x)`. Building `A` costs
/// `N·M·(C/g)·oH·k_H·k_W` products and `G` costs `N·C·H·W·k_W`, instead of
/// one product per multiply-add of the convolution (`N·M·(C/g)·oH·oW·k_H·k_W`):
/// a 1×1 convolution at 112×112 costs `oW` = 112 times less.
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
    let (n, cin, h, wd) = (x_shape[0], x_shape[1], x_shape[2], x_shape[3]);
    let (m, cg, kh, kw) = (w_shape[0], w_shape[1], w_shape[2], w_shape[3]);
    let (oh, ow) = (out_shape[2], out_shape[3]);
    let mg = m / conv.group;
    let nc = log2_ceil(ow);
    let eq_c = eq_table(&rho[..nc]);
    let eq_r = eq_table(&rho[nc..]);
    let pos = |base: usize, step: usize, k: usize, d: usize, pad: usize| -> Option<usize> {
        (base * step + k * d).checked_sub(pad)
    };
    // C_v(x) for every kernel column v (padding taps, x outside [0, W), dropped).
    let c_v: Vec<Vec<Fr>> = (0..kw)
        .map(|v| {
            let mut c = vec![Fr::from(0); wd];
            for (j, e) in eq_c.iter().enumerate().take(ow) {
                if let Some(x) = pos(j, conv.strides[1], v, conv.dilations[1], conv.pads[1]) {
                    if x < wd {
                        c[x] += e;
                    }
                }
            }
            c
        })
        .collect();
    // A_v(b, c, y), indexed [((b·C + c)·H + y)·kW + v].
    let wf: Vec<Fr> = w.iter().map(|&v| fr_from_i64(v)).collect();
    let mut a = vec![Fr::from(0); n * cin * h * kw];
    let sum_c: Fr = eq_c.iter().take(ow).copied().sum();
    let mut offset = Fr::from(0);
    for b in 0..n {
        for oc in 0..m {
            let g = oc / mg;
            let bias_oc = bias.map(|bv| bv[oc]).unwrap_or(0) + half;
            for i in 0..oh {
                let e = eq_r[(b * m + oc) * oh + i];
                if bias_oc != 0 {
                    offset += e * sum_c * fr_from_i64(bias_oc);
                }
                for u in 0..kh {
                    let Some(y) = pos(i, conv.strides[0], u, conv.dilations[0], conv.pads[0])
                    else {
                        continue;
                    };
                    if y >= h {
                        continue;
                    }
                    for c in 0..cg {
                        let ic = g * cg + c;
                        let base = ((b * cin + ic) * h + y) * kw;
                        let wbase = ((oc * cg + c) * kh + u) * kw;
                        for v in 0..kw {
                            a[base + v] += e * wf[wbase + v];
                        }
                    }
                }
            }
        }
    }
    let wp = 1usize << log2_ceil(wd);
    let mut g = vec![Fr::from(0); 1 << nv_x];
    for row in 0..n * cin * h {
        let av = &a[row * kw..(row + 1) * kw];
        let out = &mut g[row * wp..row * wp + wd];
        for (v, cv) in c_v.iter().enumerate() {
            if bool::from(av[v].is_zero()) {
                continue;
            }
            for (gx, cx) in out.iter_mut().zip(cv) {
                *gx += av[v] * cx;
            }
        }
    }
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
    use crate::test_utils::geom;
    use ndarray::{ArrayD, IxDyn};

    #[test]
    fn dual_pairs_with_the_input_to_the_output_evaluation() {
        // Strides, pads, dilations, groups and a bias: ⟨x, G_ρ⟩ + offset = ãcc(ρ).
        let conv = geom([3, 2], [2, 1], [1, 0, 2, 1], [1, 2], 2);
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

    /// `dual` by its definition: one product per tap of every output.
    #[allow(clippy::too_many_arguments)]
    fn dual_direct(
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
        let mut g = vec![Fr::from(0); 1 << nv_x];
        let mut offset = Fr::from(0);
        let mut k = 0usize;
        conv.for_each_output(x_shape, w_shape, |oc, taps| {
            let e = eq[table_index(out_shape, k)];
            k += 1;
            offset += e * fr_from_i64(bias.map(|b| b[oc]).unwrap_or(0) + half);
            for &(xi, wi) in taps {
                g[table_index(x_shape, xi)] += e * fr_from_i64(w[wi]);
            }
        });
        (g, offset)
    }

    #[test]
    fn the_factored_dual_is_the_direct_one() {
        let cases = crate::test_utils::odd_conv_layouts();
        for (t, (conv, xs, ws)) in cases.iter().enumerate() {
            let os = conv.output_shape(xs, ws, None).unwrap();
            let w: Vec<i64> = (0..ws.iter().product::<usize>() as i64)
                .map(|i| (i * 13 % 11) - 5)
                .collect();
            let b: Vec<i64> = (0..ws[0] as i64).map(|i| 3 * i - 4).collect();
            let nv_x = crate::model::num_vars(xs);
            let nv_o = crate::model::num_vars(&os);
            let rho: Vec<Fr> = (0..nv_o).map(|i| Fr::from(5 + 7 * i as u64)).collect();
            for (bias, half) in [(None, 0), (Some(&b[..]), 8)] {
                let fast = dual(conv, xs, nv_x, &w, ws, bias, half, &os, &rho);
                let slow = dual_direct(conv, xs, nv_x, &w, ws, bias, half, &os, &rho);
                assert_eq!(fast, slow, "case {t}");
            }
        }
    }
}

#[cfg(test)]
mod mobile_tests;
#[cfg(test)]
pub(crate) mod model_tests;
