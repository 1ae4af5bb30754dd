//! The keys: what the verifier holds ([`Key`]) and what only the prover
//! holds besides ([`ProvingKey`]), with the model's hidden constants
//! committed at setup.
//!
//! **Hidden constants.** Under private or committed weights every constant
//! of the model (weights, biases, Mul factors) is hidden ([`hidden_const`]).
//! Each is laid out as a table ([`const_table`], [`const_vars`],
//! [`const_padded`], [`const_real_table`], [`const_real_at`]: an op that
//! opens its constant in its own layout changes these five together: a
//! Conv kernel takes the conv's per-dimension table,
//! [`crate::conv::weights`]) and committed with Hyrax ([`crate::hyrax`]); row `i` of constant `id` has the blind
//! `ρ_{id,i} = BLAKE2b-512(seed ‖ id ‖ i) mod p` ([`commit_consts`]), so the
//! prover recomputes the commitments from the seed and the values.
//!
//! * **private**: the seed is drawn at setup and kept in the proving key; the
//!   commitments are in the verifying key ([`Key::weights`]) and its digest.
//! * **committed**: the seed is the blinding of the published weights
//!   commitment (`zkml commit`, [`weights_commitment`]), given at prove time;
//!   the Hyrax commitments travel in the proof (its value commitments), and
//!   the published commitment is their hash ([`weights_digest`]): the
//!   verifier recomputes it from the proof and compares it with the
//!   commitment the public values show, so every proof showing one
//!   commitment used the same tables (Hyrax is binding under discrete log).
//!
//! The verifying key's model has every hidden constant's values replaced by
//! zeros (shapes kept, [`strip`]); the digest absorbed first in the
//! transcript covers that stripped model and the private commitments,
//! nothing the verifier cannot see, and the proving key carries the same
//! digest. A verifier never reads a hidden constant: its claims are Hyrax
//! openings against the commitment (`crate::zkmodel`).
//!
//! **Width.** Every hidden constant's entries are proved to be integers of
//! the signed width [`Key::weight_bits`] (the widest constant's bits, at
//! least 10: the plonk backend's weight width), fixed at setup and held
//! in both keys and their digest (`crate::zkmodel::weights`). The statement
//! is about the committed tables: a party who commits other tables of that
//! width than a quantizer's proves statements about those.
//!
//! **Files** ([`KEY_VERSION`] 6): [`KEY_MAGIC`], the version, a kind byte
//! (`P` proving, `V` verifying), the length of the model section, the model
//! section (the model's structure as JSON and its constants as packed
//! integers, [`super::key_file`]), then (proving) the seed or (verifying)
//! the commitments in [`crate::codec`] and the weight width (one byte), then
//! (both) the fixed weights' commitment (`crate::zkmodel::fixed`; tag 0
//! when none). Generators, digest and (proving) the width are recomputed;
//! the digest hashes the verifying key's model section (a verifier hashes
//! the bytes it decoded its model from), the commitments, the width and the
//! fixed weights' commitment.

use std::ops::Deref;

use super::{check_ops, layout, layout_shape, num_vars, table_of, widest_table};
use crate::codec::{Reader, Writer};
use crate::error::{Error, Result};
use crate::field::{Fr, FromUniformBytes, PrimeField};
use crate::hyrax::{split_vars, CommittedPoly, Generators, HyraxCommitment, RowBlinds};
use crate::mle::{log2_ceil, Mle};
use zkml_core::backend::{Blinding, FieldBytes, Vis, Visibility};
use zkml_core::quant::QValueKind;
use zkml_core::QGraph;

