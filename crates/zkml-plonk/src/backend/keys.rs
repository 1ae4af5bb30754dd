//! Writing and reading whole keys and proofs (their parts: [`super::format`]).
//!
//! A key file is: header (magic, version, model hash), metadata, SRS points
//! (verifying key) or fingerprint (proving key), the halo2 key, and a
//! BLAKE2b-256 checksum of every byte before it. The checksum is checked
//! before anything after the header is parsed, so a truncated, bit-flipped or
//! extended key is refused by name, and halo2's key readers — which unwrap
//! I/O errors (`Polynomial::read`) and size buffers from length fields in the
//! file — only ever see bytes a `setup` wrote. Before halo2 reads a key, its
//! own header (`k`, selector flag) must agree with the metadata, so no domain
//! is built for a `k` the plan does not have. A crafted key with a recomputed
//! checksum gets no further: the proving key's polynomials are read here
//! with every length checked against the domain and the bytes left
//! ([`read_halo2_pk`]); halo2 reads only the verifying-key part, and a panic
//! in it is caught ([`guarded`]), as a last resort.

use std::fs;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use halo2_axiom::{
    halo2curves::bn256::{Bn256, G1Affine, G2Affine},
    plonk::{ProvingKey, VerifyingKey},
    poly::kzg::commitment::ParamsKZG,
    SerdeCurveAffine, SerdeFormat,
};
use zkml_core::QGraph;

use super::format::{
    fmt_err, header, hex, model_hash, read_meta, write_meta, Rd, MAGIC_PK, MAGIC_PROOF, MAGIC_VK,
};
use super::{PlonkBackend, PlonkProof, PlonkProvingKey, PlonkVerifyingKey};
use crate::circuit::ZkmlCircuit;
use crate::error::{PlonkError, Result};
use crate::srs::VerifierSrs;

/// Bytes of the header: magic, version, model hash.
const HEADER_LEN: usize = 8 + 4 + 32;
/// Bytes of the trailing checksum.
const CHECKSUM_LEN: usize = 32;

fn new_hasher() -> blake2b_simd::State {
    blake2b_simd::Params::new().hash_length(32).to_state()
}

/// Appends the checksum of `out` to it.
fn seal(mut out: Vec<u8>) -> Vec<u8> {
    let sum = new_hasher().update(&out).finalize();
    out.extend_from_slice(sum.as_bytes());
    out
}

/// The bytes before the checksum, if the checksum is theirs.
fn unseal<'a>(bytes: &'a [u8], what: &'static str) -> Result<&'a [u8]> {
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(fmt_err(what, "truncated"));
    }
    let (body, sum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    if new_hasher().update(body).finalize().as_bytes() != sum {
        return Err(damaged(what));
    }
    Ok(body)
}

fn damaged(what: &'static str) -> PlonkError {
    fmt_err(
        what,
        "checksum mismatch: the file is damaged (truncated, modified or with bytes appended); \
         copy it again or re-run `zkml setup`",
    )
}

/// halo2's key header (version byte `0x02`, `k` as `u32` LE, selector
/// compression flag) must agree with the metadata's `k`.
fn check_halo2_header(rest: &[u8], k: u32, what: &'static str) -> Result<()> {
    if rest.len() < 6 {
        return Err(fmt_err(what, "truncated"));
    }
    let hk = u32::from_le_bytes(rest[1..5].try_into().unwrap());
    if rest[0] != 0x02 || hk != k || rest[5] > 1 {
        return Err(fmt_err(
            what,
            format!("the halo2 key's header (k = {hk}) disagrees with the key's k = {k}"),
        ));
    }
    Ok(())
}

/// Runs one of halo2's key readers. They unwrap I/O errors and trust their
/// length fields; the checksum and header checks keep damaged files away from
/// them, and this `catch_unwind` is the last resort for a crafted file (a
/// panic there becomes a [`PlonkError::Format`]).
fn guarded<T>(what: &'static str, f: impl FnOnce() -> std::io::Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(fmt_err(what, e.to_string())),
        Err(_) => Err(fmt_err(
            what,
            "halo2 could not read the key (its contents are not what `zkml setup` writes)",
        )),
    }
}

