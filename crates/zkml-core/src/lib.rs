//! # zkml-core
//!
//! The front end shared by every proving backend:
//!
//! * [`graph`]: a small graph IR over float tensors ([`Graph`], [`Op`]), with the
//!   shape rules of each op. Loaders (`zkml-onnx`, `zkml-msgpack`) build it.
//! * [`float`]: the float reference executor (ONNX semantics), used for
//!   calibration and the accuracy report.
//! * [`precision`]: automatic precision, the ladder of quantization
//!   settings climbed until the integer run meets a tolerance.
//! * [`quant`]: calibration and power-of-two quantization into a [`QGraph`]
//!   whose ops ([`QOp`]) carry every integer parameter explicitly.
//! * [`exec`]: the integer executor. **It is the specification**: a proof
//!   attests exactly the integers it computes, bit for bit.
//! * [`rounding`]: the one rounding rule every integer op and gadget uses.
//! * [`segment`]: a quantized graph split at tensor boundaries into
//!   segments that are proven separately and chained.
//!
//! Data flows one way: loaders know nothing of quantization, quantization
//! nothing of proofs, backends read a [`QGraph`] and a [`Trace`].

pub mod backend;
pub mod compare;
pub mod error;
pub mod error_bound;
pub mod exec;
pub mod float;
pub mod fusion;
pub mod graph;
pub mod ops;
pub mod precision;
pub mod quant;
pub mod reveal;
pub mod rounding;
pub mod segment;
pub mod tensor;

pub use compare::{compare, Comparison};
pub use error::{Error, Result};
pub use exec::{execute, Trace};
pub use float::run_float;
pub use graph::{Graph, Node, Value, ValueId, ValueKind};
pub use ops::{Op, QOp};
pub use quant::{calibrate, quantize, QGraph, QNode, QuantConfig};
pub use segment::Segment;
pub use tensor::{FTensor, ITensor};
