//! The circuit's one row type and the gadgets laid out on it.
//!
//! Every row has the same advice cells:
//!
//! ```text
//! | x_0 … x_{n-1} | acc | lk_0 … lk_{L-1} |      (advice; x and acc equality-enabled)
//! ```
//!
//! A segment of a segmented proof has its boundary columns `b_0 … b_{B−1}`
//! before these (equality-enabled, in no gate: [`Adv::B`],
//! `crate::segment::boundary`). Every row has
//! the same three constraints, switched and weighted per row by fixed
//! columns (a row whose fixed columns are all zero constrains nothing):
//!
//! ```text
//! E1: q_mul·x_0·x_1 + q_pairs·Σ_i x_{2i}·x_{2i+1}
//!     + Σ_i wx_i·x_i + Σ_j u1_j·lk_j + a1·acc + p1·acc[-1] + c1 = 0                   (degree 3)
//! E2:                  g·Σ_j u2_j·lk_j + a2·acc + p2·acc[-1] + c2
//!        − q_top·ind(lk_{L−1})·(lk_{L−2} + 2^(b−2)·lk_{L−1} − 2^(b−1)) = 0,
//!     g = (1 − q_relu) + q_relu·lk_{L−1},  ind(h) = h(h−1)(7−2h)/6                  (degree 5)
//! E3: q_sel·(acc − x_0)·(acc − s1·acc[-1] − s0) = 0                                  (degree 4)
//! R_j: (tag_j, lk_j) ∈ {(0, 0)} ∪ {(w, v) : w ∈ W, 0 ≤ v < 2^w}
//!                     ∪ {(τ_f, entry_f(i)) : function tables f}   (lookup per lk column, degree 4)
//! ```
//!
//! With matrix checks on ([`Shape::freivalds`]) two more constraints use the
//! challenge `α` (drawn after the first-phase columns are committed: `lk` and
//! the even `x` columns; the odd `x` columns and `acc` are second-phase):
//!
//! ```text
//! E4: q_horner·(acc − h·acc[-1]·α^n − Σ_i wx_i·α^(n−1−i)) = 0                      (degree 3)
//! E5: q_pow·(acc − acc[-1]·α) = 0                                                   (degree 2)
//! ```
//!
//! `acc[-1]` is the previous row's `acc` (multiply-accumulate chains, running
//! maxima). `q_relu` turns E2 into `acc = c + lk_{L−1}·(linear form)`: a sign bit
//! (the last lk cell, a 1-bit limb) times the low limbs, which fuses
//! `max(y, lo)` into a rescale row ([`linear`]). Every `lk` cell is range checked against the table of widths `W`
//! (`tag_j` selects the width of cell `j`; an unused cell has tag 0 and value
//! 0), so "v ∈ [0, 2^b)" costs ⌈b/t⌉ lk cells whose weighted sum appears in E1
//! or E2 ([`range`]); a function table's packed entries share the table under
//! their own tags `τ_f ≥ 2^20` ([`table`]). The gadgets are instruction traits over [`Builder`]:
//!
//! * [`linear::LinearInstructions`]: `Σ w_i·x_i + c`, then `rshift` (Conv, MatMul,
//!   Gemm, Add/Sub with alignment, Mul by a constant, sums), one row per `n` terms.
//! * [`arith::ArithInstructions`]: `rshift(a·b, d)`, constants, model inputs.
//! * [`select::SelectInstructions`]: Relu, max/min with a constant (Clip), max chains (MaxPool).
//! * [`rdiv::RdivInstructions`]: `rdiv(x, n)` for any `n` (AveragePool).
//! * [`divide::DivideInstructions`]: exact division by a run-time cell (Div),
//!   the exact integer square root, wide range chains.
//! * [`normalize::NormalizeInstructions`]: standardization of one lane
//!   (LayerNormalization and its relatives).
//! * [`table::TableInstructions`]: Sigmoid/Tanh (and Softmax's exp) by a saturated
//!   function table stored in the range table under its own tag.
//! * [`softmax::SoftmaxInstructions`]: Softmax of one lane.
//! * [`freivalds::FreivaldsInstructions`]: the randomized matrix check of a
//!   product by a constant matrix (Conv, MatMul) through E4, E5 and pair rows.
//! * [`compare::CompareInstructions`]: comparisons (sign bit of a difference),
//!   Equal/Sign/`≠ 0`, Not/And/Or/Xor on booleans, Where.
//! * [`round::RoundInstructions`]: Floor, Ceil, Round (half to even), Mod by a constant.
//! * [`dyn_lookup::DynLookupInstructions`]: a gather by run-time indices, a
//!   lookup into a table of the data's own cells (opt-in columns and lookup).
//! * [`topk::TopKInstructions`]: the `k` best of a lane in rank order and
//!   their indices (TopK), on the run-time gather lookup and sign rows.
//! * [`argmax::ArgmaxInstructions`]: the first index of the largest value
//!   (selective reveal of the class, [`zkml_core::reveal`]).
//! * [`poseidon::PoseidonInstructions`]: the Poseidon hash of field-element
//!   wires, on its own gate (opt-in: [`MainConfig::configure_poseidon`]).
//! * [`commit::CommitInstructions`]: range-checked cells, packing and the
//!   blinded Poseidon commitment of a committed tensor group.
//!
//! Layout depends only on the model: the same [`Builder`] code runs with
//! witness values (`Some`) to prove and without (`None`) for keygen and
//! planning, through a [`Sink`].
//!
//! Soundness argument, by induction over the cells in row order: each gadget's
//! constraints leave exactly one choice for its output cells given its input
//! cells (proved in each gadget's module doc), so every cell equals the
//! executor's integer.

