//! The model verifier (see the [module doc](super)). The model, layout and
//! generators come from the key; the proof supplies only messages.

use std::borrow::Cow;
use std::collections::HashMap;

use super::msg::{ModelProof, NodeProof};
use super::{absorb_statement, act_table, block_indicator, is_const, is_known, known_in, num_vars};
use super::{layout_shape, relu_table, table_of, Key};
use crate::error::{expect_len, malformed, reject, Error, Result};
use crate::field::{Field, Fr};
use crate::hyrax::{self, HyraxCommitment};
use crate::logup;
use crate::matmul::{self, MatMulDims};
use crate::mle::Mle;
use crate::transcript::Transcript;
use zkml_core::backend::PublicValues;
use zkml_core::ops::elementwise::align;
use zkml_core::quant::QValueKind;
use zkml_core::{ITensor, QGraph, QOp};

/// The values of known tensors, from the model and the public values.
pub(crate) fn known_values<'a>(
    q: &'a QGraph,
    public: &'a PublicValues,
    input_public: bool,
) -> Result<HashMap<usize, Cow<'a, [i64]>>> {
    let n_inputs = if input_public { q.inputs.len() } else { 0 };
    expect_len("public inputs", public.inputs.len(), n_inputs)?;
    expect_len("public outputs", public.outputs.len(), q.outputs.len())?;
    expect_len("revealed values", public.revealed.len(), 0)?;
    let mut known = HashMap::new();
    for (ids, vals) in [(&q.inputs, &public.inputs), (&q.outputs, &public.outputs)] {
        for (&id, v) in ids.iter().zip(vals) {
            expect_len(
                "public tensor",
                v.len(),
                q.values[id].shape.iter().product(),
            )?;
            if let Some(bad) = v.iter().find(|x| !q.range().contains(x)) {
                return Err(reject(
                    "public values lie in the activation range [−2^(act_bits−1), 2^(act_bits−1) − 1]",
                    format!("value `{}` has {bad}", q.values[id].name),
                ));
            }
            // A tensor that is both a model input and output: one value.
            if known
                .get(&id)
                .is_some_and(|p: &Cow<'_, [i64]>| p[..] != v[..])
            {
                return Err(reject(
                    "public output = the public input it is",
                    format!("value `{}`", q.values[id].name),
                ));
            }
            known.insert(id, Cow::Borrowed(&v[..]));
        }
    }
    for (id, v) in q.values.iter().enumerate() {
        if let QValueKind::Const(c) = &v.kind {
            // Borrowed (no copy of the weights) when the tensor is contiguous.
            let c: Cow<'a, [i64]> = match c.as_slice() {
                Some(s) => Cow::Borrowed(s),
                None => Cow::Owned(c.iter().copied().collect()),
            };
            // A model output that is a constant: no node's relation ties its
            // public values to anything, so they must equal the key's.
            if let Some(p) = known.get(&id) {
                if *p != c {
                    return Err(reject(
                        "public output = the model's constant",
                        format!("value `{}`", v.name),
                    ));
                }
            }
            known.insert(id, c);
        }
    }
    // Reshapes of known values: computed here (a public output among them
    // must equal the computed values).
    for node in &q.nodes {
        if matches!(node.op, QOp::Reshape { .. }) && known_in(q, input_public, node.inputs[0]) {
            let v = known
                .get(&node.inputs[0])
                .cloned()
                .ok_or_else(|| malformed("known reshape input"))?;
            if let Some(p) = known.get(&node.output) {
                if *p != v {
                    return Err(reject(
                        "public output = reshape of a known tensor",
                        format!("value `{}`", q.values[node.output].name),
                    ));
                }
            }
            known.insert(node.output, v);
        }
    }
    Ok(known)
}

