//! `simulate` and `diagnose` read one run through one analysis: `simulate`'s exit code and its
//! stall stage are what `diagnose` says about the VCD `simulate -o` wrote (issue 17: the exit
//! code came from `init_done` and the stall from a rule of the run loop's own).

mod common;

use common::{migcal, text};
use std::path::PathBuf;

fn agree(scenario: &str) {
    let dir = tempfile::tempdir().unwrap();
    let vcd = dir.path().join("run.vcd");
    let scn = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sim/scenarios")
        .join(scenario);
    let sim = migcal(&[
        "simulate",
        "--json",
        scn.to_str().unwrap(),
        "-o",
        vcd.to_str().unwrap(),
    ]);
    let summary: serde_json::Value = serde_json::from_str(&text(&sim.stdout)).unwrap();
    let diag = migcal(&["diagnose", "--json", vcd.to_str().unwrap()]);
    let report: serde_json::Value = serde_json::from_str(&text(&diag.stdout)).unwrap();
    assert_eq!(
        sim.status.code(),
        diag.status.code(),
        "{scenario}: simulate and diagnose disagree on the verdict"
    );
    let code = sim.status.code().unwrap();
    assert!(code == 0 || code == 1, "{scenario}: {}", text(&sim.stderr));
    if !summary["stall"].is_null() {
        assert_eq!(summary["stall"]["stage"], report["stage"], "{scenario}");
    }
    assert_eq!(
        report["verdict"],
        if code == 0 { "pass" } else { "fail" },
        "{scenario}"
    );
}

#[test]
fn nominal_run() {
    agree("golden/nominal.toml");
}

#[test]
fn stage2_stall() {
    agree("golden/dq5_stuck_high.toml");
}

#[test]
fn stage3_stall() {
    agree("golden/dqs1_open.toml");
}

#[test]
fn held_in_reset() {
    agree("golden/idelayctrl_not_ready.toml");
}

#[test]
fn dcm_restart_and_unlock() {
    agree("dcm/autocal_true_short_rst.toml");
}
