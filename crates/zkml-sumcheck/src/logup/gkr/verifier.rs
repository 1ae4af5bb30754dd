//! The LogUp-GKR verifier (equations in the [module doc](super)). The table
//! and the witness size come from the caller, never from the proof.

use super::msg::ZkLogUpProof;
use super::{absorb_columns, absorb_tags, layer_public, layer_terms, zk_table, Concat};
use crate::error::{expect_len, reject, Result};
use crate::field::{Field, Fr, G1Affine};
use crate::hyrax::{self, Generators};
use crate::logup::ZkLookupClaim;
use crate::mle::{eq_eval, Mle};
use crate::transcript::Transcript;
use crate::zk::{verify_product, verify_sumcheck, Checks, Lc, ZkSumcheckProof};
use rayon::prelude::*;

/// Entries per batch inversion of the public table side (one field
/// inversion each; chunks run on rayon's threads).
const INVERT_CHUNK: usize = 1 << 12;

/// Replaces every entry of `v` by its inverse (Montgomery's trick: three
/// multiplications per entry and one inversion, in variable time: the
/// table side is public); returns `false`, leaving `v` unspecified, when
/// some entry is zero.
fn invert_all_vartime(v: &mut [Fr]) -> bool {
    let mut prefix = Vec::with_capacity(v.len());
    let mut acc = Fr::ONE;
    for x in v.iter() {
        prefix.push(acc);
        acc *= x;
    }
    let Some(mut inv) = Option::<Fr>::from(acc.invert()) else {
        return false;
    };
    for (x, p) in v.iter_mut().zip(prefix).rev() {
        let xi = inv * p;
        inv *= *x;
        *x = xi;
    }
    true
}

