//! ReduceSum and ReduceMean on the linear gadget (and rounding division).

use ndarray::{ArrayD, IxDyn};

use super::super::Walker;
use super::reduce_rows;
use crate::error::Result;
use crate::gadgets::{linear::LinearInstructions, rdiv::RdivInstructions, Wire};

impl Walker<'_, '_> {
    /// ReduceSum: one linear row per output, rescaled.
    pub(super) fn lay_reduce_sum(
        &mut self,
        ni: usize,
        axes: &[usize],
        shift: &u32,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
        let rows = reduce_rows(&*self.cells(x[0])?, axes);
        let out: Vec<Wire> = rows
            .into_iter()
            .map(|r| {
                let terms: Vec<(Wire, i128)> = r.iter().map(|w| (*w, 1)).collect();
                self.b.linear(&terms, 0, *shift)
            })
            .collect();
        Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap())
    }

    /// ReduceMean: the sum, then a shift or a rounding division.
    pub(super) fn lay_reduce_mean(&mut self, ni: usize, axes: &[usize]) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
        let rows = reduce_rows(&*self.cells(x[0])?, axes);
        let out: Vec<Wire> = rows
            .into_iter()
            .map(|r| {
                let n = r.len().max(1) as i64;
                let terms: Vec<(Wire, i128)> = r.iter().map(|w| (*w, 1)).collect();
                if n.count_ones() == 1 {
                    self.b.linear(&terms, 0, n.trailing_zeros())
                } else {
                    let s = self.b.sum_exact(&terms, 0);
                    self.b.rdiv(&s, n)
                }
            })
            .collect();
        Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap())
    }
}
