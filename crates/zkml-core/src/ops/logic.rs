//! Comparisons (Less, Greater, LessOrEqual, GreaterOrEqual, Equal), logic
//! (Not, And, Or, Xor) and Where: exact ops on 0/1 values.
//!
//! Representation: a boolean is a tensor at scale 0 holding 0 or 1 (what
//! comparisons and logic ops output). Inputs of logic ops and Where's
//! condition may come at any scale (a boolean graph input is calibrated like
//! any other, so its `true` is `2^s`): they are read as **truthy**, `q ≠ 0`,
//! which is the boolean exactly whatever the scale.
//!
//! Integer rules (exact):
//! * Compare: both operands are aligned to their common (finest) scale by a
//!   left shift, `A = a·2^(s − s_a)`, `B = b·2^(s − s_b)` — no rounding, so
//!   the comparison is that of the quantized reals — and the result is
//!   `[A < B]`, `[A > B]`, `[A ≤ B]`, `[A ≥ B]` or `[A = B]`, at scale 0. A
//!   constant operand is quantized at the other operand's scale.
//! * Logic: `Not x = [x = 0]`; `And`, `Or`, `Xor` of `[a ≠ 0]`, `[b ≠ 0]`;
//!   scale 0.
//! * Where(c, a, b): `align(a)` where `c ≠ 0`, else `align(b)`, the operands
//!   aligned to the output scale as for Add ([`super::elementwise::align`]);
//!   the output scale is the finer operand's, capped by calibration (as Max).
//!
//! Error bounds (per element, from the float run): a decision (comparison,
//! truthiness, Where's choice) is *certain* when the integer side cannot
//! differ from the float side: both operands are exact (the float value is a
//! multiple of its quantum and its error bound is below one quantum, so the
//! dequantized integer equals it) or they are further apart than their error
//! bounds together. A certain 0/1 output has error 0, an uncertain one 1.

use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};

use super::elementwise::{align, broadcast_shape, zip_broadcast};
use super::QOp;
use crate::error::Result;
use crate::error_bound::BoundCtx;
use crate::quant::QuantCtx;
use crate::tensor::{FTensor, ITensor};

/// A comparison, as ONNX names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cmp {
    /// `a < b`.
    Less,
    /// `a > b`.
    Greater,
    /// `a ≤ b`.
    LessOrEqual,
    /// `a ≥ b`.
    GreaterOrEqual,
    /// `a = b`.
    Equal,
}

impl Cmp {
    /// Every comparison.
    pub const ALL: [Cmp; 5] = [
        Cmp::Less,
        Cmp::Greater,
        Cmp::LessOrEqual,
        Cmp::GreaterOrEqual,
        Cmp::Equal,
    ];

    /// The ONNX op name.
    pub fn name(self) -> &'static str {
        match self {
            Cmp::Less => "Less",
            Cmp::Greater => "Greater",
            Cmp::LessOrEqual => "LessOrEqual",
            Cmp::GreaterOrEqual => "GreaterOrEqual",
            Cmp::Equal => "Equal",
        }
    }

    /// The comparison named `name` (ONNX spelling).
    pub fn from_name(name: &str) -> Option<Cmp> {
        Cmp::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether `a cmp b` holds.
    pub fn holds<T: PartialOrd>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Less => a < b,
            Cmp::Greater => a > b,
            Cmp::LessOrEqual => a <= b,
            Cmp::GreaterOrEqual => a >= b,
            Cmp::Equal => a == b,
        }
    }
}

/// A logic op on truthy values (`≠ 0`), as ONNX names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Logic {
    /// `¬x` (one input).
    Not,
    /// `a ∧ b`.
    And,
    /// `a ∨ b`.
    Or,
    /// `a ⊕ b`.
    Xor,
}

impl Logic {
    /// Every logic op.
    pub const ALL: [Logic; 4] = [Logic::Not, Logic::And, Logic::Or, Logic::Xor];

    /// The ONNX op name.
    pub fn name(self) -> &'static str {
        match self {
            Logic::Not => "Not",
            Logic::And => "And",
            Logic::Or => "Or",
            Logic::Xor => "Xor",
        }
    }

    /// The logic op named `name` (ONNX spelling).
    pub fn from_name(name: &str) -> Option<Logic> {
        Logic::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Number of inputs.
    pub fn arity(self) -> usize {
        if self == Logic::Not {
            1
        } else {
            2
        }
    }

    /// The op on two booleans (`b` ignored by Not).
    pub fn apply(self, a: bool, b: bool) -> bool {
        match self {
            Logic::Not => !a,
            Logic::And => a && b,
            Logic::Or => a || b,
            Logic::Xor => a != b,
        }
    }
}

