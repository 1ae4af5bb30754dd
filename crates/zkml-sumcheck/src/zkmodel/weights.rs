//! Hidden weights in the zero-knowledge backend (keys and commitments:
//! [`crate::model::key`]): which ops may read a hidden constant, where a
//! constant operand's claim lands, and the proof that a hidden constant's
//! padding is zero.
//!
//! **Claims.** A hidden constant is a committed table like a hidden
//! activation, except that its commitment comes from the key (private
//! weights) or the proof's header (committed weights) and is never made in
//! the commit phase: every claim on it is a Hyrax opening in the model's
//! batched opening phase ([`super::openings`]).
//!
//! * `MatMul`'s `W` is the product sumcheck's second factor, committed: the
//!   final claim `x̃(r)·W̃(r)` has both factors committed and is a proof of
//!   product inside the committed sumcheck ([`crate::zk`]); `W̃(r)` is then
//!   opened.
//! * An `Add`/`Sub` constant operand `c` (a bias; alignment `k ≥ 0`, factor
//!   `2^k`): with the output's shape (leading ones aside) its value at `ρ` is
//!   `c̃(ρ)`; broadcast over rows (`c: […1, n]`, output `[…, n]`) it is
//!   `Ĩ_rows(ρ_r)·c̃(ρ_c)`, `Ĩ_rows(ρ_r) = Σ_{i<rows} eq(ρ_r, i)`
//!   ([`operand_point`]). The prover sends `Com(c̃(·))` among the operand
//!   commitments; the linear relation takes it with that factor.
//!
//! * A `Conv` kernel is committed in the conv's per-dimension layout
//!   ([`crate::conv::weights`], [`crate::model::key::const_table`]); the
//!   conv's weight sumcheck then ends in a committed `w̃(κ)`, opened. Its
//!   padding never enters (the tap table `T` is zero there): no padding
//!   proof. A hidden bias `b` leaves the verifier's offset: the prover sends
//!   `Com(v)`, `v = Σ_o eq(ρ, o)·b[m(o)] = Σ_m b(m)·E(m)` with the public
//!   `E(m) = Σ_{o : m(o) = m} eq(ρ, o)` ([`bias_weights`], `O(N·M·oH + oW)`),
//!   proves it by a committed sumcheck `Σ_m b̃(m)·Ẽ(m)` ending in a claim
//!   on `b̃`, and the conv's claim takes `− Com(v)` ([`BiasProof`]).
//!
//! * A `Mul` constant operand `c`, broadcast to the output (any broadcast,
//!   e.g. a per-channel scale): the product sumcheck's factor is the
//!   broadcast table `B`, committed; its final `Com(B̃(r))` is reduced to a
//!   claim on `c̃` by the committed sumcheck `B̃(r) = Σ_m c̃(m)·Ẽ(m)` with the
//!   public `E(m) = Σ_{x : π(x) = m} eq(r, x)` over the output's entries
//!   ([`broadcast_weights`], `O(outputs)` like evaluating a known constant's
//!   broadcast; `ZkModelProof::mul_consts`).
//!
//! Every other op that reads a hidden constant is refused at setup
//! ([`check_hidden`]), naming the node, the op and the fix.
//!
//! **Padding.** A known constant is zero-padded by the verifier; a hidden
//! one by whoever committed it, and nonzero padding in `W`'s inner rows would
//! reach real outputs through `Σ_y x(·, y)·W(y, ·)` (an activation's padding
//! is not constrained). So, per hidden constant `c` with padding, at a fresh
//! `τ` the prover shows
//!
//! ```text
//! Σ_x c(x)·eq(τ, x)·(1 − I(x)) = 0        (I = 1 on the real entries)
//! ```
//!
//! by a committed sumcheck of degree 3 whose last two factors the verifier
//! evaluates (`eq(τ, r)`, `1 − Ĩ(r)`). Nonzero padding makes `c·(1 − I)` a
//! nonzero table, whose multilinear extension vanishes at a random `τ` with
//! probability at most `n/p`. The sumcheck ends in a claim on `c̃(r)`,
//! opened with the others.
//!
//! **Width.** Every hidden constant's committed table (all `2^n` entries,
//! padding included: zero is in range) is looked up in the signed range
//! `[−2^(b−1), 2^(b−1))` of the key's width `b` ([`weight_bits`]: the bits
//! the widest constant needs, at least [`MIN_WEIGHT_BITS`], the plonk
//! backend's rule for its weights' range rows), one column per constant in
//! the model's batched LogUp ([`super::lookups`], `Column::Const`): its
//! multiplicities (a histogram of the weights) are committed like every
//! lookup's, and the column's final claim `Com(c̃(r))` is opened against
//! the **same** commitment as every other claim on `c` (the verifying key's
//! or the proof's). An entry outside the range, a huge field element
//! included, fails the lookup (soundness as in [`super::lookups`]). So the
//! statement is "some weights of at most `b` bits give these outputs", as
//! plonk's. One range table holds at most `2^16` entries: for `b > 16`
//! each constant is split into two committed limbs instead, each looked up
//! in its own range and tied to the constant's commitment at a random
//! point ([`super::weight_limbs`]); a model whose constants need more than
//! [`MAX_WEIGHT_BITS`] bits is refused at setup ([`check_hidden`]). `b` is
//! public (the verifying key shows it, as plonk's does).

