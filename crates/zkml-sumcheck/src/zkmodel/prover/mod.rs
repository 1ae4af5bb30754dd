//! The zero-knowledge model prover (see the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};

use super::lookups::{register_range_checks, Column, LookupPlan, TableKey};
use super::msg::{ZkModelProof, ZkNodeProof};
use super::packed::Layout;
use crate::error::{Error, Result};
use crate::field::{fr_vec, Curve, Field, Fr, G1Affine};
use crate::hyrax::CommittedPoly;
use crate::matmul::{self, MatMulDims};
use crate::mle::Mle;
use crate::model::{absorb_statement, block_indicator, known_in, num_vars};
use crate::model::{hidden_const, is_const, ProvingKey};
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::zk::{prove_zero, Opening};
use zkml_core::backend::{PublicValues, Vis};
use zkml_core::{QOp, Trace};

mod closing;
use closing::{prove_lookups, prove_openings};

/// A claim: which table (a value, or a node's remainder), where, and the opening.
pub(super) type Claim = (Result<usize, usize>, Vec<Fr>, Opening);

fn flat(t: &zkml_core::ITensor) -> Vec<i64> {
    t.iter().copied().collect()
}

/// Proves, in zero knowledge, that `trace` is the executor's run of `key.q`.
pub fn prove(
    key: &ProvingKey,
    trace: &Trace,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkModelProof, PublicValues)> {
    prove_inner(key, trace, rng, false)
}

