//! Data movement by an index map: one op for every selection whose source
//! positions are known when the model is loaded (Slice with any steps,
//! Gather with constant indices, Split, Tile, …; the ONNX names live in the
//! loader, which computes the map by applying the op to the input's flat
//! positions).
//!
//! Rule (exact, any number type; scale unchanged):
//! ```text
//! y.flat[i] = x.flat[index[i]]        for i < Π shape
//! ```
//! A backend proves it with copy constraints alone.

use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::tensor::numel;

/// The map: output shape and, per output element (row-major), the flat input position.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexMap {
    /// Output shape.
    pub shape: Vec<usize>,
    /// Flat input position of each output element.
    pub index: Vec<usize>,
}

impl IndexMap {
    /// The output shape for an input of shape `input`, or why it is refused.
    pub fn output_shape(&self, input: &[usize]) -> Result<Vec<usize>, String> {
        if self.index.len() != numel(&self.shape) {
            return Err(format!(
                "{} indices for output shape {:?}",
                self.index.len(),
                self.shape
            ));
        }
        let n = numel(input);
        if let Some(&bad) = self.index.iter().find(|&&i| i >= n) {
            return Err(format!("index {bad} out of range for {n} input elements"));
        }
        Ok(self.shape.clone())
    }

    /// Applies the map (the shape was checked by [`Self::output_shape`]).
    pub fn apply<T: Clone>(&self, x: &ArrayD<T>) -> ArrayD<T> {
        let flat: Vec<&T> = x.iter().collect();
        let v = self.index.iter().map(|&i| flat[i].clone()).collect();
        ArrayD::from_shape_vec(IxDyn(&self.shape), v).expect("checked index map")
    }
}

/// Quantization: exact, scale unchanged.
pub fn quantize(m: &IndexMap, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    Ok((QOp::Gather(m.clone()), c.s_in()?))
}

/// Error bound: exact, the input's.
pub fn error_bound(c: &BoundCtx) -> f64 {
    c.e(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_checks() {
        let x = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![0, 1, 2, 3, 4, 5]).unwrap();
        // Columns 2 and 0 (a Gather on axis 1), row-major.
        let m = IndexMap {
            shape: vec![2, 2],
            index: vec![2, 0, 5, 3],
        };
        assert_eq!(m.output_shape(&[2, 3]).unwrap(), vec![2, 2]);
        assert_eq!(
            m.apply(&x).iter().copied().collect::<Vec<_>>(),
            [2, 0, 5, 3]
        );
        assert!(m.output_shape(&[2, 2]).is_err());
        let bad = IndexMap {
            shape: vec![3],
            index: vec![0, 1],
        };
        assert!(bad.output_shape(&[2, 3]).is_err());
    }
}
