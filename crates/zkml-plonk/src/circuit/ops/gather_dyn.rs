//! Gather by run-time indices (`QOp::GatherDyn`): refused at setup for now.

use ndarray::ArrayD;

use super::super::{unsupported, Walker};
use crate::error::Result;
use crate::gadgets::Wire;

impl Walker<'_, '_> {
    pub(super) fn lay_gather_dyn(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        Err(unsupported(
            self.q,
            ni,
            "a Gather whose indices are computed at run time (or OneHot) is not proven yet (the \
             executors run it); constant indices are proven by copy constraints",
        ))
    }
}
