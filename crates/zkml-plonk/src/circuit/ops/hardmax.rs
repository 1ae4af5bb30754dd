//! Hardmax on the argmax gadget's one-hot ([`crate::gadgets::argmax`]).

use ndarray::{ArrayD, Axis};

use super::super::Walker;
use crate::error::Result;
use crate::gadgets::{argmax::ArgmaxInstructions, Wire};

impl Walker<'_, '_> {
    /// Hardmax: per lane the argmax rows, then one linear row per element.
    pub(super) fn lay_hardmax(&mut self, ni: usize, axis: &usize) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let mut out = self.wires(x[0])?.as_standard_layout().into_owned();
        for mut lane in out.lanes_mut(Axis(*axis)) {
            let ys: Vec<Wire> = lane.iter().copied().collect();
            if ys.is_empty() {
                continue;
            }
            for (o, e) in lane.iter_mut().zip(self.b.argmax_onehot(&ys)) {
                *o = e;
            }
        }
        Ok(out)
    }
}
