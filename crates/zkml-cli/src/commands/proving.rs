//! Helpers shared by the proving commands: flags → options, spinners, memory.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressStyle};
use zkml_core::backend::{Backend, Reveal, Vis, Visibility};
use zkml_plonk::PlonkBackend;
use zkml_sumcheck::ZkSumcheckBackend;

use crate::cli::{BackendArg, ProofArgs, RevealArg, SrsArgs, VisArg};

/// Runs `$body` with `$b` bound to (a reference to) the backend `$arg`
/// names, built from the SRS flags `$srs` and `$matrix_check`: the one place
/// the CLI names a backend type; commands are generic over
/// [`zkml_core::backend::Backend`].
macro_rules! with_backend {
    ($arg:expr, $srs:expr, $matrix_check:expr, |$b:ident| $body:expr) => {
        match $arg {
            $crate::cli::BackendArg::Plonk => {
                let $b = &$crate::commands::proving::plonk($srs, $matrix_check);
                $body
            }
            $crate::cli::BackendArg::Sumcheck => {
                let $b = &$crate::commands::proving::sumcheck();
                $body
            }
        }
    };
}
pub(crate) use with_backend;

/// The name files carry for `b`.
pub fn backend_name(b: BackendArg) -> &'static str {
    match b {
        BackendArg::Plonk => PlonkBackend::NAME,
        BackendArg::Sumcheck => ZkSumcheckBackend::NAME,
    }
}

/// The backend a file names (`settings.json`'s `backend`).
pub fn backend_named(name: &str) -> Option<BackendArg> {
    [BackendArg::Plonk, BackendArg::Sumcheck]
        .into_iter()
        .find(|&b| backend_name(b) == name)
}

/// The sumcheck backend.
pub fn sumcheck() -> ZkSumcheckBackend {
    ZkSumcheckBackend
}

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

/// The plonk backend with the SRS and planning flags applied.
pub fn plonk(srs: &SrsArgs, matrix_check: bool) -> PlonkBackend {
    let mut b = PlonkBackend::default();
    if let Some(d) = &srs.dir {
        b.srs_dir = d.clone();
    }
    b.srs_file = srs.file.clone();
    b.matrix_check = matrix_check;
    b
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

/// CPU time (user + system) of this process's live threads so far, in
/// seconds: the sum of the run times in `/proc/self/task/*/schedstat`
/// (nanoseconds; `/proc/self/stat` counts in 10 ms ticks, too coarse for a
/// verification). `None` without `/proc`. A thread that has exited is no
/// longer counted; rayon's pool lives as long as the process, so a
/// difference of two readings is the CPU time spent between them.
pub fn cpu_seconds() -> Option<f64> {
    let mut ns: u64 = 0;
    for e in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        // A thread may end between listing and reading: skip it.
        if let Ok(s) = std::fs::read_to_string(e.path().join("schedstat")) {
            ns += s.split_whitespace().next()?.parse::<u64>().ok()?;
        }
    }
    Some(ns as f64 * 1e-9)
}

/// Peak resident memory of this process so far (VmHWM), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
