//! TopK with any `k`: per lane, the `k` largest (or smallest) elements in
//! rank order, ties to the lower index ([`zkml_core::ops::arg::rank_order`]),
//! as value cells and index cells. Built on the run-time gather lookup
//! ([`super::dyn_lookup`], its columns must be configured) and the main gate's
//! E1/E2 with range limbs; no gate of its own.
//!
//! Relation, per lane of cells `x_0 … x_{n−1}` (activations,
//! `x_i ∈ [−2^(b−1), 2^(b−1))`), `1 ≤ k ≤ n`, `s = 1` (largest) or `−1`:
//! `(i_j, v_j)_{j<k}` are the first `k` positions of the lane's rank order
//! and their elements. With `M = n` the composite key
//! `κ(i) = s·M·x_i − i` orders the lane as the executor does:
//! `κ(a) > κ(b) ⇔ s·x_a > s·x_b, or x_a = x_b and a < b` (`|a − b| < M`),
//! and it is injective. Every form below is an integer of absolute value at
//! most `M·(2^b − 1) + n < 2^K`, `K = bits_for(M·(2^b − 1) + n)`.
//!
//! Rows (a shared first row, then per lane `ℓ` the `k` query rows and the
//! `n` table rows; `key = τ·2^32 + ℓ + 1`, `τ` the call's first row, so no
//! other lane or gather has the same key):
//!
//! ```text
//! zero row:     x_0 = 0 (copy of the constant 0): the (0, 0, 0) entry every non-query row looks up
//! query j:      x_0 = i_j, x_1 = v_j, q_dq = 1, d_lane_q = key, d_m = 1
//!   R_dyn:      (key, i_j, v_j) ∈ {(d_lane_t, d_j, x_0)}
//!   j ≥ 1:      x_2 = v_{j−1}, x_3 = i_{j−1} (copies), lk = limbs(D_j) (K bits)
//!   E1:         s·M·x_2 − x_3 − s·M·x_1 + x_0 − 1 − Σ 2^(t·m)·ℓ_m = 0     D_j = κ(i_{j−1}) − κ(i_j) − 1 ∈ [0, 2^K)
//! table i:      x_0 = x_i (copy), d_lane_t = key, d_j = i
//!   k < n:      x_1 = v_{k−1}, x_2 = i_{k−1} (copies), lk = limbs(T_i) (K bits) ++ [β_i (1 bit)],
//!               acc = a_i
//!   E1:         s·M·x_0 − s·M·x_1 + x_2 − i + 2^K·β_i − Σ 2^(t·m)·ℓ_m = 0  T_i = L_i + 2^K·β_i, L_i = κ(i) − κ(i_{k−1})
//!   E2:         acc − [i > 0]·acc[-1] − β_i + [i = 0]·(n − k) = 0           a_i = Σ_{i'≤i} β_{i'} − (n − k)
//! copy:         a_{n−1} = the constant 0
//! ```
//!
//! Soundness. (1) The table side's lane and index columns are fixed and its
//! values are copies, so the entries under `key` are exactly
//! `(key, i, x_i)` for `i ∈ [0, n)`: each query forces `i_j ∈ [0, n)` and
//! `v_j = x_{i_j}`. (2) Every E1 form is an integer `F` with `|F| < 2^K`,
//! and `2^(K+1) < p`: `F ≡ Σ limbs ∈ [0, 2^K)` forces `F ≥ 0` (a negative
//! `F` is `p + F > 2^K` in the field). So `κ(i_0) > κ(i_1) > … > κ(i_{k−1})`:
//! the indices are distinct and in decreasing key order. (3) For `k < n`:
//! `β_i ∈ {0, 1}` and `T_i ∈ [0, 2^K)` with `|L_i| < 2^K` force
//! `β_i = [L_i < 0]` (as in [`super::compare`]); E2 and the copy give
//! `Σ β_i = n − k` in `F_p`, hence over the integers (`n < p`). So exactly
//! `k` elements have `κ(i) ≥ κ(i_{k−1})`; by (2) the `k` distinct `i_j` are
//! among them, so they are all of them: `{i_j}` is the set of the `k` largest
//! keys, and by (2) in decreasing order — the first `k` of the rank order.
//! For `k = n`, (2) alone makes `(i_j)` a permutation in decreasing key
//! order: the whole rank order (the table rows carry no count). (4) Every
//! cell is forced: `i_j`, `v_j` by (1)–(3); the limbs by the unique
//! decomposition of a value in `[0, 2^K)`; `β_i` by (3); `a_i` by E2; the
//! copies by the permutation. A lane cell outside the activation range only
//! breaks completeness (an honest form may exceed `2^K`), never (2)'s
//! no-wrap argument while `2^(K+1) + M·2^b < p`, which `K ≤ 240` leaves.
//!
//! Cost per lane: `n + k` rows (`⌈K/t⌉ + 1` lk cells on table rows for
//! `k < n`, `⌈K/t⌉` on query rows), plus one zero row per call. The two IR
//! nodes of an ONNX TopK share one layout ([`crate::circuit`]).

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};
use zkml_core::ops::arg::rank_order;

