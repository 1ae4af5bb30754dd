//! ONNX model bytes → graph: an error or a graph, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zkml_onnx::load_model_bytes(data);
});
