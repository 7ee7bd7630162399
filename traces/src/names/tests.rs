//! The binding rules end to end: capture names in every hierarchy and bit style the spec lists,
//! ambiguities, bare-name lookup and what a capture is missing.

use super::catalogue::canonical_base;
use super::test_support::{hdr, names_of};
use super::*;
use crate::TraceError;
use proptest::prelude::*;

#[test]
fn golden_hierarchy_binds() {
    let h = hdr(&[
        ("tb/dq", 16, Some((15, 0))),
        ("tb/ck", 1, Some((0, 0))),
        ("tb/init_done", 1, None),
        ("tb/dut/top_00/data_path_00/ctrl_dummyread_start", 1, None),
        ("tb/dut/top_00/data_path_00/tap_logic_00/dlyce_dqs", 2, Some((1, 0))),
        ("tb/dut/top_00/data_path_00/tap_logic_00/tap_sel_done", 1, None),
        (
            "tb/dut/top_00/data_path_00/tap_logic_00/tap_ctrl_gen(0)/tap_ctrl_0/current_state",
            4,
            Some((3, 0)),
        ),
        (
            "tb/dut/top_00/data_path_00/tap_logic_00/tap_ctrl_gen(1)/data_tap_inc_0/chan_sel_int",
            4,
            Some((3, 0)),
        ),
        (
            "tb/dut/top_00/iobs_00/data_path_iobs_00/v4_dq_iob_gen(5)/v4_dq_iob_0/idelay_dq/tap",
            32,
            None,
        ),
        (
            "tb/dut/top_00/user_interface_00/rd_data_00/pattern_compare4_gen(1)/pattern_0/clk_cnt_rise",
            4,
            Some((3, 0)),
        ),
        ("tb/dut/top_00/user_interface_00/rd_data_00/comp_done", 1, None),
        ("tb/dut/top_00/user_interface_00/backend_fifos_00/init_flag", 1, None),
        ("tb/dut/top_00/ddr_controller_00/init_state", 5, Some((4, 0))),
        ("tb/dut/top_00/ddr_controller_00/comp_done", 1, None),
        ("tb/dut/top_00/ddr_controller_00/init_done", 1, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert_eq!(
        names_of(&m),
        vec![
            "backend_fifos/init_flag",
            "data_tap_inc[1]/chan_sel_int",
            "ddr_controller/comp_done",
            "ddr_controller/init_done",
            "ddr_controller/init_state",
            "idelay_dq[5]/tap",
            "pattern_compare[1]/clk_cnt_rise",
            "pins/ck",
            "pins/dq",
            "pins/init_done",
            "rd_data/comp_done",
            "tap_ctrl[0]/current_state",
            "tap_logic/dlyce_dqs",
            "tap_logic/tap_sel_done",
        ]
    );
    assert_eq!(m.get("pins/dq").unwrap().whole, Some(0));
    assert_eq!(m.get("pins/dq").unwrap().width, 16);
    assert_eq!(m.get("pins/ck").unwrap().width, 1);
    // data_path_00 is not a MIG block of the catalogue: left unbound, not guessed.
    assert_eq!(m.unbound(), &[3]);
}

#[test]
fn fpga_editor_and_ila_prefixes() {
    let h = hdr(&[
        (
            "ddr2_ctrl_tandem/data_path_00/tap_logic_00/data_tap_inc_0/calib_done_int",
            1,
            None,
        ),
        (
            "ddr2_ctrl_tandem/data_path_00/tap_logic_00/tap_sel_done",
            1,
            None,
        ),
        (
            "ddr2_ctrl_tandem/data_path_00/tap_logic_00/dlyce_dqs[0]",
            1,
            None,
        ),
        (
            "ddr2_ctrl_tandem/data_path_00/tap_logic_00/dlyinc_dqs[0]",
            1,
            None,
        ),
        (
            "ddr2_ctrl_tandem/ddr2_controller_00/init_state",
            22,
            Some((21, 0)),
        ),
        ("u_ddr/tap_logic_00/data_tap_inc_done", 1, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert_eq!(
        names_of(&m),
        vec![
            "data_tap_inc[0]/calib_done_int",
            "ddr_controller/init_state",
            "tap_logic/data_tap_inc_done",
            "tap_logic/dlyce_dqs",
            "tap_logic/dlyinc_dqs",
            "tap_logic/tap_sel_done",
        ]
    );
    let b = m.lookup("dlyce_dqs[0]").unwrap().unwrap();
    assert_eq!(b.whole, Some(2));
}

#[test]
fn generate_label_styles() {
    for (path, want) in [
        (
            "top/tap_logic_00/tap_ctrl_gen(1)/tap_ctrl_0/tap_count",
            "tap_ctrl[1]/tap_count",
        ),
        (
            "top/tap_logic_00/tap_ctrl_gen[1]/tap_ctrl_0/tap_count",
            "tap_ctrl[1]/tap_count",
        ),
        (
            "top/tap_logic_0/gen_tap_ctrl[1].u_tap_ctrl_dqs/tap_count",
            "tap_ctrl[1]/tap_count",
        ),
        (
            "/DDR/tap_ctrl_gen[1].tap_ctrl_0/Calib_Start",
            "tap_ctrl[1]/calib_start",
        ),
        (
            "x/gen_data_tap_inc[3].u_data_tap_inc/chan_sel_int",
            "data_tap_inc[3]/chan_sel_int",
        ),
        (
            "x/rd_data_0/pattern_compare8_gen<2>/pattern_compare8/comp_done",
            "pattern_compare[2]/comp_done",
        ),
        (
            "x/v4_dq_iob_gen[12]/v4_dq_iob_0/idelay_dq/tap",
            "idelay_dq[12]/tap",
        ),
    ] {
        let m = NameMap::build(&hdr(&[(path, 1, None)]), None).unwrap();
        assert_eq!(names_of(&m), vec![want], "{path}");
    }
}

#[test]
fn bit_styles_assemble_one_bus() {
    for style in ["[]", "<>", "()"] {
        let (o, c) = (&style[..1], &style[1..]);
        let names: Vec<String> = (0..4).map(|i| format!("tb/DQ{o}{i}{c}")).collect();
        // Declared out of order: assembly is by index, not by position in the header.
        let h = hdr(&[
            (&names[2], 1, None),
            (&names[0], 1, None),
            (&names[3], 1, None),
            (&names[1], 1, None),
        ]);
        let m = NameMap::build(&h, None).unwrap();
        let b = m.get("pins/dq").unwrap();
        assert_eq!(b.width, 4);
        assert_eq!(b.whole, None);
        assert_eq!(b.bits[0], Some(BitRef { signal: 1, bit: 0 }));
        assert_eq!(b.bits[2], Some(BitRef { signal: 0, bit: 0 }));
        let one = m.lookup("pins/dq[3]").unwrap().unwrap();
        assert_eq!((one.whole, one.width), (Some(2), 1));
        assert_eq!(
            m.lookup(&format!("dq{o}1{c}")).unwrap().unwrap().whole,
            Some(3)
        );
    }
}

#[test]
fn bus_bits_are_addressable() {
    // `[0:7]` declares index 0 as the most significant bit.
    let h = hdr(&[("tb/dq", 16, Some((15, 0))), ("tb/dm", 8, Some((0, 7)))]);
    let m = NameMap::build(&h, None).unwrap();
    let b = m.lookup("pins/dq[3]").unwrap().unwrap();
    assert_eq!(b.bits, vec![Some(BitRef { signal: 0, bit: 3 })]);
    assert_eq!(b.whole, None);
    let dm = m.get("pins/dm").unwrap();
    assert_eq!(dm.whole, None);
    assert_eq!(dm.bits[0], Some(BitRef { signal: 1, bit: 7 }));
    assert_eq!(dm.bits[7], Some(BitRef { signal: 1, bit: 0 }));
    assert_eq!(m.lookup("pins/dq[16]").unwrap(), None);
}

#[test]
fn range_in_the_name_and_split_probes() {
    // An ILA CSV probe carries its range in the name; two probes of one bus assemble.
    let h = hdr(&[
        ("u_ddr/tap_logic_00/dlyce_dqs[1:0]", 2, None),
        ("u_ddr/dq [15:8]", 8, None),
        ("u_ddr/dq[7:0]", 8, None),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert_eq!(m.get("tap_logic/dlyce_dqs").unwrap().whole, Some(0));
    let dq = m.get("pins/dq").unwrap();
    assert_eq!(dq.width, 16);
    assert_eq!(dq.bits[8], Some(BitRef { signal: 1, bit: 0 }));
    assert_eq!(dq.bits[7], Some(BitRef { signal: 2, bit: 7 }));
}

#[test]
fn two_candidates_are_an_error_naming_both() {
    let h = hdr(&[
        ("tb/dq", 8, Some((7, 0))),
        ("tb/dut/cntrl0_ddr2_dq", 8, Some((7, 0))),
    ]);
    match NameMap::build(&h, None) {
        Err(TraceError::AmbiguousName {
            mig_name,
            first,
            second,
        }) => {
            assert_eq!(mig_name, "pins/dq");
            assert_eq!(
                (first.as_str(), second.as_str()),
                ("tb/dq", "tb/dut/cntrl0_ddr2_dq")
            );
        }
        other => panic!("expected ambiguity, got {other:?}"),
    }
    let m = NameMap::build_lenient(&h, None).unwrap();
    assert_eq!(m.ambiguities().len(), 1);
    assert!(m.get("pins/dq").is_none());
    // Bus plus a bit-blasted duplicate of one of its bits.
    let h = hdr(&[("tb/dq", 8, Some((7, 0))), ("tb/dq<3>", 1, None)]);
    assert!(matches!(
        NameMap::build(&h, None),
        Err(TraceError::AmbiguousName { .. })
    ));
    // FPGA Editor dropped both generate labels: the two groups cannot be told apart.
    let h = hdr(&[
        ("a/tap_logic_00/tap_ctrl_0/tap_count", 6, None),
        ("b/tap_logic_00/tap_ctrl_0/tap_count", 6, None),
    ]);
    assert!(matches!(
        NameMap::build(&h, None),
        Err(TraceError::AmbiguousName { mig_name, .. }) if mig_name == "tap_ctrl[0]/tap_count"
    ));
}

#[test]
fn bare_name_lookup() {
    let h = hdr(&[
        ("t/ddr_controller_00/comp_done", 1, None),
        ("t/rd_data_00/comp_done", 1, None),
        ("t/tap_logic_00/tap_sel_done", 1, None),
        ("t/tap_logic_00/dlyce_dqs", 2, Some((1, 0))),
        (
            "t/tap_logic_00/tap_ctrl_gen(0)/tap_ctrl_0/tap_count",
            6,
            Some((5, 0)),
        ),
        (
            "t/tap_logic_00/tap_ctrl_gen(1)/tap_ctrl_0/tap_count",
            6,
            Some((5, 0)),
        ),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    assert_eq!(
        m.lookup("TAP_SEL_DONE").unwrap().unwrap().name,
        "tap_logic/tap_sel_done"
    );
    let b = m.lookup("dlyce_dqs<1>").unwrap().unwrap();
    assert_eq!(
        (b.name.as_str(), b.bits[0]),
        ("tap_logic/dlyce_dqs[1]", Some(BitRef { signal: 3, bit: 1 }))
    );
    assert_eq!(
        m.lookup("tap_ctrl[1]/tap_count").unwrap().unwrap().whole,
        Some(5)
    );
    assert!(matches!(
        m.lookup("comp_done"),
        Err(TraceError::AmbiguousName { .. })
    ));
    assert!(matches!(
        m.lookup("tap_count"),
        Err(TraceError::AmbiguousName { .. })
    ));
    assert_eq!(
        m.lookup("rd_data/comp_done").unwrap().unwrap().whole,
        Some(1)
    );
    assert_eq!(
        m.lookup("tap_ctrl_gen(1)/tap_ctrl_0/tap_count")
            .unwrap()
            .unwrap()
            .name,
        "tap_ctrl[1]/tap_count"
    );
    assert_eq!(m.lookup("no_such_signal").unwrap(), None);
}

#[test]
fn missing_signals_grouped_by_stage() {
    let h = hdr(&[
        ("tb/tap_logic_00/calib_done_dqs", 2, Some((1, 0))),
        (
            "tb/tap_logic_00/tap_ctrl_gen(0)/tap_ctrl_0/current_state",
            4,
            Some((3, 0)),
        ),
        ("tb/dq", 4, Some((3, 0))),
    ]);
    let m = NameMap::build(&h, None).unwrap();
    let missing = m.missing();
    let tap: &Vec<String> = &missing
        .iter()
        .find(|(s, _)| *s == Stage::TapCalibration)
        .unwrap()
        .1;
    assert!(tap.contains(&"tap_ctrl[1]/current_state".to_string()));
    assert!(!tap.contains(&"tap_ctrl[0]/current_state".to_string()));
    assert!(tap.contains(&"idelay_dq[3]/tap".to_string()));
    assert!(!tap.contains(&"idelay_dq[4]/tap".to_string()));
    assert!(tap.contains(&"tap_logic/tap_sel_done".to_string()));
    assert!(!tap.iter().any(|n| n == "tap_logic/calib_done_dqs"));
    let stages: Vec<Stage> = missing.iter().map(|(s, _)| *s).collect();
    let mut sorted = stages.clone();
    sorted.sort();
    assert_eq!(stages, sorted);
}

/// Catalogue spellings a capture may use: (canonical, scopes above the signal per label style).
fn spellings(entry: &CatalogueEntry, idx: u32, style: usize) -> Vec<String> {
    let (o, c) = [("(", ")"), ("[", "]"), ("<", ">")][style % 3];
    match entry.block {
        Block::Pins => vec![String::new()],
        Block::DdrController => vec!["ddr_controller_00".into(), "ddr2_controller_00".into()],
        Block::TapLogic => vec!["data_path_00/tap_logic_00".into()],
        Block::TapCtrl => vec![
            format!("tap_logic_00/tap_ctrl_gen{o}{idx}{c}/tap_ctrl_0"),
            format!("tap_logic_0/gen_tap_ctrl{o}{idx}{c}.u_tap_ctrl_dqs"),
        ],
        Block::DataTapInc => vec![
            format!("tap_logic_00/tap_ctrl_gen{o}{idx}{c}/data_tap_inc_0"),
            format!("tap_logic_0/gen_data_tap_inc{o}{idx}{c}.u_data_tap_inc"),
        ],
        Block::PatternCompare => vec![
            format!("rd_data_00/pattern_compare4_gen{o}{idx}{c}/pattern_0"),
            format!("rd_data_00/pattern_compare8_gen{o}{idx}{c}/pattern_compare8"),
        ],
        Block::RdData => vec!["user_interface_00/rd_data_00".into()],
        Block::BackendFifos => vec!["user_interface_00/backend_fifos_00".into()],
        Block::IdelayDq => vec![format!(
            "iobs_00/data_path_iobs_00/v4_dq_iob_gen{o}{idx}{c}/v4_dq_iob_0/idelay_dq"
        )],
        Block::IdelayCtrl => vec!["idelay_ctrl0".into()],
        Block::Dcm => vec!["infrastructure0/dcm0".into()],
    }
}

proptest! {
    #[test]
    fn any_spelling_resolves_to_the_same_name(
        which in 0..CATALOGUE.len(),
        idx in 0u32..8,
        style in 0usize..3,
        alt in 0usize..2,
        prefix in prop::sample::select(vec!["tb/dut/top_00", "ddr2_ctrl_tandem", "u_ddr", "", "/DDR", "tb.dut"]),
        upper in any::<bool>(),
        bit in 0u32..4,
        blasted in any::<bool>(),
    ) {
        let e = &CATALOGUE[which];
        let scopes = spellings(e, idx, style);
        let scope = &scopes[alt % scopes.len()];
        let mut path: String = [prefix, scope.as_str()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join("/");
        if !path.is_empty() { path.push('/'); }
        path.push_str(e.signal);
        if upper { path = path.to_uppercase(); }
        let want = canonical_base(e.block, e.block.indexed().then_some(idx), e.signal);
        let (o, c) = [("[", "]"), ("<", ">"), ("(", ")")][style];
        let h = if blasted {
            hdr(&(0..4).map(|i| (format!("{path}{o}{i}{c}"), 1, None)).collect::<Vec<_>>().iter().map(|(n, w, r)| (n.as_str(), *w, *r)).collect::<Vec<_>>())
        } else {
            hdr(&[(path.as_str(), 4, Some((3, 0)))])
        };
        let m = NameMap::build(&h, None).unwrap();
        prop_assert_eq!(names_of(&m), vec![want.as_str()]);
        let b = m.get(&want).unwrap();
        prop_assert_eq!(b.width, 4);
        let sel = m.lookup(&format!("{want}[{bit}]")).unwrap().unwrap();
        let expect = if blasted { BitRef { signal: bit, bit: 0 } } else { BitRef { signal: 0, bit } };
        prop_assert_eq!(sel.bits, vec![Some(expect)]);
    }
}
