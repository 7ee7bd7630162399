//! `migcal signals` run as a user would: the built binary on the golden captures, on small
//! hand-written captures of other shapes, and on bad input.

mod common;
use common::{golden, migcal, text, write};

use std::path::Path;

/// A VCD with the FPGA-Editor hierarchy of the field method (top_00 flattened, generate labels
/// dropped), the synthesized CHAN_DONE net, and bit-blasted DQ pins in `<n>` style.
const TANDEM_VCD: &str = "$timescale 1ps $end
$scope module ddr2_ctrl_tandem $end
$var wire 1 ! DQ<0> $end
$var wire 1 \" DQ<1> $end
$scope module data_path_00 $end
$scope module tap_logic_00 $end
$var wire 1 # tap_sel_done $end
$var wire 1 $ dlyce_dqs[0] $end
$scope module data_tap_inc_0 $end
$var wire 1 % calib_done_int $end
$var wire 1 & chan_sel_int_not0002 $end
$upscope $end
$upscope $end
$upscope $end
$upscope $end
$enddefinitions $end
#0
0!
0\"
0#
0$
0%
0&
#5000
1!
1\"
1&
#10000
0&
1#
";

#[test]
fn golden_nominal_lists_signals_with_sources() {
    let g = golden("nominal");
    let out = migcal(&["signals", g.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(stdout.contains("MIG signals found (113)"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("tap_logic/tap_sel_done "))
        .expect("tap_sel_done listed");
    assert!(
        line.ends_with("tb/dut/top_00/data_path_00/tap_logic_00/tap_sel_done"),
        "{line}"
    );
    let dq = stdout
        .lines()
        .find(|l| l.trim_start().starts_with("pins/dq "))
        .unwrap();
    assert!(dq.split_whitespace().nth(1) == Some("16"), "{dq}");
    assert!(stdout.contains("clocking: dcm/locked*"), "{stdout}");
    // The data_path_00 copy of ctrl_dummyread_start is no block of the catalogue.
    assert!(stdout.contains("tb/dut/top_00/data_path_00/ctrl_dummyread_start"));
}

#[test]
fn golden_json_is_complete_and_deterministic() {
    let g = golden("fault1");
    let a = migcal(&["signals", g.to_str().unwrap(), "--json"]);
    let b = migcal(&["signals", g.to_str().unwrap(), "--json"]);
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(v["format"], "vcd");
    assert_eq!(v["time_base"], "femtoseconds");
    assert_eq!(v["end_time"], 600_000_000_000u64);
    let sigs = v["signals"].as_array().unwrap();
    let tap = sigs
        .iter()
        .find(|s| s["name"] == "tap_ctrl[1]/current_state")
        .unwrap();
    assert_eq!(tap["width"], 4);
    assert_eq!(tap["expected_width"], 4);
    assert_eq!(tap["stage"], "tap_calibration");
    assert!(tap["changes"].as_u64().unwrap() > 10);
    let idelay: Vec<&str> = sigs
        .iter()
        .filter_map(|s| s["name"].as_str())
        .filter(|n| n.starts_with("idelay_dq["))
        .collect();
    assert_eq!(idelay.len(), 16);
    assert_eq!(idelay[2], "idelay_dq[2]/tap", "natural order");
    assert!(v["missing"]["clocking"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("dcm/locked")));
    assert!(v["missing"].get("tap_calibration").is_none());
    assert_eq!(v["ambiguous"].as_array().unwrap().len(), 0);
}

#[test]
fn fpga_editor_capture_with_mapping() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = write(dir.path(), "tandem.vcd", TANDEM_VCD);
    let map = write(
        dir.path(),
        "map.toml",
        "\"tap_logic/chan_done_dqs[0]\" = \"ddr2_ctrl_tandem/data_path_00/tap_logic_00/data_tap_inc_0/chan_sel_int_not0002\"\n",
    );
    let out = migcal(&[
        "signals",
        vcd.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = common::field_strs(&v["signals"], "name");
    for want in [
        "data_tap_inc[0]/calib_done_int",
        "tap_logic/chan_done_dqs",
        "pins/dq",
        "tap_logic/dlyce_dqs",
        "tap_logic/tap_sel_done",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    let chan = v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "tap_logic/chan_done_dqs")
        .unwrap();
    assert_eq!(chan["changes"], 3);
    let dq = v["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "pins/dq")
        .unwrap();
    assert_eq!(dq["width"], 2);
}

#[test]
fn mapping_to_a_missing_signal_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = write(dir.path(), "tandem.vcd", TANDEM_VCD);
    let map = write(
        dir.path(),
        "map.toml",
        "# comment\n\"dcm/locked\" = \"ddr2_ctrl_tandem/dcm_lock_probe\"\n",
    );
    let out = migcal(&[
        "signals",
        vcd.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("migcal: error: "), "{err}");
    assert!(err.contains("map.toml") && err.contains("line 2"), "{err}");
    assert!(err.contains("ddr2_ctrl_tandem/dcm_lock_probe"), "{err}");
}

#[test]
fn two_candidates_exit_2_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = write(
        dir.path(),
        "two.vcd",
        "$timescale 1ns $end\n$scope module tb $end\n$var wire 4 ! dq [3:0] $end\n$scope module dut $end\n$var wire 4 \" cntrl0_ddr2_dq [3:0] $end\n$upscope $end\n$upscope $end\n$enddefinitions $end\n#0\nb0 !\nb0 \"\n",
    );
    let out = migcal(&["signals", vcd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("pins/dq") && err.contains("tb/dq") && err.contains("tb/dut/cntrl0_ddr2_dq"),
        "{err}"
    );
    // The listing is still printed, with the ambiguity in it.
    assert!(text(&out.stdout).contains("Ambiguous"));
    // A mapping settles it.
    let map = write(dir.path(), "m.toml", "\"pins/dq\" = \"tb/dq\"\n");
    let out = migcal(&[
        "signals",
        vcd.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn bad_vcd_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let vcd = write(
        dir.path(),
        "bad.vcd",
        "$timescale 1ps $end\n$scope module tb $end\n$var wire 1 ! init_done $end\n$upscope $end\n$enddefinitions $end\n#0\n1!\n#5\nq!\n",
    );
    let out = migcal(&["signals", vcd.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with("migcal: error: "), "{err}");
    assert!(err.contains("bad.vcd:9: expected"), "{err}");
    assert!(err.contains("found \"q!\""), "{err}");
}

#[test]
fn garbage_and_missing_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noise.bin");
    std::fs::write(&p, [0u8, 1, 2, 3, 0xff, 0xfe, 0x80, 0]).unwrap();
    let out = migcal(&["signals", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("noise.bin") && err.contains("binary"), "{err}");

    let out = migcal(&["signals", dir.path().join("absent.vcd").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("absent.vcd"));

    let txt = write(dir.path(), "notes.txt", "hello, this is not a capture\n");
    let out = migcal(&["signals", txt.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("notes.txt"));
}

#[test]
fn sample_period_is_parsed_and_checked() {
    let ila =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv/ila_chipscopy_gap.csv");
    let out = migcal(&["signals", ila.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["format"], "ila_csv");
    assert_eq!(v["time_base"], "samples");
    let out = migcal(&[
        "signals",
        ila.to_str().unwrap(),
        "--sample-period",
        "5ns",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["time_base"], "femtoseconds");
    let names = common::field_strs(&v["signals"], "name");
    assert!(names.contains(&"tap_logic/tap_sel_done"), "{names:?}");

    let out = migcal(&["signals", ila.to_str().unwrap(), "--sample-period", "5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unit"));
}

/// Issue 15: sigrok drops VCD scopes, so two groups' `dlyinc_dqs` nets become two columns of one
/// name. Both are read, told apart by their position (`dlyinc_dqs#2`, `dlyinc_dqs#3`) with a
/// warning, and a mapping file binds each, by that name or by position (`"#2"`).
#[test]
fn repeated_sigrok_channel_names_are_read_and_bound_by_position() {
    let csv = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv/sigrok_repeated_names.csv");
    let csv = csv.to_str().unwrap();
    let out = common::migcal(&["signals", csv]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let so = common::text(&out.stdout);
    assert!(
        so.contains("dlyinc_dqs#2") && so.contains("dlyinc_dqs#3"),
        "{so}"
    );
    assert!(
        so.contains(
            "channel name `dlyinc_dqs` repeats (2 columns); read as `dlyinc_dqs#2`, `dlyinc_dqs#3`"
        ),
        "{so}"
    );
    let dir = tempfile::tempdir().unwrap();
    let map = common::write(
        dir.path(),
        "map.toml",
        "\"tap_logic/dlyinc_dqs[0]\" = \"#2\"\n\"tap_logic/dlyinc_dqs[1]\" = \"dlyinc_dqs#3\"\n",
    );
    let out = common::migcal(&["signals", csv, "--map", map.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sig = j["signals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "tap_logic/dlyinc_dqs")
        .unwrap_or_else(|| panic!("{j}"));
    assert_eq!(sig["width"], 2, "{sig}");
    let src = sig["source"].to_string();
    assert!(
        src.contains("dlyinc_dqs#2") && src.contains("dlyinc_dqs#3"),
        "{src}"
    );
    // A position past the capture's signals is a mapping error naming the range.
    let bad = common::write(
        dir.path(),
        "bad.toml",
        "\"tap_logic/dlyinc_dqs[0]\" = \"#9\"\n",
    );
    let out = common::migcal(&["signals", csv, "--map", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out.stderr).contains("#1..#4"),
        "{}",
        common::text(&out.stderr)
    );
}
