//! The one rounding rule of zkml.
//!
//! Every integer op that divides (rescales after a product, averages, softmax
//! normalisation, table outputs) rounds **half up**:
//!
//! ```text
//! rdiv(a, b) = ⌊(2a + b) / 2b⌋        for b > 0
//! ```
//!
//! This is the rule of the earlier zkml project, so its msgpack models keep
//! their integers. A circuit proves `c = rdiv(a, b)` as `2a + b = 2b·c + r`
//! with `0 ≤ r < 2b`; for `b = 2^d` that is `a + 2^(d-1) = c·2^d + r` with
//! `0 ≤ r < 2^d`.

/// Rounding division, half up: `⌊(2a + b) / 2b⌋`. `b` must be positive.
///
/// # Panics
/// If `b <= 0` (a bug in the caller: divisors come from the model, never from input).
#[inline]
pub fn rdiv(a: i64, b: i64) -> i64 {
    assert!(b > 0, "rdiv by non-positive divisor {b}");
    let (a, b) = (a as i128, b as i128);
    (2 * a + b).div_euclid(2 * b) as i64
}

/// Rounding division by `2^d`, half up; `d = 0` is the identity; `d ≥ 64`
/// gives 0 (every `i64` is then smaller than half of `2^d`).
#[inline]
pub fn rshift(a: i64, d: u32) -> i64 {
    match d {
        0 => a,
        1..=63 => ((a as i128 + (1i128 << (d - 1))) >> d) as i64,
        _ => 0,
    }
}

/// Quantize a real number at scale `2^-s`, rounding half up: `⌊x·2^s + ½⌋`.
#[inline]
pub fn quantize_value(x: f64, s: i32) -> i64 {
    (x * 2f64.powi(s) + 0.5).floor() as i64
}

/// The real value of `q` at scale `2^-s`.
#[inline]
pub fn dequantize_value(q: i64, s: i32) -> f64 {
    q as f64 * pow2f(-(s as i64))
}

/// `2^e` as an `f64`, total on every exponent (a damaged model can carry any
/// scale): exact where `f64` represents it, `0` or `+∞` beyond.
#[inline]
pub fn pow2f(e: i64) -> f64 {
    2f64.powi(e.clamp(-2000, 2000) as i32)
}

/// Rounding division by a run-time divisor of either sign, half up:
/// `⌊n/d + ½⌋ = ⌊(2n + d) / 2d⌋` (floor division). For `d > 0` this is
/// [`rdiv`]; for `d < 0` it is `rdiv(−n, −d)`, the same rule on the true
/// quotient. Returns `None` for `d = 0` (the executor refuses the division
/// with the tensor's name) and when the quotient leaves `i128`.
///
/// A circuit proves it as `σ·(2n + d) = 2|d|·q + r` with `0 ≤ r < 2|d|`,
/// `σ = sign(d)`: with `σ·d = |d|` that is `2σn + |d| = 2|d|·q + r`.
#[inline]
pub fn rdiv_signed(n: i128, d: i128) -> Option<i128> {
    if d == 0 {
        return None;
    }
    let (num, den) = (n.checked_mul(2)?.checked_add(d)?, d.checked_mul(2)?);
    Some(num.div_euclid(den) - i128::from(den < 0 && num.rem_euclid(den) != 0))
}

