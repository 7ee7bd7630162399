//! The CSV-family readers on fixture files: real sigrok-cli output and hand-written ILA,
//! ChipScope, Saleae and generic tables following the layouts in captures.md §1.4/§1.7.

use migcal_traces::csv::{self, CsvFormat, CsvOptions};
use migcal_traces::{ChangeSource, TimeBase, TraceError, ValueRef};
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv")
        .join(name)
}

/// Every change as (time, signal name, bits).
fn drain(src: &mut dyn ChangeSource) -> Result<Vec<(u64, String, String)>, TraceError> {
    let names: Vec<String> = src
        .header()
        .signals
        .iter()
        .map(|s| s.source_name.clone())
        .collect();
    let mut out = Vec::new();
    while let Some(c) = src.next_change()? {
        let ValueRef::Bits(b) = c.value else {
            panic!("CSV readers only produce bits");
        };
        out.push((
            c.time,
            names[c.signal as usize].clone(),
            String::from_utf8(b.to_vec()).unwrap(),
        ));
    }
    Ok(out)
}

fn read(name: &str, opts: &CsvOptions) -> (migcal_traces::Header, Vec<(u64, String, String)>) {
    let path = fixture(name);
    let first = migcal_traces::io::peek(&path, 4096).unwrap();
    let fmt = csv::sniff(&first).expect("fixture is sniffed");
    let mut src = csv::open(&path, fmt, opts).unwrap();
    let header = src.header().clone();
    (header, drain(src.as_mut()).unwrap())
}

fn of(changes: &[(u64, String, String)], name: &str) -> Vec<(u64, String)> {
    changes
        .iter()
        .filter(|c| c.1 == name)
        .map(|c| (c.0, c.2.clone()))
        .collect()
}

fn v(list: &[(u64, &str)]) -> Vec<(u64, String)> {
    list.iter().map(|(t, s)| (*t, s.to_string())).collect()
}

const NS: u64 = 1_000_000;

#[test]
fn sigrok_cli_csv_from_vcd() {
    let expected_clk = v(&[
        (0, "0"),
        (5 * NS, "1"),
        (10 * NS, "0"),
        (15 * NS, "1"),
        (20 * NS, "0"),
        (25 * NS, "1"),
        (30 * NS, "0"),
    ]);
    for name in [
        "sigrok_small.csv",
        "sigrok_small_labels.csv",
        "sigrok_small_sr_dedup.csv",
        "sigrok_small_samples.csv",
        "sigrok_small_sr_nolabel.csv",
    ] {
        let (h, ch) = read(name, &CsvOptions::default());
        assert_eq!(h.time_base, TimeBase::Femtoseconds, "{name}");
        let names: Vec<&str> = h.signals.iter().map(|s| s.source_name.as_str()).collect();
        assert_eq!(
            names,
            ["clk", "dlyce_dqs[0]", "tap_sel_done", "init_done"],
            "{name}"
        );
        assert_eq!(of(&ch, "clk"), expected_clk, "{name}");
        assert_eq!(
            of(&ch, "dlyce_dqs[0]"),
            v(&[(0, "0"), (10 * NS, "1"), (20 * NS, "0")]),
            "{name}"
        );
        assert_eq!(
            of(&ch, "tap_sel_done"),
            v(&[(0, "0"), (20 * NS, "1")]),
            "{name}"
        );
        assert_eq!(
            of(&ch, "init_done"),
            v(&[(0, "0"), (30 * NS, "1")]),
            "{name}"
        );
    }
}

#[test]
fn sigrok_sample_period_override() {
    let opts = CsvOptions {
        sample_period_fs: Some(2_500_000),
    };
    let (h, ch) = read("sigrok_small.csv", &opts);
    assert_eq!(h.time_base, TimeBase::Femtoseconds);
    assert_eq!(
        of(&ch, "tap_sel_done"),
        v(&[(0, "0"), (20 * 2_500_000, "1")])
    );
}

