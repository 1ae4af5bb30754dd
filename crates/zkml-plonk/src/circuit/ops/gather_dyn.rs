//! Gather by run-time indices (`QOp::GatherDyn`: Gather/GatherElements with
//! computed indices, OneHot): the lookup of [`crate::gadgets::dyn_lookup`],
//! one table row pair per data element of a used lane and one query per output.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::DynGather;

use super::super::Walker;
use crate::error::Result;
use crate::gadgets::{dyn_lookup::DynLookupInstructions, Wire};

impl Walker<'_, '_> {
    pub(super) fn lay_gather_dyn(
        &mut self,
        ni: usize,
        map: &DynGather,
        idx_scale: &i32,
    ) -> Result<ArrayD<Wire>> {
        let x = &self.q.nodes[ni].inputs;
        let data: Vec<Wire> = self.wires(x[0])?.iter().copied().collect();
        let idx: Vec<Wire> = self.wires(x[1])?.iter().copied().collect();
        let out = self.b.dyn_gather(&data, &idx, map, *idx_scale);
        Ok(ArrayD::from_shape_vec(IxDyn(&map.shape), out).expect("one cell per output"))
    }
}
