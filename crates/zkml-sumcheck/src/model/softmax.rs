//! Softmax along the last axis, exactly the executor's
//! [`zkml_core::ops::softmax::softmax_int`]: per lane (a row of the
//! output's layout) with inputs `q_j` at scale `s_in`,
//!
//! ```text
//! m    = max_j q_j,                 sh = max(s_in − 12, 0)
//! dd_j = rshift(q_j − m, sh)        (q_j − m + 2^{sh−1} = 2^sh·dd_j + r2_j, 0 ≤ r2_j < 2^sh)
//! e_j  = exp_int(dd_j)              (a table on dd ≤ 0)
//! S    = Σ_j e_j
//! y_j  = rdiv(e_j·2^{s_out}, S)      (2^{s_out+1}·e_j + S = 2S·y_j + r_j, 0 ≤ r_j < 2S)
//! ```
//!
//! **Witness.** One auxiliary table `A` per node over `nv_out + 4`
//! variables: slot `k` (the 4 high bits) holds a tensor in the output's
//! layout, zero on padding: `dm = m − q` (`DM`), the one-hot selector of
//! the lane's first maximum (`SEL`), `m` broadcast along the lane
//! (`MB`), `dd` (`DD`), `r2` (`R2`), `e` (`E`), `S` broadcast
//! (`SB`), `r` (`R`) and `t = 2S − 1 − r` (`T`).
//!
//! **Relations** (fresh `ρ = (ρ_c, ρ_r)` over the output's table; `0_c`,
//! `½_c` the column point of zeros, of halves; `I = I_c·I_r` the block
//! indicator). Thirteen claimed values (`VALUES`): `A_k(ρ)` for
//! `k ∈ {DM, MB, DD, R2, E, SB, R, T}`, `q̃(ρ)`, `A_MB(0_c, ρ_r)`,
//! `A_SB(0_c, ρ_r)`, `A_SEL(½_c, ρ_r)`, `A_E(½_c, ρ_r)`, and seven linear
//! relations between them (`relations`):
//!
//! 1. `dm = mb − q` (entrywise, at `ρ`);
//! 2. `−dm + 2^{sh−1}·I = 2^sh·dd + r2` (the rounding of `q − m`);
//! 3. `mb(x_c, x_r) = Ĩ_c(x_c)·mb(0_c, x_r)` (broadcast: one `m` per lane,
//!    zero on padding columns), at `ρ`;
//! 4. the same for `sb`;
//! 5. `2^{nc}·sel(½_c, ρ_r) = Ĩ_r(ρ_r)` (the selectors of a lane sum to 1);
//! 6. `sb(0_c, ρ_r) = 2^{nc}·e(½_c, ρ_r)` (`S` is the lane's sum);
//! 7. `t = 2·sb − I − r`;
//!
//! one product sumcheck `Σ_x eq(ρ, x)·sb(x)·y(x) = ½·(2^{s_out+1}·e(ρ) +
//! sb(ρ) − r(ρ))` (the division, degree 3, like an elementwise `Mul`), and
//! lookups (`lookups`): `dm + γ·sel + γ²·I` in `{d + γ² : 0 ≤ d ≤ 2^b − 1}
//! ∪ {γ + γ²} ∪ {0}` (`dm ∈ [0, 2^b)`, `sel ∈ {0, 1}`, `sel = 1 ⇒ dm = 0`,
//! padding `(0, 0)`), `dd + γ·e + γ²·I` in `{v + γ·exp_int(v) + γ²} ∪ {0}`
//! over `v ∈ [rshift(−(2^b − 1), sh), 0]`, `r2 ∈ [0, 2^sh)`,
//! `r, t ∈ [0, 2·S_max)` (`S_max = n·2^{s_e}`), and `y` in the activation
//! range where the verifier does not know it.
//!
//! **Why that is the executor's Softmax.** The selectors are 0/1 with one
//! 1 per real lane (5 and the lookup), where `dm = 0`, so `m = q_{j*}`; every
//! `dm = m − q_j` is in `[0, 2^b)` as a field element and in `(−2^b, 2^b)`
//! as an integer, hence non-negative: `m` is the lane's maximum, one value
//! per lane by (3). By (2) and the two lookups `dd` is the executor's
//! rounded difference (an integer equation: every term is small) and `e`
//! its table entry; padding entries are `(0, 0)`, so by (4) and (6) `sb` is
//! `S` on every entry of the lane. The product identity is then an integer
//! equation `2S·y + r = 2^{s_out+1}·e + S` (`|y| ≤ 2^{b−1}`, `S ≤ 2^16`),
//! and `r, 2S − 1 − r ≥ 0` (7 and the range) give `0 ≤ r < 2S`: `y` is the
//! rounded quotient. Each polynomial identity is tested at a random point
//! (Schwartz–Zippel, error `O(nv/p)`).

