//! `regress`: every scenario under a folder simulated, diagnosed and compared with its
//! `[expect]` table, in parallel. The reports (a table, JUnit XML, GitHub annotations, JSON) are
//! in [`crate::report`]; `--shard` and `merge` in [`super::shard`] and [`super::merge`].
//!
//! Determinism: scenarios are found in sorted order and results are reported in that order
//! whatever the number of threads; times appear only when asked for.

use super::keys::{key_line, one_line};
use crate::diagnose::Verdict;
use crate::evaluate::{check_expect, evaluate_outcome, Evaluation, Mismatch};
use crate::scenario::{Expect, Scenario, ScenarioError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why `regress` could not start.
#[derive(Debug, thiserror::Error)]
pub enum RegressError {
    /// The folder (or a sub-folder) could not be listed.
    #[error("{path}: {source}")]
    Io {
        /// Folder.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// Nothing to run.
    #[error("{0}: no scenario files (*.toml) found")]
    Empty(PathBuf),
    /// The worker pool could not be built.
    #[error("cannot start {threads} worker threads: {message}")]
    Pool {
        /// Threads asked for.
        threads: usize,
        /// Cause.
        message: String,
    },
}

/// Every `*.toml` file under `root` (or `root` itself when it is a file), sorted by path so the
/// order never depends on the file system. Symbolic links to folders are not followed (a link
/// loop cannot hang the run); links to files are.
pub fn discover(root: &Path) -> Result<Vec<PathBuf>, RegressError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| RegressError::Io { path, source }
    };
    let meta = std::fs::metadata(root).map_err(io(root))?;
    if meta.is_file() {
        return Ok(vec![root.to_owned()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            let ft = entry.file_type().map_err(io(&path))?;
            if ft.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml")
                && (ft.is_file() || (ft.is_symlink() && path.is_file()))
            {
                out.push(path);
            }
        }
    }
    if out.is_empty() {
        return Err(RegressError::Empty(root.to_owned()));
    }
    out.sort();
    Ok(out)
}

/// The outcome triple a scenario is judged by, as the table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// `pass` or `fail`.
    pub verdict: String,
    /// Stage name (`done` for a pass).
    pub stage: Option<String>,
    /// DQ lines at fault, sorted.
    pub faulty_dq: Vec<u32>,
}

impl Outcome {
    fn from_expect(e: &Expect) -> Outcome {
        let mut dq: Vec<u32> = e.faulty_dq.iter().map(|&d| d as u32).collect();
        dq.sort_unstable();
        Outcome {
            verdict: e.verdict.clone(),
            stage: e.stage.clone(),
            faulty_dq: dq,
        }
    }

    fn from_eval(e: &Evaluation) -> Outcome {
        let d = &e.diagnosis;
        Outcome {
            verdict: match d.verdict {
                Verdict::Pass => "pass",
                Verdict::Fail => "fail",
            }
            .into(),
            stage: Some(d.stage.name().into()),
            faulty_dq: d.faulty_dq.clone(),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.verdict)?;
        if let Some(s) = &self.stage {
            write!(f, " {s}")?;
        }
        if !self.faulty_dq.is_empty() {
            let dq: Vec<String> = self.faulty_dq.iter().map(|d| d.to_string()).collect();
            write!(f, " dq[{}]", dq.join(","))?;
        }
        Ok(())
    }
}

/// A difference from `[expect]`, with the line of the key in the scenario file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// Dotted key in the file (`expect.faulty_dq`, `expect.cycles.init_done`).
    pub key: String,
    /// What the scenario expects.
    pub expected: String,
    /// What the run gave.
    pub found: String,
    /// 1-based line of the key (or of its table when the key is not written out).
    pub line: Option<usize>,
}

/// How one scenario came out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Everything as expected.
    Pass,
    /// Simulated, but not as expected.
    Mismatch {
        /// Each key that differs.
        differences: Vec<Difference>,
    },
    /// The scenario could not be used (file, TOML, a value out of range) or could not be
    /// simulated.
    Bad {
        /// The key at fault, when the error names one.
        key: Option<String>,
        /// 1-based line in the file, when known.
        line: Option<usize>,
        /// What was wrong.
        message: String,
    },
    /// No `[expect]` table: nothing to check, not simulated.
    Skipped,
}

/// One scenario's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioResult {
    /// The file, as found under the folder given (so a CI annotation can point at it).
    pub path: PathBuf,
    /// The path relative to the folder given, `/`-separated: the name in every report.
    pub name: String,
    /// What `[expect]` says.
    pub expected: Option<Outcome>,
    /// What the simulation and diagnosis gave.
    pub got: Option<Outcome>,
    /// Verdict of the comparison.
    #[serde(flatten)]
    pub status: Status,
    /// Wall time of this scenario (reported only with `--timings`).
    #[serde(skip)]
    pub elapsed: Duration,
}

