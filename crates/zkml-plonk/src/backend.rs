//! [`PlonkBackend`]: setup, prove and verify, and the byte formats of keys and proofs.
//!
//! Every file starts with an 8-byte magic, a format version (`u32` LE) and the
//! 32-byte model hash: BLAKE2b-256 of the QGraph (JSON), the visibility, the
//! plan's shape and `k`. A key or proof for another model, visibility or plan
//! is refused with [`PlonkError::WrongModel`]; another version with
//! [`PlonkError::Format`]. Proofs use SHPLONK openings and a Blake2b transcript;
//! a transcript with bytes left over after verification is rejected.
//!
//! A verifying key carries the verifier's part of the SRS (`[1]G1`, `[1]G2`,
//! `[s]G2`, [`VerifierSrs`]), so verifying needs no SRS file; an SRS that is
//! available (a ceremony file, or a cached local one for the key's `k`) must
//! match it. A proving key carries only `[s]G2` as a fingerprint and loads
//! the full SRS.

use std::path::PathBuf;
use std::sync::Arc;

use halo2_axiom::{
    halo2curves::bn256::{Bn256, Fr, G1Affine, G2Affine},
    plonk::{create_proof, keygen_pk, keygen_vk, verify_proof, ProvingKey, VerifyingKey},
    poly::{
        commitment::ParamsProver,
        kzg::{
            commitment::{KZGCommitmentScheme, ParamsKZG},
            multiopen::{ProverSHPLONK, VerifierSHPLONK},
            strategy::SingleStrategy,
        },
    },
    transcript::{
        Blake2bRead, Blake2bWrite, Challenge255, TranscriptReadBuffer, TranscriptWriterBuffer,
    },
    SerdeCurveAffine, SerdeFormat,
};
use rand_chacha03::ChaCha20Rng;
use rand_core06::{OsRng, RngCore, SeedableRng};
use zkml_core::{
    backend::{Backend, PublicValues, SetupOptions, Vis, Visibility},
    QGraph, Trace,
};

use crate::circuit::{check_visibility, ZkmlCircuit};
use crate::error::{PlonkError, Result};
use crate::gadgets::{
    fe,
    table::{FnKind, FnTable},
    Shape,
};
use crate::plan::{plan, Plan};
use crate::srs::{self, VerifierSrs};

/// Version of the key and proof byte formats.
pub const FORMAT_VERSION: u32 = 2;
const MAGIC_PK: &[u8; 8] = b"ZKMLPPK\0";
const MAGIC_VK: &[u8; 8] = b"ZKMLPVK\0";
const MAGIC_PROOF: &[u8; 8] = b"ZKMLPPF\0";

/// The halo2 backend. `srs_file`: a ceremony SRS to use; otherwise a local,
/// INSECURE one is generated and cached in `srs_dir` (see [`crate::srs`]).
#[derive(Clone, Debug)]
pub struct PlonkBackend {
    /// Cache directory for local SRS files.
    pub srs_dir: PathBuf,
    /// A ceremony SRS in halo2's raw format, if given.
    pub srs_file: Option<PathBuf>,
}

impl Default for PlonkBackend {
    fn default() -> Self {
        Self {
            srs_dir: srs::default_dir(),
            srs_file: None,
        }
    }
}

/// The x86-64 build uses BMI2/ADX instructions for field arithmetic: refuse
/// cleanly on a CPU without them instead of crashing.
fn check_cpu() -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    if !(std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx"))
    {
        return Err(PlonkError::Halo2(
            "this build's field arithmetic needs the BMI2 and ADX instructions, which this CPU lacks"
                .into(),
        ));
    }
    Ok(())
}

impl PlonkBackend {
    /// The verifier's part of the SRS available here for `k`, if any: the
    /// ceremony file when one is given (it must be readable and large
    /// enough), else a cached local SRS serving `k`, else `None`. Reads only
    /// three points; never generates an SRS.
    pub fn verifier_srs(&self, k: u32) -> Result<Option<VerifierSrs>> {
        match &self.srs_file {
            Some(f) => srs::load_verifier_part(f, k).map(Some),
            None => srs::cached_file(&self.srs_dir, k)
                .map(|p| srs::load_verifier_part(&p, k))
                .transpose(),
        }
    }