use super::{layout, num_vars};
use crate::error::{Error, Result};
use crate::field::{fr_from_i64, Field, Fr};
use crate::mle::{eq_table, log2_ceil, Mle};
use zkml_core::ops::softmax::{exp_int, exp_table_shift};
use zkml_core::rounding::{rdiv, rshift};
use zkml_core::{QGraph, QOp, Trace};

/// Slot bits of the auxiliary table (9 slots used of 16).
pub(crate) const SLOT_VARS: usize = 4;
/// Slot of `dm = m − q`.
pub(crate) const DM: usize = 0;
/// Slot of the selectors.
pub(crate) const SEL: usize = 1;
/// Slot of `m` broadcast along the lane.
pub(crate) const MB: usize = 2;
/// Slot of the rounded difference `dd`.
pub(crate) const DD: usize = 3;
/// Slot of the rounding remainder `r2`.
pub(crate) const R2: usize = 4;
/// Slot of the exponentials `e`.
pub(crate) const E: usize = 5;
/// Slot of the lane sum `S` broadcast.
pub(crate) const SB: usize = 6;
/// Slot of the division remainder `r`.
pub(crate) const R: usize = 7;
/// Slot of `t = 2S − 1 − r`.
pub(crate) const T: usize = 8;

/// Where a claimed value lives: a slot of the auxiliary table, or the
/// node's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Src {
    /// Slot `k` of `A`.
    Aux(usize),
    /// The input `q`.
    Input,
}

/// The column point of a claimed value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum At {
    /// `ρ`.
    Rho,
    /// `(0_c, ρ_r)`.
    Zero,
    /// `(½_c, ρ_r)`.
    Half,
}

/// The thirteen claimed values, in message order.
pub(crate) const VALUES: [(Src, At); 13] = [
    (Src::Aux(DM), At::Rho),
    (Src::Aux(MB), At::Rho),
    (Src::Aux(DD), At::Rho),
    (Src::Aux(R2), At::Rho),
    (Src::Aux(E), At::Rho),
    (Src::Aux(SB), At::Rho),
    (Src::Aux(R), At::Rho),
    (Src::Aux(T), At::Rho),
    (Src::Input, At::Rho),
    (Src::Aux(MB), At::Zero),
    (Src::Aux(SB), At::Zero),
    (Src::Aux(SEL), At::Half),
    (Src::Aux(E), At::Half),
];
// Indices into VALUES.
const V_DM: usize = 0;
const V_MB: usize = 1;
const V_DD: usize = 2;
const V_R2: usize = 3;
const V_E: usize = 4;
const V_SB: usize = 5;
const V_R: usize = 6;
const V_T: usize = 7;
const V_Q: usize = 8;
const V_MB0: usize = 9;
const V_SB0: usize = 10;
const V_SELH: usize = 11;
const V_EH: usize = 12;

