//! Recurrent layers: LSTM, GRU and RNN, unrolled over the (static) sequence
//! length into existing IR ops.
//!
//! Per direction, the input projection of every step is one MatMul by the
//! transposed weights `Wᵀ` plus the folded biases; each step then slices its
//! row ([`Op::Gather`]), adds the recurrent product `H_{t-1}·Rᵀ` (a MatMul
//! by constant weights when `R` is an initializer), applies the gate functions
//! as tabled functions ([`Op::Table`]: Sigmoid, Tanh, …) and combines the
//! gates with Mul / Add / Sub. The outputs `Y`, `Y_h` (and LSTM's `Y_c`) are
//! separate graph values assembled by Reshape + Concat; unused ones are pruned
//! with the rest of the dead graph. A zero initial state (no `initial_h`)
//! skips the first step's recurrent product.
//!
//! Supported: directions forward / reverse / bidirectional, `layout` 0 and 1,
//! optional `B`, `sequence_lens` absent or equal to the sequence length
//! everywhere, `initial_h` / `initial_c`, LSTM peepholes `P`, `clip`, GRU
//! `linear_before_reset` 0 and 1, LSTM `input_forget` (the forget gate is
//! `1 − i`, as onnxruntime computes it), the activation functions of [`act`].
//! Refused with the reason: shorter `sequence_lens` (padded batches),
//! run-time `sequence_lens`, ThresholdedRelu.

pub mod act;
mod cells;

use ndarray::{Axis, Slice};
use zkml_core::Op;

use super::{NodeCtx, Registry};
use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::shape::by_index_map;
use crate::tensor::Konst;
use act::Act;

/// Registers the family.
pub fn register(r: &mut Registry) {
    r.insert("LSTM", |c, n| layer(c, n, Kind::Lstm));
    r.insert("GRU", |c, n| layer(c, n, Kind::Gru));
    r.insert("RNN", |c, n| layer(c, n, Kind::Rnn));
}

/// Which recurrent layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// LSTM: gates i, o, f, c; states H and C.
    Lstm,
    /// GRU: gates z, r, h.
    Gru,
    /// Simple RNN: one gate.
    Rnn,
}

impl Kind {
    /// Gates per direction (rows of `W` per hidden unit).
    fn gates(self) -> usize {
        match self {
            Kind::Lstm => 4,
            Kind::Gru => 3,
            Kind::Rnn => 1,
        }
    }

    /// Default activation functions of one direction.
    fn default_acts(self) -> Vec<Act> {
        match self {
            Kind::Lstm => vec![Act::sigmoid(), Act::tanh(), Act::tanh()],
            Kind::Gru => vec![Act::sigmoid(), Act::tanh()],
            Kind::Rnn => vec![Act::tanh()],
        }
    }
}

/// Emits the ops of one layer, naming nodes and values under the ONNX node.
pub struct Lower<'a, 'b> {
    ctx: &'a mut Ctx,
    n: &'a NodeCtx<'b>,
}

impl Lower<'_, '_> {
    /// Emits `op` as node `<node>/<tag>` with an intermediate output of the same name.
    pub fn emit(&mut self, tag: &str, op: Op, inputs: &[Val]) -> Result<Val, OnnxError> {
        let name = self.n.sub(tag);
        self.ctx.emit(self.n.at(), &name, op, inputs, &name)
    }

    /// Emits `op` as node `<node>/<tag>` with output value `out`.
    pub fn emit_as(
        &mut self,
        tag: &str,
        op: Op,
        inputs: &[Val],
        out: &str,
    ) -> Result<Val, OnnxError> {
        let name = self.n.sub(tag);
        let out = if out.is_empty() {
            name.clone()
        } else {
            out.to_string()
        };
        self.ctx.emit(self.n.at(), &name, op, inputs, &out)
    }

    /// `v[.., start..start+len, ..]` along `axis`; with `drop` (and `len` 1)
    /// the axis is removed. One index-map op (or folded when constant).
    pub fn slice(
        &mut self,
        tag: &str,
        v: &Val,
        axis: usize,
        start: usize,
        len: usize,
        drop: bool,
    ) -> Result<Val, OnnxError> {
        let name = self.n.sub(tag);
        by_index_map(self.ctx, self.n, v, &name, &name, |k: &Konst| {
            let t = if drop {
                k.t.index_axis(Axis(axis), start).to_owned()
            } else {
                k.t.slice_axis(Axis(axis), Slice::from(start..start + len))
                    .to_owned()
            };
            Ok(Konst { t, dtype: k.dtype })
        })
    }

