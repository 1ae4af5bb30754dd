//! Selections that report positions: ArgMax / ArgMin ([`Arg`]) and TopK
//! ([`TopK`], one output per IR node: the loader expands an ONNX TopK into a
//! values node and an indices node).
//!
//! Integer rules (exact):
//! * Arg: per lane along `axis`, the index of the largest (`largest`) or
//!   smallest value; on ties the first index, or the last with `last`
//!   (ONNX `select_last_index`). The output is an index: scale 0.
//! * TopK: per lane, the `k` largest (or smallest) values in that order, ties
//!   broken by the lower index first (ONNX); `indices` selects the output: the
//!   values (scale unchanged) or their indices (scale 0). Sorted output is
//!   always produced (it is one valid answer when ONNX `sorted = 0`).
//!
//! Error bound: the values are order statistics, 1-Lipschitz in the largest
//! error (`e_in`). An index can move only among near-ties: the element the
//! integer run puts at rank `t` has a float value within `2·e_in` of the float
//! run's rank-`t` value, and so does the float run's own choice (whatever its
//! tie rule), so the index errs by at most the spread of those candidates'
//! indices ([`rank_index_bound`]); 0 when the lane's values are separated by
//! more than `2·e_in`.

use ndarray::{ArrayD, Axis};
use serde::{Deserialize, Serialize};

use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;

/// ArgMax (`largest`) or ArgMin along one axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Arg {
    /// Normalised axis.
    pub axis: usize,
    /// Keep the reduced axis as size 1.
    pub keepdims: bool,
    /// ArgMax (`true`) or ArgMin.
    pub largest: bool,
    /// On ties, the last index (ONNX `select_last_index = 1`) instead of the first.
    pub last: bool,
}

/// One output of TopK along one axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopK {
    /// Normalised axis.
    pub axis: usize,
    /// How many elements per lane (a constant).
    pub k: usize,
    /// The largest (`true`) or the smallest elements.
    pub largest: bool,
    /// This node's output: the indices (`true`) or the values.
    pub indices: bool,
}

impl Arg {
    /// ONNX's name for it.
    pub fn name(&self) -> &'static str {
        if self.largest {
            "ArgMax"
        } else {
            "ArgMin"
        }
    }

    /// Output shape, or why the input is refused.
    pub fn output_shape(&self, x: &[usize]) -> std::result::Result<Vec<usize>, String> {
        match x.get(self.axis) {
            None => Err(format!(
                "axis {} out of range for rank {}",
                self.axis,
                x.len()
            )),
            Some(0) => Err("reduces an empty axis".into()),
            Some(_) => super::reduce::output_shape(x, &[self.axis], self.keepdims),
        }
    }

    /// The index per lane, any ordered type (`f32` reference, `i64` spec).
    pub fn eval<T: Copy + PartialOrd>(&self, x: &ArrayD<T>) -> ArrayD<usize> {
        let out = x.map_axis(Axis(self.axis), |lane| {
            let v: Vec<T> = lane.iter().copied().collect();
            let order = rank_order(&v, self.largest);
            let best = v[order[0]];
            // Every index holding the extreme value, ascending (incomparable
            // values count as equal, as in `rank_order`).
            let ties = (0..v.len()).filter(|&j| {
                matches!(
                    v[j].partial_cmp(&best),
                    Some(std::cmp::Ordering::Equal) | None
                )
            });
            if self.last {
                ties.last().expect("the extreme is in the lane")
            } else {
                order[0]
            }
        });
        if self.keepdims {
            out.insert_axis(Axis(self.axis))
        } else {
            out
        }
    }
}

