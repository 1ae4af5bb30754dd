//! Graph construction state: msgpack tensor indices → graph values, with the
//! layout each value is stored in.
//!
//! Msgpack tensors are NHWC; zkml-core's Conv and pools are NCHW. A 4-D value
//! produced by a Conv or pool stays NCHW ([`Layout::Nchw`]) while it flows
//! through layout-agnostic layers (elementwise ops, whose constant operands
//! are permuted once at load time, and unary activations); any other layer
//! reads it back in msgpack layout through one `Transpose` (cached, so a
//! value is transposed at most once each way). Model inputs and outputs are
//! in msgpack layout, so a model's I/O matches its msgpack files exactly.

use std::collections::{HashMap, HashSet};

use zkml_core::ops::shape as core_shape;
use zkml_core::{FTensor, Graph, Op, ValueId};

use crate::error::MsgpackError;
use crate::format::{LayerFile, TensorFile};

/// NHWC → NCHW.
pub(crate) const TO_NCHW: [usize; 4] = [0, 3, 1, 2];
/// NCHW → NHWC.
pub(crate) const TO_NHWC: [usize; 4] = [0, 2, 3, 1];

/// Name suffix of a value that stores a msgpack tensor NCHW.
pub const NCHW_SUFFIX: &str = ".nchw";

/// f32 holds every integer of magnitude up to 2^24 exactly.
const F32_EXACT: i64 = 1 << 24;
/// Largest element count accepted for one tensor.
const MAX_ELEMS: usize = 1 << 31;

/// How a graph value stores its msgpack tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Same axes as the msgpack tensor.
    Native,
    /// A 4-D NHWC msgpack tensor stored NCHW.
    Nchw,
}

/// A msgpack tensor as a graph value.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    pub id: ValueId,
    pub layout: Layout,
}

/// Converts a msgpack shape, refusing negative dimensions and huge tensors.
pub(crate) fn to_shape(shape: &[i64]) -> Result<Vec<usize>, String> {
    let mut n: usize = 1;
    let mut out = Vec::with_capacity(shape.len());
    for &d in shape {
        let d = usize::try_from(d).map_err(|_| format!("negative dimension in shape {shape:?}"))?;
        n = n
            .checked_mul(d)
            .filter(|&n| n <= MAX_ELEMS)
            .ok_or_else(|| format!("shape {shape:?} has more than 2^31 elements"))?;
        out.push(d);
    }
    Ok(out)
}

/// The real value of a fixed-point integer, refusing values f32 cannot hold exactly.
pub(crate) fn to_real(q: i64, sf: i64) -> Option<f32> {
    (-F32_EXACT..=F32_EXACT)
        .contains(&q)
        .then(|| q as f32 / sf as f32)
}

/// Converts a tensor's data to reals (`q / sf`), checking its shape.
pub(crate) fn tensor_to_real(t: &TensorFile, sf: i64) -> Result<FTensor, MsgpackError> {
    let err = |reason: String| MsgpackError::Tensor { idx: t.idx, reason };
    let shape = to_shape(&t.shape).map_err(err)?;
    if t.data.is_empty() && shape.iter().product::<usize>() > 0 {
        return Err(err(format!(
            "shape {:?} but no data: the file describes layers without weights (the earlier \
             zkml's config.msgpack); load its model.msgpack, which holds them",
            t.shape
        )));
    }
    if shape.iter().product::<usize>() != t.data.len() {
        return Err(err(format!(
            "shape {:?} needs {} values but the data holds {}",
            t.shape,
            shape.iter().product::<usize>(),
            t.data.len()
        )));
    }
    let data = t
        .data
        .iter()
        .map(|&q| {
            to_real(q, sf).ok_or_else(|| {
                err(format!(
                    "value {q} exceeds ±2^24 and cannot be represented exactly in f32"
                ))
            })
        })
        .collect::<Result<Vec<f32>, _>>()?;
    Ok(zkml_core::tensor::from_flat(&shape, data).expect("length checked"))
}

