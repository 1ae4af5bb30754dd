//! Einsum (opset 12+), lowered to the IR's ReduceSum, Transpose, Reshape and
//! MatMul — the contractions attention and linear layers are written with:
//! `bhid,bhjd->bhij` (scores), `bhij,bhjd->bhid` (weighted values),
//! `bid,jd->bij` (a linear layer), `ij,jk->ik`, batch matmuls, `ij->ji`,
//! `ij->i`, inner and outer products; implicit outputs (no `->`: the letters
//! used once, sorted) and `...` for leading dimensions.
//!
//! Two operands `A`, `B`: each letter is a **batch** letter (in `A`, `B` and
//! the output), **contracted** (in `A` and `B` only), **kept** (in one operand
//! and the output) or **summed** (in one operand only). Summed letters are
//! reduced first (ReduceSum); then
//!
//! ```text
//! A → [batch…, keptA…, contracted…] → reshape [batch…, M, K]
//! B → [batch…, contracted…, keptB…] → reshape [batch…, K, N]
//! MatMul → [batch…, M, N] → reshape [batch…, keptA…, keptB…] → output order
//! ```
//!
//! One operand: ReduceSum over the letters not in the output, then a
//! Transpose into the output order. Identity transposes and reshapes are not
//! emitted. Refused, with the equation named: a letter repeated within one
//! operand (a diagonal), more than two operands, an output letter no operand
//! has, and letters whose sizes disagree.

use zkml_core::Op;

use crate::error::OnnxError;
use crate::loader::{Ctx, Val};
use crate::ops::NodeCtx;

/// One operand's letters (ellipsis expanded) and the output's.
struct Spec {
    inputs: Vec<Vec<char>>,
    output: Vec<char>,
}

/// Einsum.
pub fn einsum(ctx: &mut Ctx, n: &NodeCtx) -> Result<Vec<Val>, OnnxError> {
    let eq = n
        .string("equation")?
        .ok_or_else(|| n.attr_err("equation", "missing (Einsum needs an equation)"))?;
    let xs: Vec<Val> = (0..n.proto.input.len())
        .map(|i| n.input(i).cloned())
        .collect::<Result<_, _>>()?;
    let refuse = |why: String| n.err(format!("equation `{eq}`: {why}"));
    if xs.is_empty() || xs.len() > 2 {
        return Err(refuse(format!(
            "{} operands; zkml lowers one- and two-operand equations only",
            xs.len()
        )));
    }
    let shapes: Vec<Vec<usize>> = xs.iter().map(|x| ctx.shape(x)).collect();
    let spec = parse(&eq, &shapes).map_err(refuse)?;
    // Every letter's size, checked across operands.
    let mut size = std::collections::BTreeMap::new();
    for (letters, shape) in spec.inputs.iter().zip(&shapes) {
        for (&c, &d) in letters.iter().zip(shape) {
            if let Some(&prev) = size.get(&c) {
                if prev != d {
                    return Err(refuse(format!(
                        "`{c}` has size {prev} in one operand and {d} in another"
                    )));
                }
            }
            size.insert(c, d);
        }
    }
    let dims = |ls: &[char]| -> Vec<usize> { ls.iter().map(|c| size[c]).collect() };
    let out_dims = dims(&spec.output);
    let mut l = Lower { ctx, n, k: 0 };

    // Sum each operand's letters that no other operand and not the output has.
    let mut ops: Vec<(Val, Vec<char>)> = vec![];
    for (i, (x, letters)) in xs.into_iter().zip(&spec.inputs).enumerate() {
        let elsewhere = |c: char| {
            spec.output.contains(&c)
                || spec
                    .inputs
                    .iter()
                    .enumerate()
                    .any(|(j, o)| j != i && o.contains(&c))
        };
        let axes: Vec<usize> = (0..letters.len())
            .filter(|&a| !elsewhere(letters[a]))
            .collect();
        let kept: Vec<char> = letters.iter().copied().filter(|&c| elsewhere(c)).collect();
        let x = if axes.is_empty() {
            x
        } else {
            l.emit(
                Op::ReduceSum {
                    axes,
                    keepdims: false,
                },
                &[x],
                "sum",
            )?
        };
        ops.push((x, kept));
    }

    let (y, letters) = if ops.len() == 1 {
        ops.pop().unwrap_or_else(|| unreachable!())
    } else {
        let (b, lb) = ops.pop().unwrap_or_else(|| unreachable!());
        let (a, la) = ops.pop().unwrap_or_else(|| unreachable!());
        let in_out = |c: &char| spec.output.contains(c);
        let batch: Vec<char> = la
            .iter()
            .copied()
            .filter(|c| lb.contains(c) && in_out(c))
            .collect();
        let contracted: Vec<char> = la
            .iter()
            .copied()
            .filter(|c| lb.contains(c) && !in_out(c))
            .collect();
        let kept_a: Vec<char> = la.iter().copied().filter(|c| !lb.contains(c)).collect();
        let kept_b: Vec<char> = lb.iter().copied().filter(|c| !la.contains(c)).collect();
        let m: usize = dims(&kept_a).iter().product();
        let k: usize = dims(&contracted).iter().product();
        let nn: usize = dims(&kept_b).iter().product();
        let bd = dims(&batch);
        let order_a = [batch.clone(), kept_a.clone(), contracted.clone()].concat();
        let order_b = [batch.clone(), contracted.clone(), kept_b.clone()].concat();
        let a = l.arrange(a, &la, &order_a, [bd.clone(), vec![m, k]].concat())?;
        let b = l.arrange(b, &lb, &order_b, [bd.clone(), vec![k, nn]].concat())?;
        let y = l.emit(Op::MatMul, &[a, b], "matmul")?;
        let letters = [batch, kept_a, kept_b].concat();
        let y = l.reshape(y, dims(&letters))?;
        (y, letters)
    };
    let y = l.arrange(y, &letters, &spec.output, out_dims)?;
    Ok(vec![y])
}

