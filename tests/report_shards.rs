//! `regress` and `sweep` reports byte for byte, sharded and merged:
//!
//! - the unsharded table, JSON, JUnit, GitHub annotations and CSV equal the goldens in
//!   `tests/fixtures/reports/expected/` (written by the build before the reporters moved to
//!   `sim/src/report/`, so the move changed no byte);
//! - for several shard counts (more shards than grid points included), `migcal merge` of the
//!   shards' `--json` outputs gives those same bytes and the same exit code;
//! - GitLab's `CI_NODE_INDEX`/`CI_NODE_TOTAL` pick the same shard as `--shard`;
//! - a missing or duplicated shard is named and exits 2.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REGRESS_DIR: &str = "tests/fixtures/reports/regress";
const SWEEP: &[&str] = &[
    "sweep",
    "sim/scenarios/golden/nominal.toml",
    "--vary",
    "skew.dq1=0,1500",
    "--vary",
    "temperature=25,85",
    "--runs",
    "2",
    "--stop-time-us",
    "260",
];

fn migcal(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_migcal"));
    // Relative paths, as a CI job writes them: they appear in the reports.
    c.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
    c.env_remove("CI_NODE_INDEX").env_remove("CI_NODE_TOTAL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run migcal")
}

fn expected(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reports/expected")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn assert_bytes(what: &str, got: &[u8], want: &[u8]) {
    assert!(
        got == want,
        "{what} differs\n--- got ---\n{}\n--- expected ---\n{}",
        show(got),
        show(want)
    );
}

fn regress_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["regress", REGRESS_DIR];
    a.extend_from_slice(extra);
    a
}

fn sweep_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = SWEEP.to_vec();
    a.extend_from_slice(extra);
    a
}

