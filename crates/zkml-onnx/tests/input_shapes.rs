//! Graph inputs with symbolic dimensions: bound by a shape given by name or
//! by position, by a symbol another input binds, or by the input's element
//! count; refused, naming the input and the dimension, when nothing binds
//! them (never a silent 1).

mod common;

use common::*;
use zkml_onnx::proto::tensor_shape_proto::{dimension, Dimension};
use zkml_onnx::{declared_inputs, load_model_bytes, load_model_bytes_with, LoadOptions, OnnxError};

/// `Some(n)`: a fixed dimension; `None`: unnamed; a name: a `dim_param`.
enum D {
    N(i64),
    P(&'static str),
    U,
}

fn dims(ds: &[D]) -> Vec<Dimension> {
    ds.iter()
        .map(|d| Dimension {
            value: match d {
                D::N(n) => Some(dimension::Value::DimValue(*n)),
                D::P(p) => Some(dimension::Value::DimParam(p.to_string())),
                D::U => None,
            },
        })
        .collect()
}

/// `y = Relu(x)` with x declared `[batch, ?, 5]`.
fn relu_model() -> Vec<u8> {
    model(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info_dims("x", dims(&[D::P("batch"), D::U, D::N(5)]))],
        &["y"],
    )
}

/// `y = Add(a, b)`, both declared `[batch, 4]`.
fn add_model() -> Vec<u8> {
    model(
        13,
        vec![node("Add", &["a", "b"], &["y"], vec![])],
        vec![],
        vec![
            value_info_dims("a", dims(&[D::P("batch"), D::N(4)])),
            value_info_dims("b", dims(&[D::P("batch"), D::N(4)])),
        ],
        &["y"],
    )
}

fn named(name: &str, shape: &[usize]) -> LoadOptions {
    LoadOptions {
        named_shapes: vec![(name.to_string(), shape.to_vec())],
        ..Default::default()
    }
}

#[test]
fn unbound_symbolic_dim_is_an_error_naming_input_and_dim() {
    let err = load_model_bytes(&relu_model()).unwrap_err();
    match &err {
        OnnxError::SymbolicDim {
            input,
            dim,
            symbol,
            declared,
            example,
        } => {
            assert_eq!((input.as_str(), *dim, symbol.as_str()), ("x", 0, "batch"));
            assert_eq!(declared, "[batch, ?, 5]");
            assert_eq!(example, "NxNx5");
        }
        e => panic!("expected SymbolicDim, got {e:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("graph input `x` has symbolic dimension 0 (`batch`)"),
        "{msg}"
    );
    assert!(msg.contains("--input-shape x=NxNx5"), "{msg}");
    assert!(msg.contains("\"input_shapes\""), "{msg}");

    // The first symbol bound, the error moves to the unnamed one.
    let opts = LoadOptions {
        element_counts: vec![None],
        ..Default::default()
    };
    let model = model(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info_dims("x", dims(&[D::N(1), D::U, D::N(5)]))],
        &["y"],
    );
    let err = load_model_bytes_with(&model, &opts).unwrap_err();
    assert!(
        matches!(&err, OnnxError::SymbolicDim { dim: 1, symbol, example, .. } if symbol == "?" && example == "1xNx5"),
        "{err:?}"
    );
}

#[test]
fn negative_dim_value_is_symbolic_too() {
    let m = model(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info_dims("x", dims(&[D::N(-1), D::N(3)]))],
        &["y"],
    );
    let err = load_model_bytes(&m).unwrap_err();
    assert!(
        matches!(err, OnnxError::SymbolicDim { dim: 0, .. }),
        "{err:?}"
    );
    let g = load_model_bytes_with(&m, &named("x", &[2, 3])).unwrap();
    assert_eq!(g.input_shapes(), [&[2, 3][..]]);
}

#[test]
fn shape_given_by_name_binds_every_symbolic_dim() {
    let g = load_model_bytes_with(&relu_model(), &named("x", &[2, 3, 5])).unwrap();
    assert_eq!(g.input_shapes(), [&[2, 3, 5][..]]);
    assert_eq!(out_shape(&g), [2, 3, 5]);
    let x: Vec<f32> = (0..30).map(|i| i as f32 - 15.0).collect();
    let y = run(&g, &x);
    assert_eq!(y, x.iter().map(|v| v.max(0.0)).collect::<Vec<_>>());
}

#[test]
fn shape_given_by_position_binds_and_name_takes_precedence() {
    let opts = LoadOptions {
        positional_shapes: vec![vec![4, 1, 5]],
        ..Default::default()
    };
    let g = load_model_bytes_with(&relu_model(), &opts).unwrap();
    assert_eq!(g.input_shapes(), [&[4, 1, 5][..]]);

    let opts = LoadOptions {
        named_shapes: vec![("x".into(), vec![1, 2, 5])],
        positional_shapes: vec![vec![4, 1, 5]],
        ..Default::default()
    };
    let g = load_model_bytes_with(&relu_model(), &opts).unwrap();
    assert_eq!(g.input_shapes(), [&[1, 2, 5][..]]);
}

