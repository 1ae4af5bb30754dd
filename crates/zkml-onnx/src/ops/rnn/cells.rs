//! One direction of a recurrent layer, unrolled step by step (ONNX's
//! equations, gate orders `iofc` for LSTM and `zrh` for GRU).

use zkml_core::Op;

use super::{DirOut, DirParams, Kind, Lower, Spec};
use crate::error::OnnxError;
use crate::loader::Val;
use crate::tensor::Konst;

/// Runs direction `d` over the sequence `x` (`[seq, batch, input]`, or
/// `[batch, seq, input]` when `batch_first`).
pub fn run_direction(
    l: &mut Lower,
    spec: &Spec,
    x: &Val,
    batch_first: bool,
    d: usize,
    p: &DirParams,
) -> Result<DirOut, OnnxError> {
    let hsz = spec.hidden;
    let gru_lbr = spec.kind == Kind::Gru && spec.linear_before_reset;
    // Input projection of every step at once: x·Wᵀ + Wb (+ Rb, unless GRU
    // linear_before_reset keeps Rb with the recurrent product).
    let xw = l.emit(&format!("d{d}/xW"), Op::MatMul, &[x.clone(), p.wt.clone()])?;
    let xbias = match (&p.wb, &p.rb) {
        (Some(wb), Some(rb)) if !gru_lbr => {
            Some(l.emit(&format!("d{d}/bias"), Op::Add, &[wb.clone(), rb.clone()])?)
        }
        (wb, _) => wb.clone(),
    };
    let xw = l.add(&format!("d{d}/xWb"), xw, xbias)?;
    let hbias = if gru_lbr { p.rb.clone() } else { None };
    // GRU without linear_before_reset multiplies by R's z,r rows and its h
    // rows separately.
    let gru_split = if spec.kind == Kind::Gru && !gru_lbr {
        let zr = l.slice(&format!("d{d}/Rt_zr"), &p.rt, 1, 0, 2 * hsz, false)?;
        let hh = l.slice(&format!("d{d}/Rt_h"), &p.rt, 1, 2 * hsz, hsz, false)?;
        Some((zr, hh))
    } else {
        None
    };
    let seq_axis = usize::from(batch_first);
    let order: Vec<usize> = if p.reverse {
        (0..spec.seq).rev().collect()
    } else {
        (0..spec.seq).collect()
    };
    let mut h = p.h0.clone();
    let mut c = p.c0.clone();
    let mut hs: Vec<Option<Val>> = vec![None; spec.seq];
    for &t in &order {
        let pre = format!("d{d}/t{t}");
        let xt = l.slice(&format!("{pre}/x"), &xw, seq_axis, t, 1, true)?;
        let st = Step {
            l: &mut *l,
            spec,
            p,
            pre,
        };
        let (h_new, c_new) = match (spec.kind, &gru_split) {
            (Kind::Rnn, _) => (st.rnn(xt, h.take())?, None),
            (Kind::Lstm, _) => {
                let (h2, c2) = st.lstm(xt, h.take(), c.take())?;
                (h2, Some(c2))
            }
            (Kind::Gru, Some((rz, rh))) => (st.gru(xt, h.take(), rz, rh)?, None),
            (Kind::Gru, None) => (st.gru_lbr(xt, h.take(), hbias.clone())?, None),
        };
        hs[t] = Some(h_new.clone());
        h = Some(h_new);
        c = c_new;
    }
    let hs: Vec<Val> = hs.into_iter().flatten().collect();
    let h_last = h.ok_or_else(|| l.n.err("empty sequence"))?;
    Ok(DirOut {
        hs,
        h_last,
        c_last: c,
    })
}

/// One step's lowering context.
struct Step<'s, 'a, 'b> {
    l: &'s mut Lower<'a, 'b>,
    spec: &'s Spec,
    p: &'s DirParams,
    pre: String,
}