/// The floor of the square root of `v ≥ 0`: the `s` with `s² ≤ v < (s+1)²`
/// (what a circuit proves). Negative `v` gives 0 (callers pass sums of squares).
pub fn isqrt(v: i128) -> i128 {
    if v <= 0 {
        return 0;
    }
    let v = v as u128;
    // Start from the float estimate, then correct it exactly.
    let mut s = (v as f64).sqrt() as u128;
    while s > 0 && s.checked_mul(s).is_none_or(|p| p > v) {
        s -= 1;
    }
    while (s + 1).checked_mul(s + 1).is_some_and(|p| p <= v) {
        s += 1;
    }
    s as i128
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounds_half_up() {
        assert_eq!(rdiv(5, 2), 3);
        assert_eq!(rdiv(-5, 2), -2);
        assert_eq!(rdiv(7, 4), 2);
        assert_eq!(rdiv(-7, 4), -2);
        assert_eq!(rdiv(-6, 4), -1);
        assert_eq!(rdiv(0, 3), 0);
        assert_eq!(quantize_value(0.5, 0), 1);
        assert_eq!(quantize_value(-0.5, 0), 0);
        // Run-time divisors of either sign: ⌊n/d + ½⌋.
        assert_eq!(rdiv_signed(5, 2), Some(3));
        assert_eq!(rdiv_signed(5, -2), Some(-2)); // −2.5 → −2
        assert_eq!(rdiv_signed(-5, -2), Some(3));
        assert_eq!(rdiv_signed(7, -4), Some(-2)); // −1.75
        assert_eq!(rdiv_signed(-6, 4), Some(-1));
        assert_eq!(rdiv_signed(3, 0), None);
        assert_eq!(isqrt(0), 0);
        assert_eq!(isqrt(15), 3);
        assert_eq!(isqrt(16), 4);
        assert_eq!(isqrt((1i128 << 126) - 1), (1i128 << 63) - 1);
    }

    /// Total on every scale (a damaged model can carry `i32::MIN`).
    #[test]
    fn dequantize_is_total() {
        assert_eq!(dequantize_value(3, 1), 1.5);
        assert_eq!(dequantize_value(3, -2), 12.0);
        assert_eq!(dequantize_value(1, i32::MIN), f64::INFINITY);
        assert_eq!(dequantize_value(1, i32::MAX), 0.0);
        assert_eq!(pow2f(-1074), f64::from_bits(1));
    }

    /// Total on every `i64` and shift (a damaged model can ask for any shift).
    #[test]
    fn shift_is_total() {
        assert_eq!(rshift(i64::MAX, 1), 1i64 << 62);
        assert_eq!(rshift(i64::MIN, 63), -1);
        assert_eq!(rshift(i64::MAX, 63), 1);
        for d in [64, 65, 200, u32::MAX] {
            for a in [i64::MIN, -5, 0, 5, i64::MAX] {
                assert_eq!(rshift(a, d), 0, "{a} >> {d}");
            }
        }
    }

    proptest! {
        #[test]
        fn shift_matches_division(a in -(1i64 << 50)..(1i64 << 50), d in 0u32..30) {
            prop_assert_eq!(rshift(a, d), rdiv(a, 1i64 << d));
        }

        /// `rdiv_signed` is half up on the true quotient for both signs, and
        /// its remainder identity is the one the division gadget proves.
        #[test]
        fn signed_division(n in -(1i128 << 60)..(1i128 << 60), d in -(1i128 << 40)..(1i128 << 40)) {
            prop_assume!(d != 0);
            let q = rdiv_signed(n, d).unwrap();
            let sigma = d.signum();
            let r = sigma * (2 * n + d) - 2 * d.abs() * q;
            prop_assert!((0..2 * d.abs()).contains(&r), "n={} d={} q={} r={}", n, d, q, r);
            if d > 0 && n.abs() < (1 << 50) && d < (1 << 30) {
                prop_assert_eq!(q, rdiv(n as i64, d as i64) as i128);
            }
        }

        #[test]
        fn isqrt_is_floor(v in 0i128..(1i128 << 120)) {
            let s = isqrt(v);
            prop_assert!(s * s <= v && v < (s + 1) * (s + 1));
        }

        #[test]
        fn remainder_identity(a in -(1i64 << 50)..(1i64 << 50), b in 1i64..100_000) {
            let c = rdiv(a, b);
            let r = 2 * a + b - 2 * b * c;
            prop_assert!((0..2 * b).contains(&r));
        }
    }
}