    /// The SRS for `k`.
    pub fn params(&self, k: u32) -> Result<ParamsKZG<Bn256>> {
        match &self.srs_file {
            Some(f) => srs::load_file(f, k),
            None => srs::generate_or_load(&self.srs_dir, k),
        }
    }
}

/// Which public values a key expects: element counts and the input bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicLayout {
    /// Visibility.
    pub vis: Visibility,
    /// Elements per model input.
    pub inputs: Vec<usize>,
    /// Elements per model output.
    pub outputs: Vec<usize>,
    /// Largest input magnitude.
    pub bound: i64,
}

impl PublicLayout {
    fn of(q: &QGraph, vis: Visibility) -> Self {
        let numel = |id: &usize| q.values[*id].shape.iter().product();
        Self {
            vis,
            inputs: q.inputs.iter().map(numel).collect(),
            outputs: q.outputs.iter().map(numel).collect(),
            bound: q.bound(),
        }
    }

    /// The instance column: public inputs then public outputs, checked for shape and range.
    pub fn instance(&self, public: &PublicValues) -> Result<Vec<Fr>> {
        let mut inst = vec![];
        let groups = [
            ("inputs", &self.inputs, self.vis.input, &public.inputs),
            ("outputs", &self.outputs, self.vis.output, &public.outputs),
        ];
        for (what, sizes, v, given) in groups {
            if v != Vis::Public {
                if given.iter().any(|g| !g.is_empty()) {
                    return Err(PlonkError::PublicValues(format!(
                        "{what} are private under this key, but values were given"
                    )));
                }
                continue;
            }
            if given.len() != sizes.len() {
                return Err(PlonkError::PublicValues(format!(
                    "the model has {} {what}, {} were given",
                    sizes.len(),
                    given.len()
                )));
            }
            for (i, (&n, vals)) in sizes.iter().zip(given.iter()).enumerate() {
                if vals.len() != n {
                    return Err(PlonkError::PublicValues(format!(
                        "{what}[{i}] should have {n} values, {} were given",
                        vals.len()
                    )));
                }
                if what == "inputs" {
                    if let Some(bad) = vals.iter().find(|v| v.abs() > self.bound) {
                        return Err(PlonkError::PublicValues(format!(
                            "inputs[{i}] holds {bad}, outside ±{}",
                            self.bound
                        )));
                    }
                }
                inst.extend(vals.iter().map(|&v| fe(v as i128)));
            }
        }
        Ok(inst)
    }
}

/// A proving key: the plan, the halo2 key and the SRS it was made with.
pub struct PlonkProvingKey {
    /// The layout.
    pub plan: Plan,
    /// Public values layout.
    pub layout: PublicLayout,
    /// Model hash.
    pub model_hash: [u8; 32],
    params: Arc<ParamsKZG<Bn256>>,
    pk: ProvingKey<G1Affine>,
}

/// A verifying key. It carries the verifier's part of the SRS
/// ([`VerifierSrs`]), so verifying needs no SRS file.
pub struct PlonkVerifyingKey {
    /// Column shape.
    pub shape: Shape,
    /// log2 rows.
    pub k: u32,
    /// Public values layout.
    pub layout: PublicLayout,
    /// Model hash.
    pub model_hash: [u8; 32],
    /// The SRS points the verifier uses (`[1]G1`, `[1]G2`, `[s]G2`).
    pub srs: VerifierSrs,
    /// Verifier parameters built from `srs` alone.
    params: ParamsKZG<Bn256>,
    vk: VerifyingKey<G1Affine>,
}

/// A proof with the hash of the model it is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlonkProof {
    /// Model hash.
    pub model_hash: [u8; 32],
    /// The halo2 transcript.
    pub bytes: Vec<u8>,
}

fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// The model hash binding keys and proofs to a model, visibility and plan.
pub fn model_hash(q: &QGraph, vis: &Visibility, shape: &Shape, k: u32) -> [u8; 32] {
    let mut h = blake2b_simd::Params::new().hash_length(32).to_state();
    h.update(b"zkml-plonk model v1\0");
    if vis.weights == Vis::Private {
        // Private weights are not part of the statement: hash their shapes only,
        // so one verifying key serves every weight assignment.
        let mut shapes_only = q.clone();
        for v in shapes_only.values.iter_mut() {
            if let zkml_core::quant::QValueKind::Const(t) = &mut v.kind {
                t.fill(0);
            }
        }
        h.update(&serde_json::to_vec(&shapes_only).expect("a QGraph serializes"));
    } else {
        h.update(&serde_json::to_vec(q).expect("a QGraph serializes"));
    }
    h.update(format!("{vis:?}|{shape:?}|{k}").as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finalize().as_bytes());
    out
}

