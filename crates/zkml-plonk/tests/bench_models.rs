//! Benchmark models (ignored by default; run with
//! `cargo test -p zkml-plonk --release --test bench_models -- --ignored --nocapture`):
//! plan, setup, prove, verify, with times and sizes.

use std::time::Instant;

use ndarray::{ArrayD, IxDyn};
use zkml_core::{
    backend::{Backend, SetupOptions, Vis, Visibility},
    exec::execute,
    float::shape_inputs,
    ops::{Conv, Pool},
    quant::{calibrate, quantize, QuantConfig},
    FTensor, Graph, Op, QGraph, Trace,
};
use zkml_plonk::{plan, PlonkBackend};

fn det(shape: &[usize], seed: u64, scale: f32) -> FTensor {
    let n: usize = shape.iter().product();
    let mut s = seed.wrapping_mul(6364136223846793005) ^ 0x9e3779b97f4a7c15;
    let v = (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) as f64 / (1u64 << 31) as f64 * 2.0 - 1.0) as f32 * scale
        })
        .collect();
    ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
}

/// This process's CPU seconds (user + system), from /proc/self/stat.
fn cpu_s() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn run(name: &str, q: &QGraph, t: &Trace) {
    run_vis(name, q, t, Visibility::default())
}

fn run_vis(name: &str, q: &QGraph, t: &Trace, vis: Visibility) {
    let be = PlonkBackend {
        srs_dir: std::env::temp_dir().join("zkml-plonk-test-srs"),
        srs_file: None,
        matrix_check: true,
    };
    let s = Instant::now();
    let p = plan(q, &vis, None).unwrap();
    println!("== {name}: plan in {:.2?}\n{p}", s.elapsed());
    let s = Instant::now();
    let opts = SetupOptions {
        visibility: vis,
        k: None,
    };
    let (pk, vk) = be.setup(q, &opts).unwrap();
    println!("{name}: setup (SRS + keygen) {:.2?}", s.elapsed());
    let s = Instant::now();
    let c0 = cpu_s();
    let (proof, public) = be.prove(&pk, q, t).unwrap();
    let tp = s.elapsed();
    let cpu = cpu_s() - c0;
    let s = Instant::now();
    be.verify(&vk, &public, &proof).unwrap();
    let tv = s.elapsed();
    println!(
        "{name}: k={} advice={} lookups={} prove {:.2?} ({cpu:.1} CPU-s) verify {:.2?} proof {} B vk {} B",
        pk.plan.k,
        pk.plan.advice_columns,
        pk.plan.lookups,
        tp,
        tv,
        proof.to_bytes().len(),
        vk.to_bytes().len()
    );
}

fn dense(g: &mut Graph, x: usize, i: usize, o: usize, tag: &str, relu: bool) -> usize {
    let w = g.add_const(
        format!("w{tag}"),
        det(&[i, o], 7 + o as u64, (2.0 / i as f32).sqrt()),
    );
    let b = g.add_const(format!("b{tag}"), det(&[o], 9, 0.1));
    let m = g
        .add_node(
            format!("mm{tag}"),
            Op::MatMul,
            vec![x, w],
            format!("m{tag}"),
        )
        .unwrap();
    let a = g
        .add_node(format!("add{tag}"), Op::Add, vec![m, b], format!("a{tag}"))
        .unwrap();
    if relu {
        g.add_node(format!("relu{tag}"), Op::Relu, vec![a], format!("r{tag}"))
            .unwrap()
    } else {
        a
    }
}

fn conv(g: &mut Graph, x: usize, cin: usize, cout: usize, k: usize, tag: &str) -> usize {
    let w = g.add_const(
        format!("cw{tag}"),
        det(
            &[cout, cin, k, k],
            3 + cout as u64,
            (2.0 / (cin * k * k) as f32).sqrt(),
        ),
    );
    let b = g.add_const(format!("cb{tag}"), det(&[cout], 5, 0.05));
    let c = Conv {
        kernel: [k, k],
        strides: [1, 1],
        pads: [0; 4],
        dilations: [1, 1],
        group: 1,
    };
    g.add_node(
        format!("conv{tag}"),
        Op::Conv(c),
        vec![x, w, b],
        format!("c{tag}"),
    )
    .unwrap()
}

