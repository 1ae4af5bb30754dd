//! Command-line flags, as clap parses them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
}

/// Quantization flags shared by every command that quantizes.
#[derive(Debug, Args)]
pub struct QuantArgs {
    /// Calibration inputs: JSON `{"inputs": [[…], …]}` (one flattened input per
    /// sample) or an input file; defaults to the input being run.
    #[arg(long, value_name = "FILE")]
    pub calibration: Option<PathBuf>,
    /// Most fraction bits an activation gets (scale 2^-BITS).
    #[arg(long, value_name = "BITS")]
    pub max_scale: Option<i32>,
    /// Activations must fit in signed integers of this many bits (the range the proof checks).
    #[arg(long, value_name = "BITS")]
    pub act_bits: Option<u32>,
    /// Weights are rounded to signed integers of this many bits.
    #[arg(long, value_name = "BITS")]
    pub weight_bits: Option<u32>,
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
