//! Layout of the exact 0/1 and rounding ops: comparisons, logic, Where
//! ([`crate::gadgets::compare`]), Floor/Ceil/Round, Sign, Mod
//! ([`crate::gadgets::round`]). Bit for bit with `zkml_core::ops::{logic, round}`.
//!
//! Booleans: a cell is boolean *by construction* when a Compare or Logic
//! node computed it (its gadget forces 0/1); any other value read as a
//! boolean (a boolean graph input, calibrated like any other, so `true` is
//! `2^s`) is first made `[v ≠ 0]` by a two-row sign pair — the executor's
//! truthiness, exactly.

use ndarray::ArrayD;
use zkml_core::{
    ops::{elementwise, logic as core_logic, Cmp, Logic, RoundMode},
    quant::QValueKind,
    QOp,
};

use super::super::{unsupported, El, Walker};
use crate::error::Result;
use crate::gadgets::{
    arith::ArithInstructions,
    compare::{form_bits, CompareInstructions, Operand, Pair},
    round::RoundInstructions,
    Wire,
};

impl Walker<'_, '_> {
    /// The width of any cell a gadget here reads: activations, or private
    /// weights when those are wider.
    fn cell_bits(&self) -> u32 {
        let b = self.q.act_bits;
        if self.private_w {
            b.max(crate::commit::weight_bits(self.q))
        } else {
            b
        }
    }

    /// Whether value `id` is 0/1 by construction (a Compare or Logic output).
    fn is_boolean(&self, id: usize) -> bool {
        match self.q.values[id].kind {
            QValueKind::Node(j) => {
                matches!(self.q.nodes[j].op, QOp::Compare { .. } | QOp::Logic(_))
            }
            _ => false,
        }
    }

    /// Value `id` as boolean cells: `[v ≠ 0]`, computed only where it is not
    /// boolean by construction.
    fn boolean_cells(&mut self, id: usize) -> Result<ArrayD<Wire>> {
        let bits = self.cell_bits();
        if let Some(t) = self.konst(id).cloned() {
            return Ok(t.mapv(|c| self.b.constant((c != 0) as i128)));
        }
        let w = self.wires(id)?;
        if self.is_boolean(id) {
            return Ok(w);
        }
        let k = form_bits(&[1], 0, bits);
        Ok(w.mapv(|w| self.b.sign_pair(&[(w, 1)], 0, k, Pair::NonZero)))
    }

    /// Compare: the sign bit of `A − B` (or `B − A`) at the common scale; Equal
    /// from both sign bits.
    pub(super) fn lay_compare(
        &mut self,
        ni: usize,
        cmp: Cmp,
        align: [i32; 2],
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        if align.iter().any(|&k| !(0..=62).contains(&k)) {
            return Err(unsupported(q, ni, format!("alignment shifts {align:?}")));
        }
        let a = self.operand(x[0])?;
        let bb = self.operand(x[1])?;
        let bits = self.cell_bits();
        let pairs = elementwise::zip_broadcast(&a, &bb, |u, v| (u, v));
        Ok(pairs.mapv(|(u, v)| {
            // L = A − B for Less, GreaterOrEqual, Equal; B − A for Greater, LessOrEqual.
            let sign = if matches!(cmp, Cmp::Greater | Cmp::LessOrEqual) {
                -1
            } else {
                1
            };
            let mut terms = vec![];
            let mut c = 0i128;
            for (e, k, s) in [(u, align[0], sign), (v, align[1], -sign)] {
                match e {
                    El::W(w) => terms.push((w, s << k)),
                    El::C(v) => c += s * ((v as i128) << k),
                }
            }
            if terms.is_empty() {
                let holds = match cmp {
                    Cmp::Equal => c == 0,
                    Cmp::Less | Cmp::Greater => c < 0,
                    Cmp::LessOrEqual | Cmp::GreaterOrEqual => c >= 0,
                };
                return self.b.constant(holds as i128);
            }
            let weights: Vec<i128> = terms.iter().map(|t| t.1).collect();
            let k = form_bits(&weights, c, bits);
            match cmp {
                Cmp::Equal => self.b.sign_pair(&terms, c, k, Pair::IsZero),
                Cmp::Less | Cmp::Greater => self.b.lt_zero(&terms, c, k, false),
                Cmp::LessOrEqual | Cmp::GreaterOrEqual => self.b.lt_zero(&terms, c, k, true),
            }
        }))
    }

