//! `zkml setup`, `prove`, `commit` and SRS generation killed (SIGKILL or
//! SIGINT) at seeded random moments leave no partial output: the output path
//! does not exist or is complete and valid, and the SRS cache is never corrupt
//! (every cached file loads, and a later run uses or regenerates it).
//!
//! `ZKML_INTERRUPT_SEED` (default 7) picks the delays and signals.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{s, text, zkml, zkml_command, TINY_INPUT, TINY_MODEL};

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn spawn(args: &[&str], env: &[(&str, &str)]) -> Child {
    zkml_command(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// How long `args` takes uninterrupted (the range the kill delays cover).
fn duration(args: &[&str], env: &[(&str, &str)]) -> Duration {
    let t = Instant::now();
    let o = spawn(args, env).wait_with_output().unwrap();
    assert!(o.status.success(), "{args:?}");
    t.elapsed()
}

/// Starts `args`, sends SIGKILL or SIGINT after a random part of `span`,
/// waits for it; returns what was sent and whether it had finished first.
fn interrupt(rng: &mut Rng, args: &[&str], env: &[(&str, &str)], span: Duration) -> String {
    let mut child = spawn(args, env);
    let delay = Duration::from_micros(rng.next() % (span.as_micros() as u64 + 1));
    std::thread::sleep(delay);
    let sig = if rng.next().is_multiple_of(2) {
        "KILL"
    } else {
        "INT"
    };
    let finished = child.try_wait().unwrap().is_some();
    if !finished {
        let ok = std::process::Command::new("kill")
            .args([format!("-{sig}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(ok.success());
    }
    let status = child.wait().unwrap();
    format!(
        "SIG{sig} after {} ms (finished first: {finished}, status {status})",
        delay.as_millis()
    )
}

/// No temporary file of ours may stand where the output should be.
fn assert_no_partial(dir: &Path, name: &str, case: &str) {
    let p = dir.join(name);
    if p.exists() && p.is_file() {
        assert!(
            std::fs::metadata(&p).unwrap().len() > 0,
            "{case}: empty {name}"
        );
    }
}

#[test]
fn killed_commands_leave_no_partial_output() {
    let seed: u64 = std::env::var("ZKML_INTERRUPT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut rng = Rng(seed);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let base = s(&root.join("base.zkml"));
    let o = zkml(&["setup", TINY_MODEL, "-o", &base]);
    assert!(o.status.success(), "{}", text(&o));

    // setup: the directory is absent or proves and verifies.
    let out = s(&root.join("s.zkml"));
    let span = duration(&["setup", TINY_MODEL, "-o", &out], &[]);
    std::fs::remove_dir_all(&out).unwrap();
    for i in 0..4 {
        let case = interrupt(&mut rng, &["setup", TINY_MODEL, "-o", &out], &[], span);
        let case = format!("seed {seed} setup #{i}: {case}");
        if Path::new(&out).exists() {
            for f in [
                "settings.json",
                "model.json",
                "pk.bin",
                "vk.bin",
                "source.onnx",
            ] {
                assert!(Path::new(&out).join(f).is_file(), "{case}: {f} missing");
            }
            let proof = s(&root.join("sp.json"));
            let o = zkml(&["prove", &out, TINY_INPUT, "-o", &proof]);
            assert!(o.status.success(), "{case}: {}", text(&o));
            let o = zkml(&["verify", &out, &proof]);
            assert!(o.status.success(), "{case}: {}", text(&o));
            std::fs::remove_dir_all(&out).unwrap();
        }
    }

    // prove: the proof is absent or verifies.
    let proof = s(&root.join("p.json"));
    let span = duration(&["prove", &base, TINY_INPUT, "-o", &proof], &[]);
    std::fs::remove_file(&proof).unwrap();
    for i in 0..4 {
        let case = interrupt(
            &mut rng,
            &["prove", &base, TINY_INPUT, "-o", &proof],
            &[],
            span,
        );
        let case = format!("seed {seed} prove #{i}: {case}");
        assert_no_partial(root, "p.json", &case);
        if Path::new(&proof).exists() {
            let o = zkml(&["verify", &base, &proof]);
            assert!(o.status.success(), "{case}: {}", text(&o));
            std::fs::remove_file(&proof).unwrap();
        }
    }

    // commit: the opening is absent or a complete opening file.
    let opening = s(&root.join("o.json"));
    let span = duration(&["commit", &base, "-o", &opening], &[]);
    std::fs::remove_file(&opening).unwrap();
    for i in 0..4 {
        let case = interrupt(&mut rng, &["commit", &base, "-o", &opening], &[], span);
        let case = format!("seed {seed} commit #{i}: {case}");
        if Path::new(&opening).exists() {
            let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&opening).unwrap())
                .unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_eq!(v["format"], "zkml-opening", "{case}");
            assert!(v["weights"]["blinding"].is_string(), "{case}: {v}");
            std::fs::remove_file(&opening).unwrap();
        }
    }

    // SRS generation (a fresh cache, a larger k so generation takes a while):
    // every cached file loads, and a later setup succeeds with the cache.
    let srs_dir = root.join("srs");
    let env = [("ZKML_SRS_DIR", srs_dir.to_str().unwrap())];
    let out = s(&root.join("k.zkml"));
    let args = ["setup", TINY_MODEL, "--k", "13", "-o", &out];
    let span = duration(&args, &env);
    for i in 0..3 {
        std::fs::remove_dir_all(&srs_dir).ok();
        std::fs::remove_dir_all(&out).ok();
        let case = interrupt(&mut rng, &args, &env, span);
        let case = format!("seed {seed} SRS #{i}: {case}");
        for e in std::fs::read_dir(&srs_dir).into_iter().flatten() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if let Some(k) = name
                .strip_prefix("kzg_bn254_")
                .and_then(|n| n.strip_suffix(".srs"))
            {
                let k: u32 = k.parse().unwrap();
                zkml_plonk::srs::load_file(&p, k).unwrap_or_else(|e| panic!("{case}: {e}"));
            }
        }
        std::fs::remove_dir_all(&out).ok();
        let o = common::zkml_with(&args, &env);
        assert!(o.status.success(), "{case}: a later setup: {}", text(&o));
    }
}