pub mod argmax;
pub mod arith;
pub mod audit;
pub mod commit;
pub mod compare;
pub mod divide;
pub mod dyn_lookup;
pub mod freivalds;
pub mod linear;
pub mod normalize;
pub mod poseidon;
pub mod range;
pub mod rdiv;
pub mod round;
pub mod select;
pub mod softmax;
pub mod table;
pub mod topk;

mod builder;
mod sink;
pub(crate) use builder::lk_weight;
pub use builder::{Builder, Eqn, FeWire, Wire};
pub use sink::{
    assign_range_table, synthesize_main, CountSink, Halo2Sink, NullSink, Sink, SinkPass,
};

use halo2_axiom::{
    halo2curves::bn256::Fr,
    halo2curves::ff::{Field, PrimeField},
    plonk::{
        Advice, Challenge, Column, ConstraintSystem, Expression, Fixed, Instance, SecondPhase,
        TableColumn,
    },
    poly::Rotation,
};

/// Column shape of the main gate: `n` multiply-accumulate inputs, `l` range
/// cells per row, limbs of at most `t` bits, activations of `act_bits` bits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Shape {
    /// Width of the multiply-accumulate row (`x` columns).
    pub n: usize,
    /// Range-checked cells per row (`lk` columns, one lookup each).
    pub l: usize,
    /// Widest limb (bits); the table holds every width in `widths`.
    pub t: u32,
    /// Activation bits: activations lie in `[-2^(b-1), 2^(b-1))`.
    pub act_bits: u32,
    /// Limb widths present in the range table (sorted, each ≤ `t`).
    pub widths: Vec<u32>,
    /// Function tables (Sigmoid/Tanh, Softmax's exp), in order of first use;
    /// their entries follow the range rows in the range table ([`table`]).
    pub tables: Vec<table::FnTable>,
    /// Randomized matrix checks on: odd `x` columns and `acc` move to halo2's
    /// second phase, a challenge `α` is drawn after the first-phase columns are
    /// committed, and the Horner/power gate E4/E5 exists ([`freivalds`]).
    pub freivalds: bool,
    /// The Poseidon gate is configured (committed tensors; needs `n ≥ 5`).
    pub poseidon: bool,
    /// The run-time gather lookup is configured (the model gathers by
    /// run-time indices, [`dyn_lookup`]).
    pub dyn_lookup: bool,
    /// Boundary columns holding a segment's input tensors (0: the inputs are
    /// not a segment boundary). They are the circuit's first advice columns
    /// (`crate::segment::boundary`).
    pub bnd_in: usize,
    /// Boundary columns holding a segment's output tensors, right after the
    /// input ones (0: the outputs are not a segment boundary).
    pub bnd_out: usize,
}

