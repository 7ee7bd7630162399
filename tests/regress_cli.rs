//! `migcal regress` end to end: exit codes, the table, JUnit validity against the Jenkins xUnit
//! JUnit schema, GitHub annotations pointing at the right file and line, and output that does
//! not depend on the number of threads.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("sim/scenarios/golden/{name}.toml"))
}

fn regress(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migcal"))
        .arg("regress")
        .args(args)
        .output()
        .expect("run migcal")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// The 1-based line of the first line of `file` starting with `prefix`.
fn line_of(file: &Path, prefix: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("{prefix} not in {}", file.display()))
        + 1
}

/// A folder with one scenario as expected, one whose `[expect]` was edited so the run no
/// longer matches it, one in a sub-folder with a wrong exact cycle, and one without `[expect]`.
fn mismatch_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&golden("nominal"), &dir.path().join("nominal.toml"));
    let f1 = dir.path().join("fault1.toml");
    let text = std::fs::read_to_string(golden("fault1")).unwrap();
    assert!(text.contains("faulty_dq = [3]"));
    std::fs::write(&f1, text.replace("faulty_dq = [3]", "faulty_dq = [4]")).unwrap();
    let skew = dir.path().join("board/skew.toml");
    copy(&golden("skew"), &skew);
    let text = std::fs::read_to_string(&skew).unwrap();
    assert!(text.contains("init_done = 48742"));
    std::fs::write(
        &skew,
        text.replace("init_done = 48742", "init_done = 48000"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("board/notes.toml"),
        "profile = \"minimodule\"\nstop_time_us = 1\n",
    )
    .unwrap();
    dir
}

