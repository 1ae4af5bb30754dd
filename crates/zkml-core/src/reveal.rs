//! Selective reveal of outputs: which part of hidden outputs a proof makes public.
//!
//! With outputs that are not [`Vis::Public`], a proof can still reveal:
//!
//! * [`Reveal::None`] reveals nothing.
//! * [`Reveal::Indices`] reveals the output values at chosen flat indices. Indices run
//!   over all outputs concatenated in order, each flattened row-major (for a
//!   single-output model, the row-major index into that output).
//! * [`Reveal::Argmax`] reveals only the class: for each output tensor and each row
//!   along its last axis, the index of the largest value, the **first** one on
//!   ties (ONNX `ArgMax` with `axis = −1`, `keepdims = 0`,
//!   `select_last_index = 0`). A `[1, 10]` output reveals one class; a `[B, C]`
//!   output reveals `B` classes; a scalar reveals class 0.
//!
//! Revealing everything is [`Vis::Public`] outputs; revealing nothing is
//! [`Vis::Private`] with [`Reveal::None`]. The revealed integers are
//! [`crate::backend::PublicValues::revealed`], computed here once
//! ([`revealed_values`]) for the executor's side and by the backends'
//! witness code through the same [`crate::compare::argmax`].

use serde::{Deserialize, Serialize};

use crate::backend::{Vis, Visibility};
use crate::compare::argmax;
use crate::error::{Error, Result};
use crate::exec::Trace;
use crate::quant::QGraph;

/// What a proof reveals of outputs that are not public ([module doc](self)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reveal {
    /// Nothing.
    #[default]
    None,
    /// The values at these flat indices (over all outputs concatenated), in this order.
    Indices(Vec<usize>),
    /// The first index of the largest value along the last axis, per row of each output.
    Argmax,
}

impl Reveal {
    /// A short description for people: `none`, `argmax`, `indices 0,3,7`.
    pub fn describe(&self) -> String {
        match self {
            Reveal::None => "none".into(),
            Reveal::Argmax => "argmax".into(),
            Reveal::Indices(ix) => {
                let s: Vec<String> = ix.iter().map(|i| i.to_string()).collect();
                format!("indices {}", s.join(","))
            }
        }
    }
}

/// The number of rows (argmax lanes) of a tensor of `shape`: all axes but the last.
pub fn argmax_rows(shape: &[usize]) -> usize {
    match shape.split_last() {
        None => 1,
        Some((_, lead)) => lead.iter().product(),
    }
}

/// The length of each argmax lane of a tensor of `shape` (its last axis; 1 for a scalar).
pub fn argmax_lane(shape: &[usize]) -> usize {
    shape.last().copied().unwrap_or(1)
}

/// Argmax along the last axis of row-major `values` with lanes of length
/// `lane` ([module doc](self)): one class per row, first index on ties.
///
/// # Panics
/// If `lane` is 0 (refused at setup by [`check_reveal`]).
pub fn argmax_last_axis<T: PartialOrd + Copy>(values: &[T], lane: usize) -> Vec<i64> {
    assert!(lane > 0, "argmax over an empty axis");
    values
        .chunks(lane)
        .map(|row| argmax(row.iter().copied()) as i64)
        .collect()
}

/// Maps a flat index over the concatenated outputs of sizes `sizes` to
/// `(output, index within it)`; `None` past the end.
pub fn locate(sizes: &[usize], mut index: usize) -> Option<(usize, usize)> {
    for (o, &n) in sizes.iter().enumerate() {
        if index < n {
            return Some((o, index));
        }
        index -= n;
    }
    None
}