use super::{
    arith::ArithInstructions,
    dyn_lookup::{lane_key, DynFix},
    pow2,
    range::{bits_for, RangeInstructions},
    Adv, Builder, Eqn, Fix, Wire,
};

/// TopK instructions.
pub trait TopKInstructions {
    /// Per lane, the `k` largest (`largest`) or smallest elements in rank
    /// order (ties to the lower index) and their indices: `(values, indices)`.
    ///
    /// # Panics
    /// If `k` is 0 or exceeds a lane's length, the MAC width is below 4, or
    /// the run-time gather lookup is not configured (at synthesis).
    fn top_k(
        &mut self,
        lanes: &[Vec<Wire>],
        k: usize,
        largest: bool,
    ) -> Vec<(Vec<Wire>, Vec<Wire>)>;
}

/// A lane's witness: the chosen `(index, value)` pairs in rank order and the
/// count bits `β_i` (ignored when `k = n`). The honest one is
/// [`honest_witness`]; tests build others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LaneWitness {
    pub picks: Vec<(i128, i128)>,
    pub beta: Vec<i128>,
}

/// The key `κ = s·M·v − i` of an element.
fn key(v: i128, i: i128, s: i128, m: i128) -> i128 {
    s * m * v - i
}

/// The bits `K` of every form of a lane of `n` elements ([module doc](self)).
pub(crate) fn form_bits(n: usize, act_bits: u32) -> u32 {
    let m = n as u128;
    bits_for(m * ((1u128 << act_bits) - 1) + m)
}

/// The count bits a prover derives from its picks: `β_i = [κ(i) < κ(last pick)]`.
pub(crate) fn count_bits(xs: &[i128], picks: &[(i128, i128)], largest: bool) -> Vec<i128> {
    let (s, m) = (if largest { 1 } else { -1 }, xs.len() as i128);
    let (li, lv) = *picks.last().expect("k ≥ 1");
    let last = key(lv, li, s, m);
    (0..xs.len())
        .map(|i| i128::from(key(xs[i], i as i128, s, m) < last))
        .collect()
}

/// The executor's answer for a lane ([`rank_order`]) and its count bits.
pub(crate) fn honest_witness(xs: &[i128], k: usize, largest: bool) -> LaneWitness {
    let picks: Vec<(i128, i128)> = rank_order(xs, largest)
        .into_iter()
        .take(k)
        .map(|i| (i as i128, xs[i]))
        .collect();
    let beta = count_bits(xs, &picks, largest);
    LaneWitness { picks, beta }
}

impl TopKInstructions for Builder<'_> {
    fn top_k(
        &mut self,
        lanes: &[Vec<Wire>],
        k: usize,
        largest: bool,
    ) -> Vec<(Vec<Wire>, Vec<Wire>)> {
        let wit: Vec<Option<LaneWitness>> = lanes
            .iter()
            .map(|l| {
                let xs = l.iter().map(|w| w.val).collect::<Option<Vec<i128>>>()?;
                Some(honest_witness(&xs, k, largest))
            })
            .collect();
        lay_out_top_k(self, lanes, k, largest, &wit)
    }
}

/// The rows of the module doc with the given per-lane witnesses (`None`: no
/// witness). Only [`TopKInstructions::top_k`] passes the honest ones.
pub(crate) fn lay_out_top_k(
    b: &mut Builder<'_>,
    lanes: &[Vec<Wire>],
    k: usize,
    largest: bool,
    wit: &[Option<LaneWitness>],
) -> Vec<(Vec<Wire>, Vec<Wire>)> {
    assert!(b.shape.n >= 4, "TopK rows need a MAC width of at least 4");
    assert!(lanes.len() < 1 << 32, "{} TopK lanes", lanes.len());
    let tau = b.row;
    let zero = b.constant(0);
    let row = b.next_row();
    b.copy_in(&zero, Adv::X(0), row);
    lanes
        .iter()
        .zip(wit)
        .enumerate()
        .map(|(l, (lane, w))| lay_lane(b, lane, k, largest, lane_key(tau, l), w.as_ref(), &zero))
        .collect()
}

