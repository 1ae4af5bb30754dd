//! The model's lookups, batched: **one** zero-knowledge LogUp for the whole
//! model, one fraction tree over every column of every table, one
//! multiplicity vector and table sumcheck per distinct table
//! ([`crate::logup::prove_zk_multi`]).
//!
//! While walking the nodes, both ends register every lookup column in a
//! `LookupPlan` (the same plan: it depends only on the model and the
//! visibility): rescale remainders `r ∈ [0, d)`, outputs and hidden inputs
//! in the activation range, the `(a, o)` pairs of ReLU/Clip, MaxPool's
//! `(d, s)` pairs, Softmax's slots of its auxiliary table (remainders, plain)
//! and its two pair columns `A_a + γ·A_o + γ²·I` ([`crate::model::softmax`]);
//! after the walk the hidden model inputs (activation range) and, under
//! hidden weights, every hidden constant's committed table in the weights'
//! signed range ([`super::weights`], [`Column::Const`]). Then one challenge `γ` is drawn (every
//! table is committed by then), and one lookup proves every column against
//! its table (tables in order of first use, columns in registration order):
//! one fraction tree for all, and per distinct table one multiplicity
//! vector and one table sumcheck, whose claim on `m` joins the model's
//! opening phase ([`super::openings`]).
//!
//! Each column's claim `Com(w̃_k(r_k))` is discharged on the committed
//! tables it is made of:
//!
//! * a plain column (`w = t`): the claim is `t̃(r_k)`;
//! * a pair column (`w = a + γ·o + e`, at the same point, with `e` public:
//!   `γ²·Ĩ` for a table function with `f(0) ≠ 0` (`fn_column`),
//!   else 0; or MaxPool's `w = R(·, 0) + γ·R(·, 1)`): the prover sends
//!   `C_a = Com(ã(r_k))` and the verifier forms
//!   `C_o = γ^{-1}·(C_w − C_a − ẽ(r_k)·U)`; both are claims on the committed
//!   tables, so `w̃ = ã + γ·õ + ẽ` holds at `r_k` once they are opened.
//!
//! A model whose columns hold more than `2^24` entries in all
//! (`MAX_TREE_VARS`) gets several such lookups, the columns split in plan
//! order (a split both ends compute from the model), so the prover's memory
//! is that of one tree of `2^24` leaves, not of every column at once. The
//! bound trades the prover's memory for the verifier's work: each tree is
//! about `6·Σ_l l` committed round values (l up to its depth), points of the
//! verifier's one MSM. MobileNetV2-224's columns (`2^24.6` entries) were 12
//! trees of `2^21` (15.6 k points, 31 % of the proof); at `2^24` they are
//! two (5.5 GiB peak to prove, 19.8 k MSM points; one tree of `2^25`: 8.3 GiB,
//! 18.6 k points).
//!
//! **Soundness.** `γ` is drawn after every committed table is absorbed, so
//! a pair `(a_i, o_i)` with `a_i + γ·o_i` in the table `{v + γ·f(v)}` is a
//! pair of `f` except with probability `|w|·|T|/p`; sharing one `γ` across
//! tables changes nothing (each column is fixed before it). The batched
//! LogUp proves every column's entries in the table; a column out of the
//! table fails it whatever the other columns hold.
//!
//! **Zero knowledge.** Besides the batched lookups' messages (perfectly
//! hiding commitments and Σ-protocol transcripts), the verifier sees one
//! fresh Pedersen commitment `C_a` per pair column: uniformly distributed,
//! simulated by a random point.

use crate::field::{Fr, G1Affine};
use crate::logup::{self, ZkLogUpProof};
use crate::model::relu_table;
use crate::model::Key;
use zkml_core::backend::Vis;
use zkml_core::{QGraph, QOp};

/// A committed table: `Ok(value id)` or `Err(node)` (the node's remainder
/// or auxiliary table).
pub(crate) type Target = Result<usize, usize>;

/// Which public table a column is looked up in.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TableKey {
    /// `lo, lo + 1, …, hi`.
    Range(i64, i64),
    /// `{v + γ·f(v)}` of an elementwise lookup op ([`relu_table`]).
    Fn(QOp),
    /// MaxPool's `{0, …, 2^b − 1} ∪ {γ}`.
    MaxPool,
    /// A pair table of Softmax node `i` ([`crate::model::softmax::lookup_table`]).
    Softmax(usize, crate::model::softmax::Table),
}