#[test]
fn given_shape_must_match_rank_and_fixed_dims() {
    let err = load_model_bytes_with(&relu_model(), &named("x", &[2, 3])).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, OnnxError::InputShape { .. }), "{err:?}");
    assert!(msg.contains("input shape for `x`"), "{msg}");
    assert!(msg.contains("gives 2x3 (2 dimension(s))"), "{msg}");
    assert!(
        msg.contains("declares 3 dimension(s) [batch, ?, 5]"),
        "{msg}"
    );

    let err = load_model_bytes_with(&relu_model(), &named("x", &[2, 3, 6])).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("dimension 2 is fixed at 5"), "{msg}");

    // Shapes past the model's inputs are ignored (EZKL's files list extra ones).
    let opts = LoadOptions {
        positional_shapes: vec![vec![1, 1, 5], vec![1]],
        ..Default::default()
    };
    let g = load_model_bytes_with(&relu_model(), &opts).unwrap();
    assert_eq!(g.input_shapes(), [&[1, 1, 5][..]]);
}

#[test]
fn shape_for_an_unknown_input_lists_the_inputs() {
    let err = load_model_bytes_with(&relu_model(), &named("images", &[1, 1, 5])).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("`images`, which is not a graph input"),
        "{msg}"
    );
    assert!(msg.contains("its inputs are `x` [batch, ?, 5]"), "{msg}");
}

#[test]
fn a_shared_symbol_binds_other_inputs_and_must_agree() {
    let g = load_model_bytes_with(&add_model(), &named("a", &[3, 4])).unwrap();
    assert_eq!(g.input_shapes(), [&[3, 4][..], &[3, 4][..]]);

    let opts = LoadOptions {
        named_shapes: vec![("a".into(), vec![3, 4]), ("b".into(), vec![2, 4])],
        ..Default::default()
    };
    let err = load_model_bytes_with(&add_model(), &opts).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("symbol `batch` is 2 here but 3 in input `a`"),
        "{msg}"
    );
}

#[test]
fn element_count_binds_a_single_symbolic_dim() {
    let m = model(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info_dims(
            "x",
            dims(&[D::P("batch"), D::N(3), D::N(2)]),
        )],
        &["y"],
    );
    let counts = |n| LoadOptions {
        element_counts: vec![Some(n)],
        ..Default::default()
    };
    let g = load_model_bytes_with(&m, &counts(12)).unwrap();
    assert_eq!(g.input_shapes(), [&[2, 3, 2][..]]);
    let err = load_model_bytes_with(&m, &counts(7)).unwrap_err();
    assert!(
        err.to_string()
            .contains("its data holds 7 value(s), which no size of symbolic dimension 0"),
        "{err}"
    );
    // Two symbolic dims: a count cannot tell them apart.
    let err = load_model_bytes_with(&relu_model(), &counts(10)).unwrap_err();
    assert!(
        matches!(err, OnnxError::SymbolicDim { dim: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn conv_with_batch_and_image_dims_symbolic() {
    // The usual vision export: x: [-1, 3, ?, ?].
    let m = model(
        13,
        vec![node(
            "Conv",
            &["x", "w"],
            &["y"],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        )],
        vec![rand_tensor("w", &[2, 3, 3, 3], 7)],
        vec![value_info_dims(
            "x",
            dims(&[D::N(-1), D::N(3), D::U, D::P("w")]),
        )],
        &["y"],
    );
    let g = load_model_bytes_with(&m, &named("x", &[1, 3, 6, 10])).unwrap();
    assert_eq!(out_shape(&g), [1, 2, 6, 10]);
    let decl = declared_inputs(&m).unwrap();
    assert_eq!(decl, [("x".to_string(), "[?, 3, ?, w]".to_string())]);
}

#[test]
fn question_mark_dim_params_are_independent() {
    // PaddlePaddle writes `?` as the dim_param of every unknown dim.
    let m = model(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info_dims(
            "x",
            dims(&[D::N(1), D::N(3), D::P("?"), D::P("?")]),
        )],
        &["y"],
    );
    let g = load_model_bytes_with(&m, &named("x", &[1, 3, 48, 192])).unwrap();
    assert_eq!(g.input_shapes(), [&[1, 3, 48, 192][..]]);
    // A real symbol used twice in one input does tie the two dims.
    let m = model(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![
            value_info_dims("x", dims(&[D::P("s"), D::P("s")])),
            value_info_dims("z", dims(&[D::P("s")])),
        ],
        &["y"],
    );
    let err = load_model_bytes_with(&m, &named("x", &[2, 3])).unwrap_err();
    assert!(
        err.to_string()
            .contains("symbol `s` is 3 here but 2 in input `x`"),
        "{err}"
    );
}

#[test]
fn positional_shape_may_leave_out_the_batch_dimension() {
    // EZKL's input files give [C, H, W]-style shapes without the batch.
    let opts = LoadOptions {
        positional_shapes: vec![vec![3, 5]],
        ..Default::default()
    };
    let g = load_model_bytes_with(&relu_model(), &opts).unwrap();
    assert_eq!(g.input_shapes(), [&[1, 3, 5][..]]);
    // A shape given by name must still have the full rank.
    let err = load_model_bytes_with(&relu_model(), &named("x", &[3, 5])).unwrap_err();
    assert!(matches!(err, OnnxError::InputShape { .. }), "{err:?}");
    // Two dimensions short is still a rank error.
    let opts = LoadOptions {
        positional_shapes: vec![vec![5]],
        ..Default::default()
    };
    let err = load_model_bytes_with(&relu_model(), &opts).unwrap_err();
    assert!(
        err.to_string().contains("gives 5 (1 dimension(s))"),
        "{err}"
    );
}
