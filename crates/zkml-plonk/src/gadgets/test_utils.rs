//! A test circuit running one gadget closure on the main gate, and the
//! tamper-every-cell soundness check.

use std::sync::Arc;

use halo2_axiom::{
    circuit::{Layouter, SimpleFloorPlanner},
    dev::MockProver,
    halo2curves::bn256::Fr,
    plonk::{Circuit, ConstraintSystem, Error},
};

use super::{synthesize_main, Builder, CountSink, MainConfig, NullSink, Shape};

type BuildFn = Arc<dyn Fn(&mut Builder<'_>) + Send + Sync>;

/// Runs a closure on a [`Builder`] inside a halo2 circuit.
#[derive(Clone)]
pub struct GadgetCircuit {
    build: BuildFn,
    /// The planned shape.
    pub shape: Shape,
    /// Rows used.
    pub rows: usize,
    /// Cell to corrupt.
    pub tamper: Option<usize>,
    /// Configure the Poseidon gate too ([`MainConfig::configure_poseidon`]).
    pub poseidon: bool,
    /// Configure the run-time gather lookup too.
    pub dyn_lookup: bool,
}

impl GadgetCircuit {
    /// Plans the closure (limb width 8, MAC width 4, 16-bit activations).
    pub fn new(f: impl Fn(&mut Builder<'_>) + Send + Sync + 'static) -> Self {
        Self::with_shape(f, 4, 8, 16)
    }

    /// Plans with an explicit MAC width, limb width and activation bits.
    pub fn with_shape(
        f: impl Fn(&mut Builder<'_>) + Send + Sync + 'static,
        n: usize,
        t: u32,
        act_bits: u32,
    ) -> Self {
        let build: BuildFn = Arc::new(f);
        let mut sink = NullSink;
        let mut b = Builder::new(
            &mut sink,
            Shape {
                n,
                l: 0,
                t,
                act_bits,
                widths: vec![],
                tables: vec![],
                freivalds: false,
                poseidon: false,
                dyn_lookup: false,
                bnd_in: 0,
                bnd_out: 0,
            },
            true,
        );
        build(&mut b);
        let shape = Shape {
            n,
            l: b.max_lk,
            t,
            act_bits,
            widths: b.widths.iter().copied().collect(),
            tables: b.tables.clone(),
            freivalds: false,
            poseidon: false,
            dyn_lookup: false,
            bnd_in: 0,
            bnd_out: 0,
        };
        Self {
            build,
            shape,
            rows: b.row,
            tamper: None,
            poseidon: false,
            dyn_lookup: false,
        }
    }

    /// The same circuit with the matrix-check gate and challenge (second phase).
    pub fn with_freivalds(mut self) -> Self {
        self.shape.freivalds = true;
        self
    }

    /// The same circuit with the run-time gather lookup configured.
    pub fn with_dyn_lookup(mut self) -> Self {
        self.dyn_lookup = true;
        self
    }

    /// The same circuit with the Poseidon gate configured.
    pub fn with_poseidon(mut self) -> Self {
        self.poseidon = true;
        self
    }

    pub(crate) fn k(&self) -> u32 {
        let need = self.rows.max(self.shape.table_rows()) + 10;
        (need.next_power_of_two().trailing_zeros()).max(4)
    }

    pub fn publics(&self) -> Vec<Fr> {
        let mut sink = NullSink;
        let mut b = Builder::new(&mut sink, self.shape.clone(), false);
        (self.build)(&mut b);
        b.public_vals.iter().map(|v| v.unwrap()).collect()
    }

    fn count(&self) -> usize {
        let mut sink = CountSink::default();
        let mut b = Builder::new(&mut sink, self.shape.clone(), false);
        (self.build)(&mut b);
        sink.count
    }

    /// A MockProver run.
    pub fn mock(&self) -> MockProver<Fr> {
        MockProver::run(self.k(), self, vec![self.publics()]).expect("synthesis")
    }

    /// Asserts the honest circuit is satisfied, and that no constraint reads
    /// an unassigned cell with a non-zero weight ([`super::audit`]).
    pub fn assert_ok(&self) {
        if let Err(e) = self.mock().verify() {
            panic!("honest circuit rejected: {e:#?}");
        }
        let bad = self.unassigned_reads();
        assert!(bad.is_empty(), "reads of unassigned cells: {bad:?}");
    }

    /// The layout's reads of unassigned cells ([`super::audit::unassigned_reads`]).
    pub fn unassigned_reads(&self) -> Vec<super::audit::UnassignedRead> {
        let mut rec = super::audit::RecordSink::default();
        let mut b = Builder::new(&mut rec, self.shape.clone(), false);
        (self.build)(&mut b);
        let shape = Shape {
            n: self.shape.n.max(2),
            ..self.shape.clone()
        };
        super::audit::unassigned_reads(&shape, &rec)
    }
}

impl Circuit<Fr> for GadgetCircuit {
    type Config = MainConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = (Shape, bool, bool);

    fn without_witnesses(&self) -> Self {
        self.clone()
    }
    fn params(&self) -> (Shape, bool, bool) {
        (self.shape.clone(), self.poseidon, self.dyn_lookup)
    }
    fn configure_with_params(
        meta: &mut ConstraintSystem<Fr>,
        (shape, poseidon, dyn_lookup): (Shape, bool, bool),
    ) -> MainConfig {
        let mut config = MainConfig::configure(meta, shape);
        if poseidon {
            config.configure_poseidon(meta);
        }
        if dyn_lookup {
            config.configure_dyn_lookup(meta);
        }
        config
    }
    fn configure(_: &mut ConstraintSystem<Fr>) -> MainConfig {
        unreachable!("configured with params")
    }
    fn synthesize(&self, config: MainConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        synthesize_main(&mut layouter, &config, self.tamper, false, |b| {
            (self.build)(b);
            Ok(())
        })
    }
}

/// Corrupts each advice cell in turn: every single change must be rejected.
pub fn check_all_tampering(c: &GadgetCircuit) {
    let n = c.count();
    assert!(n > 0);
    let publics = c.publics();
    for i in 0..n {
        let mut t = c.clone();
        t.tamper = Some(i);
        let prover = MockProver::run(c.k(), &t, vec![publics.clone()]).expect("synthesis");
        assert!(
            prover.verify().is_err(),
            "changing advice cell #{i} of {n} was not detected"
        );
    }
}