#[test]
fn ila_chipscopy_layout_with_gap() {
    let (h, ch) = read("ila_chipscopy_gap.csv", &CsvOptions::default());
    assert_eq!(h.time_base, TimeBase::Samples);
    let names: Vec<&str> = h.signals.iter().map(|s| s.source_name.as_str()).collect();
    assert_eq!(
        names,
        [
            "TRIGGER",
            "GAP",
            "u_ddr/tap_logic_00/tap_sel_done",
            "u_ddr/tap_logic_00/dlyce_dqs[1:0]",
            "u_ddr/tap_ctrl_0/tap_count[5:0]",
            "u_ddr/init_done[0]"
        ]
    );
    assert_eq!(h.signals[3].range, Some((1, 0)));
    assert_eq!(h.signals[3].width, 2);
    assert_eq!(h.signals[4].width, 6);
    assert_eq!(h.signals[5].range, None);
    assert_eq!(h.signals[5].width, 1);
    assert_eq!(of(&ch, "TRIGGER"), v(&[(0, "0"), (2, "1"), (3, "0")]));
    assert_eq!(of(&ch, "GAP"), v(&[(0, "0"), (4, "1"), (5, "0")]));
    assert_eq!(
        of(&ch, "u_ddr/tap_ctrl_0/tap_count[5:0]"),
        v(&[
            (0, "000000"),
            (1, "000001"),
            (2, "000010"),
            (3, "101010"),
            (4, "xxxxxx"),
            (5, "111111")
        ])
    );
    assert_eq!(
        of(&ch, "u_ddr/tap_logic_00/dlyce_dqs[1:0]"),
        v(&[
            (0, "00"),
            (1, "01"),
            (2, "11"),
            (3, "10"),
            (4, "xx"),
            (5, "00")
        ])
    );
    assert_eq!(
        of(&ch, "u_ddr/tap_logic_00/tap_sel_done"),
        v(&[(0, "0"), (3, "1"), (4, "x"), (5, "1")])
    );
}

#[test]
fn ila_sample_period_gives_femtoseconds() {
    let opts = CsvOptions {
        sample_period_fs: Some(5_000_000),
    };
    let (h, ch) = read("ila_chipscopy_gap.csv", &opts);
    assert_eq!(h.time_base, TimeBase::Femtoseconds);
    assert_eq!(
        of(&ch, "TRIGGER"),
        v(&[(0, "0"), (10_000_000, "1"), (15_000_000, "0")])
    );
}

#[test]
fn ila_mixed_radix_crlf() {
    let (_, ch) = read("ila_vivado_mixed_radix_crlf.csv", &CsvOptions::default());
    assert_eq!(
        of(&ch, "ddr2_ctrl_tandem/ddr_controller_00/init_state[4:0]"),
        v(&[(0, "00000"), (1, "01111"), (2, "10000"), (3, "11111")])
    );
    assert_eq!(
        of(&ch, "ddr2_ctrl_tandem/tap_ctrl_0/dec_count[5:0]"),
        v(&[(0, "000000"), (1, "001100"), (3, "111111")])
    );
    assert_eq!(
        of(&ch, "ddr2_ctrl_tandem/skew[3:0]"),
        v(&[(0, "0000"), (1, "1111"), (2, "1000"), (3, "0111")])
    );
    assert_eq!(
        of(&ch, "ddr2_ctrl_tandem/tap_logic_00/data_tap_inc_done"),
        v(&[(0, "0"), (2, "1")])
    );
}

#[test]
fn ila_without_radix_row_reads_hex() {
    let (h, ch) = read("ila_no_radix.csv", &CsvOptions::default());
    assert!(h.notes.iter().any(|n| n.contains("no radix row")));
    assert_eq!(
        of(&ch, "dut/calib_done_dqs[1:0]"),
        v(&[(0, "00"), (1, "01"), (2, "11")])
    );
    assert_eq!(
        of(&ch, "dut/clk_cnt_rise[3:0]"),
        v(&[(0, "0000"), (1, "0001"), (2, "0000"), (3, "0001")])
    );
}

