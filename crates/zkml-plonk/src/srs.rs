//! KZG structured reference strings.
//!
//! **[`generate_or_load`] makes an INSECURE SRS, for development and tests
//! only**: its toxic secret comes from a local RNG and is not destroyed by any
//! ceremony, so whoever ran it could forge proofs. For anything real, load a
//! ceremony's powers of tau with [`load_file`] (halo2's raw format,
//! `ParamsKZG::write_custom(…, SerdeFormat::RawBytes)`; a larger file is
//! downsized to `k`).
//!
//! A cached SRS for a larger `k` is downsized rather than generating a new one.
//! Local SRSs are cached as `<dir>/kzg_bn254_<k>.srs` (written to a temporary
//! file, then renamed, so concurrent runs never read half a file). The default
//! directory is `$ZKML_SRS_DIR`, else `$XDG_CACHE_HOME/zkml/srs`, else
//! `~/.cache/zkml/srs`.

use std::fs;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use halo2_axiom::{
    halo2curves::bn256::{Bn256, G1Affine, G2Affine},
    poly::{
        commitment::{Params, ParamsProver},
        kzg::commitment::ParamsKZG,
    },
    SerdeCurveAffine, SerdeFormat,
};
use rand_chacha03::ChaCha20Rng;
use rand_core06::{OsRng, RngCore, SeedableRng};

use crate::error::{PlonkError, Result};

/// The default cache directory for local (insecure) SRS files.
pub fn default_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("ZKML_SRS_DIR") {
        return PathBuf::from(d);
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME") {
        return PathBuf::from(d).join("zkml/srs");
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache/zkml/srs")
}

/// The cached file for `k` in `dir`.
pub fn cache_path(dir: &Path, k: u32) -> PathBuf {
    dir.join(format!("kzg_bn254_{k}.srs"))
}

/// The cached file in `dir` that serves `k` (its own, or the smallest larger one), if any.
pub fn cached_file(dir: &Path, k: u32) -> Option<PathBuf> {
    (k..=28).map(|kk| cache_path(dir, kk)).find(|p| p.exists())
}

/// The part of an SRS the KZG verifier reads (SHPLONK opening check and
/// pairing): `g[0] = [1]G1`, `g2 = [1]G2` and `s_g2 = [s]G2`. Verifying keys
/// carry it, so verifying needs no SRS file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifierSrs {
    /// `[1]G1`.
    pub g0: G1Affine,
    /// `[1]G2`.
    pub g2: G2Affine,
    /// `[s]G2`.
    pub s_g2: G2Affine,
}

impl VerifierSrs {
    /// Encoded length (compressed points).
    pub const LEN: usize = 32 + 64 + 64;

    /// The verifier's part of `params`.
    pub fn of(params: &ParamsKZG<Bn256>) -> Self {
        Self {
            g0: params.get_g()[0],
            g2: params.g2(),
            s_g2: params.s_g2(),
        }
    }

    /// Appends the compressed points (`Self::LEN` bytes).
    pub fn write(&self, out: &mut Vec<u8>) {
        let fmt = SerdeFormat::Processed;
        self.g0.write(out, fmt).expect("write to a vector");
        self.g2.write(out, fmt).expect("write to a vector");
        self.s_g2.write(out, fmt).expect("write to a vector");
    }

    /// BLAKE2b-256 of [`Self::write`]'s encoding: a short name for the SRS a
    /// verifier trusts, to compare with a ceremony's published value.
    pub fn digest(&self) -> [u8; 32] {
        let mut enc = vec![];
        self.write(&mut enc);
        let h = blake2b_simd::Params::new()
            .hash_length(32)
            .personal(b"zkml-srs-v1")
            .hash(&enc);
        h.as_bytes().try_into().expect("32 bytes")
    }

