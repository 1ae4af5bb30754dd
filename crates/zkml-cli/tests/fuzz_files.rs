//! Bounded-time fuzzing of every file zkml reads: the ONNX and msgpack models,
//! JSON and msgpack inputs, calibration, `settings.json`, `model.json`,
//! `vk.bin`, `pk.bin`, the SRS, an opening and a proof.
//!
//! Each file is mutated with a seeded RNG (truncation, bit flips, garbage
//! runs, trailing bytes, huge length prefixes, deep JSON nesting, random or
//! empty files). Every mutant goes through the file's decoder in process
//! (where the decoder is a library function; a panic fails the test), and a
//! sample of them through the `zkml` command that reads the file, which must
//! exit 0 (an accepted mutant must be harmless: for a proof, the same proof),
//! 2 with an error naming the file, or (a proof) 1 — never a panic or a hang.
//!
//! Bounded: `ZKML_FUZZ_SECONDS` (default 40) for the whole test,
//! `ZKML_FUZZ_ROUNDS` (default 40) rounds at most,
//! `ZKML_FUZZ_SEED` (default 1) picks the mutants. Failures print the seed,
//! the file and the mutation, so a failing case replays.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{repo, s, text, zkml, zkml_command, TINY_INPUT, TINY_MODEL};

/// splitmix64: small, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One mutant of `orig` and what was done.
fn mutate(rng: &mut Rng, orig: &[u8], json: bool) -> (Vec<u8>, String) {
    let mut b = orig.to_vec();
    let n = b.len();
    let what = match rng.below(if json { 9 } else { 8 }) {
        0 => {
            let at = rng.below(n);
            b.truncate(at);
            format!("truncated to {at} bytes")
        }
        1 => {
            let flips = 1 + rng.below(4);
            for _ in 0..flips {
                let at = rng.below(n);
                b[at] ^= 1 << rng.below(8);
            }
            format!("{flips} bit flips")
        }
        2 => {
            let at = rng.below(n);
            let len = 1 + rng.below(64);
            for x in &mut b[at..(at + len).min(n)] {
                *x = rng.next() as u8;
            }
            format!("garbage at {at}..{}", at + len)
        }
        3 => {
            let len = 1 + rng.below(64);
            b.extend((0..len).map(|_| rng.next() as u8));
            format!("{len} trailing bytes")
        }
        4 => {
            // A huge length prefix: 0xff… or a large LE/BE value over 4 or 8 bytes.
            let at = rng.below(n.saturating_sub(8).max(1));
            let w = if rng.below(2) == 0 { 4 } else { 8 };
            let v: [u8; 8] = match rng.below(3) {
                0 => [0xff; 8],
                1 => (u32::MAX as u64 - 1).to_le_bytes(),
                _ => (1u64 << 40).to_be_bytes(),
            };
            for i in 0..w {
                if at + i < n {
                    b[at + i] = v[i];
                }
            }
            format!("huge length ({w} bytes) at {at}")
        }
        5 => {
            b = (0..rng.below(4096)).map(|_| rng.next() as u8).collect();
            format!("{} random bytes", b.len())
        }
        6 => {
            b.clear();
            "empty".into()
        }
        7 => {
            // A byte sequence repeated: duplicated sections.
            let at = rng.below(n);
            let len = (1 + rng.below(256)).min(n - at);
            let chunk = b[at..at + len].to_vec();
            b.splice(at..at, chunk);
            format!("{len} bytes duplicated at {at}")
        }
        _ => {
            let depth = 100 + rng.below(200_000);
            let mut d = "[".repeat(depth).into_bytes();
            if rng.below(2) == 0 {
                // Deep nesting inside the file's own structure.
                let at = orig.iter().position(|&c| c == b':').map_or(0, |p| p + 1);
                let mut out = orig[..at].to_vec();
                out.append(&mut d);
                out.extend_from_slice(&orig[at..]);
                b = out;
            } else {
                d.extend("]".repeat(depth).into_bytes());
                b = d;
            }
            format!("JSON nested {depth} deep")
        }
    };
    (b, what)
}

