//! The loading context: ONNX value names → loaded values (constants or graph
//! values), the graph under construction, and [`Ctx::emit`], which adds an op
//! to the graph or, when every input is constant, evaluates it at load time
//! (constant folding).

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use ndarray::ArrayD;
use zkml_core::ops::{elementwise, shape as core_shape};
use zkml_core::{float, Graph, Op, ValueId};

use crate::error::OnnxError;
use crate::tensor::{DType, Konst, MAX_ELEMENTS};

/// A constant value and, once it has entered the graph, its graph id.
#[derive(Clone, Debug)]
pub struct ConstVal {
    /// The value.
    pub k: Rc<Konst>,
    name: Option<String>,
    id: Rc<Cell<Option<ValueId>>>,
}

/// A loaded ONNX value.
#[derive(Clone, Debug)]
pub enum Val {
    /// Known at load time.
    Const(ConstVal),
    /// A graph value (input or node output), known at run time.
    Dyn(ValueId),
}

impl Val {
    /// A constant with no model name, kept in standard (row-major) layout: a
    /// fold such as Slice's `select` along an inner axis returns another
    /// layout, which reshaping code downstream (`into_shape_with_order`)
    /// refuses.
    pub fn konst(mut k: Konst) -> Val {
        if !k.t.is_standard_layout() {
            k.t = k.t.as_standard_layout().into_owned();
        }
        Val::Const(ConstVal {
            k: Rc::new(k),
            name: None,
            id: Rc::new(Cell::new(None)),
        })
    }

    /// A constant named in the model (initializer, Constant output).
    pub fn named_konst(k: Konst, name: &str) -> Val {
        Val::Const(ConstVal {
            k: Rc::new(k),
            name: Some(name.to_string()),
            id: Rc::new(Cell::new(None)),
        })
    }

    /// The constant, if this is one.
    pub fn as_const(&self) -> Option<&Konst> {
        match self {
            Val::Const(c) => Some(&c.k),
            Val::Dyn(_) => None,
        }
    }
}

/// The state of one model load.
pub struct Ctx {
    /// The graph being built.
    pub graph: Graph,
    /// Every value name of the model (reserved for those values).
    reserved: HashSet<String>,
    /// Names given to graph values so far.
    taken: HashSet<String>,
    uses: HashMap<String, usize>,
}

impl Ctx {
    /// A context for a model whose value names are `names`, consumed
    /// `uses[name]` times (node inputs and graph outputs).
    pub fn new(names: HashSet<String>, uses: HashMap<String, usize>) -> Self {
        Ctx {
            graph: Graph::new(),
            reserved: names,
            taken: HashSet::new(),
            uses,
        }
    }

    /// Whether a model value is read by any node or is a graph output.
    pub fn is_used(&self, name: &str) -> bool {
        !name.is_empty() && self.uses.get(name).copied().unwrap_or(0) > 0
    }

