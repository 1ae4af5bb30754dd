//! Add, Sub (aligned operands on the linear gadget) and Mul.

use ndarray::{ArrayD, IxDyn};
use zkml_core::{ops::elementwise, rounding::rshift};

use super::super::{El, Walker};
use crate::error::Result;
use crate::gadgets::{arith::ArithInstructions, Wire};

impl Walker<'_, '_> {
    /// Add (`sign = 1`) and Sub (`sign = −1`): aligned operands on the linear gadget.
    pub(super) fn lay_add(
        &mut self,
        ni: usize,
        align: &[i32; 2],
        sign: i128,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let a = self.operand(x[0])?;
        let bb = self.operand(x[1])?;
        let pairs = elementwise::zip_broadcast(&a, &bb, |u, v| (u, v));
        let align = *align;
        Ok(pairs.mapv(|(u, v)| {
            let mut terms = vec![];
            let mut c = 0i128;
            for (e, k, s) in [(u, align[0], 1i128), (v, align[1], sign)] {
                match e {
                    El::W(w) => terms.push(self.aligned_term(w, k, s)),
                    El::C(v) => c += s * elementwise::align(v, k) as i128,
                }
            }
            self.combine(terms, c)
        }))
    }

    /// Mul: a product row per element (a constant factor on the linear gadget).
    pub(super) fn lay_mul(&mut self, ni: usize, shift: &u32) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let a = self.operand(x[0])?;
        let bb = self.operand(x[1])?;
        let pairs = elementwise::zip_broadcast(&a, &bb, |u, v| (u, v));
        // `iter` visits the logical (row-major) order whatever the memory
        // layout, so `i` is the element's row-major index (the fused
        // constant's index), and the cells go back in that order.
        let mut out = Vec::with_capacity(pairs.len());
        for (i, &(u, v)) in pairs.iter().enumerate() {
            out.push(match (u, v) {
                (El::W(u), El::W(v)) => self.emit_mul(i, &u, &v, *shift),
                (El::W(w), El::C(c)) | (El::C(c), El::W(w)) => {
                    self.emit(i, &[(w, c as i128)], 0, *shift)
                }
                (El::C(u), El::C(v)) => self.b.constant(rshift(u * v, *shift) as i128),
            });
        }
        Ok(ArrayD::from_shape_vec(IxDyn(pairs.shape()), out).expect("one cell per element"))
    }
}
