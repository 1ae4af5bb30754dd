//! Elementwise `Mul` in zero knowledge: [`crate::model::product`]'s
//! relation with every claimed value committed, both ends side by side.
//!
//! The prover sends `C_y = Com(ỹ(ρ))` and, when `s > 0`, `C_r = Com(r̃(ρ))`;
//! the verifier forms the committed claim
//! `C_t = 2^s·C_y + C_r − 2^{s−1}·Ĩ(ρ)·U` and checks the committed sumcheck
//! `Σ_x ã(x)·b̃(x)·eq(ρ, x)` against it ([`crate::zk::verify_sumcheck`]):
//! constants (broadcast) and `eq(ρ, ·)` are public factors it evaluates
//! itself; each activation operand's value at the sumcheck's point is a
//! commitment, opened later against the operand's table; two activations
//! are tied by a proof of product in the sumcheck's final check. The range
//! checks of `r` and `y` join the model's batched lookups
//! ([`super::lookups::register_range_checks`]). What the verifier sees is
//! Pedersen commitments and Σ-protocol transcripts only (see the
//! [module doc](super)).

use rand_core06::{CryptoRng, RngCore};

use super::msg::ZkNodeProof;
use crate::error::{reject, Error, Result};
use crate::field::{Curve, Fr, G1Affine};
use crate::mle::Mle;
use crate::model::product::{const_operand, instance, mul_vars, operand_factor, public_factors};
use crate::model::{block_indicator, divisor, hidden_const, layout, Key};
use crate::transcript::Transcript;
use crate::zk::{Opening, ZkSumcheckProof};
use zkml_core::backend::Vis;

/// A claim left by the node: `Ok(value)` or `Err(node)` (its remainder),
/// the point, and what the claimed value is.
pub(crate) type Claim<V> = (std::result::Result<usize, usize>, Vec<Fr>, V);

/// `(d, 2^{s−1}·Ĩ(ρ))` of `Mul` node `i`: the divisor (1 when `s = 0`) and
/// the rounding constant's evaluation at `ρ`.
fn rescale(key: &Key, i: usize, rho: &[Fr]) -> (Fr, Fr) {
    let q = &key.q;
    let d = divisor(q, i);
    let (rows, cols) = layout(&q.values[q.nodes[i].output].shape);
    (
        Fr::from(d.unwrap_or(1)),
        Fr::from(d.unwrap_or(0) / 2) * block_indicator(rows, cols, rho),
    )
}

/// Which factors of the sumcheck the verifier evaluates: a hidden
/// constant is a committed factor (`super::weights`).
fn public_of(key: &Key, i: usize) -> [bool; 3] {
    let q = &key.q;
    let mut p = public_factors(q, key.visibility.input == Vis::Public, i);
    for (k, &a) in q.nodes[i].inputs.iter().enumerate().take(2) {
        if hidden_const(q, &key.visibility, a) {
            p[k] = false;
        }
    }
    p
}

/// Proves `Mul` node `i` (`tables`: every value's table; `rem`: the node's
/// remainder table when `s > 0`). Returns the node's message and its claims
/// (output and remainder at `ρ`, each committed operand at the sumcheck's point).
#[allow(clippy::too_many_arguments)]
pub(crate) fn prove(
    key: &Key,
    i: usize,
    tables: &[Mle],
    rem: Option<&Mle>,
    consts: &mut Vec<ZkSumcheckProof>,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkNodeProof, Vec<Claim<Opening>>)> {
    let (q, gens) = (&key.q, &key.gens);
    let node = &q.nodes[i];
    let rho = t.challenges(b"model/rho", mul_vars(q, i));
    let y_o = Opening::random(tables[node.output].evaluate(&rho)?, rng);
    let r_o = match rem {
        Some(r) => Some(Opening::random(r.evaluate(&rho)?, rng)),
        None => None,
    };
    let com = |o: &Opening| o.commit(gens).to_affine();
    t.absorb_points(b"model/y_com", &[com(&y_o)]);
    if let Some(r) = &r_o {
        t.absorb_points(b"model/r_com", &[com(r)]);
    }
    let (d, half) = rescale(key, i, &rho);
    let r0 = Opening {
        value: Fr::from(0),
        blind: Fr::from(0),
    };
    let r = r_o.unwrap_or(r0);
    let target = Opening {
        value: d * y_o.value + r.value - half,
        blind: d * y_o.blind + r.blind,
    };
    let inst = instance(
        operand_factor(q, i, 0, tables)?,
        operand_factor(q, i, 1, tables)?,
        &rho,
    )?;
    let public = public_of(key, i);
    let o = crate::zk::prove_sumcheck(gens, inst, &public, &target, t, rng)?;
    let mut claims = vec![(Ok(node.output), rho.clone(), y_o)];
    if let Some(r) = r_o {
        claims.push((Err(i), rho, r));
    }
    for (k, &a) in node.inputs.iter().enumerate() {
        if let Some(op) = o.factor_openings[k] {
            if hidden_const(q, &key.visibility, a) {
                // Com(B̃(r)) of the broadcast hidden constant → a claim on c̃.
                let (p, pt, oc) =
                    super::weights::prove_broadcast(key, i, a, &tables[a], &o.point, &op, t, rng)?;
                consts.push(p);
                claims.push((Ok(a), pt, oc));
            } else {
                claims.push((Ok(a), o.point.clone(), op));
            }
        }
    }
    Ok((
        ZkNodeProof::MatMul {
            y_com: com(&y_o),
            r_com: r_o.as_ref().map(com),
            matmul: o.proof,
        },
        claims,
    ))
}

