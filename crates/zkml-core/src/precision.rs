//! Automatic precision: quantize at the defaults, and where the integer run
//! strays from the float run, step up a short ladder of finer settings.
//!
//! A new user runs `zkml run model.onnx input.json` without knowing which
//! `--weight-bits` / `--act-bits` / `--max-scale` their model needs.
//! [`choose`] quantizes at each rung of [`LADDER`] in turn, runs the integer
//! executor and the float executor on the calibration samples, and stops at
//! the first rung whose outputs meet [`Tolerance::AUTO`]:
//!
//! * per output, `max |int − float| ≤ max(absolute, relative · max |float|)`;
//! * per row (last axis, length ≥ 2) of every output, the argmax agrees,
//!   except on rows whose float top two are within that tolerance of each
//!   other (near-ties, where the argmax is noise);
//! * the integer run stays within the activation range (an
//!   [`Error::OutOfRange`] at a rung counts as a miss, not a failure).
//!
//! The tolerance is half the one zkml's real-model tests (and issue 9) hold
//! models to (2 %, at least 0.02), so a model the ladder accepts on its
//! calibration inputs keeps a margin on others.
//!
//! The first rung is the defaults ([`QuantConfig::default`]'s widths), so a
//! model that meets the tolerance there is quantized exactly as without
//! automatic precision: same [`QGraph`], same circuit. Each later rung adds
//! precision where the measured real models needed it, cheapest first:
//! weights only (activation tables and range checks keep their size), then
//! more fraction bits of activations with `act_bits` grown by as many, so the
//! real range of a finest-scale activation (`±2^(act_bits−1−max_scale)`)
//! stays that of the defaults.
//!
//! Errors: a quantization or execution error other than out-of-range is
//! returned as is ([`PrecisionError::Core`]); when no rung meets the
//! tolerance, [`PrecisionError::Exhausted`] lists what each rung measured,
//! names the most accurate one, and suggests the flags to try next.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

use crate::compare::argmax_flips;
use crate::error::Error;
use crate::exec::execute;
use crate::float::eval_float;
use crate::graph::Graph;
use crate::quant::{quantize, Calibration, QGraph, QuantConfig};
use crate::tensor::FTensor;

/// One setting of the ladder: the three widths `zkml`'s flags set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rung {
    /// `--weight-bits`: weights are signed integers of this many bits.
    pub weight_bits: u32,
    /// `--act-bits`: activations are signed integers of this many bits.
    pub act_bits: u32,
    /// `--max-scale`: the most fraction bits an activation gets.
    pub max_scale: i32,
}

impl Rung {
    /// `cfg` with this rung's widths (margin, per-channel weights and the
    /// rest unchanged).
    pub fn apply(&self, cfg: &QuantConfig) -> QuantConfig {
        QuantConfig {
            weight_bits: self.weight_bits,
            act_bits: self.act_bits,
            max_scale: self.max_scale,
            ..cfg.clone()
        }
    }

    /// The rung `cfg` is at.
    pub fn of(cfg: &QuantConfig) -> Self {
        Self {
            weight_bits: cfg.weight_bits,
            act_bits: cfg.act_bits,
            max_scale: cfg.max_scale,
        }
    }

    /// The zkml flags that select this rung.
    pub fn flags(&self) -> String {
        format!(
            "--weight-bits {} --act-bits {} --max-scale {}",
            self.weight_bits, self.act_bits, self.max_scale
        )
    }
}