/// A Softmax node's parameters, from the model.
#[derive(Clone, Debug)]
pub(crate) struct Params {
    /// Lane length `n`.
    pub n: usize,
    /// Lanes.
    pub rows: usize,
    /// Input scale.
    pub in_scale: i32,
    /// Exponential scale.
    pub exp_scale: i32,
    /// Output scale.
    pub out_scale: i32,
    /// The rounding shift `max(s_in − 12, 0)`.
    pub sh: u32,
    /// Smallest rounded difference: `rshift(lo − hi, sh)`.
    pub dd_min: i64,
    /// Largest lane sum `n·2^{s_e}`.
    pub s_max: i64,
}

/// Largest lookup table of a Softmax node (entries).
pub(crate) const MAX_TABLE: i64 = 1 << 17;

/// The parameters of Softmax node `i`, or why it is not supported.
pub(crate) fn params(q: &QGraph, i: usize) -> std::result::Result<Params, String> {
    let node = &q.nodes[i];
    let QOp::Softmax {
        axis,
        in_scale,
        exp_scale,
        out_scale,
    } = node.op
    else {
        return Err("not a Softmax".into());
    };
    let shape = &q.values[node.inputs[0]].shape;
    if shape.is_empty() || axis + 1 != shape.len() {
        return Err(format!(
            "softmax over axis {axis} of a rank-{} tensor: only the last axis is supported \
             (transpose the axis last first)",
            shape.len()
        ));
    }
    if q.values[node.output].shape != *shape || super::layout_shape(q, node.inputs[0]) != *shape {
        return Err("the input's layout is not its own".into());
    }
    if !(0..=20).contains(&exp_scale) || !(0..=20).contains(&out_scale) {
        return Err(format!(
            "exponential scale {exp_scale} and output scale {out_scale} must lie in [0, 20]"
        ));
    }
    let (rows, n) = layout(shape);
    let sh = exp_table_shift(in_scale);
    let (lo, hi) = (*q.range().start(), *q.range().end());
    let dd_min = rshift(lo - hi, sh);
    let s_max = (n as i64).saturating_mul(1i64 << exp_scale);
    if hi - lo + 3 > MAX_TABLE || -dd_min + 2 > MAX_TABLE {
        return Err(format!(
            "activations of {} bits: the difference tables exceed 2^17 entries",
            q.act_bits
        ));
    }
    if 2 * s_max > 1 << super::MAX_SHIFT {
        return Err(format!(
            "lanes of {n} at exponential scale {exp_scale}: the remainder table 2·n·2^s_e \
             exceeds 2^{}",
            super::MAX_SHIFT
        ));
    }
    Ok(Params {
        n,
        rows,
        in_scale,
        exp_scale,
        out_scale,
        sh,
        dd_min,
        s_max,
    })
}

fn param_err(i: usize) -> impl FnOnce(String) -> Error {
    move |why| Error::Unsupported {
        op: "Softmax".into(),
        node: i,
        why,
    }
}

/// Variables of node `i`'s auxiliary table.
pub(crate) fn aux_vars(q: &QGraph, i: usize) -> usize {
    num_vars(&q.values[q.nodes[i].output].shape) + SLOT_VARS
}

/// Variables of the widest of node `i`'s lookup tables.
pub(crate) fn table_vars(q: &QGraph, i: usize) -> usize {
    match params(q, i) {
        Ok(p) => log2_ceil(q.range().count() + 2)
            .max(log2_ceil((-p.dd_min + 2) as usize))
            .max(log2_ceil(2 * p.s_max as usize)),
        Err(_) => 0,
    }
}

/// One lane's witness.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Lane {
    /// The maximum.
    pub m: i64,
    /// The selected slot.
    pub sel: usize,
    /// `dd_j`.
    pub dd: Vec<i64>,
    /// `r2_j`.
    pub r2: Vec<i64>,
    /// `e_j`.
    pub e: Vec<i64>,
    /// `S`.
    pub s: i64,
    /// `y_j`.
    pub y: Vec<i64>,
    /// `r_j`.
    pub r: Vec<i64>,
}

