//! `Conv2D` (and depthwise) → [`Op::Conv`] (+ `Relu` / `Clip{0,6}`).
//!
//! Params `[conv_type, padding, activation, stride_h, stride_w]`:
//! conv_type 0 = Conv2D (weights OHWI), 1 = depthwise (weights `[1,kH,kW,C]`,
//! multiplier 1); padding 0 = SAME, 1 = VALID; activation 0 none, 1 ReLU,
//! 3 ReLU6. Inputs `[x (NHWC), w, bias?]`.
//!
//! zkml computes `y = rdiv(Σ x·w, sf) + b` and then the activation
//! (`bias_div_round_relu6`); zkml-core computes `rshift(Σ x·w + b·sf, s)`
//! with the bias quantized at scale `2s`, which is the same integer because
//! `b·sf` is a multiple of `sf`. ReLU6 clamps to `[0, 6·sf]` in both.
//!
//! SAME padding follows TensorFlow: total = max((⌈in/s⌉−1)·s + k − in, 0),
//! top/left = total/2, the extra row/column at the bottom/right. zkml's
//! `get_padding` agrees when the two strides are equal and `k ≥ s` (it uses
//! the width stride for the height when `in % s == 0`).

use zkml_core::ops::Conv;
use zkml_core::Op;

use crate::builder::{Builder, TO_NCHW};
use crate::error::MsgpackError;

/// TensorFlow's total SAME padding along one axis.
pub(crate) fn same_pad_total(input: usize, kernel: usize, stride: usize) -> usize {
    let out = input.div_ceil(stride);
    ((out.max(1) - 1) * stride + kernel).saturating_sub(input)
}

pub(crate) fn conv2d(b: &mut Builder) -> Result<(), MsgpackError> {
    let depthwise = match b.param(0)? {
        0 => false,
        1 => true,
        p => return Err(b.err(format!("conv type (param 0) must be 0 or 1, got {p}"))),
    };
    let same = match b.param(1)? {
        0 => true,
        1 => false,
        p => {
            return Err(b.err(format!(
                "padding (param 1) must be 0 (SAME) or 1 (VALID), got {p}"
            )))
        }
    };
    let activation = b.param(2)?;
    if ![0, 1, 3].contains(&activation) {
        return Err(b.err(format!(
            "activation (param 2) must be 0 (none), 1 (ReLU) or 3 (ReLU6), got {activation}"
        )));
    }
    let sh = b.param_usize(3, "stride_h", 1)?;
    let sw = b.param_usize(4, "stride_w", 1)?;

    let x = b.input(0)?;
    let xs = b.logical_shape(x);
    let w = b.input(1)?;
    let w = b.native(w)?;
    let ws = b.shape(w).to_vec();
    if xs.len() != 4 || ws.len() != 4 {
        return Err(b.err(format!(
            "expects a 4-D NHWC input and 4-D weights, got {xs:?} and {ws:?}"
        )));
    }
    let (h, wd, c) = (xs[1], xs[2], xs[3]);
    let (kh, kw) = (ws[1], ws[2]);
    if kh == 0 || kw == 0 {
        return Err(b.err(format!("empty kernel in weight shape {ws:?}")));
    }
    let x = b.nchw(x)?;
    let (w, group, m) = if depthwise {
        if ws[0] != 1 || ws[3] != c {
            return Err(b.err(format!(
                "depthwise weights must be [1, kH, kW, {c}] (multiplier 1), got {ws:?}"
            )));
        }
        (b.permute(w, &[3, 0, 1, 2], ".oihw")?, c, c)
    } else {
        if ws[3] != c {
            return Err(b.err(format!(
                "weights {ws:?} (OHWI) do not match the input's {c} channels"
            )));
        }
        (b.permute(w, &TO_NCHW, ".oihw")?, 1, ws[0])
    };
    let pads = if same {
        let th = same_pad_total(h, kh, sh);
        let tw = same_pad_total(wd, kw, sw);
        [th / 2, tw / 2, th - th / 2, tw - tw / 2]
    } else {
        [0; 4]
    };
    let mut inputs = vec![x, w];
    if b.num_inputs() >= 3 {
        let bias = b.input(2)?;
        let bias = b.native(bias)?;
        if !b.is_const(bias) {
            return Err(b.err("the bias must be a constant tensor"));
        }
        if b.shape(bias) != [m] {
            return Err(b.err(format!("bias shape {:?} should be [{m}]", b.shape(bias))));
        }
        inputs.push(bias);
    }
    let conv = Conv {
        kernel: [kh, kw],
        strides: [sh, sw],
        pads,
        dilations: [1, 1],
        group,
    };
    let suffix = if activation == 0 { "" } else { ".conv" };
    let mut y = b.node(Op::Conv(conv), inputs, suffix)?;
    match activation {
        1 => y = b.node(Op::Relu, vec![y], "")?,
        3 => y = b.node(Op::Clip { min: 0.0, max: 6.0 }, vec![y], "")?,
        _ => {}
    }
    b.define_nchw(y)
}

#[cfg(test)]
mod tests {
    use super::same_pad_total;

    #[test]
    fn tensorflow_same_padding() {
        // in 28, k 3, s 1: out 28, total 2 (1 top, 1 bottom).
        assert_eq!(same_pad_total(28, 3, 1), 2);
        // in 7, k 3, s 2: out 4, total (3·2 + 3) − 7 = 2.
        assert_eq!(same_pad_total(7, 3, 2), 2);
        // in 8, k 3, s 2: out 4, total 1 (0 top, 1 bottom).
        assert_eq!(same_pad_total(8, 3, 2), 1);
        // k < s: no padding.
        assert_eq!(same_pad_total(8, 1, 2), 0);
        assert_eq!(same_pad_total(7, 1, 1), 0);
    }
}
