//! Helpers shared by the CLI test files.
#![allow(dead_code)] // each test file uses part of the helpers

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// `../shared` beside the checkout (the earlier zkml's examples, the benchmark
/// model script), if present. Under CI (`ZKML_REQUIRE_ONNX_CASES` set) it must be.
pub fn shared() -> Option<PathBuf> {
    let p = repo().join("../shared");
    if p.join("anchors").is_dir() && p.join("bench").is_dir() {
        return Some(p);
    }
    assert!(
        std::env::var_os("ZKML_REQUIRE_ONNX_CASES").is_none(),
        "../shared is missing under CI"
    );
    eprintln!("skipping: ../shared is not beside this checkout");
    None
}

/// Writes the benchmark models of `../shared/bench/make_models.py` (mlp,
/// lenet, cifar_cnn; each `model.onnx` + `input.json`) into a temporary
/// directory, with the project's Python (scripts/pyenv.sh). `None` (test
/// skipped) when `../shared` or `.venv` is missing outside CI.
pub fn bench_models() -> Option<tempfile::TempDir> {
    let shared = shared()?;
    let py = repo().join(".venv/bin/python");
    if !py.exists() {
        assert!(
            std::env::var_os("ZKML_REQUIRE_ONNX_CASES").is_none(),
            "scripts/pyenv.sh did not create .venv"
        );
        eprintln!("skipping: run scripts/pyenv.sh first");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let made = Command::new(&py)
        .arg(shared.join("bench/make_models.py"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    Some(dir)
}

/// Runs the `zkml` binary in the repository root, with one SRS cache for the
/// whole suite (generated once per k).
pub fn zkml(args: &[&str]) -> std::process::Output {
    zkml_with(args, &[])
}

/// As [`zkml`], with extra environment variables.
pub fn zkml_with(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    zkml_command(args)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// The command [`zkml`] runs (for tests that spawn and signal it). The
/// suite's keys are made with local SRSs: `verify` without `--srs` gets
/// `--allow-insecure-srs` (the trust decision itself is tested with
/// [`zkml_command_as_typed`]).
pub fn zkml_command(args: &[&str]) -> Command {
    let mut c = zkml_command_as_typed(args);
    if args.first() == Some(&"verify") && !args.contains(&"--srs") {
        c.arg("--allow-insecure-srs");
    }
    c
}

/// The `zkml` command with exactly `args`.
pub fn zkml_command_as_typed(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_zkml"));
    c.args(args)
        .current_dir(repo())
        .env("ZKML_SRS_DIR", repo().join("target/test-srs"));
    c
}

/// The small two-layer MLP fixture and an input for it.
pub const TINY_MODEL: &str = "crates/zkml-cli/tests/fixtures/tiny_mlp.onnx";
/// An input for [`TINY_MODEL`].
pub const TINY_INPUT: &str = "crates/zkml-cli/tests/fixtures/tiny_mlp_input.json";

/// A run's stdout then stderr.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A path as a `String` (test paths are UTF-8).
pub fn s(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

/// Reads a JSON file.
pub fn read_json<P: AsRef<Path> + ?Sized>(p: &P) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p.as_ref()).unwrap()).unwrap()
}

/// Writes `v` as JSON to `dir/name`; returns the path.
pub fn write_json(dir: &Path, name: &str, v: &serde_json::Value) -> String {
    let p = s(&dir.join(name));
    std::fs::write(&p, serde_json::to_string(v).unwrap()).unwrap();
    p
}

/// Asserts a verifier's rejection: exit code 1, `REJECTED` and `needle` in
/// the output, no panic.
pub fn assert_rejected(o: &std::process::Output, needle: &str) {
    assert_eq!(o.status.code(), Some(1), "expected rejection: {}", text(o));
    let t = text(o);
    assert!(t.contains("REJECTED") && t.contains(needle), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

/// `zkml verify dir proof` rejects copies of the proof file (written to
/// `scratch`) with one hex digit of the proof bytes flipped: in the header, a
/// commitment, the middle and the last byte.
pub fn assert_flipped_proof_bytes_rejected(dir: &str, proof: &str, scratch: &Path) {
    let mut v = read_json(proof);
    let h = v["proof"].as_str().unwrap().to_string();
    for pos in [4, 200, h.len() / 2, h.len() / 2 + 1, h.len() - 2] {
        let mut b = h.clone().into_bytes();
        b[pos] = if b[pos] == b'0' { b'1' } else { b'0' };
        v["proof"] = serde_json::Value::String(String::from_utf8(b).unwrap());
        let p = write_json(scratch, &format!("flipped{pos}.json"), &v);
        assert_rejected(&zkml(&["verify", dir, &p]), "");
    }
}

/// `zkml verify dir proof` rejects copies of the proof file (written to
/// `scratch`) with public output `[0][3]` or public input `[0][300]` plus one.
pub fn assert_changed_public_values_rejected(dir: &str, proof: &str, scratch: &Path) {
    for (group, i) in [("outputs", 3), ("inputs", 300)] {
        let mut v = read_json(proof);
        let x = v["public"][group][0][i].as_i64().unwrap();
        v["public"][group][0][i] = serde_json::Value::from(x + 1);
        let p = write_json(scratch, &format!("changed_{group}.json"), &v);
        assert_rejected(&zkml(&["verify", dir, &p]), "");
    }
}

/// The setup `other_dir` (another statement) rejects `proof` by name, and
/// still rejects it with its model hash edited to match (copy in `scratch`).
pub fn assert_foreign_key_rejects(other_dir: &str, proof: &str, scratch: &Path) {
    assert_rejected(&zkml(&["verify", other_dir, proof]), "another model");
    let mut v = read_json(proof);
    let other = read_json(&format!("{other_dir}/settings.json"));
    v["model_hash"] = other["model_hash"].clone();
    let p = write_json(scratch, "rehashed.json", &v);
    assert_rejected(&zkml(&["verify", other_dir, &p]), "");
}