impl Shape {
    /// Rows of the range table: `1 + Σ_{w∈W} 2^w` (the extra row is `(0, 0)`)
    /// plus each function table's `hi − lo + 1` rows.
    pub fn table_rows(&self) -> usize {
        let range = 1 + self.widths.iter().map(|&w| 1usize << w).sum::<usize>();
        range + self.tables.iter().map(table::FnTable::rows).sum::<usize>()
    }
}

/// An advice column of the main gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Adv {
    /// `x_i`.
    X(usize),
    /// `acc`.
    Acc,
    /// `lk_j`.
    Lk(usize),
    /// Boundary column `j` (inputs `0 … bnd_in − 1`, then outputs): no gate,
    /// equality-enabled, the circuit's first advice columns.
    B(usize),
}

/// A fixed column of the main gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fix {
    /// E1 weight of `x_i`.
    Wx(usize),
    /// E1 weight of `lk_j`.
    U1(usize),
    /// E1 weight of `acc`.
    A1,
    /// E1 weight of `acc[-1]`.
    P1,
    /// E1 constant.
    C1,
    /// E1 weight of `x_0·x_1`.
    QMul,
    /// E1 weight of `Σ x_{2i}·x_{2i+1}` (private weights).
    QPairs,
    /// E2 weight of `lk_j`.
    U2(usize),
    /// E2 weight of `acc`.
    A2,
    /// E2 weight of `acc[-1]`.
    P2,
    /// E2 constant.
    C2,
    /// E2 switch: multiply the lk part by the last lk cell.
    QRelu,
    /// E2 switch: the two-bit-top Relu term.
    QTop,
    /// E3 switch.
    QSel,
    /// E3 weight of `acc[-1]`.
    S1,
    /// E3 constant.
    S0,
    /// Width tag of `lk_j`.
    Tag(usize),
    /// A fixed column of the Poseidon gate ([`poseidon::PoseidonFix`]).
    Poseidon(poseidon::PoseidonFix),
    /// E4 switch (Horner step in `α` over the row's `wx` coefficients).
    QHorner,
    /// E4 weight of `acc[-1]·α^n` (0 starts a Horner chain).
    HornerPrev,
    /// E5 switch (`acc = acc[-1]·α`).
    QPow,
    /// A fixed column of the run-time gather lookup ([`dyn_lookup`]).
    Dyn(dyn_lookup::DynFix),
}

/// The columns and challenge of the randomized matrix check ([`freivalds`]).
#[derive(Clone, Debug)]
pub struct FreivaldsConfig {
    /// `α`, drawn after the first-phase advice columns are committed.
    pub alpha: Challenge,
    q_horner: Column<Fixed>,
    horner_prev: Column<Fixed>,
    q_pow: Column<Fixed>,
}

/// Columns and constraints of the main gate ([module doc](self)).
#[derive(Clone, Debug)]
pub struct MainConfig {
    /// The shape it was built for.
    pub shape: Shape,
    /// `x` columns.
    pub x: Vec<Column<Advice>>,
    /// `acc`.
    pub acc: Column<Advice>,
    /// `lk` columns.
    pub lk: Vec<Column<Advice>>,
    /// Boundary columns ([`Adv::B`]).
    pub bnd: Vec<Column<Advice>>,
    wx: Vec<Column<Fixed>>,
    u1: Vec<Column<Fixed>>,
    u2: Vec<Column<Fixed>>,
    tag: Vec<Column<Fixed>>,
    a1: Column<Fixed>,
    p1: Column<Fixed>,
    c1: Column<Fixed>,
    q_mul: Column<Fixed>,
    q_pairs: Column<Fixed>,
    a2: Column<Fixed>,
    p2: Column<Fixed>,
    c2: Column<Fixed>,
    q_relu: Column<Fixed>,
    q_top: Column<Fixed>,
    q_sel: Column<Fixed>,
    s1: Column<Fixed>,
    s0: Column<Fixed>,
    /// Range table: width tag.
    pub t_tag: TableColumn,
    /// Range table: value.
    pub t_val: TableColumn,
    /// Public inputs then public outputs.
    pub instance: Column<Instance>,
    /// The Poseidon gate, when configured ([`MainConfig::configure_poseidon`]).
    pub poseidon: Option<poseidon::PoseidonConfig>,
    /// The matrix-check gate and challenge, when `shape.freivalds`.
    pub freivalds: Option<FreivaldsConfig>,
    /// The run-time gather lookup, when configured
    /// ([`MainConfig::configure_dyn_lookup`]).
    pub dyn_lookup: Option<dyn_lookup::DynLookupConfig>,
}