/// Graph under construction plus the current layer (for error messages).
pub(crate) struct Builder<'a> {
    pub g: Graph,
    pub sf: i64,
    consts: HashMap<i64, &'a TensorFile>,
    vals: HashMap<i64, Slot>,
    to_native: HashMap<ValueId, ValueId>,
    to_nchw: HashMap<ValueId, ValueId>,
    names: HashSet<String>,
    /// Index of the layer being converted.
    pub index: usize,
    /// The layer being converted.
    pub layer: &'a LayerFile,
    nodes_in_layer: usize,
}

impl<'a> Builder<'a> {
    pub fn new(sf: i64, consts: HashMap<i64, &'a TensorFile>, first: &'a LayerFile) -> Self {
        Self {
            g: Graph::new(),
            sf,
            consts,
            vals: HashMap::new(),
            to_native: HashMap::new(),
            to_nchw: HashMap::new(),
            names: HashSet::new(),
            index: 0,
            layer: first,
            nodes_in_layer: 0,
        }
    }

    /// Starts converting layer `index`.
    pub fn begin(&mut self, index: usize, layer: &'a LayerFile) {
        self.index = index;
        self.layer = layer;
        self.nodes_in_layer = 0;
    }

    /// An error about the current layer.
    pub fn err(&self, reason: impl Into<String>) -> MsgpackError {
        MsgpackError::layer(self.index, &self.layer.layer_type, reason)
    }

    pub fn unique(&mut self, base: String) -> String {
        let mut name = base.clone();
        let mut k = 1;
        while !self.names.insert(name.clone()) {
            k += 1;
            name = format!("{base}#{k}");
        }
        name
    }

    /// Declares a model input (msgpack layout).
    pub fn add_input(&mut self, idx: i64, shape: Vec<usize>) -> Result<(), MsgpackError> {
        if self.vals.contains_key(&idx) {
            return Err(MsgpackError::Model(format!(
                "tensor {idx} is listed twice in inp_idxes"
            )));
        }
        let name = self.unique(format!("t{idx}"));
        let id = self.g.add_input(name, shape);
        self.vals.insert(
            idx,
            Slot {
                id,
                layout: Layout::Native,
            },
        );
        Ok(())
    }

    /// The value of msgpack tensor `idx` (a constant is added on first use).
    pub fn value(&mut self, idx: i64) -> Result<Slot, MsgpackError> {
        if let Some(&s) = self.vals.get(&idx) {
            return Ok(s);
        }
        let Some(t) = self.consts.get(&idx).copied() else {
            return Err(self.err(format!(
                "reads tensor {idx}, which is neither a model input, a constant, nor the output of an earlier layer"
            )));
        };
        let value = tensor_to_real(t, self.sf)?;
        let name = self.unique(format!("t{idx}"));
        let id = self.g.add_const(name, value);
        let slot = Slot {
            id,
            layout: Layout::Native,
        };
        self.vals.insert(idx, slot);
        Ok(slot)
    }

    /// The current layer's `k`-th input.
    pub fn input(&mut self, k: usize) -> Result<Slot, MsgpackError> {
        let idx = *self.layer.inp_idxes.get(k).ok_or_else(|| {
            self.err(format!(
                "expects at least {} inputs, has {}",
                k + 1,
                self.layer.inp_idxes.len()
            ))
        })?;
        self.value(idx)
    }

    /// Number of inputs of the current layer.
    pub fn num_inputs(&self) -> usize {
        self.layer.inp_idxes.len()
    }

    /// Parameter `k` of the current layer.
    pub fn param(&self, k: usize) -> Result<i64, MsgpackError> {
        self.layer.params.get(k).copied().ok_or_else(|| {
            self.err(format!(
                "expects at least {} params, has {:?}",
                k + 1,
                self.layer.params
            ))
        })
    }

    /// Parameter `k` as a count that must be at least `min`.
    pub fn param_usize(&self, k: usize, what: &str, min: usize) -> Result<usize, MsgpackError> {
        let p = self.param(k)?;
        usize::try_from(p)
            .ok()
            .filter(|&v| v >= min && v <= 1 << 20)
            .ok_or_else(|| self.err(format!("{what} (param {k}) = {p} is out of range")))
    }

