//! Integer and boolean graph inputs: carried as exact values through data
//! movement, casts, comparisons and exact arithmetic; ops with integer
//! semantics on them are refused by name, never computed on reals.

mod common;

use common::*;
use zkml_core::run_float;
use zkml_onnx::proto::{data_type as dt, type_proto, TensorShapeProto, TypeProto, ValueInfoProto};
use zkml_onnx::{load_model_bytes, OnnxError};

fn typed_input(name: &str, elem_type: i32, dims: &[i64]) -> ValueInfoProto {
    let mut vi = value_info(name, dims);
    let shape = match vi.r#type.and_then(|t| t.value) {
        Some(type_proto::Value::TensorType(t)) => t.shape,
        _ => None::<TensorShapeProto>,
    };
    vi.r#type = Some(TypeProto {
        value: Some(type_proto::Value::TensorType(type_proto::Tensor {
            elem_type,
            shape,
        })),
    });
    vi
}

fn cast(to: i32, x: &str, y: &str) -> zkml_onnx::proto::NodeProto {
    node("Cast", &[x], &[y], vec![attr_i("to", i64::from(to))])
}

#[test]
fn int64_input_cast_to_float_runs() {
    // tokens (int64) -> Cast(int32) -> Cast(float) -> Mul 0.5 -> Relu
    let m = model(
        13,
        vec![
            cast(dt::INT32, "t", "t32"),
            cast(dt::FLOAT, "t32", "f"),
            node("Mul", &["f", "half"], &["h"], vec![]),
            node("Relu", &["h"], &["y"], vec![]),
        ],
        vec![tensor("half", &[], &[0.5])],
        vec![typed_input("t", dt::INT64, &[1, 4])],
        &["y"],
    );
    let g = load_model_bytes(&m).unwrap();
    assert_eq!(ops(&g), ["Mul", "Relu"]);
    assert_eq!(run(&g, &[3.0, -2.0, 7.0, 0.0]), [1.5, 0.0, 3.5, 0.0]);
}

#[test]
fn int_input_through_data_movement_and_exact_arithmetic() {
    // bytes (int32) -> Reshape -> Add 1 (int) -> Cast(float) -> y
    let m = model(
        14,
        vec![
            node("Reshape", &["b", "shape"], &["r"], vec![]),
            node("Add", &["r", "one"], &["a"], vec![]),
            cast(dt::FLOAT, "a", "y"),
        ],
        vec![
            tensor_i64("shape", &[2], &[2, 2]),
            zkml_onnx::proto::TensorProto {
                name: "one".into(),
                dims: vec![],
                data_type: dt::INT32,
                int32_data: vec![1],
                ..Default::default()
            },
        ],
        vec![typed_input("b", dt::INT32, &[1, 4])],
        &["y"],
    );
    let g = load_model_bytes(&m).unwrap();
    assert_eq!(out_shape(&g), [2, 2]);
    assert_eq!(run(&g, &[0.0, 255.0, 7.0, 1.0]), [1.0, 256.0, 8.0, 2.0]);
}

#[test]
fn bool_mask_input_cast_and_multiplied() {
    let m = model(
        13,
        vec![
            cast(dt::FLOAT, "mask", "mf"),
            node("Mul", &["x", "mf"], &["y"], vec![]),
        ],
        vec![],
        vec![
            value_info("x", &[1, 3]),
            typed_input("mask", dt::BOOL, &[1, 3]),
        ],
        &["y"],
    );
    let g = load_model_bytes(&m).unwrap();
    let out = run_float(&g, &[vec![2.0, 3.0, 4.0], vec![1.0, 0.0, 1.0]]).unwrap();
    assert_eq!(out[0].iter().copied().collect::<Vec<_>>(), [2.0, 0.0, 4.0]);
}

