//! Boundary columns: a segment boundary committed by the KZG commitments of
//! advice columns that both neighbouring proofs share.
//!
//! # Construction
//!
//! Boundary `j` (segment `j`'s outputs = segment `j + 1`'s inputs, `E`
//! elements flattened in order) lives in `C = ⌈E / (2^k − Z)⌉` advice columns
//! ([`columns_for`]) in both segments, all segments of a chain at one `k` and
//! one SRS. Local column `c` of the boundary is the polynomial
//!
//! ```text
//! b_c(ω^r) = v_e                    for r = ⌊e / C⌋, e ≡ c (mod C)   (the boundary values)
//! b_c(ω^r) = ρ(key_j, c, r)         for n − Z ≤ r < n                 (the blinding zone, Z = ZONE_ROWS)
//! b_c(ω^r) = 0                      otherwise
//! key_j    = BLAKE2b-256("zkml segment boundary v3" ‖ seed ‖ run ‖ j)   (boundary_key)
//! ρ(key, c, r) = Fr::random(the 64 bytes BLAKE2b-512("zkml boundary row v1" ‖ key ‖ c ‖ r))
//! ```
//!
//! The boundary columns are the circuit's first advice columns
//! ([`crate::gadgets::Adv::B`]: the input boundary's `C_in` columns, then the
//! output boundary's `C_out`), equality-enabled and in no gate. The producing
//! segment copy-constrains each output cell into its place; the consuming
//! segment's operations copy their inputs out of it. halo2 fills each advice
//! column's last `blinding_factors + 1` rows from the prover's rng, column
//! by column in index order, before anything else it draws: the prover's rng
//! ([`BoundaryRng`]) serves those draws for the boundary columns from `ρ` and
//! every other draw from a CSPRNG, and the circuit assigns the zone's rows
//! above halo2's blinding rows itself ([`zone_cells`]), so that a boundary
//! column is the same polynomial in both proofs whatever either circuit's
//! `blinding_factors`. KZG commitments carry no blind, so the two proofs show
//! equal commitments, the first points of each transcript
//! ([`proof_commitments`]): the verifier compares them.
//!
//! # Why it is sound
//!
//! KZG is binding (in the algebraic group model, under q-DLOG): equal
//! commitments in the two proofs are one polynomial `b_c`, and each proof's
//! checks use its evaluations on the same domain (same `k`), so row `r` of
//! the column holds the same value in both. The producer's copy constraints
//! make that value its output cell, the consumer's make it the input its
//! gates read: the consumer computes on exactly the producer's outputs.
//! Those are range checked where they are computed (every node output is,
//! in the producer), so the consumer does not check them again. Nothing
//! else of the column is read: zone and zero rows carry no constraint. The
//! verifier checks both keys have the same `k`, SRS and boundary widths.
//!
//! # Why it hides
//!
//! The zone's `Z` values are uniform and secret (derived from the prover's
//! seed). What the two proofs reveal of `b_c` is a few linear functionals of
//! it: the commitment `[b_c(s)]`, and in each proof its evaluation at that
//! proof's challenge `x` (the permutation argument queries a boundary
//! column once, at `x`; halo2 budgets one more evaluation per query for
//! the multiopen argument): at most `1 + 2·2 = 5` functionals, each
//! `Σ_r b_c(ω^r)·L_r(z)` at a point `z` off the domain. Restricted to the zone
//! rows they form a Cauchy-like matrix (`L_r(z) ∝ ω^r/(z − ω^r)`) of full
//! rank for distinct points, so with `Z > 5` zone rows they are uniform and
//! independent of the boundary values. One proof alone needs
//! `blinding_factors + 1 ≥ 6` rows for the same reason; a column shared by two
//! proofs needs 5 functionals' worth, and [`ZONE_ROWS`] = 16 leaves room for
//! a few re-proofs of a segment with the same seed and input (each adds two
//! functionals: up to 5 proofs of one boundary stay hidden). Another input
//! or seed gives other keys, other zone values.

use halo2_axiom::{
    halo2curves::{
        bn256::{Bn256, Fr, G1Affine},
        ff::Field,
        group::{Curve, GroupEncoding},
    },
    poly::{
        commitment::{Blind, Params},
        kzg::commitment::ParamsKZG,
        EvaluationDomain,
    },
};
use rand_core06::RngCore;

use super::SegmentSeed;
use crate::error::{PlonkError, Result};
use crate::gadgets::{fe, Shape};

/// Rows at the bottom of every boundary column that hold secret random
/// values (the blinding zone): at least halo2's `blinding_factors + 1` of
/// any segment circuit (6 for this crate's gates) and more than the 5
/// evaluations two proofs reveal ([module doc](self)).
pub const ZONE_ROWS: usize = 16;

/// The secret from which boundary `j`'s zone is derived.
pub type BoundaryKey = [u8; 32];