    /// Reads [`Self::write`]'s encoding; every point is checked to lie on its curve.
    pub fn read(mut bytes: &[u8]) -> std::io::Result<Self> {
        // halo2curves' compressed G2 decoding unwraps inside `Fq2::from_bytes`
        // on some invalid encodings: caught here, as a last resort.
        std::panic::catch_unwind(move || {
            let fmt = SerdeFormat::Processed;
            let g0 = G1Affine::read(&mut bytes, fmt)?;
            let g2 = G2Affine::read(&mut bytes, fmt)?;
            let s_g2 = G2Affine::read(&mut bytes, fmt)?;
            Ok(Self { g0, g2, s_g2 })
        })
        .unwrap_or_else(|_| Err(std::io::Error::other("invalid point encoding")))
    }

    /// Verifier parameters for `2^k` rows holding only these points (what
    /// `verify_proof` with SHPLONK and `SingleStrategy` reads: `n`, `g[0]`,
    /// `g2`, `s_g2`; instance columns are not committed by this verifier).
    pub fn params(&self, k: u32) -> ParamsKZG<Bn256> {
        // A 1-point SRS in halo2's raw format, then resized to `k` by `from_parts`.
        let mut raw = 0u32.to_le_bytes().to_vec();
        for _ in 0..2 {
            self.g0.write(&mut raw, SerdeFormat::RawBytes).expect("vec");
        }
        self.g2.write(&mut raw, SerdeFormat::RawBytes).expect("vec");
        self.s_g2
            .write(&mut raw, SerdeFormat::RawBytes)
            .expect("vec");
        let one = ParamsKZG::<Bn256>::read_custom(&mut raw.as_slice(), SerdeFormat::RawBytes)
            .expect("a one-point SRS reads back");
        one.from_parts(k, vec![self.g0], Some(vec![self.g0]), self.g2, self.s_g2)
    }
}

/// Reads only the verifier's part of an SRS file in halo2's raw format (no
/// need to load `2^k` points); the file must be for at least `k`.
pub fn load_verifier_part(path: &Path, k: u32) -> Result<VerifierSrs> {
    let err = |e: String| PlonkError::Srs(format!("{}: {e}", path.display()));
    let mut f = fs::File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = [0u8; 4];
    f.read_exact(&mut head)
        .map_err(|e| err(format!("cannot read: {e}")))?;
    let file_k = u32::from_le_bytes(head);
    if file_k > 28 || len != 4 + (2u64 << file_k) * 64 + 2 * 128 {
        return Err(err(format!(
            "not a KZG BN254 SRS in halo2's raw format (header k = {file_k}, {len} bytes)"
        )));
    }
    if file_k < k {
        return Err(err(format!(
            "holds 2^{file_k} powers; this circuit needs 2^{k}"
        )));
    }
    let bad = |e: std::io::Error| err(format!("not a KZG BN254 SRS: {e}"));
    let mut r = BufReader::new(f);
    let g0 = G1Affine::read(&mut r, SerdeFormat::RawBytes).map_err(bad)?;
    r.seek(SeekFrom::Start(4 + (2u64 << file_k) * 64))
        .map_err(bad)?;
    let g2 = G2Affine::read(&mut r, SerdeFormat::RawBytes).map_err(bad)?;
    let s_g2 = G2Affine::read(&mut r, SerdeFormat::RawBytes).map_err(bad)?;
    {
        use halo2_axiom::halo2curves::CurveAffine;
        if !bool::from(g0.is_on_curve() & g2.is_on_curve() & s_g2.is_on_curve()) {
            return Err(err(
                "a point is not on the curve: the file is damaged".into()
            ));
        }
    }
    Ok(VerifierSrs { g0, g2, s_g2 })
}

