//! The DCM autocalibration case named from a capture of LOCKED and RST alone: the capture is
//! what the DCM model produces for the bench story of spec §7, written as a VCD with the
//! names an engineer's testbench or ILA would use.

use migcal_model::dcm::{
    simulate, ClkinInitial, Input, InputEvent, OutputSignal, Params, FS_PER_MS,
};
use migcal_traces::vcd::VcdWriter;
use migcal_traces::{SignalInfo, ValueRef, VarKind};
use std::process::Command;

const MS: u64 = FS_PER_MS;

/// CLKIN stops at 10 ms and returns at 20 ms; RST is pulsed for `rst_ms` at 30 ms.
fn capture(params: &Params, rst_ms: u64) -> tempfile::TempDir {
    let ev = |t, input| InputEvent { time: t, input };
    let inputs = [
        ev(10 * MS, Input::ClkinStop),
        ev(20 * MS, Input::ClkinResume),
        ev(30 * MS, Input::RstAssert),
        ev((30 + rst_ms) * MS, Input::RstDeassert),
    ];
    let w = simulate(params, &ClkinInitial::default(), &inputs, 400 * MS).unwrap();
    let sig = |n: &str| SignalInfo {
        source_name: n.into(),
        width: 1,
        kind: VarKind::Bits,
        range: None,
    };
    let mut vcd = VcdWriter::new(
        Vec::new(),
        1000,
        &[sig("tb/u_dcm/LOCKED"), sig("tb/u_dcm/RST")],
    )
    .unwrap();
    let mut changes: Vec<(u64, u32, bool)> = vec![
        (0, 0, w.initial.locked),
        (0, 1, false),
        (30 * MS, 1, true),
        ((30 + rst_ms) * MS, 1, false),
    ];
    changes.extend(
        w.changes(OutputSignal::Locked)
            .map(|e| (e.time, 0, e.value)),
    );
    changes.sort_by_key(|c| (c.0, c.1));
    for (t, id, v) in changes {
        vcd.change(t, id, ValueRef::Bits(if v { b"1" } else { b"0" }))
            .unwrap();
    }
    vcd.end_at(400 * MS).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dcm.vcd"), vcd.finish().unwrap()).unwrap();
    dir
}

fn diagnose(dir: &tempfile::TempDir) -> (i32, serde_json::Value) {
    let p = dir.path().join("dcm.vcd");
    let out = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(["diagnose", "--json", p.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    (
        out.status.code().unwrap(),
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{e}: {text} {}", String::from_utf8_lossy(&out.stderr))),
    )
}

#[test]
fn short_reset_after_clkin_returns_is_named() {
    let (code, v) = diagnose(&capture(&Params::default(), 1));
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["stage"], "clocking");
    assert!(
        v["cause"].as_str().unwrap().contains("DCM autocalibration: reset shorter than 200 ms after CLKIN returned; set DCM_AUTOCALIBRATION = FALSE on DCM_BASE/DCM_ADV, or hold RST for at least 200 ms"),
        "{v:#}"
    );
    assert!(
        v["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["signal"] == "dcm/locked"),
        "{v:#}"
    );
}

#[test]
fn autocalibration_false_or_long_reset_is_not_blamed() {
    let off = Params {
        dcm_autocalibration: false,
        ..Params::default()
    };
    for (p, rst) in [(off, 1), (Params::default(), 200)] {
        // LOCKED back up and staying up: nothing to blame, and nothing of the controller to go
        // on: the tool says it cannot diagnose (exit 2) rather than guess a stage.
        let dir = capture(&p, rst);
        let out = Command::new(env!("CARGO_BIN_EXE_migcal"))
            .args(["diagnose", dir.path().join("dcm.vcd").to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{err} {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            err.contains("cannot diagnose") && !err.contains("autocalibration:"),
            "{err}"
        );
    }
}
