//! A [`QGraph`] laid out on the gadgets, and the halo2 [`Circuit`] around it.
//!
//! [`lay_out`] walks the nodes in order and calls gadget instructions; it runs
//! unchanged for planning (no sink), keygen (no witness) and proving, so the
//! layout depends on the model only. Every op is either proved or refused
//! with [`PlonkError::Unsupported`]:
//!
//! | op | gadget |
//! | --- | --- |
//! | Conv, MatMul (one operand constant: fixed weights) | [`linear`](crate::gadgets::linear), zero weights skipped; or the randomized matrix check ([`freivalds`](crate::gadgets::freivalds)) then one rescale row per output, where that takes fewer rows (ungrouped Conv, MatMul with more than one row) |
//! | MatMul of two activations | [`arith`](crate::gadgets::arith) products, then a sum |
//! | Add, Sub (alignment shifts) | [`linear`](crate::gadgets::linear) |
//! | Mul | [`arith`](crate::gadgets::arith) or [`linear`](crate::gadgets::linear) (constant factor) |
//! | Relu, Clip, MaxPool, LeakyRelu (slope in [0, 1]) | [`select`](crate::gadgets::select) (Relu and a Clip with minimum 0 fused into a preceding rescale) |
//! | LeakyRelu (negative slope or above 1), PRelu | a Relu select row, then one [`linear`](crate::gadgets::linear) row `rshift(α·q + (2^a − α)·relu(q), a)` |
//! | Max, Min, Abs, ReduceMax, ReduceMin | [`select`](crate::gadgets::select) chains (max or min rows) |
//! | ArgMax, ArgMin (either tie rule), TopK with k = 1 | [`argmax`](crate::gadgets::argmax) per lane (ArgMin on negated cells, the last index on the reversed lane) |
//! | TopK with k > 1 | [`topk`](crate::gadgets::topk) per lane: `n + k` rows (each pick a lookup into the lane's own (index, element) table, consecutive picks strictly decreasing in the key `s·n·x − i`, and exactly `k` elements at or above the last pick's key); the values and indices nodes share one layout |
//! | ReduceSum, ReduceMean | [`linear`](crate::gadgets::linear) sum, [`rdiv`](crate::gadgets::rdiv) |
//! | AveragePool | [`linear`](crate::gadgets::linear) sum, [`rdiv`](crate::gadgets::rdiv) |
//! | Sigmoid, Tanh | [`table`](crate::gadgets::table): clamp to the saturation points, one lookup |
//! | Softmax | [`softmax`](crate::gadgets::softmax): max, exp table, exact sum, rounding division |
//! | Reshape, Transpose, Pad, Concat (aligned 0) | wiring only (copy constraints) |
//! | Less, Greater, LessOrEqual, GreaterOrEqual (sign bit of the aligned difference), Equal and Sign (both sign bits), Not/And/Or/Xor (product rows on booleans), Where | [`compare`](crate::gadgets::compare) |
//! | Floor, Ceil, Round (half to even), Mod by a constant | [`round`](crate::gadgets::round) |
//!
//! Weights: `Fixed` (default) bakes every constant into fixed columns (zero
//! weights skipped; the verifying key binds them). `Private` makes every
//! constant tensor a witness cell copied into the products (Conv and MatMul as
//! pairs `x·w` through `q_pairs`, Mul as products), laid out first in range
//! rows that check each to the weight width ([`weight_bits`], two per row):
//! the layout never depends on the weight values beyond that width, one
//! verifying key serves every weight assignment of the same shapes and width,
//! and the statement is "some weights of at most that many bits give these
//! outputs" — no particular model (see the README's visibility section).
//! `Committed` weights are private weights hashed with a blinding into a
//! public commitment ([`crate::commit`],
//! [`crate::gadgets::commit`]). `Public` weights are refused.
//!
//! Fusion (exact identities, only when the intermediate has that one consumer):
//! Conv/MatMul/Mul, then an Add/Sub of a constant (`rshift(S, d) + B =
//! rshift(S + B·2^d, d)`), then Relu or a Clip with minimum 0 (`max(y, 0)` in
//! the same row), then Clip's upper bound (one select row).
//!
//! Range checks: every node output is range checked to the executor's range
//! `[−2^(b−1), 2^(b−1) − 1]` ([`zkml_core::QGraph::range`]), with one
//! exception, shared with the executor: the product feeding a fused Add/Sub
//! (`rshift(S, d)`, never a cell) is not, only the sum `rshift(S, d) + B` is;
//! the executor does not check that intermediate either
//! ([`zkml_core::fusion`], the rule written once), so the two agree exactly
//! with fixed weights; with private weights nothing fuses and the intermediate
//! is checked (the prover is then stricter than the executor, never looser).
//!
//! Public values (instance column): the model inputs (flattened, in order) when
//! public, then the outputs when public, then what [`Visibility::reveal`]
//! reveals of hidden outputs ([`zkml_core::reveal`]): the cells at the chosen
//! flat indices, or one [`argmax`](crate::gadgets::argmax) class cell per row of
//! each output; then the commitments of the committed groups: input, weights,
//! output. Committed inputs are private inputs (range checked to `act_bits`);
//! committed outputs are range checked again by the commitment's range rows.
use std::rc::Rc;
use std::sync::Arc;

