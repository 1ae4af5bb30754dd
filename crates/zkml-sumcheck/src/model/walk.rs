//! What the two model walkers share ([`super::prover`] and
//! [`crate::zkmodel::prover`], [`super::verifier`] and
//! [`crate::zkmodel::verifier`]): the trace's shape check and the witness
//! tables; and the clear backend's commit phase and, on the verifier's side,
//! the commitments' presence and absorption in the same order (the
//! zero-knowledge backend packs its tables in one commitment instead,
//! [`crate::zkmodel::packed`]). `known(id)` says which values the verifier
//! knows (public inputs and outputs, constants): those are never committed.

use rand_core06::{CryptoRng, RngCore};

use super::{has_aux, layout_shape, table_of};
use crate::error::{expect_len, malformed, Error, Result};
use crate::hyrax::{self, CommittedPoly, Generators, HyraxCommitment};
use crate::mle::Mle;
use crate::transcript::Transcript;
use zkml_core::{QGraph, Trace};

/// Every value's table (in its layout) and every node's auxiliary table
/// (remainders, MaxPool's and Softmax's witness), from the trace; `forge`
/// (tests) as for [`super::remainders`]. Fails when the trace is not a run
/// of `q` (shapes differ).
pub(crate) fn witness(
    q: &QGraph,
    trace: &Trace,
    forge: bool,
) -> Result<(Vec<Mle>, Vec<Option<Mle>>)> {
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
    let tables = (0..q.values.len())
        .map(|id| {
            let flat: Vec<i64> = trace.values[id].iter().copied().collect();
            table_of(&layout_shape(q, id), &flat)
        })
        .collect::<Result<_>>()?;
    let aux = (0..q.nodes.len())
        .map(|i| super::aux_table(q, i, trace, forge))
        .collect::<Result<_>>()?;
    Ok((tables, aux))
}

/// Committed tables: per value (`None` when known) and per node (`None`
/// without an auxiliary table).
pub(crate) type Committed = (Vec<Option<CommittedPoly>>, Vec<Option<CommittedPoly>>);

/// The commit phase: every value the verifier does not know, then every
/// auxiliary table, each absorbed as it is committed. A value with a table
/// in `fixed` (a hidden constant, committed at setup or from the weights'
/// blinding: [`super::key`]) takes that one instead of a fresh commitment.
pub(crate) fn commit(
    gens: &Generators,
    (tables, aux): (&[Mle], &[Option<Mle>]),
    fixed: &[Option<CommittedPoly>],
    known: impl Fn(usize) -> bool,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Committed> {
    let mut values: Vec<Option<CommittedPoly>> = vec![None; tables.len()];
    for (id, tab) in tables.iter().enumerate() {
        if !known(id) {
            let c = match fixed.get(id) {
                Some(Some(c)) => c.clone(),
                _ => hyrax::commit(gens, tab.clone(), rng)?,
            };
            t.absorb_points(b"model/commitment", &c.comm.rows);
            values[id] = Some(c);
        }
    }
    let mut rems: Vec<Option<CommittedPoly>> = vec![None; aux.len()];
    for (i, tab) in aux.iter().enumerate() {
        if let Some(tab) = tab {
            let c = hyrax::commit(gens, tab.clone(), rng)?;
            t.absorb_points(b"model/remainder", &c.comm.rows);
            rems[i] = Some(c);
        }
    }
    Ok((values, rems))
}

/// The verifier's side of [`commit`]: one commitment per value it does not
/// know and per node with an auxiliary table (none elsewhere), absorbed in
/// the prover's order.
pub(crate) fn absorb_commitments(
    q: &QGraph,
    (values, aux): (&[Option<HyraxCommitment>], &[Option<HyraxCommitment>]),
    node_proofs: usize,
    known: impl Fn(usize) -> bool,
    t: &mut Transcript,
) -> Result<()> {
    expect_len("value commitments", values.len(), q.values.len())?;
    expect_len("remainder commitments", aux.len(), q.nodes.len())?;
    expect_len("node proofs", node_proofs, q.nodes.len())?;
    for (id, c) in values.iter().enumerate() {
        match (known(id), c) {
            (true, None) => {}
            (false, Some(c)) => t.absorb_points(b"model/commitment", &c.rows),
            _ => return Err(malformed("value commitment presence")),
        }
    }
    for (i, c) in aux.iter().enumerate() {
        match (has_aux(q, i), c) {
            (false, None) => {}
            (true, Some(c)) => t.absorb_points(b"model/remainder", &c.rows),
            _ => return Err(malformed("remainder commitment presence")),
        }
    }
    Ok(())
}