#[test]
fn integer_semantics_ops_are_refused_by_name() {
    let int_model = |nodes, inits| {
        model(
            14,
            nodes,
            inits,
            vec![typed_input("t", dt::INT64, &[1, 4])],
            &["y"],
        )
    };
    // Integer Div by a run-time divisor: refused, not computed as a real
    // division.
    let m = int_model(
        vec![
            node("Div", &["t", "t"], &["d"], vec![]),
            cast(dt::FLOAT, "d", "y"),
        ],
        vec![],
    );
    let err = load_model_bytes(&m).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, OnnxError::Node { .. }), "{err:?}");
    assert!(msg.contains("(Div): reads `t`, an integer tensor"), "{msg}");
    assert!(msg.contains("Cast the tensor to float"), "{msg}");

    // The refusal follows the value through data movement.
    let m = int_model(
        vec![
            node("Unsqueeze", &["t", "ax"], &["u"], vec![]),
            node("ReduceMean", &["u"], &["y"], vec![attr_ints("axes", &[2])]),
        ],
        vec![tensor_i64("ax", &[1], &[0])],
    );
    let err = load_model_bytes(&m).unwrap_err();
    assert!(err.to_string().contains("(ReduceMean): reads `u`"), "{err}");

    // Arithmetic that wraps around in narrow or unsigned types.
    for ty in [dt::INT8, dt::UINT8, dt::INT16, dt::UINT32, dt::UINT64] {
        let m = model(
            14,
            vec![
                node("Add", &["t", "t"], &["a"], vec![]),
                cast(dt::FLOAT, "a", "y"),
            ],
            vec![],
            vec![typed_input("t", ty, &[1, 4])],
            &["y"],
        );
        let err = load_model_bytes(&m).unwrap_err().to_string();
        assert!(err.contains("wraps around on overflow"), "{err}");
    }
    // Selection is exact in every type: not refused for the type (Max on
    // run-time values may itself not be supported yet).
    let m = model(
        14,
        vec![
            node("Max", &["t", "t"], &["a"], vec![]),
            cast(dt::FLOAT, "a", "y"),
        ],
        vec![],
        vec![typed_input("t", dt::UINT8, &[1, 4])],
        &["y"],
    );
    match load_model_bytes(&m) {
        Ok(g) => assert_eq!(run(&g, &[1.0, 200.0, 3.0, 0.0]), [1.0, 200.0, 3.0, 0.0]),
        Err(e) => assert!(matches!(e, OnnxError::Unsupported { .. }), "{e}"),
    }

    // Half-precision casts.
    let m = int_model(vec![cast(dt::FLOAT16, "t", "y")], vec![]);
    let err = load_model_bytes(&m).unwrap_err();
    assert!(
        err.to_string()
            .contains("is not supported; cast to an integer type, float or double"),
        "{err}"
    );
}

/// `t` (int64, 1x4) -> nodes -> Cast(float) -> y, run on `x`.
fn run_int64(
    nodes: Vec<zkml_onnx::proto::NodeProto>,
    inits: Vec<zkml_onnx::proto::TensorProto>,
    last: &str,
    x: &[f32],
) -> Vec<f32> {
    let mut nodes = nodes;
    nodes.push(cast(dt::FLOAT, last, "y"));
    let m = model(
        14,
        nodes,
        inits,
        vec![typed_input("t", dt::INT64, &[1, 4])],
        &["y"],
    );
    let g = load_model_bytes(&m).unwrap();
    run(&g, x)
}

#[test]
fn integer_div_by_a_constant_truncates_towards_zero() {
    let y = run_int64(
        vec![node("Div", &["t", "two"], &["d"], vec![])],
        vec![tensor_i64("two", &[], &[2])],
        "d",
        &[7.0, -7.0, 6.0, -1.0],
    );
    assert_eq!(y, [3.0, -3.0, 3.0, 0.0]);
    let y = run_int64(
        vec![node("Div", &["t", "m3"], &["d"], vec![])],
        vec![tensor_i64("m3", &[], &[-3])],
        "d",
        &[7.0, -7.0, 9.0, 2.0],
    );
    assert_eq!(y, [-2.0, 2.0, -3.0, 0.0]);
}