use rand_core06::{CryptoRng, RngCore};

use crate::codec::{Encode, Reader, Writer};
use crate::error::{Error, Result};
use crate::field::G1Affine;
use crate::field::{Field, Fr};
use crate::mle::{eq_table, log2_ceil, Mle};
use crate::model::key::{const_padded, const_real_at, const_real_table};
use crate::model::{block_indicator, hidden_const, hidden_weights, layout, Key, ProvingKey};
use crate::sumcheck::ProductSum;
use crate::transcript::Transcript;
use crate::zk::{Checks, Lc, Opening, ZkSumcheckProof};
use crate::zkmodel::lookups::{Column, LookupPlan, TableKey};
use zkml_core::backend::Visibility;
use zkml_core::quant::QValueKind;
use zkml_core::{QGraph, QOp};

/// How a constant operand reaches the output's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Broadcast {
    /// Same entries (the shapes equal up to leading ones).
    Same,
    /// Repeated over the output's rows (`[…1, n]` over `[…, n]`).
    Rows,
}

fn broadcast(c: &[usize], out: &[usize]) -> Option<Broadcast> {
    let trim = |s: &[usize]| {
        let k = s.iter().position(|&d| d != 1).unwrap_or(s.len());
        s[k..].to_vec()
    };
    if trim(c) == trim(out) {
        return Some(Broadcast::Same);
    }
    match (c.split_last(), out.split_last()) {
        (Some((&n, rest)), Some((&m, _))) if n == m && rest.iter().all(|&d| d == 1) => {
            Some(Broadcast::Rows)
        }
        _ => None,
    }
}

/// The point of a constant operand's claim and the factor its value takes
/// in the output's value at `rho` (see the module doc); `None` when the
/// constant does not broadcast that way.
pub(crate) fn operand_point(c: &[usize], out: &[usize], rho: &[Fr]) -> Option<(Vec<Fr>, Fr)> {
    match broadcast(c, out)? {
        Broadcast::Same => Some((rho.to_vec(), Fr::ONE)),
        Broadcast::Rows => {
            let (rows, cols) = layout(out);
            let cv = log2_ceil(cols);
            Some((rho[..cv].to_vec(), block_indicator(rows, 1 << cv, rho)))
        }
    }
}

/// Smallest width hidden constants are range-checked to (the plonk
/// backend's smallest weight width: small tensors, e.g. zero biases, do not
/// show their size).
pub(crate) const MIN_WEIGHT_BITS: u32 = 10;

/// Widest hidden constants: two limbs of one range table each
/// ([`super::weight_limbs`]).
pub(crate) const MAX_WEIGHT_BITS: u32 = super::weight_limbs::MAX_LIMBED_BITS;

