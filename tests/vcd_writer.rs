//! The writer's output: deterministic, and what GTKWave makes of it (vcd2fst + fst2vcd,
//! committed as a fixture) carries the same changes.

mod common;

use common::oracle::{source_rows, vcd_crate_rows};
use migcal_traces::vcd::{self, VcdWriter};
use migcal_traces::{SignalInfo, ValueRef, VarKind};

#[test]
fn synthetic_output_is_byte_identical_to_the_fixture() {
    // Fixture made by `gen_synth_vcd migcal_writer_synth.vcd 0 5` (provenance table).
    let bytes = vcd::synth::write_synthetic(Vec::new(), 0, 5).unwrap();
    let committed = std::fs::read(common::fixture("migcal_writer_synth.vcd")).unwrap();
    assert!(bytes == committed, "writer output changed");
}

#[test]
fn gtkwave_round_trip_keeps_every_change() {
    let mut a = vcd::open(&common::fixture("migcal_writer_synth.vcd")).unwrap();
    let mut b = vcd::open(&common::fixture("fst2vcd_migcal_writer.vcd")).unwrap();
    let names = |h: &migcal_traces::Header| {
        h.signals
            .iter()
            .map(|s| (s.source_name.clone(), s.width, s.range))
            .collect::<Vec<_>>()
    };
    assert_eq!(names(a.header()), names(b.header()));
    // fst2vcd writes the changes of one time stamp in another order; order within a time
    // stamp carries no meaning when no signal changes twice in it.
    let mut ra = source_rows(a.as_mut()).unwrap();
    let mut rb = source_rows(b.as_mut()).unwrap();
    ra.sort();
    rb.sort();
    assert!(ra.windows(2).all(|w| (w[0].0, w[0].1) != (w[1].0, w[1].1)));
    assert!(ra.len() > 1000);
    assert!(ra == rb, "GTKWave round trip differs");
}

#[test]
fn layout_scopes_dumpvars_and_time_lines() {
    let sig = |n: &str, w: u32, k: VarKind| SignalInfo {
        source_name: n.into(),
        width: w,
        kind: k,
        range: (w > 1).then(|| (w as i64 - 1, 0)),
    };
    let sigs = [
        sig("tb/dut/a", 1, VarKind::Bits),
        sig("tb/dut/sub/v", 4, VarKind::Bits),
        sig("tb/top_clk", 1, VarKind::Bits),
        sig("tb/dut/b", 1, VarKind::Bits),
        sig("vref", 1, VarKind::Real),
    ];
    let mut w = VcdWriter::new(Vec::new(), 1_000, &sigs).unwrap();
    w.change(0, 0, ValueRef::Bits(b"x")).unwrap();
    w.change(0, 1, ValueRef::Bits(b"0z1x")).unwrap();
    w.change(5_000, 2, ValueRef::Bits(b"1")).unwrap();
    w.change(5_000, 4, ValueRef::Real(0.9)).unwrap();
    w.change(7_000, 3, ValueRef::Bits(b"0")).unwrap();
    assert!(w.change(6_000, 3, ValueRef::Bits(b"1")).is_err());
    assert!(w.change(7_500, 3, ValueRef::Bits(b"1")).is_err());
    assert!(w.change(8_000, 1, ValueRef::Bits(b"01")).is_err());
    let text = String::from_utf8(w.finish().unwrap()).unwrap();
    let body = text.split("$enddefinitions $end\n").nth(1).unwrap();
    assert_eq!(
        body,
        "#0\n$dumpvars\nx!\nb0z1x \"\n$end\n#5\n1#\nr0.9 %\n#7\n0$\n"
    );
    assert!(text.contains("$version\n  migcal "));
    assert!(text.contains("$timescale\n  1ps\n$end"));
    assert!(text.contains(
        "$scope module tb $end\n$scope module dut $end\n$var wire 1 ! a $end\n\
         $scope module sub $end\n$var wire 4 \" v [3:0] $end\n$upscope $end\n$upscope $end\n\
         $var wire 1 # top_clk $end\n$scope module dut $end\n$var wire 1 $ b $end\n\
         $upscope $end\n$upscope $end\n$var real 64 % vref $end\n"
    ));
    // The vcd crate reads it and agrees.
    let theirs = vcd_crate_rows(text.as_bytes(), false).unwrap();
    assert_eq!(theirs.len(), 5);
    assert!(VcdWriter::new(Vec::new(), 3, &sigs).is_err());
}
