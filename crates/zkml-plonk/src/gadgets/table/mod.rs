//! Function tables (every `zkml_core::ops::TableFn`: Sigmoid, Tanh, Exp, Erf,
//! Gelu, …, and Softmax's exponential) with saturation.
//!
//! Relation: `y = f(x)` for an integer function `f` (`zkml_core::ops::table::table_int`
//! or `zkml_core::ops::softmax::exp_int`) over the input domain `[dmin, dmax]`
//! (activations: `[−2^(b−1), 2^(b−1))`; softmax differences:
//! `[−(2^b − 1), 0]`).
//!
//! **Calibrated domains** (`zkml_core::ops::table::domain`): an op with a
//! domain `[d_lo, d_hi]` computes `f(clamp(x, d_lo, d_hi))`, and that is the
//! spec function [`FnKind::eval`] the scan below reads. It is constant
//! beyond each domain end, so the saturation points are within the domain
//! and the clamp rows below prove the clamp: the table holds only the
//! domain and every input proves. Such a table's tag also carries
//! `[d_lo, d_hi]` ([`FnTable::tag_fe`]), so two ops of one function and
//! scales with different domains never share entries.
//!
//! Only inputs whose output is defined and within the activation bound are
//! tabulated (the executor refuses the others: `Log(0)`, `Exp(10)` at a
//! fine scale): an end of the domain where `f` leaves the range gets no clamp
//! row, and the lookup itself rejects such inputs.
//!
//! A table over the whole domain would need `2^b` rows. Instead [`FnTable::new`]
//! scans `f` (the spec function itself) for its **saturation points**: the
//! smallest `hi` with `f(x) = f(dmax)` for all `x ∈ [hi, dmax]` and the largest
//! `lo` with `f(x) = f(dmin)` for all `x ∈ [dmin, lo]` (at an end where `f` is
//! in range). Then `f(x) = f(clamp(x, lo, hi))` on the whole domain, and only
//! `[lo, hi]` is tabulated.
//!
//! Rows (`c` = clamped input, `V` = output bits, `y_lo` = smallest output):
//!
//! ```text
//! [max row: z = max(x, lo)]   select gadget, only if lo > dmin
//! [min row: c = min(z, hi)]   select gadget, only if hi < dmax
//! lookup row: x_0 = c (copy), acc = y, lk_0 = (y − y_lo) + 2^V·(c − lo)  (tag τ_f),
//!             lk_1.. = limbs(y − y_lo)
//!   E1: lk_0 − (acc − y_lo) − 2^V·(x_0 − lo) = 0
//!   E2: (acc − y_lo) − Σ 2^(t·k)·ℓ_k = 0                  y − y_lo ∈ [0, 2^V)
//!   R:  (τ_f, lk_0) ∈ {(τ_f, (f(i) − y_lo) + 2^V·(i − lo)) : i ∈ [lo, hi]}
//! ```
//!
//! The function's entries live in the **range table** under their own tag
//! `τ_f ≥ 2^20` (range widths are tags `≤ 32`), so no column is added:
//! [`assign_tables`] writes the range rows, then `hi − lo + 1` rows per
//! distinct table of the model (`Shape::tables`, collected by the planning
//! pass in order of first use; they are part of the key format).
//!
//! Size: at the default quantization (16-bit activations, scale 8) Sigmoid's
//! table is ~3.2k rows and Tanh's ~1.8k, instead of the `2^16` rows of a table
//! over the whole domain.
//!
//! **Input rounding** (`zkml_core::ops::table::cap`): a table function at an
//! input scale `s` above 12 (`h = table_in_shift(f, s) > 0`) reads its table at
//! scale 12: the table holds `d ↦ table_int(f, d, s − h, s_out)` over
//! `d ∈ [rshift(−2^(b−1), h), rshift(2^(b−1) − 1, h)]`, and
//! [`TableInstructions::table_fn`] lays one rounding row first:
//!
//! ```text
//! round row: x_0 = q (copy), acc = d, lk = limbs(r) ++ limbs(d + 2^(b−1))
//!   E1: x_0 + 2^(h−1) − 2^h·acc − Σ 2^(t·k)·r_k = 0          r ∈ [0, 2^h)
//!   E2: acc + 2^(b−1) − Σ 2^(t·k)·d_k = 0                    d ∈ [−2^(b−1), 2^(b−1))
//! ```
//!
//! (the row of [`super::linear`] for `rshift(q, h)`). `|2^h·d + r| < 2^(h+b) ≪ p`,
//! so `2^h·d + r = q + 2^(h−1)` over the integers and `d = ⌊(q + 2^(h−1))/2^h⌋
//! = rshift(q, h)`, the executor's value: a forger's `d ± 1` needs
//! `r ∓ 2^h`, outside `[0, 2^h)`. The clamp and lookup rows then read `d`.
//!
//! Soundness: `c` is a small integer (a clamp output) and `y − y_lo ∈ [0, 2^V)`,
//! so `(y − y_lo) + 2^V·(c − lo)` is an integer far below `p`, equal to a table
//! entry `j + 2^V·i` with `j ∈ [0, 2^V)`; base-`2^V` digits are unique, so
//! `y − y_lo = j` and `c = i`: `y = f(c) = f(x)` by saturation. The select rows
//! prove `c = clamp(x, lo, hi)` ([`super::select`]). Degree: that of the main gate.

