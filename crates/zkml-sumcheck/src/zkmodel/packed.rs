//! The packed witness commitment: every table the zero-knowledge prover
//! commits during its commit phase (each unknown value's table, each node's
//! auxiliary table) in **one** multilinear table `F`, committed once
//! (Hyrax), so the proof carries `√|F|` row commitments instead of
//! `Σ_k √N_k`. Hidden constants keep their own commitments (the key's, or
//! the weights' blinding), and so do the lookups' multiplicities and the
//! weights' limbs.
//!
//! **Layout.** The tables `f_1, …, f_K` (`f_k` of `n_k` variables) are
//! sorted by `n_k` descending (ties in value-then-node order) and placed at
//! offsets `o_k = Σ_{j<k} 2^{n_j}`; since the sizes are descending powers of
//! two, `2^{n_k}` divides `o_k` (no gaps until the end). `F` has
//! `n = ⌈log2 Σ_k 2^{n_k}⌉` variables, `F[o_k + i] = f_k[i]` for `i < 2^{n_k}`
//! and zero past the last table. The layout is a function of the model and
//! the visibility only ([`Layout::of`]): both ends compute it, the verifier
//! from `n_k` it knows before the proof (a value's layout shape, a node's
//! [`crate::model::aux_vars`]).
//!
//! **Claims.** With the crate's bit order (variable 0 the low index bit),
//! index `o_k + i` is `i ‖ b_k` with `b_k` the `n − n_k` bits of
//! `o_k / 2^{n_k}` (LSB first), so for every `p`
//!
//! ```text
//! F̃(p ‖ b_k) = Σ_x F(x)·eq(p ‖ b_k, x) = Σ_{i < 2^{n_k}} f_k[i]·eq(p, i) = f̃_k(p)
//! ```
//!
//! exactly (`eq(b_k, ·)` is the indicator of block `k` on the hypercube).
//! A claim `Com(v) = Com(f̃_k(p))` is therefore the claim
//! `Com(v) = Com(F̃(p ‖ b_k))`, and joins the opening phase
//! ([`super::openings`]) as a claim on `F`. The padding of `f_k` inside its
//! block is part of `f_k`, as it was when `f_k` had its own commitment.
//!
//! **Soundness.** Packing is a relabelling: the commitment to `F` binds
//! (discrete log) every `f_k`, the block of `F` at `b_k`, and the
//! verifier places each claim in the block the model's layout names, not
//! one the prover chooses. A claim moved to another block is a claim on
//! another table, which the opening rejects unless that table happens to
//! agree at a random point. The transcript absorbs `F`'s rows where it
//! absorbed each table's rows (the commit phase), before any challenge.
//! **Zero knowledge:** `F`'s rows are Hyrax commitments with fresh blinds
//! (perfectly hiding), as the tables' rows were.

use rand_core06::{CryptoRng, RngCore};

use crate::error::{malformed, Error, Result};
use crate::field::{Field, Fr};
use crate::hyrax::{self, CommittedPoly, Generators, HyraxCommitment};
use crate::mle::{log2_ceil, Mle};
use crate::model::{aux_vars, has_aux, hidden_const, known_in, layout_shape, num_vars, Key};
use crate::transcript::Transcript;
use zkml_core::backend::Vis;
use zkml_core::QGraph;

/// A packed table: a value's (`Value(id)`) or node `i`'s auxiliary table (`Aux(i)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    /// The table of value `id`.
    Value(usize),
    /// The auxiliary table of node `i`.
    Aux(usize),
}

/// Where every packed table lies in `F` (see the [module doc](self)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Layout {
    /// Per table in placement order: the table, its variables `n_k` and its
    /// offset `o_k`.
    pub blocks: Vec<(Slot, usize, usize)>,
    /// `F`'s variables (`None` when nothing is packed).
    pub num_vars: Option<usize>,
}

