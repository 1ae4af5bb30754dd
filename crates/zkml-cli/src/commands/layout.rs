//! One circuit or segments: the decision `zkml plan` and `zkml setup` share
//! (plonk backend), so that `plan` prints what `setup` will do.

use anyhow::{ensure, Context, Result};
use zkml_core::backend::{Backend, SetupOptions, Visibility};
use zkml_core::QGraph;
use zkml_plonk::plan::{gib, memory_lower_bound, Mode};
use zkml_plonk::segment::{
    plan_segments_for, plan_segments_from_bound, plan_segments_with, SegmentedPlan,
};
use zkml_plonk::{Plan, PlonkBackend, PlonkError};

/// What the caller asked for.
pub struct LayoutRequest<'a> {
    /// The model's visibility.
    pub vis: &'a Visibility,
    /// `--k`: one circuit at this `k` (never segmented on its own).
    pub k: Option<u32>,
    /// `--segment-k`: segments of `2^K` rows.
    pub segment_k: Option<u32>,
    /// `--max-memory` (default: physical memory), bytes.
    pub budget: u64,
}

/// The layout chosen.
pub enum Layout {
    /// One circuit, within the budget.
    Whole(Box<Plan>),
    /// Segments.
    Segments {
        /// Why the model is segmented when `--segment-k` did not ask for it
        /// (one line for the user: the one circuit's estimate and the budget).
        why: Option<String>,
        /// The one circuit's plan, when it was made (it was over the budget).
        whole: Option<Box<Plan>>,
        /// The segments, or why none fit.
        plan: std::result::Result<SegmentedPlan, PlonkError>,
    },
}

/// The budget of `--max-memory`, else this machine's physical memory, else none.
pub fn budget(max_memory: Option<u64>) -> u64 {
    max_memory
        .or_else(zkml_plonk::plan::physical_memory)
        .unwrap_or(u64::MAX)
}

/// The line that says one circuit is over the budget: `k` and `bytes` are a
/// plan's (`exact`) or a lower bound on every plan's.
fn over_budget(k: u32, bytes: u64, budget: u64, exact: bool) -> String {
    let (k_rel, amount) = if exact {
        ("=", "about")
    } else {
        ("≥", "at least")
    };
    format!(
        "one circuit would need k {k_rel} {k} and {amount} {}, more than {}: the model is split \
         into segments",
        gib(bytes),
        gib(budget)
    )
}

/// Decides between one circuit and segments for `q`:
///
/// * `--segment-k K`: segments of `2^K` rows within the budget;
/// * else a cheap lower bound on every plan's memory
///   ([`memory_lower_bound`]) over the budget (and no `--k`): segments at the
///   largest `k` that can fit, without planning the one circuit;
/// * else the one circuit's plan: kept within the budget; over it, refused
///   under `--k`, else segments below its `k`.
pub fn choose(b: &PlonkBackend, q: &QGraph, req: &LayoutRequest<'_>) -> Result<Layout> {
    let vis = req.vis;
    if let Some(k) = req.segment_k {
        ensure!(
            req.k.is_none(),
            "--k and --segment-k: give one (--segment-k sizes every segment)"
        );
        return Ok(Layout::Segments {
            why: None,
            whole: None,
            plan: plan_segments_with(q, vis, k, req.budget, Mode::Fast),
        });
    }
    if req.k.is_none() {
        let bound = memory_lower_bound(q, vis, b.matrix_check).context("planning the circuit")?;
        if bound.bytes > req.budget {
            return Ok(Layout::Segments {
                why: Some(over_budget(bound.k, bound.bytes, req.budget, false)),
                whole: None,
                plan: plan_segments_from_bound(q, vis, &bound, req.budget),
            });
        }
    }
    let options = SetupOptions {
        visibility: vis.clone(),
        k: req.k,
    };
    let whole = b.plan(q, &options).context("planning the circuit")?;
    if whole.est_peak_bytes <= req.budget {
        return Ok(Layout::Whole(Box::new(whole)));
    }
    if req.k.is_some() {
        return Err(whole
            .check_memory(req.budget)
            .expect_err("the plan is over the budget")
            .into());
    }
    Ok(Layout::Segments {
        why: Some(over_budget(whole.k, whole.est_peak_bytes, req.budget, true)),
        plan: plan_segments_for(q, vis, &whole, req.budget),
        whole: Some(Box::new(whole)),
    })
}
