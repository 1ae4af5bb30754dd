//! A msgpack input for a fixed one-input model.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use zkml_msgpack::format::{LayerFile, ModelFile};

fn model() -> &'static zkml_msgpack::MsgpackModel {
    static M: OnceLock<zkml_msgpack::MsgpackModel> = OnceLock::new();
    M.get_or_init(|| {
        let file = ModelFile {
            global_sf: 4,
            inp_idxes: vec![0],
            out_idxes: vec![1],
            layers: vec![LayerFile {
                layer_type: "Softmax".into(),
                params: vec![],
                inp_idxes: vec![0],
                inp_shapes: vec![vec![1, 10]],
                out_idxes: vec![1],
                out_shapes: vec![vec![1, 10]],
                mask: vec![],
            }],
            ..Default::default()
        };
        let bytes = rmp_serde::to_vec_named(&file).expect("encodes");
        zkml_msgpack::load_model_bytes(&bytes).expect("the fixed model loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let _ = zkml_msgpack::load_input_bytes(data, model());
});