use halo2_axiom::{
    circuit::{Layouter, Value},
    halo2curves::{
        bn256::Fr,
        ff::{Field, PrimeField},
    },
    plonk::Error,
};
use zkml_core::{
    ops::{
        softmax::exp_int,
        table::{table_in_shift, table_int, TableDomain, INVALID},
        TableFn,
    },
    rounding::rshift,
};

use super::{
    builder::lk_weight, pow2, range::bits_for, range::RangeInstructions,
    select::SelectInstructions, Adv, Builder, Eqn, Fix, MainConfig, Wire,
};

/// Which integer function a table holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FnKind {
    /// `table_int(func, d, in_scale − h, out_scale)` of the rounded input
    /// `d = rshift(q, h)`, `h` = [`FnKind::shift`] (0 at input scales ≤ 12),
    /// clamped to the op's domain (`TableDomain::read`) when it has one.
    Act {
        /// The function (`zkml_core::ops::table`).
        func: TableFn,
        /// The op's input scale exponent (the table reads at `in_scale − h`).
        in_scale: i32,
        /// Output scale exponent.
        out_scale: i32,
        /// The op's calibrated input domain (`None`: no clamp).
        domain: Option<TableDomain>,
    },
    /// `exp_int(d, in_scale, exp_scale)` on `d ≤ 0` (Softmax).
    Exp {
        /// Input scale exponent.
        in_scale: i32,
        /// Output scale exponent.
        exp_scale: i32,
    },
}

impl FnKind {
    /// The bits the op rounds its input off before the table
    /// (`zkml_core::ops::table::table_in_shift`; 0 for the exponential,
    /// whose caller rounds).
    pub fn shift(&self) -> u32 {
        match *self {
            FnKind::Act { func, in_scale, .. } => table_in_shift(func, in_scale),
            FnKind::Exp { .. } => 0,
        }
    }

    /// The spec's integer function of the table's input (the rounded input
    /// when [`Self::shift`] `> 0`), clamped to the op's domain first
    /// (`zkml_core::ops::table::table_op_int_in`).
    pub fn eval(&self, x: i64) -> i64 {
        match *self {
            FnKind::Act {
                func,
                in_scale,
                out_scale,
                domain,
            } => {
                let x = match domain.map(|d| d.read(func, in_scale)) {
                    Some((lo, hi)) => x.max(lo).min(hi),
                    None => x,
                };
                table_int(func, x, in_scale - self.shift() as i32, out_scale)
            }
            FnKind::Exp {
                in_scale,
                exp_scale,
            } => exp_int(x, in_scale, exp_scale),
        }
    }

    /// The table's input domain for activations of `act_bits` bits (the
    /// rounded activation range when [`Self::shift`] `> 0`).
    pub fn domain(&self, act_bits: u32) -> (i64, i64) {
        let half = 1i64 << (act_bits - 1);
        match self {
            FnKind::Act { .. } => {
                let h = self.shift();
                (rshift(-half, h), rshift(half - 1, h))
            }
            FnKind::Exp { .. } => (-(2 * half - 1), 0),
        }
    }

