//! The LogUp-GKR prover (equations in the [module doc](super)).

use rand_core06::{CryptoRng, RngCore};
use rayon::prelude::*;

use super::layer::LayerSum;
use super::msg::ZkLogUpProof;
use super::{absorb_columns, absorb_tags, layer_public, zk_table, Concat};
use crate::error::{Error, Result};
use crate::field::{Curve, Field, Fr, G1Affine, PrimeField};
use crate::hyrax::{self, Generators};
use crate::logup::prover::multiplicities_of;
use crate::mle::Mle;
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::zk::prover::prove_sumcheck_with;
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
        let inst = LayerSum::new(&r, [&p[..h], &p[h..]], [&q[..h], &q[h..]], lambda);
        let public = layer_public(k, n, leaves_public);
        let out = prove_sumcheck_with(gens, inst, &public, &claim, t, rng)?;
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
    let cols: Vec<(&[Fr], usize)> = columns.iter().map(|c| (*c, 0)).collect();
    let mut edit = Some(edit_m);
    let edit = |_: usize, m: &mut [Fr]| {
        if let Some(f) = edit.take() {
            f(m)
        }
    };
    let (p, c, _) = prove_zk_multi_with(gens, &[table], &cols, t, rng, edit, false)?;
    Ok((p, c))
}

/// Proves, in zero knowledge, that every entry of every column `(w_k, t_k)`
/// is in table `tables[t_k]`: one fraction tree over all columns of all
/// tables, each entry tagged `w + δ·t_k` (and each table `T_t + δ·t`, so a
/// value of one table cannot stand in another's), one multiplicity vector,
/// table sumcheck and opening per table. Returns the proof and, per column,
/// its point and the opening of `Com(w̃_k(point))` (untagged).
pub fn prove_zk_multi(
    gens: &Generators,
    tables: &[&[Fr]],
    columns: &[(&[Fr], usize)],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkLogUpProof, Vec<ColumnClaim>)> {
    let (p, c, _) = prove_zk_multi_with(gens, tables, columns, t, rng, |_, _| {}, false)?;
    Ok((p, c))
}

/// A multiplicity vector's claim left to the caller: the committed `m_t`,
/// the point and the opening of `Com(m̃_t(point))`.
pub type MClaim = (hyrax::CommittedPoly, Vec<Fr>, Opening);

/// [`prove_zk_multi`] without the openings of the multiplicities: their
/// claims are returned (one per table) for the caller to open with its
/// others; the proof's `m_open` is empty.
pub fn prove_zk_multi_deferred(
    gens: &Generators,
    tables: &[&[Fr]],
    columns: &[(&[Fr], usize)],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkLogUpProof, Vec<ColumnClaim>, Vec<MClaim>)> {
    prove_zk_multi_with(gens, tables, columns, t, rng, |_, _| {}, true)
}

