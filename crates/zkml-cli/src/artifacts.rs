//! The files `zkml setup` writes and `zkml prove` / `zkml verify` read.
//!
//! A setup directory holds:
//!
//! | file | content | read by |
//! | --- | --- | --- |
//! | `settings.json` | versions, backend, model hash, visibility, k, tensor scales | prove, verify |
//! | `model.json` | the compiled (quantized) model, versioned | prove |
//! | `source.onnx` / `source.msgpack` | the model file it was compiled from (for msgpack inputs) | prove |
//! | `pk.bin` | proving key | prove |
//! | `vk.bin` | verifying key | verify |
//!
//! `zkml commit` writes an opening file ([`OpeningFile`], mode 0600): the
//! secret blinding of a commitment and the commitment itself; `zkml prove`
//! writes one beside the proof for a committed input or output.
//!
//! Every file carries a format name and version; a file of another version,
//! backend or model is refused with a message saying what to re-run. Every
//! write is atomic: a file (or the whole directory) appears complete or not at all.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
pub use zkml_core::backend::GroupOpening;
use zkml_core::backend::{Commitment, KeyInfo, PublicValues, Reveal, Visibility};
use zkml_core::reveal::{argmax_rows, locate};
use zkml_core::QGraph;

use crate::cli::BackendArg;
use crate::commands::{backend_name, backend_named};

/// Version of every file format below (2: visibility carries the output reveal,
/// proofs carry the revealed values; 3: committed visibility, commitments in
/// proofs, opening files).
pub const VERSION: u32 = 3;

/// A tensor as the verifier sees it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TensorInfo {
    /// Name in the model.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Scale exponent: real = integer / 2^scale.
    pub scale: i32,
}

/// `settings.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Settings {
    /// Always `zkml-settings`.
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The zkml release that wrote it.
    pub zkml_version: String,
    /// The backend the keys are for (`plonk`, `sumcheck`: `Backend::NAME`).
    pub backend: String,
    /// Hex hash binding keys and proofs to this model, visibility and layout.
    pub model_hash: String,
    /// File name of the source model.
    pub source: String,
    /// Visibility of inputs, weights and outputs.
    pub visibility: Visibility,
    /// The backend's size parameter (`KeyInfo::k`): log2 of the circuit rows
    /// (plonk), of the widest table (sumcheck).
    pub k: u32,
    /// Advice columns (0 for the sumcheck backend).
    pub advice_columns: usize,
    /// Activation range bits.
    pub act_bits: u32,
    /// Model inputs.
    pub inputs: Vec<TensorInfo>,
    /// Model outputs.
    pub outputs: Vec<TensorInfo>,
    /// Where the SRS (plonk) or generators (sumcheck) came from.
    pub srs: String,
    /// A segmented setup (plonk): one key pair per segment in `segments/`
    /// (`model_hash` is then the chain's, `k` the largest segment's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<SegmentsInfo>,
}

/// How a segmented setup splits the model (`zkml_core::segment`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SegmentsInfo {
    /// Number of segments.
    pub count: usize,
    /// Node indices where segments start.
    pub cuts: Vec<usize>,
    /// `k` of each segment.
    pub k: Vec<u32>,
    /// Model hash of each segment's keys (hex).
    pub model_hashes: Vec<String>,
    /// The planner's peak-memory estimate of proving each segment, in bytes
    /// (`zkml prove --jobs` keeps the segments proven at once within the
    /// memory budget). Absent in setups written before it: no check.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peak_bytes: Vec<u64>,
}

/// `model.json`.
#[derive(Serialize, Deserialize)]
pub struct CompiledModel {
    /// Always `zkml-compiled-model`.
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The quantized model.
    pub qgraph: QGraph,
}