impl Layout {
    /// The layout of `tables` (each with its variables), in the order given
    /// for equal sizes.
    pub fn new(tables: impl IntoIterator<Item = (Slot, usize)>) -> Self {
        let mut t: Vec<(Slot, usize)> = tables.into_iter().collect();
        // Stable: equal sizes keep their order.
        t.sort_by_key(|a| std::cmp::Reverse(a.1));
        let mut offset = 0usize;
        let blocks = t
            .into_iter()
            .map(|(s, n)| {
                let o = offset;
                offset += 1 << n;
                (s, n, o)
            })
            .collect::<Vec<_>>();
        let num_vars = (!blocks.is_empty()).then(|| log2_ceil(offset));
        Self { blocks, num_vars }
    }

    /// The model's layout: every value with `committed(id)` (not known, not
    /// a hidden constant), then every node with an auxiliary table.
    pub fn of(q: &QGraph, committed: impl Fn(usize) -> bool) -> Result<Self> {
        let values = (0..q.values.len())
            .filter(|&id| committed(id))
            .map(|id| Ok((Slot::Value(id), num_vars(&layout_shape(q, id)))));
        let aux = (0..q.nodes.len())
            .filter(|&i| has_aux(q, i))
            .map(|i| Ok((Slot::Aux(i), aux_vars(q, i)?)));
        Ok(Self::new(values.chain(aux).collect::<Result<Vec<_>>>()?))
    }

    /// The layout of `key`'s model under its visibility: the values neither
    /// known (public inputs and outputs, public constants) nor hidden
    /// constants, and every auxiliary table.
    pub fn of_key(key: &Key) -> Result<Self> {
        let (q, vis) = (&key.q, &key.visibility);
        let input_public = vis.input == Vis::Public;
        let layout = Self::of(q, |id| {
            !hidden_const(q, vis, id) && !(known_in(q, input_public, id))
        })?;
        #[cfg(test)]
        let layout = tests::swapped(layout);
        Ok(layout)
    }

    /// The variables of every model's widest packing (every non-constant
    /// value and every auxiliary table): the key's generators cover it.
    pub fn widest(q: &QGraph) -> usize {
        let all = Self::of(q, |id| {
            !matches!(q.values[id].kind, zkml_core::quant::QValueKind::Const(_))
        });
        all.ok().and_then(|l| l.num_vars).unwrap_or(0)
    }

    /// Entries before the end of the last block (zeros after).
    pub fn used(&self) -> usize {
        self.blocks.last().map_or(0, |&(_, n, o)| o + (1 << n))
    }

    /// Table `s`'s `(n_k, o_k)`, if packed.
    pub fn block(&self, s: Slot) -> Option<(usize, usize)> {
        self.blocks
            .iter()
            .find(|(t, _, _)| *t == s)
            .map(|&(_, n, o)| (n, o))
    }

    /// The point on `F` of a claim at `p` on table `s`: `p ‖ b_k` (see the
    /// [module doc](self)). Fails when `s` is not packed or `p` is not an
    /// `n_k`-coordinate point.
    pub fn point(&self, s: Slot, p: &[Fr]) -> Result<Vec<Fr>> {
        let (n, o) = self
            .block(s)
            .ok_or_else(|| Error::Invalid(format!("{s:?} is not a packed table")))?;
        let total = self.num_vars.unwrap_or(0);
        if p.len() != n {
            return Err(Error::Invalid(format!(
                "a claim on the {n}-variable packed table {s:?} at a {}-coordinate point",
                p.len()
            )));
        }
        let b = o >> n;
        let mut out = p.to_vec();
        out.extend((0..total - n).map(|j| if b >> j & 1 == 1 { Fr::ONE } else { Fr::ZERO }));
        Ok(out)
    }