fn vis_byte(v: Vis) -> u8 {
    match v {
        Vis::Public => 0,
        Vis::Private => 1,
        Vis::Fixed => 2,
    }
}

fn byte_vis(b: u8, what: &'static str) -> Result<Vis> {
    Ok(match b {
        0 => Vis::Public,
        1 => Vis::Private,
        2 => Vis::Fixed,
        _ => return Err(fmt_err(what, format!("bad visibility byte {b}"))),
    })
}

fn fmt_err(what: &'static str, reason: impl Into<String>) -> PlonkError {
    PlonkError::Format {
        what,
        reason: reason.into(),
    }
}

fn write_u32(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}

struct Rd<'a> {
    b: &'a [u8],
    what: &'static str,
}

impl Rd<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.b.len() < n {
            return Err(fmt_err(self.what, "truncated"));
        }
        let (a, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(a)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn header(&mut self, magic: &[u8; 8]) -> Result<[u8; 32]> {
        if self.take(8)? != magic {
            return Err(fmt_err(
                self.what,
                "not a zkml-plonk file of this kind (bad magic)",
            ));
        }
        let v = self.u32()?;
        if v != FORMAT_VERSION {
            return Err(fmt_err(
                self.what,
                format!("format version {v}, this build reads version {FORMAT_VERSION}"),
            ));
        }
        Ok(self.take(32)?.try_into().unwrap())
    }
}

fn header(out: &mut Vec<u8>, magic: &[u8; 8], hash: &[u8; 32]) {
    out.extend_from_slice(magic);
    write_u32(out, FORMAT_VERSION);
    out.extend_from_slice(hash);
}

fn write_meta(out: &mut Vec<u8>, shape: &Shape, k: u32, layout: &PublicLayout) {
    for v in [layout.vis.input, layout.vis.weights, layout.vis.output] {
        out.push(vis_byte(v));
    }
    for v in [shape.n as u32, shape.l as u32, shape.t, shape.act_bits, k] {
        write_u32(out, v);
    }
    write_u32(out, shape.widths.len() as u32);
    for &w in &shape.widths {
        write_u32(out, w);
    }
    write_u32(out, shape.tables.len() as u32);
    for tb in &shape.tables {
        let (kind, a, b) = tb.kind.to_code();
        out.push(kind);
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
    }
    out.extend_from_slice(&layout.bound.to_le_bytes());
    for sizes in [&layout.inputs, &layout.outputs] {
        write_u32(out, sizes.len() as u32);
        for &s in sizes {
            out.extend_from_slice(&(s as u64).to_le_bytes());
        }
    }
}

fn read_meta(r: &mut Rd<'_>) -> Result<(Shape, u32, PublicLayout)> {
    let what = r.what;
    let vis = Visibility {
        input: byte_vis(r.take(1)?[0], what)?,
        weights: byte_vis(r.take(1)?[0], what)?,
        output: byte_vis(r.take(1)?[0], what)?,
    };
    let (n, l, t, act_bits, k) = (r.u32()?, r.u32()?, r.u32()?, r.u32()?, r.u32()?);
    let nw = r.u32()?;
    if nw > 64 || act_bits > 64 || k > 28 || n > 4096 || l > 4096 || t > 28 {
        return Err(fmt_err(what, "implausible shape"));
    }
    let widths = (0..nw).map(|_| r.u32()).collect::<Result<Vec<_>>>()?;
    let nt = r.u32()?;
    if nt > 64 {
        return Err(fmt_err(what, "implausible table count"));
    }
    let mut tables = vec![];
    for _ in 0..nt {
        let code = r.take(1)?[0];
        let (a, b) = (r.u32()? as i32, r.u32()? as i32);
        let kind = FnKind::from_code(code, a, b)
            .ok_or_else(|| fmt_err(what, format!("unknown table function {code}")))?;
        // The table's extent is recomputed from its function (as the prover does).
        tables.push(FnTable::cached(kind, act_bits).map_err(|e| fmt_err(what, e))?);
    }
    let bound = i64::from_le_bytes(r.take(8)?.try_into().unwrap());
    let mut sizes = [vec![], vec![]];
    for s in sizes.iter_mut() {
        let m = r.u32()?;
        for _ in 0..m {
            s.push(r.u64()? as usize);
        }
    }
    let [inputs, outputs] = sizes;
    Ok((
        Shape {
            n: n as usize,
            l: l as usize,
            t,
            act_bits,
            widths,
            tables,
        },
        k,
        PublicLayout {
            vis,
            inputs,
            outputs,
            bound,
        },
    ))
}

