//! `migcal convert` run as a user would: the converted VCD, read back, holds exactly the
//! capture's changes under canonical names; failures leave no output behind.

mod common;
use common::{golden, migcal, text, write};

use migcal_traces::names::{MigTrace, NameMap};
use migcal_traces::sniff::{self, OpenOptions};
use migcal_traces::{Trace, Value};
use std::path::Path;

fn load_all(p: &Path) -> Trace {
    let mut src = sniff::open(p, &OpenOptions::default()).unwrap();
    Trace::load(src.as_mut(), None).unwrap()
}

#[test]
fn golden_round_trip_keeps_every_change() {
    for name in ["nominal", "fault1"] {
        let g = golden(name);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out.vcd");
        let run = migcal(&["convert", g.to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));

        let original = load_all(&g);
        let converted = load_all(&out);
        let map = NameMap::build(&original.header, None).unwrap();
        assert_eq!(converted.header.signals.len(), map.bindings().len());
        for (i, info) in converted.header.signals.iter().enumerate() {
            let b = map.get(&info.source_name).unwrap_or_else(|| {
                panic!("{} in the output is a canonical name", info.source_name)
            });
            // Every golden binding is one whole capture signal: compare change lists directly.
            let src = b.whole.expect("golden signals are whole buses");
            assert_eq!(info.width, original.header.signals[src as usize].width);
            assert_eq!(
                converted.changes[i], original.changes[src as usize],
                "{name}: changes of {}",
                info.source_name
            );
        }
        // The output binds to the same canonical names when read again.
        let again = NameMap::build(&converted.header, None).unwrap();
        let a: Vec<&str> = again.bindings().iter().map(|b| b.name.as_str()).collect();
        let m: Vec<&str> = map.bindings().iter().map(|b| b.name.as_str()).collect();
        assert_eq!(a, m);
    }
}

#[test]
fn output_is_deterministic() {
    let g = golden("nominal");
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.vcd"), dir.path().join("b.vcd"));
    for p in [&a, &b] {
        let run = migcal(&["convert", g.to_str().unwrap(), "-o", p.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn bit_blasted_capture_becomes_buses() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = write(
        dir.path(),
        "blasted.vcd",
        "$timescale 1ns $end
$scope module TB $end
$var wire 1 a DQ(1) $end
$var wire 1 b DQ(0) $end
$scope module U_DDR $end
$scope module TAP_LOGIC_00 $end
$var wire 1 c DLYCE_DQS<1> $end
$var wire 1 d DLYCE_DQS<0> $end
$scope module tap_ctrl_gen[1] $end
$scope module tap_ctrl_0 $end
$var wire 4 e Current_State [3:0] $end
$upscope $end
$upscope $end
$upscope $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
0a
0b
0c
0d
b0000 e
#10
1a
1b
1c
b0101 e
#20
0b
#30
1d
0c
",
    );
    let out = dir.path().join("canon.vcd");
    let run = migcal(&[
        "convert",
        vcd.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["signals"], 3);

    let mut src = sniff::open(&out, &OpenOptions::default()).unwrap();
    let names: Vec<String> = src
        .header()
        .signals
        .iter()
        .map(|s| s.source_name.clone())
        .collect();
    assert_eq!(
        names,
        vec![
            "pins/dq",
            "tap_ctrl[1]/current_state",
            "tap_logic/dlyce_dqs"
        ]
    );
    let t = Trace::load(src.as_mut(), None).unwrap();
    let bits = |s: &str| Value::Bits(s.as_bytes().into());
    const NS: u64 = 1_000_000;
    assert_eq!(
        t.changes[0],
        vec![
            (0, bits("00")),
            (10 * NS, bits("11")),
            (20 * NS, bits("10"))
        ]
    );
    // Bits 0 and 1 of dlyce_dqs change at the same instant at 30 ns: one bus change, no glitch.
    assert_eq!(
        t.changes[2],
        vec![
            (0, bits("00")),
            (10 * NS, bits("10")),
            (30 * NS, bits("01"))
        ]
    );

    // The same view through the library: bare names and bit selections.
    let again = sniff::open(&out, &OpenOptions::default()).unwrap();
    let map = NameMap::build(again.header(), None).unwrap();
    let mt = MigTrace::load(again, &map, None).unwrap();
    assert_eq!(
        mt.value_at("dlyce_dqs[0]", 35 * NS).unwrap(),
        Some(bits("1"))
    );
    assert_eq!(
        mt.value_at("current_state", 15 * NS)
            .unwrap()
            .and_then(|v| v.to_u64()),
        Some(5)
    );
}

#[test]
fn failure_leaves_previous_output_alone() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.vcd",
        "$timescale 1ps $end\n$scope module tb $end\n$var wire 1 ! init_done $end\n$upscope $end\n$enddefinitions $end\n#0\n1!\n#5\nq!\n",
    );
    let out = write(dir.path(), "out.vcd", "previous result\n");
    let run = migcal(&[
        "convert",
        bad.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("bad.vcd:9: expected"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous result\n");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 2, "no temporary file is left behind");
}

#[test]
fn nothing_to_convert_and_unwritable_target_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = write(
        dir.path(),
        "other.vcd",
        "$timescale 1ps $end\n$scope module tb $end\n$var wire 1 ! clk $end\n$upscope $end\n$enddefinitions $end\n#0\n1!\n",
    );
    let out = dir.path().join("o.vcd");
    let run = migcal(&[
        "convert",
        vcd.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("no MIG signal"),
        "{}",
        text(&run.stderr)
    );
    assert!(!out.exists());

    let g = golden("nominal");
    let run = migcal(&[
        "convert",
        g.to_str().unwrap(),
        "-o",
        "/nonexistent-dir/x/out.vcd",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("/nonexistent-dir/x/out.vcd"));
}
