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
use zkml_core::backend::{Backend, Commitment, Commitments, KeyInfo, TensorMeta};

use zkml_sumcheck::profile::span;

use super::proving::with_backend;
use crate::artifacts::{self, ProofFile, Revealed, Settings};
use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> Result<ExitCode> {
    let expected = expected_commitments(&args)?;
    let (settings, kind) = artifacts::read_settings_for(&args.dir, args.backend)?;
    if settings.segments.is_some() {
        return super::segments::verify(
            &args,
            &settings,
            &super::proving::plonk(&args.srs, true),
            &expected,
        );
    }
    with_backend!(kind, &args.srs, true, |b| verify_with(
        b, &args, &settings, &expected
    ))
}

/// `zkml verify` with backend `b` (the one `settings` names).
fn verify_with<B: Backend>(
    b: &B,
    args: &VerifyArgs,
    settings: &Settings,
    expected: &Commitments,
) -> Result<ExitCode> {
    let vk_path = args.dir.join("vk.bin");
    let s = span("cli/read_vk_file");
    let vk_bytes =
        std::fs::read(&vk_path).with_context(|| format!("reading `{}`", vk_path.display()))?;
    drop(s);
    let s = span("cli/decode_vk");
    let vk = b
        .verifying_key_from_bytes(&vk_bytes)
        .with_context(|| format!("`{}`", vk_path.display()))?;
    drop(s);
    let key = b.verifying_key_info(&vk);
    // What is printed (outputs as reals, what is revealed) comes from the key
    // the proof is checked against; settings.json must describe the same statement.
    artifacts::check_settings_against_key(
        settings,
        &args.dir.join("settings.json"),
        &vk_path,
        &key,
    )?;
    let trust = b.trust(
        &vk,
        &format!("`{}`", vk_path.display()),
        args.allow_insecure_srs,
    )?;
    eprintln!("{}", trust.message);
    let trust = match &trust.file {
        Some(f) => {
            json!({"trusted": trust.trusted, "source": trust.source, "file": f, "digest": trust.digest})
        }
        None => json!({"trusted": trust.trusted, "source": trust.source, "digest": trust.digest}),
    };
    let t = Instant::now();
    let checked = check(args, settings, b, &vk, &key, expected);
    // With `ZKML_SUMCHECK_PROFILE` set: the phases outside the backend's verifier.
    zkml_sumcheck::profile::report("zkml verify, outside the backend's verifier");
    match checked {
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
fn check<B: Backend>(
    args: &VerifyArgs,
    settings: &Settings,
    b: &B,
    vk: &B::VerifyingKey,
    key: &KeyInfo,
    expected: &Commitments,
) -> Result<(Vec<Vec<f64>>, Option<Revealed>, Commitments)> {
    let s = span("cli/read_proof_json");
    let file: ProofFile = artifacts::read_json(&args.proof)?;
    drop(s);
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
    let s = span("cli/decode_proof");
    let bytes = artifacts::unhex(&file.proof).context("the proof field is not hex")?;
    let proof = b.proof_from_bytes(&bytes)?;
    drop(s);
    b.verify(vk, &file.public, &proof)?;
    let _s = span("cli/after_verify");
    let revealed = Revealed::of(
        &key.visibility.reveal,
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
    let outputs = real_outputs(&file.public.outputs, &key.outputs);
    let as_read: Vec<Vec<f64>> = serde_json::from_str(&serde_json::to_string(&outputs)?)?;
    ensure!(
        file.outputs == as_read,
        "the proof file's `outputs` field (the outputs as reals) does not match its verified \
         public values"
    );
    let field: Vec<String> = b
        .public_field_elements(key, &file.public)?
        .iter()
        .map(|f| f.to_hex())
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
pub fn real_outputs(ints: &[Vec<i64>], metas: &[TensorMeta]) -> Vec<Vec<f64>> {
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
