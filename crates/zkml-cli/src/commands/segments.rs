//! Segmented setups (plonk backend): `zkml setup --segment-k K` (or a model
//! whose one circuit would not fit `--max-memory`), `zkml prove` of every
//! segment or of one (`--segment I`), `zkml bundle`, `zkml verify` of a
//! bundle. See `docs/segments.md` and `zkml_plonk::segment`.
//!
//! A segmented setup directory holds `settings.json` (with `segments`),
//! `model.json`, the source model and `segments/pk-III.bin`,
//! `segments/vk-III.bin` per segment. Segment proofs and bundles are the
//! binary formats of `zkml_plonk::segment` (versioned).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use zkml_core::backend::{Backend, FieldBytes, Openings, Vis, Visibility};
use zkml_core::QGraph;
use zkml_plonk::plan::gib;
use zkml_plonk::segment::{
    bundle_from_bytes, bundle_to_bytes, chain_hash, fresh_seed, is_bundle, plan_segments_at_cuts,
    prove_segment, segment_visibility, verify_segments, SegmentProof, SegmentSeed, SegmentedPlan,
};

use super::layout::{self, Layout, LayoutRequest};
use zkml_plonk::{PlonkBackend, PlonkProvingKey, PlonkVerifyingKey};

use super::proving::step;
use crate::artifacts::{
    self, CompiledModel, OpeningFile, SegmentsInfo, Settings, TensorInfo, VERSION,
};
use crate::cli::{BundleArgs, ProveArgs, SetupArgs, VerifyArgs};

/// `segments/pk-III.bin` or `vk-III.bin` of segment `i`.
pub fn key_path(dir: &Path, what: &str, i: usize) -> PathBuf {
    dir.join("segments").join(format!("{what}-{i:03}.bin"))
}

/// Generates one key pair per segment of `sp`, handing each segment's
/// proving and verifying key bytes to `write` as soon as they are made (a
/// proving key at `k = 20` is gigabytes: the keys are never all held at
/// once); returns the settings' segment record and the chain hash.
pub fn setup_keys(
    b: &PlonkBackend,
    vis: &Visibility,
    sp: &SegmentedPlan,
    mut write: impl FnMut(usize, &[u8], &[u8]) -> Result<()>,
) -> Result<(SegmentsInfo, [u8; 32])> {
    let n = sp.segments.len();
    let mut hashes = Vec::with_capacity(n);
    for (i, (s, p)) in sp.segments.iter().zip(&sp.plans).enumerate() {
        let ((pk, vk), t) = step(&format!("keys of segment {i}/{n}"), || {
            b.setup_with_plan(&s.graph, segment_visibility(vis, i, n), p.clone())
                .with_context(|| format!("generating the keys of segment {i}"))
        })?;
        eprintln!(
            "segment {i}/{n}: nodes {}..{}, k = {}, {} advice columns, ≈{} peak; keys in {:.2} s",
            s.nodes.start,
            s.nodes.end,
            p.k,
            p.advice_columns,
            gib(p.est_peak_bytes),
            t.as_secs_f64()
        );
        hashes.push(vk.model_hash);
        let vk_bytes = vk.to_bytes();
        drop(vk);
        let pk_bytes = pk.to_bytes();
        drop(pk);
        write(i, &pk_bytes, &vk_bytes)?;
    }
    let info = SegmentsInfo {
        count: n,
        cuts: sp.cuts.clone(),
        k: sp.plans.iter().map(|p| p.k).collect(),
        model_hashes: hashes.iter().map(|h| artifacts::hex(h)).collect(),
        peak_bytes: sp.plans.iter().map(|p| p.est_peak_bytes).collect(),
    };
    Ok((info, chain_hash(&hashes)))
}

/// What [`setup_if_segmented`] did.
pub enum SetupKind {
    /// Wrote a segmented setup.
    Done(ExitCode),
    /// One circuit fits: set it up as usual, with this plan.
    Whole(Box<zkml_plonk::Plan>),
}

