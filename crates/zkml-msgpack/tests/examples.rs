//! The earlier zkml's example models, end to end: load, calibrate, quantize
//! with the fixed scale, execute; integers checked against an independent
//! NHWC restatement of zkml's rules (`common::run_zkml`).

mod common;

use common::{check_exact, examples_dir, run, run_zkml, softmax_zkml, T};
use zkml_core::exec::quantize_inputs;
use zkml_core::float::shape_inputs;
use zkml_msgpack::format::{decode_input, decode_model, ModelFile};
use zkml_msgpack::{load_input, load_model, MsgpackError, MsgpackModel};

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

#[test]
fn mnist_matches_zkml_and_predicts_5() {
    let Some(dir) = examples_dir() else { return };
    let model = load_model(dir.join("mnist/model.msgpack")).unwrap();
    assert_eq!(model.global_scale, 9);
    let input = load_input(dir.join("mnist/inp.msgpack"), &model).unwrap();
    assert_eq!(input.len(), 1);
    assert_eq!(input[0].len(), 28 * 28);
    let r = run(&model, &input);

    // The quantized input is exactly the file's integers.
    let inp_file = decode_input(&std::fs::read(dir.join("mnist/inp.msgpack")).unwrap()).unwrap();
    let x = shape_inputs(&model.graph, &input).unwrap();
    let qx: Vec<i64> = quantize_inputs(&r.q, &x)[0].iter().copied().collect();
    assert_eq!(qx, inp_file[0].data);

    // Every layer's integers equal zkml's.
    let file = decode_model(&std::fs::read(dir.join("mnist/model.msgpack")).unwrap()).unwrap();
    let reference = run_zkml(&file, &[T::from_file(&inp_file[0])]);
    assert_eq!(check_exact(&file, &r, &reference), file.layers.len());

    let out_q: Vec<i64> = r.trace.outputs(&r.q)[0].iter().copied().collect();
    let out = &r.trace.dequantized_outputs(&r.q)[0];
    eprintln!("mnist integer output (scale 2^-9): {out_q:?}");
    eprintln!("mnist output: {out:.4?}");
    assert_eq!(r.q.values[r.q.outputs[0]].shape, [1, 1, 1, 10]);
    assert_eq!(argmax(out), 5);

    let fl: Vec<f64> = r.float_out[0].iter().map(|&v| v as f64).collect();
    eprintln!("mnist float output: {fl:.4?}");
    assert_eq!(argmax(&fl), 5);
    let peak = fl.iter().fold(0f64, |m, v| m.max(v.abs()));
    let err = fl
        .iter()
        .zip(out)
        .fold(0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        err <= 0.02 * peak,
        "float vs integer: max error {err} > 2% of {peak}"
    );
}

/// Deterministic pseudo-random integers in `[-sf, sf]`.
fn lcg_input(n: usize, sf: i64, seed: u64) -> Vec<i64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % (2 * sf as u64 + 1)) as i64 - sf
        })
        .collect()
}