impl TableKey {
    /// The table, for the shared challenge `γ`.
    pub(crate) fn table(&self, q: &QGraph, gamma: Fr) -> Vec<Fr> {
        match self {
            TableKey::Range(lo, hi) => {
                #[allow(unused_mut)]
                let mut t = logup::range_table(*lo, *hi);
                #[cfg(test)]
                if let Some((h, v)) = TEST_FORGED_RANGE.with(|c| c.get()) {
                    if h == *hi && *lo == -h - 1 {
                        *t.last_mut().expect("a range has entries") = v;
                    }
                }
                t
            }
            TableKey::Fn(op) => relu_table(q, op, gamma),
            TableKey::MaxPool => crate::model::maxpool::lookup_table(q, gamma),
            // The node's parameters were checked at setup: no error here.
            TableKey::Softmax(i, tb) => {
                crate::model::softmax::lookup_table(q, *i, tb, gamma).unwrap_or_default()
            }
        }
    }

    /// The activation range `[−B, B]`.
    pub(crate) fn act(q: &QGraph) -> Self {
        TableKey::Range(*q.range().start(), *q.range().end())
    }
}

/// How a lookup column is made of committed tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Column {
    /// `w = t` for the committed table `t`.
    Plain(Target),
    /// `w = a + γ·o` of the elementwise lookup node (`a` its input, `o` its
    /// output, at the same point).
    Fn(usize),
    /// `w = R(·, 0) + γ·R(·, 1)` of the MaxPool node's auxiliary table.
    MaxPool(usize),
    /// Slot `k` of Softmax node `i`'s auxiliary table: `AuxSlot(i, k)`.
    AuxSlot(usize, usize),
    /// `w = A_a + γ·A_o + γ²·I` of Softmax node `i`: `AuxPair(i, a, o)`.
    AuxPair(usize, usize, usize),
    /// `w = c` for hidden constant `c`'s committed table (its own layout,
    /// [`crate::model::key::const_table`]): the weights' range check
    /// ([`super::weights`]).
    Const(usize),
    /// A limb of hidden constant `id` (its `j`-th in value order), the high
    /// one if `hi`: `Limb(id, j, hi)` ([`super::weight_limbs`]).
    Limb(usize, usize, bool),
}

/// Every lookup of a model, grouped by table in order of first use.
#[derive(Clone, Debug, Default)]
pub(crate) struct LookupPlan {
    /// Per distinct table: its key and its columns, in registration order.
    pub tables: Vec<(TableKey, Vec<Column>)>,
}

impl LookupPlan {
    /// The model's plan, from the key alone (prover and verifier compute it
    /// before their walks): per node in order its rescale ranges, function
    /// pairs, MaxPool pairs and Softmax lookups, then every hidden model
    /// input's range, then the hidden weights' ranges.
    pub(crate) fn of(key: &Key) -> crate::Result<Self> {
        let q = &key.q;
        let vis = &key.visibility;
        let input_public = vis.input == Vis::Public;
        let mut plan = Self::default();
        for (i, node) in q.nodes.iter().enumerate() {
            if crate::model::proved_as_sum(q, input_public, i) {
                register_range_checks(key, &mut plan, i);
                continue;
            }
            match &node.op {
                QOp::Relu | QOp::Clip { .. } | QOp::Table { .. } => {
                    plan.push(TableKey::Fn(node.op.clone()), Column::Fn(i))
                }
                QOp::MaxPool(_) => plan.push(TableKey::MaxPool, Column::MaxPool(i)),
                QOp::Softmax { .. } => super::softmax::register(key, i, &mut plan)?,
                _ => {}
            }
        }
        let fixed = super::fixed::layout_of(q, vis);
        for &id in &q.inputs {
            let known = crate::model::known_in(q, input_public, id)
                && !crate::model::hidden_const(q, vis, id)
                && fixed.block(super::packed::Slot::Value(id)).is_none();
            if !known {
                plan.push(TableKey::act(q), Column::Plain(Ok(id)));
            }
        }
        super::weights::register_ranges(key, &mut plan);
        Ok(plan)
    }

    /// Registers a column of table `key`.
    pub(crate) fn push(&mut self, key: TableKey, column: Column) {
        match self.tables.iter_mut().find(|(k, _)| *k == key) {
            Some((_, cols)) => cols.push(column),
            None => self.tables.push((key, vec![column])),
        }
    }
}

/// One distinct table's batched lookup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZkTableLookup {
    /// The batched lookup over all the table's columns.
    pub logup: ZkLogUpProof,
    /// `Com(ã(r_k))` of each pair column, in column order.
    pub pair_coms: Vec<G1Affine>,
}