/// Checks `Mul` node `i`'s messages (`has_rem`: whether the proof commits
/// to a remainder for it; `known`: a known operand's table). Returns the
/// claims in the prover's order, each with its value's commitment.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify<'a>(
    key: &Key,
    i: usize,
    (y_com, r_com): (&G1Affine, Option<&G1Affine>),
    has_rem: bool,
    (proof, consts): (
        &ZkSumcheckProof,
        &mut impl Iterator<Item = &'a ZkSumcheckProof>,
    ),
    known: &mut impl FnMut(usize) -> Result<Mle>,
    t: &mut Transcript,
    checks: &mut crate::zk::Checks,
) -> Result<Vec<Claim<G1Affine>>> {
    let q = &key.q;
    let node = &q.nodes[i];
    let rho = t.challenges(b"model/rho", mul_vars(q, i));
    t.absorb_points(b"model/y_com", &[*y_com]);
    let r_com = match (divisor(q, i), r_com, has_rem) {
        (None, None, false) => None,
        (Some(_), Some(r), true) => {
            t.absorb_points(b"model/r_com", &[*r]);
            Some(*r)
        }
        _ => {
            return Err(Error::Malformed {
                what: "mul remainder commitment",
                got: usize::from(r_com.is_some()),
                expected: usize::from(divisor(q, i).is_some()),
            })
        }
    };
    let (d, half) = rescale(key, i, &rho);
    // d·C_y + C_r − half·U, kept as a combination (never formed).
    let mut target = crate::zk::Lc::public(-half);
    target.add_point(d, *y_com);
    if let Some(r) = r_com {
        target.add_point(Fr::from(1), r);
    }
    let public = public_of(key, i);
    // Public operands: a constant's broadcast table or a known value's.
    let mut pub_tables = vec![];
    for (k, _) in public[..2].iter().enumerate().filter(|(_, p)| **p) {
        pub_tables.push(match const_operand(q, i, k)? {
            Some(c) => c,
            None => known(node.inputs[k])?,
        });
    }
    let sub = crate::zk::verify_sumcheck(
        mul_vars(q, i),
        &crate::model::product::terms(),
        &public,
        &target,
        proof,
        |pt| {
            let mut v = pub_tables
                .iter()
                .map(|m| m.evaluate(pt))
                .collect::<Result<Vec<_>>>()?;
            v.push(
                crate::mle::eq_eval(&rho, pt)
                    .ok_or_else(|| reject("mul sumcheck point", "length"))?,
            );
            Ok(v)
        },
        t,
        checks,
    )?;
    let mut claims = vec![(Ok(node.output), rho.clone(), *y_com)];
    if let Some(r) = r_com {
        claims.push((Err(i), rho, r));
    }
    for (k, &a) in node.inputs.iter().enumerate() {
        if let Some(c) = sub.factor_coms[k] {
            if hidden_const(q, &key.visibility, a) {
                let p = consts.next().ok_or(Error::Malformed {
                    what: "mul constant broadcast proof",
                    got: 0,
                    expected: 1,
                })?;
                let (pt, cc) = super::weights::verify_broadcast(
                    q,
                    i,
                    a,
                    &sub.point,
                    &crate::zk::Lc::from(c),
                    p,
                    t,
                    checks,
                )?;
                claims.push((Ok(a), pt, cc));
            } else {
                claims.push((Ok(a), sub.point.clone(), c));
            }
        }
    }
    Ok(claims)
}