#[test]
fn chipscope_legacy_tab_separated() {
    let (h, ch) = read("chipscope_legacy.prn", &CsvOptions::default());
    assert_eq!(h.signals[2].source_name, "/U9/DDR_ADD<3:0>");
    assert_eq!(h.signals[2].range, Some((3, 0)));
    assert_eq!(
        of(&ch, "/U9/DDR_ADD<3:0>"),
        v(&[(0, "0000"), (1, "0101"), (2, "1010")])
    );
    assert_eq!(
        of(&ch, "/DDR/tap_ctrl_gen[0].tap_ctrl_0/calib_start"),
        v(&[(0, "0"), (1, "1"), (3, "0")])
    );
}

#[test]
fn saleae_logic2_exact_times_and_pretrigger_shift() {
    let (h, ch) = read("saleae_logic2.csv", &CsvOptions::default());
    assert_eq!(h.time_base, TimeBase::Femtoseconds);
    let shift = 500 * NS;
    assert_eq!(
        of(&ch, "tap_sel_done"),
        v(&[(0, "0"), (shift + 243_472 * NS, "1")])
    );
    assert_eq!(
        of(&ch, "data_tap_inc_done"),
        v(&[(0, "0"), (shift + 243_472_500_000, "1")])
    );
    assert_eq!(
        of(&ch, "dlyce_dqs[0]"),
        v(&[
            (0, "0"),
            (shift, "1"),
            (shift + 2 * NS, "0"),
            (shift + 250_000 * NS, "x")
        ])
    );
}

#[test]
fn saleae_logic1_comma_space_15_decimals() {
    let path = fixture("saleae_logic1.csv");
    let mut src = csv::open(&path, CsvFormat::Saleae, &CsvOptions::default()).unwrap();
    let ch = drain(src.as_mut()).unwrap();
    assert_eq!(
        of(&ch, "Channel 0"),
        v(&[(0, "0"), (2_500_000, "1"), (5_000_001, "0")])
    );
    assert_eq!(of(&ch, "Channel 1"), v(&[(0, "1"), (5_000_001, "0")]));
    assert!(src.warnings().is_empty());
}

#[test]
fn generic_time_column_with_unit_and_bus_values() {
    let (h, ch) = read("generic_time_ns.csv", &CsvOptions::default());
    assert_eq!(h.time_base, TimeBase::Femtoseconds);
    assert_eq!(
        of(&ch, "calib_done_int"),
        v(&[(0, "x"), (2_500_000, "0"), (7_500_000, "1"), (10 * NS, "z")])
    );
    assert_eq!(
        of(&ch, "tap_count[5:0]"),
        v(&[
            (0, "000000"),
            (2_500_000, "000001"),
            (5 * NS, "101010"),
            (7_500_000, "111111"),
            (10 * NS, "xxxxxx")
        ])
    );
    assert_eq!(
        of(&ch, "state[3:0]"),
        v(&[
            (0, "0000"),
            (2_500_000, "0001"),
            (5 * NS, "1010"),
            (7_500_000, "1111"),
            (10 * NS, "zzzz")
        ])
    );
}

#[test]
fn generic_sample_column_semicolons() {
    let (h, ch) = read("generic_sample_semicolon.csv", &CsvOptions::default());
    assert_eq!(h.time_base, TimeBase::Samples);
    assert_eq!(
        of(&ch, "dq[7:0]"),
        v(&[(0, "00000000"), (1, "11111111"), (2, "10000000")])
    );
}

#[test]
fn filter_limits_changes_to_wanted_signals() {
    let path = fixture("ila_chipscopy_gap.csv");
    let mut src = csv::open(&path, CsvFormat::Ila, &CsvOptions::default()).unwrap();
    src.set_filter(&[0]);
    let ch = drain(src.as_mut()).unwrap();
    assert!(ch.iter().all(|c| c.1 == "TRIGGER"));
    assert_eq!(ch.len(), 3);
}