/// A cheating prover's witness for the first lane (tests): each changes
/// one quantity and recomputes what depends on it, so that every relation
/// but the one it breaks holds.
#[cfg(test)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Forge {
    /// `m` one above the maximum (no element); the selector on the maximum.
    MaxAbove,
    /// `m` one above the maximum and no selector (every value in its table;
    /// the one-hot relation fails).
    MaxUnselected,
    /// `m` the second largest value (not the maximum).
    MaxBelow,
    /// One exponential off by one (a wrong exp pair).
    ExpPair,
    /// The lane sum off by one.
    Sum,
    /// One quotient one higher, its remainder `r − 2S` (negative).
    QuotientUp,
    /// One quotient one lower, its remainder `r + 2S` (≥ 2S).
    QuotientDown,
    /// One rounded difference one higher, its remainder `r2 − 2^sh`.
    Shift,
}

#[cfg(test)]
thread_local! {
    /// Tests: the forgery [`aux_table`] applies to the first lane.
    pub(crate) static FORGE: std::cell::Cell<Option<Forge>> =
        const { std::cell::Cell::new(None) };
}

/// The executor's witness of one lane `qs` (`forge`: tests, first lane).
pub(crate) fn lane(p: &Params, qs: &[i64], first: bool) -> Lane {
    let _ = first;
    #[cfg(test)]
    let forge = if first { FORGE.with(|f| f.get()) } else { None };
    let max = qs.iter().copied().max().unwrap_or(0);
    #[allow(unused_mut)]
    let mut m = max;
    #[cfg(test)]
    match forge {
        Some(Forge::MaxAbove | Forge::MaxUnselected) => m = max + 1,
        Some(Forge::MaxBelow) => {
            m = qs
                .iter()
                .copied()
                .filter(|&v| v < max)
                .max()
                .unwrap_or(max - 1)
        }
        _ => {}
    }
    #[allow(unused_mut)]
    let mut sel = qs.iter().position(|&v| v == max).unwrap_or(0);
    #[cfg(test)]
    if forge == Some(Forge::MaxUnselected) {
        sel = usize::MAX;
    }
    #[cfg(test)]
    let sel_j = sel.min(qs.len().saturating_sub(1));
    let sh = p.sh;
    #[allow(unused_mut)]
    let mut dd: Vec<i64> = qs.iter().map(|&v| rshift(v - m, sh)).collect();
    let half = if sh > 0 { 1i64 << (sh - 1) } else { 0 };
    #[allow(unused_mut)]
    let mut r2: Vec<i64> = qs
        .iter()
        .zip(&dd)
        .map(|(&v, &d)| v - m + half - (d << sh))
        .collect();
    #[cfg(test)]
    if forge == Some(Forge::Shift) {
        let j = (0..qs.len()).find(|&j| dd[j] < 0).unwrap_or(0);
        dd[j] += 1;
        r2[j] -= 1 << sh;
    }
    let ts = p.in_scale - sh as i32;
    #[allow(unused_mut)]
    let mut e: Vec<i64> = dd.iter().map(|&d| exp_int(d, ts, p.exp_scale)).collect();
    #[cfg(test)]
    if forge == Some(Forge::ExpPair) {
        e[sel_j] += 1;
    }
    #[allow(unused_mut)]
    let mut s: i64 = e.iter().sum();
    #[cfg(test)]
    if forge == Some(Forge::Sum) {
        s += 1;
    }
    let num = |e: i64| (e << (p.out_scale + 1)) + s;
    #[allow(unused_mut)]
    let mut y: Vec<i64> = e
        .iter()
        .map(|&e| if s > 0 { rdiv(e << p.out_scale, s) } else { 0 })
        .collect();
    #[allow(unused_mut)]
    let mut r: Vec<i64> = e
        .iter()
        .zip(&y)
        .map(|(&e, &y)| num(e) - 2 * s * y)
        .collect();
    #[cfg(test)]
    match forge {
        Some(Forge::QuotientUp) => {
            y[sel_j] += 1;
            r[sel_j] -= 2 * s;
        }
        Some(Forge::QuotientDown) => {
            y[sel_j] -= 1;
            r[sel_j] += 2 * s;
        }
        _ => {}
    }
    Lane {
        m,
        sel,
        dd,
        r2,
        e,
        s,
        y,
        r,
    }
}