impl crate::codec::Encode for ZkTableLookup {
    fn encode(&self, w: &mut crate::codec::Writer) {
        self.logup.encode(w);
        w.points(&self.pair_coms);
    }
    fn decode(r: &mut crate::codec::Reader<'_>) -> crate::Result<Self> {
        Ok(Self {
            logup: ZkLogUpProof::decode(r)?,
            pair_coms: r.points()?,
        })
    }
}

/// Registers the rescale range checks of node `i` (a MatMul/Conv/pool with
/// output `out`): `r ∈ [0, d)` when it has a remainder and, where
/// [`crate::model::y_range_needed`], `y ∈ [−B, B]`. Both ends.
pub(crate) fn register_range_checks(key: &Key, plan: &mut LookupPlan, i: usize) {
    let q = &key.q;
    let out = q.nodes[i].output;
    if let Some(d) = crate::model::divisor(q, i) {
        plan.push(TableKey::Range(0, d as i64 - 1), Column::Plain(Err(i)));
    }
    if crate::model::y_range_needed(q, key.visibility.input == Vis::Public, out) {
        plan.push(TableKey::act(q), Column::Plain(Ok(out)));
    }
}

/// Most entries of one lookup's fraction tree: the columns are split into
/// chunks of at most `2^MAX_TREE_VARS` entries (a larger column alone), one
/// lookup each, so the prover's memory stays that of one tree of this size
/// however many columns a model has.
pub(crate) const MAX_TREE_VARS: usize = 24;

#[cfg(test)]
thread_local! {
    /// Tests: a smaller chunk bound than [`MAX_TREE_VARS`].
    pub(crate) static TEST_TREE_VARS: std::cell::Cell<Option<usize>> =
        const { std::cell::Cell::new(None) };
}

#[cfg(test)]
thread_local! {
    /// Tests: a forger's signed range table `[−h − 1, h]` of the same size
    /// with its last entry `h` replaced by `v`: `Some((h, v))` (so a value
    /// out of range has a multiplicity and the prover runs).
    pub(crate) static TEST_FORGED_RANGE: std::cell::Cell<Option<(i64, Fr)>> =
        const { std::cell::Cell::new(None) };
}

fn tree_vars() -> usize {
    #[cfg(test)]
    if let Some(v) = TEST_TREE_VARS.with(|c| c.get()) {
        return v;
    }
    MAX_TREE_VARS
}

/// Variables of column `c` (both ends, from the model).
pub(crate) fn column_vars(q: &QGraph, c: Column) -> crate::Result<usize> {
    use crate::model::{aux_vars, layout_shape, num_vars};
    Ok(match c {
        Column::Plain(Ok(id)) => num_vars(&layout_shape(q, id)),
        Column::Plain(Err(i)) => aux_vars(q, i)?,
        Column::Fn(i) => num_vars(&q.values[q.nodes[i].output].shape),
        Column::MaxPool(i) => aux_vars(q, i)? - 1,
        Column::AuxSlot(i, _) | Column::AuxPair(i, _, _) => {
            num_vars(&q.values[q.nodes[i].output].shape)
        }
        Column::Const(id) | Column::Limb(id, _, _) => crate::model::const_vars(q, id),
    })
}

/// One lookup's share of the plan: its tables (indices into
/// `plan.tables`, in order of first use) and its columns with their
/// variables and their index into those tables.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Chunk {
    /// Tables of the plan this lookup proves against.
    pub tables: Vec<usize>,
    /// `(column, variables, index into tables)`.
    pub columns: Vec<(Column, usize, usize)>,
}

/// Splits the plan's columns (tables in order of first use, columns in
/// registration order) into chunks of at most `2^MAX_TREE_VARS` entries.
/// Both ends.
pub(crate) fn chunks(q: &QGraph, plan: &LookupPlan) -> crate::Result<Vec<Chunk>> {
    let mut out: Vec<Chunk> = vec![];
    let mut size = 0usize;
    for (k, (_, cols)) in plan.tables.iter().enumerate() {
        for &c in cols {
            let n = column_vars(q, c)?;
            let len = 1usize << n.min(60);
            if out.is_empty() || (size + len > 1 << tree_vars() && size > 0) {
                out.push(Chunk::default());
                size = 0;
            }
            size += len;
            let ch = out.last_mut().expect("pushed above");
            let local = match ch.tables.iter().position(|&t| t == k) {
                Some(l) => l,
                None => {
                    ch.tables.push(k);
                    ch.tables.len() - 1
                }
            };
            ch.columns.push((c, n, local));
        }
    }
    Ok(out)
}
