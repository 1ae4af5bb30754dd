//! Helpers shared by the proving commands: flags → options, spinners, memory.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use zkml_core::backend::{Reveal, Vis, Visibility};
use zkml_plonk::PlonkBackend;

use crate::cli::{ProofArgs, RevealArg, SrsArgs, VisArg};

fn vis(v: VisArg) -> Vis {
    match v {
        VisArg::Public => Vis::Public,
        VisArg::Private => Vis::Private,
        VisArg::Fixed => Vis::Fixed,
        VisArg::Committed => Vis::Committed,
    }
}

/// The visibility the flags ask for. `--reveal` decides the outputs'
/// visibility unless `--output` is given, which must then agree with it.
pub fn visibility(p: &ProofArgs) -> Result<Visibility> {
    let (output, reveal) = match (&p.reveal, p.output_vis) {
        (None, out) => (out.map_or(Vis::Public, vis), Reveal::None),
        (Some(RevealArg::All), None | Some(VisArg::Public)) => (Vis::Public, Reveal::None),
        (Some(RevealArg::All), Some(_)) => {
            bail!("--reveal all makes the outputs public; drop --output or use --output public")
        }
        (Some(_), Some(VisArg::Public)) => bail!(
            "--output public reveals every output already; a partial --reveal needs \
             --output private (or no --output)"
        ),
        (Some(r), out) => (
            out.map_or(Vis::Private, vis),
            match r {
                RevealArg::All | RevealArg::None => Reveal::None,
                RevealArg::Argmax => Reveal::Argmax,
                RevealArg::Indices(ix) => Reveal::Indices(ix.clone()),
            },
        ),
    };
    Ok(Visibility {
        input: vis(p.input_vis),
        weights: vis(p.weights_vis),
        output,
        reveal,
    })
}

/// The backend with the SRS flags applied.
pub fn backend(srs: &SrsArgs) -> PlonkBackend {
    let mut b = PlonkBackend::default();
    if let Some(d) = &srs.dir {
        b.srs_dir = d.clone();
    }
    b.srs_file = srs.file.clone();
    b
}

/// Describes where the SRS comes from, warning when it is a local, insecure one.
pub fn srs_note(b: &PlonkBackend) -> String {
    match &b.srs_file {
        Some(f) => format!("ceremony file {}", f.display()),
        None => format!(
            "local INSECURE SRS for testing only (cached in {})",
            b.srs_dir.display()
        ),
    }
}

/// Runs `f` under a spinner that shows `msg` and the elapsed time (stderr,
/// hidden when stderr is not a terminal); returns its result and duration.
pub fn step<T>(msg: &str, f: impl FnOnce() -> Result<T>) -> Result<(T, Duration)> {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("static template"),
    );
    bar.set_message(msg.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    let t = Instant::now();
    let r = f();
    bar.finish_and_clear();
    Ok((r?, t.elapsed()))
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
