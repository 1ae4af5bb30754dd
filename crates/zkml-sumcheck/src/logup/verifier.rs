//! The LogUp verifier (equations in the [module doc](super)). The table and
//! `num_vars` come from the caller, never from the proof.

use super::msg::{LogUpProof, LookupClaim};
use super::{padded_table, table_terms, witness_terms};
use crate::error::{reject, Result};
use crate::field::Fr;
use crate::hyrax::{self, Generators};
use crate::mle::{eq_eval, Mle};
use crate::sumcheck::{self, combine_terms};
use crate::transcript::Transcript;

/// Checks that the `2^num_vars` entries of the witness column bound earlier
/// in `t` all lie in `table`; returns the claim `w̃(r_w)` the caller must
/// discharge.
pub fn verify(
    gens: &Generators,
    table: &[Fr],
    num_vars: usize,
    proof: &LogUpProof,
    t: &mut Transcript,
) -> Result<LookupClaim> {
    let table = padded_table(table)?;
    let nu = table.len().trailing_zeros() as usize;
    t.absorb_points(b"logup/m", &proof.m_comm.rows);
    let alpha = t.challenge(b"logup/alpha");
    t.absorb_points(b"logup/h", &proof.h_comm.rows);
    t.absorb_points(b"logup/g", &proof.g_comm.rows);
    t.absorb_scalar(b"logup/sum", &proof.sum);
    let tau_w = t.challenges(b"logup/tau_w", num_vars);
    let tau_t = t.challenges(b"logup/tau_t", nu);
    let lambda = t.challenge(b"logup/lambda");

    let sw = sumcheck::verify(num_vars, 3, &proof.sum, &proof.witness_sumcheck, t)?;
    let st = sumcheck::verify(nu, 3, &proof.sum, &proof.table_sumcheck, t)?;
    let [h_eval, w_eval, g_eval, m_eval] = proof.evals;
    // eq_eval returns None only on a length mismatch, impossible here.
    let eq_w = eq_eval(&tau_w, &sw.point).unwrap_or_default();
    let eq_t = eq_eval(&tau_t, &st.point).unwrap_or_default();
    if combine_terms(&witness_terms(lambda, alpha), &[h_eval, eq_w, w_eval]) != Some(sw.value) {
        return Err(reject(
            "logup witness side: h + λ·eq·(h·(α − w) − 1) at r_w",
            format!("{num_vars}-variable witness"),
        ));
    }
    let t_eval = Mle::new(table)?.evaluate(&st.point)?;
    if combine_terms(&table_terms(lambda, alpha), &[g_eval, eq_t, t_eval, m_eval]) != Some(st.value)
    {
        return Err(reject(
            "logup table side: g + λ·eq·(g·(α − T) − m) at r_T",
            format!("{nu}-variable table"),
        ));
    }
    t.absorb_scalars(b"logup/evals", &proof.evals);
    let [h_open, g_open, m_open] = &proof.openings;
    hyrax::verify_public_eval(gens, &proof.h_comm, num_vars, &sw.point, &h_eval, h_open, t)?;
    hyrax::verify_public_eval(gens, &proof.g_comm, nu, &st.point, &g_eval, g_open, t)?;
    hyrax::verify_public_eval(gens, &proof.m_comm, nu, &st.point, &m_eval, m_open, t)?;
    Ok(LookupClaim {
        point: sw.point,
        value: w_eval,
    })
}