/// The ladder [`choose`] climbs, cheapest first. Rung 0 is the defaults.
///
/// | rung | weight bits | act bits | max scale | what it buys |
/// |---|---|---|---|---|
/// | 0 | 10 | 16 | 8 | the defaults |
/// | 1 | 14 | 16 | 8 | finer weights only (no larger tables) |
/// | 2 | 14 | 20 | 12 | 4 more fraction bits of activations (the OCR recognizer) |
/// | 3 | 16 | 22 | 14 | 2 more, and finer weights (the OCR detector) |
/// | 4 | 16 | 24 | 16 | the cap |
///
/// Rungs 2–4 keep `act_bits − 1 − max_scale = 7`, the defaults' real range
/// of a finest-scale activation; wider activations make every range check
/// and table function larger (a 24-bit Sigmoid table alone needs k = 21),
/// so the ladder stops at 24 bits.
pub const LADDER: [Rung; 5] = [
    Rung {
        weight_bits: 10,
        act_bits: 16,
        max_scale: 8,
    },
    Rung {
        weight_bits: 14,
        act_bits: 16,
        max_scale: 8,
    },
    Rung {
        weight_bits: 14,
        act_bits: 20,
        max_scale: 12,
    },
    Rung {
        weight_bits: 16,
        act_bits: 22,
        max_scale: 14,
    },
    Rung {
        weight_bits: 16,
        act_bits: 24,
        max_scale: 16,
    },
];

/// How close the dequantized integer outputs must come to the float outputs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Tolerance {
    /// Allowed error as a fraction of the output's largest `|float|`.
    pub relative: f64,
    /// The allowed error is at least this (outputs near zero).
    pub absolute: f64,
}

impl Tolerance {
    /// What automatic precision aims for: 1 % of the largest `|output|`, at
    /// least 0.01 (half the real-model tests' 2 %, at least 0.02).
    pub const AUTO: Self = Self {
        relative: 0.01,
        absolute: 0.01,
    };

    /// The error allowed on an output whose largest `|float|` is `max_abs`.
    pub fn allowed(&self, max_abs: f64) -> f64 {
        (self.relative * max_abs).max(self.absolute)
    }
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}% of the largest |output|, at least {}",
            100.0 * self.relative,
            self.absolute
        )
    }
}

/// What one rung measured over the samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measure {
    /// The output whose error is largest against its tolerance.
    pub worst_output: usize,
    /// Its `max |int − float|`.
    pub max_abs_error: f64,
    /// Its largest `|float|`.
    pub max_abs_output: f64,
    /// The error it was allowed.
    pub allowed: f64,
    /// Rows (last axis) whose argmax was checked, over every output.
    pub argmax_rows: usize,
    /// Of those, rows whose argmax differs.
    pub argmax_flips: usize,
}

impl Measure {
    /// The worst output's error as a fraction of its largest `|float|`.
    pub fn relative(&self) -> f64 {
        if self.max_abs_output > 0.0 {
            self.max_abs_error / self.max_abs_output
        } else {
            0.0
        }
    }

    /// Whether every output is within its tolerance and every checked argmax
    /// agrees.
    pub fn meets(&self) -> bool {
        self.max_abs_error <= self.allowed && self.argmax_flips == 0
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.2}% max error (output {}: {:.4} of {:.4})",
            100.0 * self.relative(),
            self.worst_output,
            self.max_abs_error,
            self.max_abs_output
        )?;
        if self.argmax_flips > 0 {
            write!(
                f,
                ", argmax differs in {} of {} rows",
                self.argmax_flips, self.argmax_rows
            )?;
        }
        Ok(())
    }
}

/// What happened at one rung.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub enum Outcome {
    /// The integer run completed; how close it came.
    Measured(Measure),
    /// The integer run left the activation range (the error's message).
    OutOfRange(String),
}

impl Outcome {
    fn meets(&self) -> bool {
        matches!(self, Outcome::Measured(m) if m.meets())
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Measured(m) => m.fmt(f),
            Outcome::OutOfRange(_) => f.write_str("an activation left the range"),
        }
    }
}

/// One rung tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attempt {
    /// The rung.
    pub rung: Rung,
    /// What it measured.
    pub outcome: Outcome,
}

/// The setting [`choose`] picked and the model quantized at it.
#[derive(Clone, Debug)]
pub struct Choice {
    /// The settings (the base config at the chosen rung).
    pub config: QuantConfig,
    /// The model quantized with them.
    pub qgraph: QGraph,
    /// Every rung tried, in order; the last is the chosen one.
    pub tried: Vec<Attempt>,
}

impl Choice {
    /// Whether the defaults were kept (the first rung met the tolerance).
    pub fn is_default(&self) -> bool {
        self.tried.len() == 1
    }