/// What the verifier holds: the model (hidden constants zeroed), its digest,
/// the generators, the visibility and the commitments of private weights.
/// Inside a [`ProvingKey`] the model is the full one (same digest).
#[derive(Clone, Debug)]
pub struct Key {
    /// The quantized model; in a verifying key with hidden weights, every
    /// constant's values are zeros ([`strip`]).
    pub q: QGraph,
    /// BLAKE2b-512 of the verifying key's model section (stripped model and
    /// visibility) and the private weights' commitments (absorbed first).
    pub digest: Vec<u8>,
    /// Pedersen generators, wide enough for every committed table.
    pub gens: Generators,
    /// The visibility the key was made for.
    pub visibility: Visibility,
    /// Per value: the setup's commitment of a hidden constant under private
    /// weights; `None` elsewhere (committed weights' commitments are in the
    /// proof).
    pub weights: Vec<Option<HyraxCommitment>>,
    /// Under hidden weights, the signed width `b` every hidden constant's
    /// entries are range-checked to (`[−2^(b−1), 2^(b−1))`,
    /// `crate::zkmodel::weights::weight_bits`); 0 otherwise. In the digest.
    pub weight_bits: u32,
    /// Under public weights, the setup's commitment to the fixed weights'
    /// table `W` (`crate::zkmodel::fixed`, zero blinds); `None` when no
    /// constant is packed. In the digest.
    pub fixed: Option<HyraxCommitment>,
}

/// What the prover holds: the [`Key`] with the full model, the seed of the
/// private weights' blinds and their committed tables.
#[derive(Clone, Debug)]
pub struct ProvingKey {
    /// The key (full model; digest and commitments as the verifying key's).
    pub key: Key,
    /// Seed of the hidden constants' row blinds (private weights only).
    seed: Option<Fr>,
    /// Per value: the committed table of a hidden constant (private weights;
    /// for committed weights after [`ProvingKey::open_weights`]).
    pub(crate) consts: Vec<Option<CommittedPoly>>,
    /// The fixed weights' table `W` and its commitment (the key's `fixed`).
    pub(crate) fixed_poly: Option<CommittedPoly>,
}

impl Deref for ProvingKey {
    type Target = Key;
    fn deref(&self) -> &Key {
        &self.key
    }
}

/// First bytes of an encoded [`Key`] or [`ProvingKey`].
pub const KEY_MAGIC: &[u8; 18] = b"zkml-sumcheck-key\0";
/// Version of the key encoding (2: proving and verifying keys split, hidden
/// weights committed; 3: the hidden weights' width; 4: the model's
/// constants packed as integers instead of JSON, [`super::key_file`]; 5:
/// the fixed weights' commitment, `crate::zkmodel::fixed`; 6: large
/// commitments split column-heavy, [`crate::hyrax::split_for`]); another
/// version is refused.
pub const KEY_VERSION: u32 = 6;

/// Whether the visibility hides the model's constants.
pub fn hidden_weights(vis: &Visibility) -> bool {
    matches!(vis.weights, Vis::Private | Vis::Committed)
}

/// Whether value `id` is a constant the visibility hides.
pub fn hidden_const(q: &QGraph, vis: &Visibility, id: usize) -> bool {
    hidden_weights(vis) && matches!(q.values[id].kind, QValueKind::Const(_))
}

/// The table constant `id` is committed as: its values in the layout of
/// [`super::layout_shape`] (the crate's default). Both ends call it (the
/// verifier on the stripped model, for the variables only).
///
/// An op that opens its constant in another layout (a table of `2^n`
/// entries it defines, e.g. a per-dimension padded kernel) returns that
/// layout here, and its claims on the constant are at points of that table.
pub fn const_table(q: &QGraph, id: usize) -> Result<Mle> {
    match &q.values[id].kind {
        QValueKind::Const(c) => {
            let flat: Vec<i64> = c.iter().copied().collect();
            match conv_geom(q, id) {
                Some(g) => g?.weight_table(&flat),
                None => table_of(&layout_shape(q, id), &flat),
            }
        }
        _ => Err(Error::Invalid(format!(
            "value `{}` is not a constant",
            q.values[id].name
        ))),
    }
}

/// Variables of [`const_table`] of constant `id` (from shapes only).
pub fn const_vars(q: &QGraph, id: usize) -> usize {
    match conv_geom(q, id) {
        Some(Ok(g)) => g.weight_vars(),
        _ => num_vars(&layout_shape(q, id)),
    }
}

/// The geometry of the Conv whose kernel constant `id` is (its weight
/// input): such a kernel is committed in the conv's per-dimension layout
/// ([`crate::conv::weights`]), whose padding no relation reads.
fn conv_geom(q: &QGraph, id: usize) -> Option<Result<crate::conv::weights::ConvGeom>> {
    q.nodes.iter().find_map(|n| match &n.op {
        zkml_core::QOp::Conv { conv, .. } if n.inputs.get(1) == Some(&id) => {
            let s = |k: usize| &q.values[n.inputs[k]].shape;
            Some(crate::conv::weights::ConvGeom::new(
                conv,
                s(0),
                s(1),
                &q.values[n.output].shape,
            ))
        }
        _ => None,
    })
}

