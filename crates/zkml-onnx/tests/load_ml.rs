//! ONNX-ML loader errors and the run-time Cast to integers that exporters put
//! after classifiers (the generated models in `ml_models.rs` check the
//! numbers against onnxruntime).

mod common;

use common::*;
use zkml_onnx::proto::{
    attribute_type as at, AttributeProto, GraphProto, ModelProto, OperatorSetIdProto,
};
use zkml_onnx::{load_model_bytes, OnnxError};

use prost::Message;

fn attr_strings(name: &str, v: &[&str]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
        r#type: at::STRINGS,
        ..Default::default()
    }
}

fn attr_floats(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        floats: v.to_vec(),
        r#type: at::FLOATS,
        ..Default::default()
    }
}

/// A one-node ONNX-ML model on `x` `[2, 2]`.
fn ml_model(op: &str, attrs: Vec<AttributeProto>, outputs: &[&str]) -> Vec<u8> {
    let mut n = node(op, &["x"], outputs, attrs);
    n.domain = "ai.onnx.ml".into();
    ModelProto {
        ir_version: 8,
        producer_name: "zkml-onnx tests".into(),
        graph: Some(GraphProto {
            node: vec![n],
            name: "ml".into(),
            initializer: vec![],
            input: vec![value_info("x", &[2, 2])],
            output: outputs.iter().map(|o| value_info(o, &[])).collect(),
            value_info: vec![],
        }),
        opset_import: vec![OperatorSetIdProto {
            domain: "ai.onnx.ml".into(),
            version: 3,
        }],
    }
    .encode_to_vec()
}

/// A stump: feature 0 ≤ 0.5 → 1.0 else 2.0.
fn stump(extra: Vec<AttributeProto>) -> Vec<AttributeProto> {
    let mut a = vec![
        attr_ints("nodes_treeids", &[0, 0, 0]),
        attr_ints("nodes_nodeids", &[0, 1, 2]),
        attr_ints("nodes_featureids", &[0, 0, 0]),
        attr_strings("nodes_modes", &["BRANCH_LEQ", "LEAF", "LEAF"]),
        attr_floats("nodes_values", &[0.5, 0.0, 0.0]),
        attr_ints("nodes_truenodeids", &[1, 0, 0]),
        attr_ints("nodes_falsenodeids", &[2, 0, 0]),
        attr_ints("target_treeids", &[0, 0]),
        attr_ints("target_nodeids", &[1, 2]),
        attr_ints("target_ids", &[0, 0]),
        attr_floats("target_weights", &[1.0, 2.0]),
    ];
    a.extend(extra);
    a
}

fn node_err(r: Result<zkml_core::Graph, OnnxError>) -> String {
    match r {
        Err(e @ (OnnxError::Node { .. } | OnnxError::Attribute { .. })) => e.to_string(),
        Err(e) => panic!("expected a node or attribute error, got {e}"),
        Ok(_) => panic!("expected an error, the model loaded"),
    }
}

#[test]
fn a_stump_loads_without_a_default_opset_and_runs() {
    let g = load_model_bytes(&ml_model("TreeEnsembleRegressor", stump(vec![]), &["y"])).unwrap();
    assert_eq!(run(&g, &[0.5, 9.0, 0.51, -3.0]), [1.0, 2.0]);
}

#[test]
fn probit_and_string_labels_are_refused_by_name() {
    let e = node_err(load_model_bytes(&ml_model(
        "TreeEnsembleRegressor",
        stump(vec![attr_s("post_transform", "PROBIT")]),
        &["y"],
    )));
    assert!(
        e.contains("TreeEnsembleRegressor") && e.contains("post_transform") && e.contains("PROBIT"),
        "{e}"
    );
    let e = node_err(load_model_bytes(&ml_model(
        "LinearClassifier",
        vec![
            attr_floats("coefficients", &[1.0, 0.0, 0.0, 1.0]),
            attr_floats("intercepts", &[0.0, 0.0]),
            attr_strings("classlabels_strings", &["a", "b"]),
        ],
        &["l", "p"],
    )));
    assert!(
        e.contains("LinearClassifier") && e.contains("classlabels_strings"),
        "{e}"
    );
}