/// Float comparison: 1.0 where `a cmp b` holds, else 0.0 (broadcasting).
pub fn compare_f32(a: &FTensor, b: &FTensor, cmp: Cmp) -> FTensor {
    zip_broadcast(a, b, |u, v| cmp.holds(u, v) as u8 as f32)
}

/// Integer comparison after aligning both operands to their common scale
/// (`aligns` are left shifts, `≥ 0`): 1 where `A cmp B` holds, else 0.
pub fn compare_int(a: &ITensor, b: &ITensor, cmp: Cmp, aligns: [i32; 2]) -> ITensor {
    zip_broadcast(a, b, |u, v| {
        cmp.holds(align(u, aligns[0]), align(v, aligns[1])) as i64
    })
}

/// Logic on truthy values (`≠ 0`) of any number type; `xs` holds one input
/// for Not, two otherwise. 1 for true, 0 for false.
pub fn logic<T: Copy + Default + PartialEq>(op: Logic, xs: &[&ArrayD<T>]) -> ArrayD<i64> {
    let truthy = |v: T| v != T::default();
    if op == Logic::Not {
        return xs[0].mapv(|v| op.apply(truthy(v), false) as i64);
    }
    zip_broadcast(xs[0], xs[1], |u, v| op.apply(truthy(u), truthy(v)) as i64)
}

/// The broadcast shape of several shapes.
pub fn broadcast_all(shapes: &[&[usize]]) -> Result<Vec<usize>, String> {
    let mut out: Vec<usize> = vec![];
    for s in shapes {
        out = broadcast_shape(&out, s)?;
    }
    Ok(out)
}

/// `f(c, a, b)` elementwise over the broadcast of three tensors, row-major.
pub fn zip3_broadcast<C: Clone, A: Clone, B: Clone, T>(
    c: &ArrayD<C>,
    a: &ArrayD<A>,
    b: &ArrayD<B>,
    mut f: impl FnMut(C, A, B) -> T,
) -> ArrayD<T> {
    let shape = broadcast_all(&[c.shape(), a.shape(), b.shape()])
        .expect("shapes checked when the node was added");
    let sh = IxDyn(&shape);
    let (cv, av, bv) = (
        c.broadcast(sh.clone()).unwrap(),
        a.broadcast(sh.clone()).unwrap(),
        b.broadcast(sh).unwrap(),
    );
    let out: Vec<T> = cv
        .iter()
        .zip(av.iter())
        .zip(bv.iter())
        .map(|((c, a), b)| f(c.clone(), a.clone(), b.clone()))
        .collect();
    ArrayD::from_shape_vec(IxDyn(&shape), out).expect("one element per output")
}

/// Float Where: `a` where `c ≠ 0`, else `b` (broadcasting).
pub fn where_f32(c: &FTensor, a: &FTensor, b: &FTensor) -> FTensor {
    zip3_broadcast(c, a, b, |c, a, b| if c != 0.0 { a } else { b })
}

/// Integer Where: `align(a)` where `c ≠ 0`, else `align(b)`.
pub fn where_int(c: &ITensor, a: &ITensor, b: &ITensor, aligns: [i32; 2]) -> ITensor {
    zip3_broadcast(c, a, b, |c, a, b| {
        if c != 0 {
            align(a, aligns[0])
        } else {
            align(b, aligns[1])
        }
    })
}

/// The common scale of a comparison's operands (the finer) and each
/// operand's left shift to it: `(s, [s − s_a, s − s_b])`.
pub fn compare_align(s_a: i32, s_b: i32) -> (i32, [i32; 2]) {
    let s = s_a.max(s_b);
    (s, [s - s_a, s - s_b])
}

/// Whether the integer side of a value equals the float `x` exactly: `x` is a
/// multiple of the quantum `2^−s` and the error bound `e` is below one
/// quantum (so the dequantized integer, a multiple of the quantum within `e`
/// of `x`, is `x`).
pub fn exact_at(x: f32, e: f64, s: i32) -> bool {
    let q = crate::rounding::pow2f(-(s as i64));
    let k = x as f64 / q;
    e < q && k.is_finite() && k.fract() == 0.0
}

/// Whether the truthiness of `x` (error bound `e`, scale `s`) is the same on
/// the integer side.
pub fn truthy_certain(x: f32, e: f64, s: i32) -> bool {
    (x as f64).abs() > e || exact_at(x, e, s)
}

