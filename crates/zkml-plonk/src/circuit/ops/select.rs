//! Abs, ReduceMax, Max on the max gadget; Min and ReduceMin.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::elementwise;

use super::super::{unsupported, El, Walker};
use super::reduce_rows;
use crate::error::Result;
use crate::gadgets::{
    arith::ArithInstructions, linear::LinearInstructions, select::SelectInstructions, Wire,
};

impl Walker<'_, '_> {
    /// Abs: `max(q, −q)`.
    pub(super) fn lay_abs(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        Ok(self.wires(x[0])?.mapv(|w| {
            let neg = self.b.linear(&[(w, -1)], 0, 0);
            self.b.max_all(&[w, neg])
        }))
    }

    /// ReduceMax: the max gadget over each reduced group.
    pub(super) fn lay_reduce_max(&mut self, ni: usize, axes: &[usize]) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
        let rows = reduce_rows(&self.wires(x[0])?, axes);
        let out: Vec<Wire> = rows.iter().map(|r| self.b.max_all(r)).collect();
        Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap())
    }

    /// Max: aligned operands, then the max gadget.
    pub(super) fn lay_max(&mut self, ni: usize, align: &[i32; 2]) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        // Operands aligned to the output scale as for Concat, then the max gadget.
        let (a, bb) = (self.operand(x[0])?, self.operand(x[1])?);
        let align = *align;
        Ok(
            elementwise::zip_broadcast(&a, &bb, |u, v| (u, v)).mapv(|(u, v)| {
                let mut ws = [u, v].into_iter().zip(align).map(|(e, k)| match e {
                    El::W(w) if k == 0 => w,
                    El::W(w) => {
                        let t = self.aligned_term(w, k, 1);
                        self.combine(vec![t], 0)
                    }
                    El::C(c) => self.b.constant(elementwise::align(c, k) as i128),
                });
                let (u, v) = (ws.next().unwrap(), ws.next().unwrap());
                self.b.max_all(&[u, v])
            }),
        )
    }

    /// Min and ReduceMin: refused.
    pub(super) fn lay_min(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        Err(unsupported(
            self.q,
            ni,
            "not proven yet (the backend proves Max, ReduceMax and Abs); the executor \
             runs it",
        ))
    }
}