/// A proof file: the proof and the public values it binds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProofFile {
    /// Always `zkml-proof`.
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The backend (as in `settings.json`).
    pub backend: String,
    /// Hex model hash (as in `settings.json`).
    pub model_hash: String,
    /// Public integers.
    pub public: PublicValues,
    /// Public outputs as real numbers (integer / 2^scale), for people.
    pub outputs: Vec<Vec<f64>>,
    /// What the proof reveals of hidden outputs, for people (absent when
    /// nothing is); derived from `public.revealed`, and `zkml verify` refuses a
    /// file where it differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revealed: Option<Revealed>,
    /// The instance column as BN254 field elements (hex, big-endian; negatives are p − |x|).
    pub public_field_elements: Vec<String>,
    /// The proof bytes, hex.
    pub proof: String,
}

/// The revealed part of hidden outputs, as people read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Revealed {
    /// Output values at chosen flat indices.
    Indices {
        /// One entry per revealed index, in the order asked for.
        values: Vec<RevealedValue>,
    },
    /// The argmax class of every row of every output.
    Argmax {
        /// Per output, one class per row (along the last axis).
        classes: Vec<Vec<i64>>,
    },
}

/// One revealed output value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RevealedValue {
    /// Flat index over all outputs concatenated.
    pub index: usize,
    /// Which output.
    pub output: usize,
    /// Row-major index within that output.
    pub element: usize,
    /// The integer (as proved).
    pub integer: i64,
    /// Its real value, integer / 2^scale.
    pub value: f64,
}

impl Revealed {
    /// The view of `revealed` (the public integers) under `reveal` for outputs
    /// `outputs`; `None` when nothing is revealed. Fails when the integers do
    /// not fit the reveal (a malformed proof file).
    pub fn of(reveal: &Reveal, revealed: &[i64], outputs: &[TensorInfo]) -> Result<Option<Self>> {
        match reveal {
            Reveal::None => {
                ensure!(
                    revealed.is_empty(),
                    "values revealed, but this setup reveals none"
                );
                Ok(None)
            }
            Reveal::Indices(ix) => {
                ensure!(
                    ix.len() == revealed.len(),
                    "{} revealed values for {} indices",
                    revealed.len(),
                    ix.len()
                );
                let sizes: Vec<usize> = outputs.iter().map(|t| t.shape.iter().product()).collect();
                let values = ix
                    .iter()
                    .zip(revealed)
                    .map(|(&index, &integer)| {
                        let (output, element) = locate(&sizes, index)
                            .with_context(|| format!("reveal index {index} past the outputs"))?;
                        Ok(RevealedValue {
                            index,
                            output,
                            element,
                            integer,
                            value: integer as f64 / 2f64.powi(outputs[output].scale),
                        })
                    })
                    .collect::<Result<_>>()?;
                Ok(Some(Revealed::Indices { values }))
            }
            Reveal::Argmax => {
                let rows: Vec<usize> = outputs.iter().map(|t| argmax_rows(&t.shape)).collect();
                ensure!(
                    rows.iter().sum::<usize>() == revealed.len(),
                    "{} classes revealed, the outputs have {} rows",
                    revealed.len(),
                    rows.iter().sum::<usize>()
                );
                let mut rest = revealed;
                let classes = rows
                    .iter()
                    .map(|&n| {
                        let (now, later) = rest.split_at(n);
                        rest = later;
                        now.to_vec()
                    })
                    .collect();
                Ok(Some(Revealed::Argmax { classes }))
            }
        }
    }

    /// Lines for people: `output 0 class (argmax): 7`, `output 0 [3] = 0.1234`.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Revealed::Argmax { classes } => classes
                .iter()
                .enumerate()
                .map(|(o, c)| match c.as_slice() {
                    [one] => format!("output {o} class (argmax): {one}"),
                    _ => format!("output {o} classes (argmax per row): {c:?}"),
                })
                .collect(),
            Revealed::Indices { values } => values
                .iter()
                .map(|v| {
                    format!(
                        "output {} [{}] = {:.4} (integer {}, flat index {})",
                        v.output, v.element, v.value, v.integer, v.index
                    )
                })
                .collect(),
        }
    }
}

