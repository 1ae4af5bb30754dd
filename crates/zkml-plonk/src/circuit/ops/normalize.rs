//! Div by a run-time divisor and Standardize on the exact division gadgets
//! ([`crate::gadgets::divide`], [`crate::gadgets::normalize`]).

use std::collections::HashMap;

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::{elementwise, normalize::lane_indices};

use super::super::{unsupported, El, Walker};
use crate::error::Result;
use crate::gadgets::{
    arith::ArithInstructions,
    divide::{DivideInstructions, Divisor},
    normalize::NormalizeInstructions,
    Adv, Wire,
};

impl Walker<'_, '_> {
    /// Div: each distinct divisor cell is prepared once (sign, magnitude
    /// `|b|·2^den_shift ≥ 1`), then one exact division per element.
    pub(super) fn lay_div(
        &mut self,
        ni: usize,
        num_shift: &u32,
        den_shift: &u32,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        if self.b.shape.n < 3 || *den_shift > 60 || *num_shift > 60 {
            return Err(unsupported(
                q,
                ni,
                format!(
                    "shifts {num_shift}/{den_shift} or MAC width {}",
                    self.b.shape.n
                ),
            ));
        }
        let a = self.operand(x[0])?;
        let d = self.operand(x[1])?;
        let pairs = elementwise::zip_broadcast(&a, &d, |u, v| (u, v));
        let bits = q.act_bits - 1 + den_shift;
        let mul = 1i128 << den_shift;
        let mut divisors: HashMap<(Adv, usize), Divisor> = HashMap::new();
        let mut out = Vec::with_capacity(pairs.len());
        for &(u, v) in pairs.iter() {
            let dw = match v {
                El::W(w) => w,
                El::C(c) => self.b.constant(c as i128),
            };
            let dv = *divisors
                .entry((dw.col, dw.row))
                .or_insert_with(|| self.b.divisor(&dw, mul, bits, false));
            let nw = match u {
                El::W(w) => w,
                El::C(c) => self.b.constant(c as i128),
            };
            out.push(self.b.div_by(&[(nw, 1i128 << num_shift)], &dv));
        }
        Ok(ArrayD::from_shape_vec(IxDyn(pairs.shape()), out).expect("one cell per element"))
    }

    /// Standardize: one lane gadget per lane.
    pub(super) fn lay_standardize(
        &mut self,
        ni: usize,
        axes: &[usize],
        eps: &i64,
        extra: &u32,
        out_shift: &u32,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        if self.b.shape.n < 3 {
            return Err(unsupported(q, ni, "needs a MAC width of at least 3"));
        }
        let xw = self.wires(x[0])?.as_standard_layout().into_owned();
        let flat: Vec<Wire> = xw.iter().copied().collect();
        let mut out: Vec<Option<Wire>> = vec![None; flat.len()];
        for lane in lane_indices(xw.shape(), axes) {
            let xs: Vec<Wire> = lane.iter().map(|&i| flat[i]).collect();
            let ys = self
                .b
                .standardize_lane(&xs, *eps, *extra, *out_shift)
                .ok_or_else(|| {
                    unsupported(
                        q,
                        ni,
                        format!(
                            "a lane of {} elements at {} activation bits needs more than 100-bit \
                             exact arithmetic",
                            xs.len(),
                            q.act_bits
                        ),
                    )
                })?;
            for (&i, y) in lane.iter().zip(ys) {
                out[i] = Some(y);
            }
        }
        let out: Vec<Wire> = out
            .into_iter()
            .map(|w| w.expect("every element in one lane"))
            .collect();
        Ok(ArrayD::from_shape_vec(IxDyn(xw.shape()), out).expect("one cell per element"))
    }
}
