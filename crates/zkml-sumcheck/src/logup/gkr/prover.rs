//! The LogUp-GKR prover (equations in the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::msg::ZkLogUpProof;
use super::{absorb_columns, layer_public, layer_terms, zk_table, Concat};
use crate::error::{Error, Result};
use crate::field::{Curve, Field, Fr, G1Affine};
use crate::hyrax::{self, Generators};
use crate::logup::prover::multiplicities_of;
use crate::mle::{eq_table, Mle};
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::zk::{prove_product, prove_sumcheck, Opening, ZkSumcheckProof};
use halo2_axiom::halo2curves::ff::BatchInvert;

/// The layers of a fractional-sum tree, root first: `layers[k]` has `2^k`
/// entries `(p, q)`, the last is the leaves.
fn fraction_layers(p: Vec<Fr>, q: Vec<Fr>) -> Vec<(Vec<Fr>, Vec<Fr>)> {
    let mut layers = vec![(p, q)];
    while layers[layers.len() - 1].0.len() > 1 {
        let (p, q) = &layers[layers.len() - 1];
        let h = p.len() / 2;
        let node = |x: usize| (p[x] * q[x + h] + p[x + h] * q[x], q[x] * q[x + h]);
        let next: (Vec<Fr>, Vec<Fr>) = if h < crate::sumcheck::prover::PAR_MIN {
            (0..h).map(node).unzip()
        } else {
            (0..h).into_par_iter().map(node).unzip()
        };
        layers.push(next);
    }
    layers.reverse();
    layers
}

/// `(1 − β)·a + β·b` of two openings (`None` if either side is public).
fn interpolate(a: Option<Opening>, b: Option<Opening>, beta: Fr) -> Option<Opening> {
    let (a, b) = (a?, b?);
    Some(Opening {
        value: a.value + beta * (b.value - a.value),
        blind: a.blind + beta * (b.blind - a.blind),
    })
}

/// What proving one tree leaves: the layer proofs, the leaf point, and the
/// openings of `p̃`, `q̃` there (`None` for the public side).
type TreeOutput = (Vec<ZkSumcheckProof>, Vec<Fr>, [Option<Opening>; 2]);