/// Every point of an SRS file in halo2's raw format must lie on its curve:
/// halo2's raw reader does not check (a damaged point then panics or hangs
/// the prover far from the file). Streams the file in chunks, checking each
/// chunk's points in parallel.
fn check_points(path: &Path, file_k: u32) -> Result<()> {
    use halo2_axiom::halo2curves::CurveAffine;
    use rayon::prelude::*;
    let bad = |what: String| PlonkError::Srs(format!("{}: {what}", path.display()));
    let f = fs::File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    r.seek(SeekFrom::Start(4))
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    let total = 2usize << file_k;
    let mut chunk = vec![0u8; 64 * 16384];
    let mut done = 0;
    while done < total {
        let n = (total - done).min(16384);
        let buf = &mut chunk[..64 * n];
        r.read_exact(buf)
            .map_err(|e| bad(format!("cannot read: {e}")))?;
        let first_bad = buf.par_chunks(64).position_first(|mut p| {
            match G1Affine::read(&mut p, SerdeFormat::RawBytes) {
                Ok(pt) => !bool::from(pt.is_on_curve()),
                Err(_) => true,
            }
        });
        if let Some(i) = first_bad {
            return Err(bad(format!(
                "G1 point {} is not on the curve: the file is damaged (delete it to regenerate \
                 a cached SRS, or fetch the ceremony file again)",
                done + i
            )));
        }
        done += n;
    }
    for i in 0..2 {
        let p = G2Affine::read(&mut r, SerdeFormat::RawBytes)
            .map_err(|e| bad(format!("G2 point {i}: {e}")))?;
        if !bool::from(p.is_on_curve()) {
            return Err(bad(format!(
                "G2 point {i} is not on the curve: the file is damaged"
            )));
        }
    }
    Ok(())
}

/// Loads the cached local SRS for `k` from `dir`, generating (INSECURELY) and
/// caching it first if absent.
pub fn generate_or_load(dir: &Path, k: u32) -> Result<ParamsKZG<Bn256>> {
    let path = cache_path(dir, k);
    if path.exists() {
        return load_file(&path, k);
    }
    // A larger cached SRS serves any smaller k. Downsizing recomputes the
    // Lagrange basis (a G1 FFT: minutes at k ≥ 17 on 2 cores, paid by every
    // setup and proof at this k, once per segment): cache the result as this
    // k's file, the same SRS truncated.
    if let Some(p) = cached_file(dir, k) {
        let params = load_file(&p, k)?;
        return match publish(dir, k, &params) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => load_file(&path, k),
            // Not cached (a read-only directory): still a valid SRS.
            _ => Ok(params),
        };
    }
    fs::create_dir_all(dir)
        .map_err(|e| PlonkError::Srs(format!("cannot create {}: {e}", dir.display())))?;
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed(seed));
    match publish(dir, k, &params) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return load_file(&path, k),
        Err(e) => {
            return Err(PlonkError::Srs(format!(
                "cannot write {}: {e}",
                path.display()
            )))
        }
    }
    Ok(params)
}

/// Writes `params` as the cached SRS for `k` in `dir`, synced, then
/// published without overwriting: if another process cached an SRS for this
/// `k` meanwhile, keys made with either must keep matching the file, so the
/// first one written wins (`AlreadyExists`) and everyone uses it.
fn publish(dir: &Path, k: u32, params: &ParamsKZG<Bn256>) -> std::io::Result<()> {
    let path = cache_path(dir, k);
    let tmp = dir.join(format!(
        ".kzg_bn254_{k}.srs.{}.{}.tmp",
        std::process::id(),
        OsRng.next_u32()
    ));
    let write = || -> std::io::Result<()> {
        let mut w = BufWriter::new(fs::File::create(&tmp)?);
        params.write_custom(&mut w, SerdeFormat::RawBytes)?;
        w.flush()?;
        // On disk before it is published: a crash never leaves a cached
        // file with unwritten pages.
        w.get_ref().sync_all()?;
        drop(w);
        fs::hard_link(&tmp, &path)
    };
    let r = write();
    let _ = fs::remove_file(&tmp);
    r
}