/// Bits of the two's-complement range `[−2^(b−1), 2^(b−1))` holding `v`.
fn signed_bits(v: i64) -> u32 {
    let m = if v < 0 { !v } else { v } as u64;
    65 - m.leading_zeros()
}

/// The signed width hidden constants are range-checked to: the bits the
/// widest constant of `q` needs, at least [`MIN_WEIGHT_BITS`]; 0 when the
/// visibility hides no weights. Computed at setup from the full model.
pub(crate) fn weight_bits(q: &QGraph, vis: &Visibility) -> u32 {
    if !hidden_weights(vis) {
        return 0;
    }
    q.values
        .iter()
        .filter_map(|v| match &v.kind {
            QValueKind::Const(c) => Some(c),
            _ => None,
        })
        .flat_map(|c| c.iter().map(|&x| signed_bits(x)))
        .fold(MIN_WEIGHT_BITS, u32::max)
}

/// Whether `bits` is a width a key under `vis` may hold.
pub(crate) fn valid_width(vis: &Visibility, bits: u32) -> bool {
    if hidden_weights(vis) {
        (MIN_WEIGHT_BITS..=MAX_WEIGHT_BITS).contains(&bits)
    } else {
        bits == 0
    }
}

/// The range table of width `bits`: `−2^(b−1), …, 2^(b−1) − 1`.
pub(crate) fn weight_range(bits: u32) -> TableKey {
    let half = 1i64 << (bits.max(1) - 1);
    TableKey::Range(-half, half - 1)
}

/// Registers every hidden constant's committed table in the weights' range
/// (module doc). Both ends, after the hidden inputs.
pub(crate) fn register_ranges(key: &Key, plan: &mut LookupPlan) {
    if super::weight_limbs::limbed(key) {
        return super::weight_limbs::register(key, plan);
    }
    for id in 0..key.q.values.len() {
        if hidden_const(&key.q, &key.visibility, id) {
            plan.push(weight_range(key.weight_bits), Column::Const(id));
        }
    }
}

/// Refuses, naming node, op and fix, every op that reads a hidden constant
/// and cannot open it (see the module doc), and constants wider than
/// [`MAX_WEIGHT_BITS`].
pub(crate) fn check_hidden(q: &QGraph, vis: &Visibility) -> Result<()> {
    if !hidden_weights(vis) {
        return Ok(());
    }
    let bits = weight_bits(q, vis);
    if bits > MAX_WEIGHT_BITS {
        let widest = q
            .values
            .iter()
            .find(|v| match &v.kind {
                QValueKind::Const(c) => c.iter().any(|&x| signed_bits(x) == bits),
                _ => false,
            })
            .map_or("?", |v| v.name.as_str());
        return Err(Error::Invalid(format!(
            "hidden weights are range-checked to their width, at most {MAX_WEIGHT_BITS} bits in \
             the sumcheck backend, but constant `{widest}` needs {bits} bits: quantize with \
             fewer weight bits (`--precision`), or make the weights fixed or public \
             (`--weights fixed`)"
        )));
    }
    // A constant model output is a public value no relation ties to its
    // commitment.
    if let Some(&id) = q.outputs.iter().find(|&&id| hidden_const(q, vis, id)) {
        return Err(Error::Invalid(format!(
            "model output `{}` is a constant, which hidden weights would hide: make the \
             weights fixed or public (`--weights fixed`)",
            q.values[id].name
        )));
    }
    for (i, node) in q.nodes.iter().enumerate() {
        for (k, &a) in node.inputs.iter().enumerate() {
            if !hidden_const(q, vis, a) {
                continue;
            }
            let refuse = |why: &str| Error::Unsupported {
                op: node.op.name().into(),
                node: i,
                why: format!(
                    "node `{}` reads the hidden constant `{}` (input {k}): {why}; make the \
                     weights fixed or public (`--weights fixed`) to prove this model",
                    node.name, q.values[a].name
                ),
            };
            match &node.op {
                QOp::MatMul { .. } if k == 1 => {}
                // Any broadcast (`check_ops` checked it): `broadcast_weights`.
                QOp::Mul { .. } => {}
                QOp::Conv { .. } if k == 2 => {}
                QOp::Conv { .. } if k == 1 => {
                    // Committed in the conv's own layout: no other reader.
                    if q.nodes.iter().filter(|n| n.inputs.contains(&a)).count() != 1 {
                        return Err(refuse(
                            "a hidden conv kernel read by another node too is not supported",
                        ));
                    }
                }
                QOp::Add { align } | QOp::Sub { align } => {
                    if align[k] < 0 {
                        return Err(refuse(
                            "a hidden constant rescaled down (negative alignment) is not \
                             supported yet",
                        ));
                    }
                    if broadcast(&q.values[a].shape, &q.values[node.output].shape).is_none() {
                        return Err(refuse(
                            "a hidden constant operand must have the output's shape or \
                             broadcast over its rows ([…, 1, n] over […, n])",
                        ));
                    }
                }
                _ => {
                    return Err(refuse(
                        "this op cannot open a hidden constant yet (MatMul weights, Conv \
                         kernels and biases, Add/Sub and Mul constants can)",
                    ))
                }
            }
        }
    }
    Ok(())
}

