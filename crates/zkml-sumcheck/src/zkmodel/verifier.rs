//! The zero-knowledge model verifier (see the [module doc](super)).

use std::collections::HashMap;

use super::msg::{ZkModelProof, ZkNodeProof};
use crate::error::{expect_len, reject, Error, Result};
use crate::field::{Curve, Field, Fr, G1Affine, G1};
use crate::hyrax::{self, HyraxCommitment};
use crate::logup;
use crate::matmul::{self, MatMulDims};
use crate::mle::Mle;
use crate::model::verifier::{aligned_broadcast, known_values};
use crate::model::{absorb_statement, act_table, block_indicator, is_const, known_in, num_vars};
use crate::model::{fn_public, layout_shape, relu_table, table_of, Key};
use crate::transcript::Transcript;
use crate::zk::verify_zero;
use zkml_core::backend::{PublicValues, Vis};
use zkml_core::quant::QValueKind;
use zkml_core::QOp;

fn malformed(what: &'static str) -> Error {
    Error::Malformed {
        what,
        got: 0,
        expected: 1,
    }
}

/// A claim on a committed table (commitment, variables, point, `Com(value)`)
/// or on a known value (value id, point, `Com(value)`).
enum Pending<'a> {
    Committed(&'a HyraxCommitment, usize, Vec<Fr>, G1Affine),
    Known(usize, Vec<Fr>, G1Affine),
}

