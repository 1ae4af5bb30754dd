//! MaxPool (max gadget per window) and AveragePool (sum, then rounding division).

use ndarray::ArrayD;
use zkml_core::ops::Pool;

use super::super::Walker;
use crate::error::Result;
use crate::gadgets::{
    arith::ArithInstructions, linear::LinearInstructions, rdiv::RdivInstructions,
    select::SelectInstructions, Wire,
};

impl Walker<'_, '_> {
    /// MaxPool: the max gadget over each window.
    pub(super) fn lay_max_pool(&mut self, ni: usize, p: &Pool) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let xw = self.cells(x[0])?;
        Ok(p.windows(&xw, |v, _| {
            if v.is_empty() {
                self.b.constant(0)
            } else {
                self.b.max_all(v)
            }
        }))
    }

    /// AveragePool: the window sum, then a shift or a rounding division.
    pub(super) fn lay_average_pool(&mut self, ni: usize, p: &Pool) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let xw = self.cells(x[0])?;
        Ok(p.windows(&xw, |v, count| {
            let n = count.max(1) as i64;
            let terms: Vec<(Wire, i128)> = v.iter().map(|w| (*w, 1)).collect();
            if n.count_ones() == 1 {
                self.b.linear(&terms, 0, n.trailing_zeros())
            } else {
                let s = self.b.sum_exact(&terms, 0);
                self.b.rdiv(&s, n)
            }
        }))
    }
}
