//! The conv's second sumcheck: `G̃_ρ(r) = Σ_k w(k)·T_{ρ,r}(k)` over the
//! weight table, so the verifier never builds the dual table `G_ρ`.
//!
//! **Relation.** After the product sumcheck `Σ_a x̃(a)·G̃_ρ(a)` of
//! [`crate::conv`] ends at the point `r` over the input's table, its final
//! check needs `G̃_ρ(r)`. With `G_ρ(a) = Σ_o Σ_{(a, k) ∈ taps(o)} eq(ρ, o)·w(k)`,
//!
//! ```text
//! G̃_ρ(r) = Σ_a eq(r, a)·G_ρ(a) = Σ_k w(k)·T(k),
//! T(k) = Σ_o Σ_{a : (a, k) ∈ taps(o)} eq(ρ, o)·eq(r, a)      (padding taps excluded)
//! ```
//!
//! The prover sends `G̃_ρ(r)` (committed in [`crate::zkmodel`]) and proves it
//! with one degree-2 sumcheck `Σ_k w̃(k)·T̃(k)` over the weight table's
//! variables, which ends in one claim `w̃(κ)` on the weights (the verifier's
//! own evaluation for known weights) and `T̃(κ)`, which the verifier computes
//! itself ([`ConvGeom::t_eval`]). Soundness: `2·n_w/p` for the sumcheck (a
//! wrong `G̃_ρ(r)` makes the claimed sum false).
//!
//! **Weight layout (per dimension).** The weights `[M, C/g, k_H, k_W]` are
//! laid out with *each* dimension padded to a power of two,
//! `k = ((m·2^{n_c} + c')·2^{n_u} + u)·2^{n_v} + v`, so the point
//! `κ = (κ_v ‖ κ_u ‖ κ_c ‖ κ_m)` (bit order of [`crate::mle`]) and
//! `eq(κ, k) = eq(κ_m, m)·eq(κ_c, c')·eq(κ_u, u)·eq(κ_v, v)`. `T` is zero on
//! the padding (only real `(m, c', u, v)` are taps), so whatever a
//! committed weight table holds there does not enter the sum.
//!
//! **Fast `T̃`.** Tables are `rows × cols` ([`crate::model`]): an output
//! `(b, m, i, j)` sits at row `(b·M + m)·oH + i`, column `j`; an input
//! `(b, c, y, x)` at row `(b·C + c)·H + y`, column `x`. So
//! `eq(ρ, o) = eq(ρ_row, ·)·eq(ρ_col, j)` and likewise for `r`, and with
//! `x(j, v) = j·s_W + v·d_W − p_left`, `y(i, u) = i·s_H + u·d_H − p_top`
//! (taps outside the input dropped), `T(m, c', u, v) = P(v)·Q(m, c', u)`:
//!
//! ```text
//! P(v)        = Σ_j eq(ρ_col, j)·eq(r_col, x(j, v))
//! Q(m, c', u) = Σ_{b, i} eq(ρ_row, (b·M + m)·oH + i)·eq(r_row, (b·C + g(m)·C/g + c')·H + y(i, u))
//! T̃(κ) = [Σ_v eq(κ_v, v)·P(v)] · Σ_{b, i, u} eq(κ_u, u)·Σ_groups A(b, grp, i)·B(b, grp, y(i, u))
//! A(b, grp, i) = Σ_{m ∈ grp} eq(κ_m, m)·eq(ρ_row, (b·M + m)·oH + i)
//! B(b, grp, y) = Σ_{c'} eq(κ_c, c')·eq(r_row, (b·C + grp·C/g + c')·H + y)
//! ```
//!
//! costing `O(oW·k_W + N·(M·oH + C·H + g·oH·k_H))` after the eq tables of
//! `ρ`, `r` (`O(outputs/oW + inputs/W)`), instead of the
//! `O(N·M·(C/g)·oH·k_H·k_W + N·C·H·W·k_W)` of building `G_ρ`. The prover
//! tables `T` in `O(N·M·(C/g)·oH·k_H + |w|)`.