/// [`prove_zk_multi`]; `edit_m(t, m)` (tests) forges table `t`'s
/// multiplicities; `defer_m` leaves the openings of `m` to the caller.
pub(crate) fn prove_zk_multi_with(
    gens: &Generators,
    tables: &[&[Fr]],
    columns: &[(&[Fr], usize)],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
    mut edit_m: impl FnMut(usize, &mut [Fr]),
    defer_m: bool,
) -> Result<(ZkLogUpProof, Vec<ColumnClaim>, Vec<MClaim>)> {
    let _s = crate::profile::span("logup(total)");
    if columns.is_empty() || tables.is_empty() {
        return Err(Error::Invalid("a lookup without columns or tables".into()));
    }
    if let Some((_, k)) = columns.iter().find(|(_, k)| *k >= tables.len()) {
        return Err(Error::Invalid(format!(
            "a lookup column of table {k} of {}",
            tables.len()
        )));
    }
    let nvs: Vec<usize> = columns
        .iter()
        .map(|(c, _)| match c.len() {
            n if n.is_power_of_two() => Ok(n.trailing_zeros() as usize),
            n => Err(Error::Invalid(format!(
                "a multilinear table needs a power-of-two length, got {n}"
            ))),
        })
        .collect::<Result<_>>()?;
    let lay = Concat::new(&nvs)?;
    absorb_columns(t, &nvs);
    let tags: Vec<usize> = columns.iter().map(|(_, k)| *k).collect();
    absorb_tags(t, tables.len(), &tags);
    // δ after the columns are bound: T_t + δ·t are disjoint tables.
    let delta = if tables.len() > 1 {
        t.challenge(b"zk/logup-gkr/delta")
    } else {
        Fr::ZERO
    };
    let tagged: Vec<Vec<Fr>> = tables
        .iter()
        .enumerate()
        .map(|(k, tab)| {
            let shift = delta * Fr::from(k as u64);
            Ok(zk_table(tab)?.into_iter().map(|v| v + shift).collect())
        })
        .collect::<Result<_>>()?;
    let mut w = vec![tagged[0][0]; 1 << lay.num_vars];
    for ((c, k), &off) in columns.iter().zip(&lay.offsets) {
        let shift = delta * Fr::from(*k as u64);
        for (x, v) in w[off..off + c.len()].iter_mut().zip(c.iter()) {
            *x = *v + shift;
        }
    }
    let s = crate::profile::span("logup/multiplicities+commit_m");
    // Per table on rayon's threads: its multiplicities, then (after the
    // tests' edit) its commitment with a generator of its own.
    let hooks = crate::branch::Hooks::capture();
    let mut mults: Vec<Vec<Fr>> = tagged
        .par_iter()
        .enumerate()
        .map(|(k, tab)| {
            let _h = hooks.install();
            multiplicities(tab, k, columns, &w, &lay.offsets, delta)
        })
        .collect::<Result<_>>()?;
    // The padding entries are T_0 (its first occurrence: index 0).
    mults[0][0] += Fr::from((w.len() - columns.iter().map(|(c, _)| c.len()).sum::<usize>()) as u64);
    for (k, m) in mults.iter_mut().enumerate() {
        edit_m(k, m);
    }
    let rngs: Vec<_> = mults.iter().map(|_| crate::branch::rng_for(rng)).collect();
    let ms: Vec<hyrax::CommittedPoly> = mults
        .into_par_iter()
        .zip(rngs)
        .map(|(m, mut r)| hyrax::commit(gens, Mle::new(m)?, &mut r))
        .collect::<Result<_>>()?;
    drop(s);
    for m_c in &ms {
        t.absorb_points(b"zk/logup-gkr/m", &m_c.comm.rows);
    }
    let alpha = t.challenge(b"zk/logup-gkr/alpha");
    let q_w: Vec<Fr> = w.iter().map(|v| alpha - v).collect();
    let q_ts: Vec<Vec<Fr>> = tagged
        .iter()
        .map(|tab| tab.iter().map(|v| alpha - v).collect())
        .collect();
    if q_w
        .iter()
        .chain(q_ts.iter().flatten())
        .any(|x| *x == Fr::ZERO)
    {
        return Err(Error::Invalid(
            "LogUp challenge hit a looked-up value (probability ~2^-240); retry".into(),
        ));
    }
    let s = crate::profile::span("logup/layers");
    let leaves = w.len();
    drop(w);
    let lw = fraction_layers(vec![Fr::ONE; leaves], q_w);
    let cs: Vec<Vec<Fr>> = q_ts
        .into_iter()
        .map(|mut c| {
            // Montgomery's trick per chunk, the chunks on rayon's threads.
            c.par_chunks_mut(1 << 12).for_each(|ch| {
                ch.iter_mut().batch_invert();
            });
            c
        })
        .collect();
    let sums: Vec<Opening> = ms
        .iter()
        .zip(&cs)
        .map(|(m, c)| {
            let v: Fr = m.poly.evals.iter().zip(c).map(|(a, b)| *a * b).sum();
            Opening::random(v, rng)
        })
        .collect();
    drop(s);
    let roots = [lw[0].0[0], lw[0].1[0]].map(|v| Opening::random(v, rng));
    let root_coms = roots.map(|o| o.commit(gens).to_affine());
    let sum_coms: Vec<G1Affine> = sums.iter().map(|o| o.commit(gens).to_affine()).collect();
    t.absorb_points(b"zk/logup-gkr/roots", &root_coms);
    t.absorb_points(b"zk/logup-gkr/sum", &sum_coms);
    // P = (Σ_t S_t)·Q: the witness side's fraction equals the tables' sums.
    let total = sums.iter().fold(
        Opening {
            value: Fr::ZERO,
            blind: Fr::ZERO,
        },
        |a, o| Opening {
            value: a.value + o.value,
            blind: a.blind + o.blind,
        },
    );
    let cross = prove_product(gens, &total, &roots[1], &roots[0], t, rng);
    // The witness tree and each table's sumcheck read none of each other's
    // messages: each on its own transcript branch and thread.
    let mut tw = t.fork(b"zk/logup-gkr/witness", 0);
    let mut tree_rng = crate::branch::rng_for(rng);
    let table_rngs: Vec<_> = ms.iter().map(|_| crate::branch::rng_for(rng)).collect();
    let missing = || Error::Invalid("tree leaf without its opening".into());
    let (tree, table_side) = rayon::join(
        || {
            let _s = crate::profile::span("logup/witness_tree");
            prove_tree(gens, &lw, [true, false], roots, &mut tw, &mut tree_rng)
        },
        || {
            let _s = crate::profile::span("logup/table_sumcheck");
            ms.par_iter()
                .zip(cs)
                .zip(&sums)
                .zip(table_rngs)
                .enumerate()
                .map(|(k, (((m_c, c), sum), mut rng))| {
                    let _h = hooks.install();
                    let mut tk = t.fork(b"zk/logup-gkr/table", k as u64);
                    let inst = ProductSum::new(
                        vec![m_c.poly.clone(), Mle::new(c)?],
                        vec![(Fr::ONE, vec![0, 1])],
                    )?;
                    let to = prove_sumcheck(gens, inst, &[false, true], sum, &mut tk, &mut rng)?;
                    let m_leaf = to.factor_openings[0].ok_or_else(missing)?;
                    let (claim, open) = if defer_m {
                        (Some((m_c.clone(), to.point, m_leaf)), None)
                    } else {
                        let (_, _, open) = hyrax::prove_eval(
                            gens,
                            m_c,
                            &to.point,
                            &m_leaf.blind,
                            &mut tk,
                            &mut rng,
                        )?;
                        (None, Some(open))
                    };
                    Ok((to.proof, claim, open, tk))
                })
                .collect::<Result<Vec<_>>>()
        },
    );
    let (witness_layers, rw, [_, q_leaf]) = tree?;
    let (mut table_sumcheck, mut m_open, mut m_claims) = (vec![], vec![], vec![]);
    let mut branches = vec![tw];
    for (proof, claim, open, tk) in table_side? {
        table_sumcheck.push(proof);
        m_claims.extend(claim);
        m_open.extend(open);
        branches.push(tk);
    }
    t.join(b"zk/logup-gkr/branches", branches);
    let q_leaf = q_leaf.ok_or_else(missing)?;
    // W̃(r_w) = α − q̃(r_w), split into the columns' claims: every column but
    // the last is committed; the last is what the split leaves,
    // (W̃ − pad·W_pad − Σ_{k<K−1} sel_k·w̃'_k) / sel_{K−1}; then untagged.
    let mut rest = Opening {
        value: alpha - q_leaf.value,
        blind: -q_leaf.blind,
    };
    let sels: Vec<Fr> = (0..columns.len())
        .map(|k| lay.selector(k, nvs[k], &rw))
        .collect();
    let pad = Fr::ONE - sels.iter().copied().sum::<Fr>();
    rest.value -= pad * tagged[0][0];
    let last = columns.len() - 1;
    let mut claims = Vec::with_capacity(columns.len());
    let mut column_coms = Vec::with_capacity(last);
    for k in 0..last {
        let o = Opening::random(
            Mle::new(columns[k].0.to_vec())?.evaluate(&rw[..nvs[k]])?,
            rng,
        );
        column_coms.push(o.commit(gens).to_affine());
        let shift = delta * Fr::from(columns[k].1 as u64);
        rest.value -= sels[k] * (o.value + shift);
        rest.blind -= sels[k] * o.blind;
        claims.push((rw[..nvs[k]].to_vec(), o));
    }
    t.absorb_points(b"zk/logup-gkr/column_coms", &column_coms);
    let inv = Option::<Fr>::from(sels[last].invert()).ok_or_else(|| {
        Error::Invalid("LogUp point hit a zero selector (probability ~2^-250); retry".into())
    })?;
    let shift = delta * Fr::from(columns[last].1 as u64);
    claims.push((
        rw[..nvs[last]].to_vec(),
        Opening {
            value: rest.value * inv - shift,
            blind: rest.blind * inv,
        },
    ));
    Ok((
        ZkLogUpProof {
            m_comm: ms.into_iter().map(|m| m.comm).collect(),
            roots: root_coms,
            sum_com: sum_coms,
            cross,
            witness_layers,
            table_sumcheck,
            m_open,
            column_coms,
        },
        claims,
        m_claims,
    ))
}