#[test]
fn mismatches_exit_1_with_table_junit_and_annotations() {
    let dir = mismatch_dir();
    let d = dir.path();
    let junit = d.join("out/report.xml");
    std::fs::create_dir_all(junit.parent().unwrap()).unwrap();
    let o = regress(&[
        d.to_str().unwrap(),
        "-j",
        "2",
        "--github-actions",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );

    // The table: a row per scenario in path order, then the difference under the bad row.
    let rows: Vec<&str> = out.lines().collect();
    assert!(rows[0].starts_with("scenario") && rows[0].contains("expected"));
    let names: Vec<&str> = rows
        .iter()
        .filter(|l| !l.starts_with(' ') && !l.starts_with("::") && l.contains(".toml"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "board/notes.toml",
            "board/skew.toml",
            "fault1.toml",
            "nominal.toml"
        ]
    );
    let row = |name: &str| *rows.iter().find(|l| l.starts_with(name)).unwrap();
    assert!(row("nominal.toml").ends_with(" ok"), "{out}");
    assert!(row("board/notes.toml").ends_with(" skipped"), "{out}");
    let f1 = row("fault1.toml");
    assert!(
        f1.contains("fail read_latency dq[4]")
            && f1.contains("fail read_latency dq[3]")
            && f1.ends_with("MISMATCH"),
        "{f1}"
    );
    let dq_line = line_of(&d.join("fault1.toml"), "faulty_dq");
    assert!(
        out.contains(&format!(
            "expect.faulty_dq (line {dq_line}): expected [4], got [3]"
        )),
        "{out}"
    );
    assert!(
        out.contains("4 scenarios: 1 as expected, 2 not as expected, 0 bad, 1 without [expect]")
    );

    // GitHub annotations: the file as found under the folder given, the line of the key.
    let ann: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    assert_eq!(ann.len(), 2, "{out}");
    assert!(
        ann[0].starts_with(&format!(
            "::error file={},line={},title=",
            d.join("board/skew.toml").display(),
            line_of(&d.join("board/skew.toml"), "init_done")
        )),
        "{}",
        ann[0]
    );
    assert!(ann[0]
        .ends_with("::expect.cycles.init_done: expected 48000, got 48742 (diagnosis: pass done)"));
    assert!(
        ann[1].starts_with(&format!(
            "::error file={},line={dq_line},title=fault1.toml not as expected (expect.faulty_dq)::",
            d.join("fault1.toml").display()
        )),
        "{}",
        ann[1]
    );

    // JUnit: what the reporters read back, and the schema.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit reads it");
    assert_eq!(
        (report.tests, report.failures, report.errors),
        (4, 2, 0),
        "{xml}"
    );
    let names: Vec<&str> = report
        .test_suites
        .iter()
        .flat_map(|s| s.test_cases.iter().map(|c| c.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            "board/notes.toml",
            "board/skew.toml",
            "fault1.toml",
            "nominal.toml"
        ]
    );
    assert!(
        !xml.contains(" time=\""),
        "no times without --timings: {xml}"
    );
    schema_check(&junit);
}

#[test]
fn bad_scenarios_exit_2_and_the_others_still_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    copy(&golden("idelayctrl_not_ready"), &d.join("a_ok.toml"));
    std::fs::write(
        d.join("b_range.toml"),
        "profile = \"minimodule\"\n\n[board]\njitter_ps_rms = 5000\n\n[expect]\nverdict = \"pass\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("c_syntax.toml"),
        "profile = \"minimodule\"\n[board\n",
    )
    .unwrap();
    std::fs::write(
        d.join("d_expect.toml"),
        "profile = \"minimodule\"\n[expect]\nverdict = \"maybe\"\n",
    )
    .unwrap();
    let junit = d.join("r.xml");
    let o = regress(&[
        d.to_str().unwrap(),
        "--github-actions",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("a_ok.toml") && l.ends_with(" ok")),
        "{out}"
    );
    assert!(
        out.contains("    line 4: key `board.jitter_ps_rms`: expected 0..=1000 ps, found 5000"),
        "{out}"
    );
    assert!(
        out.contains("    line 2: TOML parse error at line 2"),
        "{out}"
    );
    assert!(out.contains("    line 3: key `expect.verdict`"), "{out}");
    assert!(
        out.contains("4 scenarios: 1 as expected, 0 not as expected, 3 bad"),
        "{out}"
    );
    for (file, line) in [
        ("b_range.toml", 4),
        ("c_syntax.toml", 2),
        ("d_expect.toml", 3),
    ] {
        let want = format!(
            "::error file={},line={line},title={file}%3A bad scenario::",
            d.join(file).display()
        );
        assert!(out.lines().any(|l| l.starts_with(&want)), "{want}\n{out}");
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!((report.tests, report.failures, report.errors), (4, 0, 3));
    schema_check(&junit);
}

#[test]
fn all_as_expected_exits_0_and_json() {
    let dir = tempfile::tempdir().unwrap();
    copy(&golden("nominal"), &dir.path().join("nominal.toml"));
    copy(
        &golden("idelayctrl_not_ready"),
        &dir.path().join("idelayctrl_not_ready.toml"),
    );
    let o = regress(&[dir.path().to_str().unwrap(), "--json", "--github-actions"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stderr.is_empty(), "no annotations when all pass");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["totals"]["passed"], 2);
    assert_eq!(v["scenarios"][0]["name"], "idelayctrl_not_ready.toml");
    assert_eq!(v["scenarios"][0]["status"], "pass");
    assert_eq!(v["scenarios"][0]["got"]["stage"], "clocking");
    assert_eq!(v["scenarios"][1]["got"]["verdict"], "pass");
}

#[test]
fn output_does_not_depend_on_threads() {
    let dir = mismatch_dir();
    let d = dir.path();
    let mut outs = Vec::new();
    for j in ["1", "2"] {
        let junit = d.with_extension(format!("j{j}.xml"));
        let o = regress(&[
            d.to_str().unwrap(),
            "-j",
            j,
            "--github-actions",
            "--junit",
            junit.to_str().unwrap(),
        ]);
        let json = regress(&[d.to_str().unwrap(), "-j", j, "--json"]);
        outs.push((o.stdout, std::fs::read(&junit).unwrap(), json.stdout));
        std::fs::remove_file(&junit).unwrap();
    }
    assert_eq!(outs[0].0, outs[1].0, "table and annotations");
    assert_eq!(outs[0].1, outs[1].1, "JUnit");
    assert_eq!(outs[0].2, outs[1].2, "JSON");
}

#[test]
fn unusable_arguments_exit_2() {
    let o = regress(&["/nonexistent/folder"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/folder"));
    let empty = tempfile::tempdir().unwrap();
    let o = regress(&[empty.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no scenario files"));
    let o = regress(&[empty.path().to_str().unwrap(), "-j", "0"]);
    assert_eq!(o.status.code(), Some(2));
}

/// The schema every JUnit consumer here must accept.
fn xsd() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/junit/junit-10.xsd")
}

fn xmllint() -> bool {
    match Command::new("xmllint").arg("--version").output() {
        Ok(o) => o.status.success(),
        Err(_) => {
            eprintln!(
                "SKIPPED: JUnit schema validation needs xmllint (Debian/Ubuntu package libxml2-utils); \
                 not found on PATH"
            );
            false
        }
    }
}

/// Validates `xml` against the Jenkins xUnit JUnit schema with xmllint; skipped (with a
/// message) when xmllint is not installed.
fn schema_check(xml: &Path) {
    if !xmllint() {
        return;
    }
    let o = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(xsd())
        .arg(xml)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{} does not validate against junit-10.xsd:\n{}\n{}",
        xml.display(),
        String::from_utf8_lossy(&o.stderr),
        std::fs::read_to_string(xml).unwrap()
    );
}

/// The check can fail: quick-junit's own output carries `skipped` on `<testsuites>`, which the
/// schema does not allow (the reason `regress` removes it).
#[test]
fn schema_check_rejects_the_root_skipped_attribute() {
    if !xmllint() {
        return;
    }
    let mut r = quick_junit::Report::new("r");
    let mut s = quick_junit::TestSuite::new("s");
    s.add_test_case(quick_junit::TestCase::new(
        "c",
        quick_junit::TestCaseStatus::success(),
    ));
    r.add_test_suite(s);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("raw.xml");
    std::fs::write(&p, r.to_string().unwrap()).unwrap();
    let o = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(xsd())
        .arg(&p)
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("skipped"));
}
