//! Every integer op returns a standard (row-major) layout tensor, whatever the
//! layout of its inputs. Backends lay cells out in memory order and pair them
//! with per-element constants in row-major order: a column-major result (what
//! `ndarray::concatenate` returns along a non-leading axis) once made the
//! circuit add a fused Add's constants to the wrong elements.

use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use zkml_core::{
    exec::eval_qop,
    ops::{Conv, Pool, TableFn},
    ITensor, QOp,
};

/// `0, 1, 2, …` minus an offset, shaped `shape`, in standard layout.
fn ramp(shape: &[usize], off: i64) -> ITensor {
    let n: usize = shape.iter().product();
    ArrayD::from_shape_vec(IxDyn(shape), (0..n as i64).map(|v| v - off).collect()).unwrap()
}

/// The same logical tensor stored column-major (non-standard when rank ≥ 2
/// and some dimension other than the last exceeds 1).
fn column_major(t: &ITensor) -> ITensor {
    let mut f = ArrayD::zeros(IxDyn(t.shape()).f());
    f.assign(t);
    f
}

/// Runs `op` on `inputs` as given and with every input column-major: both
/// results are standard layout and equal.
fn check(op: &QOp, inputs: &[ITensor]) {
    let refs: Vec<&ITensor> = inputs.iter().collect();
    let out = eval_qop(op, &refs);
    assert!(
        out.is_standard_layout(),
        "{} on standard inputs returned strides {:?}",
        op.name(),
        out.strides()
    );
    let f: Vec<ITensor> = inputs.iter().map(column_major).collect();
    let frefs: Vec<&ITensor> = f.iter().collect();
    let fout = eval_qop(op, &frefs);
    assert!(
        fout.is_standard_layout(),
        "{} on column-major inputs returned strides {:?}",
        op.name(),
        fout.strides()
    );
    assert_eq!(
        out,
        fout,
        "{}: the inputs' layout changed the result",
        op.name()
    );
}

#[test]
fn every_op_returns_standard_layout() {
    let x = ramp(&[1, 2, 3, 4], 10);
    let conv = Conv {
        kernel: [2, 2],
        strides: [1, 1],
        pads: [1, 0, 0, 1],
        dilations: [1, 1],
        group: 1,
    };
    check(
        &QOp::Conv { conv, shift: 2 },
        &[x.clone(), ramp(&[3, 2, 2, 2], 5), ramp(&[3], 1)],
    );
    check(
        &QOp::MatMul { shift: 1 },
        &[ramp(&[2, 3, 4], 7), ramp(&[4, 5], 3)],
    );
    for align in [[0, 0], [1, -1]] {
        check(&QOp::Add { align }, &[x.clone(), ramp(&[3, 1], 2)]);
        check(&QOp::Sub { align }, &[ramp(&[2, 1, 4], 2), x.clone()]);
    }
    check(&QOp::Mul { shift: 1 }, &[x.clone(), ramp(&[2, 1, 1], 1)]);
    check(&QOp::Relu, std::slice::from_ref(&x));
    check(
        &QOp::LeakyRelu {
            alpha: 3,
            alpha_shift: 4,
        },
        std::slice::from_ref(&x),
    );
    check(&QOp::Clip { min: -3, max: 5 }, std::slice::from_ref(&x));
    check(
        &QOp::Table {
            func: TableFn::Tanh,
            in_scale: 2,
            out_scale: 4,
            domain: None,
        },
        std::slice::from_ref(&x),
    );
    for axis in 0..4 {
        check(
            &QOp::Softmax {
                axis,
                in_scale: 2,
                exp_scale: 6,
                out_scale: 5,
            },
            std::slice::from_ref(&x),
        );
    }
    let pool = Pool {
        kernel: [2, 2],
        strides: [1, 2],
        pads: [0, 0, 1, 0],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    };
    check(&QOp::MaxPool(pool.clone()), std::slice::from_ref(&x));
    check(&QOp::AveragePool(pool), std::slice::from_ref(&x));
    check(
        &QOp::Reshape { shape: vec![6, 4] },
        std::slice::from_ref(&x),
    );
    check(
        &QOp::Transpose {
            perm: vec![0, 3, 1, 2],
        },
        std::slice::from_ref(&x),
    );
    for axis in 0..4 {
        let mut other = vec![1, 2, 3, 4];
        other[axis] = 2;
        check(
            &QOp::Concat {
                axis,
                align: vec![0, 1],
            },
            &[x.clone(), ramp(&other, 3)],
        );
    }
    check(
        &QOp::Pad {
            pads: vec![0, 1, 0, 2, 0, 0, 1, 1],
            value: -4,
        },
        std::slice::from_ref(&x),
    );
    for (axes, keepdims) in [
        (vec![1], true),
        (vec![2, 3], false),
        (vec![0, 2], true),
        (vec![3], false),
    ] {
        check(
            &QOp::ReduceSum {
                axes: axes.clone(),
                keepdims,
                shift: 1,
            },
            std::slice::from_ref(&x),
        );
        check(
            &QOp::ReduceMean { axes, keepdims },
            std::slice::from_ref(&x),
        );
    }
}

/// The example: `cat(x1[2×2], x2[2×1])` along axis 1 is row-major.
#[test]
fn concat_on_the_last_axis_is_row_major() {
    let x1 = ITensor::from_shape_vec(IxDyn(&[2, 2]), vec![1, 2, 3, 4]).unwrap();
    let x2 = ITensor::from_shape_vec(IxDyn(&[2, 1]), vec![5, 6]).unwrap();
    let out = zkml_core::ops::shape::concat(&[x1, x2], 1);
    assert!(out.is_standard_layout());
    assert_eq!(out.as_slice().unwrap(), &[1, 2, 5, 3, 4, 6]);
}
