//! Abs, Max/Min and ReduceMax/ReduceMin on the select gadget; ArgMax/ArgMin
//! and TopK with k = 1 on the argmax gadget, TopK with k > 1 on the topk gadget.

use ndarray::{ArrayD, IxDyn};
use zkml_core::ops::{elementwise, shape as shape_ops, Arg, TopK};

use super::super::{unsupported, El, Walker};
use super::reduce_rows;
use crate::error::Result;
use crate::gadgets::{
    argmax::ArgmaxInstructions, arith::ArithInstructions, linear::LinearInstructions,
    select::SelectInstructions, topk::TopKInstructions, Wire,
};

impl Walker<'_, '_> {
    /// Abs: `max(q, −q)`.
    pub(super) fn lay_abs(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        Ok(self.cells(x[0])?.mapv(|w| {
            let neg = self.b.linear(&[(w, -1)], 0, 0);
            self.b.max_all(&[w, neg])
        }))
    }

    /// ReduceMax (`is_max`) / ReduceMin: the max (min) gadget over each reduced group.
    pub(super) fn lay_reduce_extreme(
        &mut self,
        ni: usize,
        axes: &[usize],
        is_max: bool,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
        let rows = reduce_rows(&*self.cells(x[0])?, axes);
        let out: Vec<Wire> = rows.iter().map(|r| self.b.extreme_all(r, is_max)).collect();
        Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap())
    }

    /// Max (`is_max`) / Min: operands aligned to the output scale as for
    /// Concat, then one select row.
    pub(super) fn lay_max_min(
        &mut self,
        ni: usize,
        align: &[i32; 2],
        is_max: bool,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let (a, bb) = (self.operand(x[0])?, self.operand(x[1])?);
        let align = *align;
        Ok(
            elementwise::zip_broadcast(&a, &bb, |u, v| (u, v)).mapv(|(u, v)| {
                let mut ws = [u, v].into_iter().zip(align).map(|(e, k)| match e {
                    El::W(w) if k == 0 => w,
                    El::W(w) => {
                        let t = self.aligned_term(w, k, 1);
                        self.combine(vec![t], 0)
                    }
                    El::C(c) => self.b.constant(elementwise::align(c, k) as i128),
                });
                let (u, v) = (ws.next().unwrap(), ws.next().unwrap());
                self.b.extreme_all(&[u, v], is_max)
            }),
        )
    }

    /// ArgMax / ArgMin: the [`argmax`](crate::gadgets::argmax) gadget per lane
    /// ([`Self::arg_lane`]).
    pub(super) fn lay_arg(&mut self, ni: usize, a: &Arg) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
        let lanes = reduce_rows(&*self.cells(x[0])?, &[a.axis]);
        let out: Vec<Wire> = lanes
            .iter()
            .map(|l| self.arg_lane(l, a.largest, a.last))
            .collect();
        Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap())
    }

    /// TopK. With `k = 1` the values are the lane's max (min), the indices
    /// its first argmax (argmin), which is TopK's tie rule (lower index
    /// first). With `k > 1` the [`topk`](crate::gadgets::topk) gadget per
    /// lane; the values node and the indices node of one ONNX TopK (same
    /// input, axis, `k`, direction) share that layout: the first one laid
    /// out keeps both outputs. `k = 0` is an empty output.
    pub(super) fn lay_top_k(&mut self, ni: usize, t: &TopK) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let out_shape = q.values[q.nodes[ni].output].shape.clone();
        if t.k == 0 {
            return Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), vec![]).unwrap());
        }
        let lanes = reduce_rows(&*self.cells(x[0])?, &[t.axis]);
        if t.k == 1 {
            let out: Vec<Wire> = lanes
                .iter()
                .map(|l| {
                    if t.indices {
                        self.arg_lane(l, t.largest, false)
                    } else {
                        self.b.extreme_all(l, t.largest)
                    }
                })
                .collect();
            return Ok(ArrayD::from_shape_vec(IxDyn(&out_shape), out).unwrap());
        }
        let key = (x[0], t.axis, t.k, t.largest);
        if let Some(both) = self.top_k.get(&key) {
            return Ok(both[usize::from(t.indices)].clone());
        }
        if self.b.shape.n < 4 || !self.b.shape.dyn_lookup {
            return Err(unsupported(
                q,
                ni,
                format!(
                    "TopK with k = {} needs a MAC width of at least 4 and the run-time \
                     lookup columns (MAC width {}, lookup {}); plan the model with \
                     `zkml_plonk::plan`",
                    t.k, self.b.shape.n, self.b.shape.dyn_lookup
                ),
            ));
        }
        let picks = self.b.top_k(&lanes, t.k, t.largest);
        // Lanes come in output order with the axis last: [keep…, k], then
        // the last axis moves back to `axis`.
        let mut lane_shape: Vec<usize> = out_shape.clone();
        lane_shape.remove(t.axis);
        lane_shape.push(t.k);
        let r = out_shape.len();
        let perm: Vec<usize> = (0..r)
            .map(|a| match a.cmp(&t.axis) {
                std::cmp::Ordering::Less => a,
                std::cmp::Ordering::Equal => r - 1,
                std::cmp::Ordering::Greater => a - 1,
            })
            .collect();
        let arrange = |cells: Vec<Wire>| {
            let a = ArrayD::from_shape_vec(IxDyn(&lane_shape), cells).unwrap();
            shape_ops::transpose(&a, &perm)
        };
        let (vals, idxs): (Vec<Vec<Wire>>, Vec<Vec<Wire>>) = picks.into_iter().unzip();
        let both = [arrange(vals.concat()), arrange(idxs.concat())];
        let out = both[usize::from(t.indices)].clone();
        self.top_k.insert(key, both);
        Ok(out)
    }

    /// The index of the lane's largest (`largest`) or smallest value, the
    /// first on ties or the last with `last`, as a cell.
    ///
    /// ArgMin is the argmax of the negated values `−y_j` (exact sums, not
    /// range checked: they lie in `[−2^(b−1) + 1, 2^(b−1)]`, so any two differ
    /// by less than `2^b`, which is all the argmax gadget's soundness argument
    /// uses). The last index is `n − 1 − c` for the first argmax `c` of the
    /// reversed lane. The index lies in `[0, n)` by the gadget's relation.
    fn arg_lane(&mut self, lane: &[Wire], largest: bool, last: bool) -> Wire {
        let mut ys: Vec<Wire> = if largest {
            lane.to_vec()
        } else {
            lane.iter()
                .map(|w| self.b.sum_exact(&[(*w, -1)], 0))
                .collect()
        };
        if last {
            ys.reverse();
        }
        let c = self.b.argmax(&ys);
        if last {
            self.b.sum_exact(&[(c, -1)], lane.len() as i128 - 1)
        } else {
            c
        }
    }
}
