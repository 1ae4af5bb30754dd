//! Comparing the integer model's outputs with the float reference: the
//! accuracy cost of quantization, as `zkml run` reports it.

use serde::Serialize;

use crate::precision::Tolerance;
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
    /// Argmax of each float output (flattened).
    pub float_argmax: Vec<usize>,
    /// Rows (last axis, length ≥ 2) of every output whose argmax was
    /// compared: a row whose float top two are within the tolerance of
    /// [`Tolerance::AUTO`] of each other is a near-tie, its argmax noise, and
    /// is skipped ([`argmax_flips`]).
    pub argmax_rows: usize,
    /// Of those rows, how many have a different argmax.
    pub argmax_flips: usize,
    /// Whether every compared row's argmax agrees (`argmax_flips == 0`): a
    /// classifier's class, a detector's per-position class; not the
    /// flattened argmax of a map, which near-ties make noise.
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

/// Rows (last axis, length ≥ 2) of the float output `f` whose argmax is
/// compared with the dequantized integer output `q` (flattened, same
/// order), and how many of them differ. A row whose float top two are
/// within `near_tie` of each other is skipped: which of two equal scores is
/// largest is noise, not a quantization error. One rule for `zkml run`'s
/// report ([`compare`]) and automatic precision's acceptance.
pub fn argmax_flips(f: &FTensor, q: &[f64], near_tie: f64) -> (usize, usize) {
    let n = f.shape().last().copied().unwrap_or(1);
    if n < 2 {
        return (0, 0);
    }
    let fv: Vec<f32> = f.iter().copied().collect();
    let (mut rows, mut flips) = (0, 0);
    for (fr, qr) in fv.chunks(n).zip(q.chunks(n)) {
        let mut top: Vec<f32> = fr.to_vec();
        top.sort_by(|a, b| b.total_cmp(a));
        if f64::from(top[0] - top[1]) <= near_tie {
            continue;
        }
        rows += 1;
        if argmax(fr.iter().copied()) != argmax(qr.iter().copied()) {
            flips += 1;
        }
    }
    (rows, flips)
}

/// Compares dequantized integer outputs (flattened) with float outputs.
pub fn compare(int_out: &[Vec<f64>], float_out: &[FTensor]) -> Comparison {
    let mut max_abs_error = 0f64;
    let mut max_abs_output = 0f64;
    let (mut argmax_rows, mut argmax_flips_) = (0, 0);
    for (q, f) in int_out.iter().zip(float_out) {
        let mut peak = 0f64;
        for (&a, &b) in q.iter().zip(f.iter()) {
            max_abs_error = max_abs_error.max((a - b as f64).abs());
            peak = peak.max((b as f64).abs());
        }
        max_abs_output = max_abs_output.max(peak);
        let (rows, flips) = argmax_flips(f, q, Tolerance::AUTO.allowed(peak));
        argmax_rows += rows;
        argmax_flips_ += flips;
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
        argmax_rows,
        argmax_flips: argmax_flips_,
        argmax_agree: argmax_flips_ == 0,
        argmax: argmax_q,
        float_argmax: argmax_f,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], v: &[f32]) -> FTensor {
        FTensor::from_shape_vec(shape.to_vec(), v.to_vec()).unwrap()
    }

    /// A map whose flattened argmax moves between two equal peaks agrees;
    /// a class that really changes in one row does not.
    #[test]
    fn argmax_is_compared_per_row_skipping_near_ties() {
        let f = t(&[2, 3], &[0.9, 0.9, 0.1, 0.1, 0.8, 0.2]);
        let same = vec![0.899, 0.901, 0.1, 0.1, 0.8, 0.2];
        let c = compare(std::slice::from_ref(&same), std::slice::from_ref(&f));
        assert_eq!((c.argmax, c.float_argmax.clone()), (vec![1], vec![0]));
        assert_eq!((c.argmax_rows, c.argmax_flips), (1, 0));
        assert!(c.argmax_agree);
        let moved = vec![0.9, 0.9, 0.1, 0.1, 0.2, 0.8];
        let c = compare(&[moved], &[f]);
        assert_eq!((c.argmax_rows, c.argmax_flips), (1, 1));
        assert!(!c.argmax_agree);
    }

    /// Outputs with a last axis of 1 have no argmax to compare.
    #[test]
    fn single_column_outputs_have_no_rows() {
        let f = t(&[3, 1], &[0.1, 0.5, 0.3]);
        let c = compare(&[vec![0.5, 0.1, 0.3]], &[f]);
        assert_eq!(c.argmax_rows, 0);
        assert!(c.argmax_agree);
    }
}