impl Step<'_, '_, '_> {
    fn tag(&self, s: &str) -> String {
        format!("{}/{s}", self.pre)
    }

    fn emit(&mut self, s: &str, op: Op, ins: &[Val]) -> Result<Val, OnnxError> {
        let tag = self.tag(s);
        self.l.emit(&tag, op, ins)
    }

    /// Columns `k·H .. (k+width)·H` of a `[batch, gates·H]` value.
    fn gate(&mut self, s: &str, v: &Val, k: usize, width: usize) -> Result<Val, OnnxError> {
        let tag = self.tag(s);
        let h = self.spec.hidden;
        self.l.slice(&tag, v, 1, k * h, width * h, false)
    }

    /// `h·Rᵀ` (with `bias`), or just the bias for a zero state.
    fn recur(
        &mut self,
        s: &str,
        h: Option<&Val>,
        rt: &Val,
        bias: Option<Val>,
    ) -> Result<Option<Val>, OnnxError> {
        let Some(h) = h else { return Ok(bias) };
        let hr = self.emit(s, Op::MatMul, &[h.clone(), rt.clone()])?;
        let tag = self.tag(&format!("{s}b"));
        Ok(Some(self.l.add(&tag, hr, bias)?))
    }

    /// Activation `i` of this direction on `x`, after the clip.
    fn act(&mut self, i: usize, s: &str, x: Val) -> Result<Val, OnnxError> {
        let x = match self.spec.clip {
            Some(c) => self.emit(&format!("{s}/clip"), Op::Clip { min: -c, max: c }, &[x])?,
            None => x,
        };
        let tag = self.tag(s);
        let act = self.p.acts[i].clone();
        act.apply(self.l, x, &tag, "")
    }

    /// `H = f(x·Wᵀ + H·Rᵀ + Wb + Rb)`.
    fn rnn(mut self, xt: Val, h: Option<Val>) -> Result<Val, OnnxError> {
        let rt = self.p.rt.clone();
        let hr = self.recur("hR", h.as_ref(), &rt, None)?;
        let tag = self.tag("pre");
        let pre = self.l.add(&tag, xt, hr)?;
        self.act(0, "H", pre)
    }

    /// LSTM: `C = f·C + i·c`, `H = o·h(C)`, gates `iofc`, peepholes `P`.
    fn lstm(mut self, xt: Val, h: Option<Val>, c: Option<Val>) -> Result<(Val, Val), OnnxError> {
        let rt = self.p.rt.clone();
        let hr = self.recur("hR", h.as_ref(), &rt, None)?;
        let tag = self.tag("gates");
        let gates = self.l.add(&tag, xt, hr)?;
        let mut i = self.gate("i_pre", &gates, 0, 1)?;
        let mut o = self.gate("o_pre", &gates, 1, 1)?;
        let mut f = self.gate("f_pre", &gates, 2, 1)?;
        let cc = self.gate("c_pre", &gates, 3, 1)?;
        let peep = self.p.p.clone();
        if let (Some([pi, _, pf]), Some(c)) = (&peep, &c) {
            let a = self.emit("i_peep", Op::Mul, &[c.clone(), pi.clone()])?;
            i = self.emit("i_peep_add", Op::Add, &[i, a])?;
            let a = self.emit("f_peep", Op::Mul, &[c.clone(), pf.clone()])?;
            f = self.emit("f_peep_add", Op::Add, &[f, a])?;
        }
        let i = self.act(0, "i", i)?;
        let cc = self.act(1, "c", cc)?;
        let ic = self.emit("i*c", Op::Mul, &[i.clone(), cc])?;
        let c_new = match c {
            Some(c) => {
                let f = if self.spec.input_forget {
                    // Coupled gates: `f = 1 − i` (its own pre-activation,
                    // peephole and clip unused, as in onnxruntime).
                    let one = Val::konst(Konst::scalar(1.0));
                    self.emit("f", Op::Sub, &[one, i])?
                } else {
                    self.act(0, "f", f)?
                };
                let fc = self.emit("f*C", Op::Mul, &[f, c])?;
                self.emit("C", Op::Add, &[fc, ic])?
            }
            // A zero cell state: the forget gate multiplies zero.
            None => ic,
        };
        if let Some([_, po, _]) = &peep {
            let a = self.emit("o_peep", Op::Mul, &[c_new.clone(), po.clone()])?;
            o = self.emit("o_peep_add", Op::Add, &[o, a])?;
        }
        let o = self.act(0, "o", o)?;
        let hc = self.act(2, "hC", c_new.clone())?;
        let h_new = self.emit("H", Op::Mul, &[o, hc])?;
        Ok((h_new, c_new))
    }

    /// `H = h + z·(H_prev − h)` from gates `z`, `r` and the candidate `h`.
    fn gru_out(&mut self, z: Val, hh: Val, h: Option<Val>) -> Result<Val, OnnxError> {
        match h {
            Some(h) => {
                let diff = self.emit("Hprev-h", Op::Sub, &[h, hh.clone()])?;
                let zd = self.emit("z*diff", Op::Mul, &[z, diff])?;
                self.emit("H", Op::Add, &[hh, zd])
            }
            None => {
                let zh = self.emit("z*h", Op::Mul, &[z, hh.clone()])?;
                self.emit("H", Op::Sub, &[hh, zh])
            }
        }
    }

    /// GRU, `linear_before_reset = 0`: `h = g(x·Whᵀ + (r·H)·Rhᵀ + Wbh + Rbh)`.
    fn gru(mut self, xt: Val, h: Option<Val>, rt_zr: &Val, rt_h: &Val) -> Result<Val, OnnxError> {
        let x_zr = self.gate("x_zr", &xt, 0, 2)?;
        let x_h = self.gate("x_h", &xt, 2, 1)?;
        let hr = self.recur("hR_zr", h.as_ref(), rt_zr, None)?;
        let tag = self.tag("zr_pre");
        let zr_pre = self.l.add(&tag, x_zr, hr)?;
        let zr = self.act(0, "zr", zr_pre)?;
        let z = self.gate("z", &zr, 0, 1)?;
        let r = self.gate("r", &zr, 1, 1)?;
        let rh = match &h {
            Some(h) => Some(self.emit("r*H", Op::Mul, &[r, h.clone()])?),
            None => None,
        };
        let rhr = self.recur("rH_R", rh.as_ref(), rt_h, None)?;
        let tag = self.tag("h_pre");
        let h_pre = self.l.add(&tag, x_h, rhr)?;
        let hh = self.act(1, "h", h_pre)?;
        self.gru_out(z, hh, h)
    }

    /// GRU, `linear_before_reset = 1`: `h = g(x·Whᵀ + Wbh + r·(H·Rhᵀ + Rbh))`.
    fn gru_lbr(mut self, xt: Val, h: Option<Val>, rb: Option<Val>) -> Result<Val, OnnxError> {
        let rt = self.p.rt.clone();
        let hr = self.recur("hR", h.as_ref(), &rt, rb)?;
        let x_zr = self.gate("x_zr", &xt, 0, 2)?;
        let x_h = self.gate("x_h", &xt, 2, 1)?;
        let (hr_zr, hr_h) = match &hr {
            Some(v) => {
                let tag = self.tag("hR_zr");
                let h2 = self.spec.hidden;
                // A bias-only (zero state) product is 1-D: slice its last axis.
                let axis = self.l.shape(v).len() - 1;
                let zr = self.l.slice(&tag, v, axis, 0, 2 * h2, false)?;
                let tag = self.tag("hR_h");
                let hh = self.l.slice(&tag, v, axis, 2 * h2, h2, false)?;
                (Some(zr), Some(hh))
            }
            None => (None, None),
        };
        let tag = self.tag("zr_pre");
        let zr_pre = self.l.add(&tag, x_zr, hr_zr)?;
        let zr = self.act(0, "zr", zr_pre)?;
        let z = self.gate("z", &zr, 0, 1)?;
        let r = self.gate("r", &zr, 1, 1)?;
        let h_pre = match hr_h {
            Some(v) => {
                let rv = self.emit("r*hR", Op::Mul, &[r, v])?;
                self.emit("h_pre", Op::Add, &[x_h, rv])?
            }
            None => x_h,
        };
        let hh = self.act(1, "h", h_pre)?;
        self.gru_out(z, hh, h)
    }
}