/// Table `k`'s multiplicities over its columns (tagged, where they sit in
/// `w`); a missing entry names its column and index.
fn multiplicities(
    tab: &[Fr],
    k: usize,
    columns: &[(&[Fr], usize)],
    w: &[Fr],
    offsets: &[usize],
    delta: Fr,
) -> Result<Vec<Fr>> {
    // Table k's columns, tagged, where they sit in `W` (no copy).
    let mine: Vec<&[Fr]> = columns
        .iter()
        .zip(offsets)
        .filter(|((_, kk), _)| *kk == k)
        .map(|((c, _), &off)| &w[off..off + c.len()])
        .collect();
    multiplicities_of(tab, &mine).map_err(|e| match e {
        // Name the column: the first of table k whose entry is missing.
        Error::Invalid(_) => {
            let set: std::collections::HashSet<_> = tab.iter().map(|v| v.to_repr()).collect();
            let bad = columns.iter().enumerate().find_map(|(j, (c, kk))| {
                (*kk == k)
                    .then(|| {
                        let shift = delta * Fr::from(k as u64);
                        c.iter()
                            .position(|v| !set.contains(&(*v + shift).to_repr()))
                    })
                    .flatten()
                    .map(|i| (j, i))
            });
            match bad {
                Some((j, i)) => Error::Invalid(format!(
                    "lookup column {j}, entry {i} is not in its table of {} values",
                    tab.len()
                )),
                None => Error::Invalid("a lookup entry is not in its table".into()),
            }
        }
        e => e,
    })
}