#[test]
fn malformed_trees_are_refused() {
    // A weight on a branch node.
    let mut a = stump(vec![]);
    a.retain(|x| x.name != "target_nodeids");
    a.push(attr_ints("target_nodeids", &[0, 2]));
    let e = node_err(load_model_bytes(&ml_model(
        "TreeEnsembleRegressor",
        a,
        &["y"],
    )));
    assert!(e.contains("not a LEAF"), "{e}");
    // A feature the input lacks.
    let mut a = stump(vec![]);
    a.retain(|x| x.name != "nodes_featureids");
    a.push(attr_ints("nodes_featureids", &[5, 0, 0]));
    let e = node_err(load_model_bytes(&ml_model(
        "TreeEnsembleRegressor",
        a,
        &["y"],
    )));
    assert!(e.contains("feature 5 out of range"), "{e}");
    // A cycle: node 1 points back to the root, so no root remains.
    let mut a = stump(vec![]);
    for k in [
        "nodes_modes",
        "nodes_truenodeids",
        "nodes_falsenodeids",
        "target_nodeids",
    ] {
        a.retain(|x| x.name != k);
    }
    a.push(attr_ints("target_nodeids", &[2, 2]));
    a.push(attr_strings(
        "nodes_modes",
        &["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"],
    ));
    a.push(attr_ints("nodes_truenodeids", &[1, 0, 0]));
    a.push(attr_ints("nodes_falsenodeids", &[2, 2, 0]));
    let e = node_err(load_model_bytes(&ml_model(
        "TreeEnsembleRegressor",
        a,
        &["y"],
    )));
    assert!(e.contains("roots") || e.contains("cycle"), "{e}");
}

#[test]
fn unsupported_ml_ops_are_named_with_their_domain() {
    let err = load_model_bytes(&ml_model("CategoryMapper", vec![], &["y"])).unwrap_err();
    assert!(
        err.to_string().contains("ai.onnx.ml::CategoryMapper"),
        "{err}"
    );
}

#[test]
fn run_time_casts_to_integers_truncate_towards_zero() {
    let cast = |to: i64| {
        model(
            13,
            vec![node("Cast", &["x"], &["y"], vec![attr_i("to", to)])],
            vec![],
            vec![value_info("x", &[5])],
            &["y"],
        )
    };
    let x = [-1.75, -0.25, 0.0, 0.5, 2.875];
    let g = load_model_bytes(&cast(7)).unwrap();
    assert_eq!(run(&g, &x), [-1.0, 0.0, 0.0, 0.0, 2.0]);
    let g = load_model_bytes(&cast(9)).unwrap();
    assert_eq!(run(&g, &x), [1.0, 1.0, 0.0, 1.0, 1.0]);
    // The same in the integer executor.
    let xs = vec![x.to_vec()];
    let inp = zkml_core::float::shape_inputs(&g, &xs).unwrap();
    let g7 = load_model_bytes(&cast(7)).unwrap();
    let inp7 = zkml_core::float::shape_inputs(&g7, &xs).unwrap();
    for (g, inp, want) in [
        (&g7, inp7, [-1.0, 0.0, 0.0, 0.0, 2.0]),
        (&g, inp, [1.0, 1.0, 0.0, 1.0, 1.0]),
    ] {
        let cal = zkml_core::calibrate(g, std::slice::from_ref(&inp)).unwrap();
        let q = zkml_core::quantize(g, &cal, &zkml_core::QuantConfig::default()).unwrap();
        let t = zkml_core::execute(&q, &inp).unwrap();
        let got: Vec<f64> = t.dequantized_outputs(&q)[0].clone();
        assert_eq!(got, want);
    }
}
