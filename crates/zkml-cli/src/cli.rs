//! Command-line flags, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Prove, in zero knowledge, that a machine-learning model ran correctly on an input.
///
/// zkml loads a model (ONNX, or the earlier zkml project's msgpack format),
/// quantizes it to fixed point with power-of-two scales calibrated on sample
/// inputs, and runs the integer model: the specification a proof attests, bit
/// for bit.
///
/// Input files are JSON `{"input_data": [[…], …]}` (one flattened, row-major
/// list per model input, the layout EZKL uses) or a zkml msgpack input.
#[derive(Debug, Parser)]
#[command(name = "zkml", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load, quantize and run a model on one input; compare with the float model.
    ///
    /// Prints the dequantized integer outputs (what a proof attests), the float
    /// reference outputs, the largest absolute difference and whether the
    /// argmax agrees.
    ///
    /// Example: zkml run examples/mnist_cnn/model.onnx examples/mnist_cnn/input_0.json
    Run(RunArgs),
    /// Measure float and quantized accuracy on a labelled data set.
    ///
    /// DATASET is JSON `{"inputs": [[…], …], "labels": [d, …]}`: one flattened
    /// input per sample (single-input models) and its class.
    ///
    /// Example: examples/mnist_cnn/accuracy.sh
    Accuracy(AccuracyArgs),
    /// Publish a commitment to a model's weights; keep its opening secret.
    ///
    /// Prints the weights commitment (a BN254 field element, hex) on stdout
    /// and writes the opening (the blinding, drawn from the OS CSPRNG, and the
    /// commitment) to FILE with mode 0600: whoever holds it can make proofs
    /// (`zkml prove --opening FILE`) that show this commitment. MODEL is a
    /// model file (quantized with the same flags as `zkml setup`) or a
    /// directory written by `zkml setup`.
    ///
    /// Example: zkml commit mnist.zkml -o weights.opening.json
    Commit(CommitArgs),
    /// Compile a model and generate its proving and verifying keys.
    ///
    /// Writes DIR with settings.json, the compiled model, pk.bin and vk.bin
    /// (atomically: DIR appears complete or not at all). Without --srs a local
    /// SRS is generated and cached per k in --srs-dir: INSECURE, for testing only.
    ///
    /// Example: zkml setup examples/mnist_cnn/model.onnx --calibration examples/mnist_cnn/calibration.json -o mnist.zkml
    ///
    /// To keep the outputs hidden and reveal only the class: add --reveal argmax
    /// (or only some output values: --reveal 0,3,7).
    Setup(SetupArgs),
    /// Prove that the compiled model ran on INPUT; writes the proof and its public values.
    ///
    /// The input is checked against the calibrated range before proving starts.
    ///
    /// Example: zkml prove mnist.zkml examples/mnist_cnn/input_0.json -o proof.json
    Prove(ProveArgs),
    /// Check a proof with the verifying key; exit 0 and print the public outputs iff it is valid.
    ///
    /// Reads only DIR/settings.json, DIR/vk.bin and PROOF (and the SRS file
    /// given with --srs). Exit 1 if the proof is rejected.
    ///
    /// The verifier trusts an SRS: whoever knows its secret can forge proofs.
    /// With --srs FILE (a ceremony file) the key's SRS points must be that
    /// file's; without it, verify refuses (exit 2) unless
    /// --allow-insecure-srs says to trust the points inside vk.bin.
    ///
    /// Example: zkml verify mnist.zkml proof.json --srs ceremony.srs
    Verify(VerifyArgs),
    /// Every step in one go (load, quantize, setup, prove, verify), with the
    /// time of each, k, columns, proof size and peak memory.
    ///
    /// Example: zkml time examples/mnist_cnn/model.onnx examples/mnist_cnn/input_0.json
    Time(TimeArgs),
    /// Print the circuit layout the planner picks: rows per layer, columns, k, estimated proving time (CPU-seconds of all threads, and wall seconds on an idle 2-core machine) and peak memory.
    ///
    /// Example: zkml plan examples/mnist_cnn/model.onnx --calibration examples/mnist_cnn/calibration.json
    Plan(PlanArgs),
    /// Gather segment proofs (`zkml prove --segment I`, from any machines)
    /// into one bundle that `zkml verify` checks.
    ///
    /// Example: zkml bundle setup/ segment-*.bin -o proof.bundle
    Bundle(BundleArgs),
}

/// Who sees a tensor group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VisArg {
    /// Values are public inputs of the proof.
    Public,
    /// Values are hidden.
    Private,
    /// Weights only: constants of the circuit, bound by the verifying key.
    Fixed,
    /// Values are hidden; a hiding commitment to them is a public value.
    Committed,
}

