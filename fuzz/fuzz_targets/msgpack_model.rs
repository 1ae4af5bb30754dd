//! The earlier zkml's msgpack model bytes → graph.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zkml_msgpack::load_model_bytes(data);
});
