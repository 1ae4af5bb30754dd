//! The input-scale cap of table functions: above scale 12 the op rounds its
//! input to scale 12 before the table.
//!
//! A table reads every input it may see between its saturation points (or
//! the points where its output leaves the activation range). For a function
//! that saturates at `|x| ≈ X` that is about `2·X·2^s_in` rows: Sigmoid at
//! output scale 16 saturates at `|x| ≈ 11.8`, so at input scale 16 its table
//! has 1.5 M rows, a circuit of `2^21` rows for that table alone (rapidocr's
//! recogniser at automatic precision 16/24/16 needed a 2.1 M-row range table).
//!
//! Integer rule of the op `Table { func, in_scale: s, out_scale }` on `q`:
//! ```text
//! h = table_in_shift(func, s) = max(s − 12, 0)   (0 when func.input_cap() is None)
//! d = rshift(q, h)          (round half up: 2^h·d + r = q + 2^(h−1), 0 ≤ r < 2^h)
//! y = table_int(func, d, s − h, out_scale)
//! ```
//! At `h = 0` this is [`table_int`] itself: at the default scales (≤ 12)
//! nothing changes. The table reads `d` at scale 12, over
//! `[rshift(−2^(b−1), h), rshift(2^(b−1) − 1, h)]`: at most `2^(b−h) + 1` inputs,
//! about `2·X·2^12` for a saturating function (Sigmoid at output scale 16:
//! 97 k rows instead of 1.5 M).
//!
//! Error: `|d/2^(s−h) − q/2^s| ≤ 2^−(s−h+1) = 2^−13`, so the table's input is
//! within `e_in + 2^−13` of the float input, and [`super::error_bound`]
//! samples `f` over that wider interval: the rounding adds at most
//! `|f'|·2^−12/2` — Sigmoid (`|f'| ≤ ¼`) 3·10⁻⁵, Tanh, Erf, Gelu, Softsign,
//! Atan, Sin, Cos (`|f'| ≤ 1.13`) ≤ 1.4·10⁻⁴, HardSigmoid `α·2^−13`,
//! Exp/Sinh/Cosh a relative 1.2·10⁻⁴ of the output — far below the 2 %
//! tolerance.
//!
//! Functions with no cap ([`TableFn::input_cap`] is `None`) keep their input
//! scale: those whose derivative is unbounded at a point of their domain
//! (Log, Sqrt, Reciprocal, Rsqrt, Tan, Asin, Acos, Acosh, Atanh, Pow by a
//! negative or fractional exponent), where rounding could move an input onto
//! the singularity (`Log` of `q < 2^(h−1)` would become `Log 0`) or scale the
//! error without bound, and QuantizeLinear, a staircase whose integer code is
//! exact only at the input's own scale.

use super::{table_int, TableFn};
use crate::rounding::rshift;

/// The finest input scale a capped table function's table reads
/// ([module doc](self)); the same as Softmax's exponential
/// ([`crate::ops::softmax::EXP_TABLE_MAX_SCALE`]).
pub const TABLE_MAX_IN_SCALE: i32 = 12;

impl TableFn {
    /// The finest input scale this function's table reads, or `None` when
    /// its input is never rounded ([module doc](self)).
    pub fn input_cap(self) -> Option<i32> {
        match self {
            TableFn::Log
            | TableFn::Sqrt
            | TableFn::Reciprocal
            | TableFn::Rsqrt
            | TableFn::Tan
            | TableFn::Asin
            | TableFn::Acos
            | TableFn::Acosh
            | TableFn::Atanh
            | TableFn::QuantizeLinear { .. } => None,
            TableFn::Pow { exponent } if exponent < 0.0 || exponent.fract() != 0.0 => None,
            _ => Some(TABLE_MAX_IN_SCALE),
        }
    }
}

/// How many bits the op rounds off its input before the table:
/// `max(in_scale − cap, 0)`, 0 without a cap. The table reads at
/// `in_scale − shift`.
pub fn table_in_shift(func: TableFn, in_scale: i32) -> u32 {
    func.input_cap()
        .map_or(0, |cap| (in_scale - cap).max(0) as u32)
}

/// The op's integer rule ([module doc](self)): `table_int(func, rshift(q, h),
/// in_scale − h, out_scale)` with `h = table_in_shift(func, in_scale)`. Every
/// backend proves this function.
#[inline]
pub fn table_op_int(func: TableFn, q: i64, in_scale: i32, out_scale: i32) -> i64 {
    let h = table_in_shift(func, in_scale);
    table_int(func, rshift(q, h), in_scale - h as i32, out_scale)
}

/// The extra input error of the rounding: `2^−(cap+1)` when the op rounds
/// (half a unit at the cap scale), else 0.
pub fn table_in_rounding(func: TableFn, in_scale: i32) -> f64 {
    match func.input_cap() {
        Some(cap) if table_in_shift(func, in_scale) > 0 => crate::error_bound::u(cap),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rounding::{dequantize_value, quantize_value};

    #[test]
    fn shift_only_above_the_cap_and_only_for_capped_functions() {
        assert_eq!(table_in_shift(TableFn::Sigmoid, 12), 0);
        assert_eq!(table_in_shift(TableFn::Sigmoid, 16), 4);
        assert_eq!(table_in_shift(TableFn::Sigmoid, -3), 0);
        assert_eq!(table_in_shift(TableFn::Log, 16), 0);
        assert_eq!(table_in_shift(TableFn::Pow { exponent: 2.0 }, 16), 4);
        assert_eq!(table_in_shift(TableFn::Pow { exponent: 0.5 }, 16), 0);
        assert_eq!(table_in_shift(TableFn::Pow { exponent: -1.0 }, 16), 0);
        // At or below the cap the op is the table itself.
        for q in [-5000i64, -1, 0, 3, 4095] {
            assert_eq!(
                table_op_int(TableFn::Tanh, q, 12, 12),
                table_int(TableFn::Tanh, q, 12, 12)
            );
        }
        // Above it, the input is rounded half up first.
        assert_eq!(
            table_op_int(TableFn::Tanh, 8, 16, 16),
            table_int(TableFn::Tanh, 1, 12, 16)
        );
        assert_eq!(
            table_op_int(TableFn::Tanh, 7, 16, 16),
            table_int(TableFn::Tanh, 0, 12, 16)
        );
        assert_eq!(
            table_op_int(TableFn::Tanh, -8, 16, 16),
            table_int(TableFn::Tanh, 0, 12, 16)
        );
    }

    /// The bound with the rounding covers the capped rule at input scales
    /// above the cap, for every capped function.
    #[test]
    fn bound_covers_the_capped_rule() {
        let xs: Vec<f32> = (-300..=300).map(|i| i as f32 * 0.0137).collect();
        let t = crate::tensor::FTensor::from_shape_vec(vec![xs.len()], xs.clone()).unwrap();
        for f in TableFn::all()
            .into_iter()
            .filter(|f| f.input_cap().is_some())
        {
            for (s_in, s_out) in [(16, 16), (14, 10), (13, 12)] {
                let e_in = crate::error_bound::u(s_in);
                let b = super::super::error_bound(f, s_in, &t, e_in, s_out);
                for &x in &xs {
                    let q = quantize_value(x as f64, s_in);
                    let y = table_op_int(f, q, s_in, s_out);
                    let fx = f.eval(x as f64);
                    if y == super::super::INVALID || !fx.is_finite() {
                        continue;
                    }
                    let err = (dequantize_value(y, s_out) - fx).abs();
                    assert!(err <= b, "{f:?} at {x} ({s_in}, {s_out}): {err} > {b}");
                }
            }
        }
    }
}
