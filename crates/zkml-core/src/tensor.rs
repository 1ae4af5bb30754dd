//! Tensor aliases. Tensors are `ndarray` arrays with dynamic rank, row-major.

use ndarray::{ArrayD, IxDyn};

/// A float tensor (reference semantics, calibration).
pub type FTensor = ArrayD<f32>;
/// An integer tensor (the quantized specification).
pub type ITensor = ArrayD<i64>;

/// Builds a tensor of `shape` from row-major `data`; `None` if the length differs.
pub fn from_flat<T: Clone>(shape: &[usize], data: Vec<T>) -> Option<ArrayD<T>> {
    ArrayD::from_shape_vec(IxDyn(shape), data).ok()
}

/// Number of elements of a shape.
pub fn numel(shape: &[usize]) -> usize {
    shape.iter().product()
}