/// The lanes of node `i`'s input in the trace.
fn lanes(q: &QGraph, i: usize, trace: &Trace) -> Result<(Params, Vec<Lane>)> {
    let p = params(q, i).map_err(param_err(i))?;
    let x: Vec<i64> = trace.values[q.nodes[i].inputs[0]].iter().copied().collect();
    let lanes = (0..p.rows)
        .map(|row| lane(&p, &x[row * p.n..(row + 1) * p.n], row == 0))
        .collect();
    Ok((p, lanes))
}

/// Tests: the output a forged witness ([`FORGE`]) computes.
#[cfg(test)]
pub(crate) fn forged_output(q: &QGraph, i: usize, trace: &Trace) -> zkml_core::ITensor {
    let (_, ls) = lanes(q, i, trace).expect("softmax parameters");
    let y: Vec<i64> = ls.iter().flat_map(|l| l.y.clone()).collect();
    let shape = q.values[q.nodes[i].output].shape.clone();
    ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&shape), y).expect("shape")
}

/// `A` of the module doc from the executor's trace; fails when the trace's
/// output is not the executor's Softmax of its input (unless a test forges).
pub(crate) fn aux_table(q: &QGraph, i: usize, trace: &Trace) -> Result<Mle> {
    let node = &q.nodes[i];
    let (p, ls) = lanes(q, i, trace)?;
    let y: Vec<i64> = trace.values[node.output].iter().copied().collect();
    let out_shape = &q.values[node.output].shape;
    let nv = num_vars(out_shape);
    let nc = log2_ceil(p.n);
    let mut a = vec![Fr::ZERO; 1 << (nv + SLOT_VARS)];
    let mut put = |k: usize, row: usize, j: usize, v: i64| {
        a[(k << nv) + (row << nc) + j] = fr_from_i64(v);
    };
    for (row, l) in ls.iter().enumerate() {
        if l.y[..] != y[row * p.n..(row + 1) * p.n] {
            return Err(Error::Invalid(format!(
                "node `{}` (Softmax): lane {row} of the output is not the executor's softmax",
                node.name
            )));
        }
        let x = &trace.values[node.inputs[0]];
        for (j, &v) in x.iter().skip(row * p.n).take(p.n).enumerate() {
            put(DM, row, j, l.m - v);
            put(SEL, row, j, i64::from(j == l.sel));
            put(MB, row, j, l.m);
            put(DD, row, j, l.dd[j]);
            put(R2, row, j, l.r2[j]);
            put(E, row, j, l.e[j]);
            put(SB, row, j, l.s);
            put(R, row, j, l.r[j]);
            put(T, row, j, 2 * l.s - 1 - l.r[j]);
        }
    }
    Mle::new(a)
}

/// `point ‖ bits(k)`: slot `k` of `A` at `point` (low bits first).
pub(crate) fn slot_point(point: &[Fr], k: usize) -> Vec<Fr> {
    point
        .iter()
        .copied()
        .chain((0..SLOT_VARS).map(|b| Fr::from(((k >> b) & 1) as u64)))
        .collect()
}

/// Slot `k` of `A` as a table over the output's variables.
pub(crate) fn slot(aux: &Mle, k: usize) -> Result<Mle> {
    let n = aux.evals.len() >> SLOT_VARS;
    Mle::new(aux.evals[k * n..(k + 1) * n].to_vec())
}