fn quantize_run(g: &Graph, shape: &[usize]) -> (QGraph, Trace) {
    let samples: Vec<Vec<FTensor>> = (0..3)
        .map(|s| vec![det(shape, 100 + s, 1.0).mapv(f32::abs)])
        .collect();
    let cal = calibrate(g, &samples).unwrap();
    let q = quantize(g, &cal, &QuantConfig::default()).unwrap();
    let t = execute(&q, &samples[0]).unwrap();
    (q, t)
}

#[test]
#[ignore]
fn bench_mlp() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 784]);
    let h = dense(&mut g, x, 784, 128, "1", true);
    let o = dense(&mut g, h, 128, 10, "2", false);
    g.add_output(o);
    let (q, t) = quantize_run(&g, &[1, 784]);
    run("mlp 784-128-10", &q, &t);
}

#[test]
#[ignore]
fn bench_lenet() {
    let mut g = Graph::new();
    let x = g.add_input("x", vec![1, 1, 28, 28]);
    let pool = Pool {
        kernel: [2, 2],
        strides: [2, 2],
        pads: [0; 4],
        dilations: [1, 1],
        ceil_mode: false,
        count_include_pad: false,
    };
    let c1 = conv(&mut g, x, 1, 6, 5, "1");
    let r1 = g.add_node("r1", Op::Relu, vec![c1], "r1").unwrap();
    let p1 = g
        .add_node("p1", Op::AveragePool(pool.clone()), vec![r1], "p1")
        .unwrap();
    let c2 = conv(&mut g, p1, 6, 16, 5, "2");
    let r2 = g.add_node("r2", Op::Relu, vec![c2], "r2").unwrap();
    let p2 = g
        .add_node("p2", Op::AveragePool(pool), vec![r2], "p2")
        .unwrap();
    let f = g
        .add_node(
            "fl",
            Op::Reshape {
                shape: vec![1, 256],
            },
            vec![p2],
            "fl",
        )
        .unwrap();
    let d1 = dense(&mut g, f, 256, 120, "1", true);
    let d2 = dense(&mut g, d1, 120, 84, "2", true);
    let d3 = dense(&mut g, d2, 84, 10, "3", false);
    g.add_output(d3);
    let (q, t) = quantize_run(&g, &[1, 1, 28, 28]);
    run("lenet", &q, &t);
}

/// The earlier zkml's MNIST CNN (msgpack), if the examples are present
/// (`ZKML_EXAMPLES`, default `/work/shared/anchors/zkml-examples`).
#[test]
#[ignore]
fn bench_zkml_mnist() {
    let dir = std::env::var("ZKML_EXAMPLES")
        .unwrap_or_else(|_| "/work/shared/anchors/zkml-examples".into());
    let dir = std::path::PathBuf::from(dir).join("mnist");
    if !dir.exists() {
        eprintln!("no {}", dir.display());
        return;
    }
    let model = zkml_msgpack::load_model(dir.join("model.msgpack")).unwrap();
    let input = zkml_msgpack::load_input(dir.join("inp.msgpack"), &model).unwrap();
    let x = shape_inputs(&model.graph, &input).unwrap();
    let cal = calibrate(&model.graph, std::slice::from_ref(&x)).unwrap();
    let q = quantize(&model.graph, &cal, &model.quant_config()).unwrap();
    let t = execute(&q, &x).unwrap();
    for n in &q.nodes {
        print!("{} ", n.op.name());
    }
    println!("\nact_bits {}", q.act_bits);
    run("zkml mnist (msgpack)", &q, &t);
    if std::env::var_os("ZKML_BENCH_PRIVATE").is_some() {
        let vis = Visibility {
            weights: Vis::Private,
            ..Visibility::default()
        };
        run_vis("zkml mnist (msgpack), private weights", &q, &t, vis);
    }
}
