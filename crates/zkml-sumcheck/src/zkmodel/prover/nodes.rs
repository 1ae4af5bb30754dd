//! One node's proof (the walk of the [module doc](crate::zkmodel)): each
//! node runs on its own transcript branch ([`Transcript::fork`]), so the
//! nodes and the lookups are proved on rayon's threads.

use rand_core06::{CryptoRng, RngCore};

use super::Claim;
use crate::error::{Error, Result};
use crate::field::{fr_vec, Curve, Field, Fr, G1Affine};
use crate::matmul::{self, MatMulDims};
use crate::mle::Mle;
use crate::model::{block_indicator, is_const, num_vars, ProvingKey};
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::zk::msg::ZkSumcheckProof;
use crate::zk::{prove_zero, Opening};
use crate::zkmodel::msg::ZkNodeProof;
use crate::zkmodel::packed::{Layout, Slot};
use crate::zkmodel::weights::BiasProof;
use zkml_core::{QOp, Trace};

fn flat(t: &zkml_core::ITensor) -> Vec<i64> {
    t.iter().copied().collect()
}

/// What the walk shares with every node: the key, the trace and its tables.
pub(super) struct Walk<'a> {
    /// The proving key.
    pub key: &'a ProvingKey,
    /// The executor's run.
    pub trace: &'a Trace,
    /// Every value's table.
    pub tables: &'a [Mle],
    /// Every node's auxiliary table (remainders, MaxPool's, Softmax's).
    pub rem_tables: &'a [Option<Mle>],
    /// The fixed weights' layout (`W`; empty unless fixed/public weights).
    pub fixed_layout: &'a Layout,
}

/// What one node adds to the proof: its message, its claims, and the
/// hidden constants' proofs it carries (node order).
pub(super) struct NodeOut {
    /// The node's message.
    pub proof: ZkNodeProof,
    /// Its claims on committed tables, in the verifier's order.
    pub claims: Vec<Claim>,
    /// A Conv's hidden bias share ([`crate::zkmodel::weights`]).
    pub conv_bias: Vec<BiasProof>,
    /// A Mul's hidden constants' broadcast sumchecks.
    pub mul_consts: Vec<ZkSumcheckProof>,
}

