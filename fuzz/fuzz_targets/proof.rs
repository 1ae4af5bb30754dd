//! Proof bytes (the `proof` field of a proof file, unhexed).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zkml_plonk::PlonkProof::from_bytes(data);
});
