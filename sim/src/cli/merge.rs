//! `migcal merge <shard.json>... [--json] [--junit out.xml] [--csv out.csv] [--github-actions]`:
//! the `--json` outputs of `regress --shard K/N` or `sweep --shard K/N` joined into the reports
//! of one unsharded run (the same table, JSON, CSV and JUnit bytes). Exit as that run would (0,
//! 1 a scenario not as expected or a grid point below 100 %, 2 a bad scenario), or 2 when the
//! shards cannot be merged: a shard missing or given twice, files of different runs, a file
//! that is not a shard result.

use super::{CliError, CliResult};
use crate::evaluate::merge::{merge, Merged};
use std::path::PathBuf;

/// The largest shard result read (a sweep shard of a big grid is a few MB).
pub const MAX_SHARD_BYTES: u64 = 256 << 20;

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shard results: each shard's `--json` output, all shards of one run, in any order.
    #[arg(required = true, value_name = "SHARD.json")]
    pub shards: Vec<PathBuf>,
    /// Print the whole run's JSON instead of its table.
    #[arg(long)]
    pub json: bool,
    /// Also write the whole run's JUnit XML here (regress shards).
    #[arg(long, value_name = "OUT.xml")]
    pub junit: Option<PathBuf>,
    /// Also print GitHub Actions `::error` annotations (regress shards).
    #[arg(long)]
    pub github_actions: bool,
    /// Also write the whole grid's CSV here (sweep shards).
    #[arg(long, value_name = "OUT.csv")]
    pub csv: Option<PathBuf>,
}

/// Run the subcommand.
pub fn run(args: &Args) -> CliResult {
    let files: Vec<(PathBuf, String)> = args
        .shards
        .iter()
        .map(|p| {
            migcal_traces::io::read_text_file(p, MAX_SHARD_BYTES)
                .map(|t| (p.clone(), t))
                .map_err(|e| CliError::Message(format!("{}: {e}", p.display())))
        })
        .collect::<Result<_, _>>()?;
    let merged = merge(&files).map_err(|e| CliError::Message(e.to_string()))?;
    match merged {
        Merged::Regress { name, results } => {
            if args.csv.is_some() {
                return Err(CliError::Message(
                    "--csv: these are regress shards, which have no CSV (it is sweep's); use --junit or --json".into(),
                ));
            }
            let out = super::regress::Reports {
                name: &name,
                results: &results,
                info: None,
                timings: false,
                wall: None,
            };
            out.write(args.json, args.junit.as_deref(), args.github_actions)
        }
        Merged::Sweep { report, axes } => {
            if args.junit.is_some() || args.github_actions {
                return Err(CliError::Message(
                    "--junit/--github-actions: these are sweep shards, which have no JUnit report (it is regress's); use --csv or --json".into(),
                ));
            }
            super::sweep::write_reports(&report, &axes, args.json, args.csv.as_deref())
        }
    }
}