/// Error bound of a comparison output: 0 when every element's decision is
/// certain (see the module doc), else 1. Operands: float values, error
/// bounds and scales.
pub fn compare_error_bound(a: (&FTensor, f64, i32), b: (&FTensor, f64, i32)) -> f64 {
    let uncertain = zip_broadcast(a.0, b.0, |u, v| {
        let exact = exact_at(u, a.1, a.2) && exact_at(v, b.1, b.2);
        !(exact || ((u as f64) - (v as f64)).abs() > a.1 + b.1)
    });
    if uncertain.iter().any(|&x| x) {
        1.0
    } else {
        0.0
    }
}

/// Error bound of a logic output: 0 when every input element's truthiness is
/// certain, else 1. Inputs: float values, error bounds and scales.
pub fn logic_error_bound(xs: &[(&FTensor, f64, i32)]) -> f64 {
    let certain = xs
        .iter()
        .all(|(t, e, s)| t.iter().all(|&x| truthy_certain(x, *e, *s)));
    if certain {
        0.0
    } else {
        1.0
    }
}

/// Error bound of Where: with a certain condition, the chosen operand's bound
/// plus its alignment rounding (`r_a`, `r_b`); otherwise an element may take
/// the other operand: `max |a − b|` plus both bounds.
pub fn where_error_bound(
    c: (&FTensor, f64, i32),
    a: (&FTensor, f64),
    b: (&FTensor, f64),
    r: [f64; 2],
) -> f64 {
    let chosen = (a.1 + r[0]).max(b.1 + r[1]);
    if c.0.iter().all(|&x| truthy_certain(x, c.1, c.2)) {
        return chosen;
    }
    let gap = zip_broadcast(a.0, b.0, |u, v| ((u as f64) - (v as f64)).abs())
        .iter()
        .fold(0f64, |m, &v| m.max(v));
    gap + a.1 + b.1 + r[0] + r[1]
}

/// Quantization of a comparison: both operands at their common (finer)
/// scale, a constant operand at the other's; output at scale 0.
pub fn quantize_compare(cmp: Cmp, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s = (0..2).filter_map(|k| c.scale(k)).max().unwrap_or(c.cal_out);
    for k in 0..2 {
        c.fix_const(k, s)?;
    }
    let scale = |k: usize| c.scale(k).expect("fixed above");
    let (_, align) = compare_align(scale(0), scale(1));
    Ok((QOp::Compare { cmp, align }, 0))
}

/// Quantization of a logic op: boolean constants at scale 0 (exact); output
/// at scale 0.
pub fn quantize_logic(op: Logic, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    for k in 0..c.node.inputs.len() {
        c.fix_const(k, 0)?;
    }
    Ok((QOp::Logic(op), 0))
}

/// Quantization of Where: a constant condition at scale 0; the operands
/// aligned to the finer one's scale, capped by calibration (as Max).
pub fn quantize_where(c: &mut QuantCtx) -> Result<(QOp, i32)> {
    c.fix_const(0, 0)?;
    let finest = (1..3).filter_map(|k| c.scale(k)).max();
    let s_out = finest.map_or(c.cal_out, |f| f.min(c.cal_out));
    for k in 1..3 {
        c.fix_const(k, s_out)?;
    }
    let align = [1, 2].map(|k| s_out - c.scale(k).expect("fixed above"));
    Ok((QOp::Where { align }, s_out))
}

fn input<'a>(c: &'a BoundCtx, k: usize) -> (&'a FTensor, f64, i32) {
    (c.x(k), c.e(k), c.q.values[c.node.inputs[k]].scale)
}

/// Error bound of a comparison ([`compare_error_bound`]).
pub fn error_bound_compare(c: &BoundCtx) -> f64 {
    compare_error_bound(input(c, 0), input(c, 1))
}

/// Error bound of a logic op ([`logic_error_bound`]).
pub fn error_bound_logic(c: &BoundCtx) -> f64 {
    let xs: Vec<_> = (0..c.node.inputs.len()).map(|k| input(c, k)).collect();
    logic_error_bound(&xs)
}