/// `(ρ_c, ρ_r)` split and the three column points of [`At`].
pub(crate) fn point(p: &Params, rho: &[Fr], at: At) -> Vec<Fr> {
    let nc = log2_ceil(p.n);
    let half = Fr::from(2).invert().unwrap_or(Fr::ZERO);
    let col = match at {
        At::Rho => return rho.to_vec(),
        At::Zero => Fr::ZERO,
        At::Half => half,
    };
    std::iter::repeat_n(col, nc)
        .chain(rho[nc..].iter().copied())
        .collect()
}

/// Where each of [`VALUES`] is claimed: `Err(point on A)` or
/// `Ok(point on the input)`.
pub(crate) fn value_points(p: &Params, rho: &[Fr]) -> Vec<std::result::Result<Vec<Fr>, Vec<Fr>>> {
    VALUES
        .iter()
        .map(|&(src, at)| {
            let pt = point(p, rho, at);
            match src {
                Src::Aux(k) => Err(slot_point(&pt, k)),
                Src::Input => Ok(pt),
            }
        })
        .collect()
}

/// The honest values of [`VALUES`] at `ρ`.
pub(crate) fn values(p: &Params, rho: &[Fr], aux: &Mle, input: &Mle) -> Result<Vec<Fr>> {
    value_points(p, rho)
        .iter()
        .map(|pt| match pt {
            Err(pt) => aux.evaluate(pt),
            Ok(pt) => input.evaluate(pt),
        })
        .collect()
}

/// A linear relation `Σ c_j·V_j + c_0 = 0` over [`VALUES`].
pub(crate) type Relation = (Vec<(usize, Fr)>, Fr);

/// The seven relations of the module doc at `ρ`.
pub(crate) fn relations(p: &Params, rho: &[Fr]) -> Vec<Relation> {
    let nc = log2_ceil(p.n);
    let (rc, rr) = rho.split_at(nc);
    let ic: Fr = eq_table(rc)[..p.n].iter().copied().sum();
    let ir: Fr = eq_table(rr)[..p.rows].iter().copied().sum();
    let ind = ic * ir;
    let one = Fr::ONE;
    let two_nc = Fr::from(1u64 << nc);
    let half = if p.sh > 0 {
        Fr::from(1u64 << (p.sh - 1))
    } else {
        Fr::ZERO
    };
    vec![
        // dm − mb + q = 0
        (vec![(V_DM, one), (V_MB, -one), (V_Q, one)], Fr::ZERO),
        // −dm − 2^sh·dd − r2 + 2^{sh−1}·I = 0
        (
            vec![(V_DM, -one), (V_DD, -Fr::from(1u64 << p.sh)), (V_R2, -one)],
            half * ind,
        ),
        // mb − Ĩ_c·mb(0_c) = 0
        (vec![(V_MB, one), (V_MB0, -ic)], Fr::ZERO),
        // sb − Ĩ_c·sb(0_c) = 0
        (vec![(V_SB, one), (V_SB0, -ic)], Fr::ZERO),
        // 2^nc·sel(½_c) − Ĩ_r = 0
        (vec![(V_SELH, two_nc)], -ir),
        // sb(0_c) − 2^nc·e(½_c) = 0
        (vec![(V_SB0, one), (V_EH, -two_nc)], Fr::ZERO),
        // t − 2·sb + r + I = 0
        (vec![(V_T, one), (V_SB, -Fr::from(2)), (V_R, one)], ind),
    ]
}

/// Evaluates relation `rel` on the values `v`: zero when it holds.
pub(crate) fn residual(rel: &Relation, v: &[Fr]) -> Fr {
    rel.0.iter().map(|(j, c)| *c * v[*j]).sum::<Fr>() + rel.1
}

