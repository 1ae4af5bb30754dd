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
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use halo2_axiom::{
    halo2curves::bn256::Bn256,
    poly::{commitment::Params, kzg::commitment::ParamsKZG},
    SerdeFormat,
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

/// Loads the cached local SRS for `k` from `dir`, generating (INSECURELY) and
/// caching it first if absent.
pub fn generate_or_load(dir: &Path, k: u32) -> Result<ParamsKZG<Bn256>> {
    let path = cache_path(dir, k);
    if path.exists() {
        return load_file(&path, k);
    }
    // A larger cached SRS serves any smaller k.
    for bigger in k + 1..=28 {
        let p = cache_path(dir, bigger);
        if p.exists() {
            return load_file(&p, k);
        }
    }
    fs::create_dir_all(dir)
        .map_err(|e| PlonkError::Srs(format!("cannot create {}: {e}", dir.display())))?;
    let mut seed = [0u8; 32];
    OsRng.fill_bytes(&mut seed);
    let params = ParamsKZG::<Bn256>::setup(k, ChaCha20Rng::from_seed(seed));
    let tmp = dir.join(format!(
        ".kzg_bn254_{k}.srs.{}.{}.tmp",
        std::process::id(),
        OsRng.next_u32()
    ));
    let write = || -> std::io::Result<()> {
        let mut w = BufWriter::new(fs::File::create(&tmp)?);
        params.write_custom(&mut w, SerdeFormat::RawBytes)?;
        w.flush()?;
        drop(w);
        // Publish without overwriting: if another process cached an SRS for
        // this k meanwhile, keys made with either must keep matching the file,
        // so the first one written wins and everyone uses it.
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        linked
    };
    match write() {
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
    let f = fs::File::open(path)
        .map_err(|e| PlonkError::Srs(format!("cannot open {}: {e}", path.display())))?;
    let mut params = ParamsKZG::<Bn256>::read_custom(&mut BufReader::new(f), SerdeFormat::RawBytes)
        .map_err(|e| {
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
        assert!(!cache_path(dir.path(), 4).exists());
        // Too small / not an SRS.
        assert!(matches!(
            load_file(&cache_path(dir.path(), 5), 6),
            Err(PlonkError::Srs(_))
        ));
        let junk = dir.path().join("junk");
        std::fs::write(&junk, b"not an srs").unwrap();
        assert!(matches!(load_file(&junk, 4), Err(PlonkError::Srs(_))));
    }
}