/// Error bound of Where ([`where_error_bound`]).
pub fn error_bound_where(align: [i32; 2], c: &BoundCtx) -> f64 {
    where_error_bound(
        input(c, 0),
        (c.x(1), c.e(1)),
        (c.x(2), c.e(2)),
        align.map(|k| c.align(k)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<T: Clone>(shape: &[usize], v: Vec<T>) -> ArrayD<T> {
        ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
    }

    #[test]
    fn comparisons_align_then_compare() {
        // a at scale 1 (0.5, 1, 1.5), b at scale 0 (1): A = a, B = 2.
        let a = t(&[3], vec![1i64, 2, 3]);
        let b = t(&[1], vec![1i64]);
        let expect = [
            (Cmp::Less, [1, 0, 0]),
            (Cmp::Greater, [0, 0, 1]),
            (Cmp::LessOrEqual, [1, 1, 0]),
            (Cmp::GreaterOrEqual, [0, 1, 1]),
            (Cmp::Equal, [0, 1, 0]),
        ];
        for (cmp, want) in expect {
            let got = compare_int(&a, &b, cmp, [0, 1]);
            assert_eq!(got.iter().copied().collect::<Vec<_>>(), want, "{cmp:?}");
            let af = t(&[3], vec![0.5f32, 1.0, 1.5]);
            let bf = t(&[1], vec![1.0f32]);
            let f = compare_f32(&af, &bf, cmp);
            assert_eq!(f.iter().map(|&v| v as i64).collect::<Vec<_>>(), want);
        }
        assert_eq!(compare_align(3, 5), (5, [2, 0]));
    }

    #[test]
    fn logic_is_truthy_at_any_scale() {
        // `true` at scale 4 is 16.
        let a = t(&[4], vec![0i64, 16, 0, 16]);
        let b = t(&[4], vec![0i64, 0, 1, 1]);
        let got = |op| logic(op, &[&a, &b]).iter().copied().collect::<Vec<_>>();
        assert_eq!(got(Logic::And), [0, 0, 0, 1]);
        assert_eq!(got(Logic::Or), [0, 1, 1, 1]);
        assert_eq!(got(Logic::Xor), [0, 1, 1, 0]);
        assert_eq!(got(Logic::Not), [1, 0, 1, 0]);
        assert_eq!(Logic::from_name("Xor"), Some(Logic::Xor));
        assert_eq!(Cmp::from_name("LessOrEqual"), Some(Cmp::LessOrEqual));
    }

    #[test]
    fn where_aligns_the_chosen_operand() {
        let c = t(&[2, 1], vec![1i64, 0]);
        let a = t(&[2], vec![3i64, 5]);
        let b = t(&[1], vec![7i64]);
        // a up one bit, b down one bit (7/2 rounds half up to 4).
        let w = where_int(&c, &a, &b, [1, -1]);
        assert_eq!(w.shape(), &[2, 2]);
        assert_eq!(w.iter().copied().collect::<Vec<_>>(), [6, 10, 4, 4]);
        let wf = where_f32(
            &c.mapv(|v| v as f32),
            &a.mapv(|v| v as f32),
            &b.mapv(|v| v as f32),
        );
        assert_eq!(wf.iter().copied().collect::<Vec<_>>(), [3.0, 5.0, 7.0, 7.0]);
    }

    #[test]
    fn error_bounds_are_zero_exactly_when_certain() {
        // Integers at scale 6 with the input quantization bound: exact.
        let a = t(&[2], vec![3.0f32, 256.0]);
        let b = t(&[2], vec![3.0f32, 255.0]);
        let e = 2f64.powi(-7);
        assert_eq!(compare_error_bound((&a, e, 6), (&b, e, 6)), 0.0);
        // 0.3 is not a multiple of 2^-6 and is within the bounds of 0.3: uncertain.
        let c = t(&[1], vec![0.3f32]);
        assert_eq!(compare_error_bound((&c, e, 6), (&c, e, 6)), 1.0);
        // Far apart: certain.
        let d = t(&[1], vec![0.9f32]);
        assert_eq!(compare_error_bound((&c, e, 6), (&d, e, 6)), 0.0);
        assert_eq!(logic_error_bound(&[(&a, e, 6)]), 0.0);
        assert_eq!(logic_error_bound(&[(&t(&[1], vec![0.001f32]), e, 6)]), 1.0);
        let cond = t(&[2], vec![1.0f32, 0.0]);
        assert_eq!(
            where_error_bound((&cond, 0.0, 0), (&a, 0.1), (&b, 0.2), [0.0; 2]),
            0.2
        );
        let shaky = t(&[2], vec![0.001f32, 0.0]);
        assert!(where_error_bound((&shaky, e, 6), (&a, 0.1), (&b, 0.2), [0.0; 2]) > 1.0);
    }
}