fn srs_fingerprint(params: &ParamsKZG<Bn256>) -> Vec<u8> {
    let mut v = vec![];
    params
        .s_g2()
        .write(&mut v, SerdeFormat::RawBytes)
        .expect("write to a vector");
    v
}

fn srs_fingerprint_len() -> usize {
    let mut v = vec![];
    G2Affine::default()
        .write(&mut v, SerdeFormat::RawBytes)
        .expect("write to a vector");
    v.len()
}

impl PlonkVerifyingKey {
    /// Serializes: header, shape, public layout, the verifier's SRS points
    /// ([`VerifierSrs`], compressed), the halo2 key, checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        header(&mut out, MAGIC_VK, &self.model_hash);
        write_meta(&mut out, &self.shape, self.k, &self.layout);
        self.srs.write(&mut out);
        self.vk
            .write(&mut out, SerdeFormat::RawBytes)
            .expect("write to a vector");
        seal(out)
    }

    /// Reads a key written by [`Self::to_bytes`]. Needs no SRS file: the key
    /// carries the verifier's SRS points. When `backend` has an SRS for the
    /// key's `k` (a ceremony file, or a cached local one), the key's points
    /// must be that SRS's ([`PlonkError::Srs`] otherwise).
    pub fn from_bytes(bytes: &[u8], backend: &PlonkBackend) -> Result<Self> {
        crate::cpu::check_cpu()?;
        let what = "verifying key";
        let model_hash = Rd { b: bytes, what }.header(MAGIC_VK)?;
        let body = unseal(bytes, what)?;
        let mut r = Rd {
            b: &body[HEADER_LEN..],
            what,
        };
        let (shape, k, layout) = read_meta(&mut r)?;
        let srs = VerifierSrs::read(r.take(VerifierSrs::LEN)?)
            .map_err(|e| fmt_err(what, format!("SRS points: {e}")))?;
        if let Some(local) = backend.verifier_srs(k)? {
            if local != srs {
                return Err(PlonkError::Srs(format!(
                    "the verifying key was made with another SRS than {}",
                    backend.srs_description()
                )));
            }
        }
        check_halo2_header(r.b, k, what)?;
        let mut rest = r.b;
        let vk = guarded(what, || {
            VerifyingKey::<G1Affine>::read::<_, ZkmlCircuit>(
                &mut rest,
                SerdeFormat::RawBytes,
                shape.clone(),
            )
        })?;
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

impl PlonkProvingKey {
    /// Serializes: header, shape, public layout, the SRS fingerprint (`[s]G2`;
    /// the SRS itself is not included), the halo2 proving key, checksum.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        header(&mut out, MAGIC_PK, &self.model_hash);
        write_meta(&mut out, &self.plan.shape, self.plan.k, &self.layout);
        out.extend_from_slice(&srs_fingerprint(&self.params));
        self.pk
            .write(&mut out, SerdeFormat::RawBytes)
            .expect("write to a vector");
        seal(out)
    }

    /// Reads a key written by [`Self::to_bytes`] for the model `q` (re-planned to recover the
    /// plan; a key for another model is refused).
    pub fn from_bytes(bytes: &[u8], q: &QGraph, backend: &PlonkBackend) -> Result<Self> {
        crate::cpu::check_cpu()?;
        let what = "proving key";
        Rd { b: bytes, what }.header(MAGIC_PK)?;
        let body = unseal(bytes, what)?;
        let n = body.len().min(1 << 16);
        Self::parse(&body[..n], &body[n..], (body.len() - n) as u64, q, backend)
    }

    /// As [`Self::from_bytes`], from a file, streaming: the key's bytes are
    /// never held in memory beside the parsed key (it is the largest file of a
    /// setup). The file is read twice: once for its checksum, once to parse.
    pub fn from_file(path: &Path, q: &QGraph, backend: &PlonkBackend) -> Result<Self> {
        crate::cpu::check_cpu()?;
        let what = "proving key";
        let io = |e: std::io::Error| fmt_err(what, e.to_string());
        let mut f = fs::File::open(path).map_err(io)?;
        let len = f.metadata().map_err(io)?.len();
        let body_len = len
            .checked_sub(CHECKSUM_LEN as u64)
            .filter(|&n| n >= HEADER_LEN as u64)
            .ok_or_else(|| fmt_err(what, "truncated"))?;
        // The header first: another version is named as such, not as damage.
        let mut head = vec![0u8; body_len.min(1 << 16) as usize];
        f.read_exact(&mut head).map_err(io)?;
        Rd { b: &head, what }.header(MAGIC_PK)?;
        // The checksum, streaming.
        f.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut h = new_hasher();
        let mut r = BufReader::with_capacity(1 << 20, (&mut f).take(body_len));
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = r.read(&mut buf).map_err(io)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        drop(r);
        let mut sum = [0u8; CHECKSUM_LEN];
        f.read_exact(&mut sum).map_err(io)?;
        if h.finalize().as_bytes() != sum {
            return Err(damaged(what));
        }
        f.seek(SeekFrom::Start(head.len() as u64)).map_err(io)?;
        let rest_len = body_len - head.len() as u64;
        let rest = BufReader::with_capacity(1 << 20, f.take(rest_len));
        Self::parse(&head, rest, rest_len, q, backend)
    }

    /// Checks, from the first bytes of the key file at `path` alone, that it is
    /// a proving key for `q` (its model hash): a cheap check before `q` (from a
    /// file beside the key) is used at all. [`Self::from_file`] checks it
    /// again, with the checksum.
    pub fn check_model_file(path: &Path, q: &QGraph) -> Result<()> {
        let what = "proving key";
        let io = |e: std::io::Error| fmt_err(what, e.to_string());
        let mut head = vec![];
        fs::File::open(path)
            .map_err(io)?
            .take(1 << 16)
            .read_to_end(&mut head)
            .map_err(io)?;
        let mut r = Rd { b: &head, what };
        let found = r.header(MAGIC_PK)?;
        let (shape, k, layout) = read_meta(&mut r)?;
        // Hashing walks the graph (committed constants): its indices first.
        let n = q.values.len();
        let nodes = q
            .nodes
            .iter()
            .flat_map(|nd| nd.inputs.iter().chain([&nd.output]));
        if q.inputs
            .iter()
            .chain(&q.outputs)
            .chain(nodes)
            .any(|&i| i >= n)
        {
            return Err(fmt_err(
                "compiled model",
                "a tensor index is out of range (the file is damaged)",
            ));
        }
        let expected = model_hash(q, &layout.vis, &shape, k);
        if found != expected {
            return Err(PlonkError::WrongModel {
                what,
                found: hex(&found),
                expected: hex(&expected),
            });
        }
        Ok(())
    }

    /// Parses a checksummed key: `head` holds its first bytes (at least the
    /// metadata), `rest` the `rest_len` bytes after `head` up to the checksum.
    fn parse(
        head: &[u8],
        rest: impl Read,
        rest_len: u64,
        q: &QGraph,
        backend: &PlonkBackend,
    ) -> Result<Self> {
        let what = "proving key";
        let mut r = Rd {
            b: &head[HEADER_LEN..],
            what,
        };
        let found: [u8; 32] = head[12..HEADER_LEN].try_into().unwrap();
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
        check_halo2_header(r.b, k, what)?;
        let consumed = head.len() - r.b.len();
        let params = backend.params(k)?;
        if srs_fingerprint(&params) != fp {
            return Err(PlonkError::Srs(format!(
                "the proving key was made with another SRS than {}",
                backend.srs_description()
            )));
        }
        let plan = crate::plan::plan_for_shape(q, &layout.vis, &shape, k)?;
        let mut rest = Counted {
            inner: std::io::Cursor::new(&head[consumed..]).chain(rest),
            left: (head.len() - consumed) as u64 + rest_len,
        };
        let pk = read_halo2_pk(&mut rest, shape)?;
        let mut extra = [0u8; 1];
        if rest
            .read(&mut extra)
            .map_err(|e| fmt_err(what, e.to_string()))?
            != 0
        {
            return Err(fmt_err(what, "trailing bytes"));
        }
        Ok(Self {
            plan,
            layout,
            model_hash: found,
            params: Arc::new(params),
            pk,
        })
    }
}

