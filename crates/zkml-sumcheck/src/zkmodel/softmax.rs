//! Softmax in zero knowledge: [`crate::model::softmax`]'s relations with
//! every claimed value committed, both ends side by side.
//!
//! The prover sends `C_j = Com(V_j)` for the thirteen claimed values
//! ([`crate::model::softmax::VALUES`]); after they are absorbed the verifier
//! draws `λ_1..λ_7` and the seven linear relations become one proof that
//! `Σ_k λ_k·(Σ_j c_kj·C_j + c_k0·U)` commits to zero (a false relation
//! survives with probability `1/p`). The division is the committed sumcheck
//! `Σ_x s̃b(x)·ỹ(x)·eq(ρ, x)` against `½·(2^{s_out+1}·C_e + C_sb − C_r)`
//! (`ỹ` public when the output is), and the node's lookups (the max's and
//! the exponential's pairs, the three remainders, the output's range when
//! hidden) join the model's batched lookups ([`super::lookups`]) as columns
//! of its auxiliary table. The verifier sees only Pedersen commitments
//! (perfectly hiding) and Σ-protocol transcripts (special HVZK), simulated
//! as in the [module doc](super).

use rand_core06::{CryptoRng, RngCore};

use super::lookups::{Column, LookupPlan, TableKey};
use super::msg::ZkNodeProof;
use super::product::Claim;
use crate::error::{expect_len, reject, Error, Result};
use crate::field::{Curve, Fr, G1Affine};
use crate::mle::Mle;
use crate::model::softmax::{self as sm, Table};
use crate::model::{known_in, num_vars, Key};
use crate::transcript::Transcript;
use crate::zk::{prove_zero, verify_zero, Checks, Lc, Opening, ZeroProof, ZkSumcheckProof};
use zkml_core::backend::Vis;

fn params(key: &Key, i: usize) -> Result<sm::Params> {
    sm::params(&key.q, i).map_err(|why| Error::Unsupported {
        op: "Softmax".into(),
        node: i,
        why,
    })
}

/// The first Softmax node whose `table` equals node `i`'s (the max's table
/// depends only on the activation bits, the exponential's on the input and
/// exponential scales): the nodes of a model share one table, one `m`.
fn canonical(key: &Key, i: usize, table: &Table) -> usize {
    let q = &key.q;
    let scales = |j: usize| match q.nodes[j].op {
        zkml_core::QOp::Softmax {
            in_scale,
            exp_scale,
            ..
        } => Some((in_scale, exp_scale)),
        _ => None,
    };
    (0..i)
        .find(|&j| {
            scales(j).is_some()
                && sm::params(q, j).is_ok()
                && (*table == Table::Max || scales(j) == scales(i))
        })
        .unwrap_or(i)
}

/// Registers node `i`'s lookups (both ends): the two pair columns, the
/// three remainders and, when the output is hidden, its range.
pub(crate) fn register(key: &Key, i: usize, plan: &mut LookupPlan) -> Result<()> {
    let q = &key.q;
    for (table, col) in sm::lookups(&params(key, i)?) {
        let tk = match table {
            Table::Range(lo, hi) => TableKey::Range(lo, hi),
            other => TableKey::Softmax(canonical(key, i, &other), other),
        };
        plan.push(
            tk,
            match col {
                Ok((a, b)) => Column::AuxPair(i, a, b),
                Err(k) => Column::AuxSlot(i, k),
            },
        );
    }
    let out = q.nodes[i].output;
    if !known_in(q, key.visibility.input == Vis::Public, out) {
        plan.push(TableKey::act(q), Column::Plain(Ok(out)));
    }
    Ok(())
}