pub mod msg;
pub mod prover;
pub mod verifier;

pub use msg::ConvWeightsProof;
pub use prover::{prove, prove_zk};
pub use verifier::{verify, verify_zk};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::field::{fr_from_i64, Field, Fr};
use crate::mle::{eq_table, log2_ceil, Mle};
use zkml_core::ops::conv::Conv;

/// A convolution's geometry: what `T` and the weight layout depend on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    /// Kernel, strides, pads `[top, left, bottom, right]`, dilations, groups.
    pub conv: Conv,
    /// Input `[N, C, H, W]`.
    pub x: [usize; 4],
    /// Weights `[M, C/g, k_H, k_W]`.
    pub w: [usize; 4],
    /// Output `[N, M, oH, oW]`.
    pub out: [usize; 4],
}

fn four(s: &[usize], what: &str) -> Result<[usize; 4]> {
    s.try_into()
        .map_err(|_| Error::Invalid(format!("conv {what} has shape {s:?}, expected 4 dims")))
}

impl ConvGeom {
    /// The geometry of a conv with these shapes (checked against the op's
    /// own output shape rule).
    pub fn new(conv: &Conv, x: &[usize], w: &[usize], out: &[usize]) -> Result<Self> {
        let g = Self {
            conv: conv.clone(),
            x: four(x, "input")?,
            w: four(w, "weights")?,
            out: four(out, "output")?,
        };
        if conv.output_shape(x, w, None).ok().as_deref() != Some(out)
            || conv.group == 0
            || !g.w[0].is_multiple_of(conv.group)
            || g.x[1] != g.w[1] * conv.group
        {
            return Err(Error::Invalid(format!(
                "conv shapes {x:?} * {w:?} -> {out:?} do not fit the convolution"
            )));
        }
        Ok(g)
    }

    /// Variables of each weight dimension `[n_m, n_c, n_u, n_v]`.
    pub fn weight_dim_vars(&self) -> [usize; 4] {
        self.w.map(log2_ceil)
    }

    /// Variables of the per-dimension padded weight table.
    pub fn weight_vars(&self) -> usize {
        self.weight_dim_vars().iter().sum()
    }

    /// The weights (row-major `[M, C/g, k_H, k_W]`) as the per-dimension
    /// padded table of the module doc.
    pub fn weight_table(&self, w: &[i64]) -> Result<Mle> {
        let [m, c, u, v] = self.w;
        let [_, nc, nu, nv] = self.weight_dim_vars();
        if w.len() != m * c * u * v {
            return Err(Error::Invalid(format!(
                "conv weights: {} values for shape {:?}",
                w.len(),
                self.w
            )));
        }
        let mut t = vec![Fr::ZERO; 1 << self.weight_vars()];
        for (f, &x) in w.iter().enumerate() {
            let (vv, r) = (f % v, f / v);
            let (uu, r) = (r % u, r / u);
            let (cc, mm) = (r % c, r / c);
            t[(((((mm << nc) | cc) << nu) | uu) << nv) | vv] = fr_from_i64(x);
        }
        Mle::new(t)
    }

    /// `w̃(κ)` in the per-dimension layout, without building the table:
    /// `Σ_{m, c'} eq(κ_m, m)·eq(κ_c, c')·Σ_{u, v} eq(κ_u, u)·eq(κ_v, v)·w(m, c', u, v)`
    /// (`O(|w|)`).
    pub fn weight_eval(&self, w: &[i64], kappa: &[Fr]) -> Result<Fr> {
        let [m, c, u, v] = self.w;
        if w.len() != m * c * u * v || kappa.len() != self.weight_vars() {
            return Err(Error::Invalid(format!(
                "conv weights: {} values, point of {} for shape {:?}",
                w.len(),
                kappa.len(),
                self.w
            )));
        }
        let (ev, eu, ec, em) = self.split_kappa(kappa);
        // One row per output channel: Σ_{c', u, v} e(c', u, v)·w(m, c', u, v)
        // with e = eq(κ_c, c')·eq(κ_u, u)·eq(κ_v, v), summed without field
        // products per weight (crate::int_eval).
        let kk = u * v;
        let e = crate::int_eval::Weights::new(
            (0..c * kk)
                .map(|f| ec[f / kk] * eu[f % kk / v] * ev[f % v])
                .collect(),
        );
        (0..m)
            .into_par_iter()
            .map(|mm| {
                Ok(em[mm] * crate::int_eval::dot_i64(&w[mm * c * kk..(mm + 1) * c * kk], &e, 0)?)
            })
            .sum()
    }