/// The key of boundary `j` (between segments `j` and `j + 1`) in the run
/// `run` (`super::run_digest`): BLAKE2b-256 of a domain tag, the seed, the
/// run and `j`.
pub fn boundary_key(seed: &SegmentSeed, run: &[u8; 32], j: usize) -> BoundaryKey {
    let h = blake2b_simd::Params::new()
        .hash_length(32)
        .to_state()
        .update(b"zkml segment boundary v3\0")
        .update(seed)
        .update(run)
        .update(&(j as u64).to_le_bytes())
        .finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(h.as_bytes());
    out
}

/// The eight words halo2's `Fr::random` draws for zone row `row` of local
/// column `col`.
fn row_words(key: &BoundaryKey, col: usize, row: usize) -> [u64; 8] {
    let h = blake2b_simd::Params::new()
        .hash_length(64)
        .to_state()
        .update(b"zkml boundary row v1\0")
        .update(key)
        .update(&(col as u64).to_le_bytes())
        .update(&(row as u64).to_le_bytes())
        .finalize();
    let mut w = [0u64; 8];
    for (i, c) in h.as_bytes().chunks_exact(8).enumerate() {
        w[i] = u64::from_le_bytes(c.try_into().expect("8 bytes"));
    }
    w
}

/// An rng that returns fixed words, then zeros.
struct Words([u64; 8], usize);

impl RngCore for Words {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        let w = self.0.get(self.1).copied().unwrap_or(0);
        self.1 += 1;
        w
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core06::impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand_core06::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// The zone value `ρ(key, col, row)`: what halo2's `Fr::random` makes of
/// [`row_words`] (the same function, so the circuit's zone cells and
/// halo2's blinding rows agree).
pub fn zone_value(key: &BoundaryKey, col: usize, row: usize) -> Fr {
    Fr::random(Words(row_words(key, col, row), 0))
}

/// Boundary columns for `elems` elements at `k` (each holds `2^k −`
/// [`ZONE_ROWS`] values); 0 for no elements.
pub fn columns_for(elems: usize, k: u32) -> usize {
    elems.div_ceil((1usize << k).saturating_sub(ZONE_ROWS).max(1))
}

/// The keys of a segment proof's boundaries: the input boundary's (all but
/// the first segment) and the output boundary's (all but the last).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BoundaryKeys {
    /// Key of the boundary the segment's inputs lie on.
    pub input: Option<BoundaryKey>,
    /// Key of the boundary the segment's outputs lie on.
    pub output: Option<BoundaryKey>,
}

impl BoundaryKeys {
    /// The key and local column of each boundary column of `shape`, in
    /// column order; an error when a key is missing or extra.
    fn columns(&self, shape: &Shape) -> Result<Vec<(BoundaryKey, usize)>> {
        let side = |cols: usize, key: Option<BoundaryKey>, what: &str| match (cols, key) {
            (0, None) => Ok(vec![]),
            (0, Some(_)) => Err(PlonkError::Segment(format!(
                "a boundary key for the {what}, but this key's {what} are not a segment boundary"
            ))),
            (_, None) => Err(PlonkError::Segment(format!(
                "this key's {what} are a segment boundary: prove it as a segment \
                 (zkml_plonk::segment::prove_segment) with the prover's seed"
            ))),
            (c, Some(k)) => Ok((0..c).map(|i| (k, i)).collect()),
        };
        let mut v = side(shape.bnd_in, self.input, "inputs")?;
        v.extend(side(shape.bnd_out, self.output, "outputs")?);
        Ok(v)
    }
}

/// The zone cells `(column, row, value)` the circuit assigns: rows
/// `[2^k − ZONE_ROWS, 2^k − blinding)` of each boundary column, where
/// `blinding = blinding_factors + 1` rows are halo2's own (filled by
/// [`BoundaryRng`]).
pub fn zone_cells(
    shape: &Shape,
    keys: &BoundaryKeys,
    k: u32,
    blinding: usize,
) -> Result<Vec<(usize, usize, Fr)>> {
    let n = 1usize << k;
    if blinding > ZONE_ROWS {
        return Err(PlonkError::Segment(format!(
            "the circuit has {blinding} blinding rows, more than a boundary's {ZONE_ROWS}"
        )));
    }
    let mut out = vec![];
    for (g, (key, c)) in keys.columns(shape)?.into_iter().enumerate() {
        for row in n - ZONE_ROWS..n - blinding {
            out.push((g, row, zone_value(&key, c, row)));
        }
    }
    Ok(out)
}

/// The prover's rng: halo2's first draws (the blinding rows of the first
/// advice columns, eight `next_u64` per field element, column by column)
/// come from the boundary columns' zone ([`zone_value`]); every other draw
/// from `inner`.
pub struct BoundaryRng<R> {
    inner: R,
    cols: Vec<(BoundaryKey, usize)>,
    n: usize,
    blinding: usize,
    calls: usize,
    cached: Option<(usize, [u64; 8])>,
}