/// Proves Softmax node `i` (`tables`: every value's table; `aux`: the
/// node's auxiliary table). Returns its message and claims.
pub(crate) fn prove(
    key: &Key,
    i: usize,
    (tables, aux): (&[Mle], &Mle),
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkNodeProof, Vec<Claim<Opening>>)> {
    let (q, gens) = (&key.q, &key.gens);
    let p = params(key, i)?;
    let node = &q.nodes[i];
    let (x, out) = (node.inputs[0], node.output);
    let rho = t.challenges(b"model/rho", num_vars(&q.values[out].shape));
    let opens: Vec<Opening> = sm::values(&p, &rho, aux, &tables[x])?
        .into_iter()
        .map(|v| Opening::random(v, rng))
        .collect();
    let coms: Vec<G1Affine> = opens.iter().map(|o| o.commit(gens).to_affine()).collect();
    t.absorb_points(b"softmax/coms", &coms);
    let rels = sm::relations(&p, &rho);
    let lambdas = t.challenges(b"softmax/lambda", rels.len());
    // Σ_k λ_k·Σ_j c_kj·C_j + (public)·U = blind·H for an honest witness.
    let mut blind = Fr::from(0);
    for (rel, l) in rels.iter().zip(&lambdas) {
        for (j, c) in &rel.0 {
            blind += *l * c * opens[*j].blind;
        }
    }
    let relation = prove_zero(gens, &blind, t, rng);
    let mut target = Opening {
        value: Fr::from(0),
        blind: Fr::from(0),
    };
    for (j, c) in sm::product_target(&p) {
        target.value += c * opens[j].value;
        target.blind += c * opens[j].blind;
    }
    let inst = sm::product_instance(aux, &tables[out], &rho)?;
    let public = [
        false,
        known_in(q, key.visibility.input == Vis::Public, out),
        true,
    ];
    let o = crate::zk::prove_sumcheck(gens, inst, &public, &target, t, rng)?;
    let mut claims: Vec<Claim<Opening>> = sm::value_points(&p, &rho)
        .into_iter()
        .zip(opens)
        .map(|(pt, o)| match pt {
            Err(pt) => (Err(i), pt, o),
            Ok(pt) => (Ok(x), pt, o),
        })
        .collect();
    let sb = o.factor_openings[0].ok_or_else(|| Error::Invalid("softmax sb opening".into()))?;
    claims.push((Err(i), sm::slot_point(&o.point, sm::SB), sb));
    if let Some(y) = o.factor_openings[1] {
        claims.push((Ok(out), o.point.clone(), y));
    }
    Ok((
        ZkNodeProof::Softmax {
            coms,
            relation,
            product: Box::new(o.proof),
        },
        claims,
    ))
}

/// Checks Softmax node `i`'s messages (`known`: a known value's table);
/// returns its claims in the prover's order, each with its value's
/// commitment as a combination.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify(
    key: &Key,
    i: usize,
    (coms, relation, product): (&[G1Affine], &ZeroProof, &ZkSumcheckProof),
    known: &mut impl FnMut(usize) -> Result<Mle>,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<Vec<Claim<Lc>>> {
    let q = &key.q;
    let p = params(key, i)?;
    let node = &q.nodes[i];
    let (x, out) = (node.inputs[0], node.output);
    let nv = num_vars(&q.values[out].shape);
    expect_len("softmax value commitments", coms.len(), sm::VALUES.len())?;
    let rho = t.challenges(b"model/rho", nv);
    t.absorb_points(b"softmax/coms", coms);
    let rels = sm::relations(&p, &rho);
    let lambdas = t.challenges(b"softmax/lambda", rels.len());
    let mut rel = Lc::default();
    for (r, l) in rels.iter().zip(&lambdas) {
        let mut lr = Lc::public(r.1);
        for (j, c) in &r.0 {
            lr.add_point(*c, coms[*j]);
        }
        rel.add_scaled(&lr, *l);
    }
    verify_zero(&rel, relation, t, checks);
    let mut target = Lc::default();
    for (j, c) in sm::product_target(&p) {
        target.add_point(c, coms[j]);
    }
    let y_pub = if known_in(q, key.visibility.input == Vis::Public, out) {
        Some(known(out)?)
    } else {
        None
    };
    let public = [false, y_pub.is_some(), true];
    let sub = crate::zk::verify_sumcheck(
        nv,
        &crate::model::product::terms(),
        &public,
        &target,
        product,
        |pt| {
            let mut v = vec![];
            if let Some(y) = &y_pub {
                v.push(y.evaluate(pt)?);
            }
            v.push(
                crate::mle::eq_eval(&rho, pt)
                    .ok_or_else(|| reject("softmax sumcheck point", "length"))?,
            );
            Ok(v)
        },
        t,
        checks,
    )?;
    let mut claims: Vec<Claim<Lc>> = sm::value_points(&p, &rho)
        .into_iter()
        .zip(coms)
        .map(|(pt, c)| match pt {
            Err(pt) => (Err(i), pt, (*c).into()),
            Ok(pt) => (Ok(x), pt, (*c).into()),
        })
        .collect();
    let sb = sub.factor_coms[0].ok_or_else(|| reject("softmax sumcheck", "sb commitment"))?;
    claims.push((Err(i), sm::slot_point(&sub.point, sm::SB), sb.into()));
    if let Some(y) = sub.factor_coms[1] {
        claims.push((Ok(out), sub.point.clone(), y.into()));
    }
    Ok(claims)
}
