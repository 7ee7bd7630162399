//! `migcal regress <dir> [-j N] [--shard K/N] [--junit out.xml] [--github-actions] [--json]
//! [--timings]`: every scenario under a folder (or one shard's share of them) against its
//! `[expect]`; exit 0 when all are as expected, 1 when one is not, 2 when one is bad
//! (unreadable, invalid) or the folder cannot be read.

use super::{print_report, write_output, CliError, CliResult, EXIT_ERROR, EXIT_FAULT, EXIT_PASS};
use crate::evaluate::regress::{self, ScenarioResult, Totals};
use crate::evaluate::shard::{RunId, Shard, ShardInfo};
use crate::report;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `regress`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder of scenario files (every *.toml below it, recursively), or one scenario file.
    pub dir: PathBuf,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(short = 'j', long = "jobs", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Also write a JUnit XML report here (for GitLab, Jenkins, GitHub test reporters).
    #[arg(long, value_name = "OUT.xml")]
    pub junit: Option<PathBuf>,
    /// Also print GitHub Actions `::error` annotations pointing at the scenario lines (on
    /// stdout; on stderr with --json, so the JSON stays parseable).
    #[arg(long)]
    pub github_actions: bool,
    /// Print the results as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Run only shard K of N (1-based; scenario i, in sorted order, is shard i % N + 1's). The
    /// reports then hold that shard's scenarios; `migcal merge` joins the shards' --json outputs
    /// into the whole run's reports. Default: GitLab's CI_NODE_INDEX/CI_NODE_TOTAL when set.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Add wall times to the table, the JSON and the JUnit report (their bytes then differ from
    /// run to run).
    #[arg(long)]
    pub timings: bool,
}

/// Run the subcommand.
pub fn run(args: &Args) -> CliResult {
    let shard =
        Shard::resolve(args.shard.as_deref()).map_err(|e| CliError::Message(e.to_string()))?;
    let all = match regress::discover(&args.dir) {
        Ok(p) => p,
        Err(e) => return Err(CliError::Message(e.to_string())),
    };
    let items: Vec<usize> = match shard {
        Some(s) => s.items(all.len()),
        None => (0..all.len()).collect(),
    };
    let paths: Vec<_> = items.iter().map(|&i| all[i].clone()).collect();
    let bar = super::progress_bar(
        paths.len() as u64,
        "{bar:40} {pos}/{len} scenarios  {elapsed_precise}",
    );
    let start = std::time::Instant::now();
    let tick = {
        let bar = bar.clone();
        move || bar.inc(1)
    };
    let results = regress::run_all(&args.dir, &paths, args.jobs.map(usize::from), &tick)
        .map_err(|e| CliError::Message(e.to_string()))?;
    bar.finish_and_clear();
    let wall = start.elapsed();

    let name = format!("migcal regress {}", args.dir.display());
    let info = shard.map(|shard| ShardInfo {
        shard,
        count: all.len(),
        items,
        run: RunId::Regress { name: name.clone() },
        fingerprints: Vec::new(),
    });
    let out = Reports {
        name: &name,
        results: &results,
        info: info.as_ref(),
        timings: args.timings,
        wall: args.timings.then_some(wall),
    };
    out.write(args.json, args.junit.as_deref(), args.github_actions)
}

/// Everything `regress` (or `merge` of regress shards) reports.
pub struct Reports<'a> {
    /// `migcal regress <dir>`: the JUnit root's name.
    pub name: &'a str,
    /// The results, in report order.
    pub results: &'a [ScenarioResult],
    /// For one shard, what `merge` needs.
    pub info: Option<&'a ShardInfo>,
    /// Whether per-scenario times are shown.
    pub timings: bool,
    /// The whole run's wall time, when shown.
    pub wall: Option<std::time::Duration>,
}

impl Reports<'_> {
    /// Writes the JUnit file, prints the table or the JSON (and the GitHub annotations), and
    /// returns the exit code of the results.
    pub fn write(&self, json: bool, junit: Option<&std::path::Path>, github: bool) -> CliResult {
        let results = self.results;
        if let Some(out) = junit {
            write_output(
                out,
                report::junit::regress(results, self.name, self.timings).as_bytes(),
            )?;
        }
        let annotations = if github {
            report::github::annotations(results)
        } else {
            String::new()
        };
        if json {
            let mut doc = report::json::regress(results, self.timings, self.info);
            if let (Some(wall), Some(o)) = (self.wall, doc.as_object_mut()) {
                o.insert(
                    "wall_time_ms".into(),
                    serde_json::json!(wall.as_secs_f64() * 1e3),
                );
            }
            let text =
                serde_json::to_string_pretty(&doc).map_err(|e| CliError::Message(e.to_string()))?;
            print_report(&(text + "\n"), &[junit])?;
            eprint!("{annotations}");
        } else {
            let paint = super::report_palette(&[junit]);
            let mut text = report::text::regress_styled(results, self.timings, paint);
            if let Some(i) = self.info {
                text.push_str(&format!(
                    "shard {}: {} of {} scenarios (migcal merge joins the shards' --json outputs)\n",
                    i.shard,
                    results.len(),
                    i.count
                ));
            }
            if let Some(wall) = self.wall {
                text.push_str(&format!(
                    "wall time {:.2} s ({:.1} scenarios/s)\n",
                    wall.as_secs_f64(),
                    results.len() as f64 / wall.as_secs_f64().max(1e-9)
                ));
            }
            text.push_str(&annotations);
            print_report(&text, &[junit])?;
        }
        let t = Totals::of(results);
        Ok(ExitCode::from(if t.bad > 0 {
            EXIT_ERROR
        } else if t.mismatched > 0 {
            EXIT_FAULT
        } else {
            EXIT_PASS
        }))
    }
}
