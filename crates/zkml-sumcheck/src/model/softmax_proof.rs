//! Softmax in the clear model proof ([`super::softmax`]'s relations): the
//! prover sends the thirteen claimed values, the product sumcheck, the
//! lookups and the pair columns' values; the verifier checks the seven
//! linear relations, the sumcheck's final claim and each pair column, and
//! leaves the claims on the auxiliary table, the input and the output to
//! the model's opening phase. Both ends side by side.

use rand_core06::{CryptoRng, RngCore};

use super::msg::NodeProof;
use super::prover::Target;
use super::softmax as sm;
use super::{act_table, is_known, num_vars, Key};
use crate::error::{expect_len, reject, Error, Result};
use crate::field::Fr;
use crate::logup::{self, LogUpProof};
use crate::matmul::MatMulProof;
use crate::mle::{eq_eval, Mle};
use crate::sumcheck;
use crate::transcript::Transcript;

/// A claim the verifier leaves to the opening phase: `Ok(value)` or
/// `Err(node)` (its auxiliary table), the point and the claimed value.
pub(crate) type VClaim = (std::result::Result<usize, usize>, Vec<Fr>, Fr);

fn params(key: &Key, i: usize) -> Result<sm::Params> {
    sm::params(&key.q, i).map_err(|why| Error::Unsupported {
        op: "Softmax".into(),
        node: i,
        why,
    })
}