/// Whether [`const_table`] of constant `id` has padding (entries that hold
/// no value of the constant; they must be zero, `crate::zkmodel`'s padding
/// proof).
pub fn const_padded(q: &QGraph, id: usize) -> bool {
    if conv_geom(q, id).is_some() {
        return false;
    }
    let (r, c) = layout(&layout_shape(q, id));
    !r.is_power_of_two() || !c.is_power_of_two()
}

/// The indicator `I` of [`const_table`]'s real entries (1 on a value of the
/// constant, 0 on padding), as a table.
pub fn const_real_table(q: &QGraph, id: usize) -> Result<Mle> {
    let (r, c) = layout(&layout_shape(q, id));
    let (nr, nc) = (log2_ceil(r), log2_ceil(c));
    let evals = (0..1usize << (nr + nc))
        .map(|x| Fr::from(u64::from((x >> nc) < r && (x & ((1 << nc) - 1)) < c)))
        .collect();
    Mle::new(evals)
}

/// `Ĩ(point)` of [`const_real_table`], computed from shapes (the verifier's).
pub fn const_real_at(q: &QGraph, id: usize, point: &[Fr]) -> Fr {
    let (r, c) = layout(&layout_shape(q, id));
    super::block_indicator(r, c, point)
}

/// The row blinds of constant `id`'s table under `seed` (see the module doc).
fn row_blinds(seed: &Fr, id: usize, rows: usize) -> RowBlinds {
    let s = seed.to_repr();
    RowBlinds(
        (0..rows as u64)
            .map(|i| {
                let h = blake2b_simd::Params::new()
                    .hash_length(64)
                    .personal(b"zkml-sc-wblinds")
                    .to_state()
                    .update(s.as_ref())
                    .update(&(id as u64).to_le_bytes())
                    .update(&i.to_le_bytes())
                    .finalize();
                let mut wide = [0u8; 64];
                wide.copy_from_slice(h.as_bytes());
                Fr::from_uniform_bytes(&wide)
            })
            .collect(),
    )
}

/// Commits every hidden constant of `q` (all its constants) with blinds
/// from `seed`; `None` for every other value.
pub(crate) fn commit_consts(
    gens: &Generators,
    q: &QGraph,
    seed: &Fr,
) -> Result<Vec<Option<CommittedPoly>>> {
    let _s = crate::profile::span("setup/commit_weights");
    (0..q.values.len())
        .map(|id| {
            if !matches!(q.values[id].kind, QValueKind::Const(_)) {
                return Ok(None);
            }
            let tab = const_table(q, id)?;
            let rows = 1usize << crate::hyrax::split_for(tab.num_vars, gens.g.len()).0;
            let c = crate::hyrax::commit_with_blinds(gens, tab, row_blinds(seed, id, rows))?;
            Ok(Some(c))
        })
        .collect()
}

/// The public commitment to committed weights: BLAKE2b-512 of their Hyrax
/// commitments (in value order), reduced mod p.
pub fn weights_digest<'a>(coms: impl IntoIterator<Item = &'a HyraxCommitment>) -> FieldBytes {
    let mut w = Writer::default();
    for c in coms {
        w.points(&c.rows);
    }
    let h = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(b"zkml-sc-weights")
        .hash(&w.0);
    let mut wide = [0u8; 64];
    wide.copy_from_slice(h.as_bytes());
    FieldBytes(Fr::from_uniform_bytes(&wide).to_repr())
}

/// The seed a blinding gives (its bytes as a field element, reduced).
fn seed_of(b: &Blinding) -> Fr {
    let mut wide = [0u8; 64];
    wide[..32].copy_from_slice(&b.0 .0);
    Fr::from_uniform_bytes(&wide)
}

/// The generators of `q`: wide enough for every table, hidden constants'
/// among them, and for the zero-knowledge backend's packed witness table
/// ([`crate::zkmodel::packed`]).
fn generators(q: &QGraph) -> Result<Generators> {
    Ok(generators_of_width(generator_width(q)))
}

