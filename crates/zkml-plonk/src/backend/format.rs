//! The byte formats of keys and proofs: headers, the model hash, the shared
//! metadata (shape, `k`, public layout) and the reader they are parsed with.

use std::sync::Arc;

use halo2_axiom::{
    halo2curves::bn256::{Bn256, G1Affine, G2Affine},
    plonk::{ProvingKey, VerifyingKey},
    poly::kzg::commitment::ParamsKZG,
    SerdeCurveAffine, SerdeFormat,
};
use zkml_core::{
    backend::{Reveal, Vis, Visibility},
    QGraph,
};

use super::{PlonkBackend, PlonkProof, PlonkProvingKey, PlonkVerifyingKey, PublicLayout};
use crate::circuit::ZkmlCircuit;
use crate::error::{PlonkError, Result};
use crate::gadgets::{
    table::{FnKind, FnTable},
    Shape,
};
use crate::srs::VerifierSrs;

/// Version of the key and proof byte formats (4: keys carry the output reveal;
/// 5: committed visibility).
pub const FORMAT_VERSION: u32 = 5;
const MAGIC_PK: &[u8; 8] = b"ZKMLPPK\0";
const MAGIC_VK: &[u8; 8] = b"ZKMLPVK\0";
const MAGIC_PROOF: &[u8; 8] = b"ZKMLPPF\0";

pub(super) fn hex(h: &[u8; 32]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}

/// The model hash binding keys and proofs to a model, visibility and plan.
/// Private and committed weights are not hashed (only their shapes, and for
/// committed weights the public digit width), so the hash reveals nothing of
/// them and one verifying key serves every weight assignment.
pub fn model_hash(q: &QGraph, vis: &Visibility, shape: &Shape, k: u32) -> [u8; 32] {
    let mut h = blake2b_simd::Params::new().hash_length(32).to_state();
    h.update(b"zkml-plonk model v1\0");
    if vis.weights == Vis::Committed {
        h.update(format!("committed weights: {} bits|", crate::commit::weight_bits(q)).as_bytes());
    }
    if matches!(vis.weights, Vis::Private | Vis::Committed) {
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
        Vis::Committed => 3,
    }
}