/// The product sumcheck's claim `½·(2^{s_out+1}·e + sb − r)` as a linear
/// form over [`VALUES`].
pub(crate) fn product_target(p: &Params) -> Vec<(usize, Fr)> {
    let inv2 = Fr::from(2).invert().unwrap_or(Fr::ZERO);
    vec![
        (V_E, Fr::from(1u64 << (p.out_scale + 1)) * inv2),
        (V_SB, inv2),
        (V_R, -inv2),
    ]
}

/// The product sumcheck `Σ_x sb(x)·y(x)·eq(ρ, x)` (prover).
pub(crate) fn product_instance(
    aux: &Mle,
    y: &Mle,
    rho: &[Fr],
) -> Result<crate::sumcheck::ProductSum> {
    super::product::instance(slot(aux, SB)?, y.clone(), rho)
}

/// Which lookup table a Softmax column is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    /// `{d + γ² : 0 ≤ d ≤ hi − lo} ∪ {γ + γ²} ∪ {0}` (the max's pairs).
    Max,
    /// `{v + γ·exp_int(v) + γ²} ∪ {0}` of the node's scales.
    Exp,
    /// `[lo, hi]`.
    Range(i64, i64),
}

/// A Softmax lookup: the table and the column, `Ok((a, o))` for the pair
/// `A_a + γ·A_o + γ²·I`, `Err(k)` for the plain slot `A_k`.
pub(crate) type Lookup = (Table, std::result::Result<(usize, usize), usize>);

/// The node's lookups, in order (the output's activation range check is
/// the caller's, where it does not know the output).
pub(crate) fn lookups(p: &Params) -> Vec<Lookup> {
    let top = 2 * p.s_max - 1;
    vec![
        (Table::Max, Ok((DM, SEL))),
        (Table::Exp, Ok((DD, E))),
        (Table::Range(0, (1i64 << p.sh) - 1), Err(R2)),
        (Table::Range(0, top), Err(R)),
        (Table::Range(0, top), Err(T)),
    ]
}

/// The public table of `table` for node `i` and challenge `γ`.
pub(crate) fn lookup_table(q: &QGraph, i: usize, table: &Table, gamma: Fr) -> Result<Vec<Fr>> {
    let p = params(q, i).map_err(param_err(i))?;
    let g2 = gamma * gamma;
    let mut t: Vec<Fr> = match table {
        Table::Range(lo, hi) => return Ok(crate::logup::range_table(*lo, *hi)),
        Table::Max => {
            let span = q.range().end() - q.range().start();
            let mut t: Vec<Fr> = (0..=span).map(|d| fr_from_i64(d) + g2).collect();
            t.push(gamma + g2);
            t
        }
        Table::Exp => {
            let ts = p.in_scale - p.sh as i32;
            (p.dd_min..=0)
                .map(|v| fr_from_i64(v) + gamma * fr_from_i64(exp_int(v, ts, p.exp_scale)) + g2)
                .collect()
        }
    };
    t.push(Fr::ZERO);
    Ok(t)
}

/// The pair column `A_a + γ·A_o + γ²·I` (prover).
pub(crate) fn pair_column(
    aux: &Mle,
    (a, o): (usize, usize),
    shape: &[usize],
    gamma: Fr,
) -> Result<Vec<Fr>> {
    let (sa, so) = (slot(aux, a)?, slot(aux, o)?);
    let n: usize = shape.iter().product();
    let ind = super::table_of(shape, &vec![1; n])?;
    let g2 = gamma * gamma;
    Ok(sa
        .evals
        .iter()
        .zip(&so.evals)
        .zip(&ind.evals)
        .map(|((x, y), i)| *x + gamma * y + g2 * i)
        .collect())
}

/// The public part `γ²·Ĩ(point)` of a pair column.
pub(crate) fn pair_public(shape: &[usize], gamma: Fr, point: &[Fr]) -> Fr {
    let (r, c) = layout(shape);
    gamma * gamma * super::block_indicator(r, c, point)
}
