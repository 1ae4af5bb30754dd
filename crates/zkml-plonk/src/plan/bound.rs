//! A cheap lower bound on the memory any plan of a model needs, so that a
//! model far over the budget goes straight to segments without the full
//! sweep of a circuit that cannot be set up (on MobileNetV2-224 the sweep
//! was half of the planning time).

use zkml_core::{backend::Visibility, QGraph};

use super::{cs_facts, estimate_memory, mac_widths, pass_b, BoundaryElems, Mode, TS};
use crate::circuit::has_committed;
use crate::error::Result;
use crate::gadgets::Shape;

/// What [`memory_lower_bound`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryBound {
    /// No plan of the model has a smaller `k`.
    pub k: u32,
    /// No plan of the model is estimated under this many bytes
    /// ([`super::Plan::est_peak_bytes`]).
    pub bytes: u64,
}

/// A lower bound on `k` and on the estimated peak memory of every plan
/// [`super::plan_with`] could choose for `q` under `vis`, from one layout
/// pass at the widest MAC width and the widest limbs (the fewest rows:
/// rows do not grow with the MAC width) and the columns of the narrowest
/// shape without the matrix check's columns (the fewest polynomials).
/// Blinding rows and tables are left out, so `k` may be one too low; a
/// bound under the budget only means the model is planned in full.
pub fn memory_lower_bound(q: &QGraph, vis: &Visibility, matrix_check: bool) -> Result<MemoryBound> {
    let ns = mac_widths(vis);
    let (n_min, n_max) = (ns[0], *ns.last().expect("MAC widths"));
    let tmax = *TS.last().expect("limb widths");
    let bnd = BoundaryElems::default();
    let p = pass_b(q, vis, n_max, tmax, matrix_check, bnd, Mode::Fast)?;
    let k = (p.rows.max(p.num_public) + 1)
        .next_power_of_two()
        .trailing_zeros()
        .max(4);
    let shape = Shape {
        n: n_min,
        l: p.max_lk,
        t: tmax,
        act_bits: q.act_bits,
        widths: p.widths.clone(),
        tables: p.tables.clone(),
        freivalds: false,
        poseidon: has_committed(vis),
        dyn_lookup: crate::circuit::has_dyn_gather(q),
        bnd_in: 0,
        bnd_out: 0,
    };
    let f = cs_facts(&shape);
    let bytes = estimate_memory(k, f.advice, f.fixed, f.perm_cols, f.lookups, f.degree);
    Ok(MemoryBound { k, bytes })
}