    /// Logic: one product row per element on boolean cells.
    pub(super) fn lay_logic(&mut self, ni: usize, op: Logic) -> Result<ArrayD<Wire>> {
        let x = &self.q.nodes[ni].inputs;
        let a = self.boolean_cells(x[0])?;
        if op == Logic::Not {
            return Ok(a.mapv(|w| self.b.logic(op, &w, &w)));
        }
        let bb = self.boolean_cells(x[1])?;
        let pairs = elementwise::zip_broadcast(&a, &bb, |u, v| (u, v));
        Ok(pairs.mapv(|(u, v)| self.b.logic(op, &u, &v)))
    }

    /// Where: `B + c·(A − B)` on a boolean condition, operands aligned as for Add.
    pub(super) fn lay_where(&mut self, ni: usize, align: [i32; 2]) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        if align.iter().any(|&k| k > 62) {
            return Err(unsupported(q, ni, format!("alignment shifts {align:?}")));
        }
        let c = self.boolean_cells(x[0])?;
        let a = self.operand(x[1])?;
        let bb = self.operand(x[2])?;
        let triples = core_logic::zip3_broadcast(&c, &a, &bb, |c, a, b| (c, a, b));
        Ok(triples.mapv(|(c, a, b)| {
            let mut side = |e: El, k: i32| match e {
                El::W(w) if k >= 0 => Operand::Cell(w, 1i128 << k),
                El::W(w) => {
                    let (w, _) = self.aligned_term(w, k, 1);
                    Operand::Cell(w, 1)
                }
                El::C(v) => Operand::Const(elementwise::align(v, k) as i128),
            };
            let (a, b) = (side(a, align[0]), side(b, align[1]));
            self.b.select_by(&c, a, b)
        }))
    }

    /// Floor / Ceil / Round at the input's scale (identity at scale ≤ 0).
    pub(super) fn lay_round(
        &mut self,
        ni: usize,
        mode: RoundMode,
        scale: i32,
    ) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let w = self.wires(x[0])?;
        if scale <= 0 {
            return Ok(w);
        }
        if scale as u32 + 2 > q.act_bits {
            return Err(unsupported(
                q,
                ni,
                format!(
                    "{} at scale 2^-{scale} needs at least {} activation bits, the model has {}",
                    mode.name(),
                    scale + 2,
                    q.act_bits
                ),
            ));
        }
        Ok(w.mapv(|w| self.b.round_to(&w, mode, scale as u32)))
    }

    /// Sign: both sign bits of the input.
    pub(super) fn lay_sign(&mut self, ni: usize) -> Result<ArrayD<Wire>> {
        let x = &self.q.nodes[ni].inputs;
        let k = form_bits(&[1], 0, self.cell_bits());
        Ok(self
            .wires(x[0])?
            .mapv(|w| self.b.sign_pair(&[(w, 1)], 0, k, Pair::Sign)))
    }

    /// Mod by the constant divisor tensor (broadcasting).
    pub(super) fn lay_mod(&mut self, ni: usize, fmod: bool) -> Result<ArrayD<Wire>> {
        let q = self.q;
        let x = &q.nodes[ni].inputs;
        let Some(d) = self.konst(x[1]).cloned() else {
            return Err(unsupported(
                q,
                ni,
                "the divisor must be a fixed constant (with private or committed weights it is \
                 a witness, which the Mod gadget does not take)",
            ));
        };
        let w = self.wires(x[0])?;
        let pairs = elementwise::zip_broadcast(&w, &d, |u, v| (u, v));
        Ok(pairs.mapv(|(w, d)| self.b.modulo(&w, d as i128, fmod)))
    }
}