/// Proves Softmax node `i` (`tables`: every value's table; `aux`: the
/// node's auxiliary table); its claims go to `claims`.
pub(crate) fn prove(
    key: &Key,
    i: usize,
    (tables, aux): (&[Mle], &Mle),
    claims: &mut Vec<(Target, Vec<Fr>)>,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<NodeProof> {
    let q = &key.q;
    let p = params(key, i)?;
    let node = &q.nodes[i];
    let (x, out) = (node.inputs[0], node.output);
    let shape = &q.values[out].shape;
    let rho = t.challenges(b"model/rho", num_vars(shape));
    let evals = sm::values(&p, &rho, aux, &tables[x])?;
    t.absorb_scalars(b"softmax/evals", &evals);
    for pt in sm::value_points(&p, &rho) {
        claims.push(match pt {
            Err(pt) => (Target::Remainder(i), pt),
            Ok(pt) => (Target::Value(x), pt),
        });
    }
    // Σ_x sb(x)·y(x)·eq(ρ, x) = ½·(2^{s_out+1}·e + sb − r) at ρ.
    let inst = sm::product_instance(aux, &tables[out], &rho)?;
    let claim = inst.sum();
    let o = sumcheck::prove(inst, &claim, t);
    let (a_eval, b_eval) = (o.factor_evals[0], o.factor_evals[1]);
    t.absorb_scalar(b"matmul/a_eval", &a_eval);
    t.absorb_scalar(b"matmul/b_eval", &b_eval);
    claims.push((Target::Remainder(i), sm::slot_point(&o.point, sm::SB)));
    claims.push((Target::Value(out), o.point));
    let gamma = t.challenge(b"softmax/gamma");
    let mut lookups = vec![];
    let mut pair_evals = vec![];
    for (table, col) in sm::lookups(&p) {
        let tab = sm::lookup_table(q, i, &table, gamma)?;
        let column = match col {
            Ok(pair) => sm::pair_column(aux, pair, shape, gamma)?,
            Err(k) => sm::slot(aux, k)?.evals,
        };
        let (lp, c) = logup::prove(&key.gens, &tab, &column, t, rng)?;
        lookups.push(lp);
        match col {
            Ok((a, b)) => {
                let (pa, pb) = (sm::slot_point(&c.point, a), sm::slot_point(&c.point, b));
                let ev = [aux.evaluate(&pa)?, aux.evaluate(&pb)?];
                t.absorb_scalars(b"softmax/pair_evals", &ev);
                pair_evals.extend(ev);
                claims.push((Target::Remainder(i), pa));
                claims.push((Target::Remainder(i), pb));
            }
            Err(k) => claims.push((Target::Remainder(i), sm::slot_point(&c.point, k))),
        }
    }
    if !is_known(q, out) {
        let (lp, c) = logup::prove(&key.gens, &act_table(q), &tables[out].evals, t, rng)?;
        lookups.push(lp);
        claims.push((Target::Value(out), c.point));
    }
    Ok(NodeProof::Softmax {
        evals,
        product: MatMulProof {
            sumcheck: o.proof,
            a_eval,
            b_eval,
        },
        lookups,
        pair_evals,
    })
}

/// Checks Softmax node `i`'s messages; returns its claims in the prover's order.
pub(crate) fn verify(
    key: &Key,
    i: usize,
    (evals, product, lookups, pair_evals): (&[Fr], &MatMulProof, &[LogUpProof], &[Fr]),
    t: &mut Transcript,
) -> Result<Vec<VClaim>> {
    let q = &key.q;
    let p = params(key, i)?;
    let node = &q.nodes[i];
    let (x, out) = (node.inputs[0], node.output);
    let shape = &q.values[out].shape;
    let nv = num_vars(shape);
    let plan = sm::lookups(&p);
    expect_len("softmax values", evals.len(), sm::VALUES.len())?;
    let n_lookups = plan.len() + usize::from(!is_known(q, out));
    expect_len("softmax lookups", lookups.len(), n_lookups)?;
    let n_pairs = plan.iter().filter(|(_, c)| c.is_ok()).count();
    expect_len("softmax pair values", pair_evals.len(), 2 * n_pairs)?;
    let fail = |what: &'static str| reject(what, format!("node `{}` (Softmax)", node.name));

    let rho = t.challenges(b"model/rho", nv);
    t.absorb_scalars(b"softmax/evals", evals);
    for rel in sm::relations(&p, &rho) {
        if sm::residual(&rel, evals) != Fr::from(0) {
            return Err(fail(
                "softmax relations: max, rounding, broadcast, one-hot, lane sum, remainder bound",
            ));
        }
    }
    let mut claims: Vec<VClaim> = sm::value_points(&p, &rho)
        .into_iter()
        .zip(evals)
        .map(|(pt, v)| match pt {
            Err(pt) => (Err(i), pt, *v),
            Ok(pt) => (Ok(x), pt, *v),
        })
        .collect();
    let target: Fr = sm::product_target(&p)
        .iter()
        .map(|(j, c)| *c * evals[*j])
        .sum();
    let sub = sumcheck::verify(nv, 3, &target, &product.sumcheck, t)?;
    let eq = eq_eval(&rho, &sub.point).ok_or_else(|| fail("softmax product point length"))?;
    if sub.value != product.a_eval * product.b_eval * eq {
        return Err(fail(
            "softmax division final claim: g_last(r_last) = s̃b(r)·ỹ(r)·eq(ρ, r)",
        ));
    }
    t.absorb_scalar(b"matmul/a_eval", &product.a_eval);
    t.absorb_scalar(b"matmul/b_eval", &product.b_eval);
    claims.push((Err(i), sm::slot_point(&sub.point, sm::SB), product.a_eval));
    claims.push((Ok(out), sub.point, product.b_eval));
    let gamma = t.challenge(b"softmax/gamma");
    let mut pairs = pair_evals.chunks(2);
    for ((table, col), lp) in plan.iter().zip(lookups) {
        let tab = sm::lookup_table(q, i, table, gamma)?;
        let c = logup::verify(&key.gens, &tab, nv, lp, t)?;
        match col {
            Ok((a, b)) => {
                let ev = pairs.next().ok_or_else(|| fail("softmax pair values"))?;
                if c.value != ev[0] + gamma * ev[1] + sm::pair_public(shape, gamma, &c.point) {
                    return Err(fail("softmax lookup column: w̃ = ã + γ·õ + γ²·Ĩ"));
                }
                t.absorb_scalars(b"softmax/pair_evals", ev);
                claims.push((Err(i), sm::slot_point(&c.point, *a), ev[0]));
                claims.push((Err(i), sm::slot_point(&c.point, *b), ev[1]));
            }
            Err(k) => claims.push((Err(i), sm::slot_point(&c.point, *k), c.value)),
        }
    }
    if let Some(lp) = lookups.get(plan.len()) {
        let c = logup::verify(&key.gens, &act_table(q), nv, lp, t)?;
        claims.push((Ok(out), c.point, c.value));
    }
    Ok(claims)
}