/// Runs shards 1..=n of a command (`--json`), writes their outputs to `dir` and returns the
/// files.
fn shards(dir: &Path, n: u32, base: &dyn Fn(&[&str]) -> Vec<String>) -> Vec<PathBuf> {
    (1..=n)
        .map(|k| {
            let spec = format!("{k}/{n}");
            let args = base(&["--shard", &spec, "--json"]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let o = migcal(&args, &[]);
            assert!(
                matches!(o.status.code(), Some(0..=2)),
                "{}",
                show(&o.stderr)
            );
            let f = dir.join(format!("shard-{k}-of-{n}.json"));
            std::fs::write(&f, &o.stdout).unwrap();
            f
        })
        .collect()
}

fn owned(a: Vec<&str>) -> Vec<String> {
    a.into_iter().map(String::from).collect()
}

fn merge(files: &[PathBuf], extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["merge".into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    migcal(&args, &[])
}

#[test]
fn unsharded_reports_are_the_goldens() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("r.xml");
    let o = migcal(
        &regress_args(&["--junit", xml.to_str().unwrap(), "--github-actions"]),
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "bad scenarios in the folder");
    assert_bytes("regress table", &o.stdout, &expected("regress.txt"));
    assert_bytes(
        "regress JUnit",
        &std::fs::read(&xml).unwrap(),
        &expected("regress.xml"),
    );
    let o = migcal(&regress_args(&["--json"]), &[]);
    assert_bytes("regress JSON", &o.stdout, &expected("regress.json"));

    let csv = dir.path().join("s.csv");
    let o = migcal(&sweep_args(&["--csv", csv.to_str().unwrap()]), &[]);
    assert_eq!(o.status.code(), Some(1), "points below 100 %");
    assert_bytes("sweep table", &o.stdout, &expected("sweep.txt"));
    assert_bytes(
        "sweep CSV",
        &std::fs::read(&csv).unwrap(),
        &expected("sweep.csv"),
    );
    let o = migcal(&sweep_args(&["--json"]), &[]);
    assert_bytes("sweep JSON", &o.stdout, &expected("sweep.json"));
}

#[test]
fn merged_regress_shards_are_the_unsharded_bytes() {
    for n in [1, 2, 3, 5, 9] {
        let dir = tempfile::tempdir().unwrap();
        let files = shards(dir.path(), n, &|x| owned(regress_args(x)));
        let xml = dir.path().join("merged.xml");
        let o = merge(
            &files,
            &["--junit", xml.to_str().unwrap(), "--github-actions"],
        );
        assert_eq!(o.status.code(), Some(2), "{n} shards: {}", show(&o.stderr));
        assert_bytes(
            &format!("{n} shards: table"),
            &o.stdout,
            &expected("regress.txt"),
        );
        assert_bytes(
            &format!("{n} shards: JUnit"),
            &std::fs::read(&xml).unwrap(),
            &expected("regress.xml"),
        );
        // Any order of the files.
        let mut rev = files.clone();
        rev.reverse();
        let o = merge(&rev, &["--json"]);
        assert_bytes(
            &format!("{n} shards: JSON"),
            &o.stdout,
            &expected("regress.json"),
        );
    }
}

#[test]
fn merged_sweep_shards_are_the_unsharded_bytes() {
    // 4 grid points: 5 shards leaves one empty.
    for n in [1, 2, 3, 5] {
        let dir = tempfile::tempdir().unwrap();
        let files = shards(dir.path(), n, &|x| owned(sweep_args(x)));
        let csv = dir.path().join("merged.csv");
        let o = merge(&files, &["--csv", csv.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{n} shards: {}", show(&o.stderr));
        assert_bytes(
            &format!("{n} shards: table"),
            &o.stdout,
            &expected("sweep.txt"),
        );
        assert_bytes(
            &format!("{n} shards: CSV"),
            &std::fs::read(&csv).unwrap(),
            &expected("sweep.csv"),
        );
        let o = merge(&files, &["--json"]);
        assert_bytes(
            &format!("{n} shards: JSON"),
            &o.stdout,
            &expected("sweep.json"),
        );
    }
}

#[test]
fn a_shard_holds_its_share_and_gitlab_variables_pick_it() {
    let by_flag = migcal(&regress_args(&["--shard", "2/3", "--json"]), &[]);
    let by_env = migcal(
        &regress_args(&["--json"]),
        &[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")],
    );
    assert_bytes(
        "CI_NODE_INDEX=2 CI_NODE_TOTAL=3 vs --shard 2/3",
        &by_env.stdout,
        &by_flag.stdout,
    );
    let doc: serde_json::Value = serde_json::from_slice(&by_flag.stdout).unwrap();
    // Scenarios 1, 4, 7 (0-based) of the 8 sorted ones.
    let names: Vec<&str> = doc["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["b_fault1_wrong_dq.toml", "c_range.toml", "f_dq5.toml"]
    );
    assert_eq!(doc["shard"]["index"], 2);
    assert_eq!(doc["shard"]["items"], serde_json::json!([1, 4, 7]));
    // The shard's exit code is its own scenarios': one bad (c_range) -> 2.
    assert_eq!(by_flag.status.code(), Some(2));
    // A job that is not parallel has CI_NODE_TOTAL=1: everything runs, unsharded output.
    let whole = migcal(&regress_args(&["--json"]), &[("CI_NODE_TOTAL", "1")]);
    assert_bytes("CI_NODE_TOTAL=1", &whole.stdout, &expected("regress.json"));
    // --shard wins over the variables.
    let flag_wins = migcal(
        &regress_args(&["--shard", "2/3", "--json"]),
        &[("CI_NODE_INDEX", "1"), ("CI_NODE_TOTAL", "4")],
    );
    assert_bytes("--shard over CI_NODE_*", &flag_wins.stdout, &by_flag.stdout);
    // GitLab counts from 1; 0 is refused, not shifted.
    let o = migcal(
        &sweep_args(&[]),
        &[("CI_NODE_INDEX", "0"), ("CI_NODE_TOTAL", "3")],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        show(&o.stderr).contains("CI_NODE_INDEX \"0\""),
        "{}",
        show(&o.stderr)
    );
    let o = migcal(&sweep_args(&["--shard", "4/3"]), &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        show(&o.stderr).contains("--shard \"4/3\""),
        "{}",
        show(&o.stderr)
    );
}

#[test]
fn missing_and_duplicated_shards_are_named_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let files = shards(dir.path(), 4, &|x| owned(sweep_args(x)));
    // Shards 2 and 4 missing, 1 given twice.
    let o = merge(&[files[0].clone(), files[2].clone(), files[0].clone()], &[]);
    assert_eq!(o.status.code(), Some(2));
    let err = show(&o.stderr);
    assert!(err.contains("missing shards 2/4, 4/4"), "{err}");
    assert!(err.contains("shard 1/4 given 2 times"), "{err}");
    assert!(o.stdout.is_empty(), "nothing merged: {}", show(&o.stdout));

    // Shards of different runs.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let regress = shards(&other, 4, &|x| owned(regress_args(x)));
    let o = merge(
        &[
            files[0].clone(),
            files[1].clone(),
            files[2].clone(),
            regress[3].clone(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        show(&o.stderr).contains("comes from another run"),
        "{}",
        show(&o.stderr)
    );

    // An unsharded result is not a shard.
    let whole = dir.path().join("whole.json");
    std::fs::write(&whole, expected("sweep.json")).unwrap();
    let o = merge(&[whole], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        show(&o.stderr).contains("without a `shard` key"),
        "{}",
        show(&o.stderr)
    );

    // Options of the other command are refused.
    let o = merge(&files, &["--junit", "x.xml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        show(&o.stderr).contains("sweep shards"),
        "{}",
        show(&o.stderr)
    );
}
