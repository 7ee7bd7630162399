//! `migcal sweep` end to end on a tiny grid: CSV columns and pass rates, the margin line,
//! identical results for any thread count, bad axes rejected.

use std::path::PathBuf;
use std::process::{Command, Output};

fn nominal() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sim/scenarios/golden/nominal.toml")
}

fn sweep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_migcal"))
        .arg("sweep")
        .arg(nominal())
        .args(args)
        .output()
        .expect("run migcal")
}

/// Two grid points (DQ1 with no extra delay, and 1.5 ns late so stage 3 never matches) x two
/// seeds, stopped at 260 µs (init_done comes at 243.9 µs in the nominal run).
const GRID: &[&str] = &[
    "--vary",
    "skew.dq1=0,1500",
    "--runs",
    "2",
    "--stop-time-us",
    "260",
];

#[test]
fn tiny_grid_csv_and_pass_rates() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("s.csv");
    let mut args = GRID.to_vec();
    args.extend(["--csv", csv.to_str().unwrap(), "-j", "2"]);
    let o = sweep(&args);
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1), "a point below 100 %: {out}");
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "skew.dq1",
            "runs",
            "passes",
            "pass_rate",
            "worst_margin_taps",
            "worst_margin_ps",
            "worst_margin_dq",
            "no_edge_dq",
            "failed_stages"
        ]
    );
    assert_eq!(rows.len(), 3, "{text}");
    assert_eq!(&rows[1][..5], ["0", "2", "2", "1", rows[1][4]]);
    assert_eq!(&rows[2][..4], ["1500", "2", "0", "0"]);
    assert_eq!(rows[2][8], "read_latency:2", "{text}");
    // Margin in taps and ps agree with the scenario's 78 ps taps.
    let taps: f64 = rows[1][4].parse().unwrap();
    let ps: f64 = rows[1][5].parse().unwrap();
    assert_eq!(taps * 78.0, ps);
    assert!(
        out.contains("skew.dq1: 100% pass from 0 to 0 ps; margin runs out at 1500 ps (0.0% pass)"),
        "{out}"
    );
    assert!(
        out.contains("2 grid points x 2 runs (seeds 1..=2)"),
        "{out}"
    );
}

#[test]
fn same_results_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut outs = Vec::new();
    for j in ["1", "2"] {
        let csv = dir.path().join(format!("j{j}.csv"));
        let mut args = GRID.to_vec();
        args.extend(["--vary", "temperature=25,85", "-j", j, "--csv"]);
        args.push(csv.to_str().unwrap());
        let table = sweep(&args);
        let mut jargs = GRID.to_vec();
        jargs.extend(["--vary", "temperature=25,85", "-j", j, "--json"]);
        let json = sweep(&jargs);
        outs.push((table.stdout, std::fs::read(&csv).unwrap(), json.stdout));
    }
    assert_eq!(outs[0], outs[1]);
    let v: serde_json::Value = serde_json::from_slice(&outs[0].2).unwrap();
    assert_eq!(v["points"].as_array().unwrap().len(), 4);
    assert_eq!(v["axes"], serde_json::json!(["skew.dq1", "temperature"]));
    // The nominal board has no temperature coefficient: the sweep says temperature did nothing.
    let t = &v["margins"][1];
    assert_eq!(t["effect"], false);
    assert!(t["note"].as_str().unwrap().contains("coefficient is 0"));
    assert_eq!(v["margins"][0]["effect"], true);
}

#[test]
fn bad_axes_exit_2() {
    for (args, want) in [
        (vec!["--vary", "humidity=1..2:1"], "unknown parameter"),
        (vec!["--vary", "temperature=0..100:0"], "step above 0"),
        (
            vec!["--vary", "clock.period_ps=1000"],
            "clock.period_ps=1000",
        ),
        (vec!["--vary", "skew.dq20=5"], "dq_delay_ps"),
        (vec!["--vary", "temperature=25", "--runs", "0"], "--runs"),
    ] {
        let o = sweep(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
