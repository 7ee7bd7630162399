//! Issue 18: binding anchored in the MIG hierarchy (other cores' generic nets stay unbound, with
//! a note) and bare channel names (Saleae/sigrok labels) bound when unique.

use super::test_support::{hdr, names_of};
use super::NameMap;

#[test]
fn other_cores_generic_nets_are_set_aside_with_a_note() {
    let h = hdr(&[
        (
            "u_ddr/top_00/data_path_00/tap_logic_00/tap_sel_done",
            1,
            None,
        ),
        ("u_ddr/top_00/ddr_controller_00/init_state", 5, Some((4, 0))),
        ("u_ddr/init_done", 1, None),
        ("u_sata_phy/u_oob/init_done", 1, None),
        ("u_sram_if/dq[15:0]", 16, Some((15, 0))),
        ("u_sram_if/we_n", 1, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    let b = m.get("pins/init_done").expect("the MIG's init_done binds");
    assert_eq!(b.source, "u_ddr/init_done");
    assert!(m.get("pins/dq").is_none(), "{:?}", names_of(&m));
    assert!(m.get("pins/we_n").is_none(), "{:?}", names_of(&m));
    let aside: Vec<&str> = m.set_aside().iter().map(|s| s.source.as_str()).collect();
    assert_eq!(
        aside,
        [
            "u_sata_phy/u_oob/init_done",
            "u_sram_if/dq[15:0]",
            "u_sram_if/we_n"
        ]
    );
    let note = &m.set_aside()[0];
    assert_eq!(note.canonical, "pins/init_done");
    assert!(
        note.reason.contains("outside the MIG hierarchy") && note.reason.contains("u_ddr"),
        "{}",
        note.reason
    );
}

/// Without the SATA core the same `init_done` is a MIG net: what decides is the path, not the
/// leaf. A lone other-core `init_done` is not ambiguous with the MIG's either: it is set aside.
#[test]
fn the_path_decides_not_the_leaf() {
    let h = hdr(&[
        (
            "u_ddr/top_00/data_path_00/tap_logic_00/tap_sel_done",
            1,
            None,
        ),
        ("u_sata_phy/u_oob/init_done", 1, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert!(m.get("pins/init_done").is_none());
    assert_eq!(m.set_aside().len(), 1);
    // Test-bench pins above the MIG and pins inside it through MIG-internal scopes both fit.
    let h = hdr(&[
        (
            "tb/dut/top_00/data_path_00/tap_logic_00/tap_sel_done",
            1,
            None,
        ),
        ("tb/dq", 16, Some((15, 0))),
        ("tb/dut/top_00/iobs_00/ddr2_dqs", 2, Some((1, 0))),
        ("tb/dut/init_done", 1, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    for n in ["pins/dq", "pins/dqs", "pins/init_done"] {
        assert!(m.get(n).is_some(), "{n}: {:?}", names_of(&m));
    }
    assert!(m.set_aside().is_empty());
}

/// The prefix is also learnt from pins only a DDR interface names so.
#[test]
fn prefix_learnt_from_ddr_named_pins() {
    let h = hdr(&[
        ("top/u_mig/cntrl0_ddr2_ras_n", 1, None),
        ("top/u_mig/we_n", 1, None),
        ("top/u_sram/we_n", 1, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert_eq!(m.get("pins/we_n").unwrap().source, "top/u_mig/we_n");
    assert_eq!(m.set_aside()[0].source, "top/u_sram/we_n");
}

/// With nothing to anchor to (a pins-only capture), generic pin names bind as before.
#[test]
fn nothing_learnt_keeps_generic_pins() {
    let h = hdr(&[("tb/dq", 8, Some((7, 0))), ("tb/we_n", 1, None)]);
    let m = NameMap::build(&h, None).unwrap();
    assert!(m.get("pins/dq").is_some() && m.get("pins/we_n").is_some());
}

#[test]
fn bare_channel_names_bind_when_unique() {
    // The columns of tests/fixtures/csv/saleae_logic2.csv.
    let h = hdr(&[
        ("tap_sel_done", 1, None),
        ("data_tap_inc_done", 1, None),
        ("dlyce_dqs[0]", 1, None),
        ("dlyinc_dqs[0]", 1, None),
        ("init_state", 5, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert_eq!(
        names_of(&m),
        [
            "ddr_controller/init_state",
            "tap_logic/data_tap_inc_done",
            "tap_logic/dlyce_dqs",
            "tap_logic/dlyinc_dqs",
            "tap_logic/tap_sel_done",
        ]
    );
    assert_eq!(m.get("tap_logic/dlyce_dqs").unwrap().width, 1);
}

/// A bare name in several blocks (`comp_done`), or of a per-group block (`current_state`: which
/// group?), is not guessed.
#[test]
fn bare_names_that_do_not_say_where_stay_unbound() {
    let h = hdr(&[("comp_done", 1, None), ("current_state", 4, None)]);
    let m = NameMap::build(&h, None).unwrap();
    assert!(m.bindings().is_empty(), "{:?}", names_of(&m));
    assert_eq!(m.unbound().len(), 2);
}

/// A bare channel next to the hierarchical net of the same MIG name is not unique: the
/// hierarchical one binds and the bare one is set aside with the reason.
#[test]
fn bare_name_beside_a_hierarchical_one_is_set_aside() {
    let h = hdr(&[
        ("tap_sel_done", 1, None),
        ("u_ddr/tap_logic_00/tap_sel_done", 1, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert_eq!(
        m.get("tap_logic/tap_sel_done").unwrap().source,
        "u_ddr/tap_logic_00/tap_sel_done"
    );
    assert_eq!(m.set_aside()[0].source, "tap_sel_done");
    assert!(m.set_aside()[0]
        .reason
        .contains("u_ddr/tap_logic_00/tap_sel_done"));
}
