//! `migcal gtkw`: the save file for a golden capture names the capture's own signals the way
//! GTKWave does, groups them by stage under canonical aliases, and puts the marker on the stall
//! (or on `init_done` when calibration passes).

mod common;

use std::process::Command;

fn gtkw(name: &str) -> (String, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("{name}.gtkw"));
    let golden = common::golden(name);
    let run = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args([
            "gtkw",
            golden.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    (std::fs::read_to_string(&out).unwrap(), golden)
}

/// The `*zoom marker A B ...` line's marker and named-marker times.
fn star(text: &str) -> (f64, i64, Vec<i64>) {
    let line = text.lines().find(|l| l.starts_with('*')).expect("a * line");
    let mut it = line[1..].split(' ');
    let zoom: f64 = it.next().unwrap().parse().unwrap();
    let marker: i64 = it.next().unwrap().parse().unwrap();
    let named: Vec<i64> = it.map(|v| v.parse().unwrap()).collect();
    (zoom, marker, named)
}

#[test]
fn fault1_marks_the_stall_and_groups_by_stage() {
    let (text, golden) = gtkw("fault1");
    let abs = std::path::absolute(&golden).unwrap();
    assert!(text.contains(&format!("[dumpfile] \"{}\"", abs.display())));
    assert!(text.starts_with("[*] migcal gtkw: FAIL in read_latency: DQ3"));
    // The controller entered INIT_PATTERN_READ_WAIT (0x0F) at 245 157.5 ns and never left;
    // the golden's timescale is 1 fs, so times are femtoseconds.
    let (zoom, marker, named) = star(&text);
    assert_eq!(marker, 245_157_500_000);
    assert_eq!(named.len(), 26);
    assert_eq!(&named[..3], &[241_927_500_000, 244_882_500_000, -1]);
    assert!((-31.0..-28.0).contains(&zoom), "about 4 µs in view: {zoom}");
    assert!(text.contains("[markername] Actrl_dummyread_start\n"));
    assert!(text.contains("[markername] Btap_sel_done\n"));
    assert!(text.contains("-marker: stall in INIT_PATTERN_READ_WAIT from 245 157.5 ns\n"));
    assert!(text.contains("[timestart] 243157500000\n"));
    // Groups open and close in stage order.
    let opens: Vec<&str> = text
        .lines()
        .zip(text.lines().skip(1))
        .filter(|(a, _)| *a == "@800200")
        .map(|(_, b)| b)
        .collect();
    assert_eq!(
        opens,
        [
            "-memory_setup",
            "-tap_calibration",
            "-read_latency",
            "-done"
        ]
    );
    assert_eq!(text.matches("@1000200").count(), 4);
    // The capture's own names as GTKWave builds them: scopes joined with '.', the declared
    // range, none for an `integer`.
    for line in [
        "+{ddr_controller/init_state} tb.dut.top_00.ddr_controller_00.init_state[4:0]",
        "+{idelay_dq[3]/tap} tb.dut.top_00.iobs_00.data_path_iobs_00.v4_dq_iob_gen(3).v4_dq_iob_0.idelay_dq.tap",
        "+{tap_logic/tap_sel_done} tb.dut.top_00.data_path_00.tap_logic_00.tap_sel_done",
        "+{pins/dq} tb.dq[15:0]",
        "+{pattern_compare[0]/comp_done} tb.dut.top_00.user_interface_00.rd_data_00.pattern_compare4_gen(0).pattern_0.comp_done",
    ] {
        assert!(text.contains(&format!("{line}\n")), "missing {line}\n{text}");
    }
    // Every trace line names a signal the VCD declares.
    let vcd = {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&golden).unwrap())
            .take(20_000)
            .read_to_string(&mut s)
            .ok();
        s
    };
    for line in text.lines().filter(|l| l.starts_with("+{")) {
        let name = line.split("} ").nth(1).unwrap();
        let leaf = name.rsplit('.').next().unwrap();
        let leaf = leaf.split('[').next().unwrap();
        assert!(
            vcd.contains(&format!(" {leaf}")),
            "{leaf} not declared in the VCD"
        );
    }
}

#[test]
fn nominal_marks_init_done() {
    let (text, _) = gtkw("nominal");
    assert!(text.starts_with("[*] migcal gtkw: PASS"));
    let (_, marker, named) = star(&text);
    assert_eq!(marker, 243_922_500_000);
    assert_eq!(
        &named[..5],
        &[
            241_927_500_000,
            243_472_500_000,
            243_797_500_000,
            243_922_500_000,
            -1
        ]
    );
    assert!(text.contains("[markername] Dinit_done\n"));
    assert!(!text.contains("-marker: stall"));
}

#[test]
fn not_a_vcd_is_refused_with_the_convert_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.gtkw");
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv/saleae_logic2.csv");
    let run = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(["gtkw", csv.to_str().unwrap(), "-o", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("GTKWave opens VCD files") && err.contains("migcal convert"),
        "{err}"
    );
    assert!(!out.exists());
}

/// GTKWave's names for a hand-written VCD: a vector without a range gets `[w-1:0]`, an
/// `integer` none, a bit select and a declared range stay as written; a `10 ps` timescale
/// makes the save file count picoseconds.
#[test]
fn names_and_unit_of_a_small_vcd() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.vcd");
    std::fs::write(
        &path,
        "$timescale 10 ps $end\n$scope module tb $end\n$var reg 5 ! init_state $end\n\
         $var wire 16 \" dq [15:0] $end\n$var wire 1 # cs_n $end\n$var wire 1 $ dm[1] $end\n\
         $scope module idelay_dq $end\n$var integer 32 % tap $end\n$upscope $end\n\
         $upscope $end\n$enddefinitions $end\n#0\nb0 !\nb0 \"\n1#\n0$\nb0 %\n#10\nb1 %\n",
    )
    .unwrap();
    let src = migcal_traces::vcd::open(&path).unwrap();
    let info = migcal::gtkw::dump_info(&path, src.header()).unwrap();
    assert_eq!(
        info.names,
        [
            "tb.init_state[4:0]",
            "tb.dq[15:0]",
            "tb.cs_n",
            "tb.dm[1]",
            "tb.idelay_dq.tap"
        ]
    );
    assert_eq!(info.unit_fs, 1000);
}