    /// The shape the file declares for output `k`.
    pub fn out_shape(&self, k: usize) -> Result<Vec<usize>, MsgpackError> {
        let s = self
            .layer
            .out_shapes
            .get(k)
            .ok_or_else(|| self.err(format!("has no out_shapes[{k}]")))?;
        to_shape(s).map_err(|r| self.err(r))
    }

    /// The shape of a value.
    pub fn shape(&self, id: ValueId) -> &[usize] {
        &self.g.values[id].shape
    }

    /// Whether a value is a constant.
    pub fn is_const(&self, id: ValueId) -> bool {
        self.g.const_value(id).is_some()
    }

    /// The msgpack (NHWC) shape of a slot.
    pub fn logical_shape(&self, s: Slot) -> Vec<usize> {
        let sh = self.shape(s.id);
        match s.layout {
            Layout::Native => sh.to_vec(),
            Layout::Nchw => TO_NHWC.iter().map(|&p| sh[p]).collect(),
        }
    }

    /// Adds a node of the current layer; its output value is named `t{out}` plus `suffix`.
    pub fn node(
        &mut self,
        op: Op,
        inputs: Vec<ValueId>,
        suffix: &str,
    ) -> Result<ValueId, MsgpackError> {
        self.nodes_in_layer += 1;
        let node_name = format!(
            "L{}.{}{}",
            self.index,
            self.layer.layer_type,
            if self.nodes_in_layer > 1 {
                format!(".{}", self.nodes_in_layer)
            } else {
                String::new()
            }
        );
        let out = self.layer.out_idxes.first().copied().unwrap_or(-1);
        let name = self.unique(format!("t{out}{suffix}"));
        self.g
            .add_node(node_name, op, inputs, name)
            .map_err(|e| self.err(e.to_string()))
    }

    /// A new constant derived from another (folded layout changes).
    fn derived_const(&mut self, from: ValueId, t: FTensor, suffix: &str) -> ValueId {
        let name = self.unique(format!("{}{suffix}", self.g.values[from].name));
        self.g.add_const(name, t)
    }

    /// `Transpose(id, perm)`, folded when `id` is a constant.
    pub fn permute(
        &mut self,
        id: ValueId,
        perm: &[usize],
        suffix: &str,
    ) -> Result<ValueId, MsgpackError> {
        if perm.iter().enumerate().all(|(i, &p)| i == p) {
            return Ok(id);
        }
        if let Some(t) = self.g.const_value(id) {
            zkml_core::ops::shape::transpose_shape(t.shape(), perm).map_err(|r| self.err(r))?;
            let t = core_shape::transpose(t, perm);
            return Ok(self.derived_const(id, t, suffix));
        }
        self.node(
            Op::Transpose {
                perm: perm.to_vec(),
            },
            vec![id],
            suffix,
        )
    }

    /// `Reshape(id, shape)`, folded when `id` is a constant; the identity if the shape is unchanged.
    pub fn reshape(
        &mut self,
        id: ValueId,
        shape: &[usize],
        suffix: &str,
    ) -> Result<ValueId, MsgpackError> {
        if self.shape(id) == shape {
            return Ok(id);
        }
        if let Some(t) = self.g.const_value(id) {
            core_shape::reshape_shape(t.shape(), shape).map_err(|r| self.err(r))?;
            let t = core_shape::reshape(t, shape);
            return Ok(self.derived_const(id, t, suffix));
        }
        self.node(
            Op::Reshape {
                shape: shape.to_vec(),
            },
            vec![id],
            suffix,
        )
    }

    /// `Transpose(id, perm)` (folded for constants) into a value named `name`.
    fn relayout(
        &mut self,
        id: ValueId,
        perm: &[usize],
        name: String,
    ) -> Result<ValueId, MsgpackError> {
        if let Some(t) = self.g.const_value(id) {
            let t = core_shape::transpose(t, perm);
            let name = self.unique(name);
            return Ok(self.g.add_const(name, t));
        }
        let name = self.unique(name);
        self.nodes_in_layer += 1;
        let node_name = format!(
            "L{}.{}.relayout{}",
            self.index, self.layer.layer_type, self.nodes_in_layer
        );
        self.g
            .add_node(
                node_name,
                Op::Transpose {
                    perm: perm.to_vec(),
                },
                vec![id],
                name,
            )
            .map_err(|e| self.err(e.to_string()))
    }

