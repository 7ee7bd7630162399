//! `migcal sweep <scenario> --vary name=lo..hi:step ... --runs N [--shard K/N] [--csv out.csv]
//! [--json]`: pass rate per grid point over N seeds, and where the margin runs out. Exit 0 when
//! every run of every point (of the shard) passes, 1 when some do not, 2 when the sweep cannot
//! be done.

use super::{print_report, write_output, CliError, CliResult, EXIT_ERROR, EXIT_FAULT, EXIT_PASS};
use crate::evaluate::shard::Shard;
use crate::evaluate::sweep::{self, Axis, SweepReport};
use crate::report;
use crate::scenario::Scenario;
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
    /// Run only shard K of N (1-based; grid point i, first axis outermost, is shard
    /// i % N + 1's, with all its runs). The reports then hold that shard's points and no
    /// margins; `migcal merge` joins the shards' --json outputs into the whole grid's reports.
    /// Default: GitLab's CI_NODE_INDEX/CI_NODE_TOTAL when set.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
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
    let shard =
        Shard::resolve(args.shard.as_deref()).map_err(|e| CliError::Message(e.to_string()))?;
    let points = sweep::grid(&axes).len();
    let mine = shard.map_or(points, |s| s.items(points).len());
    let bar = super::progress_bar(
        mine as u64 * args.runs,
        "{bar:40} {pos}/{len} runs  {elapsed_precise} (eta {eta})",
    );
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
        shard,
        &tick,
    )
    .map_err(|e| CliError::Message(e.to_string()))?;
    bar.finish_and_clear();
    write_reports(&report, &axes, args.json, args.csv.as_deref())
}

/// Writes the CSV, prints the table or the JSON, and returns the exit code: what `sweep` and
/// `merge` of sweep shards both end with.
pub fn write_reports(
    report: &SweepReport,
    axes: &[Axis],
    json: bool,
    csv: Option<&std::path::Path>,
) -> CliResult {
    if let Some(out) = csv {
        write_output(out, report::csv::sweep(report).as_bytes())?;
    }
    if json {
        let text = report::json::sweep(report).map_err(|e| CliError::Message(e.to_string()))?;
        print_report(&text, &[csv])?;
    } else {
        print_report(&report::text::sweep(report, axes), &[csv])?;
    }
    let all = report.points.iter().all(|p| p.passes == p.runs);
    Ok(ExitCode::from(if all { EXIT_PASS } else { EXIT_FAULT }))
}