    /// Eq tables of `κ`'s parts `(v, u, c', m)`.
    fn split_kappa(&self, kappa: &[Fr]) -> (Vec<Fr>, Vec<Fr>, Vec<Fr>, Vec<Fr>) {
        let [nm, nc, nu, nv] = self.weight_dim_vars();
        let (kv, rest) = kappa.split_at(nv);
        let (ku, rest) = rest.split_at(nu);
        let (kc, km) = rest.split_at(nc);
        debug_assert_eq!(km.len(), nm);
        (eq_table(kv), eq_table(ku), eq_table(kc), eq_table(km))
    }

    /// Input column `j·s_W + v·d_W − p_left` of output column `j`, kernel
    /// column `v` (`None` for a padding tap).
    fn col(&self, j: usize, v: usize) -> Option<usize> {
        let c = &self.conv;
        (j * c.strides[1] + v * c.dilations[1])
            .checked_sub(c.pads[1])
            .filter(|&x| x < self.x[3])
    }

    /// Input row-in-channel `i·s_H + u·d_H − p_top` (`None` for padding).
    fn row(&self, i: usize, u: usize) -> Option<usize> {
        let c = &self.conv;
        (i * c.strides[0] + u * c.dilations[0])
            .checked_sub(c.pads[0])
            .filter(|&y| y < self.x[2])
    }

    /// `(eq(ρ_col, ·), eq(ρ_row, ·), eq(r_col, ·), eq(r_row, ·))`.
    fn eqs(&self, rho: &[Fr], r: &[Fr]) -> Result<[Vec<Fr>; 4]> {
        let n_out = crate::model::num_vars(&self.out);
        let n_in = crate::model::num_vars(&self.x);
        if rho.len() != n_out || r.len() != n_in {
            return Err(Error::Invalid(format!(
                "conv points of {} and {} coordinates, expected {n_out} and {n_in}",
                rho.len(),
                r.len()
            )));
        }
        let (oc, ic) = (log2_ceil(self.out[3]), log2_ceil(self.x[3]));
        Ok([
            eq_table(&rho[..oc]),
            eq_table(&rho[oc..]),
            eq_table(&r[..ic]),
            eq_table(&r[ic..]),
        ])
    }

    /// `P(v) = Σ_j eq(ρ_col, j)·eq(r_col, x(j, v))` for `v < k_W`.
    fn p(&self, eq_oc: &[Fr], eq_ic: &[Fr]) -> Vec<Fr> {
        (0..self.w[3])
            .map(|v| {
                (0..self.out[3])
                    .filter_map(|j| self.col(j, v).map(|x| eq_oc[j] * eq_ic[x]))
                    .sum()
            })
            .collect()
    }

    /// `T` (module doc) as a table in the weight layout: the prover's.
    pub fn t_table(&self, rho: &[Fr], r: &[Fr]) -> Result<Vec<Fr>> {
        let [eq_oc, eq_or, eq_ic, eq_ir] = self.eqs(rho, r)?;
        let p = self.p(&eq_oc, &eq_ic);
        let [n, cin, h, _] = self.x;
        let [m, cg, kh, kw] = self.w;
        let oh = self.out[2];
        let mg = m / self.conv.group;
        let [_, nc, nu, nv] = self.weight_dim_vars();
        let block = 1usize << (nc + nu + nv);
        let mut t = vec![Fr::ZERO; m * block];
        t.par_chunks_mut(block).enumerate().for_each(|(mm, tm)| {
            let grp = mm / mg;
            for c in 0..cg {
                for u in 0..kh {
                    let mut q = Fr::ZERO;
                    for b in 0..n {
                        let orow = (b * m + mm) * oh;
                        let irow = (b * cin + grp * cg + c) * h;
                        for i in 0..oh {
                            if let Some(y) = self.row(i, u) {
                                q += eq_or[orow + i] * eq_ir[irow + y];
                            }
                        }
                    }
                    let base = ((c << nu) | u) << nv;
                    for v in 0..kw {
                        tm[base | v] = q * p[v];
                    }
                }
            }
        });
        t.resize(1 << self.weight_vars(), Fr::ZERO);
        Ok(t)
    }