/// An opening file: secret blindings of committed groups, with their commitments.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OpeningFile {
    /// Always `zkml-opening`.
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The backend whose commitments it opens.
    pub backend: String,
    /// A reminder for whoever opens the file.
    pub note: String,
    /// Weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<GroupOpening>,
    /// Model inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<GroupOpening>,
    /// Model outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<GroupOpening>,
    /// The secret seed of the segment boundaries' blinding zones
    /// (`zkml_plonk::segment::boundary_key`, mixed with the run's input
    /// digest): every worker proving segments of one chain needs the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment_seed: Option<zkml_core::backend::FieldBytes>,
}

impl OpeningFile {
    /// An opening file of `backend` with these groups.
    pub fn new(
        backend: &str,
        weights: Option<GroupOpening>,
        input: Option<GroupOpening>,
        output: Option<GroupOpening>,
    ) -> Self {
        Self {
            format: "zkml-opening".into(),
            version: VERSION,
            backend: backend.into(),
            note: "SECRET: the blindings open the commitments; keep this file private".into(),
            weights,
            input,
            output,
            segment_seed: None,
        }
    }

    /// Reads and checks an opening file (it must be for `backend`).
    pub fn read(path: &Path, backend: &str) -> Result<Self> {
        let f: Self = read_json(path)?;
        check_format(path, &f.format, f.version, "zkml-opening")?;
        ensure!(
            f.backend == backend,
            "`{}` is for backend `{}`, not `{backend}`",
            path.display(),
            f.backend
        );
        Ok(f)
    }

    /// Its groups, as the core's opening policy takes them.
    pub fn groups(&self) -> zkml_core::backend::GroupOpenings {
        zkml_core::backend::GroupOpenings {
            weights: self.weights.clone(),
            input: self.input.clone(),
            output: self.output.clone(),
        }
    }

    /// Writes it atomically, readable by its owner only (mode 0600 on Unix).
    pub fn write(&self, path: &Path) -> Result<()> {
        write_secret(path, &serde_json::to_vec_pretty(self)?)
    }
}

/// Parses a commitment given on the command line.
pub fn parse_commitment(s: &str, flag: &str) -> Result<Commitment> {
    Commitment::from_hex(s)
        .with_context(|| format!("{flag} `{s}` is not a commitment (0x and up to 64 hex digits)"))
}

/// Checks a file's format name and version.
pub fn check_format(path: &Path, format: &str, version: u32, expected: &str) -> Result<()> {
    ensure!(
        format == expected,
        "`{}` is a `{format}` file, not a `{expected}` file",
        path.display()
    );
    ensure!(
        version == VERSION,
        "`{}` has format version {version} but this zkml reads version {VERSION}; re-run `zkml setup` (and `zkml prove`) with this zkml",
        path.display()
    );
    Ok(())
}

/// Reads a JSON file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let bytes = fs::read(path).with_context(|| format!("reading `{}`", path.display()))?;
    serde_json::from_slice(&bytes)
        .with_context(|| format!("`{}` is not a valid zkml file", path.display()))
}

/// Reads `settings.json` from a setup directory and checks its version and
/// backend (one this zkml knows; `want`, when given).
pub fn read_settings_for(dir: &Path, want: Option<BackendArg>) -> Result<(Settings, BackendArg)> {
    let s = read_settings(dir)?;
    let path = dir.join("settings.json");
    let Some(have) = backend_named(&s.backend) else {
        bail!(
            "`{}` is for backend `{}`, which this zkml does not know (it knows plonk and \
             sumcheck)",
            path.display(),
            s.backend
        );
    };
    if let Some(w) = want {
        ensure!(
            w == have,
            "`{}` is for backend `{}`, not `{}` (drop --backend, or run `zkml setup --backend \
             {}`)",
            path.display(),
            s.backend,
            backend_name(w),
            backend_name(w)
        );
    }
    Ok((s, have))
}