/// Checks a zero-knowledge `proof` against `public` for the key's model.
pub fn verify(key: &Key, public: &PublicValues, proof: &ZkModelProof) -> Result<()> {
    let q = &key.q;
    let gens = &key.gens;
    let input_public = key.visibility.input == Vis::Public;
    let known = |id: usize| known_in(q, input_public, id);
    let _s = crate::profile::span("v/total");
    let values = known_values(q, public, input_public)?;
    let mut t = Transcript::new(b"zkml-sumcheck/zkmodel");
    absorb_statement(&mut t, key, public);

    expect_len("value commitments", proof.commitments.len(), q.values.len())?;
    expect_len(
        "remainder commitments",
        proof.remainders.len(),
        q.nodes.len(),
    )?;
    expect_len("node proofs", proof.nodes.len(), q.nodes.len())?;
    for (id, c) in proof.commitments.iter().enumerate() {
        match (known(id), c) {
            (true, None) => {}
            (false, Some(c)) => t.absorb_points(b"model/commitment", &c.rows),
            _ => return Err(malformed("value commitment presence")),
        }
    }
    for (i, c) in proof.remainders.iter().enumerate() {
        let needs = crate::model::has_aux(q, i);
        match (needs, c) {
            (false, None) => {}
            (true, Some(c)) => t.absorb_points(b"model/remainder", &c.rows),
            _ => return Err(malformed("remainder commitment presence")),
        }
    }
    let mut tables: HashMap<usize, Mle> = HashMap::new();
    let mut table = |id: usize| -> Result<Mle> {
        if let Some(m) = tables.get(&id) {
            return Ok(m.clone());
        }
        let v = values.get(&id).ok_or_else(|| malformed("known value"))?;
        let m = table_of(&layout_shape(q, id), v)?;
        tables.insert(id, m.clone());
        Ok(m)
    };
    let mut pending: Vec<Pending> = vec![];
    fn claim<'a>(
        proof: &'a ZkModelProof,
        nv: usize,
        id: usize,
        point: Vec<Fr>,
        com: G1Affine,
        pending: &mut Vec<Pending<'a>>,
    ) {
        pending.push(match &proof.commitments[id] {
            Some(c) => Pending::Committed(c, nv, point, com),
            None => Pending::Known(id, point, com),
        });
    }
    let nv = |id: usize| num_vars(&layout_shape(q, id));

    for (i, (node, np)) in q.nodes.iter().zip(&proof.nodes).enumerate() {
        let out = node.output;
        let nv_out = num_vars(&q.values[out].shape);
        match (&node.op, np) {
            (
                op @ (QOp::Conv { .. }
                | QOp::Reshape { .. }
                | QOp::AveragePool(_)
                | QOp::ReduceMean { .. }
                | QOp::Gather(_)
                | QOp::Transpose { .. }),
                ZkNodeProof::MatMul {
                    y_com,
                    r_com,
                    matmul: mm,
                    r_range,
                    y_range,
                },
            ) if !matches!(op, QOp::Reshape { .. })
                || crate::model::gathers(q, input_public, i) =>
            {
                let d = crate::model::divisor(q, i);
                // Σ_a x(a)·G_ρ(a) = 2^s·y + r − offset, committed (crate::conv).
                let x = node.inputs[0];
                let rho = t.challenges(b"model/rho", nv_out);
                t.absorb_points(b"model/y_com", &[*y_com]);
                let base: G1 = match (d, r_com, &proof.remainders[i]) {
                    (None, None, None) => (*y_com).into(),
                    (Some(d), Some(r), Some(_)) => {
                        t.absorb_points(b"model/r_com", &[*r]);
                        *y_com * Fr::from(d) + r
                    }
                    _ => return Err(malformed("conv remainder commitment")),
                };
                let s = crate::profile::span("v/dual");
                let (g, offset) = crate::model::dual_at(q, i, &rho)?;
                drop(s);
                let g = Mle::new(g)?;
                let x_pub = if known(x) { Some(table(x)?) } else { None };
                let public = [x_pub.is_some(), true];
                let target = (base - gens.commit_scalar(&offset, &Fr::ZERO)).to_affine();
                let sub = crate::zk::verify_sumcheck(
                    gens,
                    g.num_vars,
                    &[(Fr::ONE, vec![0, 1])],
                    &public,
                    &target,
                    mm,
                    |pt| {
                        let mut v = vec![];
                        if let Some(a) = &x_pub {
                            v.push(a.evaluate(pt)?);
                        }
                        v.push(g.evaluate(pt)?);
                        Ok(v)
                    },
                    &mut t,
                )?;
                claim(proof, nv(out), out, rho.clone(), *y_com, &mut pending);
                if let (Some(r), Some(rc_)) = (r_com, &proof.remainders[i]) {
                    pending.push(Pending::Committed(rc_, nv_out, rho.clone(), *r));
                }
                if let Some(c) = sub.factor_coms[0] {
                    claim(proof, nv(x), x, sub.point, c, &mut pending);
                }
                range_checks(
                    key,
                    &mut t,
                    &mut pending,
                    proof,
                    (d.unwrap_or(1), i, out),
                    (r_range, y_range),
                )?;
            }
            (
                QOp::MatMul { shift },
                ZkNodeProof::MatMul {
                    y_com,
                    r_com,
                    matmul: mm,
                    r_range,
                    y_range,
                },
            ) => {
                let (x, w) = (node.inputs[0], node.inputs[1]);
                let dims = MatMulDims::of(&q.values[x].shape, &q.values[w].shape)?;
                let rho = t.challenges(b"model/rho", nv_out);
                let (rc, rr) = rho.split_at(dims.col_vars());
                t.absorb_points(b"model/y_com", &[*y_com]);
                let target: G1 = match (shift, r_com, &proof.remainders[i]) {
                    (0, None, None) => (*y_com).into(),
                    (s, Some(r), Some(_)) if *s > 0 => {
                        t.absorb_points(b"model/r_com", &[*r]);
                        let half =
                            Fr::from(1u64 << (s - 1)) * block_indicator(dims.m, dims.n, &rho);
                        *y_com * Fr::from(1u64 << s) + r - gens.commit_scalar(&half, &Fr::ZERO)
                    }
                    _ => return Err(malformed("matmul remainder commitment")),
                };
                let a_pub = if known(x) { Some(table(x)?) } else { None };
                let b_pub = if known(w) { Some(table(w)?) } else { None };
                let mc = matmul::verify_zk(
                    gens,
                    dims,
                    (rr, rc),
                    a_pub.as_ref(),
                    b_pub.as_ref(),
                    &target.to_affine(),
                    mm,
                    &mut t,
                )?;
                claim(proof, nv(out), out, rho.clone(), *y_com, &mut pending);
                if let (Some(r), Some(rc_)) = (r_com, &proof.remainders[i]) {
                    pending.push(Pending::Committed(rc_, nv_out, rho.clone(), *r));
                }
                if let Some(c) = mc.a_com {
                    claim(proof, nv(x), x, mc.a_point, c, &mut pending);
                }
                if let Some(c) = mc.b_com {
                    claim(proof, nv(w), w, mc.b_point, c, &mut pending);
                }
                range_checks(
                    key,
                    &mut t,
                    &mut pending,
                    proof,
                    (1u64 << shift, i, out),
                    (r_range, y_range),
                )?;
            }
            (
                QOp::MaxPool(_),
                ZkNodeProof::MaxPool {
                    coms,
                    selected,
                    gather,
                    lookup,
                    lookup_coms,
                    relation,
                },
            ) => {
                use crate::model::maxpool as mp;
                let x = node.inputs[0];
                let rc_ = proof.remainders[i]
                    .as_ref()
                    .ok_or_else(|| malformed("maxpool table commitment"))?;
                let nv_aux = crate::model::aux_vars(q, i)?;
                let rho = t.challenges(b"model/rho", nv_out);
                let sigma = t.challenges(b"maxpool/sigma", nv_aux - nv_out - 1);
                let (pd, ps) = mp::claim_points(&rho, &sigma);
                t.absorb_points(b"maxpool/coms", coms);
                // One selected slot per output: 2^kv·C_s − Ĩ(ρ)·U commits to zero.
                let (rows, cols) = crate::model::layout(&q.values[out].shape);
                let ind = block_indicator(rows, cols, &rho);
                let rel = (coms[2] * mp::slot_count(q, i)? - gens.commit_scalar(&ind, &Fr::ZERO))
                    .to_affine();
                verify_zero(gens, &rel, selected, &mut t)?;
                // Σ_a x(a)·G(a) = ỹ(ρ) − R̃(ρ, σ, 0), committed.
                let g = Mle::new(mp::gather_table(q, i, &rho, &sigma)?)?;
                let x_pub = if known(x) { Some(table(x)?) } else { None };
                let public = [x_pub.is_some(), true];
                let target = (G1::from(coms[0]) - coms[1]).to_affine();
                let sub = crate::zk::verify_sumcheck(
                    gens,
                    g.num_vars,
                    &[(Fr::ONE, vec![0, 1])],
                    &public,
                    &target,
                    gather,
                    |pt| {
                        let mut v = vec![];
                        if let Some(a) = &x_pub {
                            v.push(a.evaluate(pt)?);
                        }
                        v.push(g.evaluate(pt)?);
                        Ok(v)
                    },
                    &mut t,
                )?;
                claim(proof, nv(out), out, rho.clone(), coms[0], &mut pending);
                pending.push(Pending::Committed(rc_, nv_aux, pd, coms[1]));
                pending.push(Pending::Committed(rc_, nv_aux, ps, coms[2]));
                if let Some(c) = sub.factor_coms[0] {
                    claim(proof, nv(x), x, sub.point, c, &mut pending);
                }
                let gamma = t.challenge(b"maxpool/gamma");
                let c = logup::verify_zk(
                    gens,
                    &mp::lookup_table(q, gamma),
                    nv_aux - 1,
                    lookup,
                    &mut t,
                )?;
                t.absorb_points(b"maxpool/lookup_coms", lookup_coms);
                let rel =
                    (G1::from(c.value_com) - lookup_coms[0] - lookup_coms[1] * gamma).to_affine();
                verify_zero(gens, &rel, relation, &mut t)?;
                pending.push(Pending::Committed(
                    rc_,
                    nv_aux,
                    mp::lift(&c.point, Fr::ZERO),
                    lookup_coms[0],
                ));
                pending.push(Pending::Committed(
                    rc_,
                    nv_aux,
                    mp::lift(&c.point, Fr::ONE),
                    lookup_coms[1],
                ));
            }
            (QOp::Reshape { .. }, ZkNodeProof::Derived) if known(node.inputs[0]) => {}
            (
                QOp::Add { .. } | QOp::Sub { .. } | QOp::Reshape { .. },
                ZkNodeProof::Linear {
                    out_com,
                    operand_coms,
                    relation,
                },
            ) if !matches!(node.op, QOp::Reshape { .. })
                || !known(node.inputs[0]) && !crate::model::gathers(q, input_public, i) =>
            {
                let al = match &node.op {
                    QOp::Add { align } | QOp::Sub { align } => *align,
                    _ => [0, 0],
                };
                let sign = if matches!(node.op, QOp::Sub { .. }) {
                    -Fr::ONE
                } else {
                    Fr::ONE
                };
                let out_shape = &q.values[out].shape;
                let rho = t.challenges(b"model/rho", nv_out);
                let n_act = node.inputs.iter().filter(|&&a| !is_const(q, a)).count();
                expect_len("linear operand commitments", operand_coms.len(), n_act)?;
                t.absorb_points(b"model/out_com", &[*out_com]);
                t.absorb_points(b"model/operand_coms", operand_coms);
                let mut rel: G1 = (*out_com).into();
                let mut acts = operand_coms.iter();
                let mut operands = vec![];
                for (k, &a) in node.inputs.iter().enumerate() {
                    let coeff = if k == 0 { Fr::ONE } else { sign };
                    if let QValueKind::Const(c) = &q.values[a].kind {
                        let v = aligned_broadcast(c, al[k], out_shape).ok_or_else(|| {
                            Error::Invalid(format!(
                                "node `{}`: constant does not broadcast",
                                node.name
                            ))
                        })?;
                        let cv = coeff * table_of(out_shape, &v)?.evaluate(&rho)?;
                        rel -= gens.commit_scalar(&cv, &Fr::ZERO);
                    } else {
                        let c = *acts.next().ok_or_else(|| malformed("linear operand"))?;
                        rel -= c * (coeff * Fr::from(1u64 << al[k].max(0)));
                        operands.push((a, c));
                    }
                }
                verify_zero(gens, &rel.to_affine(), relation, &mut t)?;
                claim(proof, nv(out), out, rho.clone(), *out_com, &mut pending);
                for (a, c) in operands {
                    claim(proof, nv(a), a, rho.clone(), c, &mut pending);
                }
            }
            (
                QOp::Relu | QOp::Clip { .. } | QOp::Table { .. },
                ZkNodeProof::Relu {
                    lookup,
                    a_com,
                    o_com,
                    relation,
                },
            ) => {
                let a = node.inputs[0];
                let gamma = t.challenge(b"model/gamma");
                let c = logup::verify_zk(
                    gens,
                    &relu_table(q, &node.op, gamma),
                    nv_out,
                    lookup,
                    &mut t,
                )?;
                t.absorb_points(b"model/relu_coms", &[*a_com, *o_com]);
                let public = fn_public(&node.op, &q.values[out].shape, gamma, &c.point);
                let rel = (G1::from(c.value_com)
                    - a_com
                    - *o_com * gamma
                    - gens.commit_scalar(&public, &Fr::ZERO))
                .to_affine();
                verify_zero(gens, &rel, relation, &mut t)?;
                claim(proof, nv(a), a, c.point.clone(), *a_com, &mut pending);
                claim(proof, nv(out), out, c.point, *o_com, &mut pending);
            }
            (op, _) => {
                return Err(reject(
                    "node proof kind matches the model's op",
                    format!("node `{}` ({})", node.name, op.name()),
                ))
            }
        }
    }
    let hidden: Vec<usize> = q.inputs.iter().copied().filter(|&id| !known(id)).collect();
    expect_len("input range proofs", proof.input_ranges.len(), hidden.len())?;
    for (&id, p) in hidden.iter().zip(&proof.input_ranges) {
        let c = logup::verify_zk(gens, &act_table(q), nv(id), p, &mut t)?;
        claim(proof, nv(id), id, c.point, c.value_com, &mut pending);
    }

    let n_open = pending
        .iter()
        .filter(|p| matches!(p, Pending::Committed(..)))
        .count();
    expect_len("hyrax openings", proof.openings.len(), n_open)?;
    expect_len(
        "known-value proofs",
        proof.known.len(),
        pending.len() - n_open,
    )?;
    let (mut op, mut kp) = (proof.openings.iter(), proof.known.iter());
    for p in pending {
        match p {
            Pending::Committed(c, nv, point, com) => {
                let o = op.next().ok_or_else(|| malformed("opening"))?;
                hyrax::verify_eval(gens, c, nv, &point, &com, o, &mut t)?;
            }
            Pending::Known(id, point, com) => {
                let v = table(id)?.evaluate(&point)?;
                let x = (G1::from(com) - gens.commit_scalar(&v, &Fr::ZERO)).to_affine();
                let z = kp.next().ok_or_else(|| malformed("known-value proof"))?;
                verify_zero(gens, &x, z, &mut t)?;
            }
        }
    }
    Ok(())
}