    /// `T̃(κ)` by the factored formula of the module doc: the verifier's.
    pub fn t_eval(&self, rho: &[Fr], r: &[Fr], kappa: &[Fr]) -> Result<Fr> {
        if kappa.len() != self.weight_vars() {
            return Err(Error::Invalid(format!(
                "conv weight point of {} coordinates, expected {}",
                kappa.len(),
                self.weight_vars()
            )));
        }
        let [eq_oc, eq_or, eq_ic, eq_ir] = self.eqs(rho, r)?;
        let (ev, eu, ec, em) = self.split_kappa(kappa);
        let p: Fr = self
            .p(&eq_oc, &eq_ic)
            .iter()
            .zip(&ev)
            .map(|(a, b)| *a * b)
            .sum();
        let [n, cin, h, _] = self.x;
        let [m, cg, kh, _] = self.w;
        let oh = self.out[2];
        let g = self.conv.group;
        let mg = m / g;
        let mut q = Fr::ZERO;
        let mut a = vec![Fr::ZERO; oh];
        let mut bt = vec![Fr::ZERO; h];
        for b in 0..n {
            for grp in 0..g {
                // A(b, grp, ·) and B(b, grp, ·).
                a.iter_mut().for_each(|e| *e = Fr::ZERO);
                for mm in grp * mg..(grp + 1) * mg {
                    let row = &eq_or[(b * m + mm) * oh..(b * m + mm + 1) * oh];
                    for (ai, e) in a.iter_mut().zip(row) {
                        *ai += em[mm] * e;
                    }
                }
                bt.iter_mut().for_each(|e| *e = Fr::ZERO);
                for (c, ecc) in ec.iter().enumerate().take(cg) {
                    let base = (b * cin + grp * cg + c) * h;
                    for (by, e) in bt.iter_mut().zip(&eq_ir[base..base + h]) {
                        *by += *ecc * e;
                    }
                }
                for (u, euu) in eu.iter().enumerate().take(kh) {
                    let s: Fr = (0..oh)
                        .filter_map(|i| self.row(i, u).map(|y| a[i] * bt[y]))
                        .sum();
                    q += *euu * s;
                }
            }
        }
        Ok(p * q)
    }

    /// `Σ_o eq(ρ, o)·(b[m(o)] + half)`: the bias and rounding constant's
    /// share of the claim (`O(N·M·oH + oW)`).
    pub fn offset(&self, bias: Option<&[i64]>, half: i64, rho: &[Fr]) -> Result<Fr> {
        let oc = log2_ceil(self.out[3]);
        if rho.len() != crate::model::num_vars(&self.out) {
            return Err(Error::Invalid("conv output point length".into()));
        }
        let sum_c: Fr = eq_table(&rho[..oc]).iter().take(self.out[3]).sum();
        let eq_r = eq_table(&rho[oc..]);
        let [n, m, oh, _] = self.out;
        let mut acc = Fr::ZERO;
        for b in 0..n {
            for mm in 0..m {
                let k = bias.map_or(0, |bv| bv[mm]) + half;
                if k != 0 {
                    let base = (b * m + mm) * oh;
                    let s: Fr = eq_r[base..base + oh].iter().sum();
                    acc += s * fr_from_i64(k);
                }
            }
        }
        Ok(acc * sum_c)
    }
}

#[cfg(test)]
mod tests;