/// Hidden constants whose table has padding, in value order.
pub(crate) fn padded(q: &QGraph, vis: &Visibility) -> Vec<usize> {
    (0..q.values.len())
        .filter(|&id| hidden_const(q, vis, id) && const_padded(q, id))
        .collect()
}

/// `1 − I` for constant `id`'s table (1 on the padding).
fn padding_table(q: &QGraph, id: usize) -> Result<Mle> {
    let i = const_real_table(q, id)?;
    Mle::new(i.evals.iter().map(|v| Fr::ONE - v).collect())
}

const TERMS: fn() -> Vec<(Fr, Vec<usize>)> = || vec![(Fr::ONE, vec![0, 1, 2])];
const PUBLIC: [bool; 3] = [false, true, true];

/// The prover's padding proofs (module doc), with each one's claim on the
/// constant: `(id, point, opening)`.
#[allow(clippy::type_complexity)]
pub(crate) fn prove_padding(
    pk: &ProvingKey,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Vec<ZkSumcheckProof>, Vec<(usize, Vec<Fr>, Opening)>)> {
    let _s = crate::profile::span("prove/weights_padding");
    let (mut proofs, mut claims) = (vec![], vec![]);
    for id in padded(&pk.q, &pk.visibility) {
        let c = pk.consts()[id]
            .as_ref()
            .ok_or_else(|| Error::Invalid(format!("hidden constant {id} is not committed")))?;
        let tau = t.challenges(b"model/weights/tau", c.poly.num_vars);
        let inst = ProductSum::new(
            vec![
                c.poly.clone(),
                Mle::new(eq_table(&tau))?,
                padding_table(&pk.q, id)?,
            ],
            TERMS(),
        )?;
        let zero = Opening {
            value: Fr::ZERO,
            blind: Fr::ZERO,
        };
        let out = crate::zk::prove_sumcheck(&pk.gens, inst, &PUBLIC, &zero, t, rng)?;
        let o = out.factor_openings[0]
            .ok_or_else(|| Error::Invalid("padding sumcheck: the constant's opening".into()))?;
        claims.push((id, out.point, o));
        proofs.push(out.proof);
    }
    Ok((proofs, claims))
}