/// Splits the equation into operand and output letters, expanding `...`
/// to fresh letters aligned from the right (numpy broadcasting rules: a
/// leading dimension only one operand has is a kept letter).
fn parse(eq: &str, shapes: &[Vec<usize>]) -> Result<Spec, String> {
    let eq: String = eq.chars().filter(|c| !c.is_whitespace()).collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (eq.as_str(), None),
    };
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != shapes.len() {
        return Err(format!(
            "{} operand terms for {} inputs",
            terms.len(),
            shapes.len()
        ));
    }
    let check = |t: &str| -> Result<(), String> {
        let rest = t.replacen("...", "", 1);
        match rest.chars().find(|c| !c.is_ascii_alphabetic()) {
            Some(c) => Err(format!("unexpected `{c}` in `{t}`")),
            None => Ok(()),
        }
    };
    // Fresh letters for ellipsis dimensions: non-ASCII, never in an equation.
    let fresh = |i: usize| char::from_u32(0x3b1 + i as u32).unwrap_or('?');
    let mut ell_rank = 0;
    let mut inputs = vec![];
    for (t, shape) in terms.iter().zip(shapes) {
        check(t)?;
        let letters: Vec<char> = if let Some((pre, post)) = t.split_once("...") {
            let named = pre.len() + post.len();
            let r = shape.len().checked_sub(named).ok_or_else(|| {
                format!(
                    "`{t}` names {named} dimensions of a rank-{} input",
                    shape.len()
                )
            })?;
            ell_rank = ell_rank.max(r);
            let ell = (0..r).map(|j| fresh(j + ell_rank - r));
            pre.chars().chain(ell).chain(post.chars()).collect()
        } else {
            if t.len() != shape.len() {
                return Err(format!(
                    "`{t}` names {} dimensions of a rank-{} input",
                    t.len(),
                    shape.len()
                ));
            }
            t.chars().collect()
        };
        for (i, c) in letters.iter().enumerate() {
            if letters[..i].contains(c) {
                return Err(format!(
                    "`{c}` repeats within `{t}` (a diagonal); zkml lowers contractions, \
                     transposes and sums only"
                ));
            }
        }
        inputs.push(letters);
    }
    // Ellipsis letters are fixed once the longest ellipsis is known.
    let ell: Vec<char> = (0..ell_rank).map(fresh).collect();
    let output: Vec<char> = match rhs {
        Some(r) => {
            check(r)?;
            let (pre, post) = r.split_once("...").unwrap_or((r, ""));
            let with_ell = r.contains("...");
            let out: Vec<char> = pre
                .chars()
                .chain(ell.iter().copied().filter(|_| with_ell))
                .chain(post.chars())
                .collect();
            for (i, c) in out.iter().enumerate() {
                if out[..i].contains(c) {
                    return Err(format!("`{c}` repeats in the output"));
                }
                if !inputs.iter().any(|l| l.contains(c)) {
                    return Err(format!("output letter `{c}` is in no operand"));
                }
            }
            out
        }
        None => {
            let mut once: Vec<char> = inputs
                .iter()
                .flatten()
                .copied()
                .filter(|c| c.is_ascii_alphabetic())
                .filter(|c| inputs.iter().flatten().filter(|d| *d == c).count() == 1)
                .collect();
            once.sort_unstable();
            ell.iter().copied().chain(once).collect()
        }
    };
    Ok(Spec { inputs, output })
}

/// Emits the lowering's nodes under the Einsum node's name.
struct Lower<'a, 'b> {
    ctx: &'a mut Ctx,
    n: &'a NodeCtx<'b>,
    k: usize,
}

impl Lower<'_, '_> {
    fn emit(&mut self, op: Op, xs: &[Val], what: &str) -> Result<Val, OnnxError> {
        self.k += 1;
        let tag = format!("{what}{}", self.k);
        self.ctx
            .emit(self.n.at(), &self.n.sub(&tag), op, xs, &self.n.tmp(&tag))
    }

    fn reshape(&mut self, x: Val, shape: Vec<usize>) -> Result<Val, OnnxError> {
        if self.ctx.shape(&x) == shape {
            return Ok(x);
        }
        self.emit(Op::Reshape { shape }, &[x], "reshape")
    }

    /// Transposes `x` (letters `from`) into the order `to`, then reshapes it to `shape`.
    fn arrange(
        &mut self,
        x: Val,
        from: &[char],
        to: &[char],
        shape: Vec<usize>,
    ) -> Result<Val, OnnxError> {
        let perm: Vec<usize> = to
            .iter()
            .map(|c| from.iter().position(|d| d == c).unwrap_or(0))
            .collect();
        let x = if perm.iter().enumerate().all(|(i, &p)| i == p) {
            x
        } else {
            self.emit(Op::Transpose { perm }, &[x], "transpose")?
        };
        self.reshape(x, shape)
    }
}
