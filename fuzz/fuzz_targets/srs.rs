//! An SRS file in halo2's raw format (full load and the verifier's part).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(f.path(), data).expect("write");
    for k in [1, 4] {
        let _ = zkml_plonk::srs::load_file(f.path(), k);
        let _ = zkml_plonk::srs::load_verifier_part(f.path(), k);
    }
});