/// The key generators, `width` of them.
fn generators_of_width(width: usize) -> Generators {
    Generators::new(b"zkml-sumcheck/generators/v1", width)
}

/// How many vector generators [`generators`] derives for `q` (no point is
/// computed).
pub(crate) fn generator_width(q: &QGraph) -> usize {
    let mut nv = widest_table(q).max(crate::zkmodel::packed::Layout::widest(q));
    if let Some(n) = crate::zkmodel::fixed::layout(q).num_vars {
        nv = nv.max(n);
    }
    for id in 0..q.values.len() {
        if matches!(q.values[id].kind, QValueKind::Const(_)) {
            nv = nv.max(const_vars(q, id));
        }
    }
    1 << split_vars(nv).1
}

/// The commitment `zkml commit` publishes for `q`'s weights with `blinding`
/// ([`weights_digest`] of [`commit_consts`] under its seed), and how many
/// constants it covers.
pub fn weights_commitment(q: &QGraph, blinding: &Blinding) -> Result<(FieldBytes, usize)> {
    let consts = commit_consts(&generators(q)?, q, &seed_of(blinding))?;
    let n = q
        .values
        .iter()
        .filter_map(|v| match &v.kind {
            QValueKind::Const(c) => Some(c.len()),
            _ => None,
        })
        .sum();
    Ok((weights_digest(consts.iter().flatten().map(|c| &c.comm)), n))
}

/// `q` with every hidden constant's values replaced by zeros (shape kept):
/// the model a verifying key holds.
pub fn strip(q: &QGraph, vis: &Visibility) -> QGraph {
    let mut s = q.clone();
    if hidden_weights(vis) {
        for v in &mut s.values {
            if let QValueKind::Const(c) = &mut v.kind {
                c.fill(0);
            }
        }
    }
    s
}

/// BLAKE2b-512 of the verifying key's model section (the stripped model
/// and the visibility, [`super::key_file`]), the private commitments and
/// the hidden weights' width.
fn digest(
    section: &[u8],
    weights: &[Option<HyraxCommitment>],
    weight_bits: u32,
    fixed: Option<&HyraxCommitment>,
) -> Vec<u8> {
    let _s = crate::profile::span("key/digest");
    let mut w = Writer::default();
    w.len(weights.len());
    weights.iter().for_each(|c| w.option(c));
    w.u8(weight_bits as u8);
    w.option(&fixed.cloned());
    let h = blake2b_simd::Params::new()
        .hash_length(64)
        .personal(b"zkml-sc-key-v3")
        .to_state()
        .update(&(section.len() as u64).to_le_bytes())
        .update(section)
        .update(&w.0)
        .finalize();
    h.as_bytes().to_vec()
}

/// The model section a verifying key of `q` holds: hidden constants zeroed.
fn vk_section(q: &QGraph, vis: &Visibility) -> Result<Vec<u8>> {
    super::key_file::encode(q, vis, |id| hidden_const(q, vis, id))
}

/// The keys of `q` under `vis` (the setup): for private weights a fresh
/// seed and the constants' commitments.
pub(crate) fn make_keys(q: &QGraph, vis: &Visibility) -> Result<(ProvingKey, Key)> {
    let seed = (vis.weights == Vis::Private).then(|| {
        use crate::field::Field;
        Fr::random(rand_core06::OsRng)
    });
    let width = generator_width(q);
    let pk = ProvingKey::build(q.clone(), vis.clone(), seed, None, width)?;
    let vk = pk.verifying_key();
    Ok((pk, vk))
}

impl ProvingKey {
    /// The proving key of `q` under `vis` with the private weights' `seed`;
    /// the fixed weights' commitment is `fixed` (a key file's) or computed;
    /// `width` is [`generator_width`] of `q` (the caller's, computed once).
    fn build(
        q: QGraph,
        vis: Visibility,
        seed: Option<Fr>,
        fixed: Option<HyraxCommitment>,
        width: usize,
    ) -> Result<Self> {
        let gens = generators_of_width(width);
        gens.prepare_commitments();
        let consts = match &seed {
            Some(s) => commit_consts(&gens, &q, s)?,
            None => vec![None; q.values.len()],
        };
        let weights: Vec<Option<HyraxCommitment>> = consts
            .iter()
            .map(|c| c.as_ref().map(|c| c.comm.clone()))
            .collect();
        let weight_bits = crate::zkmodel::weights::weight_bits(&q, &vis);
        let fixed_poly = crate::zkmodel::fixed::commit(&gens, &q, &vis, fixed)?;
        let fixed = fixed_poly.as_ref().map(|c| c.comm.clone());
        let digest = digest(
            &vk_section(&q, &vis)?,
            &weights,
            weight_bits,
            fixed.as_ref(),
        );
        Ok(Self {
            key: Key {
                q,
                digest,
                gens,
                visibility: vis,
                weights,
                weight_bits,
                fixed,
            },
            seed,
            consts,
            fixed_poly,
        })
    }