    /// The op's calibrated domain at the table's read scale, `[d_lo, d_hi]`
    /// (`TableDomain::read`), if any.
    pub fn clamp_ends(&self) -> Option<(i64, i64)> {
        match *self {
            FnKind::Act {
                func,
                in_scale,
                domain: Some(d),
                ..
            } => Some(d.read(func, in_scale)),
            _ => None,
        }
    }

    /// The lookup tag, unique per function, parameters and scales, `≥ 2^20`
    /// (a calibrated domain adds to it: [`FnTable::tag_fe`]):
    /// `2^20 + (id + 1)·2^16 + (in_scale mod 2^8)·2^8 + (out_scale mod 2^8)
    /// + p0·2^64 + p1·2^96` (`id`, `p` from [`Self::to_code`]; Sigmoid, Tanh and
    /// the exponential keep their tags `2^20 + {1, 2, 3}·2^16 + …`).
    pub fn tag(&self) -> u128 {
        let s = |v: i32| (v as u8) as u128;
        let (id, a, b, p) = self.to_code();
        (1 << 20)
            + ((id as u128 + 1) << 16)
            + (s(a) << 8)
            + s(b)
            + ((p[0] as u128) << 64)
            + ((p[1] as u128) << 96)
    }

    /// The key-format encoding: `(id, in_scale, out_scale, params)`: id 2 is
    /// Softmax's exponential, every other id a [`TableFn`] (`TableFn::code`);
    /// the domain is [`Self::domain_code`].
    pub fn to_code(&self) -> (u8, i32, i32, [u32; 2]) {
        match *self {
            FnKind::Act {
                func,
                in_scale,
                out_scale,
                ..
            } => {
                let (id, p) = func.code();
                (id, in_scale, out_scale, p)
            }
            FnKind::Exp {
                in_scale,
                exp_scale,
            } => (2, in_scale, exp_scale, [0, 0]),
        }
    }

    /// The op's calibrated domain (`None` for the exponential).
    pub fn domain_code(&self) -> Option<TableDomain> {
        match *self {
            FnKind::Act { domain, .. } => domain,
            FnKind::Exp { .. } => None,
        }
    }

    /// Inverse of [`Self::to_code`] and [`Self::domain_code`].
    pub fn from_code(
        kind: u8,
        a: i32,
        b: i32,
        p: [u32; 2],
        domain: Option<TableDomain>,
    ) -> Option<Self> {
        Some(match kind {
            2 if p == [0, 0] && domain.is_none() => FnKind::Exp {
                in_scale: a,
                exp_scale: b,
            },
            _ => FnKind::Act {
                func: TableFn::from_code(kind, p)?,
                in_scale: a,
                out_scale: b,
                domain,
            },
        })
    }
}

/// A saturated function table ([module doc](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnTable {
    /// The function.
    pub kind: FnKind,
    /// Input domain `[dmin, dmax]`.
    pub dmin: i64,
    /// Input domain upper end.
    pub dmax: i64,
    /// Lower saturation point: `f(x) = f(dmin)` for `x ≤ lo`.
    pub lo: i64,
    /// Upper saturation point: `f(x) = f(dmax)` for `x ≥ hi`.
    pub hi: i64,
    /// Smallest output on `[lo, hi]`.
    pub y_lo: i64,
    /// Largest output on `[lo, hi]`.
    pub y_hi: i64,
    /// Output bits: `y − y_lo ∈ [0, 2^v)`.
    pub v: u32,
    /// Activation bound: inputs whose output exceeds it are not tabulated.
    pub bound: i64,
    /// Tabulated inputs: those in `[lo, hi]` with an output in `±bound`.
    pub n_rows: usize,
}

impl std::hash::Hash for FnTable {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        // Everything else is a function of the kind and the domain.
        self.kind.tag().hash(h);
        self.kind.clamp_ends().hash(h);
        (self.dmin, self.dmax).hash(h);
    }
}

/// Largest table the gadget accepts (rows).
pub const MAX_TABLE_ROWS: i64 = 1 << 22;

