//! The planner's cost model: the ranking cost of a candidate, the proving
//! CPU-seconds and the peak memory a plan reports.

/// The planner's ranking cost per committed polynomial per row (seconds on
/// 2 cores at k = 15: 4.2 s for 38 polynomials, the earlier zkml's MNIST).
/// It ranks candidates only (the choice of shape and `k` is unchanged since
/// it was fitted); what a plan reports is [`prove_cpu_seconds`].
pub const SECONDS_PER_CELL: f64 = 3.4e-6;

/// Fixed ranking cost per committed polynomial (openings, transcript), which
/// also stands for proof size and verification time.
pub const SECONDS_PER_POLY: f64 = 1e-2;

/// Proving CPU-seconds (user + sys, all threads) per committed polynomial
/// per row at k = 15: the ranking constant on 2 cores at 1.7 effective
/// cores ([`EFFECTIVE_CORES`]).
pub const CPU_SECONDS_PER_CELL: f64 = SECONDS_PER_CELL * EFFECTIVE_CORES;

/// Growth of the CPU cost per cell per unit of `k` above 15 (FFTs of `2^k`
/// points, MSMs that outgrow the caches). Fitted to the MobileNetV2-224
/// segments at k = 20 (`BENCHMARKS.md`, *Segments*: 389 and 508 CPU-s for
/// 35 and 46 committed polynomials, 11.1 and 11.0 CPU-s per polynomial).
pub const CELL_COST_PER_K: f64 = 0.165;

/// Cores a prover keeps busy on an idle 2-core machine (halo2-axiom's
/// FFTs, MSMs and products are parallel, the transcript and some
/// bookkeeping are not): what turns CPU-seconds into wall seconds in
/// [`super::Plan::est_prove_wall_s`].
pub const EFFECTIVE_CORES: f64 = 1.7;

/// Estimated proving CPU-seconds of `committed` polynomials of `2^k` rows:
/// `committed × (2^k × CPU_SECONDS_PER_CELL × max(1 + CELL_COST_PER_K·(k − 15), ½)
/// + SECONDS_PER_POLY × EFFECTIVE_CORES)`.
pub fn prove_cpu_seconds(committed: usize, k: u32) -> f64 {
    let growth = (1.0 + CELL_COST_PER_K * (k as f64 - 15.0)).max(0.5);
    let per_cell = CPU_SECONDS_PER_CELL * growth;
    committed as f64 * ((1u64 << k) as f64 * per_cell + SECONDS_PER_POLY * EFFECTIVE_CORES)
}

/// Process memory besides the polynomials (binary, model, trace, buffers).
pub const BASE_MEMORY_BYTES: u64 = 128 << 20;

/// Allowance for allocator slack and transient copies over the polynomial
/// count below, chosen by hand (cifar_cnn at k = 17, the committed MLP at
/// k = 18). At k = 20 the measured peaks are 0.73–0.74 of the estimate
/// (MobileNetV2-224 segments 0 and 5, `BENCHMARKS.md`, *Segments*): safe,
/// with room; kept rather than lowered, since a lower estimate changes which
/// plans fit a memory budget.
pub const MEMORY_SLACK: f64 = 1.4;

/// Estimated peak memory (bytes) of keygen or proving a circuit of `2^k`
/// rows: every polynomial is `2^k` field elements of 32 bytes, and halo2
/// holds at once (halo2-axiom 0.5: the proving key, the witness, one part of
/// the extended domain at a time, and the quotient over the whole extended
/// domain):
///
/// * per fixed column: Lagrange and coefficient forms in the key, and its
///   extended part (3); the same per permutation column (3);
/// * per advice column: Lagrange and coefficient forms, extended part (3);
/// * per lookup: permuted input and table and the product, each in two forms,
///   the compressed input and table, and their extended parts (11);
/// * the quotient over the extended domain (`2^⌈log2(degree − 1)⌉`), the SRS
///   (`[s^i]G1` in monomial and Lagrange form: 4) and `l_0`, `l_last`,
///   `l_active` (3);
///
/// times [`MEMORY_SLACK`], plus [`BASE_MEMORY_BYTES`].
pub fn estimate_memory(
    k: u32,
    advice: usize,
    fixed: usize,
    perm_cols: usize,
    lookups: usize,
    degree: usize,
) -> u64 {
    let ext = degree.saturating_sub(1).max(1).next_power_of_two();
    let polys = 3 * advice + 3 * fixed + 3 * perm_cols + 11 * lookups + ext + 4 + 3;
    let bytes = (1u64 << k) as f64 * 32.0 * polys as f64 * MEMORY_SLACK;
    BASE_MEMORY_BYTES + bytes as u64
}

/// The cost candidates are ranked by (the planner's module doc).
pub(super) fn rank_cost(committed: usize, k: u32) -> f64 {
    committed as f64 * ((1u64 << k) as f64 * SECONDS_PER_CELL + SECONDS_PER_POLY)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The CPU estimate reproduces the MobileNetV2-224 segments measured at
    /// k = 20 (`BENCHMARKS.md`, *Segments*: segment 0, 35 committed
    /// polynomials, 389 CPU-s; segment 5, 46, 508 CPU-s) within 2%, and the
    /// ranking cost is what it was (the plans do not change).
    #[test]
    fn cpu_estimate_fits_the_measured_segments() {
        for (committed, measured) in [(35, 389.0), (46, 508.0)] {
            let est = prove_cpu_seconds(committed, 20);
            assert!(
                (est / measured - 1.0).abs() < 0.02,
                "{committed}: {est} vs {measured}"
            );
        }
        assert!((rank_cost(38, 15) - 38.0 * (32768.0 * 3.4e-6 + 1e-2)).abs() < 1e-9);
        // Never below half the k = 15 cost per cell, whatever k.
        assert!(prove_cpu_seconds(10, 4) > 0.0);
    }
}