/// Proves a tree from its committed root claims down to the leaves.
fn prove_tree(
    gens: &Generators,
    layers: &[(Vec<Fr>, Vec<Fr>)],
    leaves_public: [bool; 2],
    root: [Opening; 2],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<TreeOutput> {
    let n = layers.len() - 1;
    let (mut cp, mut cq) = (Some(root[0]), Some(root[1]));
    let mut r: Vec<Fr> = vec![];
    let mut proofs = Vec::with_capacity(n);
    for k in 0..n {
        let (p, q) = &layers[k + 1];
        let h = 1usize << k;
        let (p_o, q_o) = cp
            .zip(cq)
            .ok_or_else(|| Error::Invalid("inner tree layer without claims".into()))?;
        let lambda = t.challenge(b"zk/logup-gkr/lambda");
        let claim = Opening {
            value: p_o.value + lambda * q_o.value,
            blind: p_o.blind + lambda * q_o.blind,
        };
        let inst = ProductSum::new(
            vec![
                Mle::new(eq_table(&r))?,
                Mle::new(p[..h].to_vec())?,
                Mle::new(p[h..].to_vec())?,
                Mle::new(q[..h].to_vec())?,
                Mle::new(q[h..].to_vec())?,
            ],
            layer_terms(lambda),
        )?;
        let public = layer_public(k, n, leaves_public);
        let out = prove_sumcheck(gens, inst, &public, &claim, t, rng)?;
        let beta = t.challenge(b"zk/logup-gkr/beta");
        let f = &out.factor_openings;
        cp = interpolate(f[1], f[2], beta);
        cq = interpolate(f[3], f[4], beta);
        r = out.point;
        r.push(beta);
        proofs.push(out.proof);
    }
    Ok((proofs, r, [cp, cq]))
}

/// Proves, in zero knowledge, that every entry of `w` (length a power of
/// two, bound in `t` by the caller) is in `table`. Returns the proof, the
/// point `r_w` and the opening of `Com(w̃(r_w))` for the caller to relate to
/// `w`'s commitment. Fails (naming the entry) if a value is missing.
/// ([`prove_zk_batch`] with one column.)
pub fn prove_zk(
    gens: &Generators,
    table: &[Fr],
    w: &[Fr],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkLogUpProof, Vec<Fr>, Opening)> {
    let (proof, mut claims) = prove_zk_batch(gens, table, &[w], t, rng)?;
    let (point, open) = claims
        .pop()
        .ok_or_else(|| Error::Invalid("a lookup without its claim".into()))?;
    Ok((proof, point, open))
}

/// A column's claim: its point and the opening of `Com(w̃_k(point))`.
pub type ColumnClaim = (Vec<Fr>, Opening);

/// Proves, in zero knowledge, that every entry of every column (each of
/// length a power of two, all bound in `t` by the caller) is in `table`:
/// one fraction tree over the columns laid end to end (`Concat`), one
/// multiplicity vector, one table sumcheck. Returns the proof and, per
/// column, its point `r_{<n_k}` (a prefix of the tree's leaf point) and the
/// opening of `Com(w̃_k(r_{<n_k}))`. Fails (naming the column and entry) if
/// a value is missing.
pub fn prove_zk_batch(
    gens: &Generators,
    table: &[Fr],
    columns: &[&[Fr]],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkLogUpProof, Vec<ColumnClaim>)> {
    prove_zk_batch_with(gens, table, columns, t, rng, |_| {})
}

/// [`prove_zk_batch`]; `edit_m` (tests) changes the multiplicities before
/// they are committed, as a cheating prover would.
pub(crate) fn prove_zk_batch_with(
    gens: &Generators,
    table: &[Fr],
    columns: &[&[Fr]],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
    edit_m: impl FnOnce(&mut [Fr]),
) -> Result<(ZkLogUpProof, Vec<ColumnClaim>)> {
    let _s = crate::profile::span("logup(total)");
    let table = zk_table(table)?;
    if columns.is_empty() {
        return Err(Error::Invalid("a lookup without columns".into()));
    }
    let nvs: Vec<usize> = columns
        .iter()
        .map(|c| Mle::new(c.to_vec()).map(|m| m.num_vars))
        .collect::<Result<_>>()?;
    let lay = Concat::new(&nvs)?;
    absorb_columns(t, &nvs);
    let mut w = vec![table[0]; 1 << lay.num_vars];
    for (c, &off) in columns.iter().zip(&lay.offsets) {
        w[off..off + c.len()].copy_from_slice(c);
    }
    let s = crate::profile::span("logup/multiplicities+commit_m");
    // The padding entries are T_0 (its first occurrence: index 0).
    let mut m = multiplicities_of(&table, columns)?;
    m[0] += Fr::from((w.len() - columns.iter().map(|c| c.len()).sum::<usize>()) as u64);
    edit_m(&mut m);
    let m_c = hyrax::commit(gens, Mle::new(m.clone())?, rng)?;
    drop(s);
    t.absorb_points(b"zk/logup-gkr/m", &m_c.comm.rows);
    let alpha = t.challenge(b"zk/logup-gkr/alpha");
    let q_w: Vec<Fr> = w.iter().map(|v| alpha - v).collect();
    let q_t: Vec<Fr> = table.iter().map(|v| alpha - v).collect();
    if q_w.iter().chain(&q_t).any(|x| bool::from(x.is_zero())) {
        return Err(Error::Invalid(
            "LogUp challenge hit a looked-up value (probability ~2^-240); retry".into(),
        ));
    }
    let s = crate::profile::span("logup/layers");
    let lw = fraction_layers(vec![Fr::ONE; w.len()], q_w);
    let mut c = q_t;
    c.iter_mut().batch_invert();
    let sum: Fr = m.iter().zip(&c).map(|(a, b)| *a * b).sum();
    drop(s);
    let roots = [lw[0].0[0], lw[0].1[0]].map(|v| Opening::random(v, rng));
    let root_coms = roots.map(|o| o.commit(gens).to_affine());
    let sum = Opening::random(sum, rng);
    let sum_com: G1Affine = sum.commit(gens).to_affine();
    t.absorb_points(b"zk/logup-gkr/roots", &root_coms);
    t.absorb_points(b"zk/logup-gkr/sum", &[sum_com]);
    // P = S·Q: the witness side's fraction equals the table side's sum.
    let cross = prove_product(gens, &sum, &roots[1], &roots[0], t, rng);
    let s = crate::profile::span("logup/witness_tree");
    let (witness_layers, rw, [_, q_leaf]) = prove_tree(gens, &lw, [true, false], roots, t, rng)?;
    drop(s);
    let s = crate::profile::span("logup/table_sumcheck");
    let inst = ProductSum::new(
        vec![m_c.poly.clone(), Mle::new(c)?],
        vec![(Fr::ONE, vec![0, 1])],
    )?;
    let to = prove_sumcheck(gens, inst, &[false, true], &sum, t, rng)?;
    drop(s);
    let missing = || Error::Invalid("tree leaf without its opening".into());
    let q_leaf = q_leaf.ok_or_else(missing)?;
    let m_leaf = to.factor_openings[0].ok_or_else(missing)?;
    let (_, _, m_open) = hyrax::prove_eval(gens, &m_c, &to.point, &m_leaf.blind, t, rng)?;
    // W̃(r_w) = α − q̃(r_w), split into the columns' claims: every column but
    // the last is committed; the last is what the split leaves,
    // (W̃ − pad·T_0 − Σ_{k<K−1} sel_k·w̃_k) / sel_{K−1}.
    let mut rest = Opening {
        value: alpha - q_leaf.value,
        blind: -q_leaf.blind,
    };
    let sels: Vec<Fr> = (0..columns.len())
        .map(|k| lay.selector(k, nvs[k], &rw))
        .collect();
    let pad = Fr::ONE - sels.iter().copied().sum::<Fr>();
    rest.value -= pad * table[0];
    let last = columns.len() - 1;
    let mut claims = Vec::with_capacity(columns.len());
    let mut column_coms = Vec::with_capacity(last);
    for k in 0..last {
        let o = Opening::random(Mle::new(columns[k].to_vec())?.evaluate(&rw[..nvs[k]])?, rng);
        column_coms.push(o.commit(gens).to_affine());
        rest.value -= sels[k] * o.value;
        rest.blind -= sels[k] * o.blind;
        claims.push((rw[..nvs[k]].to_vec(), o));
    }
    t.absorb_points(b"zk/logup-gkr/column_coms", &column_coms);
    let inv = Option::<Fr>::from(sels[last].invert()).ok_or_else(|| {
        Error::Invalid("LogUp point hit a zero selector (probability ~2^-250); retry".into())
    })?;
    claims.push((
        rw[..nvs[last]].to_vec(),
        Opening {
            value: rest.value * inv,
            blind: rest.blind * inv,
        },
    ));
    Ok((
        ZkLogUpProof {
            m_comm: m_c.comm,
            roots: root_coms,
            sum_com,
            cross,
            witness_layers,
            table_sumcheck: to.proof,
            m_open,
            column_coms,
        },
        claims,
    ))
}