impl FnTable {
    /// Scans `kind` over its domain for `act_bits`-bit activations.
    pub fn new(kind: FnKind, act_bits: u32) -> Result<Self, String> {
        if !(2..=24).contains(&act_bits) {
            return Err(format!("activation bits {act_bits} outside 2..=24"));
        }
        let scales = match kind {
            FnKind::Act {
                in_scale,
                out_scale,
                ..
            } => [in_scale, out_scale],
            FnKind::Exp {
                in_scale,
                exp_scale,
            } => [in_scale, exp_scale],
        };
        if scales.iter().any(|s| !(-60..=40).contains(s)) || scales[1] < 0 {
            return Err(format!(
                "table scales {scales:?} outside the supported range (input −60..=40, output 0..=40)"
            ));
        }
        let (dmin, dmax) = kind.domain(act_bits);
        if let Some((l, h)) = kind.clamp_ends() {
            if !(dmin <= l && l <= h && h <= dmax) {
                return Err(format!(
                    "the table's calibrated domain [{l}, {h}] is not an interval within the \
                     activation range [{dmin}, {dmax}]"
                ));
            }
        }
        let bound = (1i64 << (act_bits - 1)) - 1;
        let f = |x| kind.eval(x);
        let valid = |x| Self::valid_for(&kind, bound, x);
        // Clamp only at an end where f is valid and saturates (a calibrated
        // domain's end, where f is f∘clamp, included); an end where f leaves
        // the range (Exp, Log, Reciprocal, …) is bounded by the table itself.
        let (lo, hi) =
            zkml_core::ops::table::domain_cost::saturation_points((dmin, dmax), f, valid);
        if hi - lo + 1 > MAX_TABLE_ROWS {
            return Err(format!(
                "the table would need {} rows (at most {MAX_TABLE_ROWS})",
                hi - lo + 1
            ));
        }
        let (mut y_lo, mut y_hi, mut n_rows) = (i64::MAX, i64::MIN, 0);
        for x in (lo..=hi).filter(|&x| valid(x)) {
            let y = f(x);
            y_lo = y_lo.min(y);
            y_hi = y_hi.max(y);
            n_rows += 1;
        }
        if n_rows == 0 {
            return Err(format!(
                "no input in [{dmin}, {dmax}] has an output within ±{bound} (use a finer \
                 output scale or wider activations)"
            ));
        }
        let v = bits_for((y_hi - y_lo) as u128);
        if v + bits_for((hi - lo) as u128) > 62 {
            return Err("table entries do not fit 62 bits".into());
        }
        Ok(Self {
            kind,
            dmin,
            dmax,
            lo,
            hi,
            y_lo,
            y_hi,
            v,
            bound,
            n_rows,
        })
    }

    /// Whether input `x` is tabulated: the exponential always; a function
    /// where its output is defined and within `±bound` (the executor refuses
    /// the others, so the circuit never needs them).
    fn valid_for(kind: &FnKind, bound: i64, x: i64) -> bool {
        match kind {
            FnKind::Exp { .. } => true,
            FnKind::Act { .. } => {
                let y = kind.eval(x);
                y != INVALID && y.abs() <= bound
            }
        }
    }

    /// The tabulated inputs, in order.
    pub fn inputs(&self) -> impl Iterator<Item = i64> + '_ {
        (self.lo..=self.hi).filter(|&x| Self::valid_for(&self.kind, self.bound, x))
    }

    /// [`Self::new`], memoized per process: the planner lays a model out once
    /// per candidate shape, and each scan evaluates `f` over the whole domain.
    pub fn cached(kind: FnKind, act_bits: u32) -> Result<Self, String> {
        type Memo =
            std::sync::Mutex<std::collections::HashMap<(FnKind, u32), Result<FnTable, String>>>;
        static MEMO: std::sync::OnceLock<Memo> = std::sync::OnceLock::new();
        let memo = MEMO.get_or_init(Default::default);
        let key = (kind, act_bits);
        if let Some(t) = memo.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return t.clone();
        }
        let t = Self::new(kind, act_bits);
        memo.lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, t.clone());
        t
    }

    /// Rows in the range table.
    pub fn rows(&self) -> usize {
        self.n_rows
    }

    /// The lookup tag: [`FnKind::tag`] (`< 2^128`), plus
    /// `2^128·(2^64 + 2^32·u32(d_lo) + u32(d_hi))` when the op has a
    /// calibrated domain ([`FnKind::clamp_ends`], within `[dmin, dmax]`
    /// ([`Self::new`]); `u32` the two's complement of a 32-bit integer:
    /// `|d_lo|, |d_hi| < 2^23` at ≤ 24-bit activations). Injective: tables
    /// of one kind and different domains, and every range width (`≤ 32`),
    /// get different tags.
    pub fn tag_fe(&self) -> Fr {
        let base = Fr::from_u128(self.kind.tag());
        let Some((l, h)) = self.kind.clamp_ends() else {
            return base;
        };
        let u = |v: i64| v as i32 as u32 as u128;
        base + Fr::from_u128((1 << 64) | (u(l) << 32) | u(h)) * pow2(128)
    }

    /// The packed entry of input `x ∈ [lo, hi]`.
    pub fn entry(&self, x: i64) -> u64 {
        ((self.kind.eval(x) - self.y_lo) as u64) | (((x - self.lo) as u64) << self.v)
    }
}

