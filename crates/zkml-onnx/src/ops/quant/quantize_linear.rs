//! QuantizeLinear: `clamp(round_half_even(x / scale) + zero_point, qmin, qmax)`.

use ndarray::Zip;
use zkml_core::ops::elementwise::broadcast_shape;
use zkml_core::ops::TableFn;
use zkml_core::Op;

use super::{along_axis, check_scale};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;
use crate::proto::data_type as dt;
use crate::tensor::{type_name, DType, Konst};

/// The code range of an ONNX integer element type QuantizeLinear may yield.
fn code_range(n: &NodeCtx, code: i32) -> Result<(i32, i32), OnnxError> {
    Ok(match code {
        dt::UINT8 => (0, 255),
        dt::INT8 => (-128, 127),
        dt::UINT16 => (0, 65535),
        dt::INT16 => (-32768, 32767),
        other => {
            return Err(n.err(format!(
                "quantizing to {} is not supported (uint8, int8, uint16 and int16 are)",
                type_name(other)
            )))
        }
    })
}

/// QuantizeLinear(x, y_scale, y_zero_point?): folds on a constant `x`, else
/// the table function [`TableFn::QuantizeLinear`] (per-tensor only).
pub fn quantize_linear(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let x = n.input(0)?.clone();
    let shape = ctx.shape(&x);
    let scale = n
        .const_input(1, "y_scale")?
        .ok_or_else(|| n.err("input 1 (y_scale) is required but missing"))?;
    let scale = along_axis(n, scale, &shape, "y_scale")?;
    check_scale(n, &scale)?;
    let zero_konst = n.const_input(2, "y_zero_point")?;
    let code = match (zero_konst, n.opt_int("output_dtype")?) {
        (Some(_), _) => n.elem_type(2).unwrap_or(dt::UINT8),
        (None, Some(t)) if t != 0 => i32::try_from(t).unwrap_or(-1),
        _ => dt::UINT8,
    };
    let (qmin, qmax) = code_range(n, code)?;
    let zero = match zero_konst {
        Some(z) => along_axis(n, z, &shape, "y_zero_point")?,
        None => ndarray::ArrayD::zeros(ndarray::IxDyn(&[])),
    };
    if let Some(z) = zero.iter().find(|&&z| z < qmin as f64 || z > qmax as f64) {
        return Err(n.err(format!(
            "zero point {z} lies outside the {} range {qmin}..={qmax}",
            type_name(code)
        )));
    }
    if let Some(k) = x.as_const() {
        let s = broadcast_shape(k.shape(), scale.shape())
            .and_then(|s| broadcast_shape(&s, zero.shape()))
            .map_err(|e| n.err(e))?;
        let view = |a: &ndarray::ArrayD<f64>| {
            a.broadcast(s.as_slice())
                .expect("broadcast shape")
                .to_owned()
        };
        let (xs, ss, zs) = (view(&k.t), view(&scale), view(&zero));
        let t = Zip::from(&xs).and(&ss).and(&zs).map_collect(|&x, &s, &z| {
            ((x / s).round_ties_even() + z).clamp(qmin as f64, qmax as f64)
        });
        return Ok(vec![Val::konst(Konst {
            t,
            dtype: DType::Int,
        })]);
    }
    if scale.len() != 1 || zero.len() != 1 {
        return Err(n.err(
            "per-axis quantization of a run-time tensor is not supported (quantization tools \
             write a per-tensor scale for activations); re-quantize the model per tensor",
        ));
    }
    let (s, z) = (
        scale.iter().copied().next().unwrap_or(1.0),
        zero.iter().copied().next().unwrap_or(0.0),
    );
    let func = TableFn::QuantizeLinear {
        scale: s as f32,
        zero_point: z as i32,
        qmin,
        qmax,
    };
    let y = ctx.emit(n.at(), &n.name, Op::Table(func), &[x], n.out(0))?;
    Ok(vec![y])
}