fn byte_vis(b: u8, what: &'static str) -> Result<Vis> {
    Ok(match b {
        0 => Vis::Public,
        1 => Vis::Private,
        2 => Vis::Fixed,
        3 => Vis::Committed,
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
                format!(
                    "format version {v}, this build reads version {FORMAT_VERSION}; re-run `setup` \
                     (and `prove`) with this build"
                ),
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
    out.push(u8::from(shape.freivalds));
    out.extend_from_slice(&layout.bound.to_le_bytes());
    for sizes in [&layout.inputs, &layout.outputs] {
        write_u32(out, sizes.len() as u32);
        for &s in sizes {
            out.extend_from_slice(&(s as u64).to_le_bytes());
        }
    }
    write_reveal(out, &layout.vis.reveal, layout.revealed);
}

/// The output reveal: a tag (0 none, 1 indices, 2 argmax), the indices
/// (`u32` count, `u64` each) for tag 1, then the revealed count (`u64`).
fn write_reveal(out: &mut Vec<u8>, reveal: &Reveal, count: usize) {
    match reveal {
        Reveal::None => out.push(0),
        Reveal::Indices(ix) => {
            out.push(1);
            write_u32(out, ix.len() as u32);
            for &i in ix {
                out.extend_from_slice(&(i as u64).to_le_bytes());
            }
        }
        Reveal::Argmax => out.push(2),
    }
    out.extend_from_slice(&(count as u64).to_le_bytes());
}

fn read_reveal(r: &mut Rd<'_>) -> Result<(Reveal, usize)> {
    let what = r.what;
    let reveal = match r.take(1)?[0] {
        0 => Reveal::None,
        1 => {
            let m = r.u32()?;
            if m as usize > r.b.len() / 8 {
                return Err(fmt_err(what, "implausible reveal index count"));
            }
            Reveal::Indices(
                (0..m)
                    .map(|_| r.u64().map(|i| i as usize))
                    .collect::<Result<_>>()?,
            )
        }
        2 => Reveal::Argmax,
        b => return Err(fmt_err(what, format!("bad reveal tag {b}"))),
    };
    let count = r.u64()? as usize;
    if let Reveal::Indices(ix) = &reveal {
        if ix.len() != count {
            return Err(fmt_err(
                what,
                "reveal index count disagrees with the revealed count",
            ));
        }
    }
    Ok((reveal, count))
}

fn read_meta(r: &mut Rd<'_>) -> Result<(Shape, u32, PublicLayout)> {
    let what = r.what;
    let mut vis = Visibility {
        input: byte_vis(r.take(1)?[0], what)?,
        weights: byte_vis(r.take(1)?[0], what)?,
        output: byte_vis(r.take(1)?[0], what)?,
        reveal: Reveal::None,
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
    let freivalds = match r.take(1)?[0] {
        0 => false,
        1 => true,
        b => return Err(fmt_err(what, format!("bad matrix-check flag {b}"))),
    };
    let bound = i64::from_le_bytes(r.take(8)?.try_into().unwrap());
    let mut sizes = [vec![], vec![]];
    for s in sizes.iter_mut() {
        let m = r.u32()?;
        for _ in 0..m {
            s.push(r.u64()? as usize);
        }
    }
    let [inputs, outputs] = sizes;
    let (reveal, revealed) = read_reveal(r)?;
    vis.reveal = reveal;
    Ok((
        Shape {
            n: n as usize,
            l: l as usize,
            t,
            act_bits,
            widths,
            tables,
            freivalds,
            // Derived, not stored: the gate is there iff a group is committed.
            poseidon: crate::circuit::has_committed(&vis),
        },
        k,
        PublicLayout {
            vis,
            inputs,
            outputs,
            bound,
            revealed,
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
        crate::cpu::check_cpu()?;
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
        Self::from_reader(bytes, q, backend)
    }

    /// As [`Self::from_bytes`], streaming: the key's bytes are never held in
    /// memory beside the parsed key (it is the largest file of a setup).
    pub fn from_reader(
        mut reader: impl std::io::Read,
        q: &QGraph,
        backend: &PlonkBackend,
    ) -> Result<Self> {
        use std::io::Read;
        crate::cpu::check_cpu()?;
        let what = "proving key";
        // Header, metadata and SRS fingerprint fit in the first 64 KiB.
        let mut head = Vec::new();
        (&mut reader)
            .take(1 << 16)
            .read_to_end(&mut head)
            .map_err(|e| fmt_err(what, e.to_string()))?;
        let mut r = Rd { b: &head, what };
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
        let consumed = head.len() - r.b.len();
        let params = backend.params(k)?;
        if srs_fingerprint(&params) != fp {
            return Err(PlonkError::Srs(
                "the proving key was made with another SRS than the one available here".into(),
            ));
        }
        let plan = crate::plan::plan_for_shape(q, &layout.vis, &shape, k)?;
        let mut rest = std::io::Cursor::new(&head[consumed..]).chain(reader);
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

    #[test]
    fn meta_round_trips_every_reveal() {
        let shape = Shape {
            n: 4,
            l: 2,
            t: 8,
            act_bits: 16,
            widths: vec![1, 8],
            ..Shape::default()
        };
        for (reveal, revealed) in [
            (Reveal::None, 0),
            (Reveal::Argmax, 2),
            (Reveal::Indices(vec![7, 0, 3]), 3),
        ] {
            let layout = PublicLayout {
                vis: Visibility {
                    output: Vis::Private,
                    reveal,
                    ..Visibility::default()
                },
                inputs: vec![4],
                outputs: vec![20],
                bound: 100,
                revealed,
            };
            let mut out = vec![];
            write_meta(&mut out, &shape, 9, &layout);
            let mut r = Rd {
                b: &out,
                what: "proof",
            };
            assert_eq!(read_meta(&mut r).unwrap(), (shape.clone(), 9, layout));
            assert!(r.b.is_empty());
        }
    }
}
