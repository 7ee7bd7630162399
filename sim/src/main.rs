//! The `migcal` command.

use clap::{CommandFactory, Parser, Subcommand};
use migcal::cli;
use std::process::ExitCode;

/// migcal: model and debug the Xilinx MIG 1.7.3 Virtex-4 DDR2 calibration.
#[derive(Parser)]
#[command(name = "migcal", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the MIG signals a capture holds, their source names and widths, and what is missing.
    Signals(cli::signals::Args),
    /// Write a capture as a VCD under canonical MIG names.
    Convert(cli::convert::Args),
    /// Name the calibration stage that stalled, the DQ lines at fault, and the evidence.
    Diagnose(cli::diagnose::Args),
    /// Draw a picture for a bug report: taps, eye, timeline or dcm (SVG or PNG).
    Plot(cli::plot::Args),
    /// Write a GTKWave save file: MIG signals grouped by stage, marker on the stall.
    Gtkw(cli::gtkw::Args),
    /// Simulate a scenario with the cycle-accurate model.
    Simulate(cli::simulate::Args),
    /// Run every scenario under a folder against its [expect] table (table, JUnit, GitHub).
    Regress(cli::regress::Args),
    /// Monte Carlo over seeds on a grid of board parameters: pass rate and margins.
    Sweep(cli::sweep::Args),
    /// Join the --json outputs of `regress --shard K/N` or `sweep --shard K/N` into one run's reports.
    Merge(cli::merge::Args),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(cli::completions::Args),
    /// Print the manual page as roff, or write one page per command with -o DIR.
    Man(cli::man::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap exits 2 on usage errors, which is our "could not do the job" code too.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(cli::EXIT_ERROR)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result: cli::CliResult = match cli.command {
        Command::Signals(a) => cli::signals::run(&a),
        Command::Convert(a) => cli::convert::run(&a),
        Command::Diagnose(a) => cli::diagnose::run(&a),
        Command::Plot(a) => cli::plot::run(&a),
        Command::Gtkw(a) => cli::gtkw::run(&a),
        Command::Simulate(a) => cli::simulate::main(&a),
        Command::Regress(a) => cli::regress::run(&a),
        Command::Sweep(a) => cli::sweep::run(&a),
        Command::Merge(a) => cli::merge::run(&a),
        Command::Completions(a) => cli::completions::run(&a, Cli::command()),
        Command::Man(a) => cli::man::run(&a, Cli::command()),
    };
    // Every capture reader is gone by now: the copy of standard input (if any) is deleted.
    migcal_traces::input::release_stdin();
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("migcal: error: {e}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