#[test]
fn gzip_export_reads_like_plain() {
    let gz = fixture("ila_chipscopy_gap.csv.gz");
    let first = migcal_traces::io::peek(&gz, 4096).unwrap();
    assert_eq!(csv::sniff(&first), Some(CsvFormat::Ila));
    let mut a = csv::open(&gz, CsvFormat::Ila, &CsvOptions::default()).unwrap();
    let mut b = csv::open(
        &fixture("ila_chipscopy_gap.csv"),
        CsvFormat::Ila,
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!(drain(a.as_mut()).unwrap(), drain(b.as_mut()).unwrap());
}

/// The golden nominal run cut to the spec §7 nets and exported by sigrok-cli: the stage
/// transitions land where the golden README says (tap_sel_done 243 472.5 ns, init_done
/// 243 922.5 ns) on sigrok's 2.5 ns sample grid.
#[test]
fn golden_nominal_section7_nets_through_sigrok() {
    let path = fixture("golden_nominal_s7.sigrok.csv.gz");
    let first = migcal_traces::io::peek(&path, 4096).unwrap();
    assert_eq!(csv::sniff(&first), Some(CsvFormat::Sigrok));
    let mut src = csv::open(&path, CsvFormat::Sigrok, &CsvOptions::default()).unwrap();
    let trace = migcal_traces::Trace::load(src.as_mut(), None).unwrap();
    assert_eq!(trace.header.time_base, TimeBase::Femtoseconds);
    assert_eq!(
        trace.header.timescale_text.as_deref(),
        Some("samplerate 400000000 Hz")
    );
    let id = |name: &str| {
        trace
            .header
            .signals
            .iter()
            .position(|s| s.source_name == name)
            .unwrap_or_else(|| panic!("{name} missing")) as u32
    };
    let edges = |name: &str| -> Vec<(u64, String)> {
        trace.changes[id(name) as usize]
            .iter()
            .map(|(t, v)| (*t, v.to_string()))
            .collect()
    };
    let ps = 1_000u64;
    assert_eq!(
        edges("tap_logic_00/tap_sel_done"),
        v(&[(0, "0"), (243_472_500 * ps, "1")])
    );
    assert_eq!(edges("init_done"), v(&[(0, "0"), (243_922_500 * ps, "1")]));
    // Expected counts and times below were taken from the golden VCD itself by an independent
    // Python pass (bit 0 of each vector, 9-state folded, repeated values dropped).
    assert_eq!(
        edges("tap_logic_00/tap_ctrl_gen(0)/data_tap_inc_0/calib_done_int"),
        v(&[(0, "0"), (243_462_500 * ps, "1")])
    );
    let ce = edges("tap_logic_00/dlyce_dqs[0]");
    assert_eq!(ce.len(), 211);
    assert_eq!(ce[1], (241_937_500 * ps, "1".to_string()));
    assert_eq!(ce[210], (243_507_500 * ps, "0".to_string()));
    let inc = edges("tap_logic_00/dlyinc_dqs[0]");
    assert_eq!(inc.len(), 103);
    assert_eq!(inc[102], (243_507_500 * ps, "0".to_string()));
    let ccr = edges("pattern_compare4_gen(0)/pattern_0/clk_cnt_rise[0]");
    assert_eq!(ccr.len(), 5);
    assert_eq!(ccr[1], (243_772_500 * ps, "1".to_string()));
    assert_eq!(ccr[4], (243_787_500 * ps, "0".to_string()));
    // The capture runs to 600 us (the golden's end) although the last change is init_done.
    assert_eq!(trace.end_time, 600_000_000 * ps);
    assert_eq!(src.last_time(), 600_000_000 * ps);
}

#[test]
fn last_time_covers_rows_without_changes() {
    // The last ILA row (sample 6) repeats sample 5's values: no change, but the capture runs to it.
    let path = fixture("ila_chipscopy_gap.csv");
    let mut src = csv::open(&path, CsvFormat::Ila, &CsvOptions::default()).unwrap();
    let ch = drain(src.as_mut()).unwrap();
    assert_eq!(ch.last().map(|c| c.0), Some(5));
    assert_eq!(src.last_time(), 6);
}

#[test]
fn tab_separated_ila_with_tab_separated_radix_row() {
    let (h, ch) = read("ila_tab_radix.prn", &CsvOptions::default());
    assert!(h.notes.iter().any(|n| n.contains("radix row present")));
    assert_eq!(
        of(&ch, "slot_0/tdata[7:0]"),
        v(&[(0, "00000000"), (1, "10100101"), (2, "11111111")])
    );
    assert_eq!(
        of(&ch, "slot_1/tdata[7:0]"),
        v(&[(0, "00000000"), (1, "10000000"), (2, "01111111")])
    );
}