/// Which proving system (`--backend`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum BackendArg {
    /// halo2 PLONK with KZG on BN254: every visibility; needs an SRS.
    Plonk,
    /// Sumcheck/GKR with Hyrax commitments on BN254, zero-knowledge and
    /// transparent (no SRS): input public or private, weights fixed, public,
    /// private or committed, output public.
    Sumcheck,
}

/// What `--reveal` asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevealArg {
    /// Every output (public outputs).
    All,
    /// No output (private outputs).
    None,
    /// The argmax class of each row of each output.
    Argmax,
    /// The outputs at these flat indices.
    Indices(Vec<usize>),
}

/// Parses `--reveal`: `all`, `none`, `argmax` or `I,J,…`.
fn parse_reveal(s: &str) -> Result<RevealArg, String> {
    match s.trim() {
        "all" => Ok(RevealArg::All),
        "none" => Ok(RevealArg::None),
        "argmax" => Ok(RevealArg::Argmax),
        list => list
            .split(',')
            .map(|i| {
                i.trim().parse::<usize>().map_err(|_| {
                    format!(
                        "`{}` is not an output index; expected all, none, argmax or a \
                         comma-separated list of indices such as 0,3,7",
                        i.trim()
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(RevealArg::Indices),
    }
}

/// Visibility and proving-system flags.
#[derive(Debug, Args)]
pub struct ProofArgs {
    /// Model inputs: public, private or committed.
    #[arg(
        long = "input",
        id = "input_vis",
        value_name = "VISIBILITY",
        value_enum,
        default_value = "public"
    )]
    pub input_vis: VisArg,
    /// Weights: fixed (baked into the circuit, bound by the verifying key),
    /// private, or committed (hidden, bound by `zkml commit`'s commitment).
    #[arg(
        long = "weights",
        id = "weights_vis",
        value_name = "VISIBILITY",
        value_enum,
        default_value = "fixed"
    )]
    pub weights_vis: VisArg,
    /// Model outputs: public, private or committed [default: public; private
    /// with a partial --reveal].
    #[arg(
        long = "output",
        id = "output_vis",
        value_name = "VISIBILITY",
        value_enum
    )]
    pub output_vis: Option<VisArg>,
    /// What the proof reveals of the outputs: all (= --output public), none
    /// (= --output private), argmax (only the class: per row of each output,
    /// the first index of the largest value along the last axis), or a
    /// comma-separated list of flat output indices (e.g. 0,3,7; all outputs
    /// concatenated in order, each row-major). A partial reveal keeps the other
    /// outputs private; `zkml verify` prints what was revealed.
    #[arg(long, value_name = "all|none|argmax|I,J,…", value_parser = parse_reveal)]
    pub reveal: Option<RevealArg>,
    /// Force the circuit size (log2 of the rows) instead of the planner's choice.
    #[arg(long)]
    pub k: Option<u32>,
    /// Prove every layer with multiply-accumulate rows: no randomized matrix
    /// check (by default convolutions and MatMuls by a constant matrix use it
    /// where it saves rows; `zkml plan` shows which).
    #[arg(long)]
    pub no_matrix_check: bool,
    /// The proving system: plonk (every visibility; KZG, needs an SRS) or
    /// sumcheck (zero-knowledge, transparent; input public or private, weights
    /// fixed, public, private or committed (hidden weights: MatMul, Conv, Mul
    /// and Add/Sub constants), output public).
    #[arg(long, value_enum, default_value = "plonk")]
    pub backend: BackendArg,
    /// SRS.
    #[command(flatten)]
    pub srs: SrsArgs,
}

/// `zkml setup`.
#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The model: .onnx, or a zkml .msgpack model.
    pub model: PathBuf,
    /// Output directory.
    #[arg(short, long, value_name = "DIR")]
    pub output_dir: PathBuf,
    /// Replace DIR if it exists.
    #[arg(long)]
    pub force: bool,
    /// Quantization.
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Visibility and SRS.
    #[command(flatten)]
    pub proof: ProofArgs,
    /// Split the model into segments of 2^K rows, one key pair and proof each
    /// (plonk; see docs/segments.md). Default: one circuit, unless it would
    /// not fit --max-memory, then the largest K whose segments fit.
    #[arg(long, value_name = "K")]
    pub segment_k: Option<u32>,
    /// Split the model into segments before these node indices (the rows of
    /// `zkml plan`, counted from 0), each planned at its own k.
    #[arg(long, value_name = "I,J,…", value_delimiter = ',')]
    pub segment_cuts: Vec<usize>,
    /// Memory budget of one proof (bytes, or with K/M/G suffix; default: this
    /// machine's physical memory): a plan over it is refused, or segmented.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
}

