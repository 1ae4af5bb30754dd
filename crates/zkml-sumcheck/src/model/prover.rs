//! The model prover (see the [module doc](super) for the relations and order).

use rand_core06::{CryptoRng, RngCore};

use super::msg::{ModelProof, NodeProof};
use super::{absorb_statement, act_table, is_known, num_vars, relu_table, Key};
use crate::error::{Error, Result};
use crate::field::{fr_vec, Field, Fr};
use crate::hyrax;
use crate::logup;
use crate::matmul::{self, MatMulDims, MatMulProof};
use crate::mle::Mle;
use crate::sumcheck::{self, ProductSum};
use crate::transcript::Transcript;
use zkml_core::backend::PublicValues;
use zkml_core::{QOp, Trace};

/// Which table a claim is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A value of the model.
    Value(usize),
    /// The rescale remainder of a node.
    Remainder(usize),
}

fn flat(t: &zkml_core::ITensor) -> Vec<i64> {
    t.iter().copied().collect()
}

/// Proves that `trace` is the executor's run of `key.q`.
pub fn prove(
    key: &Key,
    trace: &Trace,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ModelProof, PublicValues)> {
    prove_inner(key, trace, rng, false)
}

/// [`prove`]; `forge` (tests) commits remainders reduced mod `2^s`, as a
/// cheating prover would for a wrong rescaled output.
pub(crate) fn prove_inner(
    key: &Key,
    trace: &Trace,
    rng: &mut (impl RngCore + CryptoRng),
    forge: bool,
) -> Result<(ModelProof, PublicValues)> {
    let q = &key.q;
    // Tables, then rescale remainders r = acc + 2^{s−1} − 2^s·y (MaxPool's
    // and Softmax's witness: `super::maxpool`, `super::softmax`).
    let (tables, rem_tables) = super::walk::witness(q, trace, forge)?;
    let public = PublicValues::from_trace(q, trace, &key.visibility);
    let mut t = Transcript::new(b"zkml-sumcheck/model");
    absorb_statement(&mut t, key, &public);

    // Commit phase.
    let (committed, rem_committed) = super::walk::commit(
        &key.gens,
        (&tables, &rem_tables),
        &[],
        |id| is_known(q, id),
        &mut t,
        rng,
    )?;

    // Node phase.
    let mut claims: Vec<(Target, Vec<Fr>)> = vec![];
    let mut nodes = Vec::with_capacity(q.nodes.len());
    for (i, node) in q.nodes.iter().enumerate() {
        let out = node.output;
        let proof = match &node.op {
            _ if crate::model::proved_as_sum(q, true, i) => {
                let d = crate::model::divisor(q, i);
                let x = node.inputs[0];
                let rho = t.challenges(b"model/rho", num_vars(&q.values[out].shape));
                let y_eval = tables[out].evaluate(&rho)?;
                let r_eval = match &rem_tables[i] {
                    Some(r) => Some(r.evaluate(&rho)?),
                    None => None,
                };
                t.absorb_scalar(b"model/y_eval", &y_eval);
                if let Some(r) = &r_eval {
                    t.absorb_scalar(b"model/r_eval", r);
                }
                // Every op's first claims: the output and the remainder at ρ.
                claims.push((Target::Value(out), rho.clone()));
                if r_eval.is_some() {
                    claims.push((Target::Remainder(i), rho.clone()));
                }
                let mut conv_weights = None;
                let mm = if !matches!(node.op, QOp::MatMul { .. }) {
                    // Mul: Σ_x a(x)·b(x)·eq(ρ, x) (super::product), its
                    // activation operands claimed; the others: Σ_a x(a)·G_ρ(a)
                    // (crate::conv, G_ρ public), x claimed.
                    let (inst, claimed) = if matches!(node.op, QOp::Mul { .. }) {
                        use super::product::{instance, operand_factor};
                        let (fa, fb) = (
                            operand_factor(q, i, 0, &tables)?,
                            operand_factor(q, i, 1, &tables)?,
                        );
                        let acts = node.inputs.iter().copied();
                        let acts = acts.filter(|&a| !super::is_const(q, a)).collect();
                        (instance(fa, fb, &rho)?, acts)
                    } else {
                        let (g, _) = crate::model::dual_at(q, i, &rho)?;
                        let inst = ProductSum::new(
                            vec![tables[x].clone(), Mle::new(g)?],
                            vec![(Fr::ONE, vec![0, 1])],
                        )?;
                        (inst, vec![x])
                    };
                    let claim = inst.sum();
                    let o = sumcheck::prove(inst, &claim, &mut t);
                    let (a_eval, b_eval) = (o.factor_evals[0], o.factor_evals[1]);
                    t.absorb_scalar(b"matmul/a_eval", &a_eval);
                    t.absorb_scalar(b"matmul/b_eval", &b_eval);
                    for a in claimed {
                        claims.push((Target::Value(a), o.point.clone()));
                    }
                    if let QOp::Conv { .. } = node.op {
                        // b_eval = G̃_ρ(r), proved over the weights (crate::conv::weights).
                        let c = super::conv_parts(q, i)?;
                        let pts = (&rho[..], &o.point[..]);
                        let (wp, _) =
                            crate::conv::weights::prove(&c.geom, &c.w, pts, &b_eval, &mut t)?;
                        conv_weights = Some(Box::new(wp));
                    }
                    MatMulProof {
                        sumcheck: o.proof,
                        a_eval,
                        b_eval,
                    }
                } else {
                    let w = node.inputs[1];
                    let dims = MatMulDims::of(&q.values[x].shape, &q.values[w].shape)?;
                    let (rc, rr) = rho.split_at(dims.col_vars());
                    let a = fr_vec(&flat(&trace.values[x]));
                    let b = fr_vec(&flat(&trace.values[w]));
                    let (mm, mc) = matmul::prove(dims, &a, &b, rr, rc, &mut t)?;
                    claims.push((Target::Value(x), mc.a_point));
                    claims.push((Target::Value(w), mc.b_point));
                    mm
                };
                let r_range = match &rem_tables[i] {
                    Some(r) => {
                        let table = logup::range_table(0, d.unwrap_or(1) as i64 - 1);
                        let (p, c) = logup::prove(&key.gens, &table, &r.evals, &mut t, rng)?;
                        claims.push((Target::Remainder(i), c.point));
                        Some(Box::new(p))
                    }
                    None => None,
                };
                let y_range = if !super::y_range_needed(q, true, out) {
                    None
                } else {
                    let (p, c) =
                        logup::prove(&key.gens, &act_table(q), &tables[out].evals, &mut t, rng)?;
                    claims.push((Target::Value(out), c.point));
                    Some(Box::new(p))
                };
                match conv_weights {
                    None => NodeProof::MatMul {
                        y_eval,
                        r_eval,
                        matmul: mm,
                        r_range,
                        y_range,
                    },
                    Some(weights) => NodeProof::Conv {
                        y_eval,
                        r_eval,
                        matmul: mm,
                        weights,
                        r_range,
                        y_range,
                    },
                }
            }
            QOp::Reshape { .. } if is_known(q, node.inputs[0]) => NodeProof::Derived,
            QOp::Add { .. } | QOp::Sub { .. } | QOp::Reshape { .. } => {
                let rho = t.challenges(b"model/rho", num_vars(&q.values[out].shape));
                let out_eval = tables[out].evaluate(&rho)?;
                let mut operand_evals = vec![];
                claims.push((Target::Value(out), rho.clone()));
                for &a in &node.inputs {
                    if !super::is_const(q, a) {
                        operand_evals.push(tables[a].evaluate(&rho)?);
                        claims.push((Target::Value(a), rho.clone()));
                    }
                }
                t.absorb_scalar(b"model/out_eval", &out_eval);
                t.absorb_scalars(b"model/operand_evals", &operand_evals);
                NodeProof::Linear {
                    out_eval,
                    operand_evals,
                }
            }
            QOp::Relu | QOp::Clip { .. } | QOp::Table { .. } => {
                let a = node.inputs[0];
                let gamma = t.challenge(b"model/gamma");
                let shape = &q.values[out].shape;
                let w = super::fn_column(&node.op, shape, &tables[a], &tables[out], gamma)?;
                let (lookup, c) =
                    logup::prove(&key.gens, &relu_table(q, &node.op, gamma), &w, &mut t, rng)?;
                let a_eval = tables[a].evaluate(&c.point)?;
                let o_eval = tables[out].evaluate(&c.point)?;
                t.absorb_scalars(b"model/relu_evals", &[a_eval, o_eval]);
                claims.push((Target::Value(a), c.point.clone()));
                claims.push((Target::Value(out), c.point));
                NodeProof::Relu {
                    lookup: Box::new(lookup),
                    a_eval,
                    o_eval,
                }
            }
            QOp::MaxPool(_) => {
                use super::maxpool as mp;
                let x = node.inputs[0];
                let aux = rem_tables[i]
                    .as_ref()
                    .ok_or_else(|| Error::Invalid("MaxPool without its table".into()))?;
                let kv = super::aux_vars(q, i)? - num_vars(&q.values[out].shape) - 1;
                let rho = t.challenges(b"model/rho", num_vars(&q.values[out].shape));
                let sigma = t.challenges(b"maxpool/sigma", kv);
                let (pd, ps) = mp::claim_points(&rho, &sigma);
                let y_eval = tables[out].evaluate(&rho)?;
                let d_eval = aux.evaluate(&pd)?;
                let s_eval = aux.evaluate(&ps)?;
                t.absorb_scalars(b"maxpool/evals", &[y_eval, d_eval, s_eval]);
                // Σ_a x(a)·G(a) = ỹ(ρ) − R̃(ρ, σ, 0).
                let g = mp::gather_table(q, i, &rho, &sigma)?;
                let inst = ProductSum::new(
                    vec![tables[x].clone(), Mle::new(g)?],
                    vec![(Fr::ONE, vec![0, 1])],
                )?;
                let claim = inst.sum();
                let o = sumcheck::prove(inst, &claim, &mut t);
                let (a_eval, b_eval) = (o.factor_evals[0], o.factor_evals[1]);
                t.absorb_scalar(b"matmul/a_eval", &a_eval);
                t.absorb_scalar(b"matmul/b_eval", &b_eval);
                claims.push((Target::Value(out), rho.clone()));
                claims.push((Target::Remainder(i), pd));
                claims.push((Target::Remainder(i), ps));
                claims.push((Target::Value(x), o.point));
                let gamma = t.challenge(b"maxpool/gamma");
                let w = mp::lookup_column(aux, gamma);
                let (lookup, c) =
                    logup::prove(&key.gens, &mp::lookup_table(q, gamma), &w, &mut t, rng)?;
                let (p0, p1) = (mp::lift(&c.point, Fr::ZERO), mp::lift(&c.point, Fr::ONE));
                let lookup_evals = [aux.evaluate(&p0)?, aux.evaluate(&p1)?];
                t.absorb_scalars(b"maxpool/lookup_evals", &lookup_evals);
                claims.push((Target::Remainder(i), p0));
                claims.push((Target::Remainder(i), p1));
                NodeProof::MaxPool {
                    y_eval,
                    d_eval,
                    s_eval,
                    gather: MatMulProof {
                        sumcheck: o.proof,
                        a_eval,
                        b_eval,
                    },
                    lookup: Box::new(lookup),
                    lookup_evals,
                }
            }
            QOp::Softmax { .. } => {
                let aux = rem_tables[i]
                    .as_ref()
                    .ok_or_else(|| Error::Invalid("Softmax without its table".into()))?;
                super::softmax_proof::prove(key, i, (&tables, aux), &mut claims, &mut t, rng)?
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

    // Opening phase: every claim on a committed table.
    let mut openings = vec![];
    for (target, point) in &claims {
        let c = match target {
            Target::Value(id) => committed[*id].as_ref(),
            Target::Remainder(i) => rem_committed[*i].as_ref(),
        };
        if let Some(c) = c {
            let (_, _, p) = hyrax::prove_eval(&key.gens, c, point, &Fr::ZERO, &mut t, rng)?;
            openings.push(p);
        }
    }
    Ok((
        ModelProof {
            commitments: committed.into_iter().map(|c| c.map(|c| c.comm)).collect(),
            remainders: rem_committed
                .into_iter()
                .map(|c| c.map(|c| c.comm))
                .collect(),
            nodes,
            openings,
        },
        public,
    ))
}