/// Checks `proof` against `public` for the key's model.
pub fn verify(key: &Key, public: &PublicValues, proof: &ModelProof) -> Result<()> {
    let q = &key.q;
    let known = known_values(q, public, true)?;
    let mut t = Transcript::new(b"zkml-sumcheck/model");
    absorb_statement(&mut t, key, public);

    super::walk::absorb_commitments(
        q,
        (&proof.commitments, &proof.remainders),
        proof.nodes.len(),
        |id| is_known(q, id),
        &mut t,
    )?;

    // (commitment, num_vars, point, value) per claim on a committed table.
    let mut open: Vec<(&HyraxCommitment, usize, Vec<Fr>, Fr)> = vec![];
    let mut tables: HashMap<usize, Mle> = HashMap::new();
    let mut claim = |id: usize, point: Vec<Fr>, value: Fr, open: &mut Vec<_>| -> Result<()> {
        let shape = &layout_shape(q, id);
        match (&proof.commitments[id], known.get(&id)) {
            (Some(c), _) => open.push((c, num_vars(shape), point, value)),
            (None, Some(v)) => {
                let tab = match tables.entry(id) {
                    std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                    std::collections::hash_map::Entry::Vacant(e) => e.insert(table_of(shape, v)?),
                };
                if tab.evaluate(&point)? != value {
                    return Err(reject(
                        "known tensor evaluation",
                        format!("value `{}`", q.values[id].name),
                    ));
                }
            }
            (None, None) => return Err(malformed("value commitment presence")),
        }
        Ok(())
    };

    for (i, (node, np)) in q.nodes.iter().zip(&proof.nodes).enumerate() {
        let out = node.output;
        let out_shape = &q.values[out].shape;
        let nv_out = num_vars(out_shape);
        match (&node.op, np) {
            (
                op,
                NodeProof::MatMul {
                    y_eval,
                    r_eval,
                    matmul: mm,
                    r_range,
                    y_range,
                }
                | NodeProof::Conv {
                    y_eval,
                    r_eval,
                    matmul: mm,
                    r_range,
                    y_range,
                    ..
                },
            ) if super::proved_as_sum(q, true, i) => {
                if matches!(op, QOp::Conv { .. }) != matches!(np, NodeProof::Conv { .. }) {
                    return Err(malformed("conv weight sumcheck (Conv nodes only)"));
                }
                let d = super::divisor(q, i);
                let x = node.inputs[0];
                let rho = t.challenges(b"model/rho", nv_out);
                t.absorb_scalar(b"model/y_eval", y_eval);
                // d·ỹ(ρ) + r̃(ρ), the rounding constant left to each op.
                let base = match (d, r_eval, &proof.remainders[i]) {
                    (None, None, None) => *y_eval,
                    (Some(d), Some(r), Some(_)) => {
                        t.absorb_scalar(b"model/r_eval", r);
                        Fr::from(d) * y_eval + r
                    }
                    _ => return Err(malformed("rescale remainder evaluation")),
                };
                let half = Fr::from(d.unwrap_or(0) / 2);
                // Every op's first claims: the output and the remainder at ρ.
                claim(out, rho.clone(), *y_eval, &mut open)?;
                if let (Some(r), Some(rc_)) = (r_eval, &proof.remainders[i]) {
                    open.push((rc_, nv_out, rho.clone(), *r));
                }
                if matches!(node.op, QOp::Mul { .. }) {
                    // Σ_x a(x)·b(x)·eq(ρ, x) = 2^s·ỹ(ρ) + r̃(ρ) − 2^{s−1}·Ĩ(ρ) (super::product).
                    let (rows, cols) = super::layout(out_shape);
                    let target = base - half * block_indicator(rows, cols, &rho);
                    let sub = crate::sumcheck::verify(nv_out, 3, &target, &mm.sumcheck, &mut t)?;
                    let evals = [mm.a_eval, mm.b_eval];
                    let mut consistent = true;
                    for (k, e) in evals.iter().enumerate() {
                        if let Some(c) = super::product::const_operand(q, i, k)? {
                            consistent &= c.evaluate(&sub.point)? == *e;
                        }
                    }
                    let eq = crate::mle::eq_eval(&rho, &sub.point)
                        .ok_or_else(|| malformed("mul point length"))?;
                    if !consistent || sub.value != mm.a_eval * mm.b_eval * eq {
                        return Err(reject(
                            "mul final claim: g_last(r_last) = ã(r)·b̃(r)·eq(ρ, r)",
                            format!("node `{}`", node.name),
                        ));
                    }
                    t.absorb_scalar(b"matmul/a_eval", &mm.a_eval);
                    t.absorb_scalar(b"matmul/b_eval", &mm.b_eval);
                    for (k, &a) in node.inputs.iter().enumerate() {
                        if !is_const(q, a) {
                            claim(a, sub.point.clone(), evals[k], &mut open)?;
                        }
                    }
                } else if let (QOp::Conv { .. }, NodeProof::Conv { weights, .. }) = (op, np) {
                    // Σ_a x(a)·G_ρ(a) = 2^s·ỹ(ρ) + r̃(ρ) − Σ_o eq(ρ,o)(b[m(o)] + 2^{s−1}),
                    // then b_eval = G̃_ρ(r) by the weight sumcheck (crate::conv::weights).
                    let c = super::conv_parts(q, i)?;
                    let offset = c.geom.offset(c.bias.as_deref(), c.half, &rho)?;
                    let nv_x = num_vars(&q.values[x].shape);
                    let sub =
                        crate::sumcheck::verify(nv_x, 2, &(base - offset), &mm.sumcheck, &mut t)?;
                    if sub.value != mm.a_eval * mm.b_eval {
                        return Err(reject(
                            "conv final claim: g_last(r_last) = x̃(r)·G̃_ρ(r)",
                            format!("node `{}`", node.name),
                        ));
                    }
                    t.absorb_scalar(b"matmul/a_eval", &mm.a_eval);
                    t.absorb_scalar(b"matmul/b_eval", &mm.b_eval);
                    let pts = (&rho[..], &sub.point[..]);
                    crate::conv::weights::verify(
                        &c.geom,
                        pts,
                        &mm.b_eval,
                        Some(&c.w),
                        weights,
                        &mut t,
                    )
                    .map_err(|e| crate::conv::weights::verifier::in_node(e, &node.name))?;
                    claim(x, sub.point, mm.a_eval, &mut open)?;
                } else if !matches!(node.op, QOp::MatMul { .. }) {
                    // Σ_a x(a)·G_ρ(a) = 2^s·ỹ(ρ) + r̃(ρ) − Σ_o eq(ρ,o)(b[m(o)] + 2^{s−1}).
                    let (g, offset) = super::dual_at(q, i, &rho)?;
                    let g = Mle::new(g)?;
                    let sub = crate::sumcheck::verify(
                        g.num_vars,
                        2,
                        &(base - offset),
                        &mm.sumcheck,
                        &mut t,
                    )?;
                    let g_eval = g.evaluate(&sub.point)?;
                    if mm.b_eval != g_eval || sub.value != mm.a_eval * g_eval {
                        return Err(reject(
                            "conv final claim: g_last(r_last) = x̃(r)·G̃_ρ(r)",
                            format!("node `{}`", node.name),
                        ));
                    }
                    t.absorb_scalar(b"matmul/a_eval", &mm.a_eval);
                    t.absorb_scalar(b"matmul/b_eval", &mm.b_eval);
                    claim(x, sub.point, mm.a_eval, &mut open)?;
                } else {
                    let w = node.inputs[1];
                    let dims = MatMulDims::of(&q.values[x].shape, &q.values[w].shape)?;
                    let (rc, rr) = rho.split_at(dims.col_vars());
                    let target = base - half * block_indicator(dims.m, dims.n, &rho);
                    let mc = matmul::verify(dims, rr, rc, &target, mm, &mut t)?;
                    claim(x, mc.a_point, mc.a_value, &mut open)?;
                    claim(w, mc.b_point, mc.b_value, &mut open)?;
                }
                match (r_range, &proof.remainders[i]) {
                    (Some(p), Some(rc_)) => {
                        let table = logup::range_table(0, d.unwrap_or(1) as i64 - 1);
                        let c = logup::verify(&key.gens, &table, nv_out, p, &mut t)?;
                        open.push((rc_, nv_out, c.point, c.value));
                    }
                    (None, None) => {}
                    _ => return Err(malformed("matmul remainder range proof")),
                }
                match (y_range, !super::y_range_needed(q, true, out)) {
                    (Some(p), false) => {
                        let c = logup::verify(&key.gens, &act_table(q), nv_out, p, &mut t)?;
                        claim(out, c.point, c.value, &mut open)?;
                    }
                    (None, true) => {}
                    _ => return Err(malformed("matmul output range proof")),
                }
            }
            (
                QOp::Add { align: al } | QOp::Sub { align: al },
                NodeProof::Linear {
                    out_eval,
                    operand_evals,
                },
            ) => {
                let sign = if matches!(node.op, QOp::Sub { .. }) {
                    -Fr::ONE
                } else {
                    Fr::ONE
                };
                let rho = t.challenges(b"model/rho", nv_out);
                let n_act = node.inputs.iter().filter(|&&a| !is_const(q, a)).count();
                expect_len("linear operand evaluations", operand_evals.len(), n_act)?;
                t.absorb_scalar(b"model/out_eval", out_eval);
                t.absorb_scalars(b"model/operand_evals", operand_evals);
                claim(out, rho.clone(), *out_eval, &mut open)?;
                let mut acts = operand_evals.iter();
                let mut sum = Fr::ZERO;
                for (k, &a) in node.inputs.iter().enumerate() {
                    let coeff = if k == 0 { Fr::ONE } else { sign };
                    if let QValueKind::Const(c) = &q.values[a].kind {
                        let v = aligned_broadcast(c, al[k], out_shape).ok_or_else(|| {
                            Error::Invalid(format!(
                                "node `{}`: constant does not broadcast",
                                node.name
                            ))
                        })?;
                        sum += coeff * table_of(out_shape, &v)?.evaluate(&rho)?;
                    } else {
                        // align ≥ 0 and same shape: checked at setup.
                        let e = *acts.next().ok_or_else(|| malformed("linear operand"))?;
                        sum += coeff * Fr::from(1u64 << al[k].max(0)) * e;
                        claim(a, rho.clone(), e, &mut open)?;
                    }
                }
                if sum != *out_eval {
                    return Err(reject(
                        "linear node: õ(ρ) = Σ ±2^k·ã(ρ)",
                        format!("node `{}`", node.name),
                    ));
                }
            }
            (
                QOp::MaxPool(_),
                NodeProof::MaxPool {
                    y_eval,
                    d_eval,
                    s_eval,
                    gather,
                    lookup,
                    lookup_evals,
                },
            ) => {
                use super::maxpool as mp;
                let x = node.inputs[0];
                let rc_ = proof.remainders[i]
                    .as_ref()
                    .ok_or_else(|| malformed("maxpool table commitment"))?;
                let nv_aux = super::aux_vars(q, i)?;
                let rho = t.challenges(b"model/rho", nv_out);
                let sigma = t.challenges(b"maxpool/sigma", nv_aux - nv_out - 1);
                let (pd, ps) = mp::claim_points(&rho, &sigma);
                t.absorb_scalars(b"maxpool/evals", &[*y_eval, *d_eval, *s_eval]);
                let (rows, cols) = super::layout(out_shape);
                if mp::slot_count(q, i)? * s_eval != block_indicator(rows, cols, &rho) {
                    return Err(reject(
                        "maxpool: one selected slot per output, 2^kv·R̃(ρ, ½, 1) = Ĩ(ρ)",
                        format!("node `{}`", node.name),
                    ));
                }
                let g = Mle::new(mp::gather_table(q, i, &rho, &sigma)?)?;
                let sub = crate::sumcheck::verify(
                    g.num_vars,
                    2,
                    &(*y_eval - d_eval),
                    &gather.sumcheck,
                    &mut t,
                )?;
                let g_eval = g.evaluate(&sub.point)?;
                if gather.b_eval != g_eval || sub.value != gather.a_eval * g_eval {
                    return Err(reject(
                        "maxpool gather final claim: g_last(r_last) = x̃(r)·G̃(r)",
                        format!("node `{}`", node.name),
                    ));
                }
                t.absorb_scalar(b"matmul/a_eval", &gather.a_eval);
                t.absorb_scalar(b"matmul/b_eval", &gather.b_eval);
                claim(out, rho.clone(), *y_eval, &mut open)?;
                open.push((rc_, nv_aux, pd, *d_eval));
                open.push((rc_, nv_aux, ps, *s_eval));
                claim(x, sub.point, gather.a_eval, &mut open)?;
                let gamma = t.challenge(b"maxpool/gamma");
                let c = logup::verify(
                    &key.gens,
                    &mp::lookup_table(q, gamma),
                    nv_aux - 1,
                    lookup,
                    &mut t,
                )?;
                if c.value != lookup_evals[0] + gamma * lookup_evals[1] {
                    return Err(reject(
                        "maxpool lookup column: w̃ = d̃ + γ·s̃",
                        format!("node `{}`", node.name),
                    ));
                }
                t.absorb_scalars(b"maxpool/lookup_evals", lookup_evals);
                open.push((rc_, nv_aux, mp::lift(&c.point, Fr::ZERO), lookup_evals[0]));
                open.push((rc_, nv_aux, mp::lift(&c.point, Fr::ONE), lookup_evals[1]));
            }
            (QOp::Reshape { .. }, NodeProof::Derived) if is_known(q, node.inputs[0]) => {}
            (
                QOp::Reshape { .. },
                NodeProof::Linear {
                    out_eval,
                    operand_evals,
                },
            ) if !is_known(q, node.inputs[0]) && !super::gathers(q, true, i) => {
                let rho = t.challenges(b"model/rho", nv_out);
                expect_len("reshape operand evaluations", operand_evals.len(), 1)?;
                t.absorb_scalar(b"model/out_eval", out_eval);
                t.absorb_scalars(b"model/operand_evals", operand_evals);
                claim(out, rho.clone(), *out_eval, &mut open)?;
                claim(node.inputs[0], rho, operand_evals[0], &mut open)?;
                if operand_evals[0] != *out_eval {
                    return Err(reject(
                        "reshape with unchanged layout: õ(ρ) = ã(ρ)",
                        format!("node `{}`", node.name),
                    ));
                }
            }
            (
                QOp::Relu | QOp::Clip { .. } | QOp::Table { .. },
                NodeProof::Relu {
                    lookup,
                    a_eval,
                    o_eval,
                },
            ) => {
                let a = node.inputs[0];
                let gamma = t.challenge(b"model/gamma");
                let c = logup::verify(
                    &key.gens,
                    &relu_table(q, &node.op, gamma),
                    nv_out,
                    lookup,
                    &mut t,
                )?;
                let public = super::fn_public(&node.op, &q.values[out].shape, gamma, &c.point);
                if c.value != *a_eval + gamma * o_eval + public {
                    return Err(reject(
                        "elementwise lookup column: w̃ = ã + γ·õ (+ γ²·Ĩ)",
                        format!("node `{}`", node.name),
                    ));
                }
                t.absorb_scalars(b"model/relu_evals", &[*a_eval, *o_eval]);
                claim(a, c.point.clone(), *a_eval, &mut open)?;
                claim(out, c.point, *o_eval, &mut open)?;
            }
            (
                QOp::Softmax { .. },
                NodeProof::Softmax {
                    evals,
                    product,
                    lookups,
                    pair_evals,
                },
            ) => {
                let rc_ = proof.remainders[i]
                    .as_ref()
                    .ok_or_else(|| malformed("softmax table commitment"))?;
                let parts = (&evals[..], product, &lookups[..], &pair_evals[..]);
                for (tg, point, v) in super::softmax_proof::verify(key, i, parts, &mut t)? {
                    match tg {
                        Ok(id) => claim(id, point, v, &mut open)?,
                        Err(_) => open.push((rc_, super::aux_vars(q, i)?, point, v)),
                    }
                }
            }
            (op, _) => {
                return Err(Error::Rejected {
                    check: "node proof kind matches the model's op",
                    detail: format!("node `{}` ({})", node.name, op.name()),
                })
            }
        }
    }

    expect_len("hyrax openings", proof.openings.len(), open.len())?;
    for ((comm, nv, point, value), p) in open.iter().zip(&proof.openings) {
        hyrax::verify_public_eval(&key.gens, comm, *nv, point, value, p, &mut t)?;
    }
    Ok(())
}

/// `align(c, k)` broadcast to `shape`, row-major; `None` if it does not broadcast.
pub(crate) fn aligned_broadcast(c: &ITensor, k: i32, shape: &[usize]) -> Option<Vec<i64>> {
    let a = c.mapv(|v| align(v, k));
    Some(
        a.broadcast(ndarray::IxDyn(shape))?
            .iter()
            .copied()
            .collect(),
    )
}