    /// A value name not used by the model or the graph so far, based on `base`.
    pub fn unique(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut i = 1;
        while self.reserved.contains(&name) || self.taken.contains(&name) {
            name = format!("{base}.{i}");
            i += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// `name` itself if it is a model name not yet given to a graph value,
    /// else a fresh name based on it.
    pub fn claim(&mut self, name: &str) -> String {
        if self.reserved.contains(name) && !self.taken.contains(name) {
            self.taken.insert(name.to_string());
            name.to_string()
        } else {
            self.unique(name)
        }
    }

    /// The graph id of a graph output named `name` in the model; an unnamed
    /// constant gets that name.
    pub fn materialize_output(&mut self, v: &Val, name: &str) -> ValueId {
        if let Val::Const(c) = v {
            if c.name.is_none() && c.id.get().is_none() {
                let name = self.claim(name);
                let id = self.graph.add_const(name, c.k.to_f32());
                c.id.set(Some(id));
                return id;
            }
        }
        self.materialize(v, name)
    }

    /// Gives the graph value `id` the model's output name `name` when it
    /// carries another one (an output that aliases an intermediate through
    /// Identity or Dropout), unless it is a model input or already an output.
    pub fn name_output(&mut self, id: ValueId, name: &str) {
        let v = &self.graph.values[id];
        if v.name == name
            || self.graph.inputs.contains(&id)
            || self.graph.outputs.contains(&id)
            || self.taken.contains(name)
        {
            return;
        }
        self.taken.insert(name.to_string());
        self.graph.values[id].name = name.to_string();
    }

    /// The graph id of a value, adding a constant to the graph on first use.
    pub fn materialize(&mut self, v: &Val, hint: &str) -> ValueId {
        match v {
            Val::Dyn(id) => *id,
            Val::Const(c) => {
                if let Some(id) = c.id.get() {
                    return id;
                }
                let name = match &c.name {
                    Some(n) => self.claim(n),
                    None => self.unique(hint),
                };
                let id = self.graph.add_const(name, c.k.to_f32());
                c.id.set(Some(id));
                id
            }
        }
    }

    /// The static shape of a value.
    pub fn shape(&self, v: &Val) -> Vec<usize> {
        match v {
            Val::Dyn(id) => self.graph.values[*id].shape.clone(),
            Val::Const(c) => c.k.shape().to_vec(),
        }
    }

    /// Applies `op` to `inputs`: evaluated now when every input is constant,
    /// otherwise added to the graph as node `node` with output value `out`
    /// (made unique). `at` is the model node's `(name, op type)`, for errors.
    pub fn emit(
        &mut self,
        at: (&str, &str),
        node: &str,
        op: Op,
        inputs: &[Val],
        out: &str,
    ) -> Result<Val, OnnxError> {
        let (onnx_node, onnx_op) = at;
        let shapes: Vec<Vec<usize>> = inputs.iter().map(|v| self.shape(v)).collect();
        let refs: Vec<&[usize]> = shapes.iter().map(Vec::as_slice).collect();
        let shape = op.output_shape(&refs).map_err(|reason| OnnxError::Node {
            node: onnx_node.to_string(),
            op: onnx_op.to_string(),
            reason: format!("{} {reason} (input shapes {shapes:?})", op.name()),
        })?;
        let numel = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .filter(|&n| n <= MAX_ELEMENTS);
        if numel.is_none() {
            return Err(OnnxError::Node {
                node: onnx_node.to_string(),
                op: onnx_op.to_string(),
                reason: format!("output shape {shape:?} exceeds {MAX_ELEMENTS} elements"),
            });
        }
        let consts: Option<Vec<&Konst>> = inputs.iter().map(Val::as_const).collect();
        if let Some(ks) = consts {
            return Ok(Val::konst(fold(&op, &ks)));
        }
        let ids: Vec<ValueId> = inputs
            .iter()
            .enumerate()
            .map(|(i, v)| self.materialize(v, &format!("{node}/c{i}")))
            .collect();
        let out = self.claim(out);
        let node = node.to_string();
        Ok(Val::Dyn(self.graph.add_node(node, op, ids, out)?))
    }
}

/// Evaluates an op on constants: exactly in `f64` for data movement and
/// Add/Sub/Mul (so integer shape arithmetic stays exact), through the float
/// reference executor otherwise.
fn fold(op: &Op, ks: &[&Konst]) -> Konst {
    let same_dtype = ks.windows(2).all(|w| w[0].dtype == w[1].dtype);
    let dtype = if same_dtype {
        ks.first().map_or(DType::Float, |k| k.dtype)
    } else {
        DType::Float
    };
    let t: ArrayD<f64> = match op {
        Op::Reshape { shape } => core_shape::reshape(&ks[0].t, shape),
        Op::Transpose { perm } => core_shape::transpose(&ks[0].t, perm),
        Op::Concat { axis } => {
            let owned: Vec<ArrayD<f64>> = ks.iter().map(|k| k.t.clone()).collect();
            core_shape::concat(&owned, *axis)
        }
        Op::Pad { pads, value } => core_shape::pad(&ks[0].t, pads, *value as f64),
        Op::Add => elementwise::zip_broadcast(&ks[0].t, &ks[1].t, |a, b| a + b),
        Op::Sub => elementwise::zip_broadcast(&ks[0].t, &ks[1].t, |a, b| a - b),
        Op::Mul => elementwise::zip_broadcast(&ks[0].t, &ks[1].t, |a, b| a * b),
        _ => {
            let xs: Vec<_> = ks.iter().map(|k| k.to_f32()).collect();
            let refs: Vec<_> = xs.iter().collect();
            return Konst::float(float::eval_op(op, &refs).mapv(f64::from));
        }
    };
    Konst { t, dtype }
}
