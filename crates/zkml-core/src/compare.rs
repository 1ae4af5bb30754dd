//! Comparing the integer model's outputs with the float reference: the
//! accuracy cost of quantization, as `zkml run` reports it.

use serde::Serialize;

use crate::tensor::FTensor;

/// How far the dequantized integer outputs are from the float outputs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Comparison {
    /// `max |int − float|` over every output element.
    pub max_abs_error: f64,
    /// `max |float|` over every output element.
    pub max_abs_output: f64,
    /// `max_abs_error / max_abs_output` (0 when the outputs are all 0).
    pub relative_error: f64,
    /// Argmax of each dequantized integer output (flattened).
    pub argmax: Vec<usize>,
    /// Argmax of each float output.
    pub float_argmax: Vec<usize>,
    /// Whether every output's argmax agrees.
    pub argmax_agree: bool,
}

/// Index of the largest element (first one on ties); 0 for an empty list.
pub fn argmax<T: PartialOrd + Copy>(xs: impl IntoIterator<Item = T>) -> usize {
    let mut best: Option<(usize, T)> = None;
    for (i, x) in xs.into_iter().enumerate() {
        if best.is_none_or(|(_, b)| x > b) {
            best = Some((i, x));
        }
    }
    best.map_or(0, |(i, _)| i)
}

/// Compares dequantized integer outputs (flattened) with float outputs.
pub fn compare(int_out: &[Vec<f64>], float_out: &[FTensor]) -> Comparison {
    let mut max_abs_error = 0f64;
    let mut max_abs_output = 0f64;
    for (q, f) in int_out.iter().zip(float_out) {
        for (&a, &b) in q.iter().zip(f.iter()) {
            max_abs_error = max_abs_error.max((a - b as f64).abs());
            max_abs_output = max_abs_output.max((b as f64).abs());
        }
    }
    let argmax_q: Vec<usize> = int_out.iter().map(|q| argmax(q.iter().copied())).collect();
    let argmax_f: Vec<usize> = float_out
        .iter()
        .map(|f| argmax(f.iter().copied()))
        .collect();
    Comparison {
        max_abs_error,
        max_abs_output,
        relative_error: if max_abs_output > 0.0 {
            max_abs_error / max_abs_output
        } else {
            0.0
        },
        argmax_agree: argmax_q == argmax_f,
        argmax: argmax_q,
        float_argmax: argmax_f,
    }
}
