//! Counting helpers of the planner's layout passes (no witness, a
//! [`crate::gadgets::NullSink`]): cells of values no node reads any more are
//! dropped, and repeated gadget calls of one shape are counted once.

use std::rc::Rc;

use ndarray::ArrayD;
use zkml_core::{quant::QValueKind, QGraph};

use crate::gadgets::{Adv, Builder, Wire};

/// Per value of `q`, the last node that reads it (`usize::MAX` for the
/// model's inputs and outputs, which are read again after every node).
pub(super) fn last_reads(q: &QGraph) -> Vec<usize> {
    let mut last = vec![0usize; q.values.len()];
    for (ni, n) in q.nodes.iter().enumerate() {
        for &v in &n.inputs {
            last[v] = ni;
        }
    }
    for &v in q.inputs.iter().chain(&q.outputs) {
        last[v] = usize::MAX;
    }
    last
}

/// While counting, a gadget call on cells of unknown value takes rows, range
/// cells and widths that depend only on its shape (a number of terms), not
/// on values, constants or where its inputs lie. [`Repeat::call`] makes the
/// first call of each shape and lays the others out as copies of it: the
/// same number of rows, the output cell at the same place in them. Every
/// other effect of such a call (most range cells per row, limb widths) is
/// the same on each repeat.
#[derive(Default)]
pub(super) struct Repeat(Vec<Option<(usize, Adv, usize)>>);

impl Repeat {
    /// `f()` (a call of shape `key`, a small number: a chain's length,
    /// whose output is unknown), or its rows again.
    pub(super) fn call(
        &mut self,
        b: &mut Builder<'_>,
        key: usize,
        f: impl FnOnce(&mut Builder<'_>) -> Wire,
    ) -> Wire {
        if let Some(&Some((rows, col, at))) = self.0.get(key) {
            let w = Wire {
                col,
                row: b.row + at,
                val: None,
            };
            b.row += rows;
            return w;
        }
        let start = b.row;
        let w = f(b);
        if w.val.is_none() && w.row >= start && w.row < b.row {
            if self.0.len() <= key {
                self.0.resize(key + 1, None);
            }
            self.0[key] = Some((b.row - start, w.col, w.row - start));
        }
        w
    }
}

/// Drops the cells of the computed values node `ni` reads last (`lr`:
/// [`last_reads`]): every node that reads them is laid out by then (the
/// nodes before `ni`, and the fused ones, laid out with an earlier node).
pub(super) fn drop_read(
    vals: &mut [Option<Rc<ArrayD<Wire>>>],
    q: &QGraph,
    ni: usize,
    lr: &[usize],
) {
    for &v in &q.nodes[ni].inputs {
        if lr[v] == ni && !matches!(q.values[v].kind, QValueKind::Const(_)) {
            vals[v] = None;
        }
    }
}
