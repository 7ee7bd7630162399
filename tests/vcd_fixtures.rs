//! What the reader makes of each fixture: names, time bases, tolerated quirks, and a clear
//! error (file, line, expected, found) for every bad input.

mod common;

use common::oracle::{source_rows, Row};
use migcal_traces::{vcd, Header, TimeBase, VarKind, Warnings};

fn read(name: &str) -> (Header, Vec<Row>, Warnings) {
    let mut src = vcd::open(&common::fixture(name)).unwrap_or_else(|e| panic!("{e}"));
    let rows = source_rows(src.as_mut()).unwrap_or_else(|e| panic!("{e}"));
    (src.header().clone(), rows, src.warnings().clone())
}

fn names(h: &Header) -> Vec<&str> {
    h.signals.iter().map(|s| s.source_name.as_str()).collect()
}

fn rows_of(rows: &[Row], sig: u32) -> Vec<(u64, &str)> {
    rows.iter()
        .filter(|r| r.1 == sig)
        .map(|r| (r.0, r.2.as_str()))
        .collect()
}

#[test]
fn icarus_aliases_and_reals() {
    let (h, rows, w) = read("icarus_dq_counter.vcd");
    assert_eq!(h.timescale_text.as_deref(), Some("10 ps"));
    let n = names(&h);
    assert_eq!(n[0], "tb/tap");
    assert_eq!(h.signals[0].range, Some((5, 0)));
    let clk = n.iter().position(|s| *s == "tb/clk").unwrap() as u32;
    let dut_clk = n.iter().position(|s| *s == "tb/dut/clk").unwrap() as u32;
    // One id code, two names: each change reported for both.
    let a = rows_of(&rows, clk);
    assert_eq!(a, rows_of(&rows, dut_clk));
    assert_eq!(&a[..3], &[(0, "0"), (2_500_000, "1"), (5_000_000, "0")]);
    let vref = n.iter().position(|s| *s == "tb/vref").unwrap();
    assert_eq!(h.signals[vref].kind, VarKind::Real);
    assert!(w.non_bit_values >= 2);
    // `bx` for the 6-bit tap is extended with x.
    assert_eq!(rows_of(&rows, 0)[0], (0, "xxxxxx"));
}

#[test]
fn ghdl_nine_state_and_enum_comment() {
    let (h, rows, w) = read("ghdl_dq_counter.vcd");
    assert!(h.notes.iter().any(|n| n == "comment: state is not handled"));
    assert_eq!(
        names(&h),
        ["tb/clk", "tb/rst", "tb/tap", "tb/dq", "tb/dqs", "tb/done", "tb/vref"]
    );
    assert_eq!(rows_of(&rows, 3)[0], (0, "10xzxxxx"));
    assert_eq!(rows_of(&rows, 4)[0], (0, "0"));
    assert!(w.nine_state_folded >= 9, "{w:?}");
}

#[test]
fn vivado_and_questa_names() {
    let (h, rows, _) = read("xsim_style.vcd");
    assert_eq!(
        names(&h),
        [
            "tb/gnbram.gnativebmg.native_blk_mem_gen/<const0>",
            "tb/gnbram.gnativebmg.native_blk_mem_gen/dout[3:0]",
            "tb/dq",
            "tb/clk"
        ]
    );
    assert_eq!(h.timescale_text.as_deref(), Some("1 ps"));
    assert_eq!(rows_of(&rows, 1)[2], (5_000_000, "xxx1"));
    assert_eq!(rows_of(&rows, 2)[0], (0, "zzzzzzzz"));
    let (h, rows, w) = read("questa_style.vcd");
    assert_eq!(
        &names(&h)[..6],
        [
            "tb/dut/dq[0]",
            "tb/dut/dq[1]",
            "tb/dut/dq[2]",
            "tb/dut/dq[3]",
            "tb/dut/ACC_output[15]~output_o",
            "tb/dut/inst11|scfifo_component|auto_generated|empty_dff"
        ]
    );
    assert!(h.signals[..4]
        .iter()
        .all(|s| s.width == 1 && s.range.is_none()));
    assert_eq!(
        rows_of(&rows, 2),
        [(0, "z"), (5_000_000, "0"), (10_000_000, "x")]
    );
    assert_eq!(w.nine_state_folded, 5);
    assert!(w.notes.iter().any(|n| n.contains("zero-width")));
    // Two timestamps with the same value are fine; so is a change per stamp.
    assert_eq!(
        rows_of(&rows, 6),
        [(0, "z"), (10_000_000, "0"), (10_000_000, "1")]
    );
}