impl ScenarioResult {
    /// Short status word for the table.
    pub fn status_word(&self) -> &'static str {
        match self.status {
            Status::Pass => "ok",
            Status::Mismatch { .. } => "MISMATCH",
            Status::Bad { .. } => "BAD",
            Status::Skipped => "skipped",
        }
    }
}

/// The name of `path` relative to `root`, `/`-separated.
fn relative_name(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        parts.join("/")
    }
}

/// Runs one scenario file and compares it with its `[expect]`.
pub fn run_one(root: &Path, path: &Path) -> ScenarioResult {
    let start = Instant::now();
    let (expected, got, status) = judge(path);
    ScenarioResult {
        path: path.to_owned(),
        name: relative_name(root, path),
        expected,
        got,
        status,
        elapsed: start.elapsed(),
    }
}

fn judge(path: &Path) -> (Option<Outcome>, Option<Outcome>, Status) {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return (
                None,
                None,
                Status::Bad {
                    key: None,
                    line: None,
                    message: format!("cannot read the file: {e}"),
                },
            )
        }
    };
    let scn = match Scenario::parse(&text, path) {
        Ok(s) => s,
        Err(e) => return (None, None, bad_scenario(&text, path, &e)),
    };
    let Some(expect) = &scn.expect else {
        return (None, None, Status::Skipped);
    };
    let expected = Some(Outcome::from_expect(expect));
    let eval = match evaluate_outcome(&scn) {
        Ok(e) => e,
        Err(e) => {
            return (
                expected,
                None,
                Status::Bad {
                    key: None,
                    line: None,
                    message: format!("simulation failed: {e}"),
                },
            )
        }
    };
    let got = Some(Outcome::from_eval(&eval));
    let diffs: Vec<Difference> = check_expect(expect, &eval)
        .into_iter()
        .map(
            |Mismatch {
                 key,
                 expected,
                 found,
             }| {
                let key = format!("expect.{key}");
                Difference {
                    line: key_line(&text, &key),
                    key,
                    expected,
                    found,
                }
            },
        )
        .collect();
    let status = if diffs.is_empty() {
        Status::Pass
    } else {
        Status::Mismatch { differences: diffs }
    };
    (expected, got, status)
}

fn bad_scenario(text: &str, path: &Path, e: &ScenarioError) -> Status {
    let shown = path.display().to_string();
    // The scenario module's messages start with the path; the reports name the file already.
    let strip = |m: String| {
        m.strip_prefix(&format!("{shown}: "))
            .map(str::to_owned)
            .unwrap_or(m)
    };
    match e {
        ScenarioError::Invalid { key, message, .. } => Status::Bad {
            key: Some(key.clone()),
            line: key_line(text, key),
            message: format!("key `{key}`: {message}"),
        },
        ScenarioError::Parse { message, line, .. } => Status::Bad {
            key: None,
            line: *line,
            message: one_line(&strip(message.clone())),
        },
        ScenarioError::Io { source, .. } => Status::Bad {
            key: None,
            line: None,
            message: format!("cannot read the file: {source}"),
        },
    }
}

/// Runs every scenario with `threads` workers (all cores when `None`); `tick` is called after
/// each scenario (for a progress bar). Results come back in the order of `paths`.
pub fn run_all(
    root: &Path,
    paths: &[PathBuf],
    threads: Option<usize>,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<ScenarioResult>, RegressError> {
    let pool = pool(threads)?;
    Ok(pool.install(|| {
        paths
            .par_iter()
            .map(|p| {
                let r = run_one(root, p);
                tick();
                r
            })
            .collect()
    }))
}

/// A worker pool of `threads` threads (the number of cores when `None`).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, RegressError> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build().map_err(|e| RegressError::Pool {
        threads: threads.unwrap_or(0),
        message: e.to_string(),
    })
}

/// Counts of each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Scenarios found.
    pub total: usize,
    /// As expected.
    pub passed: usize,
    /// Not as expected.
    pub mismatched: usize,
    /// Unusable.
    pub bad: usize,
    /// Without `[expect]`.
    pub skipped: usize,
}

impl Totals {
    /// Counts `results`.
    pub fn of(results: &[ScenarioResult]) -> Totals {
        let mut t = Totals {
            total: results.len(),
            ..Totals::default()
        };
        for r in results {
            match r.status {
                Status::Pass => t.passed += 1,
                Status::Mismatch { .. } => t.mismatched += 1,
                Status::Bad { .. } => t.bad += 1,
                Status::Skipped => t.skipped += 1,
            }
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_display() {
        let o = Outcome {
            verdict: "fail".into(),
            stage: Some("read_latency".into()),
            faulty_dq: vec![3, 5],
        };
        assert_eq!(o.to_string(), "fail read_latency dq[3,5]");
    }
}