/// `zkml setup` for the plonk backend when segments are asked for
/// (`--segment-k`) or one circuit's estimated memory is over the budget
/// (`--max-memory`, default: physical memory); else the one circuit's plan.
pub fn setup_if_segmented(args: &SetupArgs, q: &QGraph) -> Result<SetupKind> {
    let b = super::proving::plonk(&args.proof.srs, !args.proof.no_matrix_check);
    let vis = super::proving::visibility(&args.proof)?;
    let budget = layout::budget(args.max_memory);
    let sp = if !args.segment_cuts.is_empty() {
        ensure!(
            args.segment_k.is_none(),
            "--segment-cuts and --segment-k: give one"
        );
        plan_segments_at_cuts(
            q,
            &vis,
            &args.segment_cuts,
            args.proof.k,
            !args.proof.no_matrix_check,
        )
        .context("--segment-cuts")?
    } else {
        let req = LayoutRequest {
            vis: &vis,
            k: args.proof.k,
            segment_k: args.segment_k,
            budget,
        };
        match layout::choose(&b, q, &req)? {
            Layout::Whole(p) => return Ok(SetupKind::Whole(p)),
            Layout::Segments { why, plan, .. } => {
                if let Some(why) = &why {
                    eprintln!("{why}");
                }
                let what = if why.is_some() {
                    "splitting the model into segments that fit --max-memory"
                } else {
                    "splitting the model into segments"
                };
                plan.context(what)?
            }
        }
    };
    for (i, p) in sp.plans.iter().enumerate() {
        p.check_memory(budget)
            .with_context(|| format!("segment {i} (choose a smaller --segment-k)"))?;
    }
    let n = sp.segments.len();
    if sp.graph.nodes.len() != q.nodes.len() {
        eprintln!(
            "nodes larger than a segment are split into pieces: {} nodes become {}",
            q.nodes.len(),
            sp.graph.nodes.len()
        );
    }
    eprintln!(
        "{n} segment(s), cuts before nodes {:?}; SRS: {}",
        sp.cuts,
        b.params_source().note
    );
    // The graph the segments index (the model, or it with nodes split into
    // pieces: the same integers) is what the setup proves and model.json holds.
    let q = &sp.graph;
    let tensor = |id: usize| TensorInfo {
        name: q.values[id].name.clone(),
        shape: q.values[id].shape.clone(),
        scale: q.values[id].scale,
    };
    let ext = args
        .model
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("onnx")
        .to_ascii_lowercase();
    let source = format!("source.{ext}");
    let compiled = CompiledModel {
        format: "zkml-compiled-model".into(),
        version: VERSION,
        qgraph: q.clone(),
    };
    let mut settings = None;
    // The keys go into the new directory as each segment's are made; the
    // directory appears complete (settings.json last) or not at all.
    artifacts::write_dir_atomic(&args.output_dir, args.force, |dir| {
        std::fs::create_dir(dir.join("segments")).context("creating segments/")?;
        let (info, chain) = setup_keys(&b, &vis, &sp, |i, pk, vk| {
            artifacts::write_synced(&key_path(dir, "pk", i), pk)?;
            artifacts::write_synced(&key_path(dir, "vk", i), vk)
        })?;
        let s = Settings {
            format: "zkml-settings".into(),
            version: VERSION,
            zkml_version: env!("CARGO_PKG_VERSION").into(),
            backend: PlonkBackend::NAME.into(),
            model_hash: artifacts::hex(&chain),
            source: source.clone(),
            visibility: vis.clone(),
            k: sp.plans.iter().map(|p| p.k).max().unwrap_or(0),
            advice_columns: sp.plans.iter().map(|p| p.advice_columns).max().unwrap_or(0),
            act_bits: q.act_bits,
            inputs: q.inputs.iter().map(|&i| tensor(i)).collect(),
            outputs: q.outputs.iter().map(|&i| tensor(i)).collect(),
            srs: b.params_source().note,
            segments: Some(info),
        };
        std::fs::copy(&args.model, dir.join(&source)).context("copying the source model")?;
        std::fs::File::open(dir.join(&source))
            .and_then(|f| f.sync_all())
            .context("copying the source model")?;
        artifacts::write_synced(&dir.join("model.json"), &serde_json::to_vec(&compiled)?)?;
        artifacts::write_synced(&dir.join("settings.json"), &serde_json::to_vec_pretty(&s)?)?;
        settings = Some(s);
        Ok(())
    })?;
    let settings = settings.expect("written with the directory");
    println!(
        "wrote {} ({n} segments, k = {:?}; one key pair per segment in segments/; chain hash {})",
        args.output_dir.display(),
        settings
            .segments
            .as_ref()
            .map(|s| s.k.clone())
            .unwrap_or_default(),
        &settings.model_hash[..16]
    );
    println!(
        "prove with `zkml prove {0} INPUT` (all segments), or on many machines with `zkml commit \
         {0} -o OPENING` once, then `zkml prove {0} INPUT --opening OPENING --segment I` per \
         segment and `zkml bundle` (docs/segments.md)",
        args.output_dir.display()
    );
    Ok(SetupKind::Done(ExitCode::SUCCESS))
}

/// The segment record of a setup, checked against its model.
fn info(settings: &Settings, q: &QGraph) -> Result<SegmentsInfo> {
    let s = settings
        .segments
        .clone()
        .context("this setup is not segmented")?;
    ensure!(
        s.count == s.cuts.len() + 1 && s.k.len() == s.count && s.model_hashes.len() == s.count,
        "settings.json: the segment record is inconsistent (count {}, {} cuts)",
        s.count,
        s.cuts.len()
    );
    q.segment(&s.cuts)
        .context("settings.json: the segment cuts do not fit model.json")?;
    Ok(s)
}