/// Proves node `i` on its branch `t`.
pub(super) fn prove_node(
    w: &Walk<'_>,
    i: usize,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<NodeOut> {
    let Walk {
        key,
        trace,
        tables,
        rem_tables,
        fixed_layout,
    } = *w;
    let q = &key.q;
    let gens = &key.gens;
    let vis = &key.visibility;
    let input_public = vis.input == zkml_core::backend::Vis::Public;
    let hidden = |id: usize| crate::model::hidden_const(q, vis, id);
    let in_w = |id: usize| fixed_layout.block(Slot::Value(id)).is_some();
    let known = |id: usize| crate::model::known_in(q, input_public, id) && !hidden(id) && !in_w(id);
    let com = |o: &Opening| o.commit(gens).to_affine();
    let node = &q.nodes[i];
    let mut res = NodeOut {
        proof: ZkNodeProof::Derived,
        claims: vec![],
        conv_bias: vec![],
        mul_consts: vec![],
    };
    let out = node.output;
    let _s = crate::profile::span(node.op.name());
    let nv_out = num_vars(&q.values[out].shape);
    let proof = match &node.op {
        op @ (QOp::MatMul { .. }
        | QOp::Conv { .. }
        | QOp::Reshape { .. }
        | QOp::AveragePool(_)
        | QOp::ReduceMean { .. }
        | QOp::Gather(_)
        | QOp::Transpose { .. })
            if !matches!(op, QOp::Reshape { .. }) || crate::model::gathers(q, input_public, i) =>
        {
            let d = crate::model::divisor(q, i);
            let x = node.inputs[0];
            let rho = t.challenges(b"model/rho", nv_out);
            let y_o = Opening::random(tables[out].evaluate(&rho)?, rng);
            let r_o = match &rem_tables[i] {
                Some(r) => Some(Opening::random(r.evaluate(&rho)?, rng)),
                None => None,
            };
            t.absorb_points(b"model/y_com", &[com(&y_o)]);
            if let Some(r) = &r_o {
                t.absorb_points(b"model/r_com", &[com(r)]);
            }
            let scale = Fr::from(d.unwrap_or(1));
            // 2^s·y + r (committed) before the op's public offset.
            let base = match &r_o {
                None => y_o,
                Some(r) => Opening {
                    value: scale * y_o.value + r.value,
                    blind: scale * y_o.blind + r.blind,
                },
            };
            let half = Fr::from(d.unwrap_or(0) / 2);
            let mut conv_weights = None;
            let mm = if !matches!(node.op, QOp::MatMul { .. }) {
                // Σ_a x(a)·G_ρ(a) = base − offset (crate::conv).
                let s = crate::profile::span("prove/dual");
                let (g, offset) = crate::model::dual_at(q, i, &rho)?;
                drop(s);
                // A hidden conv bias: its share leaves the public offset
                // as Com(v) (`crate::zkmodel::weights`); the value is unchanged.
                let mut bias_blind = Fr::ZERO;
                if let Some(b) = crate::zkmodel::weights::hidden_bias(q, vis, i) {
                    let (bp, vo, (pt, o)) =
                        crate::zkmodel::weights::prove_conv_bias(key, i, &tables[b], &rho, t, rng)?;
                    bias_blind = vo.blind;
                    res.claims.push((Ok(b), pt, o));
                    res.conv_bias.push(bp);
                }
                let target = Opening {
                    value: base.value - offset,
                    blind: base.blind - bias_blind,
                };
                let inst = ProductSum::new(
                    vec![tables[x].clone(), Mle::new(g)?],
                    vec![(Fr::ONE, vec![0, 1])],
                )?;
                // A Conv's G̃_ρ(r) is a committed factor, proved by the
                // weight sumcheck (crate::conv::weights).
                let is_conv = matches!(node.op, QOp::Conv { .. });
                let public = [known(x), !is_conv];
                let o = crate::zk::prove_sumcheck(gens, inst, &public, &target, t, rng)?;
                if is_conv {
                    let c = crate::model::conv_parts(q, i)?;
                    let g_r = o.factor_openings[1]
                        .ok_or_else(|| Error::Invalid("conv G̃_ρ(r) opening".into()))?;
                    let pts = (&rho[..], &o.point[..]);
                    let wid = node.inputs[1];
                    let w = crate::conv::weights::prove_zk(
                        gens,
                        &c.geom,
                        &c.w,
                        !hidden(wid) && !in_w(wid),
                        pts,
                        &g_r,
                        t,
                        rng,
                    )?;
                    // A hidden or packed kernel: w̃(κ) committed, opened
                    // with the rest.
                    if let Some(o) = w.factor_openings[0].filter(|_| hidden(wid) || in_w(wid)) {
                        res.claims.push((Ok(wid), w.point.clone(), o));
                    }
                    conv_weights = Some(Box::new(w.proof));
                }
                res.claims.push((Ok(out), rho.clone(), y_o));
                if let Some(r) = r_o {
                    res.claims.push((Err(i), rho.clone(), r));
                }
                if let Some(op) = o.factor_openings[0] {
                    res.claims.push((Ok(x), o.point.clone(), op));
                }
                o.proof
            } else {
                let w = node.inputs[1];
                let dims = MatMulDims::of(&q.values[x].shape, &q.values[w].shape)?;
                let (rc, rr) = rho.split_at(dims.col_vars());
                let target = Opening {
                    value: base.value - half * block_indicator(dims.m, dims.n, &rho),
                    blind: base.blind,
                };
                let a = fr_vec(&flat(&trace.values[x]));
                let b = fr_vec(&flat(&trace.values[w]));
                let mm = matmul::prove_zk(
                    gens,
                    dims,
                    &a,
                    &b,
                    (rr, rc),
                    [known(x), known(w)],
                    &target,
                    t,
                    rng,
                )?;
                res.claims.push((Ok(out), rho.clone(), y_o));
                if let Some(r) = r_o {
                    res.claims.push((Err(i), rho.clone(), r));
                }
                if let Some(o) = mm.a {
                    res.claims.push((Ok(x), mm.a_point.clone(), o));
                }
                if let Some(o) = mm.b {
                    res.claims.push((Ok(w), mm.b_point.clone(), o));
                }
                mm.proof
            };
            match conv_weights {
                None => ZkNodeProof::MatMul {
                    y_com: com(&y_o),
                    r_com: r_o.as_ref().map(com),
                    matmul: mm,
                },
                Some(weights) => ZkNodeProof::Conv {
                    y_com: com(&y_o),
                    r_com: r_o.as_ref().map(com),
                    matmul: mm,
                    weights,
                },
            }
        }
        QOp::Reshape { .. } if known(node.inputs[0]) => ZkNodeProof::Derived,
        QOp::Add { .. } | QOp::Sub { .. } | QOp::Reshape { .. } => {
            let (al, sign) = crate::model::linear_form(&node.op);
            let rho = t.challenges(b"model/rho", nv_out);
            let o = Opening::random(tables[out].evaluate(&rho)?, rng);
            let mut rel_blind = o.blind;
            let mut ops = vec![];
            let out_shape = &q.values[out].shape;
            for (k, &a) in node.inputs.iter().enumerate() {
                if !is_const(q, a) || hidden(a) {
                    // A hidden constant's claim is at its own point,
                    // with a factor (`crate::zkmodel::weights::operand_point`).
                    let (pt, f) = if hidden(a) {
                        crate::zkmodel::weights::operand_point(&q.values[a].shape, out_shape, &rho)
                            .ok_or_else(|| {
                                Error::Invalid(format!(
                                    "node `{}`: the hidden constant does not broadcast",
                                    node.name
                                ))
                            })?
                    } else {
                        (rho.clone(), Fr::ONE)
                    };
                    let op = Opening::random(tables[a].evaluate(&pt)?, rng);
                    let coeff = if k == 0 { Fr::ONE } else { sign };
                    rel_blind -= coeff * f * Fr::from(1u64 << al[k].max(0)) * op.blind;
                    ops.push((a, op, pt));
                }
            }
            let out_com = com(&o);
            let operand_coms: Vec<G1Affine> = ops.iter().map(|(_, op, _)| com(op)).collect();
            t.absorb_points(b"model/out_com", &[out_com]);
            t.absorb_points(b"model/operand_coms", &operand_coms);
            // C_o − Σ coeff·2^k·C_a − c̃(ρ)·U = rel_blind·H for an honest
            // trace (the verifier keeps the left side as a combination).
            let relation = prove_zero(gens, &rel_blind, t, rng);
            res.claims.push((Ok(out), rho.clone(), o));
            for (a, op, pt) in ops {
                res.claims.push((Ok(a), pt, op));
            }
            ZkNodeProof::Linear {
                out_com,
                operand_coms,
                relation,
            }
        }
        QOp::Relu | QOp::Clip { .. } | QOp::Table { .. } => {
            // (a, o) pairs: one column of the op's table, proved with
            // the model's other lookups (`lookups`).
            ZkNodeProof::Lookup
        }
        QOp::MaxPool(_) => {
            use crate::model::maxpool as mp;
            let x = node.inputs[0];
            let aux = rem_tables[i]
                .as_ref()
                .ok_or_else(|| Error::Invalid("MaxPool without its table".into()))?;
            let kv = crate::model::aux_vars(q, i)? - nv_out - 1;
            let rho = t.challenges(b"model/rho", nv_out);
            let sigma = t.challenges(b"maxpool/sigma", kv);
            let (pd, ps) = mp::claim_points(&rho, &sigma);
            let y_o = Opening::random(tables[out].evaluate(&rho)?, rng);
            let d_o = Opening::random(aux.evaluate(&pd)?, rng);
            let s_o = Opening::random(aux.evaluate(&ps)?, rng);
            let coms = [com(&y_o), com(&d_o), com(&s_o)];
            t.absorb_points(b"maxpool/coms", &coms);
            // 2^kv·C_s − Ĩ(ρ)·U = 2^kv·ρ_s·H for an honest trace.
            let sel_blind = mp::slot_count(q, i)? * s_o.blind;
            let selected = prove_zero(gens, &sel_blind, t, rng);
            // Σ_a x(a)·G(a) = ỹ(ρ) − R̃(ρ, σ, 0), committed.
            let target = Opening {
                value: y_o.value - d_o.value,
                blind: y_o.blind - d_o.blind,
            };
            let g = mp::gather_table(q, i, &rho, &sigma)?;
            let inst = ProductSum::new(
                vec![tables[x].clone(), Mle::new(g)?],
                vec![(Fr::ONE, vec![0, 1])],
            )?;
            let o = crate::zk::prove_sumcheck(gens, inst, &[known(x), true], &target, t, rng)?;
            res.claims.push((Ok(out), rho.clone(), y_o));
            res.claims.push((Err(i), pd, d_o));
            res.claims.push((Err(i), ps, s_o));
            if let Some(op) = o.factor_openings[0] {
                res.claims.push((Ok(x), o.point.clone(), op));
            }
            ZkNodeProof::MaxPool {
                coms,
                selected,
                gather: Box::new(o.proof),
            }
        }
        QOp::Mul { .. } => {
            let rem = rem_tables[i].as_ref();
            let (proof, cl) =
                crate::zkmodel::product::prove(key, i, tables, rem, &mut res.mul_consts, t, rng)?;
            res.claims.extend(cl);
            proof
        }
        QOp::Softmax { .. } => {
            let aux = rem_tables[i]
                .as_ref()
                .ok_or_else(|| Error::Invalid("Softmax without its table".into()))?;
            let (proof, cl) = crate::zkmodel::softmax::prove(key, i, (tables, aux), t, rng)?;
            res.claims.extend(cl);
            proof
        }
        other => {
            return Err(Error::Unsupported {
                op: other.name().into(),
                node: i,
                why: "not implemented in the sumcheck backend yet".into(),
            })
        }
    };

    res.proof = proof;
    Ok(res)
}
