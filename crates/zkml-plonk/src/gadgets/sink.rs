//! Where the [`Builder`]'s cells go ([`Sink`]), and the synthesis driver
//! shared by every circuit built on the main gate ([`synthesize_main`]).

use halo2_axiom::{
    circuit::{Cell, Layouter, Region, Value},
    halo2curves::{bn256::Fr, ff::Field},
    plonk::Error,
};

use super::{fe, table, Adv, Builder, Fix, MainConfig};

/// Where the [`Builder`]'s cells go: halo2 (keygen, proving, MockProver) or a
/// counter (planning).
pub trait Sink {
    /// Assigns an advice cell (`None`: no witness).
    fn advice(&mut self, col: Adv, row: usize, v: Option<i128>);
    /// Assigns an advice cell holding any field element (hashes, blindings).
    fn advice_fe(&mut self, col: Adv, row: usize, v: Option<Fr>);
    /// Assigns a fixed cell (only non-zero values are sent).
    fn fixed(&mut self, col: Fix, row: usize, v: Fr);
    /// Constrains two advice cells equal.
    fn copy(&mut self, a: (Adv, usize), b: (Adv, usize));
    /// Constrains an advice cell to the `idx`-th public value.
    fn public(&mut self, a: (Adv, usize), idx: usize);
    /// Whether [`Sink::fixed`] keeps what it is sent: when not (planning, a
    /// prover's passes), the [`Builder`] skips converting fixed values to
    /// field elements.
    fn wants_fixed(&self) -> bool {
        true
    }
}

/// A sink that only counts (planning).
#[derive(Default)]
pub struct NullSink;

impl Sink for NullSink {
    fn advice(&mut self, _: Adv, _: usize, _: Option<i128>) {}
    fn advice_fe(&mut self, _: Adv, _: usize, _: Option<Fr>) {}
    fn fixed(&mut self, _: Fix, _: usize, _: Fr) {}
    fn copy(&mut self, _: (Adv, usize), _: (Adv, usize)) {}
    fn public(&mut self, _: (Adv, usize), _: usize) {}
    fn wants_fixed(&self) -> bool {
        false
    }
}

/// Which advice cells a [`Halo2Sink`] pass assigns. With matrix checks the
/// prover lays the model out twice: the first-phase columns, then (after
/// `layouter.next_phase()` has committed them and drawn `α`) the second-phase
/// columns. Keygen and the MockProver assign everything in one pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkPass {
    /// Every cell, fixed cells and copy constraints.
    All,
    /// First-phase advice cells, fixed cells and copy constraints.
    First,
    /// Second-phase advice cells only.
    Second,
}

/// A [`Sink`] writing into one halo2 region whose rows are absolute (halo2-axiom
/// starts every region at row 0). `tamper = Some(i)` adds 1 to the `i`-th
/// advice cell assigned (soundness tests).
pub struct Halo2Sink<'r, 'a> {
    /// The region.
    pub region: &'r mut Region<'a, Fr>,
    /// Columns.
    pub config: &'r MainConfig,
    /// Index of the advice cell to corrupt.
    pub tamper: Option<usize>,
    /// Advice cells assigned so far.
    pub count: usize,
    /// Cells bound to public values, applied after the region closes.
    pub publics: Vec<(Cell, usize)>,
    /// Skip fixed assignments (the real prover ignores them; keygen and MockProver need them).
    pub witness_only: bool,
    /// Which cells this pass assigns.
    pub pass: SinkPass,
}

impl Halo2Sink<'_, '_> {
    fn structural(&self) -> bool {
        self.pass != SinkPass::Second
    }
}

impl Sink for Halo2Sink<'_, '_> {
    fn advice(&mut self, col: Adv, row: usize, v: Option<i128>) {
        self.advice_fe(col, row, v.map(fe));
    }
    fn advice_fe(&mut self, col: Adv, row: usize, v: Option<Fr>) {
        let second = self.config.is_second_phase(col);
        match self.pass {
            SinkPass::First if second => return,
            SinkPass::Second if !second => return,
            _ => {}
        }
        let mut val = match v {
            Some(v) => Value::known(v),
            None => Value::unknown(),
        };
        if self.tamper == Some(self.count) {
            val = val.map(|v| v + Fr::ONE);
        }
        self.count += 1;
        self.region.assign_advice(self.config.advice(col), row, val);
    }
    fn fixed(&mut self, col: Fix, row: usize, v: Fr) {
        if !self.witness_only && self.structural() {
            self.region.assign_fixed(self.config.fixed(col), row, v);
        }
    }
    fn copy(&mut self, a: (Adv, usize), b: (Adv, usize)) {
        if !self.structural() {
            return;
        }
        let cell = |(c, r): (Adv, usize)| Cell {
            row_offset: r,
            column: self.config.advice(c).into(),
        };
        self.region.constrain_equal(cell(a), cell(b));
    }
    fn public(&mut self, a: (Adv, usize), idx: usize) {
        if !self.structural() {
            return;
        }
        let cell = Cell {
            row_offset: a.1,
            column: self.config.advice(a.0).into(),
        };
        self.publics.push((cell, idx));
    }
    fn wants_fixed(&self) -> bool {
        !self.witness_only && self.structural()
    }
}

