//! `migcal regress <dir> [-j N] [--junit out.xml] [--github-actions] [--json] [--timings]`:
//! every scenario under a folder against its `[expect]`; exit 0 when all are as expected, 1 when
//! one is not, 2 when one is bad (unreadable, invalid) or the folder cannot be read.

use super::{print_report, write_output, CliError, CliResult, EXIT_ERROR, EXIT_FAULT, EXIT_PASS};
use crate::evaluate::regress::{self, Totals};
use std::io::IsTerminal;
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
    /// Add wall times to the table, the JSON and the JUnit report (their bytes then differ from
    /// run to run).
    #[arg(long)]
    pub timings: bool,
}

/// Run the subcommand.
pub fn run(args: &Args) -> CliResult {
    let paths = match regress::discover(&args.dir) {
        Ok(p) => p,
        Err(e) => return Err(CliError::Message(e.to_string())),
    };
    let bar = if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(paths.len() as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} scenarios  {elapsed_precise}",
        ) {
            b.set_style(style);
        }
        b
    } else {
        indicatif::ProgressBar::hidden()
    };
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
    if let Some(out) = &args.junit {
        write_output(
            out,
            regress::junit(&results, &name, args.timings).as_bytes(),
        )?;
    }
    let annotations = if args.github_actions {
        regress::github_annotations(&results)
    } else {
        String::new()
    };
    if args.json {
        let mut doc = regress::json(&results, args.timings);
        if let (true, Some(o)) = (args.timings, doc.as_object_mut()) {
            o.insert(
                "wall_time_ms".into(),
                serde_json::json!(wall.as_secs_f64() * 1e3),
            );
        }
        let text =
            serde_json::to_string_pretty(&doc).map_err(|e| CliError::Message(e.to_string()))?;
        print_report(&(text + "\n"), &[args.junit.as_deref()])?;
        eprint!("{annotations}");
    } else {
        let mut text = regress::table(&results, args.timings);
        if args.timings {
            text.push_str(&format!(
                "wall time {:.2} s ({:.1} scenarios/s)\n",
                wall.as_secs_f64(),
                results.len() as f64 / wall.as_secs_f64().max(1e-9)
            ));
        }
        text.push_str(&annotations);
        print_report(&text, &[args.junit.as_deref()])?;
    }
    let t = Totals::of(&results);
    Ok(ExitCode::from(if t.bad > 0 {
        EXIT_ERROR
    } else if t.mismatched > 0 {
        EXIT_FAULT
    } else {
        EXIT_PASS
    }))
}
