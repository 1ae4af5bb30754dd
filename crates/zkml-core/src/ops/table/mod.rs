//! Table functions: every elementwise real function `f` the integer executor
//! computes by evaluating `f` on each representable input, so that a backend
//! proves it with one lookup table (one mechanism, many functions: the ONNX
//! name lives in [`TableFn`], not in a variant per op).
//!
//! Integer rule, input `q` at scale `s_in`, output at scale `s_out`:
//! ```text
//! y = quantize(f(q / 2^s_in), s_out)        (round half up, crate::rounding)
//! ```
//! Above input scale 12 the op first rounds its input to scale 12
//! ([`cap`]: `table_op_int`, the rule every backend proves); `table_int` is
//! the table itself.
//!
//! **Zero at a pole** ([`reads_at`]): where `f(0)` has no finite value but
//! `f` has one just above 0 (Reciprocal, Rsqrt, Log, Pow by a negative
//! exponent), the input `q = 0` is read as half a quantum,
//! `x = 2^−(s_in+1)`: a positive input that rounds to 0 lies in
//! `(0, 2^−(s_in+1))`, and `f(2^−(s_in+1))` is the value of that interval
//! nearest to all of them (the table's saturated end: `1/x` gives
//! `2^(s_in+1)`, twice its value at `q = 1`; `ln x` gives `−(s_in+1)·ln 2`).
//! Like IEEE's `+0` (`1/+0 = +∞`), a quantized 0 counts as positive. The
//! rule is part of `table_int`, so every backend tabulates and proves it;
//! without it a model whose positive input (a variance, a distance) rounds
//! to 0 at one quantization would be refused there instead of being measured.
//!
//! Inputs where `f` is undefined or infinite otherwise (`Log(−1)`,
//! `Sqrt(−1)`, `Atanh(1)`, `Acosh(0)`) give [`INVALID`], far outside every
//! activation range, so the executor's range check refuses them with the
//! tensor's name; finite outputs past the activation bound are refused the
//! same way. A backend tabulates only the inputs whose output is in range
//! (`|y| ≤ bound`), clamping at the ends where `f` saturates.
//!
//! Quantization ([`out_scale`]): functions whose values lie in `[−1, 1]`
//! (Sigmoid, Tanh, Erf, Softsign, HardSigmoid, Sin, Cos) get the finest scale
//! at which 1 fits the activation bound (capped by `max_scale`); every other
//! function gets its output's calibrated scale.
//!
//! Input domain ([`domain`]): an op may carry a calibrated domain `[lo, hi]`
//! (the calibrated range with a 25 % margin, or the whole activation range
//! where `f` saturates beyond it; kept where it saves plonk table rows,
//! [`domain_cost`]); its integer rule is then `y = f(clamp(x, lo, hi))`
//! ([`table_op_int_in`]): every input runs and proves, and the plonk table
//! covers only the domain.
//!
//! Error bound ([`error_bound`]): the integer input differs from the float
//! one by at most `e_in`, so the output differs by at most
//! `sup_{|d| ≤ e_in} |f(x + d) − f(x)|` (taken per element, on a grid of the
//! interval that includes its ends, with a 5 % margin) plus half an output unit;
//! above the input-scale cap the interval widens by the rounding ([`cap`]).

use serde::{Deserialize, Serialize};

pub mod cap;
pub mod domain;
pub mod domain_cost;
pub use cap::{table_in_shift, table_op_int, TABLE_MAX_IN_SCALE};
pub use domain::{calibrated_domain, table_op_int_in, TableDomain};

use super::QOp;
use crate::error::Result;
use crate::quant::QuantCtx;
use crate::rounding::{dequantize_value, quantize_value};
use crate::tensor::FTensor;

/// The integer a table gives where `f` is undefined or infinite: outside
/// every activation range, so the executor's range check refuses it.
pub const INVALID: i64 = i64::MAX / 4;