use halo2_axiom::{
    circuit::{Layouter, SimpleFloorPlanner},
    halo2curves::bn256::Fr,
    plonk::{Circuit, ConstraintSystem, Error},
};
use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    backend::{Reveal, Vis, Visibility},
    quant::QValueKind,
    reveal::{argmax_lane, check_reveal},
    ITensor, QGraph, QOp, Trace,
};

use crate::commit::{committed_constants, weight_bits, Blinds};
use crate::error::{PlonkError, Result};
use crate::gadgets::{
    argmax::ArgmaxInstructions,
    arith::ArithInstructions,
    commit::{CommitInstructions, Ranged},
    linear::LinearInstructions,
    select::SelectInstructions,
    synthesize_main, Adv, Builder, MainConfig, Shape, Wire,
};

mod count;
mod fusion;
mod matcheck;
mod ops;

use count::{drop_read, last_reads, Repeat};
use fusion::{fused_constant, plan_chain};

/// What [`lay_out`] produced.
#[derive(Clone, Debug)]
pub struct Laid {
    /// The output tensors' cells.
    pub outputs: Vec<ArrayD<Wire>>,
    /// Rows used by the inputs.
    pub input_rows: usize,
    /// Rows used by each node.
    pub node_rows: Vec<usize>,
    /// Nodes proved by the randomized matrix check ([`crate::gadgets::freivalds`]).
    pub node_checked: Vec<bool>,
}

/// Checks a visibility is one this backend proves.
pub fn check_visibility(vis: &Visibility) -> Result<()> {
    if vis.weights == Vis::Public {
        return Err(PlonkError::Visibility(
            "weights `Public`: not proved yet; use `Fixed` (constants bound by the verifying key, \
             the cheapest), `Committed` or `Private`"
                .into(),
        ));
    }
    for (what, v) in [("input", vis.input), ("output", vis.output)] {
        if v == Vis::Fixed {
            return Err(PlonkError::Visibility(format!(
                "{what} cannot be `Fixed` (only weights can); use Public, Private or Committed"
            )));
        }
    }
    Ok(())
}

/// Boundary columns are for hidden groups: a segment's boundary input
/// (output) is private, and nothing of a boundary output is revealed.
fn check_boundary(vis: &Visibility, bnd_in: usize, bnd_out: usize) -> Result<()> {
    if bnd_in > 0 && vis.input != Vis::Private {
        return Err(PlonkError::Visibility(format!(
            "a segment's boundary input is private, not {:?}",
            vis.input
        )));
    }
    if bnd_out > 0 && (vis.output != Vis::Private || vis.reveal != Reveal::None) {
        return Err(PlonkError::Visibility(format!(
            "a segment's boundary output is private and unrevealed, not {:?} with reveal {:?}",
            vis.output, vis.reveal
        )));
    }
    Ok(())
}

/// Whether `vis` commits any group (the circuit then needs the Poseidon gate).
pub fn has_committed(vis: &Visibility) -> bool {
    [vis.input, vis.weights, vis.output].contains(&Vis::Committed)
}

/// Whether the model gathers by run-time indices or has a TopK with `k > 1`
/// (the circuit then needs the run-time gather lookup).
pub fn has_dyn_gather(q: &QGraph) -> bool {
    q.nodes.iter().any(|n| match &n.op {
        QOp::GatherDyn { .. } => true,
        QOp::TopK(t) => t.k > 1,
        _ => false,
    })
}