/// A sink that counts advice cells (for tampering every one of them).
#[derive(Default)]
pub struct CountSink {
    /// Advice cells assigned.
    pub count: usize,
}

impl Sink for CountSink {
    fn advice(&mut self, _: Adv, _: usize, _: Option<i128>) {
        self.count += 1;
    }
    fn advice_fe(&mut self, _: Adv, _: usize, _: Option<Fr>) {
        self.count += 1;
    }
    fn fixed(&mut self, _: Fix, _: usize, _: Fr) {}
    fn copy(&mut self, _: (Adv, usize), _: (Adv, usize)) {}
    fn public(&mut self, _: (Adv, usize), _: usize) {}
}

/// Fills the range table: `(0, 0)`, then `(w, v)` for `w ∈ shape.widths`,
/// `0 ≤ v < 2^w`, then each function table's `(τ_f, entry)` rows ([`table::assign_tables`]).
pub fn assign_range_table(
    layouter: &mut impl Layouter<Fr>,
    config: &MainConfig,
) -> Result<(), halo2_axiom::plonk::Error> {
    table::assign_tables(layouter, config, &config.shape.tables)
}

fn known(v: Value<Fr>) -> Option<Fr> {
    let mut out = None;
    v.map(|x| out = Some(x));
    out
}

/// Synthesizes a circuit on the main gate: the range table, then the region
/// that `build` lays out, then the public values.
///
/// Without matrix checks this is one pass. With them (`config.freivalds`) and
/// `α` not yet known, the first pass assigns the first-phase cells (plus fixed
/// cells and copy constraints); `layouter.next_phase()` then commits them and
/// draws `α` (the real prover; keygen and the MockProver treat it as a no-op)
/// and, if `α` is now known, a second pass of the same layout assigns the
/// second-phase cells. The MockProver instead calls `synthesize` once per
/// phase; in its second call `α` is known from the start and one pass assigns
/// everything. `build` must lay out the same rows every time.
pub fn synthesize_main(
    layouter: &mut impl Layouter<Fr>,
    config: &MainConfig,
    tamper: Option<usize>,
    witness_only: bool,
    build: impl Fn(&mut Builder<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    assign_range_table(layouter, config)?;
    let challenge = config.freivalds.as_ref().map(|f| f.alpha);
    let alpha = challenge.and_then(|c| known(layouter.get_challenge(c)));
    let two_pass = challenge.is_some() && alpha.is_none();
    let pass = |layouter: &mut _, pass, alpha| {
        region_pass(layouter, config, tamper, witness_only, pass, alpha, &build)
    };
    let first = if two_pass {
        SinkPass::First
    } else {
        SinkPass::All
    };
    let publics = pass(layouter, first, alpha)?;
    if two_pass {
        layouter.next_phase();
        if let Some(alpha) = challenge.and_then(|c| known(layouter.get_challenge(c))) {
            pass(layouter, SinkPass::Second, Some(alpha))?;
        }
    }
    for (cell, idx) in publics {
        layouter.constrain_instance(cell, config.instance, idx);
    }
    Ok(())
}

/// One pass of [`synthesize_main`] over the model region.
fn region_pass<L: Layouter<Fr>>(
    layouter: &mut L,
    config: &MainConfig,
    tamper: Option<usize>,
    witness_only: bool,
    pass: SinkPass,
    alpha: Option<Fr>,
    build: &impl Fn(&mut Builder<'_>) -> Result<(), Error>,
) -> Result<Vec<(Cell, usize)>, Error> {
    layouter.assign_region(
        || "model",
        |mut region| {
            let mut sink = Halo2Sink {
                region: &mut region,
                config,
                tamper,
                count: 0,
                publics: vec![],
                witness_only,
                pass,
            };
            let mut b = Builder::new(&mut sink, config.shape.clone(), false);
            b.alpha = alpha;
            build(&mut b)?;
            Ok(sink.publics)
        },
    )
}