fn srs_fingerprint(params: &ParamsKZG<Bn256>) -> Vec<u8> {
    let mut v = vec![];
    params
        .s_g2()
        .write(&mut v, SerdeFormat::RawBytes)
        .expect("write to a vector");
    v
}

impl PlonkVerifyingKey {
    /// Serializes: header, shape, public layout, the verifier's SRS points
    /// ([`VerifierSrs`], compressed), the halo2 key.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        header(&mut out, MAGIC_VK, &self.model_hash);
        write_meta(&mut out, &self.shape, self.k, &self.layout);
        self.srs.write(&mut out);
        self.vk
            .write(&mut out, SerdeFormat::RawBytes)
            .expect("write to a vector");
        out
    }

    /// Reads a key written by [`Self::to_bytes`]. Needs no SRS file: the key
    /// carries the verifier's SRS points. When `backend` has an SRS for the
    /// key's `k` (a ceremony file, or a cached local one), the key's points
    /// must be that SRS's ([`PlonkError::Srs`] otherwise).
    pub fn from_bytes(bytes: &[u8], backend: &PlonkBackend) -> Result<Self> {
        let what = "verifying key";
        let mut r = Rd { b: bytes, what };
        let model_hash = r.header(MAGIC_VK)?;
        let (shape, k, layout) = read_meta(&mut r)?;
        let srs = VerifierSrs::read(r.take(VerifierSrs::LEN)?)
            .map_err(|e| fmt_err(what, format!("SRS points: {e}")))?;
        if let Some(local) = backend.verifier_srs(k)? {
            if local != srs {
                return Err(PlonkError::Srs(
                    "the verifying key was made with another SRS than the one available here"
                        .into(),
                ));
            }
        }
        let mut rest = r.b;
        let vk = VerifyingKey::<G1Affine>::read::<_, ZkmlCircuit>(
            &mut rest,
            SerdeFormat::RawBytes,
            shape.clone(),
        )
        .map_err(|e| fmt_err(what, e.to_string()))?;
        if !rest.is_empty() {
            return Err(fmt_err(what, "trailing bytes"));
        }
        Ok(Self {
            shape,
            k,
            layout,
            model_hash,
            params: srs.params(k),
            srs,
            vk,
        })
    }
}

fn srs_fingerprint_len() -> usize {
    let mut v = vec![];
    G2Affine::default()
        .write(&mut v, SerdeFormat::RawBytes)
        .expect("write to a vector");
    v.len()
}

impl PlonkProvingKey {
    /// Serializes: header, shape, public layout, the halo2 proving key (the SRS is not included).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        header(&mut out, MAGIC_PK, &self.model_hash);
        write_meta(&mut out, &self.plan.shape, self.plan.k, &self.layout);
        out.extend_from_slice(&srs_fingerprint(&self.params));
        self.pk
            .write(&mut out, SerdeFormat::RawBytes)
            .expect("write to a vector");
        out
    }

    /// Reads a key written by [`Self::to_bytes`] for the model `q` (re-planned to recover the
    /// plan; a key for another model is refused).
    pub fn from_bytes(bytes: &[u8], q: &QGraph, backend: &PlonkBackend) -> Result<Self> {
        let what = "proving key";
        let mut r = Rd { b: bytes, what };
        let found = r.header(MAGIC_PK)?;
        let (shape, k, layout) = read_meta(&mut r)?;
        let expected = model_hash(q, &layout.vis, &shape, k);
        if found != expected {
            return Err(PlonkError::WrongModel {
                what,
                found: hex(&found),
                expected: hex(&expected),
            });
        }
        let fp = r.take(srs_fingerprint_len())?.to_vec();
        let params = backend.params(k)?;
        if srs_fingerprint(&params) != fp {
            return Err(PlonkError::Srs(
                "the proving key was made with another SRS than the one available here".into(),
            ));
        }
        let plan = crate::plan::plan_for_shape(q, &layout.vis, &shape, k)?;
        let mut rest = r.b;
        let pk =
            ProvingKey::<G1Affine>::read::<_, ZkmlCircuit>(&mut rest, SerdeFormat::RawBytes, shape)
                .map_err(|e| fmt_err(what, e.to_string()))?;
        Ok(Self {
            plan,
            layout,
            model_hash: found,
            params: Arc::new(params),
            pk,
        })
    }
}

