//! The `zkml` command-line tool: a thin layer over the zkml libraries.
//!
//! Exit codes: 0 success, 1 a proof was rejected, 2 any other error.

mod artifacts;
mod cli;
mod commands;
mod inputs;
mod model;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `zkml plan … | head` ends quietly, as Unix tools do, instead of panicking.
    sigpipe::reset();
    let cli = cli::Cli::parse();
    match commands::dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}