/// Fills the range table (`(0, 0)`, then `(w, v)` for each width `w`,
/// `0 ≤ v < 2^w`) followed by each function table's `(τ_f, entry)` rows.
pub fn assign_tables(
    layouter: &mut impl Layouter<Fr>,
    config: &MainConfig,
    tables: &[FnTable],
) -> Result<(), Error> {
    layouter.assign_table(
        || "range and function tables",
        |mut table| {
            let mut row = 0;
            let mut put = |table: &mut halo2_axiom::circuit::Table<'_, Fr>, w: Fr, v: u64| {
                table.assign_cell(|| "tag", config.t_tag, row, || Value::known(w))?;
                table.assign_cell(|| "val", config.t_val, row, || Value::known(Fr::from(v)))?;
                row += 1;
                Ok::<_, Error>(())
            };
            put(&mut table, Fr::ZERO, 0)?;
            for &w in &config.shape.widths {
                for v in 0..(1u64 << w) {
                    put(&mut table, Fr::from(w as u64), v)?;
                }
            }
            for t in tables {
                let tag = t.tag_fe();
                for x in t.inputs() {
                    put(&mut table, tag, t.entry(x))?;
                }
            }
            Ok(())
        },
    )
}

/// Function-table instructions.
pub trait TableInstructions {
    /// `f(x)`: the rounding row when the table reads a coarser scale
    /// ([`FnKind::shift`] `> 0`), clamp rows as needed, then one lookup row.
    fn table_fn(&mut self, t: &FnTable, x: &Wire) -> Wire;
    /// The lookup row alone: `f(c)` for `c ∈ [lo, hi]` (rejected otherwise).
    fn table_lookup(&mut self, t: &FnTable, c: &Wire) -> Wire;
}

impl TableInstructions for Builder<'_> {
    fn table_fn(&mut self, t: &FnTable, x: &Wire) -> Wire {
        let h = t.kind.shift();
        let d = if h > 0 { round_row(self, x, h, 0) } else { *x };
        clamp_lookup(self, t, &d)
    }

    fn table_lookup(&mut self, t: &FnTable, c: &Wire) -> Wire {
        lookup_row(self, t, c, 0)
    }
}

/// Clamp rows as needed, then the lookup row: `f(d)` for `d` in the table's domain.
fn clamp_lookup(b: &mut Builder<'_>, t: &FnTable, d: &Wire) -> Wire {
    let mut c = *d;
    if t.lo > t.dmin {
        c = b.max_const(&c, t.lo as i128);
    }
    if t.hi < t.dmax {
        c = b.min_const(&c, t.hi as i128);
    }
    b.table_lookup(t, &c)
}