    /// The static shape of a value.
    pub fn shape(&self, v: &Val) -> Vec<usize> {
        self.ctx.shape(v)
    }

    /// `a + b`, where `None` stands for zero.
    pub fn add(&mut self, tag: &str, a: Val, b: Option<Val>) -> Result<Val, OnnxError> {
        match b {
            None => Ok(a),
            Some(b) => self.emit(tag, Op::Add, &[a, b]),
        }
    }
}

/// One direction's parameters, each `[gates·H, ·]` transposed for `x·Wᵀ`.
pub struct DirParams {
    /// `Wᵀ`, `[input, gates·H]`.
    pub wt: Val,
    /// `Rᵀ`, `[H, gates·H]`.
    pub rt: Val,
    /// `Wb`, `[gates·H]`, when `B` is given.
    pub wb: Option<Val>,
    /// `Rb`, `[gates·H]`, when `B` is given.
    pub rb: Option<Val>,
    /// LSTM peepholes `(p_i, p_o, p_f)`, each `[H]`, when `P` is given.
    pub p: Option<[Val; 3]>,
    /// Initial hidden state `[batch, H]` (`None`: zeros).
    pub h0: Option<Val>,
    /// Initial cell state `[batch, H]` (LSTM; `None`: zeros).
    pub c0: Option<Val>,
    /// Activation functions of this direction.
    pub acts: Vec<Act>,
    /// Reverse direction: steps run from the last position to the first.
    pub reverse: bool,
}

/// The layer's shape and options.
pub struct Spec {
    /// Which layer.
    pub kind: Kind,
    /// Hidden size `H`.
    pub hidden: usize,
    /// Batch size.
    pub batch: usize,
    /// Sequence length.
    pub seq: usize,
    /// `clip` threshold, applied to every activation's input.
    pub clip: Option<f32>,
    /// GRU `linear_before_reset`.
    pub linear_before_reset: bool,
    /// LSTM `input_forget`: the forget gate is `1 − i` (coupled gates).
    pub input_forget: bool,
}

/// What a direction produces: the hidden state at every position (in
/// sequence order) and the final states.
pub struct DirOut {
    /// `H_t` `[batch, H]` per sequence position.
    pub hs: Vec<Val>,
    /// The last step's hidden state.
    pub h_last: Val,
    /// The last step's cell state (LSTM).
    pub c_last: Option<Val>,
}

