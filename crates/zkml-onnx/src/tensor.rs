//! `TensorProto` → values. Constants are held as `f64` while loading (exact for
//! every `f32` and for integers up to 2^53, which covers shapes and indices)
//! with their ONNX element kind, so shape subgraphs fold with integer meaning;
//! they become `f32` [`FTensor`]s when they enter the graph.

use std::path::Path;

use ndarray::{ArrayD, IxDyn};
use zkml_core::FTensor;

use crate::error::OnnxError;
use crate::proto::{data_type as dt, TensorProto};

/// The most elements a constant may have (a guard against absurd shapes in a
/// malformed file, checked before anything is allocated).
pub const MAX_ELEMENTS: usize = 1 << 28;

/// The kind of a constant's elements: what `Cast`, `Div` and friends need to
/// know to fold with ONNX meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// Any floating-point type.
    Float,
    /// Any integer type.
    Int,
    /// Booleans (0 or 1).
    Bool,
}

impl DType {
    /// The kind of an ONNX `TensorProto.DataType`, or `None` if unsupported.
    pub fn from_onnx(code: i32) -> Option<DType> {
        match code {
            dt::FLOAT | dt::DOUBLE | dt::FLOAT16 | dt::BFLOAT16 => Some(DType::Float),
            dt::UINT8
            | dt::INT8
            | dt::UINT16
            | dt::INT16
            | dt::INT32
            | dt::INT64
            | dt::UINT32
            | dt::UINT64 => Some(DType::Int),
            dt::BOOL => Some(DType::Bool),
            _ => None,
        }
    }
}

/// A constant tensor during loading.
#[derive(Clone, Debug, PartialEq)]
pub struct Konst {
    /// The values.
    pub t: ArrayD<f64>,
    /// Element kind.
    pub dtype: DType,
}

impl Konst {
    /// A float constant.
    pub fn float(t: ArrayD<f64>) -> Self {
        Konst {
            t,
            dtype: DType::Float,
        }
    }

    /// An integer constant.
    pub fn int(t: ArrayD<f64>) -> Self {
        Konst {
            t,
            dtype: DType::Int,
        }
    }

    /// A 1-D integer constant.
    pub fn ints(v: &[i64]) -> Self {
        Konst::int(
            ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.iter().map(|&x| x as f64).collect())
                .expect("length matches"),
        )
    }

    /// A scalar float constant.
    pub fn scalar(v: f64) -> Self {
        Konst::float(ArrayD::from_elem(IxDyn(&[]), v))
    }

    /// The values as `f32`.
    pub fn to_f32(&self) -> FTensor {
        self.t.mapv(|v| v as f32)
    }

    /// The values as integers (truncating toward zero; saturating).
    pub fn to_i64(&self) -> Vec<i64> {
        self.t.iter().map(|&v| v as i64).collect()
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        self.t.shape()
    }
}

/// Checks ONNX dims and returns them as a shape, with the element count.
pub fn checked_shape(dims: &[i64], name: &str) -> Result<(Vec<usize>, usize), OnnxError> {
    let mut shape = Vec::with_capacity(dims.len());
    let mut n: usize = 1;
    for &d in dims {
        let d = usize::try_from(d).map_err(|_| OnnxError::Tensor {
            name: name.to_string(),
            reason: format!("negative dimension {d} in dims {dims:?}"),
        })?;
        n = n
            .checked_mul(d)
            .filter(|&n| n <= MAX_ELEMENTS)
            .ok_or_else(|| OnnxError::Tensor {
                name: name.to_string(),
                reason: format!("dims {dims:?} exceed the {MAX_ELEMENTS}-element limit"),
            })?;
        shape.push(d);
    }
    Ok((shape, n))
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let frac = (h & 0x3ff) as u32;
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: value = f · 2^-24.
            let v = f as f32 * 2f32.powi(-24);
            return if sign != 0 { -v } else { v };
        }
        (0x1f, 0) => sign | 0x7f80_0000,
        (0x1f, f) => sign | 0x7fc0_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

fn bf16_to_f32(h: u16) -> f32 {
    f32::from_bits((h as u32) << 16)
}

/// Element size in bytes of a raw-data type, or `None` if unsupported.
fn elem_size(code: i32) -> Option<usize> {
    Some(match code {
        dt::UINT8 | dt::INT8 | dt::BOOL => 1,
        dt::UINT16 | dt::INT16 | dt::FLOAT16 | dt::BFLOAT16 => 2,
        dt::FLOAT | dt::INT32 | dt::UINT32 => 4,
        dt::INT64 | dt::DOUBLE | dt::UINT64 => 8,
        _ => return None,
    })
}