/// The verifier's side of [`prove_padding`]: each constant's claim
/// `(id, point, Com(c̃(point)))`.
pub(crate) fn verify_padding(
    q: &QGraph,
    vis: &Visibility,
    proofs: &[ZkSumcheckProof],
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<Vec<(usize, Vec<Fr>, Lc)>> {
    let ids = padded(q, vis);
    crate::error::expect_len("weights padding proofs", proofs.len(), ids.len())?;
    let mut out = vec![];
    for (id, proof) in ids.into_iter().zip(proofs) {
        let nv = crate::model::const_vars(q, id);
        let tau = t.challenges(b"model/weights/tau", nv);
        let sub = crate::zk::verify_sumcheck(
            nv,
            &TERMS(),
            &PUBLIC,
            &Lc::default(),
            proof,
            |pt| {
                Ok(vec![
                    crate::mle::eq_eval(&tau, pt)
                        .ok_or_else(|| Error::Invalid("padding sumcheck: point length".into()))?,
                    Fr::ONE - const_real_at(q, id, pt),
                ])
            },
            t,
            checks,
        )?;
        let com = sub.factor_coms[0].ok_or(Error::Malformed {
            what: "weights padding factor commitment",
            got: 0,
            expected: 1,
        })?;
        out.push((id, sub.point, com.into()));
    }
    Ok(out)
}

/// A Conv's hidden bias share `v` (see the module doc): `Com(v)` and the
/// committed sumcheck `Σ_m b̃(m)·Ẽ(m) = v`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BiasProof {
    /// `Com(v)`.
    pub com: G1Affine,
    /// The committed sumcheck over the bias's table.
    pub sumcheck: ZkSumcheckProof,
}

impl Encode for BiasProof {
    fn encode(&self, w: &mut Writer) {
        w.point(&self.com);
        self.sumcheck.encode(w);
    }
    fn decode(r: &mut Reader<'_>) -> Result<Self> {
        Ok(Self {
            com: r.point()?,
            sumcheck: ZkSumcheckProof::decode(r)?,
        })
    }
}

/// Whether Conv node `i` has a hidden bias (its own proof, [`BiasProof`]).
pub(crate) fn hidden_bias(q: &QGraph, vis: &Visibility, i: usize) -> Option<usize> {
    let n = &q.nodes[i];
    match (&n.op, n.inputs.get(2)) {
        (QOp::Conv { .. }, Some(&b)) if hidden_const(q, vis, b) => Some(b),
        _ => None,
    }
}

/// `E(m) = Σ_{o : m(o) = m} eq(ρ, o)` for Conv node `i` (output
/// `[N, M, oH, oW]` in rows × cols), padded to the bias table's size.
pub(crate) fn bias_weights(q: &QGraph, i: usize, rho: &[Fr]) -> Result<Mle> {
    let out = &q.values[q.nodes[i].output].shape;
    let [n, m, oh, ow]: [usize; 4] = out
        .as_slice()
        .try_into()
        .map_err(|_| Error::Invalid("conv output is not 4-dimensional".into()))?;
    let oc = log2_ceil(ow);
    let sum_c: Fr = eq_table(&rho[..oc]).iter().take(ow).sum();
    let eq_r = eq_table(&rho[oc..]);
    let mut e = vec![Fr::ZERO; 1 << log2_ceil(m)];
    for b in 0..n {
        for (mm, em) in e.iter_mut().enumerate().take(m) {
            let base = (b * m + mm) * oh;
            *em += eq_r[base..base + oh].iter().copied().sum::<Fr>() * sum_c;
        }
    }
    Mle::new(e)
}

