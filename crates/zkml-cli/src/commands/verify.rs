//! `zkml verify`: check a proof with the verifying key alone.
//!
//! Exit 0 iff the proof is valid; exit 1 when it is rejected (malformed, for
//! another model, failing verification, or showing another commitment than a
//! `--…-commitment` flag asks for); exit 2 when the setup directory cannot be
//! read or a flag is malformed.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, ensure, Context, Result};
use serde_json::json;
use zkml_core::backend::{Backend, Commitment, Commitments};
use zkml_plonk::{PlonkProof, PlonkVerifyingKey};

use super::proving::backend;
use crate::artifacts::{self, ProofFile, Revealed, Settings};
use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let expected = expected_commitments(&args)?;
    let settings = artifacts::read_settings(&args.dir)?;
    let b = backend(&args.srs);
    let vk_path = args.dir.join("vk.bin");
    let vk_bytes =
        std::fs::read(&vk_path).with_context(|| format!("reading `{}`", vk_path.display()))?;
    let vk = PlonkVerifyingKey::from_bytes(&vk_bytes, &b)
        .with_context(|| format!("`{}`", vk_path.display()))?;
    // What is printed (outputs as reals, what is revealed) comes from the key
    // the proof is checked against; settings.json must describe the same statement.
    artifacts::check_settings_against_key(
        &settings,
        &args.dir.join("settings.json"),
        &vk_path,
        &vk.model_hash,
        vk.k,
        vk.shape.act_bits,
        &vk.layout,
    )?;
    let trust = srs_trust(&args, &b, &vk, &vk_path)?;
    let t = Instant::now();
    match check(&args, &settings, &b, &vk, &expected) {
        Ok((outputs, revealed, commitments)) => {
            let ms = t.elapsed().as_secs_f64() * 1e3;
            if args.json {
                println!(
                    "{}",
                    json!({"valid": true, "outputs": outputs, "revealed": revealed, "commitments": commitments, "verify_ms": ms, "srs": trust})
                );
            } else {
                println!("proof is VALID ({ms:.1} ms)");
                for (i, o) in outputs.iter().enumerate() {
                    println!("output {i}: {}", super::fmt_list(o.iter().copied()));
                }
                for line in revealed.iter().flat_map(Revealed::lines) {
                    println!("{line}");
                }
                let flags = [
                    expected.input.is_some(),
                    expected.weights.is_some(),
                    expected.output.is_some(),
                ];
                let shown = [commitments.input, commitments.weights, commitments.output];
                for ((what, c), checked) in
                    ["input", "weights", "output"].iter().zip(shown).zip(flags)
                {
                    match (c, checked) {
                        (Some(c), true) => {
                            println!("{what} commitment: {c} (matches --{what}-commitment)")
                        }
                        (Some(c), false) => println!(
                            "{what} commitment: {c} (not compared: pass --{what}-commitment C \
                             to require it)"
                        ),
                        (None, _) => {}
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let reason = format!("{e:#}");
            if args.json {
                println!("{}", json!({"valid": false, "reason": reason}));
            }
            eprintln!("proof `{}` REJECTED: {reason}", args.proof.display());
            Ok(ExitCode::from(1))
        }
    }
}

/// Which SRS the verifier trusts: a ceremony file (`--srs`, whose points
/// `PlonkVerifyingKey::from_bytes` already compared with the key's), or, only
/// with `--allow-insecure-srs`, the points inside vk.bin. Says so on stderr;
/// refuses (exit 2) otherwise, naming what made the key's SRS.
fn srs_trust(
    args: &VerifyArgs,
    b: &zkml_plonk::PlonkBackend,
    vk: &PlonkVerifyingKey,
    vk_path: &std::path::Path,
) -> Result<serde_json::Value> {
    let digest = artifacts::hex(&vk.srs.digest());
    if let Some(f) = &args.srs.file {
        eprintln!(
            "SRS: trusted: the ceremony file {} (the key's SRS points match it; SRS digest {digest})",
            f.display()
        );
        return Ok(
            json!({"trusted": true, "source": "file", "file": f.display().to_string(), "digest": digest}),
        );
    }
    // from_bytes compared the key with a cached local SRS for its k, if any.
    let local = zkml_plonk::srs::cached_file(&b.srs_dir, vk.k);
    let origin = match &local {
        Some(p) => format!(
            "the local INSECURE SRS cached at {} (made on this machine by `zkml setup` without              --srs; its secret was never destroyed, so whoever has that file can forge proofs)",
            p.display()
        ),
        None => "its own SRS points, which no ceremony file vouches for (whoever generated that                  SRS can forge proofs)"
            .to_string(),
    };
    if !args.allow_insecure_srs {
        bail!(
            "`{}` carries {origin}; refusing to trust it. Pass --srs FILE, the ceremony SRS the              key was made with, or --allow-insecure-srs to accept it for testing (SRS digest {digest})",
            vk_path.display()
        );
    }
    eprintln!(
        "warning: SRS NOT TRUSTED (--allow-insecure-srs): `{}` carries {origin}; a VALID result          below shows only that the proof matches this key (SRS digest {digest})",
        vk_path.display()
    );
    Ok(
        json!({"trusted": false, "source": if local.is_some() { "local-cache" } else { "key" }, "digest": digest}),
    )
}

/// The commitments the flags require.
fn expected_commitments(args: &VerifyArgs) -> Result<Commitments> {
    let parse = |s: &Option<String>, flag: &str| {
        s.as_deref()
            .map(|s| artifacts::parse_commitment(s, flag))
            .transpose()
    };
    Ok(Commitments {
        input: parse(&args.input_commitment, "--input-commitment")?,
        weights: parse(&args.weights_commitment, "--weights-commitment")?,
        output: parse(&args.output_commitment, "--output-commitment")?,
    })
}

/// Everything that can reject a proof; returns the verified outputs as reals,
/// what the proof reveals of hidden outputs, and its commitments.
fn check(
    args: &VerifyArgs,
    settings: &Settings,
    b: &zkml_plonk::PlonkBackend,
    vk: &PlonkVerifyingKey,
    expected: &Commitments,
) -> Result<(Vec<Vec<f64>>, Option<Revealed>, Commitments)> {
    let file: ProofFile = artifacts::read_json(&args.proof)?;
    artifacts::check_format(&args.proof, &file.format, file.version, "zkml-proof")?;
    ensure!(
        file.backend == settings.backend,
        "the proof is for backend `{}`, not `{}`",
        file.backend,
        settings.backend
    );
    ensure!(
        file.model_hash == settings.model_hash,
        "the proof is for another model or setup (model hash {}…, this setup has {}…)",
        file.model_hash.chars().take(16).collect::<String>(),
        settings.model_hash.chars().take(16).collect::<String>()
    );
    let bytes = artifacts::unhex(&file.proof).context("the proof field is not hex")?;
    let proof = PlonkProof::from_bytes(&bytes)?;
    b.verify(vk, &file.public, &proof)?;
    let revealed = Revealed::of(
        &vk.layout.vis.reveal,
        &file.public.revealed,
        &settings.outputs,
    )?;
    // Compared after the JSON round trip the file's view went through (its
    // reals are parsed back, which need not be bit-exact in general).
    let as_read: Option<Revealed> = serde_json::from_str(&serde_json::to_string(&revealed)?)?;
    ensure!(
        file.revealed == as_read,
        "the proof file's `revealed` field does not match its verified public values"
    );
    // Every field derived from the verified integers must be what they give.
    let outputs = real_outputs(&file.public.outputs, &vk.layout.output_meta);
    let as_read: Vec<Vec<f64>> = serde_json::from_str(&serde_json::to_string(&outputs)?)?;
    ensure!(
        file.outputs == as_read,
        "the proof file's `outputs` field (the outputs as reals) does not match its verified \
         public values"
    );
    let field: Vec<String> = vk
        .layout
        .instance(&file.public)?
        .iter()
        .map(|f| format!("{f:?}"))
        .collect();
    ensure!(
        file.public_field_elements == field,
        "the proof file's `public_field_elements` field does not match its verified public values"
    );
    let got = file.public.commitments;
    for (what, want, have) in [
        ("input", expected.input, got.input),
        ("weights", expected.weights, got.weights),
        ("output", expected.output, got.output),
    ] {
        compare(what, want, have)?;
    }
    Ok((outputs, revealed, got))
}

/// The public outputs as reals: integer / 2^scale.
pub fn real_outputs(ints: &[Vec<i64>], metas: &[zkml_plonk::TensorMeta]) -> Vec<Vec<f64>> {
    ints.iter()
        .zip(metas)
        .map(|(v, m)| v.iter().map(|&x| x as f64 / 2f64.powi(m.scale)).collect())
        .collect()
}

/// A required commitment must be the proof's.
fn compare(what: &str, want: Option<Commitment>, have: Option<Commitment>) -> Result<()> {
    match (want, have) {
        (Some(w), Some(h)) => ensure!(
            w == h,
            "the proof's {what} commitment is {h}, not the expected {w}: it was made with other \
             {what}"
        ),
        (Some(_), None) => {
            bail!("a {what} commitment was required, but this setup does not commit the {what}")
        }
        _ => {}
    }
    Ok(())
}