    /// One line for people: what was chosen and why, e.g. `precision:
    /// defaults gave 4.30% max error (…); using --weight-bits 14 --act-bits
    /// 24 --max-scale 16: 0.60% (…)`.
    pub fn summary(&self) -> String {
        let last = self.tried.last().expect("choose tries at least one rung");
        if self.is_default() {
            return format!(
                "precision: defaults, {} (tolerance {})",
                last.outcome,
                Tolerance::AUTO
            );
        }
        format!(
            "precision: defaults gave {}; using {}: {} (tolerance {}; `--precision fixed` keeps the defaults)",
            self.tried[0].outcome,
            last.rung.flags(),
            last.outcome,
            Tolerance::AUTO
        )
    }
}

/// Automatic precision could not proceed.
#[derive(Debug, Error)]
pub enum PrecisionError {
    /// Quantizing or running the model failed for a reason no rung changes.
    #[error(transparent)]
    Core(#[from] Error),
    /// No rung met the tolerance.
    #[error("{}", exhausted_message(*.tolerance, .tried, *.best))]
    Exhausted {
        /// The tolerance aimed for.
        tolerance: Tolerance,
        /// Every rung, with what it measured.
        tried: Vec<Attempt>,
        /// Index into `tried` of the most accurate rung that ran (the
        /// smallest error against its tolerance), if any ran.
        best: Option<usize>,
    },
}

/// The flags one step past the top of the ladder (four more fraction bits).
pub fn next_step_flags() -> String {
    let top = LADDER[LADDER.len() - 1];
    Rung {
        weight_bits: top.weight_bits,
        act_bits: (top.act_bits + 4).min(40),
        max_scale: top.max_scale + 4,
    }
    .flags()
}

fn exhausted_message(tol: Tolerance, tried: &[Attempt], best: Option<usize>) -> String {
    let top = tried.last().map_or(LADDER[LADDER.len() - 1], |a| a.rung);
    let each: Vec<String> = tried
        .iter()
        .map(|a| format!("{}: {}", a.rung.flags(), a.outcome))
        .collect();
    let best = match best {
        Some(b) => format!("the most accurate was {}", tried[b].rung.flags()),
        None => "none ran within the activation range".to_string(),
    };
    format!(
        "automatic precision: no setting up to {} meets the tolerance ({tol}) on the \
         calibration input(s); measured {}; {best}. Try {} (finer activations), calibrate on \
         more inputs like the ones you will prove (--calibration), or set the precision \
         yourself with --weight-bits/--act-bits/--max-scale",
        top.flags(),
        each.join("; "),
        next_step_flags()
    )
}

/// Quantizes `g` at `cfg` and measures the integer run against the float run
/// on every sample.
///
/// # Errors
/// Quantization errors, and execution errors other than out-of-range
/// (returned in [`Outcome::OutOfRange`] with the quantized graph).
pub fn measure(
    g: &Graph,
    cal: &Calibration,
    samples: &[Vec<FTensor>],
    cfg: &QuantConfig,
    tol: Tolerance,
) -> Result<(QGraph, Outcome), Error> {
    measure_cached(g, cal, samples, cfg, tol, &mut FloatOutputs::default())
}

/// The float model's outputs on each sample, run once and kept for every
/// rung measured (the float run does not depend on the rung).
#[derive(Default)]
struct FloatOutputs(Vec<Vec<FTensor>>);

impl FloatOutputs {
    /// The outputs of sample `s` (`x`), run on first use.
    fn get(&mut self, g: &Graph, s: usize, x: &[FTensor]) -> Result<&[FTensor], Error> {
        while self.0.len() <= s {
            self.0.push(vec![]);
        }
        if self.0[s].is_empty() && !g.outputs.is_empty() {
            let all = eval_float(g, x)?;
            self.0[s] = g.outputs.iter().map(|&o| all[o].clone()).collect();
        }
        Ok(&self.0[s])
    }
}

/// [`measure`] with the float outputs kept in `floats` across calls.
fn measure_cached(
    g: &Graph,
    cal: &Calibration,
    samples: &[Vec<FTensor>],
    cfg: &QuantConfig,
    tol: Tolerance,
    floats: &mut FloatOutputs,
) -> Result<(QGraph, Outcome), Error> {
    let q = quantize(g, cal, cfg)?;
    let mut worst: Option<(f64, Measure)> = None;
    let (mut rows, mut flips) = (0, 0);
    for (s, x) in samples.iter().enumerate() {
        let trace = match execute(&q, x) {
            Ok(t) => t,
            Err(e @ Error::OutOfRange { .. }) => {
                return Ok((q, Outcome::OutOfRange(e.to_string())))
            }
            Err(e) => return Err(e),
        };
        let int_out = trace.dequantized_outputs(&q);
        let all = floats.get(g, s, x)?;
        for (i, (qi, f)) in int_out.iter().zip(all).enumerate() {
            let max_out = f.iter().fold(0f64, |m, &v| m.max(f64::from(v).abs()));
            let allowed = tol.allowed(max_out);
            let err = qi
                .iter()
                .zip(f.iter())
                .fold(0f64, |m, (&a, &b)| m.max((a - f64::from(b)).abs()));
            // NaN errors compare false: count them as the worst.
            let ratio = if err.is_nan() {
                f64::INFINITY
            } else {
                err / allowed
            };
            if worst.as_ref().is_none_or(|(r, _)| ratio > *r) {
                worst = Some((
                    ratio,
                    Measure {
                        worst_output: i,
                        max_abs_error: if err.is_nan() { f64::INFINITY } else { err },
                        max_abs_output: max_out,
                        allowed,
                        argmax_rows: 0,
                        argmax_flips: 0,
                    },
                ));
            }
            let (r, fl) = argmax_flips(f, qi, allowed);
            rows += r;
            flips += fl;
        }
    }
    let mut m = worst.map(|(_, m)| m).unwrap_or(Measure {
        worst_output: 0,
        max_abs_error: 0.0,
        max_abs_output: 0.0,
        allowed: tol.absolute,
        argmax_rows: 0,
        argmax_flips: 0,
    });
    m.argmax_rows = rows;
    m.argmax_flips = flips;
    Ok((q, Outcome::Measured(m)))
}

/// Quantizes `g` at the first rung of [`LADDER`] (applied to `base`) whose
/// integer run meets `tol` on every sample (see the module doc).
///
/// `base` supplies everything but the three widths (margin, per-channel
/// weights); a `base` with a fixed scale (msgpack models) is quantized as is.
///
/// # Errors
/// [`PrecisionError::Core`] for quantization or execution errors no rung
/// changes; [`PrecisionError::Exhausted`] when no rung meets `tol`.
pub fn choose(
    g: &Graph,
    cal: &Calibration,
    samples: &[Vec<FTensor>],
    base: &QuantConfig,
    tol: Tolerance,
) -> Result<Choice, PrecisionError> {
    if base.fixed_scale.is_some() {
        let (qgraph, outcome) = measure(g, cal, samples, base, tol)?;
        return Ok(Choice {
            config: base.clone(),
            qgraph,
            tried: vec![Attempt {
                rung: Rung::of(base),
                outcome,
            }],
        });
    }
    let mut tried = Vec::with_capacity(LADDER.len());
    let mut best: Option<(f64, usize)> = None;
    let mut floats = FloatOutputs::default();
    for rung in LADDER {
        let cfg = rung.apply(base);
        let (qgraph, outcome) = measure_cached(g, cal, samples, &cfg, tol, &mut floats)?;
        let met = outcome.meets();
        if let Outcome::Measured(m) = &outcome {
            let score = m.max_abs_error / m.allowed + m.argmax_flips as f64;
            if best.is_none_or(|(b, _)| score < b) {
                best = Some((score, tried.len()));
            }
        }
        tried.push(Attempt { rung, outcome });
        if met {
            return Ok(Choice {
                config: cfg,
                qgraph,
                tried,
            });
        }
    }
    Err(PrecisionError::Exhausted {
        tolerance: tol,
        tried,
        best: best.map(|(_, i)| i),
    })
}