/// The prover's [`BiasProof`] for Conv node `i` with hidden bias `b` (its
/// table `bias`): the proof, `Com(v)`'s opening and the claim on `b̃`.
pub(crate) fn prove_conv_bias(
    pk: &ProvingKey,
    i: usize,
    bias: &Mle,
    rho: &[Fr],
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(BiasProof, Opening, (Vec<Fr>, Opening))> {
    let e = bias_weights(&pk.q, i, rho)?;
    let v: Fr = bias.evals.iter().zip(&e.evals).map(|(a, b)| *a * b).sum();
    let vo = Opening::random(v, rng);
    let com = vo.commit(&pk.gens).into();
    t.absorb_points(b"conv/bias_com", &[com]);
    let inst = ProductSum::new(vec![bias.clone(), e], vec![(Fr::ONE, vec![0, 1])])?;
    let out = crate::zk::prove_sumcheck(&pk.gens, inst, &[false, true], &vo, t, rng)?;
    let o = out.factor_openings[0]
        .ok_or_else(|| Error::Invalid("conv bias sumcheck: the bias opening".into()))?;
    Ok((
        BiasProof {
            com,
            sumcheck: out.proof,
        },
        vo,
        (out.point, o),
    ))
}

/// The verifier's side of [`prove_conv_bias`]: the claim on `b̃`.
pub(crate) fn verify_conv_bias(
    q: &QGraph,
    i: usize,
    proof: &BiasProof,
    rho: &[Fr],
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<(Vec<Fr>, Lc)> {
    let e = bias_weights(q, i, rho)?;
    t.absorb_points(b"conv/bias_com", &[proof.com]);
    let sub = crate::zk::verify_sumcheck(
        e.num_vars,
        &[(Fr::ONE, vec![0, 1])],
        &[false, true],
        &Lc::from(proof.com),
        &proof.sumcheck,
        |k| Ok(vec![e.evaluate(k)?]),
        t,
        checks,
    )?;
    let c = sub.factor_coms[0].ok_or(Error::Malformed {
        what: "conv bias factor commitment",
        got: 0,
        expected: 1,
    })?;
    Ok((sub.point, c.into()))
}

/// `E(m) = Σ_{x : π(x) = m} eq(r, x)`: for constant `a` broadcast to node
/// `i`'s output (`π` maps an output entry to the constant entry it reads),
/// over the constant's table.
pub(crate) fn broadcast_weights(q: &QGraph, i: usize, a: usize, r: &[Fr]) -> Result<Mle> {
    use crate::conv::table_index;
    let out = &q.values[q.nodes[i].output].shape;
    let c = &q.values[a].shape;
    let n: usize = c.iter().product();
    let bad = || {
        Error::Invalid(format!(
            "node `{}`: the constant does not broadcast",
            q.nodes[i].name
        ))
    };
    let idx =
        ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(c), (0..n).collect()).map_err(|_| bad())?;
    let b = idx.broadcast(ndarray::IxDyn(out)).ok_or_else(bad)?;
    let eq = eq_table(r);
    let mut e = vec![Fr::ZERO; 1 << crate::model::num_vars(c)];
    for (f, &m) in b.iter().enumerate() {
        e[table_index(c, m)] += eq[table_index(out, f)];
    }
    Mle::new(e)
}

/// The prover's reduction of `Com(B̃(r))` (opening `claim`) for constant
/// `a` of node `i` (its table `table`) to a claim on `c̃`: the sumcheck and
/// the claim's point and opening.
#[allow(clippy::too_many_arguments)]
pub(crate) fn prove_broadcast(
    key: &crate::model::Key,
    i: usize,
    a: usize,
    table: &Mle,
    r: &[Fr],
    claim: &Opening,
    t: &mut Transcript,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(ZkSumcheckProof, Vec<Fr>, Opening)> {
    let e = broadcast_weights(&key.q, i, a, r)?;
    let inst = ProductSum::new(vec![table.clone(), e], vec![(Fr::ONE, vec![0, 1])])?;
    let out = crate::zk::prove_sumcheck(&key.gens, inst, &[false, true], claim, t, rng)?;
    let o = out.factor_openings[0]
        .ok_or_else(|| Error::Invalid("broadcast sumcheck: the constant's opening".into()))?;
    Ok((out.proof, out.point, o))
}

/// The verifier's side of [`prove_broadcast`]: the claim on `c̃`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_broadcast(
    q: &QGraph,
    i: usize,
    a: usize,
    r: &[Fr],
    claim: &Lc,
    proof: &ZkSumcheckProof,
    t: &mut Transcript,
    checks: &mut Checks,
) -> Result<(Vec<Fr>, G1Affine)> {
    let e = broadcast_weights(q, i, a, r)?;
    let sub = crate::zk::verify_sumcheck(
        e.num_vars,
        &[(Fr::ONE, vec![0, 1])],
        &[false, true],
        claim,
        proof,
        |k| Ok(vec![e.evaluate(k)?]),
        t,
        checks,
    )?;
    let c = sub.factor_coms[0].ok_or(Error::Malformed {
        what: "broadcast factor commitment",
        got: 0,
        expected: 1,
    })?;
    Ok((sub.point, c))
}
