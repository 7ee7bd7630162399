//! `regress`: every scenario under a folder simulated, diagnosed and compared with its
//! `[expect]` table, in parallel, with reports for people (a table), CI test reporters (JUnit
//! XML), GitHub (workflow annotations that point into the scenario file) and scripts (JSON).
//!
//! Determinism: scenarios are found in sorted order and results are reported in that order
//! whatever the number of threads; times appear only when asked for.

use crate::diagnose::Verdict;
use crate::evaluate::{check_expect, evaluate_outcome, Evaluation, Mismatch};
use crate::scenario::{Expect, Scenario, ScenarioError};
use rayon::prelude::*;
use serde::Serialize;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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
        ScenarioError::Parse { message, .. } => Status::Bad {
            key: None,
            line: line_in_message(message),
            message: one_line(&strip(message.clone())),
        },
        ScenarioError::Io { source, .. } => Status::Bad {
            key: None,
            line: None,
            message: format!("cannot read the file: {source}"),
        },
    }
}

/// A TOML parser message on one line: its first line (where) and its last (what); the source
/// excerpt between them is left to the file itself.
fn one_line(message: &str) -> String {
    let lines: Vec<&str> = message.lines().filter(|l| !l.trim().is_empty()).collect();
    match (lines.first(), lines.last()) {
        (Some(first), Some(last)) if lines.len() > 1 => format!("{first}: {}", last.trim()),
        _ => message.trim().to_string(),
    }
}

