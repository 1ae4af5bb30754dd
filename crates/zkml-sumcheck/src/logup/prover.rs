//! The LogUp prover (equations in the [module doc](super)).

use std::collections::HashMap;

use rand_core06::{CryptoRng, RngCore};

use super::msg::{LogUpProof, LookupClaim};
use super::{padded_table, table_terms, witness_terms};
use crate::error::{Error, Result};
use crate::field::{Field, Fr};
use crate::hyrax::{self, Generators};
use crate::mle::{eq_table, Mle};
use crate::sumcheck::{self, ProductSum};
use crate::transcript::Transcript;
use halo2_axiom::halo2curves::ff::BatchInvert;

/// `m_j` = how often `T_j` occurs in `w` (a repeated table entry: its first
/// occurrence). Fails, naming the entry, if a value is missing.
pub(crate) fn multiplicities(table: &[Fr], w: &[Fr]) -> Result<Vec<Fr>> {
    multiplicities_of(table, &[w]).map_err(|e| match e {
        Error::Invalid(m) => Error::Invalid(m.replace("column 0, entry", "entry")),
        e => e,
    })
}

/// A hasher for field elements: `Fr`'s derived `Hash` writes its four
/// Montgomery limbs, which are uniformly distributed for table entries, so
/// mixing their words is enough (SipHash over `to_repr`, a Montgomery
/// reduction per key, was most of the multiplicities' time). Not for keys
/// an adversary picks to collide: the prover hashes its own table.
#[derive(Default)]
pub(crate) struct LimbHasher(u64);

impl std::hash::Hasher for LimbHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for c in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..c.len()].copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w))
                .wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_usize(&mut self, _: usize) {
        // The slice length prefix: the same (4) for every key.
    }
}

/// A map from table entries to their first index.
pub(crate) type EntryIndex = HashMap<Fr, usize, std::hash::BuildHasherDefault<LimbHasher>>;

/// The index of `table`: each entry to its first occurrence.
pub(crate) fn entry_index(table: &[Fr]) -> EntryIndex {
    let mut index = EntryIndex::with_capacity_and_hasher(table.len(), Default::default());
    for (j, v) in table.iter().enumerate().rev() {
        index.insert(*v, j);
    }
    index
}

/// [`multiplicities`] of several columns together; a missing value names
/// its column and entry.
pub(crate) fn multiplicities_of(table: &[Fr], columns: &[&[Fr]]) -> Result<Vec<Fr>> {
    let index = entry_index(table);
    let mut m = vec![0u64; table.len()];
    for (k, w) in columns.iter().enumerate() {
        for (i, v) in w.iter().enumerate() {
            #[cfg(test)]
            if LENIENT.with(|l| l.get()) && !index.contains_key(v) {
                // A cheating prover's column: the missing entry is left out.
                continue;
            }
            let j = index.get(v).ok_or_else(|| {
                Error::Invalid(format!(
                    "lookup column {k}, entry {i} is not in the table of {} values",
                    table.len()
                ))
            })?;
            m[*j] += 1;
        }
    }
    Ok(m.into_iter().map(Fr::from).collect())
}

#[cfg(test)]
thread_local! {
    /// Tests: [`multiplicities_of`] skips values missing from the table
    /// instead of failing (a cheating prover's lookup, for the verifier to
    /// reject).
    pub(crate) static LENIENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `h_i = 1/(α − w_i)` and `g_j = m_j/(α − T_j)` (batch inversion).
fn helpers(alpha: Fr, w: &[Fr], table: &[Fr], m: &[Fr]) -> Result<(Vec<Fr>, Vec<Fr>)> {
    let mut h: Vec<Fr> = w.iter().map(|v| alpha - v).collect();
    let mut g: Vec<Fr> = table.iter().map(|v| alpha - v).collect();
    if h.iter().chain(&g).any(|x| bool::from(x.is_zero())) {
        return Err(Error::Invalid(
            "LogUp challenge hit a looked-up value (probability ~2^-240); retry".into(),
        ));
    }
    h.iter_mut().batch_invert();
    g.iter_mut().batch_invert();
    for (gj, mj) in g.iter_mut().zip(m) {
        *gj *= mj;
    }
    Ok((h, g))
}

/// Proves that every entry of `w` (length a power of two) is in `table`. The
/// caller has bound `w` in the transcript; the returned claim `w̃(r_w)` is
/// the caller's to discharge. Fails (naming the entry) if a value is missing
/// from the table.
pub fn prove(
    gens: &Generators,
    table: &[Fr],
    w: &[Fr],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(LogUpProof, LookupClaim)> {
    let table = padded_table(table)?;
    let w_mle = Mle::new(w.to_vec())?;
    let (n, nu) = (w_mle.num_vars, table.len().trailing_zeros() as usize);

    let m = multiplicities(&table, w)?;
    let m_c = hyrax::commit(gens, Mle::new(m.clone())?, rng)?;
    t.absorb_points(b"logup/m", &m_c.comm.rows);
    let alpha = t.challenge(b"logup/alpha");

    let (h, g) = helpers(alpha, w, &table, &m)?;
    let sum: Fr = h.iter().copied().sum();
    let h_c = hyrax::commit(gens, Mle::new(h)?, rng)?;
    let g_c = hyrax::commit(gens, Mle::new(g)?, rng)?;
    t.absorb_points(b"logup/h", &h_c.comm.rows);
    t.absorb_points(b"logup/g", &g_c.comm.rows);
    t.absorb_scalar(b"logup/sum", &sum);
    let tau_w = t.challenges(b"logup/tau_w", n);
    let tau_t = t.challenges(b"logup/tau_t", nu);
    let lambda = t.challenge(b"logup/lambda");

    let ws = ProductSum::new(
        vec![h_c.poly.clone(), Mle::new(eq_table(&tau_w))?, w_mle],
        witness_terms(lambda, alpha),
    )?;
    let ws_out = sumcheck::prove(ws, &sum, t);
    let ts = ProductSum::new(
        vec![
            g_c.poly.clone(),
            Mle::new(eq_table(&tau_t))?,
            Mle::new(table)?,
            m_c.poly.clone(),
        ],
        table_terms(lambda, alpha),
    )?;
    let ts_out = sumcheck::prove(ts, &sum, t);
    let evals = [
        ws_out.factor_evals[0],
        ws_out.factor_evals[2],
        ts_out.factor_evals[0],
        ts_out.factor_evals[3],
    ];
    t.absorb_scalars(b"logup/evals", &evals);
    let zero = Fr::ZERO;
    let (_, _, h_open) = hyrax::prove_eval(gens, &h_c, &ws_out.point, &zero, t, rng)?;
    let (_, _, g_open) = hyrax::prove_eval(gens, &g_c, &ts_out.point, &zero, t, rng)?;
    let (_, _, m_open) = hyrax::prove_eval(gens, &m_c, &ts_out.point, &zero, t, rng)?;
    let claim = LookupClaim {
        point: ws_out.point,
        value: evals[1],
    };
    Ok((
        LogUpProof {
            m_comm: m_c.comm,
            h_comm: h_c.comm,
            g_comm: g_c.comm,
            sum,
            witness_sumcheck: ws_out.proof,
            table_sumcheck: ts_out.proof,
            evals,
            openings: [h_open, g_open, m_open],
        },
        claim,
    ))
}