impl MainConfig {
    /// Allocates the columns and registers E1, E2, E3 and the range lookups.
    pub fn configure(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> Self {
        let n = shape.n.max(2);
        let l = shape.l;
        // Boundary columns first: their commitments open the proof transcript
        // (`crate::segment::boundary`).
        let bnd: Vec<_> = (0..shape.bnd_in + shape.bnd_out)
            .map(|_| meta.advice_column())
            .collect();
        for c in &bnd {
            meta.enable_equality(*c);
        }
        // With matrix checks, the cells a check reads (even `x`) are committed
        // before `α`; the cells computed from `α` (odd `x`, `acc`) after it.
        let second = |meta: &mut ConstraintSystem<Fr>, yes: bool| {
            if yes && shape.freivalds {
                meta.advice_column_in(SecondPhase)
            } else {
                meta.advice_column()
            }
        };
        let x: Vec<_> = (0..n).map(|i| second(meta, i % 2 == 1)).collect();
        let acc = second(meta, true);
        let lk: Vec<_> = (0..l).map(|_| meta.advice_column()).collect();
        for c in x.iter().chain([&acc]) {
            meta.enable_equality(*c);
        }
        let instance = meta.instance_column();
        meta.enable_equality(instance);
        let fixed = |meta: &mut ConstraintSystem<Fr>, m: usize| -> Vec<Column<Fixed>> {
            (0..m).map(|_| meta.fixed_column()).collect()
        };
        let wx = fixed(meta, n);
        let u1 = fixed(meta, l);
        let u2 = fixed(meta, l);
        let tag = fixed(meta, l);
        let [a1, p1, c1, q_mul, q_pairs, a2, p2, c2, q_relu, q_top, q_sel, s1, s0] =
            [(); 13].map(|_| meta.fixed_column());
        let t_tag = meta.lookup_table_column();
        let t_val = meta.lookup_table_column();

        meta.create_gate("main", |m| {
            let xs: Vec<_> = x
                .iter()
                .map(|c| m.query_advice(*c, Rotation::cur()))
                .collect();
            let lks: Vec<_> = lk
                .iter()
                .map(|c| m.query_advice(*c, Rotation::cur()))
                .collect();
            let acc_c = m.query_advice(acc, Rotation::cur());
            let acc_p = m.query_advice(acc, Rotation::prev());
            let f = |m: &mut halo2_axiom::plonk::VirtualCells<'_, Fr>, c: Column<Fixed>| {
                m.query_fixed(c, Rotation::cur())
            };
            // E1: q_mul·x0·x1 + Σ wx·x + Σ u1·lk + a1·acc + p1·acc[-1] + c1 = 0
            let mut e1 = f(m, q_mul) * xs[0].clone() * xs[1].clone()
                + f(m, a1) * acc_c.clone()
                + f(m, p1) * acc_p.clone()
                + f(m, c1);
            for (w, xv) in wx.iter().zip(&xs) {
                e1 = e1 + f(m, *w) * xv.clone();
            }
            let mut pairs = Expression::Constant(Fr::ZERO);
            for pr in xs.chunks_exact(2) {
                pairs = pairs + pr[0].clone() * pr[1].clone();
            }
            e1 = e1 + f(m, q_pairs) * pairs;
            for (u, v) in u1.iter().zip(&lks) {
                e1 = e1 + f(m, *u) * v.clone();
            }
            // E2: g·Σ u2·lk + a2·acc + p2·acc[-1] + c2 = 0, g = 1 − q_relu + q_relu·lk_{L−1}
            let mut lin2 = Expression::Constant(Fr::ZERO);
            for (u, v) in u2.iter().zip(&lks) {
                lin2 = lin2 + f(m, *u) * v.clone();
            }
            let g = match lks.last() {
                Some(last) => {
                    let qr = f(m, q_relu);
                    Expression::Constant(Fr::ONE) - qr.clone() + qr * last.clone()
                }
                None => Expression::Constant(Fr::ONE),
            };
            let mut e2 = g * lin2 + f(m, a2) * acc_c.clone() + f(m, p2) * acc_p.clone() + f(m, c2);
            // The Relu of y = lk_{L−2} + 2^(b−2)·h − 2^(b−1), h = lk_{L−1} ∈ [0, 4): y ≥ 0 ⇔ h ≥ 2.
            if lks.len() >= 2 && shape.act_bits >= 3 {
                let h = lks[lks.len() - 1].clone();
                let main = lks[lks.len() - 2].clone();
                let c = |v: u64| Expression::Constant(Fr::from(v));
                let ind = h.clone()
                    * (h.clone() - c(1))
                    * (c(7) - c(2) * h.clone())
                    * Expression::Constant(Fr::from(6u64).invert().unwrap());
                let y = main + h * Expression::Constant(pow2(shape.act_bits - 2))
                    - Expression::Constant(pow2(shape.act_bits - 1));
                e2 = e2 - f(m, q_top) * ind * y;
            }
            // E3: q_sel·(acc − x0)·(acc − s1·acc[-1] − s0) = 0
            let e3 = f(m, q_sel)
                * (acc_c.clone() - xs[0].clone())
                * (acc_c - f(m, s1) * acc_p - f(m, s0));
            vec![e1, e2, e3]
        });
        for (j, (c, t)) in lk.iter().zip(&tag).enumerate() {
            meta.lookup(format!("range lk_{j}"), |m| {
                vec![
                    (m.query_fixed(*t, Rotation::cur()), t_tag),
                    (m.query_advice(*c, Rotation::cur()), t_val),
                ]
            });
        }
        let freivalds = shape
            .freivalds
            .then(|| freivalds::configure(meta, acc, &wx));
        let mut shape = shape;
        shape.n = n;
        Self {
            shape,
            x,
            acc,
            lk,
            bnd,
            wx,
            u1,
            u2,
            tag,
            a1,
            p1,
            c1,
            q_mul,
            q_pairs,
            a2,
            p2,
            c2,
            q_relu,
            q_top,
            q_sel,
            s1,
            s0,
            t_tag,
            t_val,
            instance,
            poseidon: None,
            freivalds,
            dyn_lookup: None,
        }
    }

