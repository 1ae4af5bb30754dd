//! `--reveal` as a user runs it on the bundled MNIST model: a proof that
//! reveals only the class (the one `zkml run` prints) or chosen output values;
//! verify prints what was revealed, and rejects (exit 1) a changed class or
//! value, a flipped proof byte, or an edited human-readable field. Bad reveals
//! are refused at setup (exit 2).

use std::path::PathBuf;

use serde_json::Value;

mod common;
use common::{assert_rejected, read_json, text, write_json, zkml};

const MODEL: &str = "examples/mnist_cnn/model.onnx";
const CAL: &str = "examples/mnist_cnn/calibration.json";

fn input(i: usize) -> String {
    format!("examples/mnist_cnn/input_{i}.json")
}

/// `zkml run --json` on input `i`.
fn run(i: usize) -> Value {
    let o = zkml(&["run", MODEL, &input(i), "--calibration", CAL, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn setup(root: &std::path::Path, name: &str, extra: &[&str]) -> String {
    let dir = root.join(name).to_str().unwrap().to_string();
    let mut args = vec!["setup", MODEL, "--calibration", CAL, "-o", &dir];
    args.extend(extra);
    let o = zkml(&args);
    assert!(o.status.success(), "setup {extra:?}: {}", text(&o));
    dir
}

fn prove(root: &std::path::Path, dir: &str, i: usize, name: &str) -> String {
    let p = root.join(name).to_str().unwrap().to_string();
    let o = zkml(&["prove", dir, &input(i), "-o", &p]);
    assert!(o.status.success(), "prove: {}", text(&o));
    p
}

/// One test: the setups and proofs are shared by every check.
#[test]
fn reveal_argmax_and_indices() {
    let tmp = tempfile::tempdir().unwrap();
    let root: PathBuf = tmp.path().to_path_buf();

    // Only the class.
    let am = setup(&root, "argmax.zkml", &["--reveal", "argmax"]);
    let settings = read_json(&format!("{am}/settings.json"));
    assert_eq!(settings["visibility"]["output"], "Private");
    assert_eq!(settings["visibility"]["reveal"], "Argmax");
    for i in [0, 1] {
        let p = prove(&root, &am, i, &format!("argmax{i}.json"));
        let class = run(i)["argmax"][0].as_u64().unwrap();
        let file = read_json(&p);
        assert_eq!(file["public"]["outputs"], Value::Array(vec![]));
        assert_eq!(file["public"]["revealed"][0].as_u64(), Some(class));
        assert_eq!(file["revealed"]["classes"][0][0].as_u64(), Some(class));
        let o = zkml(&["verify", &am, &p]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(
            text(&o).contains(&format!("output 0 class (argmax): {class}")),
            "{}",
            text(&o)
        );
        let o = zkml(&["verify", &am, &p, "--json"]);
        let v: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["valid"], Value::Bool(true));
        assert_eq!(v["revealed"]["classes"][0][0].as_u64(), Some(class));
    }
    let p0 = format!("{}/argmax0.json", root.display());
    let class = read_json(&p0)["public"]["revealed"][0].as_i64().unwrap();
    // Another class (both the proved integer and the view): rejected by the proof.
    let mut v = read_json(&p0);
    let other = (class + 1) % 10;
    v["public"]["revealed"][0] = Value::from(other);
    v["revealed"]["classes"][0][0] = Value::from(other);
    assert_rejected(
        &zkml(&["verify", &am, &write_json(&root, "c.json", &v)]),
        "",
    );
    // Only the human-readable view edited: refused as inconsistent.
    let mut v = read_json(&p0);
    v["revealed"]["classes"][0][0] = Value::from(other);
    assert_rejected(
        &zkml(&["verify", &am, &write_json(&root, "view.json", &v)]),
        "does not match",
    );
    // A flipped proof byte.
    let mut v = read_json(&p0);
    let mut h = v["proof"].as_str().unwrap().as_bytes().to_vec();
    let mid = h.len() / 2;
    h[mid] = if h[mid] == b'0' { b'1' } else { b'0' };
    v["proof"] = Value::String(String::from_utf8(h).unwrap());
    assert_rejected(
        &zkml(&["verify", &am, &write_json(&root, "f.json", &v)]),
        "",
    );

    // Chosen values, with --output private spelled out.
    let ix = setup(
        &root,
        "indices.zkml",
        &["--output", "private", "--reveal", "0,3,7"],
    );
    let p = prove(&root, &ix, 0, "indices0.json");
    let ints = run(0)["integer_output"][0].clone();
    let o = zkml(&["verify", &ix, &p, "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let values = v["revealed"]["values"].as_array().unwrap();
    for (k, &i) in [0usize, 3, 7].iter().enumerate() {
        assert_eq!(values[k]["index"].as_u64(), Some(i as u64));
        assert_eq!(values[k]["integer"], ints[i], "index {i}");
    }
    let o = zkml(&["verify", &ix, &p]);
    assert!(
        text(&o).contains("output 0 [3] = ") && text(&o).contains("flat index 7"),
        "{}",
        text(&o)
    );
    let mut v = read_json(&p);
    let x = v["public"]["revealed"][1].as_i64().unwrap();
    v["public"]["revealed"][1] = Value::from(x + 1);
    v["revealed"]["values"][1]["integer"] = Value::from(x + 1);
    let o = zkml(&["verify", &ix, &write_json(&root, "x.json", &v)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    // The argmax proof is not a proof for the indices setup.
    assert_rejected(&zkml(&["verify", &ix, &p0]), "another model");
    // settings.json edited to claim other indices: refused (it must describe
    // the statement of vk.bin, which decides what is printed).
    let path = format!("{ix}/settings.json");
    let mut s = read_json(&path);
    s["visibility"]["reveal"]["Indices"][2] = Value::from(8);
    std::fs::write(&path, serde_json::to_string(&s).unwrap()).unwrap();
    let o = zkml(&["verify", &ix, &p]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("disagree on `visibility`"),
        "{}",
        text(&o)
    );
}

#[test]
fn bad_reveals_are_refused_at_setup() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("never.zkml");
    let dir = dir.to_str().unwrap();
    for (flags, needle) in [
        (
            &["--reveal", "0,10"][..],
            "cannot reveal output index 10: the outputs have 10 values",
        ),
        (&["--reveal", "2,2"][..], "output index 2 is given twice"),
        (&["--reveal", "1,x"][..], "`x` is not an output index"),
        (
            &["--reveal", "argmax", "--output", "public"][..],
            "a partial --reveal needs --output private",
        ),
        (
            &["--reveal", "all", "--output", "private"][..],
            "--reveal all makes the outputs public",
        ),
    ] {
        let mut args = vec!["setup", MODEL, "--calibration", CAL, "-o", dir];
        args.extend(flags);
        let o = zkml(&args);
        assert_eq!(o.status.code(), Some(2), "{flags:?}: {}", text(&o));
        assert!(text(&o).contains(needle), "{flags:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{}", text(&o));
    }
    assert!(!std::path::Path::new(dir).exists());
}