/// Reads `settings.json` from a setup directory and checks its version
/// (its backend: [`read_settings_for`]).
pub fn read_settings(dir: &Path) -> Result<Settings> {
    let path = dir.join("settings.json");
    if !path.exists() {
        bail!(
            "`{}` has no settings.json: is it a directory written by `zkml setup`?",
            dir.display()
        );
    }
    let s: Settings = read_json(&path)?;
    check_format(&path, &s.format, s.version, "zkml-settings")?;
    Ok(s)
}

/// `settings.json` (at `path`) must describe the statement the key at `key`
/// binds: its model hash, visibility, `k`, activation bits, and the shape and
/// scale of every input and output (the scales turn the proven integers into
/// the reals `verify` prints). Names the first field that disagrees.
pub fn check_settings_against_key(
    s: &Settings,
    path: &Path,
    key: &Path,
    info: &KeyInfo,
) -> Result<()> {
    let (model_hash, k, act_bits) = (&info.model_hash, info.k, info.act_bits);
    let differ = |field: &str, here: String, there: String| {
        anyhow::anyhow!(
            "`{}` and `{}` disagree on `{field}` ({here} vs {there}): the setup directory was \
             modified or mixed with another setup's files; re-run `zkml setup`",
            path.display(),
            key.display()
        )
    };
    if s.model_hash != hex(model_hash) {
        return Err(differ("model_hash", s.model_hash.clone(), hex(model_hash)));
    }
    if s.visibility != info.visibility {
        return Err(differ(
            "visibility",
            format!("{:?}", s.visibility),
            format!("{:?}", info.visibility),
        ));
    }
    if s.k != k {
        return Err(differ("k", s.k.to_string(), k.to_string()));
    }
    if s.act_bits != act_bits {
        return Err(differ(
            "act_bits",
            s.act_bits.to_string(),
            act_bits.to_string(),
        ));
    }
    for (group, infos, metas) in [
        ("inputs", &s.inputs, &info.inputs),
        ("outputs", &s.outputs, &info.outputs),
    ] {
        if infos.len() != metas.len() {
            return Err(differ(
                group,
                format!("{} tensors", infos.len()),
                format!("{} tensors", metas.len()),
            ));
        }
        for (i, (t, m)) in infos.iter().zip(metas).enumerate() {
            if t.shape != m.shape {
                return Err(differ(
                    &format!("{group}[{i}].shape"),
                    format!("{:?}", t.shape),
                    format!("{:?}", m.shape),
                ));
            }
            if t.scale != m.scale {
                return Err(differ(
                    &format!("{group}[{i}].scale"),
                    t.scale.to_string(),
                    m.scale.to_string(),
                ));
            }
        }
    }
    Ok(())
}

/// `settings.json` (at `path`) must describe the compiled model `q` (from
/// `model.json` at `model`): names, shapes and scales of its inputs and
/// outputs, and its activation bits.
pub fn check_settings_against_model(
    s: &Settings,
    path: &Path,
    model: &Path,
    q: &QGraph,
) -> Result<()> {
    let info = |ids: &[usize]| -> Vec<TensorInfo> {
        ids.iter()
            .map(|&i| TensorInfo {
                name: q.values[i].name.clone(),
                shape: q.values[i].shape.clone(),
                scale: q.values[i].scale,
            })
            .collect()
    };
    for (field, here, there) in [
        ("inputs", &s.inputs, info(&q.inputs)),
        ("outputs", &s.outputs, info(&q.outputs)),
    ] {
        let same = |(a, b): (&TensorInfo, &TensorInfo)| {
            a.name == b.name && a.shape == b.shape && a.scale == b.scale
        };
        ensure!(
            here.len() == there.len() && here.iter().zip(&there).all(same),
            "`{}` and `{}` disagree on `{field}`: the setup directory was modified or mixed with \
             another setup's files; re-run `zkml setup`",
            path.display(),
            model.display()
        );
    }
    ensure!(
        s.act_bits == q.act_bits,
        "`{}` and `{}` disagree on `act_bits` ({} vs {}); re-run `zkml setup`",
        path.display(),
        model.display(),
        s.act_bits,
        q.act_bits
    );
    Ok(())
}