/// Reads an SRS in halo2's raw format; it must be for at least `k` (a larger one is downsized).
pub fn load_file(path: &Path, k: u32) -> Result<ParamsKZG<Bn256>> {
    let f = fs::File::open(path)
        .map_err(|e| PlonkError::Srs(format!("cannot open {}: {e}", path.display())))?;
    // Check the header and size first: halo2 trusts the k it reads.
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = [0u8; 4];
    {
        use std::io::Read;
        (&f).read_exact(&mut head)
            .map_err(|e| PlonkError::Srs(format!("cannot read {}: {e}", path.display())))?;
    }
    let file_k = u32::from_le_bytes(head);
    // Raw format: k, then 2·2^k G1 points (64 bytes) and 2 G2 points (128 bytes).
    if file_k > 28 || len != 4 + (2u64 << file_k) * 64 + 2 * 128 {
        return Err(PlonkError::Srs(format!(
            "{} is not a KZG BN254 SRS in halo2's raw format (header k = {file_k}, {len} bytes)",
            path.display()
        )));
    }
    check_points(path, file_k)?;
    let f = fs::File::open(path)
        .map_err(|e| PlonkError::Srs(format!("cannot open {}: {e}", path.display())))?;
    // Last resort around halo2's reader (every point was checked above).
    let read = std::panic::catch_unwind(|| {
        ParamsKZG::<Bn256>::read_custom(&mut BufReader::new(f), SerdeFormat::RawBytes)
    })
    .unwrap_or_else(|_| {
        Err(std::io::Error::other(
            "halo2's reader failed on its contents",
        ))
    });
    let mut params = read.map_err(|e| {
        PlonkError::Srs(format!(
            "{} is not a KZG BN254 SRS in halo2's raw format: {e}",
            path.display()
        ))
    })?;
    if params.k() < k {
        return Err(PlonkError::Srs(format!(
            "{} holds 2^{} powers; this circuit needs 2^{k}",
            path.display(),
            params.k()
        )));
    }
    if params.k() > k {
        params.downsize(k);
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_reuse_and_downsize() {
        let dir = tempfile::tempdir().unwrap();
        let a = generate_or_load(dir.path(), 5).unwrap();
        assert!(cache_path(dir.path(), 5).exists());
        let b = generate_or_load(dir.path(), 5).unwrap();
        assert_eq!(a.s_g2(), b.s_g2());
        // k = 4 comes from the k = 5 file.
        let c = generate_or_load(dir.path(), 4).unwrap();
        assert_eq!(c.k(), 4);
        assert_eq!(c.s_g2(), a.s_g2());
        // ... and is cached as k = 4's file, the same points (no second downsize).
        assert!(cache_path(dir.path(), 4).exists());
        let bytes = |p: &ParamsKZG<Bn256>| {
            let mut v = vec![];
            p.write_custom(&mut v, SerdeFormat::RawBytes).unwrap();
            v
        };
        let d = generate_or_load(dir.path(), 4).unwrap();
        assert_eq!(bytes(&d), bytes(&c));
        // Too small / not an SRS.
        assert!(matches!(
            load_file(&cache_path(dir.path(), 5), 6),
            Err(PlonkError::Srs(_))
        ));
        // The verifier's part, read without loading the points.
        let vp = load_verifier_part(&cache_path(dir.path(), 5), 4).unwrap();
        assert_eq!(vp, VerifierSrs::of(&c));
        assert_eq!(VerifierSrs::of(&vp.params(4)), vp);
        let mut enc = vec![];
        vp.write(&mut enc);
        assert_eq!(enc.len(), VerifierSrs::LEN);
        assert_eq!(VerifierSrs::read(&enc).unwrap(), vp);
        assert!(load_verifier_part(&cache_path(dir.path(), 5), 6).is_err());
        let junk = dir.path().join("junk");
        std::fs::write(&junk, b"not an srs").unwrap();
        assert!(matches!(load_file(&junk, 4), Err(PlonkError::Srs(_))));
        assert!(matches!(
            load_verifier_part(&junk, 4),
            Err(PlonkError::Srs(_))
        ));
    }
}