impl PlonkProof {
    /// Serializes: header, transcript length (`u64`), transcript.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        header(&mut out, MAGIC_PROOF, &self.model_hash);
        out.extend_from_slice(&(self.bytes.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.bytes);
        out
    }

    /// Reads a proof written by [`Self::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let what = "proof";
        let mut r = Rd { b: bytes, what };
        let model_hash = r.header(MAGIC_PROOF)?;
        let n = r.u64()? as usize;
        let body = r.take(n)?.to_vec();
        if !r.b.is_empty() {
            return Err(fmt_err(what, "trailing bytes"));
        }
        Ok(Self {
            model_hash,
            bytes: body,
        })
    }
}

impl PlonkBackend {
    /// Setup with an already chosen plan.
    pub fn setup_with_plan(
        &self,
        q: &QGraph,
        vis: Visibility,
        plan: Plan,
    ) -> Result<(PlonkProvingKey, PlonkVerifyingKey)> {
        let params = Arc::new(self.params(plan.k)?);
        let circuit = ZkmlCircuit {
            q: Arc::new(q.clone()),
            trace: None,
            vis,
            shape: plan.shape.clone(),
            tamper: None,
            witness_only: false,
        };
        let vk =
            keygen_vk(params.as_ref(), &circuit).map_err(|e| PlonkError::Halo2(e.to_string()))?;
        let pk = keygen_pk(params.as_ref(), vk.clone(), &circuit)
            .map_err(|e| PlonkError::Halo2(e.to_string()))?;
        let model_hash = model_hash(q, &vis, &plan.shape, plan.k);
        let layout = PublicLayout::of(q, vis);
        let vsrs = VerifierSrs::of(&params);
        Ok((
            PlonkProvingKey {
                plan: plan.clone(),
                layout: layout.clone(),
                model_hash,
                params: params.clone(),
                pk,
            },
            PlonkVerifyingKey {
                shape: plan.shape,
                k: plan.k,
                layout,
                model_hash,
                srs: vsrs,
                params: vsrs.params(plan.k),
                vk,
            },
        ))
    }
}

impl Backend for PlonkBackend {
    type ProvingKey = PlonkProvingKey;
    type VerifyingKey = PlonkVerifyingKey;
    type Proof = PlonkProof;
    type Error = PlonkError;

    fn setup(
        &self,
        q: &QGraph,
        options: &SetupOptions,
    ) -> Result<(PlonkProvingKey, PlonkVerifyingKey)> {
        check_cpu()?;
        check_visibility(&options.visibility)?;
        let plan = plan(q, &options.visibility, options.k)?;
        self.setup_with_plan(q, options.visibility, plan)
    }