/// A byte size: digits, optionally followed by K, M, G or T (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mul) = match t.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        Some('T') => (&t[..t.len() - 1], 1 << 40),
        _ => (t, 1),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 16G, 512M, 1000000)"))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(format!("`{s}` is not a positive size"));
    }
    Ok((v * mul as f64) as u64)
}

/// `zkml bundle`.
#[derive(Debug, Args)]
pub struct BundleArgs {
    /// A segmented directory written by `zkml setup`.
    pub dir: PathBuf,
    /// Segment proofs written by `zkml prove --segment I` (any order).
    #[arg(required = true)]
    pub proofs: Vec<PathBuf>,
    /// Where to write the bundle.
    #[arg(short, long, value_name = "FILE", default_value = "proof.bundle")]
    pub output: PathBuf,
}

/// `zkml prove`.
#[derive(Debug, Args)]
pub struct ProveArgs {
    /// A directory written by `zkml setup`.
    pub dir: PathBuf,
    /// The input: JSON {"input_data": [[…]]} or a zkml msgpack input.
    pub input: PathBuf,
    /// Where to write the proof (JSON). With a committed input or output,
    /// their opening is written beside it (PROOF with extension
    /// `.opening.json`, mode 0600).
    #[arg(short, long, value_name = "PROOF", default_value = "proof.json")]
    pub output: PathBuf,
    /// The opening written by `zkml commit` (needed for committed weights;
    /// blindings for a committed input or output are taken from it when it
    /// has them, else drawn fresh).
    #[arg(long, value_name = "FILE")]
    pub opening: Option<PathBuf>,
    /// Require the setup to be for this backend (default: whichever
    /// settings.json names).
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,
    /// SRS.
    #[command(flatten)]
    pub srs: SrsArgs,
    /// Segmented setups: prove segment I alone (0-based) and write its proof
    /// to PROOF (gather them with `zkml bundle`); needs --opening with the
    /// prover's segment seed (`zkml commit DIR -o FILE`).
    #[arg(long, value_name = "I")]
    pub segment: Option<usize>,
    /// Segmented setups: prove up to N segments at once (fewer when N
    /// segments' estimated memory is over --max-memory).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub jobs: usize,
    /// Memory budget for --jobs (bytes, or with K/M/G suffix; default: this
    /// machine's physical memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
}

/// `zkml commit`.
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// The model: .onnx, a zkml .msgpack model, or a directory written by `zkml setup`.
    pub model: PathBuf,
    /// Where to write the opening (secret: keep it).
    #[arg(
        short,
        long,
        value_name = "FILE",
        default_value = "weights.opening.json"
    )]
    pub output: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// Quantization (for a model file; must match `zkml setup`'s).
    #[command(flatten)]
    pub quant: QuantArgs,
}

/// `zkml verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A directory written by `zkml setup` (only settings.json and vk.bin are read).
    pub dir: PathBuf,
    /// The proof file written by `zkml prove`.
    pub proof: PathBuf,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Reject the proof (exit 1) unless its weights commitment is C (as published by `zkml commit`).
    #[arg(long, value_name = "C")]
    pub weights_commitment: Option<String>,
    /// Reject the proof unless its input commitment is C.
    #[arg(long, value_name = "C")]
    pub input_commitment: Option<String>,
    /// Reject the proof unless its output commitment is C.
    #[arg(long, value_name = "C")]
    pub output_commitment: Option<String>,
    /// Trust the SRS points inside vk.bin without a ceremony file to check
    /// them against. INSECURE: whoever generated that SRS (for instance
    /// `zkml setup` without --srs, which makes a local SRS whose secret is
    /// never destroyed) can forge proofs that verify. For tests and demos
    /// only; to verify for real, pass --srs FILE, the ceremony SRS the key was
    /// made with.
    #[arg(long)]
    pub allow_insecure_srs: bool,
    /// Require the setup to be for this backend (default: whichever
    /// settings.json names).
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,
    /// SRS.
    #[command(flatten)]
    pub srs: SrsArgs,
}