/// The seed and model openings a prover uses: from `--opening` when given
/// (it must hold a seed when proving one segment alone), else fresh.
fn seed_and_openings(
    args: &ProveArgs,
    b: &PlonkBackend,
    q: &QGraph,
    vis: &Visibility,
) -> Result<(SegmentSeed, Openings, bool)> {
    let file = args
        .opening
        .as_deref()
        .map(|p| OpeningFile::read(p, PlonkBackend::NAME))
        .transpose()?;
    let seed = match file.as_ref().and_then(|f| f.segment_seed) {
        Some(s) => (s.0, false),
        None if args.segment.is_some() => bail!(
            "proving one segment alone needs the prover's segment seed, shared by every worker: \
             create the opening file once with `zkml commit {} -o FILE` and pass --opening FILE \
             to every `zkml prove --segment`",
            args.dir.display()
        ),
        None => (fresh_seed(), true),
    };
    let groups = file.map(|f| f.groups()).unwrap_or_default();
    let openings =
        zkml_core::backend::resolve_openings(b, q, vis, &groups).context("the opening file")?;
    Ok((seed.0, openings, seed.1))
}

/// `zkml prove` on a segmented setup.
pub fn prove(args: &ProveArgs, settings: &Settings, b: &PlonkBackend) -> Result<ExitCode> {
    let q = super::prove::read_model(args, settings, |_| Ok(()))?;
    let info = info(settings, &q)?;
    let n = info.count;
    let segs = q.segment(&info.cuts)?;
    let trace = super::prove::run_input(args, settings, &q)?;
    let vis = settings.visibility.clone();
    let (seed, openings, fresh) = seed_and_openings(args, b, &q, &vis)?;
    let which: Vec<usize> = match args.segment {
        Some(i) => {
            ensure!(
                i < n,
                "--segment {i}: the setup has {n} segments (0..{})",
                n - 1
            );
            vec![i]
        }
        None => (0..n).collect(),
    };
    let prove_one = |i: usize| -> Result<SegmentProof> {
        let path = key_path(&args.dir, "pk", i);
        let pk = PlonkProvingKey::from_file(&path, &segs[i].graph, b)
            .with_context(|| format!("`{}`", path.display()))?;
        prove_segment(b, &pk, &segs, i, &trace, &openings, &seed)
            .with_context(|| format!("proving segment {i}"))
    };
    let budget = super::layout::budget(args.max_memory);
    let jobs = super::segment_jobs::jobs_within(args.jobs, &which, &info.peak_bytes, budget);
    let mut proofs = super::segment_jobs::prove_all(&which, n, jobs, prove_one)?;
    proofs.sort_by_key(|p| p.index);
    // The opening first: a proof never exists without the opening of its
    // commitments. Written when the seed is new (the prover must keep it), or
    // when this run holds the model's own committed input or output; never a
    // copy of a given seed beside every middle segment's proof.
    let holds_model_group = proofs.iter().any(|p| {
        (p.index == 0 && vis.input == Vis::Committed)
            || (p.index + 1 == n && vis.output == Vis::Committed)
    });
    if fresh || holds_model_group {
        let first = proofs
            .iter()
            .find(|p| p.index == 0)
            .map(|p| p.public.commitments);
        let last = proofs
            .iter()
            .find(|p| p.index == n - 1)
            .map(|p| p.public.commitments);
        let group = |c: Option<zkml_core::backend::Commitment>,
                     b: Option<zkml_core::backend::Blinding>| {
            c.zip(b)
                .map(|(commitment, blinding)| artifacts::GroupOpening {
                    commitment,
                    blinding,
                })
        };
        let mut f = OpeningFile::new(
            PlonkBackend::NAME,
            None,
            group(
                first
                    .and_then(|c| c.input)
                    .filter(|_| vis.input == Vis::Committed),
                openings.input,
            ),
            group(
                last.and_then(|c| c.output)
                    .filter(|_| vis.output == Vis::Committed),
                openings.output,
            ),
        );
        f.segment_seed = Some(FieldBytes(seed));
        let path = args.output.with_extension("opening.json");
        f.write(&path)?;
        println!(
            "wrote {} (SECRET: the segment seed and commitment openings)",
            path.display()
        );
    }
    let bytes = match args.segment {
        Some(_) => proofs[0].to_bytes(),
        None => bundle_to_bytes(&proofs),
    };
    artifacts::write_atomic(&args.output, &bytes)?;
    match args.segment {
        Some(i) => println!("wrote {} (segment {i} of {n})", args.output.display()),
        None => println!(
            "wrote {} ({n} segment proofs, {} bytes)",
            args.output.display(),
            bytes.len()
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkml bundle`: segment proofs (any order) into one bundle, in order; each
/// segment exactly once.
pub fn bundle(args: BundleArgs) -> Result<ExitCode> {
    let settings = artifacts::read_settings(&args.dir)?;
    let n = settings
        .segments
        .as_ref()
        .map(|s| s.count)
        .with_context(|| format!("`{}` is not a segmented setup", args.dir.display()))?;
    let mut proofs: Vec<SegmentProof> = vec![];
    for p in &args.proofs {
        let bytes = std::fs::read(p).with_context(|| format!("reading `{}`", p.display()))?;
        let sp = SegmentProof::from_bytes(&bytes).with_context(|| format!("`{}`", p.display()))?;
        ensure!(
            sp.count == n,
            "`{}` is a proof of segment {} of {}, the setup has {n} segments",
            p.display(),
            sp.index,
            sp.count
        );
        ensure!(
            !proofs.iter().any(|q| q.index == sp.index),
            "segment {} is given twice (again in `{}`)",
            sp.index,
            p.display()
        );
        proofs.push(sp);
    }
    proofs.sort_by_key(|p| p.index);
    if let Some(m) = (0..n).find(|&i| !proofs.iter().any(|p| p.index == i)) {
        bail!("segment {m} of {n} is missing: prove it with `zkml prove … --segment {m}`");
    }
    artifacts::write_atomic(&args.output, &bundle_to_bytes(&proofs))?;
    println!("wrote {} ({n} segment proofs)", args.output.display());
    Ok(ExitCode::SUCCESS)
}

/// `zkml verify` of a bundle against a segmented setup: exit 0 valid, 1
/// rejected.
pub fn verify(
    args: &VerifyArgs,
    settings: &Settings,
    b: &PlonkBackend,
    expected: &zkml_core::backend::Commitments,
) -> Result<ExitCode> {
    let s = settings
        .segments
        .clone()
        .context("this setup is not segmented")?;
    ensure!(
        expected.weights.is_none(),
        "--weights-commitment: a segmented proof shows one weights commitment per segment, not \
         the whole model's"
    );
    let mut vks = Vec::with_capacity(s.count);
    for i in 0..s.count {
        let path = key_path(&args.dir, "vk", i);
        let bytes =
            std::fs::read(&path).with_context(|| format!("reading `{}`", path.display()))?;
        let vk = PlonkVerifyingKey::from_bytes(&bytes, b)
            .with_context(|| format!("`{}`", path.display()))?;
        ensure!(
            artifacts::hex(&vk.model_hash) == s.model_hashes[i],
            "`{}` is not the key settings.json lists for segment {i}",
            path.display()
        );
        // The SRS the keys were made with must be trusted (as for one proof).
        let trust = b.trust(
            &vk,
            &format!("`{}`", path.display()),
            args.allow_insecure_srs,
        )?;
        if i == 0 {
            eprintln!("{}", trust.message);
        }
        vks.push(vk);
    }
    let t = Instant::now();
    let checked = (|| -> Result<_> {
        let bytes = std::fs::read(&args.proof)
            .with_context(|| format!("reading `{}`", args.proof.display()))?;
        ensure!(
            is_bundle(&bytes),
            "`{}` is not a bundle of segment proofs (gather them with `zkml bundle`)",
            args.proof.display()
        );
        let proofs = bundle_from_bytes(&bytes)?;
        let chain = verify_segments(b, &settings.visibility, &vks, &proofs)?;
        let shown = chain.public.commitments;
        for (what, want, got) in [
            ("input", expected.input, shown.input),
            ("output", expected.output, shown.output),
        ] {
            if let Some(w) = want {
                ensure!(
                    got == Some(w),
                    "the {what} commitment is {}, not {w} (--{what}-commitment)",
                    got.map(|c| c.to_hex()).unwrap_or_else(|| "absent".into())
                );
            }
        }
        Ok(chain)
    })();
    match checked {
        Ok(chain) => {
            let ms = t.elapsed().as_secs_f64() * 1e3;
            let meta = &vks[s.count - 1].layout.output_meta;
            let outputs = super::verify::real_outputs(&chain.public.outputs, meta);
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"valid": true, "segments": s.count, "outputs": outputs, "commitments": chain.public.commitments, "verify_ms": ms})
                );
            } else {
                println!("proof is VALID ({} segments, {ms:.1} ms)", s.count);
                for (i, o) in outputs.iter().enumerate() {
                    println!("output {i}: {}", super::fmt_list(o.iter().copied()));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let reason = format!("{e:#}");
            if args.json {
                println!("{}", serde_json::json!({"valid": false, "reason": reason}));
            }
            eprintln!("proof `{}` REJECTED: {reason}", args.proof.display());
            Ok(ExitCode::from(1))
        }
    }
}
