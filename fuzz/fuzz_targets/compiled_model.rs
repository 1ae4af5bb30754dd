//! `model.json` (a compiled QGraph) and any other JSON zkml reads through serde.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = serde_json::from_value::<zkml_core::QGraph>(v["qgraph"].clone());
    }
});