/// The line number a TOML parser message cites (`TOML parse error at line 3, column 1`).
fn line_in_message(message: &str) -> Option<usize> {
    let at = message.find("line ")? + 5;
    let digits: String = message[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().ok()
}

/// The 1-based line where a dotted key (`expect.cycles.init_done`, `board.dq_delay_ps[3]`,
/// `fault[0].dq`) is written in TOML `text`. When the last part is missing (a key left to its
/// default) the line of the deepest part that is written is given, so an annotation still
/// lands in the right table. `None` when not even the first part is in the file.
pub fn key_line(text: &str, dotted: &str) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let doc = DeTable::parse(text).ok()?;
    let mut best: Option<usize> = None;
    let mut table: &DeTable = doc.get_ref();
    let mut parts = dotted.split('.').peekable();
    while let Some(part) = parts.next() {
        let (name, index) = match part.split_once('[') {
            Some((n, rest)) => (n, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (part, None),
        };
        let Some((k, v)) = table.iter().find(|(k, _)| k.get_ref() == name) else {
            break;
        };
        best = Some(k.span().start);
        let mut value = v;
        if let Some(i) = index {
            match value.get_ref() {
                DeValue::Array(a) => match a.get(i) {
                    Some(item) => {
                        best = Some(item.span().start);
                        value = item;
                    }
                    None => break,
                },
                _ => break,
            }
        }
        if parts.peek().is_none() {
            break;
        }
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            _ => break,
        }
    }
    best.map(|offset| text[..offset.min(text.len())].matches('\n').count() + 1)
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

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The table people read: one row per scenario, then the differences or the error under it.
pub fn table(results: &[ScenarioResult], timings: bool) -> String {
    let dash = || "-".to_string();
    let rows: Vec<[String; 4]> = results
        .iter()
        .map(|r| {
            [
                r.name.clone(),
                r.expected
                    .as_ref()
                    .map(|o| o.to_string())
                    .unwrap_or_else(dash),
                r.got.as_ref().map(|o| o.to_string()).unwrap_or_else(dash),
                r.status_word().to_string(),
            ]
        })
        .collect();
    let head = ["scenario", "expected", "got", "status"];
    let mut w = head.map(str::len);
    for row in &rows {
        for (i, c) in row.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: [&str; 4], time: Option<String>| {
        let mut l = format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            w0 = w[0],
            w1 = w[1],
            w2 = w[2],
            w3 = w[3]
        );
        if let Some(t) = time {
            l.push_str("  ");
            l.push_str(&t);
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&mut out, head, timings.then(|| "time".to_string()));
    for (r, row) in results.iter().zip(&rows) {
        line(
            &mut out,
            [&row[0], &row[1], &row[2], &row[3]],
            timings.then(|| ms(r.elapsed)),
        );
        match &r.status {
            Status::Mismatch { differences } => {
                for d in differences {
                    out.push_str(&format!(
                        "    {}{}: expected {}, got {}\n",
                        d.key,
                        d.line.map(|l| format!(" (line {l})")).unwrap_or_default(),
                        d.expected,
                        d.found
                    ));
                }
            }
            Status::Bad { line, message, .. } => {
                out.push_str(&format!(
                    "    {}{}\n",
                    line.map(|l| format!("line {l}: ")).unwrap_or_default(),
                    message
                ));
            }
            Status::Pass | Status::Skipped => {}
        }
    }
    let t = Totals::of(results);
    out.push_str(&format!(
        "{} scenarios: {} as expected, {} not as expected, {} bad, {} without [expect]\n",
        t.total, t.passed, t.mismatched, t.bad, t.skipped
    ));
    out
}

/// A JUnit XML report: one `<testsuite>` per folder (`golden`, `faults`, ...), one
/// `<testcase>` per scenario; a mismatch is a `<failure>`, a bad scenario an `<error>`, a
/// scenario without `[expect]` `<skipped>`. Times only with `timings` (then the output is no
/// longer byte-identical from run to run).
///
/// The Jenkins xUnit `junit-10.xsd` (the schema pytest also validates against) allows no
/// `skipped` attribute on the root `<testsuites>`; `quick-junit` always writes one, so it is
/// taken out of the root element (each `<testsuite>` keeps its own count).
pub fn junit(results: &[ScenarioResult], report_name: &str, timings: bool) -> String {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut suites: Vec<(String, TestSuite)> = Vec::new();
    for r in results {
        let folder = r
            .name
            .rsplit_once('/')
            .map(|(dir, _)| dir.to_string())
            .unwrap_or_default();
        if suites.last().map(|(f, _)| f != &folder).unwrap_or(true) {
            let name = if folder.is_empty() {
                report_name.to_string()
            } else {
                format!("{report_name}/{folder}")
            };
            suites.push((folder.clone(), TestSuite::new(name)));
        }
        let status = match &r.status {
            Status::Pass => TestCaseStatus::success(),
            Status::Mismatch { differences } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let first = &differences[0];
                s.set_message(format!(
                    "{}: expected {}, got {}",
                    first.key, first.expected, first.found
                ));
                s.set_type("mismatch");
                let text: Vec<String> = differences
                    .iter()
                    .map(|d| {
                        format!(
                            "{}{}: expected {}, got {}",
                            d.key,
                            d.line.map(|l| format!(" (line {l})")).unwrap_or_default(),
                            d.expected,
                            d.found
                        )
                    })
                    .collect();
                s.set_description(format!("{}\n{}", r.path.display(), text.join("\n")));
                s
            }
            Status::Bad { line, message, .. } => {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
                s.set_message(message.clone());
                s.set_type("bad scenario");
                s.set_description(format!(
                    "{}{}: {}",
                    r.path.display(),
                    line.map(|l| format!(":{l}")).unwrap_or_default(),
                    message
                ));
                s
            }
            Status::Skipped => {
                let mut s = TestCaseStatus::skipped();
                s.set_message("no [expect] table");
                s
            }
        };
        let mut case = TestCase::new(r.name.clone(), status);
        let mut classname = "migcal.regress".to_string();
        if !folder.is_empty() {
            classname.push('.');
            classname.push_str(&folder.replace('/', "."));
        }
        case.set_classname(classname);
        if timings {
            case.set_time(r.elapsed);
        }
        if let Some((_, suite)) = suites.last_mut() {
            suite.add_test_case(case);
        }
    }
    let mut report = Report::new(report_name.to_string());
    for (_, mut s) in suites {
        if timings {
            let t: Duration = s.test_cases.iter().filter_map(|c| c.time).sum();
            s.set_time(t);
        }
        report.add_test_suite(s);
    }
    let xml = report
        .to_string()
        .unwrap_or_else(|e| format!("<!-- JUnit serialisation failed: {e} -->\n"));
    let mut xml = drop_root_skipped(&xml);
    if !xml.ends_with('\n') {
        xml.push('\n');
    }
    xml
}

/// Removes the `skipped="n"` attribute from the root `<testsuites ...>` start tag.
fn drop_root_skipped(xml: &str) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml.to_string();
    };
    let Some(end) = xml[start..].find('>').map(|e| start + e) else {
        return xml.to_string();
    };
    let tag = &xml[start..end];
    let Some(at) = tag.find(" skipped=\"") else {
        return xml.to_string();
    };
    let value_end = tag[at + 10..]
        .find('"')
        .map(|e| at + 10 + e + 1)
        .unwrap_or(tag.len());
    let mut out = String::with_capacity(xml.len());
    out.push_str(&xml[..start + at]);
    out.push_str(&xml[start + value_end..]);
    out
}