fn layer(ctx: &mut Ctx, n: &NodeCtx, kind: Kind) -> Result<Vec<Val>, OnnxError> {
    let mut l = Lower { ctx, n };
    let x = n.input(0)?.clone();
    let (w, r) = (n.input(1)?.clone(), n.input(2)?.clone());
    let xs = l.shape(&x);
    let (ws, rs) = (l.shape(&w), l.shape(&r));
    let layout = n.int("layout", 0)?;
    if !matches!(layout, 0 | 1) {
        return Err(n.attr_err("layout", format!("{layout} is neither 0 nor 1")));
    }
    let batch_first = layout == 1;
    let direction = n.string("direction")?.unwrap_or_else(|| "forward".into());
    let dirs = match direction.as_str() {
        "forward" | "reverse" => 1,
        "bidirectional" => 2,
        other => {
            return Err(n.attr_err(
                "direction",
                format!("`{other}` is not forward, reverse or bidirectional"),
            ))
        }
    };
    if xs.len() != 3 || ws.len() != 3 || rs.len() != 3 {
        return Err(n.err(format!(
            "X, W and R must be 3-D; got shapes {xs:?}, {ws:?}, {rs:?}"
        )));
    }
    let (seq, batch, input) = if batch_first {
        (xs[1], xs[0], xs[2])
    } else {
        (xs[0], xs[1], xs[2])
    };
    let hidden = rs[2];
    if let Some(h) = n.opt_int("hidden_size")? {
        if usize::try_from(h).ok() != Some(hidden) {
            return Err(n.attr_err(
                "hidden_size",
                format!("{h} disagrees with R's shape {rs:?} (hidden size {hidden})"),
            ));
        }
    }
    let g = kind.gates();
    if hidden == 0 || seq == 0 || batch == 0 {
        return Err(n.err(format!(
            "empty layer: X {xs:?}, R {rs:?} (sequence, batch and hidden sizes must be > 0)"
        )));
    }
    if ws != [dirs, g * hidden, input] || rs != [dirs, g * hidden, hidden] {
        return Err(n.err(format!(
            "W {ws:?} and R {rs:?} must be [{dirs}, {}, {input}] and [{dirs}, {}, {hidden}] for \
             {direction} {} with hidden size {hidden} and input size {input}",
            g * hidden,
            g * hidden,
            n.op()
        )));
    }
    check_sequence_lens(n, seq, batch)?;
    let clip = match n.opt_float("clip")? {
        Some(c) if c.is_finite() && c > 0.0 => Some(c),
        Some(c) => return Err(n.attr_err("clip", format!("{c} must be a positive number"))),
        None => None,
    };
    let linear_before_reset = kind == Kind::Gru && n.int("linear_before_reset", 0)? != 0;
    let input_forget = kind == Kind::Lstm && n.int("input_forget", 0)? != 0;
    let acts = act::parse(n, &kind.default_acts(), dirs)?;
    let state_shape = if batch_first {
        [batch, dirs, hidden]
    } else {
        [dirs, batch, hidden]
    };
    let state_axis = usize::from(batch_first);
    let b = n.opt_input(3).cloned();
    if let Some(b) = &b {
        let s = l.shape(b);
        if s != [dirs, 2 * g * hidden] {
            return Err(n.err(format!(
                "B has shape {s:?}, expected [{dirs}, {}]",
                2 * g * hidden
            )));
        }
    }
    let h0 = n.opt_input(5).cloned();
    let c0 = if kind == Kind::Lstm {
        n.opt_input(6).cloned()
    } else {
        None
    };
    for (v, what) in [(&h0, "initial_h"), (&c0, "initial_c")] {
        if let Some(v) = v {
            let s = l.shape(v);
            if s != state_shape {
                return Err(n.err(format!(
                    "{what} has shape {s:?}, expected {state_shape:?} (layout {layout})"
                )));
            }
        }
    }
    let p = if kind == Kind::Lstm {
        n.opt_input(7).cloned()
    } else {
        None
    };
    if let Some(p) = &p {
        let s = l.shape(p);
        if s != [dirs, 3 * hidden] {
            return Err(n.err(format!(
                "P has shape {s:?}, expected [{dirs}, {}]",
                3 * hidden
            )));
        }
    }
    let spec = Spec {
        kind,
        hidden,
        batch,
        seq,
        clip,
        linear_before_reset,
        input_forget,
    };
    let per_dir = acts.len() / dirs;
    let mut outs = Vec::with_capacity(dirs);
    for d in 0..dirs {
        let tr = Op::Transpose { perm: vec![1, 0] };
        let wd = l.slice(&format!("d{d}/W"), &w, 0, d, 1, true)?;
        let wt = l.emit(&format!("d{d}/Wt"), tr.clone(), &[wd])?;
        let rd = l.slice(&format!("d{d}/R"), &r, 0, d, 1, true)?;
        let rt = l.emit(&format!("d{d}/Rt"), tr, &[rd])?;
        let (wb, rb) = match &b {
            Some(b) => {
                let bd = l.slice(&format!("d{d}/B"), b, 0, d, 1, true)?;
                let gh = g * hidden;
                let wb = l.slice(&format!("d{d}/Wb"), &bd, 0, 0, gh, false)?;
                let rb = l.slice(&format!("d{d}/Rb"), &bd, 0, gh, gh, false)?;
                (Some(wb), Some(rb))
            }
            None => (None, None),
        };
        let p = match &p {
            Some(p) => {
                let pd = l.slice(&format!("d{d}/P"), p, 0, d, 1, true)?;
                let mut part = |k: usize, nm: &str| {
                    l.slice(&format!("d{d}/P{nm}"), &pd, 0, k * hidden, hidden, false)
                };
                Some([part(0, "i")?, part(1, "o")?, part(2, "f")?])
            }
            None => None,
        };
        let h0 = match &h0 {
            Some(v) => Some(l.slice(&format!("d{d}/h0"), v, state_axis, d, 1, true)?),
            None => None,
        };
        let c0 = match &c0 {
            Some(v) => Some(l.slice(&format!("d{d}/c0"), v, state_axis, d, 1, true)?),
            None => None,
        };
        let reverse = direction == "reverse" || d == 1;
        let params = DirParams {
            wt,
            rt,
            wb,
            rb,
            p,
            h0,
            c0,
            acts: acts[d * per_dir..(d + 1) * per_dir].to_vec(),
            reverse,
        };
        outs.push(cells::run_direction(
            &mut l,
            &spec,
            &x,
            batch_first,
            d,
            &params,
        )?);
    }
    assemble(&mut l, &spec, batch_first, &outs)
}