/// A tabled real function of one variable (ONNX semantics). Parameters are
/// the ONNX attributes (never NaN: the loaders refuse non-finite ones).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TableFn {
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// `tanh(x)`.
    Tanh,
    /// `e^x`.
    Exp,
    /// `ln x`.
    Log,
    /// `√x`.
    Sqrt,
    /// `1 / x`.
    Reciprocal,
    /// `1 / √x`.
    Rsqrt,
    /// The error function.
    Erf,
    /// `x·Φ(x) = ½x(1 + erf(x/√2))` (Gelu, `approximate = "none"`).
    Gelu,
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))` (Gelu, `approximate = "tanh"`).
    GeluTanh,
    /// `ln(1 + e^x)`.
    Softplus,
    /// `x / (1 + |x|)`.
    Softsign,
    /// `x` if `x ≥ 0` else `α(e^x − 1)`.
    Elu {
        /// α.
        alpha: f32,
    },
    /// `γx` if `x > 0` else `γα(e^x − 1)`.
    Selu {
        /// α.
        alpha: f32,
        /// γ.
        gamma: f32,
    },
    /// `max(0, x) + min(0, α(e^(x/α) − 1))`.
    Celu {
        /// α.
        alpha: f32,
    },
    /// `x·tanh(ln(1 + e^x))`.
    Mish,
    /// `max(0, min(1, αx + β))`.
    HardSigmoid {
        /// α.
        alpha: f32,
        /// β.
        beta: f32,
    },
    /// `x·max(0, min(1, x/6 + ½))`.
    HardSwish,
    /// `sin x`.
    Sin,
    /// `cos x`.
    Cos,
    /// `tan x`.
    Tan,
    /// `asin x`.
    Asin,
    /// `acos x`.
    Acos,
    /// `atan x`.
    Atan,
    /// `sinh x`.
    Sinh,
    /// `cosh x`.
    Cosh,
    /// `asinh x`.
    Asinh,
    /// `acosh x`.
    Acosh,
    /// `atanh x`.
    Atanh,
    /// `x^p` for a constant `p` (ONNX Pow with a constant scalar exponent).
    Pow {
        /// The exponent.
        exponent: f32,
    },
    /// ONNX QuantizeLinear with a per-tensor scale and zero point:
    /// `clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`, the
    /// integer code (its ONNX element type fixes `qmin..=qmax`: uint8, int8,
    /// uint16 or int16).
    QuantizeLinear {
        /// The scale (positive, finite).
        scale: f32,
        /// The zero point, within `qmin..=qmax`.
        zero_point: i32,
        /// The smallest code.
        qmin: i32,
        /// The largest code.
        qmax: i32,
    },
}

/// The code ranges of QuantizeLinear's integer types, in the order
/// [`TableFn::code`] numbers them: uint8, int8, uint16, int16.
pub const QUANT_TYPES: [(i32, i32); 4] = [(0, 255), (-128, 127), (0, 65535), (-32768, 32767)];

// The parameters are never NaN (loaders refuse non-finite attributes), so
// `PartialEq` is an equivalence.
impl Eq for TableFn {}

impl std::hash::Hash for TableFn {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.code().hash(h);
    }
}

/// The error function, to ~1e-15 (a series near 0, a continued fraction for
/// the tail); std has none on stable.
pub fn erf(x: f64) -> f64 {
    let a = x.abs();
    let r = if a < 3.0 {
        // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
        let (mut term, mut sum, x2) = (a, a, a * a);
        for n in 1..200 {
            term *= -x2 / n as f64;
            let t = term / (2 * n + 1) as f64;
            sum += t;
            if t.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        sum * std::f64::consts::FRAC_2_SQRT_PI
    } else if a < 7.0 {
        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
        let mut k = a;
        for n in (1..120).rev() {
            k = a + (n as f64 / 2.0) / k;
        }
        1.0 - (-a * a).exp() / (std::f64::consts::PI.sqrt() * k)
    } else {
        1.0
    };
    r.copysign(x)
}

fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x
    } else {
        x.exp().ln_1p()
    }
}

impl TableFn {
    /// The real function (NaN or ±∞ where undefined).
    pub fn eval(self, x: f64) -> f64 {
        use std::f64::consts::{FRAC_1_SQRT_2, PI};
        match self {
            TableFn::Sigmoid => 1.0 / (1.0 + (-x).exp()),
            TableFn::Tanh => x.tanh(),
            TableFn::Exp => x.exp(),
            TableFn::Log => x.ln(),
            TableFn::Sqrt => x.sqrt(),
            TableFn::Reciprocal => 1.0 / x,
            TableFn::Rsqrt => 1.0 / x.sqrt(),
            TableFn::Erf => erf(x),
            TableFn::Gelu => 0.5 * x * (1.0 + erf(x * FRAC_1_SQRT_2)),
            TableFn::GeluTanh => {
                0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x * x * x)).tanh())
            }
            TableFn::Softplus => softplus(x),
            TableFn::Softsign => x / (1.0 + x.abs()),
            TableFn::Elu { alpha } => {
                if x >= 0.0 {
                    x
                } else {
                    alpha as f64 * x.exp_m1()
                }
            }
            TableFn::Selu { alpha, gamma } => {
                let (a, g) = (alpha as f64, gamma as f64);
                if x > 0.0 {
                    g * x
                } else {
                    g * (a * x.exp() - a)
                }
            }
            TableFn::Celu { alpha } => {
                let a = alpha as f64;
                x.max(0.0) + (a * (x / a).exp_m1()).min(0.0)
            }
            TableFn::Mish => x * softplus(x).tanh(),
            TableFn::HardSigmoid { alpha, beta } => {
                (alpha as f64 * x + beta as f64).clamp(0.0, 1.0)
            }
            TableFn::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
            TableFn::Sin => x.sin(),
            TableFn::Cos => x.cos(),
            TableFn::Tan => x.tan(),
            TableFn::Asin => x.asin(),
            TableFn::Acos => x.acos(),
            TableFn::Atan => x.atan(),
            TableFn::Sinh => x.sinh(),
            TableFn::Cosh => x.cosh(),
            TableFn::Asinh => x.asinh(),
            TableFn::Acosh => x.acosh(),
            TableFn::Atanh => x.atanh(),
            TableFn::Pow { exponent } => x.powf(exponent as f64),
            TableFn::QuantizeLinear {
                scale,
                zero_point,
                qmin,
                qmax,
            } => ((x / scale as f64).round_ties_even() + zero_point as f64)
                .clamp(qmin as f64, qmax as f64),
        }
    }

    /// The ONNX op name (Rsqrt, which ONNX lacks, is `Sqrt` then
    /// `Reciprocal` fused; Pow names the exponent's op).
    pub fn name(self) -> &'static str {
        match self {
            TableFn::Sigmoid => "Sigmoid",
            TableFn::Tanh => "Tanh",
            TableFn::Exp => "Exp",
            TableFn::Log => "Log",
            TableFn::Sqrt => "Sqrt",
            TableFn::Reciprocal => "Reciprocal",
            TableFn::Rsqrt => "Rsqrt",
            TableFn::Erf => "Erf",
            TableFn::Gelu | TableFn::GeluTanh => "Gelu",
            TableFn::Softplus => "Softplus",
            TableFn::Softsign => "Softsign",
            TableFn::Elu { .. } => "Elu",
            TableFn::Selu { .. } => "Selu",
            TableFn::Celu { .. } => "Celu",
            TableFn::Mish => "Mish",
            TableFn::HardSigmoid { .. } => "HardSigmoid",
            TableFn::HardSwish => "HardSwish",
            TableFn::Sin => "Sin",
            TableFn::Cos => "Cos",
            TableFn::Tan => "Tan",
            TableFn::Asin => "Asin",
            TableFn::Acos => "Acos",
            TableFn::Atan => "Atan",
            TableFn::Sinh => "Sinh",
            TableFn::Cosh => "Cosh",
            TableFn::Asinh => "Asinh",
            TableFn::Acosh => "Acosh",
            TableFn::Atanh => "Atanh",
            TableFn::Pow { .. } => "Pow",
            TableFn::QuantizeLinear { .. } => "QuantizeLinear",
        }
    }

    /// A stable encoding for key files: `(id, [p0, p1])`, the parameters as
    /// `f32` bits (0 where absent). Sigmoid is 0 and Tanh 1; 2 is reserved
    /// (backends use it for Softmax's exponential).
    pub fn code(self) -> (u8, [u32; 2]) {
        let b = |v: f32| v.to_bits();
        match self {
            TableFn::Sigmoid => (0, [0, 0]),
            TableFn::Tanh => (1, [0, 0]),
            TableFn::Exp => (3, [0, 0]),
            TableFn::Log => (4, [0, 0]),
            TableFn::Sqrt => (5, [0, 0]),
            TableFn::Reciprocal => (6, [0, 0]),
            TableFn::Rsqrt => (7, [0, 0]),
            TableFn::Erf => (8, [0, 0]),
            TableFn::Gelu => (9, [0, 0]),
            TableFn::GeluTanh => (10, [0, 0]),
            TableFn::Softplus => (11, [0, 0]),
            TableFn::Softsign => (12, [0, 0]),
            TableFn::Elu { alpha } => (13, [b(alpha), 0]),
            TableFn::Selu { alpha, gamma } => (14, [b(alpha), b(gamma)]),
            TableFn::Celu { alpha } => (15, [b(alpha), 0]),
            TableFn::Mish => (16, [0, 0]),
            TableFn::HardSigmoid { alpha, beta } => (17, [b(alpha), b(beta)]),
            TableFn::HardSwish => (18, [0, 0]),
            TableFn::Sin => (19, [0, 0]),
            TableFn::Cos => (20, [0, 0]),
            TableFn::Tan => (21, [0, 0]),
            TableFn::Asin => (22, [0, 0]),
            TableFn::Acos => (23, [0, 0]),
            TableFn::Atan => (24, [0, 0]),
            TableFn::Sinh => (25, [0, 0]),
            TableFn::Cosh => (26, [0, 0]),
            TableFn::Asinh => (27, [0, 0]),
            TableFn::Acosh => (28, [0, 0]),
            TableFn::Atanh => (29, [0, 0]),
            TableFn::Pow { exponent } => (30, [b(exponent), 0]),
            TableFn::QuantizeLinear {
                scale,
                zero_point,
                qmin,
                qmax,
            } => {
                // The code type (0 uint8, 1 int8, 2 uint16, 3 int16) in bits
                // 16.., the zero point's 16 bits below.
                let kind = QUANT_TYPES
                    .iter()
                    .position(|&r| r == (qmin, qmax))
                    .unwrap_or(0) as u32;
                (31, [b(scale), (kind << 16) | (zero_point as u32 & 0xFFFF)])
            }
        }
    }

    /// Inverse of [`Self::code`]; `None` for an unknown id or a NaN parameter.
    pub fn from_code(id: u8, p: [u32; 2]) -> Option<Self> {
        let (a, b) = (f32::from_bits(p[0]), f32::from_bits(p[1]));
        if a.is_nan() || b.is_nan() {
            return None;
        }
        Some(match id {
            0 => TableFn::Sigmoid,
            1 => TableFn::Tanh,
            3 => TableFn::Exp,
            4 => TableFn::Log,
            5 => TableFn::Sqrt,
            6 => TableFn::Reciprocal,
            7 => TableFn::Rsqrt,
            8 => TableFn::Erf,
            9 => TableFn::Gelu,
            10 => TableFn::GeluTanh,
            11 => TableFn::Softplus,
            12 => TableFn::Softsign,
            13 => TableFn::Elu { alpha: a },
            14 => TableFn::Selu { alpha: a, gamma: b },
            15 => TableFn::Celu { alpha: a },
            16 => TableFn::Mish,
            17 => TableFn::HardSigmoid { alpha: a, beta: b },
            18 => TableFn::HardSwish,
            19 => TableFn::Sin,
            20 => TableFn::Cos,
            21 => TableFn::Tan,
            22 => TableFn::Asin,
            23 => TableFn::Acos,
            24 => TableFn::Atan,
            25 => TableFn::Sinh,
            26 => TableFn::Cosh,
            27 => TableFn::Asinh,
            28 => TableFn::Acosh,
            29 => TableFn::Atanh,
            30 => TableFn::Pow { exponent: a },
            31 => {
                let (qmin, qmax) = *QUANT_TYPES.get((p[1] >> 16) as usize)?;
                let raw = p[1] & 0xFFFF;
                let zero_point = if qmin < 0 {
                    raw as u16 as i16 as i32
                } else {
                    raw as i32
                };
                if !(a.is_finite() && a > 0.0) {
                    return None;
                }
                TableFn::QuantizeLinear {
                    scale: a,
                    zero_point,
                    qmin,
                    qmax,
                }
            }
            _ => return None,
        })
    }

    /// Every function with default parameters (tests, documentation).
    pub fn all() -> Vec<TableFn> {
        (0..=31u8)
            .filter_map(|id| {
                let p = match id {
                    13 | 15 => [1f32.to_bits(), 0],
                    14 => [1.673_263_2f32.to_bits(), 1.050_701f32.to_bits()],
                    17 => [0.2f32.to_bits(), 0.5f32.to_bits()],
                    30 => [3f32.to_bits(), 0],
                    31 => [0.05f32.to_bits(), 1 << 16], // int8, zero point 0
                    _ => [0, 0],
                };
                TableFn::from_code(id, p)
            })
            .collect()
    }

    /// Whether every value lies in `[−1, 1]` (the output gets the unit scale).
    pub fn unit_range(self) -> bool {
        matches!(
            self,
            TableFn::Sigmoid
                | TableFn::Tanh
                | TableFn::Erf
                | TableFn::Softsign
                | TableFn::HardSigmoid { .. }
                | TableFn::Sin
                | TableFn::Cos
        )
    }
}

/// The real input at which the table evaluates `f` for the integer `q` at
/// `in_scale`: `q / 2^in_scale`, except `q = 0` where `f(0)` has no finite
/// value, read as half a quantum `2^−(in_scale+1)` ([module doc](self),
/// "Zero at a pole").
#[inline]
pub fn reads_at(func: TableFn, q: i64, in_scale: i32) -> f64 {
    if q == 0 && !func.eval(0.0).is_finite() {
        crate::rounding::pow2f(-(in_scale as i64 + 1))
    } else {
        dequantize_value(q, in_scale)
    }
}

/// Integer rule: `quantize(f(reads_at(q)), out_scale)` ([`reads_at`]: `q /
/// 2^in_scale`, or half a quantum for `q = 0` at a pole of `f`), or
/// [`INVALID`] where `f` is undefined, infinite or past `±INVALID`.
#[inline]
pub fn table_int(func: TableFn, q: i64, in_scale: i32, out_scale: i32) -> i64 {
    let y = func.eval(reads_at(func, q, in_scale)) * 2f64.powi(out_scale);
    if !y.is_finite() || y.abs() >= INVALID as f64 {
        INVALID
    } else {
        quantize_value(y, 0)
    }
}

