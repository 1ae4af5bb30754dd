//! `zkml verify` says which SRS it trusts: the points of a ceremony file
//! given with `--srs` (the key's must match them), or, only with
//! `--allow-insecure-srs`, the points inside vk.bin; without either it refuses
//! a key made with a local SRS (exit 2). `zkml time` says its SRS is insecure.

use std::process::Output;

mod common;
use common::{repo, text, zkml, zkml_command_as_typed, TINY_INPUT, TINY_MODEL};

fn as_typed(args: &[&str]) -> Output {
    zkml_command_as_typed(args).output().unwrap()
}

#[test]
fn verify_trusts_only_a_given_srs_or_an_explicit_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m.zkml");
    let dir = dir.to_str().unwrap();
    let proof = tmp.path().join("p.json");
    let proof = proof.to_str().unwrap();
    let o = zkml(&["setup", TINY_MODEL, "-o", dir]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkml(&["prove", dir, TINY_INPUT, "-o", proof]);
    assert!(o.status.success(), "{}", text(&o));

    // No SRS given, no flag: refused, naming the key, the cache and the way out.
    let o = as_typed(&["verify", dir, proof]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(2), "{t}");
    for needle in [
        "vk.bin",
        "INSECURE",
        "--srs FILE",
        "--allow-insecure-srs",
        "forge",
    ] {
        assert!(t.contains(needle), "lacks `{needle}`: {t}");
    }
    assert!(!t.contains("VALID"), "{t}");

    // The flag: verified, with a loud warning.
    let o = as_typed(&["verify", dir, proof, "--allow-insecure-srs", "--json"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("SRS NOT TRUSTED"), "{t}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["srs"]["trusted"], false);

    // The SRS file the key was made with: trusted, no flag needed.
    let settings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(format!("{dir}/settings.json")).unwrap()).unwrap();
    let k = settings["k"].as_u64().unwrap() as u32;
    let cached = zkml_plonk::srs::cached_file(&repo().join("target/test-srs"), k).unwrap();
    let file = tmp.path().join("ceremony.srs");
    std::fs::copy(&cached, &file).unwrap();
    let file = file.to_str().unwrap();
    let o = as_typed(&["verify", dir, proof, "--srs", file, "--json"]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(
        t.contains("SRS: trusted") && t.contains("ceremony.srs"),
        "{t}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["srs"]["trusted"], true);

    // Another SRS: refused, whatever the flag says.
    let other = tempfile::tempdir().unwrap();
    zkml_plonk::srs::generate_or_load(other.path(), k).unwrap();
    let other_file = zkml_plonk::srs::cache_path(other.path(), k);
    let other_file = other_file.to_str().unwrap();
    for extra in [&[][..], &["--allow-insecure-srs"][..]] {
        let mut args = vec!["verify", dir, proof, "--srs", other_file];
        args.extend(extra);
        let o = as_typed(&args);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(t.contains("another SRS"), "{t}");
    }

    // `--help` documents the flag and the risk.
    let o = as_typed(&["verify", "--help"]);
    let t = text(&o);
    assert!(
        t.contains("--allow-insecure-srs") && t.contains("forge"),
        "{t}"
    );
}

#[test]
fn time_says_its_srs_is_insecure() {
    let o = zkml(&["time", TINY_MODEL, TINY_INPUT]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("INSECURE"), "{t}");
    let o = zkml(&["time", TINY_MODEL, TINY_INPUT, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["srs"], "local-insecure");
}