    /// `F` from each table (`table(s)` must have `n_k` variables).
    pub fn pack<'a>(&self, table: impl Fn(Slot) -> Option<&'a Mle>) -> Result<Option<Mle>> {
        let Some(total) = self.num_vars else {
            return Ok(None);
        };
        let mut f = vec![Fr::ZERO; 1 << total];
        for &(s, n, o) in &self.blocks {
            let t = table(s).filter(|t| t.num_vars == n).ok_or_else(|| {
                Error::Invalid(format!("packed table {s:?}: no {n}-variable table"))
            })?;
            f[o..o + (1 << n)].copy_from_slice(&t.evals);
        }
        Mle::new(f).map(Some)
    }
}

/// The zero-knowledge commit phase: every hidden constant's commitment
/// (`fixed`, the key's or the weights' blinding's) absorbed in value order,
/// then `F` committed (Hyrax, balanced split) and its rows absorbed.
/// Returns the constants' commitments (per value) and `F`'s.
pub(crate) fn commit_phase(
    gens: &Generators,
    layout: &Layout,
    (tables, aux): (&[Mle], &[Option<Mle>]),
    (fixed, hidden): (&[Option<CommittedPoly>], impl Fn(usize) -> bool),
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<Option<CommittedPoly>>, Option<CommittedPoly>)> {
    let mut consts: Vec<Option<CommittedPoly>> = vec![None; tables.len()];
    for (id, c) in consts.iter_mut().enumerate().filter(|(id, _)| hidden(*id)) {
        let f = fixed
            .get(id)
            .and_then(Option::as_ref)
            .ok_or_else(|| Error::Invalid(format!("hidden constant {id} is not committed")))?;
        t.absorb_points(b"model/commitment", &f.comm.rows);
        *c = Some(f.clone());
    }
    let f = {
        let _s = crate::profile::span("prove/pack");
        layout.pack(|s| match s {
            Slot::Value(id) => tables.get(id),
            Slot::Aux(i) => aux.get(i).and_then(Option::as_ref),
        })?
    };
    let packed = match f {
        Some(f) => {
            // Rows past the last block hold zeros whatever the witness (the
            // layout is public): zero blinds, so their commitments are the
            // identity, which the verifier's MSM skips. Every other row
            // gets a fresh blind.
            let width = 1usize << hyrax::split_for(f.num_vars, gens.g.len()).1;
            let used = layout.used();
            let blinds = (0..f.evals.len() / width)
                .map(|i| {
                    if i * width >= used {
                        Fr::ZERO
                    } else {
                        Fr::random(&mut *rng)
                    }
                })
                .collect();
            Some(hyrax::commit_with_blinds(
                gens,
                f,
                hyrax::RowBlinds(blinds),
            )?)
        }
        None => None,
    };
    if let Some(c) = &packed {
        t.absorb_points(b"model/packed", &c.comm.rows);
    }
    Ok((consts, packed))
}