/// [`prove`]; `forge` (tests) commits remainders reduced mod `2^s`, as a
/// cheating prover would for a wrong rescaled output.
pub(crate) fn prove_inner(
    key: &ProvingKey,
    trace: &Trace,
    rng: &mut (impl RngCore + CryptoRng),
    forge: bool,
) -> Result<(ZkModelProof, PublicValues)> {
    let q = &key.q;
    let gens = &key.gens;
    let vis = &key.visibility;
    let input_public = vis.input == Vis::Public;
    let hidden = |id: usize| hidden_const(q, vis, id);
    // The fixed weights in `W` are opened, not evaluated (`super::fixed`).
    let fixed_layout = super::fixed::layout_of(q, vis);
    let in_w = |id: usize| fixed_layout.block(super::packed::Slot::Value(id)).is_some();
    let known = |id: usize| known_in(q, input_public, id) && !hidden(id) && !in_w(id);
    let s = crate::profile::span("prove/tables");
    // (MaxPool: differences and selectors, `crate::model::maxpool`.)
    let (tables, rem_tables) = crate::model::walk::witness(q, trace, forge)?;
    drop(s);
    let mut public = PublicValues::from_trace(q, trace, vis);
    if vis.weights == Vis::Committed {
        public.commitments.weights = Some(crate::model::key::weights_digest(
            key.consts().iter().flatten().map(|c| &c.comm),
        ));
    }
    let mut t = Transcript::new(b"zkml-sumcheck/zkmodel");
    absorb_statement(&mut t, key, &public);
    let s = crate::profile::span("prove/commit_phase");
    // Every unknown value's table and every auxiliary table, packed in one
    // commitment (`super::packed`); hidden constants keep theirs.
    let layout = Layout::of_key(key)?;
    let (committed, packed) = super::packed::commit_phase(
        gens,
        &layout,
        (&tables, &rem_tables),
        (key.consts(), hidden),
        &mut t,
        rng,
    )?;
    drop(s);
    let mut claims: Vec<Claim> = vec![];
    let mut conv_bias = vec![];
    let mut mul_consts = vec![];
    // Hidden weights: their padding is zero (`super::weights`).
    let (padding, pad_claims) = super::weights::prove_padding(key, &mut t, rng)?;
    claims.extend(pad_claims.into_iter().map(|(id, p, o)| (Ok(id), p, o)));
    let mut plan = LookupPlan::default();
    let mut nodes = Vec::with_capacity(q.nodes.len());
    let com = |o: &Opening| o.commit(gens).to_affine();
    for (i, node) in q.nodes.iter().enumerate() {
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
                if !matches!(op, QOp::Reshape { .. })
                    || crate::model::gathers(q, input_public, i) =>
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
                    // as Com(v) (`super::weights`); the value is unchanged.
                    let mut bias_blind = Fr::ZERO;
                    if let Some(b) = super::weights::hidden_bias(q, vis, i) {
                        let (bp, vo, (pt, o)) =
                            super::weights::prove_conv_bias(key, i, &tables[b], &rho, &mut t, rng)?;
                        bias_blind = vo.blind;
                        claims.push((Ok(b), pt, o));
                        conv_bias.push(bp);
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
                    let o = crate::zk::prove_sumcheck(gens, inst, &public, &target, &mut t, rng)?;
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
                            &mut t,
                            rng,
                        )?;
                        // A hidden or packed kernel: w̃(κ) committed, opened
                        // with the rest.
                        if let Some(o) = w.factor_openings[0].filter(|_| hidden(wid) || in_w(wid)) {
                            claims.push((Ok(wid), w.point.clone(), o));
                        }
                        conv_weights = Some(Box::new(w.proof));
                    }
                    claims.push((Ok(out), rho.clone(), y_o));
                    if let Some(r) = r_o {
                        claims.push((Err(i), rho.clone(), r));
                    }
                    if let Some(op) = o.factor_openings[0] {
                        claims.push((Ok(x), o.point.clone(), op));
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
                        &mut t,
                        rng,
                    )?;
                    claims.push((Ok(out), rho.clone(), y_o));
                    if let Some(r) = r_o {
                        claims.push((Err(i), rho.clone(), r));
                    }
                    if let Some(o) = mm.a {
                        claims.push((Ok(x), mm.a_point.clone(), o));
                    }
                    if let Some(o) = mm.b {
                        claims.push((Ok(w), mm.b_point.clone(), o));
                    }
                    mm.proof
                };
                register_range_checks(key, &mut plan, i);
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
                let al = match &node.op {
                    QOp::Add { align } | QOp::Sub { align } => *align,
                    _ => [0, 0],
                };
                let sign = if matches!(node.op, QOp::Sub { .. }) {
                    -Fr::ONE
                } else {
                    Fr::ONE
                };
                let rho = t.challenges(b"model/rho", nv_out);
                let o = Opening::random(tables[out].evaluate(&rho)?, rng);
                let mut rel_blind = o.blind;
                let mut ops = vec![];
                let out_shape = &q.values[out].shape;
                for (k, &a) in node.inputs.iter().enumerate() {
                    if !is_const(q, a) || hidden(a) {
                        // A hidden constant's claim is at its own point,
                        // with a factor (`super::weights::operand_point`).
                        let (pt, f) = if hidden(a) {
                            super::weights::operand_point(&q.values[a].shape, out_shape, &rho)
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
                let relation = prove_zero(gens, &rel_blind, &mut t, rng);
                claims.push((Ok(out), rho.clone(), o));
                for (a, op, pt) in ops {
                    claims.push((Ok(a), pt, op));
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
                plan.push(TableKey::Fn(node.op.clone()), Column::Fn(i));
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
                let selected = prove_zero(gens, &sel_blind, &mut t, rng);
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
                let o =
                    crate::zk::prove_sumcheck(gens, inst, &[known(x), true], &target, &mut t, rng)?;
                claims.push((Ok(out), rho.clone(), y_o));
                claims.push((Err(i), pd, d_o));
                claims.push((Err(i), ps, s_o));
                if let Some(op) = o.factor_openings[0] {
                    claims.push((Ok(x), o.point.clone(), op));
                }
                plan.push(TableKey::MaxPool, Column::MaxPool(i));
                ZkNodeProof::MaxPool {
                    coms,
                    selected,
                    gather: Box::new(o.proof),
                }
            }
            QOp::Mul { .. } => {
                let rem = rem_tables[i].as_ref();
                let (proof, cl) =
                    super::product::prove(key, i, &tables, rem, &mut mul_consts, &mut t, rng)?;
                claims.extend(cl);
                register_range_checks(key, &mut plan, i);
                proof
            }
            QOp::Softmax { .. } => {
                let aux = rem_tables[i]
                    .as_ref()
                    .ok_or_else(|| Error::Invalid("Softmax without its table".into()))?;
                let (proof, cl) =
                    super::softmax::prove(key, i, (&tables, aux), &mut plan, &mut t, rng)?;
                claims.extend(cl);
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
        nodes.push(proof);
    }
    // Every hidden model input lies in the executor's range (no input is an
    // arbitrary field element).
    for &id in &q.inputs {
        if !known(id) {
            plan.push(TableKey::act(q), Column::Plain(Ok(id)));
        }
    }
    // Every hidden constant lies in the weights' range (`super::weights`);
    // wider than one table, as two limbs (`super::weight_limbs`), committed
    // after the remainders (auxiliary tables `nodes + 2j`, `nodes + 2j + 1`).
    super::weights::register_ranges(key, &mut plan);
    // Auxiliary tables `nodes + k` (the limbs) have their own commitments.
    let mut aux_all: Vec<Option<CommittedPoly>> = vec![None; q.nodes.len()];
    let mut limbs = vec![];
    if super::weight_limbs::limbed(key) {
        let (msgs, polys, c_claims, limb_claims) = super::weight_limbs::prove(key, &mut t, rng)?;
        limbs = msgs;
        aux_all.extend(polys.into_iter().map(Some));
        claims.extend(c_claims.into_iter().map(|(id, p, o)| (Ok(id), p, o)));
        let n = q.nodes.len();
        claims.extend(
            limb_claims
                .into_iter()
                .map(|(j, hi, p, o)| (Err(n + 2 * j + usize::from(hi)), p, o)),
        );
    }
    let (lookups, m_claims) = prove_lookups(
        key,
        &plan,
        (&tables, &rem_tables, &aux_all[q.nodes.len()..]),
        &mut claims,
        &mut t,
        rng,
    )?;

    let _s = crate::profile::span("prove/openings");
    let (openings, known_proofs) = prove_openings(
        gens,
        &claims,
        &m_claims,
        (&committed, &aux_all),
        [
            (packed.as_ref(), &layout),
            (key.fixed_poly.as_ref(), &fixed_layout),
        ],
        &mut t,
        rng,
    )?;
    let proof = ZkModelProof {
        // Private weights' commitments are the verifying key's.
        commitments: committed
            .into_iter()
            .enumerate()
            .map(|(id, c)| c.filter(|_| !(hidden(id) && vis.weights == Vis::Private)))
            .map(|c| c.map(|c| c.comm))
            .collect(),
        packed: packed.map(|c| c.comm),
        nodes,
        lookups,
        openings,
        known: known_proofs,
        padding,
        conv_bias,
        mul_consts,
        limbs,
    };
    if crate::profile::enabled() {
        eprintln!("zkml-sumcheck proof bytes:");
        for (part, b) in proof.size_breakdown() {
            eprintln!("  {part:<60} {b:>9}");
        }
    }
    Ok((proof, public))
}
