//! Every command that does field arithmetic refuses cleanly (exit 2, a message
//! naming the missing instructions) on a CPU without BMI2/ADX — including
//! `zkml setup`, which goes through `setup_with_plan` rather than the
//! `Backend` trait. The CPU is simulated by `ZKML_ASSUME_CPU_WITHOUT_ADX`.

mod common;
use common::{text, zkml, zkml_with, TINY_INPUT, TINY_MODEL};

const NO_ADX: &[(&str, &str)] = &[("ZKML_ASSUME_CPU_WITHOUT_ADX", "1")];

fn assert_refused(o: &std::process::Output, what: &str) {
    let t = text(o);
    assert_eq!(o.status.code(), Some(2), "{what}: {t}");
    assert!(t.contains("BMI2 and ADX"), "{what}: {t}");
    assert!(!t.contains("panicked"), "{what}: {t}");
}

#[test]
fn every_entry_point_checks_the_cpu() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m.zkml");
    let dir = dir.to_str().unwrap();
    let proof = tmp.path().join("p.json");
    let proof = proof.to_str().unwrap();
    let opening = tmp.path().join("o.json");
    let opening = opening.to_str().unwrap();

    let o = zkml_with(&["setup", TINY_MODEL, "-o", dir], NO_ADX);
    assert_refused(&o, "setup");
    assert!(!std::path::Path::new(dir).exists(), "setup left {dir}");

    let o = zkml(&["setup", TINY_MODEL, "-o", dir]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkml(&["prove", dir, TINY_INPUT, "-o", proof]);
    assert!(o.status.success(), "{}", text(&o));

    assert_refused(
        &zkml_with(&["prove", dir, TINY_INPUT, "-o", proof], NO_ADX),
        "prove",
    );
    assert_refused(&zkml_with(&["verify", dir, proof], NO_ADX), "verify");
    assert_refused(
        &zkml_with(&["commit", dir, "-o", opening], NO_ADX),
        "commit",
    );
    assert_refused(
        &zkml_with(&["time", TINY_MODEL, TINY_INPUT], NO_ADX),
        "time",
    );
}