fn decode_raw(code: i32, raw: &[u8]) -> Vec<f64> {
    let size = elem_size(code).unwrap_or(1);
    raw.chunks_exact(size)
        .map(|c| match code {
            dt::UINT8 => c[0] as f64,
            dt::INT8 => c[0] as i8 as f64,
            dt::BOOL => (c[0] != 0) as u8 as f64,
            dt::UINT16 => u16::from_le_bytes([c[0], c[1]]) as f64,
            dt::INT16 => i16::from_le_bytes([c[0], c[1]]) as f64,
            dt::FLOAT16 => f16_to_f32(u16::from_le_bytes([c[0], c[1]])) as f64,
            dt::BFLOAT16 => bf16_to_f32(u16::from_le_bytes([c[0], c[1]])) as f64,
            dt::FLOAT => f32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64,
            dt::INT32 => i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64,
            dt::UINT32 => u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as f64,
            dt::INT64 => i64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64,
            dt::UINT64 => u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f64,
            dt::DOUBLE => f64::from_le_bytes(c.try_into().unwrap_or([0; 8])),
            _ => 0.0,
        })
        .collect()
}

/// The ONNX name of a data type code.
pub fn type_name(code: i32) -> String {
    let n = match code {
        dt::UNDEFINED => "UNDEFINED",
        dt::FLOAT => "FLOAT",
        dt::UINT8 => "UINT8",
        dt::INT8 => "INT8",
        dt::UINT16 => "UINT16",
        dt::INT16 => "INT16",
        dt::INT32 => "INT32",
        dt::INT64 => "INT64",
        dt::BOOL => "BOOL",
        dt::FLOAT16 => "FLOAT16",
        dt::DOUBLE => "DOUBLE",
        dt::UINT32 => "UINT32",
        dt::UINT64 => "UINT64",
        dt::BFLOAT16 => "BFLOAT16",
        dt::STRING => "STRING",
        14 => "COMPLEX64",
        15 => "COMPLEX128",
        17 => "FLOAT8E4M3FN",
        18 => "FLOAT8E4M3FNUZ",
        19 => "FLOAT8E5M2",
        20 => "FLOAT8E5M2FNUZ",
        21 => "UINT4",
        22 => "INT4",
        23 => "FLOAT4E2M1",
        24 => "FLOAT8E8M0",
        25 => "UINT2",
        26 => "INT2",
        _ => return format!("data type {code}"),
    };
    n.to_string()
}

/// Reads the external data of a tensor stored outside the model file.
fn read_external(tp: &TensorProto, base: Option<&Path>, name: &str) -> Result<Vec<u8>, OnnxError> {
    let err = |reason: String| OnnxError::Tensor {
        name: name.to_string(),
        reason,
    };
    let Some(base) = base else {
        return Err(err(
            "its data is stored in an external file, which needs the model's path; load it with \
             `load_model(path)` or re-save the model with the data embedded \
             (`onnx.save(model, path, save_as_external_data=False)`)"
                .into(),
        ));
    };
    let mut location = None;
    let (mut offset, mut length) = (0u64, None);
    for e in &tp.external_data {
        match e.key.as_str() {
            "location" => location = Some(e.value.clone()),
            "offset" => {
                offset = e
                    .value
                    .parse()
                    .map_err(|_| err(format!("bad offset `{}`", e.value)))?
            }
            "length" => {
                length = Some(
                    e.value
                        .parse::<u64>()
                        .map_err(|_| err(format!("bad length `{}`", e.value)))?,
                )
            }
            _ => {}
        }
    }
    let location = location.ok_or_else(|| err("external data without a `location`".into()))?;
    let rel = Path::new(&location);
    if rel.is_absolute()
        || rel
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(err(format!(
            "external data location `{location}` must be a relative path inside the model's folder"
        )));
    }
    let path = base.join(rel);
    let bytes = std::fs::read(&path).map_err(|source| OnnxError::Io {
        path: path.clone(),
        source,
    })?;
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let end = match length {
        Some(l) => start.saturating_add(usize::try_from(l).unwrap_or(usize::MAX)),
        None => bytes.len(),
    };
    bytes.get(start..end).map(<[u8]>::to_vec).ok_or_else(|| {
        err(format!(
            "external data range {start}..{end} lies outside `{}` ({} bytes)",
            path.display(),
            bytes.len()
        ))
    })
}

