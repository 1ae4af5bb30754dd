//! Convolution, pooling and normalization: Conv, MaxPool, AveragePool,
//! GlobalAveragePool, GlobalMaxPool, BatchNormalization.

pub mod batch_norm;
pub mod conv;
pub mod global_pool;
pub mod pool;
pub mod volume;
pub mod window;

use super::Registry;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("Conv", conv::conv);
    r.insert("MaxPool", |c, n| pool::pool(c, n, true));
    r.insert("AveragePool", |c, n| pool::pool(c, n, false));
    r.insert("GlobalAveragePool", global_pool::global_average_pool);
    r.insert("GlobalMaxPool", global_pool::global_max_pool);
    r.insert("BatchNormalization", batch_norm::batch_norm);
}
