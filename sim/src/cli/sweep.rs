//! `migcal sweep <scenario> --vary name=lo..hi:step ... --runs N [--csv out.csv] [--json]`:
//! pass rate per grid point over N seeds, and where the margin runs out. Exit 0 when every
//! run of every point passes, 1 when some do not, 2 when the sweep cannot be done.

use super::{print_report, write_output, CliError, CliResult, EXIT_ERROR, EXIT_FAULT, EXIT_PASS};
use crate::evaluate::sweep::{self, Axis};
use crate::scenario::Scenario;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `sweep`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML): the board every grid point starts from.
    pub scenario: PathBuf,
    /// A parameter and its values: `temperature=0..100:5`, `skew.dq3=-500..500:50`,
    /// `jitter=0,20,40`, `tap_ps=...`, `clock.period_ps=...` (repeat for a grid).
    #[arg(long = "vary", value_name = "NAME=LO..HI:STEP", required = true)]
    pub vary: Vec<String>,
    /// Runs per grid point; run r uses seed = scenario seed + r.
    #[arg(long, default_value_t = 1)]
    pub runs: u64,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long = "jobs", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Simulate this many µs instead of the scenario's stop_time_us (calibration ends near
    /// 245 µs in the minimodule build; a shorter stop makes a late stage look stalled).
    #[arg(long, value_name = "US")]
    pub stop_time_us: Option<f64>,
    /// Also write the per-point results as CSV here.
    #[arg(long, value_name = "OUT.csv")]
    pub csv: Option<PathBuf>,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Run the subcommand.
pub fn run(args: &Args) -> CliResult {
    let mut base = match Scenario::load(&args.scenario) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("migcal sweep: {e}");
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    };
    if let Some(t) = args.stop_time_us {
        base.stop_time_us = t;
        if let Err(e) = base.validate(&args.scenario) {
            return Err(CliError::Message(format!("--stop-time-us {t}: {e}")));
        }
    }
    let axes: Vec<Axis> = args
        .vary
        .iter()
        .map(|s| sweep::parse_axis(s))
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::Message(e.to_string()))?;
    let total = sweep::grid(&axes).len() as u64 * args.runs;
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(total);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs  {elapsed_precise} (eta {eta})",
        ) {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
    let tick = {
        let bar = bar.clone();
        move || bar.inc(1)
    };
    let report = sweep::sweep(
        &base,
        &args.scenario,
        &axes,
        args.runs,
        args.jobs.map(usize::from),
        &tick,
    )
    .map_err(|e| CliError::Message(e.to_string()))?;
    bar.finish_and_clear();
    if let Some(out) = &args.csv {
        write_output(out, sweep::csv(&report).as_bytes())?;
    }
    if args.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| CliError::Message(e.to_string()))?;
        print_report(&(text + "\n"), &[args.csv.as_deref()])?;
    } else {
        print_report(&sweep::table(&report, &axes), &[args.csv.as_deref()])?;
    }
    let all = report.points.iter().all(|p| p.passes == p.runs);
    Ok(ExitCode::from(if all { EXIT_PASS } else { EXIT_FAULT }))
}
