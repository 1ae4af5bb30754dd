//! Gather by run-time indices (ONNX Gather and GatherElements whose indices
//! are computed at run time, OneHot, embedding lookups): every output element
//! copies the data element its index selects.
//!
//! Rule (exact, any number type; output scale = data scale). With `d` the
//! data flattened and `k` the indices flattened:
//! ```text
//! y.flat[i] = d[base[i] + stride · norm(k[pick[i]])],   norm(j) = j + dim if j < 0 else j
//! ```
//! where `base`, `pick`, `stride` and `dim` are fixed by the model (the
//! loader computes them from the op's axis and shapes) and every index must be
//! a whole number in `[−dim, dim)`; anything else is refused by the
//! executors ([`DynGather::check`]), never clamped.
//!
//! In the integer model the indices tensor has its own scale `s_k`: its
//! integers are `q = j · 2^s_k`, so `j = q / 2^s_k` must be exact.
//!
//! Proof (plonk): a lookup of each output's `(lane, index, value)` in a table
//! of the data's `(lane, position, value)` built from the data's own cells
//! (`zkml_plonk::gadgets::dyn_lookup`).

use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::tensor::numel;

/// The fixed part of a run-time gather.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DynGather {
    /// Output shape.
    pub shape: Vec<usize>,
    /// Per output element (row-major): the flat data position of index 0.
    pub base: Vec<usize>,
    /// Per output element: the flat position of its index in the indices tensor.
    pub pick: Vec<usize>,
    /// Flat distance between consecutive index values.
    pub stride: usize,
    /// Size of the gathered axis (indices lie in `[−dim, dim)`).
    pub dim: usize,
}

impl DynGather {
    /// The output shape for data of shape `data` and indices of shape `idx`,
    /// or why they are refused.
    pub fn output_shape(&self, data: &[usize], idx: &[usize]) -> Result<Vec<usize>, String> {
        let n = numel(&self.shape);
        if self.base.len() != n || self.pick.len() != n {
            return Err(format!(
                "{} bases and {} picks for output shape {:?}",
                self.base.len(),
                self.pick.len(),
                self.shape
            ));
        }
        if self.dim == 0 {
            return Err("gathers along an empty axis".into());
        }
        let (nd, nk) = (numel(data), numel(idx));
        let reach = self.stride.saturating_mul(self.dim - 1);
        if let Some(b) = self.base.iter().find(|&&b| b.saturating_add(reach) >= nd) {
            return Err(format!(
                "base {b} + {reach} out of range for {nd} data elements"
            ));
        }
        if let Some(p) = self.pick.iter().find(|&&p| p >= nk) {
            return Err(format!("index position {p} out of range for {nk} indices"));
        }
        Ok(self.shape.clone())
    }

    /// The axis position selected by index value `j`, or why it is refused.
    pub fn position(&self, j: f64) -> Result<usize, String> {
        let dim = self.dim as f64;
        if j.fract() != 0.0 || !(-dim..dim).contains(&j) {
            return Err(format!(
                "index {j} is out of range: run-time indices must be whole numbers in [-{}, {})",
                self.dim, self.dim
            ));
        }
        Ok(if j < 0.0 { j + dim } else { j } as usize)
    }

    /// Checks every index (`idx` holds the index values, real-valued).
    pub fn check(&self, idx: impl Iterator<Item = f64>) -> Result<(), String> {
        let v: Vec<f64> = idx.collect();
        for &p in &self.pick {
            self.position(v[p])?;
        }
        Ok(())
    }

    /// Applies the gather; `index(k)` turns an index element into its value.
    /// Indices must have passed [`Self::check`] (a bad one selects position 0).
    pub fn apply<T: Clone, K: Clone>(
        &self,
        data: &ArrayD<T>,
        idx: &ArrayD<K>,
        index: impl Fn(K) -> f64,
    ) -> ArrayD<T> {
        let d: Vec<&T> = data.iter().collect();
        let k: Vec<K> = idx.iter().cloned().collect();
        let v = self
            .base
            .iter()
            .zip(&self.pick)
            .map(|(&b, &p)| {
                let j = self.position(index(k[p].clone())).unwrap_or(0);
                d[b + self.stride * j].clone()
            })
            .collect();
        ArrayD::from_shape_vec(IxDyn(&self.shape), v).expect("checked gather")
    }
}

/// Quantization: the output keeps the data's scale; constant data (an
/// embedding table) gets the activation scale its largest magnitude allows
/// (`⌊log2(bound / (margin·max|x|))⌋`, at most `max_scale`); the indices
/// keep theirs (constant indices: scale 0).
pub fn quantize(m: &DynGather, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_data = match c.scale(0) {
        Some(s) => s,
        None => {
            let id = c.node.inputs[0];
            let t =
                c.g.const_value(id)
                    .ok_or_else(|| c.err("the data has no scale"))?;
            let bound = ((1i64 << (c.cfg.act_bits - 1)) - 1) as f64;
            let mx = t.iter().fold(0f64, |a, v| a.max(v.abs() as f64)) * c.cfg.margin;
            let s = if mx <= 0.0 {
                c.cfg.max_scale
            } else {
                ((bound / mx).log2().floor() as i32).min(c.cfg.max_scale)
            };
            let s = c.fixed_or(s);
            c.fix_const(0, s)?
        }
    };
    let idx_scale = match c.scale(1) {
        Some(s) => s,
        None => c.fix_const(1, 0)?,
    };
    Ok((
        QOp::GatherDyn {
            map: m.clone(),
            idx_scale,
        },
        s_data,
    ))
}

/// Error bound: a copy of the selected element (the data's error), or, when
/// an index may be off by ½ or more, any element (`2·max|x|` more).
pub fn error_bound(c: &BoundCtx) -> f64 {
    c.e(0) + if c.e(1) >= 0.5 { 2.0 * c.m(0) } else { 0.0 }
}

/// The index value an integer index element `q` at scale `s` carries.
pub fn int_index(q: i64, s: i32) -> f64 {
    q as f64 / 2f64.powi(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_rows_by_runtime_index_and_refuses_bad_ones() {
        // data [3, 2], Gather axis 0 by indices [2] = [2, -3]: rows 2 and 0.
        let g = DynGather {
            shape: vec![2, 2],
            base: vec![0, 1, 0, 1],
            pick: vec![0, 0, 1, 1],
            stride: 2,
            dim: 3,
        };
        assert_eq!(g.output_shape(&[3, 2], &[2]).unwrap(), vec![2, 2]);
        let x = ArrayD::from_shape_vec(IxDyn(&[3, 2]), vec![10, 11, 20, 21, 30, 31]).unwrap();
        let k = ArrayD::from_shape_vec(IxDyn(&[2]), vec![2i64, -3]).unwrap();
        assert!(g.check(k.iter().map(|&q| q as f64)).is_ok());
        let y = g.apply(&x, &k, |q| q as f64);
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), [30, 31, 10, 11]);
        // At scale 2 the integer 8 is the index 2.
        assert_eq!(int_index(8, 2), 2.0);
        for bad in [3.0, -4.0, 0.5] {
            assert!(g.check([bad, 0.0].into_iter()).is_err(), "{bad}");
        }
        assert!(g.output_shape(&[2, 2], &[2]).is_err());
        assert!(g.output_shape(&[3, 2], &[1]).is_err());
    }
}