/// `zkml time`.
#[derive(Debug, Args)]
pub struct TimeArgs {
    /// The model: .onnx, or a zkml .msgpack model.
    pub model: PathBuf,
    /// The input: JSON {"input_data": [[…]]} or a zkml msgpack input.
    pub input: PathBuf,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Quantization.
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Visibility and SRS.
    #[command(flatten)]
    pub proof: ProofArgs,
    /// Plan segments of 2^K rows as `zkml setup --segment-k K` does and time
    /// the keys, proof and verification of the segments --segment names, each
    /// alone (plonk; nothing is written).
    #[arg(long, value_name = "K")]
    pub segment_k: Option<u32>,
    /// With --segment-k: the segments to time (0-based; default: all).
    #[arg(
        long,
        value_name = "I,J,…",
        value_delimiter = ',',
        requires = "segment_k"
    )]
    pub segment: Vec<usize>,
    /// With --segment-k: the memory budget of one segment (bytes, or with
    /// K/M/G suffix; default: this machine's physical memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, requires = "segment_k")]
    pub max_memory: Option<u64>,
}

/// `zkml plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The model: .onnx, or a zkml .msgpack model.
    pub model: PathBuf,
    /// An input to calibrate on (default: --calibration, else all zeros).
    pub input: Option<PathBuf>,
    /// Quantization.
    #[command(flatten)]
    pub quant: QuantArgs,
    /// Visibility and SRS.
    #[command(flatten)]
    pub proof: ProofArgs,
    /// Memory budget of one proof (bytes, or with K/M/G suffix; default: this
    /// machine's physical memory): over it, print the segments `zkml setup`
    /// would split the model into (plonk).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_memory: Option<u64>,
    /// Print the segments of 2^K rows `zkml setup --segment-k K` would use (plonk).
    #[arg(long, value_name = "K")]
    pub segment_k: Option<u32>,
}

/// Quantization flags shared by every command that quantizes.
#[derive(Debug, Args)]
pub struct QuantArgs {
    /// Calibration inputs: JSON `{"inputs": [[…], …]}` (one flattened input per
    /// sample) or an input file. Default: the input being run; for `setup`
    /// and `plan` without an input, all zeros (every activation gets the
    /// largest scale, a range of ±2^(act_bits−1−max_scale)).
    #[arg(long, value_name = "FILE")]
    pub calibration: Option<PathBuf>,
    /// How the quantization widths are chosen. auto (the default when none of
    /// --weight-bits, --act-bits, --max-scale is given): quantize at the
    /// defaults, run the integer and the float model on the calibration
    /// input(s), and while an output misses 1% of its largest |value| (at
    /// least 0.01) or a score vector's argmax differs, step up a short ladder
    /// (weight/act bits/max scale 10/16/8 → 14/16/8 → 14/20/12 → 16/22/14 →
    /// 16/24/16); when it leaves the defaults, one line on stderr says what
    /// was chosen and why. fixed: use
    /// the flags (or the defaults) as given. The chosen quantization is
    /// stored by `zkml setup`, so prove and verify use it.
    #[arg(long, value_enum, value_name = "MODE")]
    pub precision: Option<PrecisionArg>,
    /// Most fraction bits an activation gets (scale 2^-BITS).
    #[arg(long, value_name = "BITS")]
    pub max_scale: Option<i32>,
    /// Activations must fit in signed integers of this many bits (the range the proof checks).
    #[arg(long, value_name = "BITS")]
    pub act_bits: Option<u32>,
    /// Weights are rounded to signed integers of this many bits.
    #[arg(long, value_name = "BITS")]
    pub weight_bits: Option<u32>,
    /// One weight scale per weight tensor instead of one per output channel
    /// (Conv filters, weight-matrix columns). Per-channel scales keep
    /// `--weight-bits` significant bits in every channel, at the cost of wider
    /// stored weights; the quantized model (and so its keys) differs.
    #[arg(long)]
    pub per_tensor_weights: bool,
    /// One scale per model input instead of one per feature. By default an
    /// input whose scale its largest feature limits, and that only products
    /// by constant matrices read (tabular models: a linear model or an MLP,
    /// with or without a Scaler), gets one scale per feature (last axis),
    /// folded exactly into the first product's weight rows; the compiled
    /// model's input carries them (`axis_scales`: feature f's public integer
    /// is x_f·2^s_f).
    #[arg(long)]
    pub per_tensor_inputs: bool,
    /// The full shape of a model input declared with symbolic dimensions
    /// (batch, image height or width), e.g. x=1x3x48x192; repeat for several
    /// inputs. An input or calibration file can carry them instead:
    /// "input_shapes": [[1, 3, 48, 192]], one per input in order.
    #[arg(long = "input-shape", value_name = "NAME=DxDx…", value_parser = parse_input_shape)]
    pub input_shape: Vec<InputShapeArg>,
}

/// `--precision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    /// Step up the quantization widths until the integer model meets the
    /// tolerance on the calibration input(s).
    Auto,
    /// Quantize at the given (or default) widths.
    Fixed,
}