    /// The slot in msgpack layout (`t{idx}.nchw` → `t{idx}`).
    pub fn native(&mut self, s: Slot) -> Result<ValueId, MsgpackError> {
        if s.layout == Layout::Native {
            return Ok(s.id);
        }
        if let Some(&n) = self.to_native.get(&s.id) {
            return Ok(n);
        }
        let src = &self.g.values[s.id].name;
        let name = match src.strip_suffix(NCHW_SUFFIX) {
            Some(base) => base.to_string(),
            None => format!("{src}.nhwc"),
        };
        let n = self.relayout(s.id, &TO_NHWC, name)?;
        self.to_native.insert(s.id, n);
        self.to_nchw.insert(n, s.id);
        Ok(n)
    }

    /// The slot as NCHW (it must be 4-D); named `t{idx}.nchw`.
    pub fn nchw(&mut self, s: Slot) -> Result<ValueId, MsgpackError> {
        if s.layout == Layout::Nchw {
            return Ok(s.id);
        }
        if let Some(&n) = self.to_nchw.get(&s.id) {
            return Ok(n);
        }
        if self.shape(s.id).len() != 4 {
            return Err(self.err(format!(
                "expects a 4-D NHWC tensor, got shape {:?}",
                self.shape(s.id)
            )));
        }
        let name = format!("{}{NCHW_SUFFIX}", self.g.values[s.id].name);
        let n = self.relayout(s.id, &TO_NCHW, name)?;
        self.to_nchw.insert(s.id, n);
        self.to_native.insert(n, s.id);
        Ok(n)
    }

    /// Binds output `k` of the current layer to `s`, checking the shape the file declares.
    pub fn define(&mut self, k: usize, s: Slot) -> Result<(), MsgpackError> {
        let got = self.logical_shape(s);
        if self.layer.out_shapes.get(k).is_some() {
            let want = self.out_shape(k)?;
            if want != got {
                return Err(self.err(format!(
                    "computes output shape {got:?} but the file declares {want:?}"
                )));
            }
        }
        self.alias(k, s)
    }

    /// Binds output `k` of the current layer to `s` without a shape check.
    pub fn alias(&mut self, k: usize, s: Slot) -> Result<(), MsgpackError> {
        let idx = *self
            .layer
            .out_idxes
            .get(k)
            .ok_or_else(|| self.err(format!("has no out_idxes[{k}]")))?;
        if self.vals.contains_key(&idx) || self.consts.contains_key(&idx) {
            return Err(self.err(format!("writes tensor {idx}, which is already defined")));
        }
        let plain = format!("t{idx}");
        if s.layout == Layout::Nchw && self.g.values[s.id].name == plain {
            // The layer's NCHW result: name it so readers see its layout.
            let name = self.unique(format!("{plain}{NCHW_SUFFIX}"));
            self.names.remove(&plain);
            self.g.values[s.id].name = name;
        }
        self.vals.insert(idx, s);
        Ok(())
    }

    /// Binds output 0 to a native value.
    pub fn define_native(&mut self, id: ValueId) -> Result<(), MsgpackError> {
        self.define(
            0,
            Slot {
                id,
                layout: Layout::Native,
            },
        )
    }

    /// Binds output 0 to an NCHW value.
    pub fn define_nchw(&mut self, id: ValueId) -> Result<(), MsgpackError> {
        self.define(
            0,
            Slot {
                id,
                layout: Layout::Nchw,
            },
        )
    }

    /// The slot of an already-defined tensor.
    pub fn defined(&self, idx: i64) -> Option<Slot> {
        self.vals.get(&idx).copied()
    }

    /// Whether `idx` is a constant of the file.
    pub fn has_const(&self, idx: i64) -> bool {
        self.consts.contains_key(&idx)
    }
}