/// Escapes a GitHub workflow-command property (`file`, `title`).
fn gh_property(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// Escapes a GitHub workflow-command message.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub Actions `::error` annotations, one per difference and per bad scenario, each
/// pointing at the scenario file and the line of the `[expect]` key (or of the bad key).
pub fn github_annotations(results: &[ScenarioResult]) -> String {
    let mut out = String::new();
    let mut emit = |path: &Path, line: Option<usize>, title: String, message: String| {
        out.push_str("::error file=");
        out.push_str(&gh_property(&path.display().to_string()));
        if let Some(l) = line {
            out.push_str(&format!(",line={l}"));
        }
        out.push_str(",title=");
        out.push_str(&gh_property(&title));
        out.push_str("::");
        out.push_str(&gh_data(&message));
        out.push('\n');
    };
    for r in results {
        match &r.status {
            Status::Mismatch { differences } => {
                for d in differences {
                    emit(
                        &r.path,
                        d.line,
                        format!("{} not as expected ({})", r.name, d.key),
                        format!(
                            "{}: expected {}, got {}{}",
                            d.key,
                            d.expected,
                            d.found,
                            r.got
                                .as_ref()
                                .map(|g| format!(" (diagnosis: {g})"))
                                .unwrap_or_default()
                        ),
                    );
                }
            }
            Status::Bad { line, message, .. } => {
                emit(
                    &r.path,
                    *line,
                    format!("{}: bad scenario", r.name),
                    message.clone(),
                );
            }
            Status::Pass | Status::Skipped => {}
        }
    }
    out
}

/// The JSON document (`regress --json`): every result and the totals.
pub fn json(results: &[ScenarioResult], timings: bool) -> serde_json::Value {
    let scenarios: Vec<serde_json::Value> = results
        .iter()
        .map(|r| {
            let mut v = serde_json::to_value(r).unwrap_or(serde_json::Value::Null);
            if let (true, Some(o)) = (timings, v.as_object_mut()) {
                o.insert(
                    "time_ms".into(),
                    serde_json::json!(r.elapsed.as_secs_f64() * 1e3),
                );
            }
            v
        })
        .collect();
    serde_json::json!({
        "scenarios": scenarios,
        "totals": Totals::of(results),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "profile = \"minimodule\"\n\n[board]\ndq_delay_ps = [0, 300,\n  600]\n\n[[fault]]\nkind = \"dq_open\"\ndq = 3\n\n[expect]\nverdict = \"fail\"\nstage = \"read_latency\"\n\n[expect.cycles]\ntap_sel_done = 5\n";

    #[test]
    fn key_lines() {
        assert_eq!(key_line(TEXT, "profile"), Some(1));
        assert_eq!(key_line(TEXT, "board.dq_delay_ps"), Some(4));
        assert_eq!(key_line(TEXT, "board.dq_delay_ps[2]"), Some(5));
        assert_eq!(key_line(TEXT, "fault[0].dq"), Some(9));
        assert_eq!(key_line(TEXT, "expect.verdict"), Some(12));
        assert_eq!(key_line(TEXT, "expect.stage"), Some(13));
        assert_eq!(key_line(TEXT, "expect.cycles.tap_sel_done"), Some(16));
        // Not written out: the table it belongs to.
        assert_eq!(key_line(TEXT, "expect.faulty_dq"), Some(11));
        assert_eq!(key_line(TEXT, "expect.cycles.init_done"), Some(15));
        assert_eq!(key_line(TEXT, "memory.cl"), None);
        assert_eq!(key_line("not [ toml", "a"), None);
    }

    #[test]
    fn parse_error_on_one_line() {
        let m = "TOML parse error at line 2, column 7\n  |\n2 | [board\n  |       ^\nunclosed table, expected `]`\n";
        assert_eq!(
            one_line(m),
            "TOML parse error at line 2, column 7: unclosed table, expected `]`"
        );
        assert_eq!(one_line("plain"), "plain");
    }

    #[test]
    fn parse_error_line() {
        assert_eq!(
            line_in_message("TOML parse error at line 3, column 1\n  |"),
            Some(3)
        );
        assert_eq!(line_in_message("no number here"), None);
    }

    #[test]
    fn root_skipped_attribute_removed_only_from_the_root() {
        let xml = "<?xml version=\"1.0\"?>\n<testsuites name=\"r\" tests=\"1\" skipped=\"0\" failures=\"0\" errors=\"0\">\n<testsuite name=\"s\" tests=\"1\" skipped=\"0\" errors=\"0\" failures=\"0\"/>\n</testsuites>\n";
        let out = drop_root_skipped(xml);
        assert!(out.contains("<testsuites name=\"r\" tests=\"1\" failures=\"0\" errors=\"0\">"));
        assert!(out.contains("<testsuite name=\"s\" tests=\"1\" skipped=\"0\""));
    }

    #[test]
    fn github_escapes() {
        assert_eq!(gh_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(gh_data("a:b,c%\r\n"), "a:b,c%25%0D%0A");
    }

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