    /// The verifying key: this key with the hidden constants stripped.
    pub fn verifying_key(&self) -> Key {
        Key {
            q: strip(&self.q, &self.visibility),
            ..self.key.clone()
        }
    }

    /// Under committed weights, the key with the constants committed under
    /// the published commitment's `blinding` (what the proof shows).
    pub fn open_weights(&self, blinding: &Blinding) -> Result<Self> {
        let mut k = self.clone();
        k.consts = commit_consts(&self.gens, &self.q, &seed_of(blinding))?;
        Ok(k)
    }

    /// The committed tables of the hidden constants (per value).
    pub fn consts(&self) -> &[Option<CommittedPoly>] {
        &self.consts
    }

    /// The key's bytes (see the module doc): the full model, the seed and
    /// the fixed weights' commitment (not recomputed at load).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let section = super::key_file::encode(&self.q, &self.visibility, |_| false)?;
        let mut w = header(b'P', &section);
        match &self.seed {
            Some(s) => {
                w.u8(1);
                w.fr(s);
            }
            None => w.u8(0),
        }
        w.option(&self.fixed);
        Ok(w.0)
    }

    /// Parses [`Self::to_bytes`]'s output; refuses another file kind or version.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (q, vis, _, mut r) = read_header(bytes, b'P')?;
        let seed = match r.u8()? {
            0 => None,
            1 => Some(r.fr()?),
            t => return Err(Error::Decode(format!("proving key: seed tag {t}"))),
        };
        let fixed: Option<HyraxCommitment> = r.option()?;
        end(&r)?;
        let width = generator_width(&q);
        if !crate::zkmodel::fixed::shape_ok(&q, &vis, fixed.as_ref(), width) {
            return Err(Error::Decode(
                "proving key: the fixed weights' commitment does not match the model".into(),
            ));
        }
        if seed.is_some() != (vis.weights == Vis::Private) {
            return Err(Error::Decode(
                "proving key: a weights seed goes with private weights only".into(),
            ));
        }
        Self::build(q, vis, seed, fixed, width)
    }
}

