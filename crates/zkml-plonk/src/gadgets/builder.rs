//! The [`Builder`] that lays rows out, and the cells it hands out ([`Wire`], [`FeWire`]).

use std::collections::BTreeSet;

use halo2_axiom::halo2curves::{bn256::Fr, ff::Field};

use super::{fe, table, Adv, Fix, Shape, Sink};

/// An assigned advice cell and its integer value (when the witness is known).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wire {
    /// Column.
    pub col: Adv,
    /// Absolute row.
    pub row: usize,
    /// The integer it holds.
    pub val: Option<i128>,
}

impl Wire {
    pub(super) fn at(&self) -> (Adv, usize) {
        (self.col, self.row)
    }
}

/// An assigned advice cell holding any field element (not an integer of the
/// model): hash states, digests, blindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeWire {
    /// Column.
    pub col: Adv,
    /// Absolute row.
    pub row: usize,
    /// The field element it holds.
    pub val: Option<Fr>,
}

impl FeWire {
    pub(super) fn at(&self) -> (Adv, usize) {
        (self.col, self.row)
    }
}

impl From<Wire> for FeWire {
    fn from(w: Wire) -> Self {
        Self {
            col: w.col,
            row: w.row,
            val: w.val.map(fe),
        }
    }
}

/// Lays out rows top to bottom. Gadgets are its instruction traits.
pub struct Builder<'s> {
    pub(super) sink: &'s mut dyn Sink,
    /// Column shape (`l` may be 0 while planning: limbs are then only counted).
    pub shape: Shape,
    /// Next free row.
    pub row: usize,
    /// Most lk cells any row used.
    pub max_lk: usize,
    /// Limb widths used.
    pub widths: BTreeSet<u32>,
    /// `true` while planning: rows may use more lk cells than `shape.l`.
    pub planning: bool,
    /// While planning without a witness, gadgets only count: they skip the
    /// cells, copies and fixed values a [`NullSink`](super::NullSink) would
    /// drop (a multiply-accumulate chain takes its rows without visiting its
    /// terms), and cells whose values are unknown anyway come out unknown.
    /// Set by the planner's passes; `false` (the default) walks every cell
    /// as a real layout does (the planner's reference, which its tests
    /// compare the counts with).
    pub count_fast: bool,
    pub(super) consts: std::collections::HashMap<i128, Wire>,
    pub(super) next_public: usize,
    /// The values bound to public cells, in order (`None` without witness).
    pub public_vals: Vec<Option<Fr>>,
    /// The row being filled with public inputs, and its next free slot.
    pub(super) in_row: Option<(usize, usize)>,
    /// Function tables used (planning), in order of first use.
    pub tables: Vec<table::FnTable>,
    /// The matrix-check challenge, once drawn (second proving pass, MockProver).
    pub alpha: Option<Fr>,
    /// Cells holding `α^0, α^1, …` ([`freivalds`]), shared by every check.
    pub(crate) alpha_pows: Vec<FeWire>,
    /// Cells holding `−α^0, −α^1, …`.
    pub(crate) neg_alpha_pows: Vec<FeWire>,
    /// Layers laid out with a matrix check.
    pub freivalds_layers: usize,
    /// Bit `w` set: `w < 128` is in [`Self::widths`] (a range check per row
    /// looks here, not in the set).
    width_mask: u128,
}

impl<'s> Builder<'s> {
    /// A builder writing to `sink`.
    pub fn new(sink: &'s mut dyn Sink, shape: Shape, planning: bool) -> Self {
        Self {
            sink,
            shape,
            // Row 0 stays empty: its `acc[-1]` wraps to a blinding row.
            row: 1,
            max_lk: 0,
            widths: BTreeSet::new(),
            planning,
            count_fast: false,
            consts: Default::default(),
            next_public: 0,
            public_vals: vec![],
            in_row: None,
            tables: vec![],
            alpha: None,
            alpha_pows: vec![],
            neg_alpha_pows: vec![],
            freivalds_layers: 0,
            width_mask: 0,
        }
    }