/// A reader that knows how many bytes are left in it: every length field is
/// checked against that before anything is allocated for it.
struct Counted<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.left = self.left.saturating_sub(n as u64);
        Ok(n)
    }
}

/// halo2's proving key, read with its own public parts: the verifying key by
/// halo2 (no length field it trusts: counts of points it reads one by one,
/// `k` checked beforehand), then every polynomial here, its length checked
/// against the domain and the bytes left before anything is allocated (halo2's
/// `Polynomial::read` sizes a buffer from the file's `u32` and unwraps its
/// reads), each coefficient checked to be a field element.
fn read_halo2_pk<R: Read>(
    r: &mut Counted<R>,
    shape: crate::gadgets::Shape,
) -> Result<ProvingKey<G1Affine>> {
    use halo2_axiom::halo2curves::{bn256::Fr, serde::SerdeObject};
    use halo2_axiom::plonk::permutation;
    use halo2_axiom::poly::Polynomial;
    let what = "proving key";
    let vk = guarded(what, || {
        VerifyingKey::<G1Affine>::read::<_, ZkmlCircuit>(r, SerdeFormat::RawBytes, shape)
    })?;
    let max_len = vk.get_domain().extended_len() as u64;
    fn u32_be<R: Read>(r: &mut Counted<R>) -> Result<u32> {
        let mut b = [0u8; 4];
        r.read_exact(&mut b)
            .map_err(|_| fmt_err("proving key", "truncated"))?;
        Ok(u32::from_be_bytes(b))
    }
    fn poly<R: Read, B>(r: &mut Counted<R>, max_len: u64) -> Result<Polynomial<Fr, B>> {
        let len = u32_be(r)? as u64;
        if len > max_len || len * 32 > r.left {
            return Err(fmt_err(
                "proving key",
                format!(
                    "implausible polynomial length {len} (at most {max_len}, {} bytes left)",
                    r.left
                ),
            ));
        }
        let mut buf = vec![0u8; (len * 32) as usize];
        r.read_exact(&mut buf)
            .map_err(|_| fmt_err("proving key", "truncated"))?;
        let values = buf
            .chunks_exact(32)
            .map(Fr::from_raw_bytes)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| fmt_err("proving key", "a coefficient is not a field element"))?;
        Ok(Polynomial::new(values))
    }
    fn polys<R: Read, B>(r: &mut Counted<R>, max_len: u64) -> Result<Vec<Polynomial<Fr, B>>> {
        let n = u32_be(r)? as u64;
        if n * 4 > r.left {
            return Err(fmt_err(
                "proving key",
                format!("implausible polynomial count {n}"),
            ));
        }
        (0..n).map(|_| poly(r, max_len)).collect()
    }
    let l0 = poly(r, max_len)?;
    let l_last = poly(r, max_len)?;
    let l_active_row = poly(r, max_len)?;
    let fixed_values = polys(r, max_len)?;
    let fixed_polys = polys(r, max_len)?;
    let permutations = polys(r, max_len)?;
    let perm_polys = polys(r, max_len)?;
    guarded(what, || {
        Ok(ProvingKey::from_parts(
            vk,
            l0,
            l_last,
            l_active_row,
            fixed_values,
            fixed_polys,
            permutation::ProvingKey::from_parts(permutations, perm_polys),
        ))
    })
}

