//! Relu, Clip and LeakyRelu on the select gadget.

use ndarray::ArrayD;

use super::super::{unsupported, Walker};
use crate::error::Result;
use crate::gadgets::{
    linear::LinearInstructions,
    select::{Other, SelectInstructions},
    Wire,
};

impl Walker<'_, '_> {
    /// Relu: one select row per element.
    pub(super) fn lay_relu(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        Ok(self.wires(x[0])?.mapv(|w| self.b.relu(&w)))
    }

    /// Clip: a select row per finite bound inside the activation range.
    pub(super) fn lay_clip(&mut self, ni: usize, min: &i64, max: &i64) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let bound = q.bound() as i128;
        let (lo, hi) = (*min as i128, *max as i128);
        Ok(self.wires(x[0])?.mapv(|w| {
            // The range is [−bound − 1, bound]: a lower bound at or
            // below its bottom, or an upper one at or above its top, is a no-op.
            let w = if lo > -bound - 1 {
                self.b.max_const(&w, lo)
            } else {
                w
            };
            if hi >= bound {
                w
            } else if lo > -bound - 1 {
                self.b.min_const_above(&w, hi, lo)
            } else {
                self.b.min_const(&w, hi)
            }
        }))
    }

    /// LeakyRelu, any slope `α/2^a`: two rows per element.
    ///
    /// * `0 ≤ α ≤ 2^a`: `leaky(q) = max(q, rshift(q·α, a))` (q ≥ 0: the product
    ///   rounds to ≤ q; q < 0: to ≥ q): a product row, whose `acc` is the
    ///   select row's `acc[-1]`.
    /// * otherwise (a negative slope, or one above 1): with `r = max(q, 0)`
    ///   (a select row), `leaky(q) = r + rshift(α·(q − r), a) =
    ///   rshift(α·q + (2^a − α)·r, a)` (exact: adding `r·2^a` before the
    ///   rounding shift adds exactly `r` after it): one linear row, range
    ///   checked like every node output. For `q ≥ 0`, `q − r = 0`; for
    ///   `q < 0`, `r = 0`: the executor's rule in both cases.
    pub(super) fn lay_leaky_relu(
        &mut self,
        ni: usize,
        alpha: &i64,
        alpha_shift: &u32,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        if *alpha_shift > 62 {
            return Err(unsupported(
                q,
                ni,
                format!("slope {alpha}/2^{alpha_shift}: more than 62 fraction bits"),
            ));
        }
        let (al, sh) = (*alpha as i128, *alpha_shift);
        let one = 1i128 << sh;
        if (0..=one).contains(&al) {
            return Ok(self.wires(x[0])?.mapv(|w| {
                let t = self.b.linear(&[(w, al)], 0, sh);
                self.b.select_row(&w, Other::Prev(t.val), true)
            }));
        }
        Ok(self.wires(x[0])?.mapv(|w| {
            let r = self.b.relu(&w);
            self.b.linear(&[(w, al), (r, one - al)], 0, sh)
        }))
    }
}