impl Key {
    /// The key's bytes (see the module doc): the stripped model and the
    /// private weights' commitments.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut w = header(b'V', &vk_section(&self.q, &self.visibility)?);
        w.len(self.weights.len());
        self.weights.iter().for_each(|c| w.option(c));
        w.u8(self.weight_bits as u8);
        w.option(&self.fixed);
        Ok(w.0)
    }

    /// BLAKE2b-256 of the model's digest and the visibility: the hash that
    /// names this statement in files (`settings.json`, proof files).
    pub fn model_hash(&self) -> [u8; 32] {
        let vis = serde_json::to_vec(&self.visibility).unwrap_or_default();
        let h = blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"zkml-sumcheck-mh")
            .to_state()
            .update(&self.digest)
            .update(&vis)
            .finalize();
        h.as_bytes().try_into().expect("32 bytes")
    }

    /// Parses [`Self::to_bytes`]'s output (a verifying key); refuses another
    /// file kind or version, commitments that do not match the model, and
    /// values of a hidden constant (a verifying key holds zeros there). The
    /// digest hashes the model section as read.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (q, vis, section, mut r) = read_header(bytes, b'V')?;
        let n = r.len(1)?;
        let weights: Vec<Option<HyraxCommitment>> =
            (0..n).map(|_| r.option()).collect::<Result<_>>()?;
        let weight_bits = u32::from(r.u8()?);
        let fixed: Option<HyraxCommitment> = r.option()?;
        end(&r)?;
        let width = generator_width(&q);
        if !crate::zkmodel::fixed::shape_ok(&q, &vis, fixed.as_ref(), width) {
            return Err(Error::Decode(
                "verifying key: the fixed weights' commitment does not match the model".into(),
            ));
        }
        if !crate::zkmodel::weights::valid_width(&vis, weight_bits) {
            return Err(Error::Decode(format!(
                "verifying key: hidden weights' width {weight_bits} bits is not one this build \
                 range-checks"
            )));
        }
        if weights.len() != q.values.len()
            || (0..q.values.len()).any(|id| {
                weights[id].is_some() != (vis.weights == Vis::Private && hidden_const(&q, &vis, id))
            })
        {
            return Err(Error::Decode(
                "verifying key: the weights commitments do not match the model's hidden constants"
                    .into(),
            ));
        }
        if (0..q.values.len()).any(|id| {
            hidden_const(&q, &vis, id)
                && matches!(&q.values[id].kind, QValueKind::Const(c) if c.iter().any(|&x| x != 0))
        }) {
            return Err(Error::Decode(
                "verifying key: it holds the values of a hidden constant (a verifying key \
                 holds zeros in their place)"
                    .into(),
            ));
        }
        let digest = digest(section, &weights, weight_bits, fixed.as_ref());
        let _s = crate::profile::span("key/generators");
        Ok(Self {
            digest,
            gens: generators_of_width(width),
            q,
            visibility: vis,
            weights,
            weight_bits,
            fixed,
        })
    }
}

fn header(kind: u8, section: &[u8]) -> Writer {
    let mut w = Writer::default();
    w.0.extend_from_slice(KEY_MAGIC);
    w.0.extend_from_slice(&KEY_VERSION.to_le_bytes());
    w.u8(kind);
    w.0.extend_from_slice(&(section.len() as u64).to_le_bytes());
    w.0.extend_from_slice(section);
    w
}

/// The model, visibility and model section of a key file of `kind`, and a
/// reader of what follows.
fn read_header(bytes: &[u8], kind: u8) -> Result<(QGraph, Visibility, &[u8], Reader<'_>)> {
    let m = KEY_MAGIC.len();
    if bytes.len() < m + 4 || &bytes[..m] != KEY_MAGIC {
        return Err(Error::Decode(
            "not a sumcheck-backend key (wrong magic bytes: another backend's file?)".into(),
        ));
    }
    let version = u32::from_le_bytes([bytes[m], bytes[m + 1], bytes[m + 2], bytes[m + 3]]);
    if version != KEY_VERSION {
        return Err(Error::Decode(format!(
            "sumcheck key format version {version}, this build reads version {KEY_VERSION} \
             (version 1 keys held the whole model in one file and cannot hide weights; \
             versions 2 and 3 held the model as JSON): run `zkml setup` again"
        )));
    }
    let rest = &bytes[m + 4..];
    let name = |k: u8| if k == b'P' { "proving" } else { "verifying" };
    match rest.first() {
        Some(&k) if k == kind => {}
        Some(&k) if k == b'P' || k == b'V' => {
            return Err(Error::Decode(format!(
                "this is a sumcheck {} key, a {} key was expected (pk.bin proves, vk.bin \
                 verifies)",
                name(k),
                name(kind)
            )))
        }
        _ => return Err(Error::Decode("sumcheck key: unknown key kind".into())),
    }
    if rest.len() < 9 {
        return Err(Error::Decode("sumcheck key: truncated header".into()));
    }
    let len = u64::from_le_bytes(rest[1..9].try_into().expect("8 bytes"));
    let body = &rest[9..];
    if (body.len() as u64) < len {
        return Err(Error::Decode("sumcheck key: truncated model".into()));
    }
    let (section, tail) = body.split_at(len as usize);
    let s = crate::profile::span("key/model");
    let (q, vis) = super::key_file::decode(section)?;
    drop(s);
    check_ops(&q, vis.input == Vis::Public)?;
    Ok((q, vis, section, Reader::new(tail)))
}

fn end(r: &Reader<'_>) -> Result<()> {
    if r.remaining() != 0 {
        return Err(Error::Decode(format!(
            "sumcheck key: {} trailing bytes",
            r.remaining()
        )));
    }
    Ok(())
}
