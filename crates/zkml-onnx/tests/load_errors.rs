//! Loader tests on models built in Rust and encoded with the crate's messages:
//! refused and malformed models (unsupported nodes, truncated and mutated
//! bytes), tensor files and external data.

mod common;

use common::*;
use zkml_onnx::{load_model_bytes, load_tensor_bytes, OnnxError};

#[test]
fn every_unsupported_node_is_listed_at_once() {
    let mut custom = node("MyOp", &["x"], &["c"], vec![]);
    custom.domain = "com.example".into();
    let bytes = model(
        13,
        vec![
            node("Det", &["x"], &["a"], vec![]),
            node("Relu", &["a"], &["b"], vec![]),
            custom,
            node("RoiAlign", &["b"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("x", &[1, 4])],
        &["y"],
    );
    let err = load_model_bytes(&bytes).unwrap_err();
    let OnnxError::Unsupported { nodes } = &err else {
        panic!("expected Unsupported, got {err}");
    };
    assert_eq!(
        nodes,
        &[
            ("Det:a".to_string(), "Det".to_string()),
            ("MyOp:c".to_string(), "com.example::MyOp".to_string()),
            ("RoiAlign:y".to_string(), "RoiAlign".to_string()),
        ]
    );
    let msg = err.to_string();
    for part in ["Det:a", "RoiAlign:y", "com.example::MyOp"] {
        assert!(msg.contains(part), "{msg}");
    }
}

#[test]
fn constant_only_ops_on_runtime_values_are_listed_together() {
    let bytes = model(
        13,
        vec![
            node("Range", &["x", "x", "x"], &["a"], vec![]),
            // A cast to int8 (which would wrap) is still refused on run-time values.
            node("Cast", &["x"], &["b"], vec![attr_i("to", 3)]),
            node("Add", &["a", "b"], &["y"], vec![]),
        ],
        vec![tensor_i64("i", &[], &[0])],
        vec![value_info("x", &[3, 4])],
        &["y"],
    );
    let err = load_model_bytes(&bytes).unwrap_err();
    let OnnxError::Unsupported { nodes } = &err else {
        panic!("expected Unsupported, got {err}");
    };
    let names: Vec<&str> = nodes.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Range:a", "Cast:b"]);
}

#[test]
fn truncated_and_garbage_bytes_are_errors_not_panics() {
    let bytes = conv_model(
        vec![attr_ints("strides", &[1, 1])],
        &[1, 2, 5, 5],
        &[4, 2, 3, 3],
    );
    assert!(load_model_bytes(&bytes).is_ok());
    for len in 0..bytes.len() {
        let r = load_model_bytes(&bytes[..len]);
        assert!(r.is_err(), "prefix of {len} bytes loaded");
    }
    for len in [1, bytes.len() / 2, bytes.len() - 1] {
        let err = load_model_bytes(&bytes[..len]).unwrap_err();
        assert!(matches!(err, OnnxError::Decode { .. }), "{len}: {err}");
    }
    let mut garbage = vec![0u8; 4096];
    for seed in 0..300u64 {
        let r = rand_vec(garbage.len(), seed);
        for (g, v) in garbage.iter_mut().zip(r) {
            *g = ((v + 1.0) * 127.9) as u8;
        }
        let n = 1 + (seed as usize * 37) % garbage.len();
        let _ = load_model_bytes(&garbage[..n]);
        let _ = load_tensor_bytes(&garbage[..n]);
        // Flip bytes of a valid model too.
        let mut m = bytes.clone();
        let i = (seed as usize * 131) % m.len();
        m[i] ^= garbage[0] | 1;
        let _ = load_model_bytes(&m);
    }
    assert!(matches!(
        load_model_bytes(b"\xff\xff\xff\xff garbage").unwrap_err(),
        OnnxError::Decode { .. }
    ));
    assert!(matches!(
        load_tensor_bytes(&[]).unwrap_err(),
        OnnxError::Decode { .. }
    ));
}

#[test]
fn load_tensor_reads_raw_and_typed_data() {
    use prost::Message;
    use zkml_onnx::proto::{data_type as dt, TensorProto};
    let raw = TensorProto {
        name: "input_0".into(),
        dims: vec![2, 2],
        data_type: dt::FLOAT,
        raw_data: Some(
            [1.0f32, -2.0, 3.5, 0.25]
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        ),
        ..Default::default()
    };
    let (name, t) = load_tensor_bytes(&raw.encode_to_vec()).unwrap();
    assert_eq!(name, "input_0");
    assert_eq!(t.shape(), [2, 2]);
    assert_eq!(t.as_slice().unwrap(), [1.0, -2.0, 3.5, 0.25]);
    let (_, t) = load_tensor_bytes(&tensor_i64("i", &[3], &[-1, 0, 7]).encode_to_vec()).unwrap();
    assert_eq!(t.as_slice().unwrap(), [-1.0, 0.0, 7.0]);
    let half = TensorProto {
        dims: vec![2],
        data_type: dt::FLOAT16,
        raw_data: Some(vec![0x00, 0x3c, 0x00, 0xc0]),
        ..Default::default()
    };
    let (_, t) = load_tensor_bytes(&half.encode_to_vec()).unwrap();
    assert_eq!(t.as_slice().unwrap(), [1.0, -2.0]);
    let boolean = TensorProto {
        dims: vec![2],
        data_type: dt::BOOL,
        int32_data: vec![1, 0],
        ..Default::default()
    };
    let (_, t) = load_tensor_bytes(&boolean.encode_to_vec()).unwrap();
    assert_eq!(t.as_slice().unwrap(), [1.0, 0.0]);
    let short = TensorProto {
        dims: vec![3],
        data_type: dt::DOUBLE,
        double_data: vec![1.0],
        ..Default::default()
    };
    assert!(matches!(
        load_tensor_bytes(&short.encode_to_vec()).unwrap_err(),
        OnnxError::Tensor { .. }
    ));
}

#[test]
fn missing_files_name_the_path() {
    let err = zkml_onnx::load_model(std::path::Path::new("/nonexistent/model.onnx")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/model.onnx"), "{err}");
}

#[test]
fn integer_inputs_and_training_dropout_are_refused() {
    let mut x = value_info("x", &[2]);
    if let Some(zkml_onnx::proto::type_proto::Value::TensorType(t)) =
        x.r#type.as_mut().and_then(|t| t.value.as_mut())
    {
        t.elem_type = zkml_onnx::proto::data_type::INT32;
    }
    let bytes = model(
        13,
        vec![node("Div", &["x", "x"], &["y"], vec![])],
        vec![],
        vec![x],
        &["y"],
    );
    // An integer input is accepted, but integer Div by a run-time divisor is
    // refused by name.
    let err = load_model_bytes(&bytes).unwrap_err();
    assert!(
        err.to_string()
            .contains("(Div): reads `x`, an integer tensor"),
        "{err}"
    );
    let training = model(
        13,
        vec![node("Dropout", &["x", "r", "t"], &["y"], vec![])],
        vec![
            tensor("r", &[], &[0.5]),
            zkml_onnx::proto::TensorProto {
                name: "t".into(),
                data_type: zkml_onnx::proto::data_type::BOOL,
                int32_data: vec![1],
                ..Default::default()
            },
        ],
        vec![value_info("x", &[2])],
        &["y"],
    );
    let err = load_model_bytes(&training).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Node { node, .. } if node == "Dropout:y"),
        "{err}"
    );
}

/// A model touching most handlers, for mutation fuzzing.
fn rich_model() -> Vec<u8> {
    model(
        13,
        vec![
            node(
                "Conv",
                &["x", "w"],
                &["c"],
                vec![attr_ints("pads", &[1, 1, 1, 1])],
            ),
            node(
                "BatchNormalization",
                &["c", "s", "b", "m", "v"],
                &["bn"],
                vec![],
            ),
            node("Relu", &["bn"], &["r"], vec![]),
            node(
                "MaxPool",
                &["r"],
                &["p"],
                vec![
                    attr_ints("kernel_shape", &[2, 2]),
                    attr_ints("strides", &[2, 2]),
                ],
            ),
            node("Pad", &["p", "pads"], &["pp"], vec![]),
            node("Shape", &["pp"], &["sh"], vec![]),
            node("Slice", &["sh", "zero", "one"], &["n"], vec![]),
            node(
                "Concat",
                &["n", "minus1"],
                &["tgt"],
                vec![attr_i("axis", 0)],
            ),
            node("Reshape", &["pp", "tgt"], &["f"], vec![]),
            node(
                "Gemm",
                &["f", "gw", "gb"],
                &["g"],
                vec![attr_i("transB", 1)],
            ),
            node("Softmax", &["g"], &["y"], vec![]),
        ],
        vec![
            rand_tensor("w", &[2, 1, 3, 3], 1),
            rand_tensor("s", &[2], 2),
            rand_tensor("b", &[2], 3),
            rand_tensor("m", &[2], 4),
            tensor("v", &[2], &[0.5, 1.5]),
            tensor_i64("pads", &[8], &[0, 0, 1, 1, 0, 0, 0, 0]),
            tensor_i64("zero", &[1], &[0]),
            tensor_i64("one", &[1], &[1]),
            tensor_i64("minus1", &[1], &[-1]),
            rand_tensor("gw", &[3, 72], 5),
            rand_tensor("gb", &[3], 6),
        ],
        vec![value_info("x", &[1, 1, 10, 10])],
        &["y"],
    )
}

#[test]
fn mutated_models_never_panic() {
    let bytes = rich_model();
    let g = load_model_bytes(&bytes).unwrap();
    assert_eq!(
        ops(&g),
        ["Conv", "Relu", "MaxPool", "Pad", "Reshape", "MatMul", "Add", "Softmax"]
    );
    assert_eq!(out_shape(&g), [1, 3]);
    let noise = rand_vec(1 << 16, 99);
    let mut k = 0;
    let mut next = || {
        k = (k + 1) % noise.len();
        ((noise[k] + 1.0) * 32767.9) as usize
    };
    let mut stats = std::collections::BTreeMap::new();
    for _ in 0..3000 {
        let mut m = bytes.clone();
        for _ in 0..1 + next() % 4 {
            let i = next() % m.len();
            m[i] = next() as u8;
        }
        if next() % 8 == 0 {
            m.truncate(next() % m.len());
        }
        let r = load_model_bytes(&m);
        let kind = match &r {
            Ok(_) => "ok",
            Err(OnnxError::Decode { .. }) => "decode",
            Err(_) => "other",
        };
        *stats.entry(kind).or_insert(0) += 1;
    }
    // The mutations reach the decoder, the handlers and the folded result.
    assert!(stats.len() == 3, "{stats:?}");
}

#[test]
fn external_data_is_read_relative_to_the_model() {
    use zkml_onnx::proto::{data_type as dt, StringStringEntryProto, TensorProto};
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<u8> = [9.0f32, 1.0, 2.0, 3.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(dir.path().join("weights.bin"), &data).unwrap();
    let kv = |k: &str, v: &str| StringStringEntryProto {
        key: k.into(),
        value: v.into(),
    };
    let w = TensorProto {
        name: "w".into(),
        dims: vec![3],
        data_type: dt::FLOAT,
        external_data: vec![
            kv("location", "weights.bin"),
            kv("offset", "4"),
            kv("length", "12"),
        ],
        data_location: 1,
        ..Default::default()
    };
    let bytes = model(
        13,
        vec![node("Add", &["x", "w"], &["y"], vec![])],
        vec![w],
        vec![value_info("x", &[3])],
        &["y"],
    );
    let path = dir.path().join("model.onnx");
    std::fs::write(&path, &bytes).unwrap();
    let g = zkml_onnx::load_model(&path).unwrap();
    assert_eq!(run(&g, &[0.0; 3]), [1.0, 2.0, 3.0]);
    // From bytes there is no folder to read it from: a clear error.
    let err = load_model_bytes(&bytes).unwrap_err();
    assert!(
        matches!(&err, OnnxError::Tensor { name, .. } if name == "w"),
        "{err}"
    );
}