/// Checks `vis.reveal` against the model: revealing needs hidden outputs,
/// indices must be in range and distinct, argmax needs non-empty last axes.
pub fn check_reveal(q: &QGraph, vis: &Visibility) -> Result<()> {
    if vis.reveal != Reveal::None && vis.output == Vis::Public {
        return Err(Error::Reveal(format!(
            "the outputs are public (all revealed) already; revealing {} needs hidden outputs",
            vis.reveal.describe()
        )));
    }
    let shapes: Vec<&[usize]> = q
        .outputs
        .iter()
        .map(|&o| q.values[o].shape.as_slice())
        .collect();
    match &vis.reveal {
        Reveal::None => {}
        Reveal::Indices(ix) => {
            if ix.is_empty() {
                return Err(Error::Reveal("no output index to reveal was given".into()));
            }
            let count: usize = shapes.iter().map(|s| s.iter().product::<usize>()).sum();
            let mut seen = std::collections::BTreeSet::new();
            for &index in ix {
                if index >= count {
                    return Err(Error::RevealIndex { index, count });
                }
                if !seen.insert(index) {
                    return Err(Error::Reveal(format!(
                        "output index {index} is given twice"
                    )));
                }
            }
        }
        Reveal::Argmax => {
            for (o, s) in shapes.iter().enumerate() {
                if argmax_lane(s) == 0 {
                    return Err(Error::Reveal(format!(
                        "output {o} has shape {s:?}: no argmax over an empty last axis"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// How many integers [`revealed_values`] gives for this model and reveal.
pub fn revealed_count(q: &QGraph, reveal: &Reveal) -> usize {
    match reveal {
        Reveal::None => 0,
        Reveal::Indices(ix) => ix.len(),
        Reveal::Argmax => q
            .outputs
            .iter()
            .map(|&o| argmax_rows(&q.values[o].shape))
            .sum(),
    }
}

/// The revealed integers of `trace`: the values at the indices, or the
/// classes of every output's rows, outputs in order. Assumes [`check_reveal`] passed.
pub fn revealed_values(q: &QGraph, trace: &Trace, reveal: &Reveal) -> Vec<i64> {
    let flat: Vec<Vec<i64>> = q
        .outputs
        .iter()
        .map(|&o| trace.values[o].iter().copied().collect())
        .collect();
    match reveal {
        Reveal::None => vec![],
        Reveal::Indices(ix) => {
            let sizes: Vec<usize> = flat.iter().map(Vec::len).collect();
            ix.iter()
                .map(|&i| {
                    let (o, j) = locate(&sizes, i).expect("index checked by check_reveal");
                    flat[o][j]
                })
                .collect()
        }
        Reveal::Argmax => q
            .outputs
            .iter()
            .zip(&flat)
            .flat_map(|(&o, v)| argmax_last_axis(v, argmax_lane(&q.values[o].shape)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_maximum_per_row() {
        assert_eq!(argmax_last_axis(&[1, 5, 5, 2], 4), vec![1]);
        assert_eq!(argmax_last_axis(&[3, 3, 3], 3), vec![0]);
        assert_eq!(argmax_last_axis(&[-4, -2, -2, 0, 9, 9], 3), vec![1, 1]);
        assert_eq!(argmax_last_axis(&[7], 1), vec![0]);
    }

    #[test]
    fn rows_lanes_and_locate() {
        assert_eq!((argmax_rows(&[1, 10]), argmax_lane(&[1, 10])), (1, 10));
        assert_eq!((argmax_rows(&[2, 3, 4]), argmax_lane(&[2, 3, 4])), (6, 4));
        assert_eq!((argmax_rows(&[]), argmax_lane(&[])), (1, 1));
        assert_eq!(locate(&[3, 2], 0), Some((0, 0)));
        assert_eq!(locate(&[3, 2], 4), Some((1, 1)));
        assert_eq!(locate(&[3, 2], 5), None);
    }

    /// `y = Relu(x)` for `x: [2, 3]` and `z = Relu(w)` for `w: [4]`, quantized exactly.
    fn two_outputs() -> (QGraph, Trace) {
        use crate::{calibrate, execute, quantize, Graph, Op, QuantConfig};
        use ndarray::{ArrayD, IxDyn};
        let mut g = Graph::new();
        let x = g.add_input("x", vec![2, 3]);
        let w = g.add_input("w", vec![4]);
        let y = g.add_node("r1", Op::Relu, vec![x], "y").unwrap();
        let z = g.add_node("r2", Op::Relu, vec![w], "z").unwrap();
        g.add_output(y);
        g.add_output(z);
        let t = |s: &[usize], v: &[f32]| ArrayD::from_shape_vec(IxDyn(s), v.to_vec()).unwrap();
        let inputs = vec![
            t(&[2, 3], &[1.0, 3.0, 3.0, -1.0, -2.0, -0.5]),
            t(&[4], &[0.5, 2.0, -1.0, 2.0]),
        ];
        let cal = calibrate(&g, std::slice::from_ref(&inputs)).unwrap();
        let q = quantize(&g, &cal, &QuantConfig::default()).unwrap();
        let trace = execute(&q, &inputs).unwrap();
        (q, trace)
    }

    #[test]
    fn revealed_values_follow_the_executor() {
        let (q, t) = two_outputs();
        let y: Vec<i64> = t.values[q.outputs[0]].iter().copied().collect();
        let z: Vec<i64> = t.values[q.outputs[1]].iter().copied().collect();
        // Rows of y: [1, 3, 3] → 1 (first of the tie); [0, 0, 0] → 0; z → 1.
        assert_eq!(revealed_values(&q, &t, &Reveal::Argmax), vec![1, 0, 1]);
        assert_eq!(revealed_count(&q, &Reveal::Argmax), 3);
        let ix = Reveal::Indices(vec![7, 2]);
        assert_eq!(revealed_values(&q, &t, &ix), vec![z[1], y[2]]);
        assert!(revealed_values(&q, &t, &Reveal::None).is_empty());
    }

    #[test]
    fn bad_reveals_are_refused() {
        let (q, _) = two_outputs();
        let vis = |reveal| Visibility {
            output: Vis::Private,
            reveal,
            ..Visibility::default()
        };
        assert!(check_reveal(&q, &vis(Reveal::Indices(vec![0, 9]))).is_ok());
        assert!(matches!(
            check_reveal(&q, &vis(Reveal::Indices(vec![10]))),
            Err(Error::RevealIndex {
                index: 10,
                count: 10
            })
        ));
        let e = check_reveal(&q, &vis(Reveal::Indices(vec![4, 4]))).unwrap_err();
        assert!(e.to_string().contains("given twice"), "{e}");
        let public = Visibility {
            reveal: Reveal::Argmax,
            ..Visibility::default()
        };
        assert!(check_reveal(&q, &public).is_err());
        assert!(check_reveal(&q, &vis(Reveal::Argmax)).is_ok());
    }

    #[test]
    fn describe() {
        assert_eq!(Reveal::Indices(vec![0, 3, 7]).describe(), "indices 0,3,7");
        assert_eq!(Reveal::Argmax.describe(), "argmax");
    }
}