/// Decodes one mutant in process (the result is dropped: only panics matter).
type Decoder = Box<dyn Fn(&[u8])>;

/// A file kind: where it lives, how it is decoded in process, which command reads it.
struct Kind {
    /// The file name errors must show.
    name: &'static str,
    /// The file (mutated in place, restored after each run).
    path: PathBuf,
    json: bool,
    /// In-process decoder (`None`: the decoder lives in the binary only).
    decode: Option<Decoder>,
    /// The command that reads it.
    args: Vec<String>,
    /// Exit codes of a refusal (2, or 1 for a proof).
    refused: i32,
}

struct Fixture {
    _tmp: tempfile::TempDir,
    kinds: Vec<Kind>,
    /// The unmutated proof, parsed (an accepted proof mutant must equal it).
    proof: Value,
}

fn copy(from: &Path, to: &Path) -> PathBuf {
    std::fs::copy(from, to).unwrap();
    to.to_path_buf()
}

fn msgpack_model() -> (Vec<u8>, Vec<u8>) {
    use zkml_msgpack::format::{LayerFile, ModelFile, TensorFile};
    let t = |idx, shape: &[i64], data: Vec<i64>| TensorFile {
        idx,
        shape: shape.to_vec(),
        data,
    };
    let layer =
        |ty: &str, params: &[i64], inp: &[(i64, Vec<i64>)], out: (i64, Vec<i64>)| LayerFile {
            layer_type: ty.into(),
            params: params.to_vec(),
            inp_idxes: inp.iter().map(|(i, _)| *i).collect(),
            inp_shapes: inp.iter().map(|(_, s)| s.clone()).collect(),
            out_idxes: vec![out.0],
            out_shapes: vec![out.1],
            mask: vec![],
        };
    let model = ModelFile {
        global_sf: 4,
        inp_idxes: vec![0],
        out_idxes: vec![12],
        tensors: vec![
            t(1, &[1, 2, 2, 1], vec![1, -2, 3, 4]),
            t(2, &[1], vec![3]),
            t(3, &[1], vec![-6]),
        ],
        layers: vec![
            layer(
                "Conv2D",
                &[0, 1, 0, 1, 1],
                &[(0, vec![1, 3, 3, 1]), (1, vec![1, 2, 2, 1]), (2, vec![1])],
                (10, vec![1, 2, 2, 1]),
            ),
            layer(
                "AveragePool2D",
                &[2, 2, 1, 1],
                &[(10, vec![1, 2, 2, 1])],
                (11, vec![1, 1, 1, 1]),
            ),
            layer(
                "Mul",
                &[],
                &[(11, vec![1, 1, 1, 1]), (3, vec![1])],
                (12, vec![1, 1, 1, 1]),
            ),
        ],
        ..Default::default()
    };
    let input = vec![t(0, &[1, 3, 3, 1], (1..=9).collect())];
    (
        rmp_serde::to_vec_named(&model).unwrap(),
        rmp_serde::to_vec_named(&input).unwrap(),
    )
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let dir = root.join("m.zkml");
    let proof = root.join("proof.json");
    let opening = root.join("opening.json");
    let o = zkml(&["setup", TINY_MODEL, "-o", &s(&dir)]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkml(&["prove", &s(&dir), TINY_INPUT, "-o", &s(&proof)]);
    assert!(o.status.success(), "{}", text(&o));
    let o = zkml(&["commit", &s(&dir), "-o", &s(&opening)]);
    assert!(o.status.success(), "{}", text(&o));
    let settings: Value =
        serde_json::from_slice(&std::fs::read(dir.join("settings.json")).unwrap()).unwrap();
    let k = settings["k"].as_u64().unwrap() as u32;
    let srs_dir = repo().join("target/test-srs");
    let cached = zkml_plonk::srs::cached_file(&srs_dir, k).expect("setup cached an SRS");
    let srs = copy(&cached, &root.join("params.srs"));
    let model = copy(&repo().join(TINY_MODEL), &root.join("model.onnx"));
    let input = copy(&repo().join(TINY_INPUT), &root.join("input.json"));
    let cal = root.join("calibration.json");
    std::fs::write(
        &cal,
        r#"{"inputs": [[0.5, -1.25, 2.0, 0.75], [1.0, 1.0, -1.0, 0.0]]}"#,
    )
    .unwrap();
    let (mp_model, mp_input) = msgpack_model();
    let mp = root.join("model.msgpack");
    let mp_in = root.join("input.msgpack");
    std::fs::write(&mp, &mp_model).unwrap();
    std::fs::write(&mp_in, &mp_input).unwrap();
    let q: zkml_core::QGraph = {
        let v: Value =
            serde_json::from_slice(&std::fs::read(dir.join("model.json")).unwrap()).unwrap();
        serde_json::from_value(v["qgraph"].clone()).unwrap()
    };
    let mp_loaded = zkml_msgpack::load_model_bytes(&mp_model).unwrap();
    let proof_value: Value = serde_json::from_slice(&std::fs::read(&proof).unwrap()).unwrap();

    let be = zkml_plonk::PlonkBackend {
        srs_dir,
        srs_file: None,
        matrix_check: true,
    };
    let be2 = be.clone();
    let (d, p, i) = (s(&dir), s(&proof), s(&input));
    let args = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let kinds = vec![
        Kind {
            name: "model.onnx",
            path: model.clone(),
            json: false,
            decode: Some(Box::new(|b| {
                let _ = zkml_onnx::load_model_bytes(b);
            })),
            args: args(&["run", &s(&model), &i]),
            refused: 2,
        },
        Kind {
            name: "model.msgpack",
            path: mp.clone(),
            json: false,
            decode: Some(Box::new(|b| {
                let _ = zkml_msgpack::load_model_bytes(b);
            })),
            args: args(&["run", &s(&mp), &s(&mp_in)]),
            refused: 2,
        },
        Kind {
            name: "input.msgpack",
            path: mp_in.clone(),
            json: false,
            decode: Some(Box::new(move |b| {
                let _ = zkml_msgpack::load_input_bytes(b, &mp_loaded);
            })),
            args: args(&["run", &s(&mp), &s(&mp_in)]),
            refused: 2,
        },
        Kind {
            name: "input.json",
            path: input.clone(),
            json: true,
            decode: None,
            args: args(&["run", &s(&model), &i]),
            refused: 2,
        },
        Kind {
            name: "calibration.json",
            path: cal.clone(),
            json: true,
            decode: None,
            args: args(&["run", &s(&model), &i, "--calibration", &s(&cal)]),
            refused: 2,
        },
        Kind {
            name: "settings.json",
            path: dir.join("settings.json"),
            json: true,
            decode: None,
            args: args(&["verify", &d, &p]),
            refused: 2,
        },
        Kind {
            name: "model.json",
            path: dir.join("model.json"),
            json: true,
            decode: Some(Box::new(|b| {
                let _ = serde_json::from_slice::<Value>(b)
                    .map(|v| serde_json::from_value::<zkml_core::QGraph>(v["qgraph"].clone()));
            })),
            args: args(&["prove", &d, &i, "-o", &s(&root.join("out.json"))]),
            refused: 2,
        },
        Kind {
            name: "vk.bin",
            path: dir.join("vk.bin"),
            json: false,
            decode: Some(Box::new(move |b| {
                let _ = zkml_plonk::PlonkVerifyingKey::from_bytes(b, &be);
                let mut sealed = b.to_vec();
                reseal(&mut sealed);
                let _ = zkml_plonk::PlonkVerifyingKey::from_bytes(&sealed, &be);
            })),
            args: args(&["verify", &d, &p]),
            refused: 2,
        },
        Kind {
            name: "pk.bin",
            path: dir.join("pk.bin"),
            json: false,
            decode: Some(Box::new(move |b| {
                let _ = zkml_plonk::PlonkProvingKey::from_bytes(b, &q, &be2);
                // The same mutant with a valid checksum: the readers behind it.
                let mut sealed = b.to_vec();
                reseal(&mut sealed);
                let _ = zkml_plonk::PlonkProvingKey::from_bytes(&sealed, &q, &be2);
            })),
            args: args(&["prove", &d, &i, "-o", &s(&root.join("out.json"))]),
            refused: 2,
        },
        Kind {
            name: "params.srs",
            path: srs.clone(),
            json: false,
            decode: Some(Box::new(move |b| {
                let tmp = tempfile::NamedTempFile::new().unwrap();
                std::fs::write(tmp.path(), b).unwrap();
                let _ = zkml_plonk::srs::load_file(tmp.path(), k);
                let _ = zkml_plonk::srs::load_verifier_part(tmp.path(), k);
            })),
            args: args(&[
                "prove",
                &d,
                &i,
                "--srs",
                &s(&srs),
                "-o",
                &s(&root.join("out.json")),
            ]),
            refused: 2,
        },
        Kind {
            name: "opening.json",
            path: opening.clone(),
            json: true,
            decode: None,
            args: args(&[
                "prove",
                &d,
                &i,
                "--opening",
                &s(&opening),
                "-o",
                &s(&root.join("out.json")),
            ]),
            refused: 2,
        },
        Kind {
            name: "proof.json",
            path: proof.clone(),
            json: true,
            decode: Some(Box::new(|b| {
                if let Ok(v) = serde_json::from_slice::<Value>(b) {
                    if let Some(h) = v["proof"].as_str() {
                        let bytes: Vec<u8> = (0..h.len() / 2)
                            .filter_map(|i| h.get(2 * i..2 * i + 2))
                            .filter_map(|x| u8::from_str_radix(x, 16).ok())
                            .collect();
                        let _ = zkml_plonk::PlonkProof::from_bytes(&bytes);
                    }
                }
            })),
            args: args(&["verify", &d, &p]),
            refused: 1,
        },
    ];
    Fixture {
        _tmp: tmp,
        kinds,
        proof: proof_value,
    }
}

/// Runs `args` with a deadline; `None` if it hung.
fn run_bounded(args: &[String], limit: Duration) -> Option<std::process::Output> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = zkml_command(&a)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if t.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Replaces a key's trailing checksum by the right one for its (crafted) bytes.
fn reseal(bytes: &mut Vec<u8>) {
    let n = bytes.len().saturating_sub(32);
    bytes.truncate(n);
    let h = blake2b_simd::Params::new()
        .hash_length(32)
        .to_state()
        .update(bytes)
        .finalize();
    bytes.extend_from_slice(h.as_bytes());
}

/// A crafted proving key with a valid checksum and a huge polynomial length
/// is refused before anything is allocated for it (halo2's own reader would
/// reserve 128 GiB and abort).
#[test]
fn crafted_key_lengths_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("m.zkml");
    let o = zkml(&["setup", TINY_MODEL, "-o", &s(&dir)]);
    assert!(o.status.success(), "{}", text(&o));
    let pk = std::fs::read(dir.join("pk.bin")).unwrap();
    let vk = std::fs::read(dir.join("vk.bin")).unwrap();
    // pk.bin = header, meta, [s]G2 (128 bytes), halo2 vk, polynomials, sum;
    // vk.bin = header, meta, SRS points (160 bytes), halo2 vk, sum: the first
    // polynomial's length is at vk.len() − 64 in pk.bin.
    let at = vk.len() - 64;
    let v: Value = serde_json::from_slice(&std::fs::read(dir.join("model.json")).unwrap()).unwrap();
    let q: zkml_core::QGraph = serde_json::from_value(v["qgraph"].clone()).unwrap();
    let be = zkml_plonk::PlonkBackend {
        srs_dir: repo().join("target/test-srs"),
        srs_file: None,
        matrix_check: true,
    };
    zkml_plonk::PlonkProvingKey::from_bytes(&pk, &q, &be).unwrap();
    for len in [u32::MAX, 1 << 30, 1 << 20] {
        let mut bad = pk.clone();
        bad[at..at + 4].copy_from_slice(&len.to_be_bytes());
        reseal(&mut bad);
        let e = zkml_plonk::PlonkProvingKey::from_bytes(&bad, &q, &be)
            .err()
            .unwrap_or_else(|| panic!("length {len} accepted"));
        assert!(
            e.to_string().contains("implausible polynomial length"),
            "{e}"
        );
        std::fs::write(dir.join("pk.bin"), &bad).unwrap();
        let o = zkml(&[
            "prove",
            &s(&dir),
            TINY_INPUT,
            "-o",
            &s(&tmp.path().join("p.json")),
        ]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{t}");
        assert!(t.contains("pk.bin") && t.contains("implausible"), "{t}");
    }
}

#[test]
fn damaged_files_are_clean_errors() {
    let seed: u64 = env_or("ZKML_FUZZ_SEED", 1);
    let budget = Duration::from_secs(env_or("ZKML_FUZZ_SECONDS", 40));
    // Rounds are deterministic for a seed; the time budget only cuts a slow
    // machine short (a subset of the same mutants), so CI never flakes.
    let max_rounds: usize = env_or("ZKML_FUZZ_ROUNDS", 40);
    let f = fixture();
    let start = Instant::now();
    let mut rng = Rng(seed);
    let originals: Vec<Vec<u8>> = f
        .kinds
        .iter()
        .map(|k| std::fs::read(&k.path).unwrap())
        .collect();
    let (mut decoded, mut ran) = (0usize, 0usize);
    let mut failures = vec![];
    // Round-robin over the kinds until the budget is spent: every kind gets
    // its share of in-process mutants and of command runs.
    'outer: for round in 0..max_rounds {
        for (kind, orig) in f.kinds.iter().zip(&originals) {
            if start.elapsed() > budget {
                break 'outer;
            }
            // In process: a batch of mutants, each must not panic.
            if let Some(decode) = &kind.decode {
                for _ in 0..8 {
                    let (m, what) = mutate(&mut rng, orig, kind.json);
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decode(&m)));
                    if r.is_err() {
                        failures.push(format!("{}: decoder panicked on: {what}", kind.name));
                    }
                    decoded += 1;
                }
            }
            // One command run per kind per round.
            let (m, what) = mutate(&mut rng, orig, kind.json);
            std::fs::write(&kind.path, &m).unwrap();
            let o = run_bounded(&kind.args, Duration::from_secs(30));
            std::fs::write(&kind.path, orig).unwrap();
            ran += 1;
            let case = format!(
                "seed {seed} round {round}: {} ({what}), `zkml {}`",
                kind.name,
                kind.args.join(" ")
            );
            let Some(o) = o else {
                failures.push(format!("{case}: hung (killed after 30 s)"));
                continue;
            };
            let t = text(&o);
            let code = o.status.code();
            if t.contains("panicked") || code.is_none() {
                failures.push(format!("{case}: crashed ({code:?}): {t}"));
            } else if code == Some(0) {
                // Accepted: for a proof only if it is the same proof.
                if kind.refused == 1 {
                    let same = serde_json::from_slice::<Value>(&m).is_ok_and(|mut v| {
                        if let Some(h) = v["proof"].as_str() {
                            v["proof"] = Value::from(h.to_ascii_lowercase());
                        }
                        v == f.proof
                    });
                    if !same {
                        failures.push(format!("{case}: a changed proof was accepted"));
                    }
                }
            } else if code != Some(kind.refused) {
                failures.push(format!(
                    "{case}: exit {code:?}, expected 0 or {}: {t}",
                    kind.refused
                ));
            } else if kind.refused == 2 && !t.contains(kind.name) {
                failures.push(format!(
                    "{case}: the error does not name {}: {t}",
                    kind.name
                ));
            } else if kind.refused == 1 && !t.contains("REJECTED") {
                failures.push(format!("{case}: not a rejection: {t}"));
            }
        }
    }
    eprintln!(
        "fuzzed {decoded} mutants in process and {ran} through the CLI in {:.1} s (seed {seed})",
        start.elapsed().as_secs_f64()
    );
    assert!(ran >= f.kinds.len(), "too few command runs: {ran}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