/// The output scale ([module doc](self)): `unit_scale` (capped at
/// `max_scale`) for functions within `[−1, 1]`, else the calibrated `cal_out`.
pub fn out_scale(func: TableFn, cal_out: i32, max_scale: i32, unit_scale: i32) -> i32 {
    if func.unit_range() {
        max_scale.min(unit_scale)
    } else {
        cal_out
    }
}

/// Worst-case `|dequantized − float|` of the output ([module doc](self)),
/// given the input scale, the float input `x`, the input's bound `e_in` and
/// the output scale. Above the input-scale cap the table's input is also
/// off by the rounding to the cap ([`cap`]): `e_in + 2^−13`. The bound holds
/// for inputs within the op's calibrated domain ([`domain`]): an input the
/// domain clamps is computed at the domain's end (the executor's caller
/// warns: `crate::exec::table_clamps`).
pub fn error_bound(func: TableFn, in_scale: i32, x: &FTensor, e_in: f64, out_scale: i32) -> f64 {
    const STEPS: usize = 16;
    let e_in = e_in + cap::table_in_rounding(func, in_scale);
    let pole = !func.eval(0.0).is_finite();
    let mut worst = 0f64;
    for &v in x.iter() {
        let v = v as f64;
        let fv = func.eval(v);
        for i in 0..=STEPS {
            let t = v - e_in + 2.0 * e_in * i as f64 / STEPS as f64;
            // An input rounding to 0 at a pole is read as half a quantum.
            let t = if pole && quantize_value(t, in_scale) == 0 {
                reads_at(func, 0, in_scale)
            } else {
                t
            };
            let d = (func.eval(t) - fv).abs();
            // Samples outside f's domain are inputs the executor refuses.
            if d.is_finite() {
                worst = worst.max(d);
            } else if fv.is_finite() && func.eval(t).is_infinite() {
                return f64::INFINITY;
            }
        }
    }
    1.05 * worst + crate::rounding::pow2f(-(out_scale as i64 + 1))
}