    /// Whether an advice column is committed after the challenge `α`.
    pub fn is_second_phase(&self, a: Adv) -> bool {
        self.shape.freivalds
            && match a {
                Adv::X(i) => i % 2 == 1,
                Adv::Acc => true,
                Adv::Lk(_) | Adv::B(_) => false,
            }
    }

    /// Adds the Poseidon gate and its fixed columns ([`poseidon`]); without
    /// it the constraint system is unchanged.
    ///
    /// # Panics
    /// If the MAC width `n < 5` (the gate uses `x_0 … x_4` and `acc`).
    pub fn configure_poseidon(&mut self, meta: &mut ConstraintSystem<Fr>) {
        if self.poseidon.is_none() {
            self.poseidon = Some(poseidon::PoseidonConfig::configure(meta, self));
        }
    }

    /// Adds the run-time gather lookup ([`dyn_lookup`]); without it the
    /// constraint system is unchanged.
    pub fn configure_dyn_lookup(&mut self, meta: &mut ConstraintSystem<Fr>) {
        if self.dyn_lookup.is_none() {
            self.dyn_lookup = Some(dyn_lookup::DynLookupConfig::configure(meta, self));
        }
    }

    /// The halo2 column of an advice cell.
    pub fn advice(&self, a: Adv) -> Column<Advice> {
        match a {
            Adv::X(i) => self.x[i],
            Adv::Acc => self.acc,
            Adv::Lk(j) => self.lk[j],
            Adv::B(j) => self.bnd[j],
        }
    }