type RangeProofs<'b> = (
    &'b Option<Box<logup::ZkLogUpProof>>,
    &'b Option<Box<logup::ZkLogUpProof>>,
);

/// The rescale range checks of a MatMul/Conv node `i` with output `out`:
/// `r ∈ [0, 2^s)` and, where [`crate::model::y_range_needed`], `y ∈ [−B, B]`.
fn range_checks<'a>(
    key: &Key,
    t: &mut Transcript,
    pending: &mut Vec<Pending<'a>>,
    proof: &'a ZkModelProof,
    (d, i, out): (u64, usize, usize),
    (r_range, y_range): RangeProofs<'_>,
) -> Result<()> {
    let (q, gens) = (&key.q, &key.gens);
    let input_public = key.visibility.input == Vis::Public;
    let nv_out = num_vars(&q.values[out].shape);
    match (r_range, &proof.remainders[i]) {
        (Some(p), Some(rc_)) => {
            let tab = logup::range_table(0, d as i64 - 1);
            let c = logup::verify_zk(gens, &tab, nv_out, p, t)?;
            pending.push(Pending::Committed(rc_, nv_out, c.point, c.value_com));
        }
        (None, None) => {}
        _ => return Err(malformed("rescale remainder range proof")),
    }
    match (y_range, !crate::model::y_range_needed(q, input_public, out)) {
        (Some(p), false) => {
            let c = logup::verify_zk(gens, &act_table(q), nv_out, p, t)?;
            let nv = num_vars(&layout_shape(q, out));
            pending.push(match &proof.commitments[out] {
                Some(cm) => Pending::Committed(cm, nv, c.point, c.value_com),
                None => Pending::Known(out, c.point, c.value_com),
            });
        }
        (None, true) => {}
        _ => return Err(malformed("rescale output range proof")),
    }
    Ok(())
}