impl QuantArgs {
    /// Whether automatic precision applies: `--precision auto`, or no
    /// `--precision` and none of the width flags.
    ///
    /// # Errors
    /// `--precision auto` together with a width flag.
    pub fn auto_precision(&self) -> Result<bool, String> {
        let widths =
            self.weight_bits.is_some() || self.act_bits.is_some() || self.max_scale.is_some();
        match self.precision {
            Some(PrecisionArg::Fixed) => Ok(false),
            Some(PrecisionArg::Auto) if widths => Err(
                "--precision auto chooses --weight-bits/--act-bits/--max-scale itself: give \
                 either, not both (or --precision fixed with the widths)"
                    .into(),
            ),
            Some(PrecisionArg::Auto) => Ok(true),
            None => Ok(!widths),
        }
    }
}

/// One `--input-shape NAME=1x3x48x192`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputShapeArg {
    /// The graph input's name.
    pub name: String,
    /// Its shape.
    pub dims: Vec<usize>,
}

/// Parses `--input-shape`: `NAME=D1xD2x…` (commas work too), every D ≥ 1.
fn parse_input_shape(s: &str) -> Result<InputShapeArg, String> {
    let usage = "expected NAME=DxDx… such as x=1x3x48x192";
    let (name, dims) = s
        .rsplit_once('=')
        .ok_or_else(|| format!("`{s}` has no `=`; {usage}"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("`{s}` names no input; {usage}"));
    }
    let dims = dims
        .split(['x', 'X', ','])
        .map(|d| match d.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "`{}` in `{s}` is not a dimension (a whole number ≥ 1); {usage}",
                d.trim()
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(InputShapeArg {
        name: name.to_string(),
        dims,
    })
}

/// `zkml run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The model: .onnx, or a zkml .msgpack model.
    pub model: PathBuf,
    /// The input: JSON {"input_data": [[…]]} or a zkml msgpack input.
    pub input: PathBuf,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Quantization.
    #[command(flatten)]
    pub quant: QuantArgs,
}

/// `zkml accuracy`.
#[derive(Debug, Args)]
pub struct AccuracyArgs {
    /// The model: .onnx, or a zkml .msgpack model.
    pub model: PathBuf,
    /// Labelled data: JSON {"inputs": [[…], …], "labels": [d, …]}.
    pub dataset: PathBuf,
    /// Evaluate only the first N samples.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Print exactly one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Quantization (calibration defaults to the first 20 samples).
    #[command(flatten)]
    pub quant: QuantArgs,
}

/// Where the KZG structured reference string comes from.
#[derive(Debug, Default, Args)]
pub struct SrsArgs {
    /// A ceremony SRS in halo2's raw format (the same file for setup, prove
    /// and verify); without it a local, INSECURE SRS is used (and `verify`
    /// refuses the key unless --allow-insecure-srs).
    #[arg(long = "srs", id = "srs_file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Cache directory for local SRS files [default: $ZKML_SRS_DIR or ~/.cache/zkml/srs].
    #[arg(long = "srs-dir", id = "srs_dir", value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks (unique argument ids, …) for every subcommand.
    #[test]
    fn flags_are_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn reveal_values_parse() {
        use super::{parse_reveal, RevealArg};
        assert_eq!(parse_reveal("argmax"), Ok(RevealArg::Argmax));
        assert_eq!(parse_reveal("all"), Ok(RevealArg::All));
        assert_eq!(parse_reveal("none"), Ok(RevealArg::None));
        assert_eq!(
            parse_reveal("0, 3,7"),
            Ok(RevealArg::Indices(vec![0, 3, 7]))
        );
        let e = parse_reveal("0,x").unwrap_err();
        assert!(e.contains("`x` is not an output index"), "{e}");
        assert!(parse_reveal("-1").is_err());
    }

    #[test]
    fn input_shape_values_parse() {
        use super::{parse_input_shape, InputShapeArg};
        assert_eq!(
            parse_input_shape("x=1x3x48x192"),
            Ok(InputShapeArg {
                name: "x".into(),
                dims: vec![1, 3, 48, 192]
            })
        );
        assert_eq!(parse_input_shape("a.b = 2,4").unwrap().dims, [2, 4]);
        let e = parse_input_shape("1x3").unwrap_err();
        assert!(e.contains("has no `=`"), "{e}");
        let e = parse_input_shape("x=1x0").unwrap_err();
        assert!(e.contains("`0` in `x=1x0` is not a dimension"), "{e}");
        assert!(parse_input_shape("=1").is_err());
    }
}