impl TopK {
    /// ONNX's name for it.
    pub fn name(&self) -> &'static str {
        "TopK"
    }

    /// Output shape (the axis becomes `k`), or why the input is refused.
    pub fn output_shape(&self, x: &[usize]) -> std::result::Result<Vec<usize>, String> {
        match x.get(self.axis) {
            None => Err(format!(
                "axis {} out of range for rank {}",
                self.axis,
                x.len()
            )),
            Some(&n) if self.k > n => Err(format!("k = {} exceeds the axis length {n}", self.k)),
            Some(_) => {
                let mut s = x.to_vec();
                s[self.axis] = self.k;
                Ok(s)
            }
        }
    }

    /// Per lane, the first `k` positions in rank order.
    pub fn positions<T: Copy + PartialOrd>(&self, x: &ArrayD<T>) -> ArrayD<usize> {
        let mut shape = x.shape().to_vec();
        shape[self.axis] = self.k;
        let mut out = ArrayD::<usize>::zeros(shape);
        for (lane, mut o) in x
            .lanes(Axis(self.axis))
            .into_iter()
            .zip(out.lanes_mut(Axis(self.axis)))
        {
            let v: Vec<T> = lane.iter().copied().collect();
            for (slot, j) in o.iter_mut().zip(rank_order(&v, self.largest)) {
                *slot = j;
            }
        }
        out
    }

    /// This node's output: the values, or their indices converted by `index`.
    pub fn eval<T: Copy + PartialOrd>(
        &self,
        x: &ArrayD<T>,
        index: impl Fn(usize) -> T,
    ) -> ArrayD<T> {
        let pos = self.positions(x);
        if self.indices {
            return pos.mapv(index);
        }
        let mut out = pos.mapv(|_| x.iter().next().copied().expect("non-empty"));
        for ((lane, p), mut o) in x
            .lanes(Axis(self.axis))
            .into_iter()
            .zip(pos.lanes(Axis(self.axis)))
            .zip(out.lanes_mut(Axis(self.axis)))
        {
            for (slot, &j) in o.iter_mut().zip(p.iter()) {
                *slot = lane[j];
            }
        }
        out
    }
}

/// The lane's positions from best to worst (largest first with `largest`,
/// else smallest first); equal values keep their index order (stable), so a
/// tie goes to the lower index. Incomparable values (NaN) count as equal.
pub fn rank_order<T: Copy + PartialOrd>(v: &[T], largest: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|&a, &b| {
        let o = v[a].partial_cmp(&v[b]).unwrap_or(std::cmp::Ordering::Equal);
        if largest {
            o.reverse()
        } else {
            o
        }
    });
    idx
}

/// Quantization of ArgMax/ArgMin: the output is an index, at scale 0.
pub fn quantize_arg(a: &Arg, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    c.s_in()?;
    Ok((QOp::Arg(a.clone()), 0))
}

/// Quantization of TopK: values keep the input's scale, indices get scale 0.
pub fn quantize_top_k(t: &TopK, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    Ok((QOp::TopK(t.clone()), if t.indices { 0 } else { s_in }))
}

/// The most an index of rank `< k` can move (see the module doc), over every
/// lane of `x` along `axis`, for values off by at most `e`.
pub fn rank_index_bound(
    x: &crate::tensor::FTensor,
    axis: usize,
    k: usize,
    largest: bool,
    e: f64,
) -> f64 {
    let mut worst = 0usize;
    for lane in x.lanes(Axis(axis)) {
        let v: Vec<f64> = lane.iter().map(|&f| f as f64).collect();
        let order = rank_order(&v, largest);
        for &i in order.iter().take(k) {
            // The candidates for this rank; the float index is one of them.
            let near = || (0..v.len()).filter(|&j| (v[j] - v[i]).abs() <= 2.0 * e);
            if let (Some(lo), Some(hi)) = (near().min(), near().max()) {
                worst = worst.max(hi - lo);
            }
        }
    }
    worst as f64
}

/// Error bound of ArgMax/ArgMin: [`rank_index_bound`] at rank 0 (with
/// `select_last_index` too: the last tie is among the candidates).
pub fn error_bound_arg(a: &Arg, c: &BoundCtx) -> f64 {
    rank_index_bound(c.x(0), a.axis, 1, a.largest, c.e(0))
}