/// The verifier's side of [`commit_phase`]: a commitment for every hidden
/// constant (none elsewhere), `F`'s exactly when the layout packs a table,
/// with `F`'s row count; absorbed in the prover's order.
pub(crate) fn absorb_commitments(
    layout: &Layout,
    (consts, packed): (&[Option<HyraxCommitment>], Option<&HyraxCommitment>),
    hidden: impl Fn(usize) -> bool,
    width: usize,
    t: &mut Transcript,
) -> Result<()> {
    for (id, c) in consts.iter().enumerate() {
        match (hidden(id), c) {
            (false, None) => {}
            (true, Some(c)) => t.absorb_points(b"model/commitment", &c.rows),
            _ => return Err(malformed("hidden constant commitment presence")),
        }
    }
    match (layout.num_vars, packed) {
        (None, None) => {}
        (Some(n), Some(c)) => {
            crate::error::expect_len(
                "packed commitment rows",
                c.rows.len(),
                1 << hyrax::split_for(n, width).0,
            )?;
            t.absorb_points(b"model/packed", &c.rows);
        }
        _ => return Err(malformed("packed commitment presence")),
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::field::Fr;
    use std::cell::Cell;

    thread_local! {
        /// A cheating prover's layout (tests): blocks `a` and `b` (placement
        /// indices, equal sizes) trade offsets in [`Layout::of_key`] while set.
        pub(crate) static SWAP: Cell<Option<(usize, usize)>> = const { Cell::new(None) };
    }

    /// `layout` with [`SWAP`]'s blocks traded.
    pub(crate) fn swapped(mut layout: Layout) -> Layout {
        if let Some((a, b)) = SWAP.with(Cell::get) {
            let (oa, ob) = (layout.blocks[a].2, layout.blocks[b].2);
            layout.blocks[a].2 = ob;
            layout.blocks[b].2 = oa;
        }
        layout
    }

    fn tab(n: usize, seed: u64) -> Mle {
        Mle::new(
            (0..1u64 << n)
                .map(|i| Fr::from(seed * 1000 + i + 1))
                .collect(),
        )
        .unwrap()
    }

    /// Every table's claim on `F` at `p ‖ b_k` equals its own evaluation at
    /// `p`, for odd sizes, one table, and no table at all.
    #[test]
    fn packed_claims_equal_the_tables_claims_on_odd_sizes() {
        let cases: Vec<Vec<usize>> = vec![
            vec![],
            vec![0],
            vec![3],
            vec![0, 1, 2, 3],
            vec![0, 0, 1, 2, 2, 3, 5],
            vec![1, 4, 0, 2, 1, 3],
        ];
        for sizes in cases {
            let slots: Vec<(Slot, usize)> = sizes
                .iter()
                .enumerate()
                .map(|(k, &n)| {
                    (
                        if k % 2 == 0 {
                            Slot::Value(k)
                        } else {
                            Slot::Aux(k)
                        },
                        n,
                    )
                })
                .collect();
            let tabs: Vec<Mle> = sizes
                .iter()
                .enumerate()
                .map(|(k, &n)| tab(n, k as u64))
                .collect();
            let l = Layout::new(slots.iter().copied());
            let find = |s: Slot| slots.iter().position(|(t, _)| *t == s).map(|k| &tabs[k]);
            let f = l.pack(find).unwrap();
            let Some(f) = f else {
                assert!(sizes.is_empty());
                assert_eq!(l.num_vars, None);
                continue;
            };
            let total: usize = sizes.iter().map(|n| 1usize << n).sum();
            assert_eq!(f.num_vars, log2_ceil(total), "{sizes:?}");
            for &(s, n, o) in &l.blocks {
                assert_eq!(o % (1 << n), 0, "{sizes:?}: aligned");
                let p: Vec<Fr> = (0..n).map(|j| Fr::from(7 + j as u64 * 3)).collect();
                let own = find(s).unwrap().evaluate(&p).unwrap();
                assert_eq!(
                    f.evaluate(&l.point(s, &p).unwrap()).unwrap(),
                    own,
                    "{sizes:?} {s:?}"
                );
            }
            // Past the last table: zeros.
            assert!(f.evals[total..].iter().all(|x| *x == Fr::ZERO));
        }
    }

    /// Another block's bits give another table's value (a claim moved to
    /// the wrong block is a claim on a different table).
    #[test]
    fn a_claim_in_another_block_is_a_claim_on_another_table() {
        let slots = [(Slot::Value(0), 2), (Slot::Value(1), 2), (Slot::Aux(0), 1)];
        let tabs = [tab(2, 1), tab(2, 2), tab(1, 3)];
        let l = Layout::new(slots);
        let find = |s: Slot| slots.iter().position(|(t, _)| *t == s).map(|k| &tabs[k]);
        let f = l.pack(find).unwrap().unwrap();
        let p = [Fr::from(5), Fr::from(9)];
        let mut wrong = l.point(Slot::Value(1), &p).unwrap();
        wrong[2] = Fr::ZERO; // Value(0)'s block
        assert_eq!(f.evaluate(&wrong).unwrap(), tabs[0].evaluate(&p).unwrap());
        assert_ne!(f.evaluate(&wrong).unwrap(), tabs[1].evaluate(&p).unwrap());
    }
}