fn check_v2(dir: &std::path::Path, model: &MsgpackModel, xq: Vec<i64>) {
    let sf = model.global_sf();
    let input = vec![xq
        .iter()
        .map(|&q| q as f32 / sf as f32)
        .collect::<Vec<f32>>()];
    let r = run(model, &input);
    let file =
        decode_model(&std::fs::read(dir.join("v2_1.0_224_truncated/model.msgpack")).unwrap())
            .unwrap();
    let reference = run_zkml(
        &file,
        &[T {
            shape: vec![1, 7, 7, 320],
            data: xq,
        }],
    );
    // Conv2D, AveragePool2D, Conv2D, Reshape: bit-exact.
    assert_eq!(check_exact(&file, &r, &reference), 4);
    // Softmax: zkml-core's rule, within a few units of zkml's.
    let logits = &reference[&file.layers[4].inp_idxes[0]];
    let zk = softmax_zkml(logits, sf);
    let ours: Vec<i64> = r.trace.outputs(&r.q)[0].iter().copied().collect();
    let diff = zk
        .data
        .iter()
        .zip(&ours)
        .map(|(a, b)| (a - b).abs())
        .max()
        .unwrap();
    eprintln!("v2 softmax: max |zkml − zkml-core| = {diff} units of 2^-17");
    assert!(diff <= 16, "softmax differs from zkml's by {diff} units");
    let out = &r.trace.dequantized_outputs(&r.q)[0];
    let fl: Vec<f64> = r.float_out[0].iter().map(|&v| v as f64).collect();
    let err = fl
        .iter()
        .zip(out)
        .fold(0f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(err < 1e-3, "float vs integer softmax: {err}");
}

#[test]
fn mobilenet_v2_tail_loads_and_runs() {
    let Some(dir) = examples_dir() else { return };
    let model = load_model(dir.join("v2_1.0_224_truncated/model.msgpack")).unwrap();
    assert_eq!(model.global_scale, 17);
    assert_eq!(
        model.graph.values[model.graph.inputs[0]].shape,
        [1, 7, 7, 320]
    );
    assert_eq!(model.graph.values[model.graph.outputs[0]].shape, [1, 102]);
    // No input file ships with it: a deterministic one.
    check_v2(&dir, &model, lcg_input(7 * 7 * 320, model.global_sf(), 7));
    // train_graph/ holds the same model and a real input (idx 0).
    let p = dir.join("train_graph/input.msgpack");
    if p.exists() {
        let input = load_input(&p, &model).unwrap();
        let q = input[0]
            .iter()
            .map(|&v| (v * model.global_sf() as f32) as i64)
            .collect();
        check_v2(&dir, &model, q);
    }
}

#[test]
fn truncated_example_bytes_are_errors() {
    let Some(dir) = examples_dir() else { return };
    let bytes = std::fs::read(dir.join("mnist/model.msgpack")).unwrap();
    for cut in (0..bytes.len()).step_by(53) {
        assert!(
            matches!(
                zkml_msgpack::load_model_bytes(&bytes[..cut]),
                Err(MsgpackError::Decode { .. })
            ),
            "prefix of {cut} bytes"
        );
    }
    // Flipped bytes: an error or a model, never a panic.
    for i in (0..bytes.len()).step_by(41) {
        let mut b = bytes.clone();
        b[i] ^= 0x5a;
        let _ = zkml_msgpack::load_model_bytes(&b);
    }
    let model = load_model(dir.join("mnist/model.msgpack")).unwrap();
    let inp = std::fs::read(dir.join("mnist/inp.msgpack")).unwrap();
    for cut in (0..inp.len()).step_by(17) {
        assert!(zkml_msgpack::load_input_bytes(&inp[..cut], &model).is_err());
    }
}

/// Layer types per example and which are unsupported (the README table).
#[test]
fn example_layer_support() {
    let Some(dir) = examples_dir() else { return };
    let cases: &[(&str, &[&str])] = &[
        ("mnist/model.msgpack", &[]),
        ("mnist/config.msgpack", &[]),
        ("v2_1.0_224_truncated/model.msgpack", &[]),
        ("train_graph/train.msgpack", &[]),
        ("twitter/config.msgpack", &[]),
        ("nlp/clip/config.msgpack", &[]),
        ("nlp/gpt-2/config.msgpack", &[]),
    ];
    for (path, want) in cases {
        let bytes = std::fs::read(dir.join(path)).unwrap();
        let file = decode_model(&bytes).unwrap();
        let mut types: Vec<&str> = file.layers.iter().map(|l| l.layer_type.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        eprintln!("{path}: {types:?}");
        let unsupported: Vec<&str> = types
            .iter()
            .copied()
            .filter(|t| !zkml_msgpack::is_supported(t))
            .collect();
        assert_eq!(&unsupported, want, "{path}");
        match zkml_msgpack::load_model_bytes(&bytes) {
            Ok(_) => assert!(want.is_empty(), "{path} loaded"),
            Err(e @ MsgpackError::Unsupported { .. }) => {
                assert!(!want.is_empty(), "{path}: {e}");
                let msg = e.to_string();
                eprintln!("{path}: {}", &msg[..msg.len().min(400)]);
            }
            // config.msgpack files describe layers without weights (and
            // GPT-2's lists a stale input index): they load once completed,
            // see `language_and_ranking_configs_convert_with_weights`.
            Err(e) if path.ends_with("config.msgpack") => eprintln!("{path}: {e}"),
            Err(e) => panic!("{path}: {e}"),
        }
    }
}

/// A config file with every weight it lacks filled in: each constant a layer
/// reads (declared in `tensors` without data, or not declared at all) gets
/// pseudo-random data of the shape the layer declares, small enough that
/// activations stay in range.
fn with_random_weights(bytes: &[u8]) -> ModelFile {
    let mut file = decode_model(bytes).unwrap();
    let mut defined: std::collections::HashSet<i64> = file.inp_idxes.iter().copied().collect();
    let mut declared: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    for (k, t) in file.tensors.iter().enumerate() {
        declared.insert(t.idx, k);
    }
    let mut seed = 1u64;
    let sf = file.global_sf;
    let mut fill = |shape: &[i64]| -> Vec<i64> {
        let n: i64 = shape.iter().product::<i64>().max(1);
        (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // w in [1, sf/32]: positive (a LayerNorm's ε stays positive),
                // at most 1/32.
                1 + ((seed >> 33) as i64 % (sf / 32).max(1))
            })
            .collect()
    };
    let layers = file.layers.clone();
    for l in &layers {
        for (k, &i) in l.inp_idxes.iter().enumerate() {
            if defined.contains(&i) {
                continue;
            }
            let shape = l.inp_shapes.get(k).cloned().unwrap_or_default();
            match declared.get(&i) {
                Some(&t) if file.tensors[t].data.is_empty() => {
                    let s = file.tensors[t].shape.clone();
                    file.tensors[t].data = fill(&s);
                }
                Some(_) => {}
                None => {
                    declared.insert(i, file.tensors.len());
                    file.tensors.push(zkml_msgpack::format::TensorFile {
                        idx: i,
                        data: fill(&shape),
                        shape,
                    });
                }
            }
            defined.insert(i);
        }
        defined.extend(l.out_idxes.iter().copied());
    }
    file
}

/// The weightless configs of the earlier zkml's Twitter ranking model, CLIP
/// and GPT-2 convert once weights are supplied (random here: the files ship
/// none), and the float graph runs on the example's own input (Twitter here;
/// CLIP and GPT-2, minutes in the float executor, in the ignored test below).
#[test]
fn language_and_ranking_configs_convert_with_weights() {
    let Some(dir) = examples_dir() else { return };
    for (cfg, inp) in [
        ("nlp/clip/config.msgpack", "nlp/clip/inp.msgpack"),
        ("nlp/gpt-2/config.msgpack", "nlp/gpt-2/inp.msgpack"),
    ] {
        let model = complete_config(&dir, cfg, inp);
        load_input(dir.join(inp), &model).unwrap_or_else(|e| panic!("{inp}: {e}"));
        eprintln!("{cfg}: {} nodes", model.graph.nodes.len());
    }
    run_config(&dir, "twitter/config.msgpack", "twitter/inp1.msgpack");
}

/// CLIP's and GPT-2's float graphs run (minutes: `cargo test -- --ignored`).
#[test]
#[ignore]
fn clip_and_gpt2_configs_run_with_weights() {
    let Some(dir) = examples_dir() else { return };
    run_config(&dir, "nlp/clip/config.msgpack", "nlp/clip/inp.msgpack");
    run_config(&dir, "nlp/gpt-2/config.msgpack", "nlp/gpt-2/inp.msgpack");
}

/// Config `cfg` with random weights, its input list taken from `inp`.
fn complete_config(dir: &std::path::Path, cfg: &str, inp: &str) -> MsgpackModel {
    {
        let mut file = decode_model(&std::fs::read(dir.join(cfg)).unwrap()).unwrap();
        // GPT-2's config lists input 7, which no layer reads; its input file
        // (the embedded tokens) is tensor 2236, the first layer's operand.
        let inputs = decode_input(&std::fs::read(dir.join(inp)).unwrap()).unwrap();
        file.inp_idxes = inputs.iter().map(|t| t.idx).collect();
        let file = with_random_weights(&rmp_serde::to_vec_named(&file).unwrap());
        let model = zkml_msgpack::convert_model(&file).unwrap_or_else(|e| panic!("{cfg}: {e}"));
        model
    }
}

/// Completes `cfg` and runs its float graph on `inp`: finite outputs.
fn run_config(dir: &std::path::Path, cfg: &str, inp: &str) {
    let model = complete_config(dir, cfg, inp);
    let input = load_input(dir.join(inp), &model).unwrap_or_else(|e| panic!("{inp}: {e}"));
    let out = zkml_core::run_float(&model.graph, &input).unwrap_or_else(|e| panic!("{cfg}: {e}"));
    let n: usize = out.iter().map(|t| t.len()).sum();
    assert!(
        n > 0 && out.iter().all(|t| t.iter().all(|v| v.is_finite())),
        "{cfg}: non-finite outputs"
    );
    eprintln!("{cfg}: {} nodes, {n} outputs", model.graph.nodes.len());
}