impl PlonkProof {
    /// Serializes: header, transcript length (`u64`), transcript. (No
    /// checksum: a changed byte is a proof that does not verify.)
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
        let n = r.u64()?;
        if n > r.b.len() as u64 {
            return Err(fmt_err(what, "truncated"));
        }
        let body = r.take(n as usize)?.to_vec();
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
    fn checksum_catches_every_single_byte_change() {
        let mut out = vec![];
        header(&mut out, MAGIC_VK, &[3; 32]);
        out.extend_from_slice(b"some key bytes");
        let sealed = seal(out.clone());
        assert_eq!(unseal(&sealed, "verifying key").unwrap(), &out[..]);
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x10;
            assert!(unseal(&bad, "verifying key").is_err(), "byte {i}");
        }
        assert!(unseal(&sealed[..sealed.len() - 1], "verifying key").is_err());
        let mut long = sealed.clone();
        long.push(0);
        assert!(unseal(&long, "verifying key").is_err());
    }

    #[test]
    fn a_halo2_reader_panic_becomes_an_error() {
        let e = guarded::<()>("proving key", || panic!("unwrap on EOF")).unwrap_err();
        assert!(
            matches!(
                e,
                PlonkError::Format {
                    what: "proving key",
                    ..
                }
            ),
            "{e}"
        );
    }
}
