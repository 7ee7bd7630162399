//! Issue 18, binding side, through the CLI: other cores' generic nets in an ILA stay unbound with
//! a note; bare channel names (the repository's own Saleae fixture) bind; a misspelt mapping key
//! is an error naming the key, file, line and nearest name; a "capture X" hint never names a net
//! the capture holds.

mod common;
use common::{migcal, text, write};

/// An ILA CSV with two MIG probes and three nets of other cores named like MIG pins.
fn ila_with_other_cores() -> String {
    let mut rows = vec![
        "Sample in Buffer,Sample in Window,TRIGGER,u_ddr/top_00/data_path_00/tap_logic_00/tap_sel_done,\
         u_ddr/top_00/data_path_00/tap_logic_00/dlyce_dqs[1:0],u_sata_phy/u_oob/init_done,\
         u_sram_if/dq[15:0],u_sram_if/we_n"
            .to_string(),
        "Radix - UNSIGNED,UNSIGNED,UNSIGNED,HEX,HEX,HEX,HEX,HEX".to_string(),
    ];
    for i in 0..64u32 {
        rows.push(format!(
            "{i},{i},{},0,{},{},{:04X},{}",
            u32::from(i == 0),
            i % 2,
            u32::from(i > 10),
            i * 7,
            i % 2
        ));
    }
    rows.join("\n") + "\n"
}

#[test]
fn other_cores_nets_are_not_bound_as_the_migs() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "ila.csv", &ila_with_other_cores());
    let out = migcal(&["signals", csv.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = common::field_strs(&j["signals"], "name");
    assert_eq!(names, ["tap_logic/dlyce_dqs", "tap_logic/tap_sel_done"]);
    let aside = common::field_strs(&j["set_aside"], "source");
    assert_eq!(
        aside,
        [
            "u_sata_phy/u_oob/init_done",
            "u_sram_if/dq[15:0]",
            "u_sram_if/we_n"
        ]
    );
    // diagnose: a note per net, and the "capture X" hint does not ask for what is there.
    let out = migcal(&["diagnose", csv.to_str().unwrap(), "--sample-period", "5ns"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("migcal: note: u_sata_phy/u_oob/init_done: left unbound")
            && err.contains("outside the MIG hierarchy"),
        "{err}"
    );
    let hint = err
        .lines()
        .find(|l| l.starts_with("migcal: error:"))
        .unwrap();
    let asks = hint.split(": capture ").nth(1).unwrap_or("");
    assert!(
        !asks.contains("tap_sel_done") && !asks.contains("dlyce_dqs"),
        "{hint}"
    );
    assert!(hint.contains("tap_logic/tap_sel_done"), "{hint}");
}

#[test]
fn the_repositorys_saleae_fixture_binds_its_bare_channel_names() {
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv/saleae_logic2.csv");
    let out = migcal(&["signals", csv.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names = common::field_strs(&j["signals"], "name");
    assert_eq!(
        names,
        [
            "tap_logic/data_tap_inc_done",
            "tap_logic/dlyce_dqs",
            "tap_logic/dlyinc_dqs",
            "tap_logic/tap_sel_done"
        ]
    );
    assert_eq!(j["unbound"].as_array().unwrap().len(), 0, "{j}");
    // diagnose reads them: stage 2 is seen to finish, and what it cannot tell is stage 3 (the
    // fixture holds no stage-3 net), never "capture tap_sel_done", which it holds.
    let out = migcal(&["diagnose", csv.to_str().unwrap()]);
    let err = text(&out.stderr);
    assert!(!err.contains("capture init_state, tap_sel_done"), "{err}");
    if out.status.code() == Some(2) {
        assert!(err.contains("stage 2 (tap calibration) finished"), "{err}");
        assert!(err.contains("no stage-3 net"), "{err}");
    }
}

#[test]
fn a_misspelt_mapping_key_is_an_error_with_file_line_and_nearest_name() {
    let dir = tempfile::tempdir().unwrap();
    let map = write(
        dir.path(),
        "map.toml",
        "# probes\n\"tap_logic/tap_sel_dne\" = \"tap_sel_done\"\n",
    );
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv/saleae_logic2.csv");
    for cmd in ["signals", "diagnose"] {
        let out = migcal(&[cmd, csv.to_str().unwrap(), "--map", map.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains(&format!(
                "{}: line 2: \"tap_logic/tap_sel_dne\"",
                map.display()
            )) && err.contains("nearest: `tap_logic/tap_sel_done`"),
            "{cmd}: {err}"
        );
    }
}