    fn prove(
        &self,
        pk: &PlonkProvingKey,
        q: &QGraph,
        trace: &Trace,
    ) -> Result<(PlonkProof, PublicValues)> {
        check_cpu()?;
        let vis = pk.layout.vis;
        let expected = model_hash(q, &vis, &pk.plan.shape, pk.plan.k);
        if expected != pk.model_hash {
            return Err(PlonkError::WrongModel {
                what: "proving key",
                found: hex(&pk.model_hash),
                expected: hex(&expected),
            });
        }
        if trace.values.len() != q.values.len()
            || trace
                .values
                .iter()
                .zip(&q.values)
                .any(|(t, v)| t.shape() != v.shape.as_slice())
        {
            return Err(PlonkError::PublicValues(
                "the trace is not an execution of this model (tensor count or shapes differ)"
                    .into(),
            ));
        }
        // Check the trace against the circuit's own computation first: a bad
        // trace is then a clear error (halo2's witness generation would panic).
        {
            let mut sink = crate::gadgets::NullSink;
            let mut b = crate::gadgets::Builder::new(&mut sink, pk.plan.shape.clone(), false);
            crate::circuit::lay_out(&mut b, q, Some(trace), &vis)?;
        }
        let public = PublicValues::from_trace(q, trace, &vis);
        let inst = pk.layout.instance(&public)?;
        let circuit = ZkmlCircuit {
            q: Arc::new(q.clone()),
            trace: Some(Arc::new(trace.clone())),
            vis,
            shape: pk.plan.shape.clone(),
            tamper: None,
            witness_only: true,
        };
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        let mut transcript = Blake2bWrite::<_, G1Affine, Challenge255<_>>::init(vec![]);
        create_proof::<
            KZGCommitmentScheme<Bn256>,
            ProverSHPLONK<'_, Bn256>,
            Challenge255<G1Affine>,
            _,
            Blake2bWrite<Vec<u8>, G1Affine, Challenge255<G1Affine>>,
            ZkmlCircuit,
        >(
            pk.params.as_ref(),
            &pk.pk,
            &[circuit],
            &[&[&inst]],
            ChaCha20Rng::from_seed(seed),
            &mut transcript,
        )
        .map_err(|e| PlonkError::Halo2(e.to_string()))?;
        Ok((
            PlonkProof {
                model_hash: pk.model_hash,
                bytes: transcript.finalize(),
            },
            public,
        ))
    }

    fn verify(
        &self,
        vk: &PlonkVerifyingKey,
        public: &PublicValues,
        proof: &PlonkProof,
    ) -> Result<()> {
        check_cpu()?;
        if proof.model_hash != vk.model_hash {
            return Err(PlonkError::WrongModel {
                what: "proof",
                found: hex(&proof.model_hash),
                expected: hex(&vk.model_hash),
            });
        }
        let inst = vk.layout.instance(public)?;
        let mut rest: &[u8] = proof.bytes.as_slice();
        let mut transcript = Blake2bRead::<_, G1Affine, Challenge255<_>>::init(&mut rest);
        verify_proof::<
            KZGCommitmentScheme<Bn256>,
            VerifierSHPLONK<'_, Bn256>,
            Challenge255<G1Affine>,
            Blake2bRead<&mut &[u8], G1Affine, Challenge255<G1Affine>>,
            SingleStrategy<'_, Bn256>,
        >(
            vk.params.verifier_params(),
            &vk.vk,
            SingleStrategy::new(&vk.params),
            &[&[&inst]],
            &mut transcript,
        )
        .map_err(|e| PlonkError::Rejected(format!("{e:?}")))?;
        // The transcript must be exactly what the verifier read: no proof
        // bytes may go unchecked.
        if !rest.is_empty() {
            return Err(PlonkError::Rejected(format!(
                "{} bytes after the proof transcript",
                rest.len()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_bytes_are_versioned_and_checked() {
        let p = PlonkProof {
            model_hash: [7; 32],
            bytes: vec![1, 2, 3],
        };
        let b = p.to_bytes();
        assert_eq!(PlonkProof::from_bytes(&b).unwrap(), p);
        let mut bad = b.clone();
        bad[0] ^= 1;
        assert!(matches!(
            PlonkProof::from_bytes(&bad),
            Err(PlonkError::Format { what: "proof", .. })
        ));
        let mut bad = b.clone();
        bad[8] = 9; // version 9
        let e = PlonkProof::from_bytes(&bad).unwrap_err();
        assert!(e.to_string().contains("version 9"), "{e}");
        assert!(PlonkProof::from_bytes(&b[..b.len() - 1]).is_err());
        let mut long = b.clone();
        long.push(0);
        assert!(PlonkProof::from_bytes(&long).is_err());
        // A verifying key is not a proof.
        let mut vkish = b.clone();
        vkish[..8].copy_from_slice(MAGIC_VK);
        assert!(PlonkProof::from_bytes(&vkish).is_err());
    }
}