impl<R: RngCore> BoundaryRng<R> {
    /// The rng for a proof at `k` whose circuit has `blinding` blinding rows
    /// (`blinding_factors + 1`) and boundary columns `shape` (keys `keys`).
    pub fn new(
        inner: R,
        shape: &Shape,
        keys: &BoundaryKeys,
        k: u32,
        blinding: usize,
    ) -> Result<Self> {
        Ok(Self {
            inner,
            cols: keys.columns(shape)?,
            n: 1 << k,
            blinding,
            calls: 0,
            cached: None,
        })
    }
}

impl<R: RngCore> RngCore for BoundaryRng<R> {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        let d = self.calls;
        self.calls += 1;
        let e = d / 8;
        let g = e / self.blinding.max(1);
        let Some(&(key, c)) = self.cols.get(g) else {
            return self.inner.next_u64();
        };
        let words = match self.cached {
            Some((ce, w)) if ce == e => w,
            _ => {
                let row = self.n - self.blinding + e % self.blinding;
                let w = row_words(&key, c, row);
                self.cached = Some((e, w));
                w
            }
        };
        words[d % 8]
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core06::impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand_core06::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// The commitment of local boundary column `c` of `cols` holding `vals`
/// (the boundary's elements in order) under `key`, at `k` (native: what
/// both proofs of the boundary show).
pub fn column_commitment(
    params: &ParamsKZG<Bn256>,
    domain: &EvaluationDomain<Fr>,
    vals: &[i128],
    cols: usize,
    c: usize,
    key: &BoundaryKey,
) -> G1Affine {
    let n = params.n() as usize;
    let mut poly = vec![Fr::ZERO; n];
    for (e, &v) in vals.iter().enumerate().skip(c).step_by(cols.max(1)) {
        poly[e / cols] = fe(v);
    }
    for (row, slot) in poly.iter_mut().enumerate().skip(n - ZONE_ROWS) {
        *slot = zone_value(key, c, row);
    }
    params
        .commit_lagrange(&domain.lagrange_from_vec(poly), Blind::default())
        .to_affine()
}

/// The `count` commitments starting at advice column `first` of a proof
/// transcript: the first points it holds (32-byte compressed, in column
/// order; boundary columns come first). `None` when the proof is shorter.
pub fn proof_commitments(proof: &[u8], first: usize, count: usize) -> Option<Vec<[u8; 32]>> {
    let bytes = proof.get(32 * first..32 * (first + count))?;
    Some(
        bytes
            .chunks_exact(32)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect(),
    )
}

/// A point's transcript bytes (compressed).
pub fn point_bytes(p: &G1Affine) -> [u8; 32] {
    let b = p.to_bytes();
    let mut out = [0u8; 32];
    out.copy_from_slice(b.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha03::ChaCha20Rng;
    use rand_core06::SeedableRng;

    /// halo2's first draws (blinding rows of the first columns, in column
    /// order, `Fr::random` each) are the zone values of the boundary
    /// columns; every later draw is the inner rng's.
    #[test]
    fn rng_serves_the_zone_first_then_the_inner_rng() {
        let shape = Shape {
            bnd_in: 2,
            bnd_out: 1,
            ..Shape::default()
        };
        let keys = BoundaryKeys {
            input: Some([1; 32]),
            output: Some([2; 32]),
        };
        let (k, blinding) = (6, 6);
        let n = 1usize << k;
        let mut rng =
            BoundaryRng::new(ChaCha20Rng::from_seed([7; 32]), &shape, &keys, k, blinding).unwrap();
        for (key, c) in [([1; 32], 0), ([1; 32], 1), ([2; 32], 0)] {
            for row in n - blinding..n {
                assert_eq!(Fr::random(&mut rng), zone_value(&key, c, row));
            }
        }
        let mut inner = ChaCha20Rng::from_seed([7; 32]);
        assert_eq!(Fr::random(&mut rng), Fr::random(&mut inner));
        // The circuit assigns the zone rows above halo2's.
        let cells = zone_cells(&shape, &keys, k, blinding).unwrap();
        assert_eq!(cells.len(), 3 * (ZONE_ROWS - blinding));
        assert_eq!(
            cells[0],
            (0, n - ZONE_ROWS, zone_value(&[1; 32], 0, n - ZONE_ROWS))
        );
        // Keys must match the columns.
        let none = BoundaryKeys::default();
        assert!(zone_cells(&shape, &none, k, blinding).is_err());
        assert!(zone_cells(&Shape::default(), &keys, k, blinding).is_err());
        assert!(zone_cells(&shape, &keys, k, ZONE_ROWS + 1).is_err());
        assert_eq!(columns_for(0, 10), 0);
        assert_eq!(columns_for(1024 - ZONE_ROWS, 10), 1);
        assert_eq!(columns_for(1024 - ZONE_ROWS + 1, 10), 2);
    }
}