#[test]
fn narrowing_integer_casts_wrap_around_and_widening_ones_are_the_identity() {
    let x = [300.0, -1.0, 5.0, 256.0];
    assert_eq!(
        run_int64(vec![cast(dt::UINT8, "t", "c")], vec![], "c", &x),
        [44.0, 255.0, 5.0, 0.0]
    );
    let x = [200.0, -129.0, -5.0, 128.0];
    assert_eq!(
        run_int64(vec![cast(dt::INT8, "t", "c")], vec![], "c", &x),
        [-56.0, 127.0, -5.0, -128.0]
    );
    let x = [0.0, 3.0, -2.0, 0.0];
    assert_eq!(
        run_int64(vec![cast(dt::BOOL, "t", "c")], vec![], "c", &x),
        [0.0, 1.0, 1.0, 0.0]
    );
    // bool -> int8 -> int64: both widen, no op is emitted.
    let m = model(
        14,
        vec![
            cast(dt::INT8, "b", "i8"),
            cast(dt::INT64, "i8", "i64"),
            cast(dt::FLOAT, "i64", "y"),
        ],
        vec![],
        vec![typed_input("b", dt::BOOL, &[1, 4])],
        &["y"],
    );
    let g = load_model_bytes(&m).unwrap();
    assert!(ops(&g).is_empty(), "{:?}", ops(&g));
    assert_eq!(run(&g, &[1.0, 0.0, 1.0, 1.0]), [1.0, 0.0, 1.0, 1.0]);
}

#[test]
fn int64_matmul_by_a_constant_is_exact_arithmetic() {
    // One-hot decision paths times a constant 0/1 matrix (tree exports).
    let y = run_int64(
        vec![node("MatMul", &["t", "w"], &["p"], vec![])],
        vec![tensor_i64("w", &[4, 2], &[1, 0, 1, 1, 0, 1, 2, -1])],
        "p",
        &[1.0, 2.0, 3.0, 4.0],
    );
    assert_eq!(y, [11.0, 1.0]);
}

#[test]
fn comparison_results_are_integer_too() {
    // Equal(t, 3) is boolean; a Div on it is refused even though t is cast away.
    let m = model(
        14,
        vec![
            cast(dt::FLOAT, "t", "f"),
            node("Equal", &["f", "three"], &["e"], vec![]),
            node("Div", &["e", "e"], &["y"], vec![]),
        ],
        vec![tensor("three", &[], &[3.0])],
        vec![typed_input("t", dt::INT64, &[1, 4])],
        &["y"],
    );
    let err = load_model_bytes(&m).unwrap_err();
    // Equal on run-time values may or may not be supported yet; either way
    // nothing loads silently.
    let msg = err.to_string();
    assert!(
        msg.contains("(Equal)") || msg.contains("(Div): reads `e`"),
        "{msg}"
    );
}

#[test]
fn unsupported_element_types_are_refused() {
    let m = model(
        13,
        vec![node("Identity", &["s"], &["y"], vec![])],
        vec![],
        vec![typed_input("s", dt::STRING, &[1])],
        &["y"],
    );
    let err = load_model_bytes(&m).unwrap_err();
    assert!(
        err.to_string()
            .contains("graph input `s` has element type STRING; zkml models take float"),
        "{err}"
    );
}

#[test]
fn gather_nd_by_run_time_single_coordinates() {
    // x [2, 3, 2], idx int64 [2, 2, 1], batch_dims 1: y[b, i, :] = x[b, idx[b, i, 0], :].
    let m = model(
        13,
        vec![node(
            "GatherND",
            &["x", "i"],
            &["y"],
            vec![attr_i("batch_dims", 1)],
        )],
        vec![],
        vec![
            value_info("x", &[2, 3, 2]),
            typed_input("i", dt::INT64, &[2, 2, 1]),
        ],
        &["y"],
    );
    let g = load_model_bytes(&m).unwrap();
    assert_eq!(out_shape(&g), [2, 2, 2]);
    let x: Vec<f32> = (0..12).map(|v| v as f32).collect();
    let y = run_float(&g, &[x, vec![2.0f32, -3.0, 1.0, 0.0]]).unwrap();
    let y: Vec<f32> = y[0].iter().copied().collect();
    assert_eq!(y, [4.0, 5.0, 0.0, 1.0, 8.0, 9.0, 6.0, 7.0]);
    // Two coordinates per tuple at run time: refused by name.
    let m = model(
        13,
        vec![node("GatherND", &["x", "i"], &["y"], vec![])],
        vec![],
        vec![
            value_info("x", &[2, 3, 2]),
            typed_input("i", dt::INT64, &[2, 2]),
        ],
        &["y"],
    );
    let err = load_model_bytes(&m).unwrap_err().to_string();
    assert!(
        err.contains("(GatherND)") && err.contains("tuples have 2 elements"),
        "{err}"
    );
}
