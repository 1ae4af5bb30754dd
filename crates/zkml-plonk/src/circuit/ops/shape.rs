//! Data movement (Reshape, Transpose, Gather, Pad: wiring only) and Concat
//! (aligned inputs).

use ndarray::ArrayD;
use zkml_core::ops::{shape as shape_ops, IndexMap};

use super::super::Walker;
use crate::error::Result;
use crate::gadgets::{arith::ArithInstructions, Wire};

impl Walker<'_, '_> {
    /// Reshape: wiring only.
    pub(super) fn lay_reshape(&mut self, ni: usize, shape: &[usize]) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        Ok(shape_ops::reshape(&*self.cells(x[0])?, shape))
    }

    /// Transpose: wiring only.
    pub(super) fn lay_transpose(&mut self, ni: usize, perm: &[usize]) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        Ok(shape_ops::transpose(&*self.cells(x[0])?, perm))
    }

    /// Gather by an index map: wiring only.
    pub(super) fn lay_gather(&mut self, ni: usize, m: &IndexMap) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        Ok(m.apply(&*self.cells(x[0])?))
    }

    /// Pad: wiring, and one constant cell for the fill value.
    pub(super) fn lay_pad(
        &mut self,
        ni: usize,
        pads: &[usize],
        value: &i64,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let xw = self.cells(x[0])?;
        let fill = self.b.constant(*value as i128);
        Ok(shape_ops::pad(&xw, pads, fill))
    }

    /// Concat: inputs aligned to the output scale, then wiring.
    pub(super) fn lay_concat(
        &mut self,
        ni: usize,
        axis: &usize,
        align: &[i32],
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let mut parts = Vec::with_capacity(x.len());
        for (&id, &k) in x.iter().zip(align) {
            let w = self.wires(id)?;
            parts.push(if k == 0 {
                w
            } else {
                w.mapv(|w| {
                    let t = self.aligned_term(w, k, 1);
                    self.combine(vec![t], 0)
                })
            });
        }
        Ok(shape_ops::concat(&parts, *axis))
    }
}