#[test]
fn chipscopy_counts_samples() {
    let (h, rows, _) = read("chipscopy_ila.vcd");
    assert_eq!(h.time_base, TimeBase::Samples);
    assert_eq!(
        h.signals[2].source_name,
        "dut/u_ddr/tap_logic_00/tap_sel_done"
    );
    assert_eq!(h.signals[3].source_name, "dut/u_ddr/tap_logic_00/dlyce_dqs");
    assert_eq!(h.signals[3].range, Some((1, 0)));
    assert_eq!(rows_of(&rows, 2), [(0, "0"), (3, "1"), (4, "0")]);
}

#[test]
fn sigrok_meta_line_is_skipped() {
    for name in ["sigrok_style.vcd", "sigrok_binary.vcd"] {
        let (h, rows, w) = read(name);
        assert_eq!(h.timescale_text.as_deref(), Some("1 ns"), "{name}");
        assert!(
            w.notes
                .iter()
                .any(|n| n.contains("non-VCD text before the header (line 1)")),
            "{name}: {w:?}"
        );
        assert!(!rows.is_empty());
    }
    let (_, rows, _) = read("sigrok_style.vcd");
    assert_eq!(
        rows_of(&rows, 0),
        [
            (0, "0"),
            (3_000_000, "1"),
            (7_000_000, "0"),
            (12_000_000, "1")
        ]
    );
}

#[test]
fn fractional_times_aliases_strings() {
    let (h, rows, w) = read("migen_fractional.vcd");
    assert_eq!(
        names(&h),
        [
            "top/clk",
            "top/cnt",
            "top/alias_a",
            "top/alias_b",
            "top/state",
            "top/tick"
        ]
    );
    assert_eq!(h.signals[4].kind, VarKind::Str);
    assert_eq!(h.signals[5].kind, VarKind::Event);
    assert_eq!(
        rows_of(&rows, 0),
        [
            (0, "0"),
            (1_500_000, "1"),
            (3_200_000, "0"),
            (4_000_001, "1")
        ]
    );
    assert_eq!(
        rows_of(&rows, 1),
        [
            (0, "0000"),
            (1_500_000, "0001"),
            (3_200_000, "zzzz"),
            (3_200_000, "0010"),
            (6_000_000, "xxx1")
        ]
    );
    assert_eq!(rows_of(&rows, 2), rows_of(&rows, 3));
    assert_eq!(rows_of(&rows, 4), [(0, "sIDLE"), (1_500_000, "sWALK")]);
    // #4.0000005 ns = 4 000 000.5 fs: not representable, rounded and counted.
    assert_eq!(w.fractional_times_rounded, 1);
}

#[test]
fn crlf_and_bom_are_accepted() {
    let (h, rows, _) = read("crlf.vcd");
    assert_eq!(names(&h), ["t/a", "t/b"]);
    assert_eq!(rows_of(&rows, 1), [(0, "101"), (10_000_000, "001")]);
    let (h, rows, _) = read("bom.vcd");
    assert_eq!(names(&h), ["t/a"]);
    assert_eq!(rows, [(0, 0, "0".to_string()), (7_000, 0, "1".to_string())]);
}

#[test]
fn filter_restricts_and_keeps_aliases_apart() {
    let path = common::fixture("icarus_dq_counter.vcd");
    let mut all = vcd::open(&path).unwrap();
    let every = source_rows(all.as_mut()).unwrap();
    let mut src = vcd::open(&path).unwrap();
    let n = src.header().signals.len() as u32;
    let wanted: Vec<u32> = (0..n).filter(|s| s % 3 == 1).collect();
    src.set_filter(&wanted);
    let some = source_rows(src.as_mut()).unwrap();
    let expected: Vec<Row> = every.into_iter().filter(|r| r.1 % 3 == 1).collect();
    assert_eq!(some, expected);
}