/// The main gate for `shape`, with the Poseidon gate when `shape.poseidon`
/// and the run-time gather lookup when `shape.dyn_lookup`.
pub fn configure(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> MainConfig {
    let (poseidon, dyn_lookup) = (shape.poseidon, shape.dyn_lookup);
    let mut config = MainConfig::configure(meta, shape);
    if poseidon {
        config.configure_poseidon(meta);
    }
    if dyn_lookup {
        config.configure_dyn_lookup(meta);
    }
    config
}

/// One element of an operand: a cell or a constant.
#[derive(Clone, Copy, Debug)]
enum El {
    W(Wire),
    C(i64),
}

fn unsupported(q: &QGraph, ni: usize, reason: impl Into<String>) -> PlonkError {
    PlonkError::Unsupported {
        node: q.nodes[ni].name.clone(),
        op: q.nodes[ni].op.name(),
        reason: reason.into(),
    }
}

struct Walker<'a, 'b> {
    b: &'a mut Builder<'b>,
    q: &'a QGraph,
    /// Laid-out values, shared by their readers (a read does not copy).
    vals: Vec<Option<Rc<ArrayD<Wire>>>>,
    /// Fusion for the node being laid out: per output element (row-major
    /// index), a constant added after the rounding shift (a following Add/Sub
    /// of a constant), and a lower bound to take the max with (a following
    /// Relu/Clip).
    fuse_add: Option<Vec<i128>>,
    fuse_max: Option<i128>,
    /// Weights are private witness cells (not constants).
    private_w: bool,
    /// A witness is being assigned (private weight values are known).
    witness: bool,
    /// TopK (k > 1) layouts by (input, axis, k, largest): the values and the
    /// indices cells, laid out once for the two IR nodes of an ONNX TopK.
    top_k: std::collections::HashMap<(usize, usize, usize, bool), [ArrayD<Wire>; 2]>,
}

impl Walker<'_, '_> {
    /// The fused Add's constant for output element `idx` (row-major index into
    /// the node's output), pre-shifted (`rshift(S, d) + B = rshift(S + B·2^d, d)`).
    /// Callers pass the index of the element they emit, never a running count:
    /// the constant then follows the element whatever order cells are laid out in.
    fn fused_add(&self, idx: usize, shift: u32) -> i128 {
        let extra = self.fuse_add.as_ref().map(|v| v[idx]).unwrap_or(0);
        extra << shift
    }

    /// Emits `rshift(Σ terms + c, shift)` for output element `idx`, applying the fusion.
    fn emit(&mut self, idx: usize, terms: &[(Wire, i128)], c: i128, shift: u32) -> Wire {
        let extra = self.fused_add(idx, shift);
        self.b.linear_max(terms, c + extra, shift, self.fuse_max)
    }

    /// As [`Self::emit`] for a sum of products of two cells.
    fn emit_pairs(&mut self, idx: usize, pairs: &[(Wire, Wire)], c: i128, shift: u32) -> Wire {
        let extra = self.fused_add(idx, shift);
        self.b.linear_pairs(pairs, c + extra, shift, self.fuse_max)
    }

    /// As [`Self::emit`] for the product of two cells.
    fn emit_mul(&mut self, idx: usize, a: &Wire, b: &Wire, shift: u32) -> Wire {
        let extra = self.fused_add(idx, shift);
        self.b.mul_max(a, b, extra, shift, self.fuse_max)
    }

    /// Hidden (private or committed) weights: every constant a node reads or
    /// the model outputs, in range rows (checked to the weight width), in value
    /// order; their cells serve every later use.
    /// Returns the cells in commitment order and the width.
    fn committed_weights(&mut self, trace: Option<&Trace>) -> (Vec<Wire>, u32) {
        let bits = weight_bits(self.q);
        let mut all = vec![];
        for id in committed_constants(self.q) {
            let QValueKind::Const(t) = &self.q.values[id].kind else {
                unreachable!("committed_constants returns constants")
            };
            let src: Vec<Ranged> = t
                .iter()
                .map(|&c| Ranged::Value(trace.map(|_| c as i128)))
                .collect();
            let cells = self.b.ranged(&src, bits);
            all.extend_from_slice(&cells);
            self.vals[id] = Some(Rc::new(
                ArrayD::from_shape_vec(IxDyn(t.shape()), cells).unwrap(),
            ));
        }
        (all, bits)
    }

    /// The cells of value `id`, as an owned array (a copy: [`Self::cells`]
    /// shares them).
    fn wires(&mut self, id: usize) -> Result<ArrayD<Wire>> {
        Ok(self.cells(id)?.as_ref().clone())
    }

    /// The cells of value `id`, shared with the walker (laying a constant
    /// out on its first read).
    fn cells(&mut self, id: usize) -> Result<Rc<ArrayD<Wire>>> {
        if let Some(w) = &self.vals[id] {
            return Ok(Rc::clone(w));
        }
        match &self.q.values[id].kind {
            QValueKind::Const(t) => {
                let w = if self.private_w {
                    let known = self.witness;
                    t.mapv(|c| self.b.free(known.then_some(c as i128)))
                } else {
                    t.mapv(|c| self.b.constant(c as i128))
                };
                let w = Rc::new(w);
                self.vals[id] = Some(Rc::clone(&w));
                Ok(w)
            }
            _ => Err(PlonkError::Halo2(format!(
                "value `{}` used before it is computed",
                self.q.values[id].name
            ))),
        }
    }

    fn operand(&mut self, id: usize) -> Result<ArrayD<El>> {
        if let QValueKind::Const(t) = &self.q.values[id].kind {
            if !self.private_w {
                return Ok(t.mapv(El::C));
            }
        }
        Ok(self.cells(id)?.mapv(El::W))
    }

    fn konst(&self, id: usize) -> Option<&ITensor> {
        if self.private_w {
            return None;
        }
        match &self.q.values[id].kind {
            QValueKind::Const(t) => Some(t),
            _ => None,
        }
    }

    /// `align(x, k)` of a cell: `x·2^k` folded into a weight, or a rounding shift row.
    fn aligned_term(&mut self, w: Wire, k: i32, sign: i128) -> (Wire, i128) {
        if k >= 0 {
            (w, sign << k)
        } else {
            (self.b.linear(&[(w, 1)], 0, k.unsigned_abs()), sign)
        }
    }

    fn combine(&mut self, terms: Vec<(Wire, i128)>, c: i128) -> Wire {
        match terms.as_slice() {
            [] => self.b.constant(c),
            [(w, 1)] if c == 0 => *w,
            _ => self.b.linear(&terms, c, 0),
        }
    }
}

/// Lays out `q` on `b`: inputs (public ones bound to the instance column first),
/// every node, then the public outputs. With a trace, every node's cells are
/// compared with the trace: the circuit computes its own integers (through
/// `zkml_core::rounding`) and a disagreement is [`PlonkError::TraceMismatch`].
pub fn lay_out(
    b: &mut Builder<'_>,
    q: &QGraph,
    trace: Option<&Trace>,
    vis: &Visibility,
) -> Result<Laid> {
    lay_out_with(b, q, trace, vis, &Blinds::default())
}

/// [`lay_out`] with the blindings of the committed groups: committed weights
/// are laid out first (range rows), and each committed group's commitment is
/// bound to a public value after the outputs (input, weights, output).
///
/// # Panics
/// With a committed group and a MAC width below 5 (the planner never picks one).
pub fn lay_out_with(
    b: &mut Builder<'_>,
    q: &QGraph,
    trace: Option<&Trace>,
    vis: &Visibility,
    blinds: &Blinds,
) -> Result<Laid> {
    check_visibility(vis)?;
    check_reveal(q, vis).map_err(PlonkError::Reveal)?;
    let mut w = Walker {
        b,
        q,
        vals: vec![None; q.values.len()],
        fuse_add: None,
        fuse_max: None,
        private_w: matches!(vis.weights, Vis::Private | Vis::Committed),
        witness: trace.is_some(),
        top_k: Default::default(),
    };
    let start = w.b.row;
    let (bnd_in, bnd_out) = (w.b.shape.bnd_in, w.b.shape.bnd_out);
    check_boundary(vis, bnd_in, bnd_out)?;
    let mut e = 0;
    for &id in q.inputs.iter().filter(|_| bnd_in > 0) {
        // A segment's boundary input: cells of the boundary columns, element
        // `e` at column `e mod bnd_in`, row `e / bnd_in`, constrained only by
        // the copies that read them (crate::segment::boundary).
        let shape = q.values[id].shape.clone();
        let vals: Option<Vec<i64>> = trace.map(|t| t.values[id].iter().copied().collect());
        let numel: usize = shape.iter().product();
        let mut cells = Vec::with_capacity(numel);
        for i in 0..numel {
            let v = vals.as_ref().map(|v| v[i] as i128);
            cells.push(w.b.put(Adv::B(e % bnd_in), e / bnd_in, v));
            e += 1;
        }
        w.vals[id] = Some(Rc::new(
            ArrayD::from_shape_vec(IxDyn(&shape), cells).unwrap(),
        ));
    }
    for &id in q.inputs.iter().filter(|_| bnd_in == 0) {
        let shape = q.values[id].shape.clone();
        let vals: Option<Vec<i64>> = trace.map(|t| t.values[id].iter().copied().collect());
        let numel: usize = shape.iter().product();
        let mut cells = Vec::with_capacity(numel);
        for i in 0..numel {
            let v = vals.as_ref().map(|v| v[i] as i128);
            cells.push(w.b.input(v, vis.input == Vis::Public));
        }
        w.vals[id] = Some(Rc::new(
            ArrayD::from_shape_vec(IxDyn(&shape), cells).unwrap(),
        ));
    }
    let input_rows = w.b.row - start;
    // Hidden weights (private or committed) are range checked to the weight
    // width first; committed ones are then hashed into their commitment.
    let weight_cells = w.private_w.then(|| w.committed_weights(trace));
    let uses = zkml_core::fusion::value_uses(q);
    // While counting, a computed value's cells are dropped after the last
    // node that reads it (fewer fresh pages per pass; constants stay, as a
    // constant read again would be laid out again).
    let last_read = w.b.counting().then(|| last_reads(q));
    let mut node_rows = vec![0; q.nodes.len()];
    let mut node_checked = vec![false; q.nodes.len()];
    let mut skip = vec![false; q.nodes.len()];
    for ni in 0..q.nodes.len() {
        if skip[ni] {
            // Laid out with the node it is fused into, before.
            if let Some(lr) = &last_read {
                drop_read(&mut w.vals, q, ni, lr);
            }
            continue;
        }
        let before = w.b.row;
        let checked_before = w.b.freivalds_layers;
        let chain = plan_chain(q, ni, &uses, w.private_w);
        w.fuse_add = chain.add.map(|a| fused_constant(q, ni, a));
        w.fuse_max = chain.act.map(|a| match q.nodes[a].op {
            QOp::Clip { min, .. } => min as i128,
            _ => 0,
        });
        let mut out = w.node(ni)?;
        w.fuse_add = None;
        w.fuse_max = None;
        let mut last = ni;
        if let Some(a) = chain.add {
            skip[a] = true;
            last = a;
        }
        if let Some(a) = chain.act {
            skip[a] = true;
            last = a;
            if let QOp::Clip { min, max } = q.nodes[a].op {
                if (max as i128) < q.bound() as i128 {
                    let (max, min) = (max as i128, min as i128);
                    out = if w.b.counting() {
                        let mut rep = Repeat::default();
                        out.mapv(|z| match z.val {
                            None => rep.call(w.b, 0, |b| b.min_const_above(&z, max, min)),
                            Some(_) => w.b.min_const_above(&z, max, min),
                        })
                    } else {
                        out.mapv(|z| w.b.min_const_above(&z, max, min))
                    };
                }
            }
        }
        let node = &q.nodes[last];
        if let Some(t) = trace {
            let tv = &t.values[node.output];
            for (index, (c, &tv)) in out.iter().zip(tv.iter()).enumerate() {
                if c.val != Some(tv as i128) {
                    return Err(PlonkError::TraceMismatch {
                        node: node.name.clone(),
                        op: node.op.name(),
                        index,
                        circuit: c.val.unwrap_or(i128::MIN),
                        trace: tv,
                    });
                }
            }
        }
        w.vals[node.output] = Some(Rc::new(out));
        if let Some(lr) = &last_read {
            drop_read(&mut w.vals, q, ni, lr);
        }
        node_rows[ni] = w.b.row - before;
        node_checked[ni] = w.b.freivalds_layers > checked_before;
    }
    let mut outputs = Vec::with_capacity(q.outputs.len());
    for &id in &q.outputs {
        let cells = w.wires(id)?;
        if vis.output == Vis::Public {
            for c in cells.iter() {
                w.b.make_public(c);
            }
        }
        outputs.push(cells);
    }
    reveal(w.b, &outputs, &vis.reveal);
    let flat = |vals: &[Option<Rc<ArrayD<Wire>>>], ids: &[usize]| -> Vec<Wire> {
        ids.iter()
            .flat_map(|&i| vals[i].as_ref().expect("laid out").iter().copied())
            .collect::<Vec<_>>()
    };
    if bnd_out > 0 {
        // A segment's boundary output: each output cell copied into the
        // boundary columns after the input ones, element `e` at column
        // `bnd_in + e mod bnd_out`, row `e / bnd_out`.
        for (e, c) in flat(&w.vals, &q.outputs).iter().enumerate() {
            w.b.copy_in(c, Adv::B(bnd_in + e % bnd_out), e / bnd_out);
        }
    }
    for &(col, row, v) in blinds.zone.iter() {
        w.b.put_fe(Adv::B(col), row, Some(v));
    }
    if vis.input == Vis::Committed {
        // Private inputs: already range checked to act_bits.
        let cells = flat(&w.vals, &q.inputs);
        let c = w.b.commit(&cells, q.act_bits, blinds.input);
        w.b.make_public_fe(&c);
    }
    if let Some((cells, bits)) = weight_cells.filter(|_| vis.weights == Vis::Committed) {
        let c = w.b.commit(&cells, bits, blinds.weights);
        w.b.make_public_fe(&c);
    }
    if vis.output == Vis::Committed {
        let src: Vec<Ranged> = flat(&w.vals, &q.outputs)
            .into_iter()
            .map(Ranged::Cell)
            .collect();
        let cells = w.b.ranged(&src, q.act_bits);
        let c = w.b.commit(&cells, q.act_bits, blinds.output);
        w.b.make_public_fe(&c);
    }
    Ok(Laid {
        outputs,
        input_rows,
        node_rows,
        node_checked,
    })
}

/// Binds what `reveal` reveals of the output cells to the next public values
/// (after [`check_reveal`]): the cells at the flat indices, or the argmax class
/// of each row (last axis) of each output.
fn reveal(b: &mut Builder<'_>, outputs: &[ArrayD<Wire>], reveal: &Reveal) {
    match reveal {
        Reveal::None => {}
        Reveal::Indices(ix) => {
            let flat: Vec<Wire> = outputs.iter().flat_map(|o| o.iter().copied()).collect();
            for &i in ix {
                b.make_public(&flat[i]);
            }
        }
        Reveal::Argmax => {
            for o in outputs {
                let cells: Vec<Wire> = o.iter().copied().collect();
                for row in cells.chunks(argmax_lane(o.shape())) {
                    let c = b.argmax(row);
                    b.make_public(&c);
                }
            }
        }
    }
}

/// The halo2 circuit of a model.
#[derive(Clone)]
pub struct ZkmlCircuit {
    /// The model.
    pub q: Arc<QGraph>,
    /// The execution (absent for keygen).
    pub trace: Option<Arc<Trace>>,
    /// Visibility.
    pub vis: Visibility,
    /// Column shape from the plan.
    pub shape: Shape,
    /// Corrupt this advice cell (tests only).
    pub tamper: Option<usize>,
    /// Skip fixed-column assignments: set only by the real prover, which ignores them.
    pub witness_only: bool,
    /// Blindings of the committed groups (proving only).
    pub blinds: Blinds,
}

impl Circuit<Fr> for ZkmlCircuit {
    type Config = MainConfig;
    type FloorPlanner = SimpleFloorPlanner;
    type Params = Shape;

    fn without_witnesses(&self) -> Self {
        Self {
            trace: None,
            tamper: None,
            witness_only: false,
            blinds: Blinds::default(),
            ..self.clone()
        }
    }
    fn params(&self) -> Shape {
        self.shape.clone()
    }
    fn configure_with_params(meta: &mut ConstraintSystem<Fr>, shape: Shape) -> MainConfig {
        configure(meta, shape)
    }
    fn configure(_: &mut ConstraintSystem<Fr>) -> MainConfig {
        unreachable!("the circuit is configured with its Shape")
    }
    fn synthesize(&self, config: MainConfig, mut layouter: impl Layouter<Fr>) -> Result<(), Error> {
        synthesize_main(
            &mut layouter,
            &config,
            self.tamper,
            self.witness_only,
            |b| {
                lay_out_with(b, &self.q, self.trace.as_deref(), &self.vis, &self.blinds)
                    .map(|_| ())
                    .map_err(|_| Error::Synthesis)
            },
        )
    }
}
