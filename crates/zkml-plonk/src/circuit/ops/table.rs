//! Table functions (one lookup) and Softmax (max, exponential table, exact sum,
//! rounding division).

use ndarray::{ArrayD, Axis};
use zkml_core::ops::{softmax::exp_table_shift, table::TableDomain, TableFn};

use super::super::{unsupported, Walker};
use crate::error::Result;
use crate::gadgets::{
    softmax::SoftmaxInstructions,
    table::{FnKind, FnTable, TableInstructions},
    Wire,
};

impl Walker<'_, '_> {
    /// A table function: one lookup per element (above input scale 12, a
    /// rounding row first: the table reads scale 12,
    /// `zkml_core::ops::table::cap`; [`TableInstructions::table_fn`] lays it),
    /// the table over the op's calibrated domain (`zkml_core::ops::table::domain`).
    pub(super) fn lay_table(
        &mut self,
        ni: usize,
        func: &TableFn,
        in_scale: &i32,
        out_scale: &i32,
        domain: &Option<TableDomain>,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let kind = FnKind::Act {
            func: *func,
            in_scale: *in_scale,
            out_scale: *out_scale,
            domain: *domain,
        };
        let t = FnTable::cached(kind, q.act_bits).map_err(|e| unsupported(q, ni, e))?;
        Ok(self.wires(x[0])?.mapv(|w| self.b.table_fn(&t, &w)))
    }

    /// Softmax along an axis, one lane at a time.
    pub(super) fn lay_softmax(
        &mut self,
        ni: usize,
        axis: &usize,
        in_scale: &i32,
        exp_scale: &i32,
        out_scale: &i32,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        // Above scale 12 the differences are rounded to it first
        // (`zkml_core::ops::softmax::exp_table_shift`), and the table reads there.
        let shift = exp_table_shift(*in_scale);
        let kind = FnKind::Exp {
            in_scale: *in_scale - shift as i32,
            exp_scale: *exp_scale,
        };
        let t = FnTable::cached(kind, q.act_bits).map_err(|e| unsupported(q, ni, e))?;
        if !(0..=40).contains(out_scale) || self.b.shape.n < 3 {
            return Err(unsupported(q, ni, format!("output scale {out_scale}")));
        }
        let mut out = self.wires(x[0])?;
        for mut lane in out.lanes_mut(Axis(*axis)) {
            let xs: Vec<Wire> = lane.iter().copied().collect();
            let ys = self.b.softmax_lane(&xs, &t, shift, *out_scale as u32);
            for (o, y) in lane.iter_mut().zip(ys) {
                *o = y;
            }
        }
        Ok(out)
    }
}