/// Converts a `TensorProto` into a constant. `base` is the model's folder, for
/// tensors whose data lives in external files.
pub fn konst_from_proto(tp: &TensorProto, base: Option<&Path>) -> Result<Konst, OnnxError> {
    let name = if tp.name.is_empty() {
        "<unnamed>"
    } else {
        tp.name.as_str()
    };
    let err = |reason: String| OnnxError::Tensor {
        name: name.to_string(),
        reason,
    };
    let code = tp.data_type;
    let dtype = DType::from_onnx(code).ok_or_else(|| {
        err(format!(
            "element type {} is not supported (use float, double, float16, bfloat16, bool or an \
             integer type)",
            type_name(code)
        ))
    })?;
    let (shape, n) = checked_shape(&tp.dims, name)?;
    let external = tp.data_location == 1 || !tp.external_data.is_empty();
    let raw: Option<std::borrow::Cow<[u8]>> = if external {
        Some(read_external(tp, base, name)?.into())
    } else {
        tp.raw_data.as_deref().map(Into::into)
    };
    let data: Vec<f64> = if let Some(raw) = raw {
        let size = elem_size(code).unwrap_or(1);
        if raw.len() != n.saturating_mul(size) {
            return Err(err(format!(
                "raw_data has {} bytes but dims {:?} of {} need {}",
                raw.len(),
                tp.dims,
                type_name(code),
                n.saturating_mul(size)
            )));
        }
        decode_raw(code, &raw)
    } else {
        let (len, data): (usize, Box<dyn Fn() -> Vec<f64>>) = match code {
            dt::FLOAT => (
                tp.float_data.len(),
                Box::new(|| tp.float_data.iter().map(|&v| v as f64).collect()),
            ),
            dt::DOUBLE => (tp.double_data.len(), Box::new(|| tp.double_data.clone())),
            dt::INT64 => (
                tp.int64_data.len(),
                Box::new(|| tp.int64_data.iter().map(|&v| v as f64).collect()),
            ),
            dt::UINT32 | dt::UINT64 => (
                tp.uint64_data.len(),
                Box::new(|| tp.uint64_data.iter().map(|&v| v as f64).collect()),
            ),
            dt::FLOAT16 => (
                tp.int32_data.len(),
                Box::new(|| {
                    tp.int32_data
                        .iter()
                        .map(|&v| f16_to_f32(v as u16) as f64)
                        .collect()
                }),
            ),
            dt::BFLOAT16 => (
                tp.int32_data.len(),
                Box::new(|| {
                    tp.int32_data
                        .iter()
                        .map(|&v| bf16_to_f32(v as u16) as f64)
                        .collect()
                }),
            ),
            dt::BOOL => (
                tp.int32_data.len(),
                Box::new(|| {
                    tp.int32_data
                        .iter()
                        .map(|&v| (v != 0) as u8 as f64)
                        .collect()
                }),
            ),
            _ => (
                tp.int32_data.len(),
                Box::new(|| tp.int32_data.iter().map(|&v| v as f64).collect()),
            ),
        };
        if len != n {
            return Err(err(format!(
                "holds {len} values but dims {:?} need {n}",
                tp.dims
            )));
        }
        data()
    };
    let t = ArrayD::from_shape_vec(IxDyn(&shape), data)
        .map_err(|e| err(format!("cannot shape the data as {shape:?}: {e}")))?;
    Ok(Konst { t, dtype })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(f16_to_f32(0x7c00).is_infinite());
        assert_eq!(bf16_to_f32(0x3f80), 1.0);
    }

    #[test]
    fn raw_and_typed_data_agree() {
        let typed = TensorProto {
            dims: vec![2],
            data_type: dt::INT64,
            int64_data: vec![-3, 7],
            ..Default::default()
        };
        let raw = TensorProto {
            dims: vec![2],
            data_type: dt::INT64,
            raw_data: Some([(-3i64).to_le_bytes(), 7i64.to_le_bytes()].concat()),
            ..Default::default()
        };
        let a = konst_from_proto(&typed, None).unwrap();
        assert_eq!(a, konst_from_proto(&raw, None).unwrap());
        assert_eq!(a.dtype, DType::Int);
    }

    #[test]
    fn wrong_lengths_are_errors() {
        let t = TensorProto {
            dims: vec![3],
            data_type: dt::FLOAT,
            float_data: vec![1.0],
            ..Default::default()
        };
        assert!(konst_from_proto(&t, None).is_err());
        let t = TensorProto {
            dims: vec![1 << 40, 1 << 40],
            data_type: dt::FLOAT,
            ..Default::default()
        };
        assert!(konst_from_proto(&t, None).is_err());
    }
}