/// Quantization: the output scale by [`out_scale`] (or the fixed scale),
/// the input domain from the input's calibrated range ([`calibrated_domain`]).
pub fn quantize(func: TableFn, c: &mut QuantCtx) -> Result<(QOp, i32)> {
    let s_in = c.s_in()?;
    let s = c.fixed_or(out_scale(func, c.cal_out, c.cfg.max_scale, c.unit_scale));
    let half = 1i64 << (c.act_bits - 1);
    let domain = calibrated_domain(func, s_in, s, c.cal_range(0), (-half, half - 1));
    Ok((
        QOp::Table {
            func,
            in_scale: s_in,
            out_scale: s,
            domain,
        },
        s,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erf_matches_known_values() {
        for (x, want) in [
            (0.0, 0.0),
            (0.5, 0.520_499_877_813_046_5),
            (1.0, 0.842_700_792_949_714_9),
            (2.0, 0.995_322_265_018_952_7),
            (3.5, 0.999_999_256_901_627_7),
            (-1.5, -0.966_105_146_475_310_7),
        ] {
            assert!((erf(x) - want).abs() < 1e-13, "erf({x}) = {}", erf(x));
        }
    }

    #[test]
    fn codes_round_trip_and_are_unique() {
        let all = TableFn::all();
        assert_eq!(all.len(), 31);
        let mut ids: Vec<u8> = all.iter().map(|f| f.code().0).collect();
        ids.dedup();
        assert_eq!(ids.len(), 31);
        for (qmin, qmax) in QUANT_TYPES {
            for zero_point in [qmin, 0, qmax] {
                let f = TableFn::QuantizeLinear {
                    scale: 0.125,
                    zero_point,
                    qmin,
                    qmax,
                };
                let (id, p) = f.code();
                assert_eq!(TableFn::from_code(id, p), Some(f));
            }
        }
        for f in all {
            let (id, p) = f.code();
            assert_eq!(TableFn::from_code(id, p), Some(f));
        }
        assert_eq!(TableFn::from_code(2, [0, 0]), None);
        assert_eq!(TableFn::from_code(13, [f32::NAN.to_bits(), 0]), None);
    }

    #[test]
    fn undefined_inputs_are_invalid() {
        assert_eq!(table_int(TableFn::Log, -1, 8, 8), INVALID);
        assert_eq!(table_int(TableFn::Sqrt, -1, 8, 8), INVALID);
        assert_eq!(table_int(TableFn::Rsqrt, -3, 8, 8), INVALID);
        assert_eq!(table_int(TableFn::Acosh, 0, 8, 8), INVALID);
        assert_eq!(table_int(TableFn::Atanh, 256, 8, 8), INVALID);
        assert_eq!(table_int(TableFn::Sqrt, 1024, 8, 8), 512);
        assert_eq!(table_int(TableFn::Exp, 0, 8, 6), 64);
    }

    /// `q = 0` at a pole of `f` reads half a quantum: the saturated end of
    /// the table, next to (and beyond) its value at `q = 1`; functions
    /// finite at 0 are unchanged.
    #[test]
    fn zero_at_a_pole_reads_half_a_quantum() {
        // 1/x at 2^-9 = 512, at 1/256 = 256 (output scale 0).
        assert_eq!(table_int(TableFn::Reciprocal, 0, 8, 0), 512);
        assert_eq!(table_int(TableFn::Reciprocal, 1, 8, 0), 256);
        assert_eq!(table_int(TableFn::Reciprocal, -1, 8, 0), -256);
        // 1/sqrt(2^-9) = 22.63 at output scale 4: 362.
        assert_eq!(table_int(TableFn::Rsqrt, 0, 8, 4), 362);
        assert_eq!(table_int(TableFn::Pow { exponent: -0.5 }, 0, 8, 4), 362);
        // ln(2^-9) = -6.238 at scale 8: -1597; ln(1/256) = -1420.
        assert_eq!(table_int(TableFn::Log, 0, 8, 8), -1597);
        assert_eq!(table_int(TableFn::Log, 1, 8, 8), -1420);
        assert_eq!(reads_at(TableFn::Log, 0, 12), 2f64.powi(-13));
        for f in [
            TableFn::Sqrt,
            TableFn::Sigmoid,
            TableFn::Pow { exponent: 2.0 },
        ] {
            assert_eq!(reads_at(f, 0, 8), 0.0);
            assert_eq!(table_int(f, 0, 8, 8), quantize_value(f.eval(0.0), 8));
        }
        // Monotone at the end: Reciprocal, Rsqrt and -Log decrease in q >= 0.
        for f in [TableFn::Reciprocal, TableFn::Rsqrt] {
            let ys: Vec<i64> = (0..64).map(|q| table_int(f, q, 8, 8)).collect();
            assert!(ys.windows(2).all(|w| w[0] >= w[1]), "{f:?}: {ys:?}");
        }
    }

    /// The bound covers positive inputs below half a quantum at a pole
    /// (read as half a quantum), and stays finite there.
    #[test]
    fn bound_covers_inputs_rounding_to_zero_at_a_pole() {
        for f in [TableFn::Reciprocal, TableFn::Rsqrt, TableFn::Log] {
            for x in [0.0012f32, 0.0019, 0.003, 0.5] {
                let t = FTensor::from_shape_vec(vec![1], vec![x]).unwrap();
                let e_in = crate::rounding::pow2f(-9);
                let b = error_bound(f, 8, &t, e_in, 8);
                let q = quantize_value(x as f64, 8);
                let err = (dequantize_value(table_int(f, q, 8, 8), 8) - f.eval(x as f64)).abs();
                assert!(b.is_finite() && err <= b, "{f:?} at {x}: {err} > {b}");
            }
        }
    }

    #[test]
    fn bound_covers_the_integer_rule() {
        // Every input within e_in of a float input gives an output within the bound.
        for f in TableFn::all() {
            let xs: Vec<f32> = (-40..=40).map(|i| i as f32 * 0.1).collect();
            let t = FTensor::from_shape_vec(vec![xs.len()], xs.clone()).unwrap();
            let (s_in, s_out) = (8, 8);
            let e_in = crate::rounding::pow2f(-(s_in as i64 + 1));
            let b = error_bound(f, s_in, &t, e_in, s_out);
            for &x in &xs {
                let q = quantize_value(x as f64, s_in);
                let y = table_int(f, q, s_in, s_out);
                let fx = f.eval(x as f64);
                if y == INVALID || !fx.is_finite() {
                    continue;
                }
                let err = (dequantize_value(y, s_out) - fx).abs();
                assert!(err <= b, "{f:?} at {x}: {err} > {b}");
            }
        }
    }
}