/// Error bound of TopK: values 1-Lipschitz; indices by [`rank_index_bound`].
pub fn error_bound_top_k(t: &TopK, c: &BoundCtx) -> f64 {
    if t.indices {
        rank_index_bound(c.x(0), t.axis, t.k, t.largest, c.e(0))
    } else {
        c.e(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    fn t(shape: &[usize], v: Vec<i64>) -> ArrayD<i64> {
        ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
    }

    #[test]
    fn arg_ties_first_or_last() {
        let x = t(&[2, 4], vec![3, 9, 1, 9, -2, -5, -5, 0]);
        let mut a = Arg {
            axis: 1,
            keepdims: false,
            largest: true,
            last: false,
        };
        assert_eq!(a.eval(&x).iter().copied().collect::<Vec<_>>(), [1, 3]);
        a.last = true;
        assert_eq!(a.eval(&x).iter().copied().collect::<Vec<_>>(), [3, 3]);
        a.largest = false;
        assert_eq!(a.eval(&x).iter().copied().collect::<Vec<_>>(), [2, 2]);
        a.last = false;
        a.keepdims = true;
        let r = a.eval(&x);
        assert_eq!(r.shape(), &[2, 1]);
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), [2, 1]);
        a.axis = 0;
        assert_eq!(a.eval(&x).iter().copied().collect::<Vec<_>>(), [1, 1, 1, 1]);
    }

    #[test]
    fn top_k_values_and_indices() {
        let x = t(&[1, 5], vec![4, 7, 4, -1, 7]);
        let mut k = TopK {
            axis: 1,
            k: 3,
            largest: true,
            indices: false,
        };
        assert_eq!(
            k.eval(&x, |i| i as i64).iter().copied().collect::<Vec<_>>(),
            [7, 7, 4]
        );
        k.indices = true;
        assert_eq!(
            k.eval(&x, |i| i as i64).iter().copied().collect::<Vec<_>>(),
            [1, 4, 0]
        );
        k.largest = false;
        assert_eq!(
            k.eval(&x, |i| i as i64).iter().copied().collect::<Vec<_>>(),
            [3, 0, 2]
        );
        assert!(k.output_shape(&[1, 2]).is_err());
    }

    #[test]
    fn index_bound_zero_when_separated() {
        let x = ArrayD::from_shape_vec(IxDyn(&[4]), vec![0.0f32, 1.0, 0.5, 0.98]).unwrap();
        assert_eq!(rank_index_bound(&x, 0, 1, true, 0.001), 0.0);
        // 1.0 and 0.98 within 2e = 0.04: index 1 may become 3.
        assert_eq!(rank_index_bound(&x, 0, 1, true, 0.02), 2.0);
    }

    /// Through the quantizer and the integer executor: the index error is
    /// within the propagated bound, which is 0 for separated lanes and
    /// covers a near-tie that quantization breaks the other way.
    #[test]
    fn integer_index_within_the_propagated_bound() {
        use crate::error_bound::error_bounds;
        use crate::float::eval_float;
        use crate::{calibrate, execute, quantize, Graph, Op, QuantConfig};
        let mut g = Graph::new();
        let x = g.add_input("x", vec![2, 4]);
        let a = Arg {
            axis: 1,
            keepdims: false,
            largest: true,
            last: false,
        };
        let am = g.add_node("am", Op::Arg(a), vec![x], "am").unwrap();
        let top = TopK {
            axis: 1,
            k: 2,
            largest: false,
            indices: true,
        };
        let tk = g.add_node("tk", Op::TopK(top), vec![x], "tk").unwrap();
        g.add_output(am);
        g.add_output(tk);
        // Row 0 separated; row 1: 0.5 and 0.5001 tie at 8 fraction bits.
        let v = vec![0.1f32, 0.9, -0.7, 0.3, 0.5, -0.2, 0.5001, -0.9];
        let input = ArrayD::from_shape_vec(IxDyn(&[2, 4]), v).unwrap();
        let cfg = QuantConfig::default();
        let q = quantize(&g, &calibrate(&g, &[vec![input.clone()]]).unwrap(), &cfg).unwrap();
        assert_eq!(q.values[am].scale, 0);
        let t = execute(&q, std::slice::from_ref(&input)).unwrap();
        let fv = eval_float(&g, &[input]).unwrap();
        let e = error_bounds(&g, &q, &fv);
        for o in [am, tk] {
            let err = t.values[o]
                .iter()
                .zip(fv[o].iter())
                .map(|(&i, &f)| (i as f64 - f as f64).abs())
                .fold(0.0, f64::max);
            assert!(err <= e[o], "output {o}: error {err} > bound {}", e[o]);
        }
        // The float ArgMax of row 1 is 2 (0.5001); the integers tie and the
        // executor takes the first (0): an error of 2, within the bound.
        assert_eq!(t.values[am].iter().copied().collect::<Vec<_>>(), [1, 0]);
        assert_eq!(e[am], 2.0);
    }
}