    /// The halo2 column of a fixed cell.
    pub fn fixed(&self, c: Fix) -> Column<Fixed> {
        match c {
            Fix::Wx(i) => self.wx[i],
            Fix::U1(j) => self.u1[j],
            Fix::U2(j) => self.u2[j],
            Fix::Tag(j) => self.tag[j],
            Fix::A1 => self.a1,
            Fix::P1 => self.p1,
            Fix::C1 => self.c1,
            Fix::QMul => self.q_mul,
            Fix::QPairs => self.q_pairs,
            Fix::A2 => self.a2,
            Fix::P2 => self.p2,
            Fix::C2 => self.c2,
            Fix::QRelu => self.q_relu,
            Fix::QTop => self.q_top,
            Fix::QSel => self.q_sel,
            Fix::S1 => self.s1,
            Fix::S0 => self.s0,
            Fix::Poseidon(p) => self
                .poseidon
                .as_ref()
                .expect("Poseidon gate not configured (MainConfig::configure_poseidon)")
                .fixed(p),
            Fix::Dyn(d) => self
                .dyn_lookup
                .as_ref()
                .expect("run-time gather lookup not configured (MainConfig::configure_dyn_lookup)")
                .fixed(d),
            Fix::QHorner | Fix::HornerPrev | Fix::QPow => {
                let f = self
                    .freivalds
                    .as_ref()
                    .expect("matrix-check gate not configured (Shape::freivalds)");
                match c {
                    Fix::QHorner => f.q_horner,
                    Fix::HornerPrev => f.horner_prev,
                    _ => f.q_pow,
                }
            }
        }
    }
}

/// Integer → field, negatives as `p − |x|`.
///
/// Values below 2^64 (nearly all: weights, activations, shifts) take one
/// Montgomery conversion; `PrimeField::from_u128`'s default is 64 doublings
/// more, which made it most of the planner's time on large models.
pub fn fe(v: i128) -> Fr {
    let m = v.unsigned_abs();
    let f = match u64::try_from(m) {
        Ok(small) => Fr::from(small),
        Err(_) => Fr::from_u128(m),
    };
    if v >= 0 {
        f
    } else {
        -f
    }
}

/// `2^e` in the field.
pub fn pow2(e: u32) -> Fr {
    static POW2: std::sync::OnceLock<Vec<Fr>> = std::sync::OnceLock::new();
    let t = POW2.get_or_init(|| {
        let mut v = Vec::with_capacity(256);
        let mut p = Fr::ONE;
        for _ in 0..256 {
            v.push(p);
            p = p.double();
        }
        v
    });
    t.get(e as usize)
        .copied()
        .unwrap_or_else(|| Fr::from(2u64).pow_vartime([e as u64]))
}

#[cfg(test)]
pub(crate) mod test_utils;

#[cfg(test)]
mod fe_tests {
    use super::*;

    /// The fast path agrees with `from_u128` on both sides of 2^64 and at the ends.
    #[test]
    fn fe_agrees_with_from_u128() {
        let reference = |v: i128| {
            if v >= 0 {
                Fr::from_u128(v as u128)
            } else {
                -Fr::from_u128(v.unsigned_abs())
            }
        };
        let big = 1i128 << 64;
        for v in [
            0,
            1,
            -1,
            12345,
            -12345,
            big - 1,
            big,
            big + 1,
            i128::MAX,
            i128::MIN,
        ]
        .into_iter()
        .chain([-(big - 1), -big, -(big + 1), i128::MIN + 1])
        {
            assert_eq!(fe(v), reference(v), "{v}");
        }
    }
}
