//! The model prover (see the [module doc](super) for the relations and order).

use rand_core06::{CryptoRng, RngCore};

use super::msg::{ModelProof, NodeProof};
use super::{
    absorb_statement, act_table, is_known, layout_shape, num_vars, relu_table, table_of, Key,
};
use crate::error::{Error, Result};
use crate::field::{fr_vec, Field, Fr};
use crate::hyrax::{self, CommittedPoly};
use crate::logup;
use crate::matmul::{self, MatMulDims};
use crate::mle::Mle;
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
    let q = &key.q;
    if trace.values.len() != q.values.len()
        || q.values
            .iter()
            .zip(&trace.values)
            .any(|(v, x)| v.shape != x.shape())
    {
        return Err(Error::Invalid(
            "the trace is not a run of this model (shapes differ)".into(),
        ));
    }
    let public = PublicValues::from_trace(q, trace, &key.visibility);
    let mut t = Transcript::new(b"zkml-sumcheck/model");
    absorb_statement(&mut t, key, &public);

    let tables: Vec<Mle> = (0..q.values.len())
        .map(|id| table_of(&layout_shape(q, id), &flat(&trace.values[id])))
        .collect::<Result<_>>()?;
    // Rescale remainders r = x·W + 2^{s−1} − 2^s·y.
    let mut rem_tables: Vec<Option<Mle>> = vec![None; q.nodes.len()];
    for (i, node) in q.nodes.iter().enumerate() {
        if let QOp::MatMul { shift } = node.op {
            if shift == 0 {
                continue;
            }
            let (x, w) = (&trace.values[node.inputs[0]], &trace.values[node.inputs[1]]);
            let acc = zkml_core::ops::matmul::accumulate(x, w);
            let y = &trace.values[node.output];
            let r: Vec<i64> = acc
                .iter()
                .zip(y.iter())
                .map(|(a, y)| a + (1i64 << (shift - 1)) - (y << shift))
                .collect();
            if let Some(bad) = r.iter().position(|&v| v < 0 || v >= 1i64 << shift) {
                return Err(Error::Invalid(format!(
                    "node `{}` (MatMul): output entry {bad} is not the rescaled product",
                    node.name
                )));
            }
            rem_tables[i] = Some(table_of(&q.values[node.output].shape, &r)?);
        }
    }

    // Commit phase.
    let mut committed: Vec<Option<CommittedPoly>> = vec![None; q.values.len()];
    for (id, tab) in tables.iter().enumerate() {
        if !is_known(q, id) {
            let c = hyrax::commit(&key.gens, tab.clone(), rng)?;
            t.absorb_points(b"model/commitment", &c.comm.rows);
            committed[id] = Some(c);
        }
    }
    let mut rem_committed: Vec<Option<CommittedPoly>> = vec![None; q.nodes.len()];
    for (i, tab) in rem_tables.iter().enumerate() {
        if let Some(tab) = tab {
            let c = hyrax::commit(&key.gens, tab.clone(), rng)?;
            t.absorb_points(b"model/remainder", &c.comm.rows);
            rem_committed[i] = Some(c);
        }
    }

    // Node phase.
    let mut claims: Vec<(Target, Vec<Fr>)> = vec![];
    let mut nodes = Vec::with_capacity(q.nodes.len());
    for (i, node) in q.nodes.iter().enumerate() {
        let out = node.output;
        let proof = match &node.op {
            QOp::MatMul { shift } => {
                let (x, w) = (node.inputs[0], node.inputs[1]);
                let dims = MatMulDims::of(&q.values[x].shape, &q.values[w].shape)?;
                let rho = t.challenges(b"model/rho", num_vars(&q.values[out].shape));
                let (rc, rr) = rho.split_at(dims.col_vars());
                let y_eval = tables[out].evaluate(&rho)?;
                let r_eval = match &rem_tables[i] {
                    Some(r) => Some(r.evaluate(&rho)?),
                    None => None,
                };
                t.absorb_scalar(b"model/y_eval", &y_eval);
                if let Some(r) = &r_eval {
                    t.absorb_scalar(b"model/r_eval", r);
                }
                let a = fr_vec(&flat(&trace.values[x]));
                let b = fr_vec(&flat(&trace.values[w]));
                let (mm, mc) = matmul::prove(dims, &a, &b, rr, rc, &mut t)?;
                claims.push((Target::Value(out), rho.clone()));
                if r_eval.is_some() {
                    claims.push((Target::Remainder(i), rho.clone()));
                }
                claims.push((Target::Value(x), mc.a_point));
                claims.push((Target::Value(w), mc.b_point));
                let r_range = match &rem_tables[i] {
                    Some(r) => {
                        let table = logup::range_table(0, (1i64 << shift) - 1);
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
                NodeProof::MatMul {
                    y_eval,
                    r_eval,
                    matmul: mm,
                    r_range,
                    y_range,
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
            QOp::Relu => {
                let a = node.inputs[0];
                let gamma = t.challenge(b"model/gamma");
                let w: Vec<Fr> = tables[a]
                    .evals
                    .iter()
                    .zip(&tables[out].evals)
                    .map(|(x, y)| *x + gamma * y)
                    .collect();
                let (lookup, c) = logup::prove(&key.gens, &relu_table(q, gamma), &w, &mut t, rng)?;
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