    /// Takes the next row.
    pub fn next_row(&mut self) -> usize {
        self.row += 1;
        self.row - 1
    }

    /// Assigns a fresh advice cell.
    pub fn put(&mut self, col: Adv, row: usize, val: Option<i128>) -> Wire {
        self.sink.advice(col, row, val);
        Wire { col, row, val }
    }

    /// Assigns a fresh advice cell holding a field element.
    pub fn put_fe(&mut self, col: Adv, row: usize, val: Option<Fr>) -> FeWire {
        self.sink.advice_fe(col, row, val);
        FeWire { col, row, val }
    }

    /// Copies a field-element cell into a new cell constrained equal to it.
    pub fn copy_in_fe(&mut self, src: &FeWire, col: Adv, row: usize) -> FeWire {
        let w = self.put_fe(col, row, src.val);
        self.sink.copy(src.at(), w.at());
        w
    }

    /// Copies `src` into a new cell constrained equal to it.
    pub fn copy_in(&mut self, src: &Wire, col: Adv, row: usize) -> Wire {
        let w = self.put(col, row, src.val);
        self.sink.copy(src.at(), w.at());
        w
    }

    /// Sets a fixed cell (zero is the default and is skipped).
    pub fn set(&mut self, col: Fix, row: usize, v: Fr) {
        if v != Fr::ZERO {
            self.sink.fixed(col, row, v);
        }
    }

    /// Whether gadgets may only count rows ([`Self::count_fast`] while planning).
    pub fn counting(&self) -> bool {
        self.planning && self.count_fast
    }

    /// Sets a fixed cell to `v()`, computed only when the sink keeps fixed
    /// values (field arithmetic a planning pass skips).
    pub fn set_with(&mut self, col: Fix, row: usize, v: impl FnOnce() -> Fr) {
        if self.sink.wants_fixed() {
            self.set(col, row, v());
        }
    }

    /// Sets a fixed cell from an integer.
    pub fn seti(&mut self, col: Fix, row: usize, v: i128) {
        if v != 0 && self.sink.wants_fixed() {
            self.sink.fixed(col, row, fe(v));
        }
    }

    /// Binds `w` to the next public value.
    pub fn make_public(&mut self, w: &Wire) -> usize {
        let idx = self.next_public;
        self.sink.public(w.at(), idx);
        self.next_public += 1;
        self.public_vals.push(w.val.map(fe));
        idx
    }

    /// Binds a field-element cell (a commitment) to the next public value.
    pub fn make_public_fe(&mut self, w: &FeWire) -> usize {
        let idx = self.next_public;
        self.sink.public(w.at(), idx);
        self.next_public += 1;
        self.public_vals.push(w.val);
        idx
    }

    /// Records a limb width used ([`Self::widths`]).
    pub fn use_width(&mut self, w: u32) {
        if w >= 128 || self.width_mask & (1u128 << w) == 0 {
            self.widths.insert(w);
            if w < 128 {
                self.width_mask |= 1u128 << w;
            }
        }
    }

    /// Number of public values bound so far.
    pub fn num_public(&self) -> usize {
        self.next_public
    }

    /// The activation offset `2^(b-1)`: `y + 2^(b-1) ∈ [0, 2^b)` ⇔ `y ∈ [-2^(b-1), 2^(b-1))`.
    pub fn act_offset(&self) -> i128 {
        1i128 << (self.shape.act_bits - 1)
    }
}

/// Which linear constraint a range check's limbs enter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eqn {
    /// E1.
    E1,
    /// E2.
    E2,
}

/// Shorthand for a `Fix` weight of an lk cell in an equation.
pub(crate) fn lk_weight(e: Eqn, j: usize) -> Fix {
    match e {
        Eqn::E1 => Fix::U1(j),
        Eqn::E2 => Fix::U2(j),
    }
}