/// The rounding row `d = rshift(q, h)`, `h ≥ 1` ([module doc](self)), with `d`
/// offset by `forge` and `r` recomputed so that E1 still holds (0 when
/// honest; tests forge a wrong but self-consistent witness: its limbs sum
/// to the forged `r`, the excess in the top limb).
fn round_row(b: &mut Builder<'_>, q: &Wire, h: u32, forge: i128) -> Wire {
    let row = b.next_row();
    b.copy_in(q, Adv::X(0), row);
    let half = 1i128 << (h - 1);
    let d = q.val.map(|v| rshift(v as i64, h) as i128 + forge);
    let r = q.val.zip(d).map(|(v, d)| v + half - (d << h));
    // E1: x_0 + 2^(h−1) − 2^h·acc − Σ 2^(t·k)·r_k = 0
    b.set(Fix::Wx(0), row, Fr::ONE);
    b.set(Fix::A1, row, -pow2(h));
    b.seti(Fix::C1, row, half);
    let mut next = 0;
    if forge == 0 {
        b.range_limbs(row, Eqn::E1, &mut next, r, h, -Fr::ONE);
    } else {
        forged_limbs(b, row, &mut next, r, h);
    }
    let out = b.put(Adv::Acc, row, d);
    // E2: acc + 2^(b−1) − Σ 2^(t·k)·d_k = 0
    let off = b.act_offset();
    b.set(Fix::A2, row, Fr::ONE);
    b.seti(Fix::C2, row, off);
    let bits = b.shape.act_bits;
    b.range_limbs(row, Eqn::E2, &mut next, d.map(|d| d + off), bits, -Fr::ONE);
    out
}

/// A forger's limbs of `v` in E1 (tests): the layout of
/// [`RangeInstructions::range_limbs`], but the top limb keeps `v`'s excess
/// (unmasked), so the limbs sum to `v` exactly and only the range lookup
/// can reject an out-of-range `v`.
fn forged_limbs(b: &mut Builder<'_>, row: usize, next: &mut usize, v: Option<i128>, bits: u32) {
    let t = b.shape.t;
    let mut off = 0;
    while off < bits {
        let w = t.min(bits - off);
        let j = *next;
        *next += 1;
        b.max_lk = b.max_lk.max(*next);
        b.use_width(w);
        if !b.planning {
            let top = off + w >= bits;
            let limb = v.map(|v| {
                if top {
                    v >> off
                } else {
                    (v >> off) & ((1i128 << w) - 1)
                }
            });
            b.put(Adv::Lk(j), row, limb);
            b.seti(Fix::Tag(j), row, w as i128);
            b.set(lk_weight(Eqn::E1, j), row, -pow2(off));
        }
        off += w;
    }
}

/// The lookup row with the output (and the cells derived from it) offset by
/// `forge` (0 when honest; tests forge a consistent wrong witness).
fn lookup_row(b: &mut Builder<'_>, t: &FnTable, c: &Wire, forge: i128) -> Wire {
    if !b.tables.contains(t) {
        b.tables.push(t.clone());
    }
    assert!(
        b.planning || b.shape.tables.contains(t),
        "function table {:?} not planned (planner bug)",
        t.kind
    );
    let row = b.next_row();
    let cin = b.copy_in(c, Adv::X(0), row);
    let y = cin.val.map(|c| t.kind.eval(c as i64) as i128 + forge);
    let (y_lo, lo, v) = (t.y_lo as i128, t.lo as i128, t.v);
    // lk_0: the packed entry, looked up under the function's tag.
    b.max_lk = b.max_lk.max(1);
    if !b.planning {
        assert!(b.shape.l >= 1, "no range cells (planner bug)");
        let entry = cin.val.zip(y).map(|(c, y)| (y - y_lo) + ((c - lo) << v));
        b.put(Adv::Lk(0), row, entry);
        b.set(Fix::Tag(0), row, t.tag_fe());
    }
    // E1: lk_0 − (acc − y_lo) − 2^V·(x_0 − lo) = 0
    b.set(Fix::U1(0), row, Fr::ONE);
    b.set(Fix::A1, row, -Fr::ONE);
    b.set(Fix::Wx(0), row, -pow2(v));
    b.set(Fix::C1, row, super::fe(y_lo) + pow2(v) * super::fe(lo));
    // E2: (acc − y_lo) − Σ limbs = 0
    b.set(Fix::A2, row, Fr::ONE);
    b.seti(Fix::C2, row, -y_lo);
    let mut next = 1;
    b.range_limbs(row, Eqn::E2, &mut next, y.map(|y| y - y_lo), v, -Fr::ONE);
    b.put(Adv::Acc, row, y)
}

#[cfg(test)]
mod domain_tests;
#[cfg(test)]
mod tests;
