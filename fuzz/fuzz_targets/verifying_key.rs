//! `vk.bin` bytes → verifying key (no SRS available: the key's own points).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let backend = zkml_plonk::PlonkBackend {
        srs_dir: std::path::PathBuf::from("/nonexistent/zkml-fuzz-srs"),
        srs_file: None,
        matrix_check: true,
    };
    let _ = zkml_plonk::PlonkVerifyingKey::from_bytes(data, &backend);
});