/// One lane's query rows then table rows; returns `(values, indices)`.
fn lay_lane(
    b: &mut Builder<'_>,
    lane: &[Wire],
    k: usize,
    largest: bool,
    lkey: Fr,
    w: Option<&LaneWitness>,
    zero: &Wire,
) -> (Vec<Wire>, Vec<Wire>) {
    let n = lane.len();
    assert!(k >= 1 && k <= n, "TopK k = {k} of a lane of {n}");
    let bits = form_bits(n, b.shape.act_bits);
    assert!(bits <= 240, "TopK forms of {bits} bits");
    let (s, m) = (if largest { 1i128 } else { -1 }, n as i128);
    let sm = s * m;
    let (mut vals, mut idxs): (Vec<Wire>, Vec<Wire>) = (vec![], vec![]);
    for j in 0..k {
        let row = b.next_row();
        let pick = w.map(|w| w.picks[j]);
        let i_j = b.put(Adv::X(0), row, pick.map(|p| p.0));
        let v_j = b.put(Adv::X(1), row, pick.map(|p| p.1));
        // R_dyn query: (key, i_j, v_j).
        b.set(Fix::Dyn(DynFix::QQuery), row, Fr::ONE);
        b.set(Fix::Dyn(DynFix::LaneQuery), row, lkey);
        b.set(Fix::Dyn(DynFix::M), row, Fr::ONE);
        if j > 0 {
            // E1: s·M·v_{j−1} − i_{j−1} − s·M·v_j + i_j − 1 − Σ limbs(D_j) = 0.
            let (vp, ip) = (vals[j - 1], idxs[j - 1]);
            b.copy_in(&vp, Adv::X(2), row);
            b.copy_in(&ip, Adv::X(3), row);
            b.seti(Fix::Wx(2), row, sm);
            b.seti(Fix::Wx(3), row, -1);
            b.seti(Fix::Wx(1), row, -sm);
            b.seti(Fix::Wx(0), row, 1);
            b.seti(Fix::C1, row, -1);
            let d = pick
                .zip(w.map(|w| w.picks[j - 1]))
                .map(|((i, v), (ip, vp))| key(vp, ip, s, m) - key(v, i, s, m) - 1);
            let mut next = 0;
            b.range_limbs(row, Eqn::E1, &mut next, d, bits, -Fr::ONE);
        }
        vals.push(v_j);
        idxs.push(i_j);
    }
    let (vl, il) = (vals[k - 1], idxs[k - 1]);
    let mut a_prev: Option<Wire> = None;
    for (i, x) in lane.iter().enumerate() {
        let row = b.next_row();
        let xi = b.copy_in(x, Adv::X(0), row);
        b.set(Fix::Dyn(DynFix::LaneTable), row, lkey);
        b.seti(Fix::Dyn(DynFix::J), row, i as i128);
        if k == n {
            continue;
        }
        // E1: s·M·x_i − s·M·v_{k−1} + i_{k−1} − i + 2^K·β_i − Σ limbs(T_i) = 0.
        b.copy_in(&vl, Adv::X(1), row);
        b.copy_in(&il, Adv::X(2), row);
        b.seti(Fix::Wx(0), row, sm);
        b.seti(Fix::Wx(1), row, -sm);
        b.seti(Fix::Wx(2), row, 1);
        b.seti(Fix::C1, row, -(i as i128));
        let beta = w.map(|w| w.beta[i]);
        let l = xi
            .val
            .zip(vl.val)
            .zip(il.val)
            .map(|((x, v), ix)| key(x, i as i128, s, m) - key(v, ix, s, m));
        let mut next = 0;
        b.range_limbs(
            row,
            Eqn::E1,
            &mut next,
            l.zip(beta).map(|(l, be)| l + (be << bits)),
            bits,
            -Fr::ONE,
        );
        // β_i enters E1 with 2^K and E2 with −1.
        b.range_limbs_in(
            row,
            &[(Eqn::E1, pow2(bits)), (Eqn::E2, -Fr::ONE)],
            &mut next,
            beta,
            1,
        );
        // E2: acc − [i > 0]·acc[-1] − β_i + [i = 0]·(n − k) = 0.
        b.set(Fix::A2, row, Fr::ONE);
        let first = i == 0;
        b.seti(Fix::P2, row, if first { 0 } else { -1 });
        b.seti(Fix::C2, row, if first { (n - k) as i128 } else { 0 });
        let a = match (first, beta) {
            (true, be) => be.map(|be| be - (n - k) as i128),
            (false, be) => be.zip(a_prev.and_then(|p| p.val)).map(|(be, p)| be + p),
        };
        a_prev = Some(b.put(Adv::Acc, row, a));
    }
    if let Some(a) = a_prev {
        // copy: a_{n−1} = 0.
        b.sink.copy(a.at(), zero.at());
    }
    (vals, idxs)
}

#[cfg(test)]
mod tests;
