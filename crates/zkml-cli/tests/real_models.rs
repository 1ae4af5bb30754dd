//! Proves end to end (`zkml setup`, `prove`, `verify`) the real trained models
//! that the manifest `crates/zkml-onnx/tests/real-models.txt` marks
//! `runs  prove` (in CI) or `runs  prove-slow` (an `#[ignore]`d test, run by
//! `scripts/prove-real-models.sh`), on each model's smaller
//! `prove_input.json` (written by `scripts/fetch-real-models.sh`), with the
//! manifest's quantization flags, or none (automatic precision). A model not
//! fetched is skipped with the reason printed, unless
//! `ZKML_REQUIRE_REAL_MODELS` is set. A manifest option `segment_k=N` sets
//! up the model in segments of `2^N` rows (`zkml setup --segment-k N`: one
//! key pair and proof per segment, chained by boundary commitments), for a
//! model whose one circuit would not fit the machine's memory.
//! `ZKML_REAL_MODELS=id,id` limits a run to those models.

mod common;

use std::time::Instant;

use common::{repo, text, zkml};

/// The ids the manifest marks `runs  MARKER`, with the zkml flags for their
/// quantization options (`weight_bits=14` → `--weight-bits 14`, `per_tensor`
/// → `--per-tensor-weights`; none: automatic precision).
fn to_prove(marker: &str) -> Vec<(String, Vec<String>)> {
    let manifest =
        std::fs::read_to_string(repo().join("crates/zkml-onnx/tests/real-models.txt")).unwrap();
    manifest
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l
                .split("  ")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            let opts: Vec<&str> = f
                .get(2..)?
                .iter()
                .flat_map(|o| o.split_whitespace())
                .collect();
            if f[1] != "runs" || !opts.contains(&marker) {
                return None;
            }
            let mut flags: Vec<String> = opts
                .iter()
                .filter_map(|o| o.split_once('='))
                .flat_map(|(k, v)| [format!("--{}", k.replace('_', "-")), v.to_string()])
                .collect();
            if opts.contains(&"per_tensor") {
                flags.push("--per-tensor-weights".into());
            }
            Some((f[0].to_string(), flags))
        })
        .collect()
}

#[test]
fn real_models_marked_prove_are_proven_and_verified() {
    prove_marked("prove");
}

/// The heavy ones (k ≥ 20; tens of minutes on 2 cores): run by
/// `scripts/prove-real-models.sh`, which records time and memory.
#[test]
#[ignore = "heavy (k = 20 proofs): scripts/prove-real-models.sh runs it"]
fn real_models_marked_prove_slow_are_proven_and_verified() {
    prove_marked("prove-slow");
}

fn prove_marked(marker: &str) {
    let ids = to_prove(marker);
    if ids.is_empty() {
        eprintln!("no real model is marked `runs  {marker}` in real-models.txt yet");
        return;
    }
    let require = std::env::var_os("ZKML_REQUIRE_REAL_MODELS").is_some();
    let only: Option<Vec<String>> = std::env::var("ZKML_REAL_MODELS")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).collect());
    for (id, flags) in ids {
        if only.as_ref().is_some_and(|o| !o.contains(&id)) {
            continue;
        }
        let dir = repo().join(".cache/real-models").join(&id);
        let input = dir.join("prove_input.json");
        if !input.exists() {
            let msg = format!(
                "real model `{id}` not fetched ({} missing): run scripts/fetch-real-models.sh",
                input.display()
            );
            assert!(!require, "{msg} (ZKML_REQUIRE_REAL_MODELS is set)");
            eprintln!("skipping: {msg}");
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        let keys = tmp.path().join("keys");
        let proof = tmp.path().join("proof.json");
        let (model, input, keys_s, proof_s) = (
            dir.join("model.onnx"),
            input.to_str().unwrap().to_string(),
            keys.to_str().unwrap().to_string(),
            proof.to_str().unwrap().to_string(),
        );
        let t = Instant::now();
        let mut args = vec![
            "setup",
            model.to_str().unwrap(),
            "--calibration",
            &input,
            "-o",
            &keys_s,
        ];
        args.extend(flags.iter().map(String::as_str));
        let o = zkml(&args);
        assert!(o.status.success(), "`{id}` setup: {}", text(&o));
        let t_setup = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let o = zkml(&["prove", &keys_s, &input, "-o", &proof_s]);
        assert!(o.status.success(), "`{id}` prove: {}", text(&o));
        let t_prove = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let o = zkml(&["verify", &keys_s, &proof_s]);
        assert_eq!(o.status.code(), Some(0), "`{id}` verify: {}", text(&o));
        let t_verify = t.elapsed().as_secs_f64();
        eprintln!(
            "real model `{id}`: setup {t_setup:.0} s, prove {t_prove:.0} s, verify \
             {t_verify:.1} s, verified"
        );
    }
}