/// Reads `model.json` from a setup directory.
pub fn read_compiled(dir: &Path) -> Result<QGraph> {
    let path = dir.join("model.json");
    let m: CompiledModel = read_json(&path)?;
    check_format(&path, &m.format, m.version, "zkml-compiled-model")?;
    Ok(m.qgraph)
}

/// A temporary sibling path of `path`, unique to this process.
fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `bytes` to `path` and flushes them to disk (`fsync`).
pub fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut f = fs::File::create(path).with_context(|| format!("creating `{}`", path.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .with_context(|| format!("writing `{}`", path.display()))
}

/// Flushes a directory's entries (a rename into it) to disk; best effort
/// (not every platform can open a directory).
fn sync_dir(dir: &Path) {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Writes `bytes` to `path` atomically: a temporary sibling, flushed to disk,
/// then renamed over `path`. Killed at any point, `path` holds the old
/// content or the new one, never part of it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_sibling(path);
    if let Err(e) = write_synced(&tmp, bytes) {
        fs::remove_file(&tmp).ok();
        return Err(e);
    }
    fs::rename(&tmp, path)
        .with_context(|| format!("renaming `{}` to `{}`", tmp.display(), path.display()))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// As [`write_atomic`], the file created with mode 0600 (owner only) on Unix.
pub fn write_secret(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = temp_sibling(path);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    fs::remove_file(&tmp).ok();
    let mut f = opts
        .open(&tmp)
        .with_context(|| format!("creating `{}`", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .with_context(|| format!("writing `{}`", tmp.display()))?;
    fs::rename(&tmp, path)
        .with_context(|| format!("renaming `{}` to `{}`", tmp.display(), path.display()))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Builds a directory in a temporary sibling with `fill` (which should write
/// with [`write_synced`]), then renames it to `dir` (replacing an existing one
/// only with `force`). Killed at any point, `dir` does not exist or is
/// complete (with `force`, a kill between moving the old `dir` aside and
/// renaming the new one leaves neither; the old one is then in `.DIR.old.PID`).
pub fn write_dir_atomic(
    dir: &Path,
    force: bool,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    if dir.exists() && !force {
        bail!(
            "`{}` already exists; choose another -o or pass --force to replace it",
            dir.display()
        );
    }
    let tmp = temp_sibling(dir);
    if tmp.exists() {
        fs::remove_dir_all(&tmp).ok();
    }
    fs::create_dir_all(&tmp).with_context(|| format!("creating `{}`", tmp.display()))?;
    if let Err(e) = fill(&tmp) {
        fs::remove_dir_all(&tmp).ok();
        return Err(e);
    }
    sync_dir(&tmp);
    if dir.exists() {
        let old = dir.with_file_name(format!(
            ".{}.old.{}",
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        fs::rename(dir, &old)
            .with_context(|| format!("moving the old `{}` aside", dir.display()))?;
        fs::rename(&tmp, dir)
            .with_context(|| format!("renaming `{}` to `{}`", tmp.display(), dir.display()))?;
        fs::remove_dir_all(&old).ok();
    } else {
        fs::rename(&tmp, dir)
            .with_context(|| format!("renaming `{}` to `{}`", tmp.display(), dir.display()))?;
    }
    sync_dir(dir.parent().unwrap_or(Path::new(".")));
    Ok(())
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses lowercase or uppercase hex.
pub fn unhex(s: &str) -> Result<Vec<u8>> {
    let s = s.trim_start_matches("0x");
    ensure!(s.is_ascii(), "not a hex string (non-ASCII characters)");
    ensure!(s.len().is_multiple_of(2), "odd-length hex string");
    (0..s.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&s[i..i + 2], 16).with_context(|| format!("bad hex at offset {i}"))
        })
        .collect()
}