/// `sequence_lens`, when given, must be a constant equal to the sequence
/// length for every batch entry (no padded sequences).
fn check_sequence_lens(n: &NodeCtx, seq: usize, batch: usize) -> Result<(), OnnxError> {
    let Some(k) = n.const_input(4, "sequence_lens")? else {
        return Ok(());
    };
    let v = k.to_i64();
    if v.len() != batch {
        return Err(n.err(format!(
            "sequence_lens has {} entries for batch size {batch}",
            v.len()
        )));
    }
    if v.iter().any(|&s| s != seq as i64) {
        return Err(n.err(format!(
            "sequence_lens {v:?} differ from the sequence length {seq}: sequences of different \
             lengths (padded batches) are not supported; run each sequence unpadded"
        )));
    }
    Ok(())
}

/// Stacks the directions' states into `Y`, `Y_h` and `Y_c` as ONNX lays
/// them out, each the node's output value.
fn assemble(
    l: &mut Lower,
    spec: &Spec,
    batch_first: bool,
    outs: &[DirOut],
) -> Result<Vec<Val>, OnnxError> {
    let (b, h) = (spec.batch, spec.hidden);
    let n = l.n;
    let (y_name, yh_name, yc_name) = (n.out(0), n.out(1), n.out(2));
    // Y: [seq, dirs, batch, H] or [batch, seq, dirs, H].
    let (piece, dir_axis, seq_axis) = if batch_first {
        (vec![b, 1, 1, h], 2, 1)
    } else {
        (vec![1, 1, b, h], 1, 0)
    };
    let mut steps = Vec::with_capacity(spec.seq);
    for t in 0..spec.seq {
        let mut per_dir = Vec::with_capacity(outs.len());
        for (d, o) in outs.iter().enumerate() {
            let r = Op::Reshape {
                shape: piece.clone(),
            };
            per_dir.push(l.emit(&format!("Y/d{d}/t{t}"), r, &[o.hs[t].clone()])?);
        }
        steps.push(concat(l, &format!("Y/t{t}"), per_dir, dir_axis, "")?);
    }
    let y = concat(l, "Y", steps, seq_axis, y_name)?;
    // Y_h, Y_c: [dirs, batch, H] or [batch, dirs, H].
    let (piece, axis) = if batch_first {
        (vec![b, 1, h], 1)
    } else {
        (vec![1, b, h], 0)
    };
    let finals = |l: &mut Lower, what: &str, vals: Vec<Val>, out: &str| {
        let parts = vals
            .into_iter()
            .enumerate()
            .map(|(d, v)| {
                let r = Op::Reshape {
                    shape: piece.clone(),
                };
                if outs.len() == 1 {
                    l.emit_as(what, r, &[v], out)
                } else {
                    l.emit(&format!("{what}/d{d}"), r, &[v])
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        concat(l, what, parts, axis, out)
    };
    let yh = finals(
        l,
        "Y_h",
        outs.iter().map(|o| o.h_last.clone()).collect(),
        yh_name,
    )?;
    let mut res = vec![y, yh];
    if spec.kind == Kind::Lstm {
        let cs: Option<Vec<Val>> = outs.iter().map(|o| o.c_last.clone()).collect();
        if let Some(cs) = cs {
            res.push(finals(l, "Y_c", cs, yc_name)?);
        }
    }
    Ok(res)
}

/// Concatenates `parts` along `axis` (a single part is returned as is).
fn concat(
    l: &mut Lower,
    tag: &str,
    mut parts: Vec<Val>,
    axis: usize,
    out: &str,
) -> Result<Val, OnnxError> {
    if parts.len() == 1 {
        return Ok(parts.remove(0));
    }
    l.emit_as(tag, Op::Concat { axis }, &parts, out)
}