/// Verifies a tree from its root commitments to the leaves; `leaf_values`
/// gives the public side's `(side_0, side_1)` values at the last layer's
/// point. Returns the leaf point and the commitments to `p̃`, `q̃` there
/// (`None` for the public side).
fn verify_tree(
    proofs: &[ZkSumcheckProof],
    leaves_public: [bool; 2],
    root: [G1Affine; 2],
    leaf_values: impl Fn(&[Fr]) -> Result<[Fr; 2]>,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<(Vec<Fr>, [Option<Lc>; 2])> {
    let n = proofs.len();
    let (mut cp, mut cq) = (Some(Lc::from(root[0])), Some(Lc::from(root[1])));
    let mut r: Vec<Fr> = vec![];
    for (k, proof) in proofs.iter().enumerate() {
        let (p_c, q_c) = cp
            .zip(cq)
            .ok_or_else(|| reject("logup-gkr", "inner layer without claims"))?;
        let lambda = t.challenge(b"zk/logup-gkr/lambda");
        let mut claim = p_c;
        claim.add_scaled(&q_c, lambda);
        let public = layer_public(k, n, leaves_public);
        let last = k + 1 == n;
        let sub = verify_sumcheck(
            k,
            &layer_terms(lambda),
            &public,
            &claim,
            proof,
            |s| {
                let mut v = vec![eq_eval(&r, s).unwrap_or_default()];
                if last {
                    v.extend(leaf_values(s)?);
                }
                Ok(v)
            },
            t,
            checks,
        )?;
        let beta = t.challenge(b"zk/logup-gkr/beta");
        // (1 − β)·a + β·b
        let lin = |a: Option<G1Affine>, b: Option<G1Affine>| -> Option<Lc> {
            let mut l = Lc::default();
            l.add_point(Fr::ONE - beta, a?);
            l.add_point(beta, b?);
            Some(l)
        };
        let f = &sub.factor_coms;
        cp = lin(f[1], f[2]);
        cq = lin(f[3], f[4]);
        r = sub.point;
        r.push(beta);
    }
    Ok((r, [cp, cq]))
}

/// Checks that the `2^num_vars` entries of the witness column bound earlier
/// in `t` all lie in `table`; returns `r_w` and `Com(w̃(r_w))` for the caller
/// to discharge against the column's commitment. ([`verify_zk_batch`] with
/// one column.)
pub fn verify_zk(
    gens: &Generators,
    table: &[Fr],
    num_vars: usize,
    proof: &ZkLogUpProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<ZkLookupClaim> {
    verify_zk_batch(gens, table, &[num_vars], proof, t, checks)?
        .pop()
        .ok_or_else(|| reject("logup-gkr", "a lookup without its claim"))
}

/// Checks that every entry of the columns bound earlier in `t` (column `k`
/// has `2^{num_vars[k]}` entries) lies in `table`; returns, per column, its
/// point and `Com(w̃_k(point))` for the caller to discharge against the
/// column's commitment.
pub fn verify_zk_batch(
    gens: &Generators,
    table: &[Fr],
    num_vars: &[usize],
    proof: &ZkLogUpProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<Vec<ZkLookupClaim>> {
    let cols: Vec<(usize, usize)> = num_vars.iter().map(|&n| (n, 0)).collect();
    verify_zk_multi(gens, &[table], &cols, proof, t, checks)
}

/// Checks that every entry of column `k` (`2^{columns[k].0}` entries, bound
/// earlier in `t`) lies in table `tables[columns[k].1]` (see
/// [`super::prove_zk_multi`]); returns, per column, its point and
/// `Com(w̃_k(point))` for the caller to discharge.
pub fn verify_zk_multi(
    gens: &Generators,
    tables: &[&[Fr]],
    columns: &[(usize, usize)],
    proof: &ZkLogUpProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<Vec<ZkLookupClaim>> {
    verify_zk_multi_inner(gens, tables, columns, proof, t, checks, false).map(|(c, _)| c)
}

/// A multiplicity vector's claim left to the caller: table index, the
/// variables of `m_t`, the point and `Com(m̃_t(point))`, to be opened against
/// `proof.m_comm[t]`.
pub type ZkMClaim = (usize, usize, Vec<Fr>, G1Affine);

/// [`verify_zk_multi`] for a proof made by
/// [`super::prove_zk_multi_deferred`]: no opening of `m` in the proof
/// (`m_open` empty); the claims on each `m_t` are returned.
pub fn verify_zk_multi_deferred(
    gens: &Generators,
    tables: &[&[Fr]],
    columns: &[(usize, usize)],
    proof: &ZkLogUpProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<(Vec<ZkLookupClaim>, Vec<ZkMClaim>)> {
    verify_zk_multi_inner(gens, tables, columns, proof, t, checks, true)
}

fn verify_zk_multi_inner(
    gens: &Generators,
    tables: &[&[Fr]],
    columns: &[(usize, usize)],
    proof: &ZkLogUpProof,
    t: &mut Transcript,
    checks: &mut Checks,
    defer_m: bool,
) -> Result<(Vec<ZkLookupClaim>, Vec<ZkMClaim>)> {
    let _s = crate::profile::span("v/logup");
    if columns.is_empty() || tables.is_empty() {
        return Err(crate::Error::Invalid(
            "a lookup without columns or tables".into(),
        ));
    }
    if let Some((_, k)) = columns.iter().find(|(_, k)| *k >= tables.len()) {
        return Err(crate::Error::Invalid(format!(
            "a lookup column of table {k} of {}",
            tables.len()
        )));
    }
    let num_vars: Vec<usize> = columns.iter().map(|c| c.0).collect();
    let tags: Vec<usize> = columns.iter().map(|c| c.1).collect();
    let lay = Concat::new(&num_vars)?;
    let n = lay.num_vars;
    expect_len("logup witness layers", proof.witness_layers.len(), n)?;
    expect_len(
        "logup column commitments",
        proof.column_coms.len(),
        num_vars.len() - 1,
    )?;
    for (what, got) in [
        ("logup multiplicity commitments", proof.m_comm.len()),
        ("logup table sums", proof.sum_com.len()),
        ("logup table sumchecks", proof.table_sumcheck.len()),
    ] {
        expect_len(what, got, tables.len())?;
    }
    let n_open = if defer_m { 0 } else { tables.len() };
    expect_len("logup multiplicity openings", proof.m_open.len(), n_open)?;
    absorb_columns(t, &num_vars);
    absorb_tags(t, tables.len(), &tags);
    let delta = if tables.len() > 1 {
        t.challenge(b"zk/logup-gkr/delta")
    } else {
        Fr::ZERO
    };
    // The padded tables (one copy each), turned in place into the public
    // c_{t,j} = 1/(α − T_{t,j} − δ·t) once α is drawn.
    let mut cs: Vec<Vec<Fr>> = tables
        .iter()
        .map(|tab| zk_table(tab))
        .collect::<Result<_>>()?;
    let t_pad = cs[0][0];
    for m in &proof.m_comm {
        t.absorb_points(b"zk/logup-gkr/m", &m.rows);
    }
    let alpha = t.challenge(b"zk/logup-gkr/alpha");
    let cs: Vec<Mle> = {
        let _s = crate::profile::span("v/logup/table_side");
        cs.par_iter_mut()
            .enumerate()
            .map(|(k, c)| {
                let a = alpha - delta * Fr::from(k as u64);
                let ok = c.par_chunks_mut(INVERT_CHUNK).all(|ch| {
                    ch.iter_mut().for_each(|v| *v = a - *v);
                    invert_all_vartime(ch)
                });
                if !ok {
                    return Err(reject(
                        "logup-gkr",
                        "α is a table entry (probability ~2^-240)",
                    ));
                }
                Mle::new(std::mem::take(c))
            })
            .collect::<Result<_>>()?
    };
    t.absorb_points(b"zk/logup-gkr/roots", &proof.roots);
    t.absorb_points(b"zk/logup-gkr/sum", &proof.sum_com);
    let [p_root, q_root] = proof.roots;
    let mut total = Lc::default();
    for s in &proof.sum_com {
        total.add_point(Fr::ONE, *s);
    }
    verify_product(
        [&total, &Lc::from(q_root), &Lc::from(p_root)],
        &proof.cross,
        t,
        checks,
    );
    // The witness tree and each table's sumcheck on their own branches
    // (the prover's threads), joined in order.
    let mut tw = t.fork(b"zk/logup-gkr/witness", 0);
    let (rw, [_, q_leaf]) = verify_tree(
        &proof.witness_layers,
        [true, false],
        [p_root, q_root],
        |_| Ok([Fr::from(1), Fr::from(1)]),
        &mut tw,
        checks,
    )?;
    let mut branches = vec![tw];
    let missing = || reject("logup-gkr", "leaf commitment missing");
    let mut m_claims = vec![];
    for (k, c) in cs.iter().enumerate() {
        let mut tk = t.fork(b"zk/logup-gkr/table", k as u64);
        let nu = c.num_vars;
        let st = verify_sumcheck(
            nu,
            &[(Fr::from(1), vec![0, 1])],
            &[false, true],
            &Lc::from(proof.sum_com[k]),
            &proof.table_sumcheck[k],
            |r| Ok(vec![c.evaluate(r)?]),
            &mut tk,
            checks,
        )?;
        let m_leaf = st.factor_coms[0].ok_or_else(missing)?;
        if defer_m {
            m_claims.push((k, nu, st.point, m_leaf));
        } else {
            hyrax::verify_eval_into(
                gens,
                &proof.m_comm[k],
                nu,
                &st.point,
                &m_leaf,
                &proof.m_open[k],
                &mut tk,
                checks,
            )?;
        }
        branches.push(tk);
    }
    t.join(b"zk/logup-gkr/branches", branches);
    let q_leaf = q_leaf.ok_or_else(missing)?;
    // W̃'(r_w) = α − q̃(r_w) = Σ_k sel_k·(w̃_k + δ·t_k) + pad·W_pad: the last
    // column's commitment is what the others leave.
    let sels: Vec<Fr> = (0..num_vars.len())
        .map(|k| lay.selector(k, num_vars[k], &rw))
        .collect();
    let pad = Fr::ONE - sels.iter().copied().sum::<Fr>();
    t.absorb_points(b"zk/logup-gkr/column_coms", &proof.column_coms);
    let shift = |k: usize| delta * Fr::from(tags[k] as u64);
    let mut public = alpha - pad * t_pad;
    let mut rest = q_leaf.scaled(-Fr::ONE);
    let mut claims = Vec::with_capacity(num_vars.len());
    for (k, c) in proof.column_coms.iter().enumerate() {
        rest.add_point(-sels[k], *c);
        public -= sels[k] * shift(k);
        claims.push(ZkLookupClaim {
            point: rw[..num_vars[k]].to_vec(),
            value_com: Lc::from(*c),
        });
    }
    let last = num_vars.len() - 1;
    let inv = Option::<Fr>::from(sels[last].invert())
        .ok_or_else(|| reject("logup-gkr", "zero column selector (probability ~2^-250)"))?;
    let mut value = rest.scaled(inv);
    value.u += public * inv - shift(last);
    claims.push(ZkLookupClaim {
        point: rw[..num_vars[last]].to_vec(),
        value_com: value,
    });
    Ok((claims, m_claims))
}

#[cfg(test)]
mod invert_tests {
    use super::*;

    #[test]
    fn vartime_inversion_matches_field_inversion_and_refuses_a_zero() {
        let vals: Vec<Fr> = (1..=1000u64)
            .map(|i| Fr::from(i * i + 7) - Fr::from(500))
            .collect();
        let mut v = vals.clone();
        assert!(invert_all_vartime(&mut v));
        for (x, y) in vals.iter().zip(&v) {
            assert_eq!(*x * y, Fr::ONE);
        }
        for at in [0, 499, 999] {
            let mut z = vals.clone();
            z[at] = Fr::ZERO;
            assert!(!invert_all_vartime(&mut z), "zero at {at} accepted");
        }
        assert!(invert_all_vartime(&mut []));
    }
}
