//! Regressions of issue 18 found by cutting probe dumps: each a capture the diagnosis once got
//! wrong.

use super::bench::{self, net, Probe, CLK_FS};
use super::common;
use super::export::{self, Fmt, Style};
use migcal::analysis::capture::Capture;
use migcal::analysis::{analyze, Config};
use migcal::diagnose::{diagnose, undecidable, RuleConfig};
use migcal::scenario::Scenario;
use migcal_traces::sniff::{self, OpenOptions};

fn run(rel: &str) -> bench::Run {
    let scn = Scenario::load(&bench::scenario_dir().join(rel)).expect("scenario");
    bench::run(rel, &scn)
}

/// The golden run's command pins alone (no address), as a bench's logic analyser sees them.
fn golden_bus_only(name: &str) -> migcal::analysis::Facts {
    let src = sniff::open(&common::golden(name), &OpenOptions::default()).unwrap();
    let pins: &[&str] = &[
        "pins/cs_n",
        "pins/ras_n",
        "pins/cas_n",
        "pins/we_n",
        "pins/cke",
    ];
    let c = Capture::from_source_only(name.into(), src, None, Some(pins)).unwrap();
    analyze(
        &c,
        &Config {
            profile: None,
            clock: None,
        },
    )
}

/// Issue 18: a bus-only nominal capture was reported as stalled at memory_setup although the
/// report itself decoded the dummy reads and the refreshes after them.
#[test]
fn bus_only_nominal_passes_and_counts_the_dummy_reads() {
    let f = golden_bus_only("nominal");
    assert!(undecidable(&f).is_none(), "{:?}", undecidable(&f));
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(
        (d.verdict, d.stage),
        (
            migcal::diagnose::Verdict::Pass,
            migcal::diagnose::Stage::Done
        ),
        "{d:#?}"
    );
    let p = migcal::diagnose::bus_only::phases(&f.commands);
    // The golden README: 319 dummy RDs to column 0, 2 pattern RDs, then init_done and refreshes.
    assert_eq!((p.dummy_reads, p.pattern_reads), (319, 2), "{p:?}");
    assert!(p.refresh_after > 40, "{p:?}");
    assert!(
        d.evidence
            .iter()
            .any(|e| e.text.contains("319 dummy reads")),
        "{d:#?}"
    );
}

/// The stall in PATTERN_READ_WAIT: the bus falls silent after the pattern reads, no refresh.
#[test]
fn bus_only_fault1_stalls_in_the_pattern_read_wait() {
    let f = golden_bus_only("fault1");
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(
        (d.verdict, d.stage),
        (
            migcal::diagnose::Verdict::Fail,
            migcal::diagnose::Stage::ReadLatency
        ),
        "{d:#?}"
    );
    assert!(d.cause.contains("PATTERN_READ_WAIT"), "{}", d.cause);
    assert!(!d.cannot_tell.is_empty(), "{d:#?}");
}

/// A Saleae Logic 2 CSV of the golden nominal run's field nets, with clk_cnt_rise[0] of the
/// pattern groups `groups`.
fn saleae_nominal(groups: &[u32], dir: &std::path::Path) -> (std::path::PathBuf, OpenOptions) {
    let mut names: Vec<(String, String, Option<u32>)> = [
        ("tap_logic/tap_sel_done", "tap_sel_done", None),
        ("tap_logic/data_tap_inc_done", "data_tap_inc_done", None),
        ("tap_logic/dlyce_dqs[0]", "dlyce_dqs", Some(0)),
        ("tap_logic/dlyinc_dqs[0]", "dlyinc_dqs", Some(0)),
    ]
    .iter()
    .map(|(c, leaf, b)| {
        (
            c.to_string(),
            format!("data_path_00/tap_logic_00/{leaf}"),
            *b,
        )
    })
    .collect();
    for g in groups {
        names.push((
            format!("pattern_compare[{g}]/clk_cnt_rise[0]"),
            format!(
                "user_interface_00/rd_data_00/pattern_compare4_gen[{g}].pattern_0/clk_cnt_rise"
            ),
            Some(0),
        ));
    }
    let src = sniff::open(&common::golden("nominal"), &OpenOptions::default()).unwrap();
    let wanted: Vec<&str> = names.iter().map(|n| n.0.as_str()).collect();
    let c = Capture::from_source_only("nominal".into(), src, None, Some(&wanted)).unwrap();
    let nets: Vec<Probe> = names
        .iter()
        .map(|(canon, path, bit)| {
            let (whole, i) = match bit {
                Some(b) => (canon.rsplit_once('[').unwrap().0, *b),
                None => (canon.as_str(), 0),
            };
            (net(canon, path, *bit), c.bit(whole, i).unwrap())
        })
        .collect();
    let refs: Vec<&Probe> = nets.iter().collect();
    let dump = export::sample(
        &refs,
        Style::Vivado,
        false,
        CLK_FS * 3 / 4,
        CLK_FS / 2,
        240_000,
    );
    export::write(&dump, Fmt::Saleae, Style::Vivado, dir, 0)
}

const CFG: Config = Config {
    profile: None,
    clock: None,
};

/// Issue 18: a Saleae Logic 2 CSV writes a row per change, so its last row is the last change;
/// a nominal capture of the field nets was failed because clk_cnt_rise moved in the last rows.
/// It must not fail: it says the end is not known, and with `--capture-end` it passes.
#[test]
fn saleae_nominal_field_nets_do_not_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (path, opts) = saleae_nominal(&[0, 1], dir.path());
    let open =
        || Capture::from_source("saleae".into(), sniff::open(&path, &opts).unwrap(), None).unwrap();
    let f = analyze(&open(), &CFG);
    assert!(!f.end_known);
    let why = undecidable(&f).expect("the end of a change-per-row export is not known");
    assert!(why.contains("--capture-end"), "{why}");
    let mut c = open();
    c.set_capture_end(600_000_000_000);
    let f = analyze(&c, &CFG);
    assert!(undecidable(&f).is_none());
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(d.verdict, migcal::diagnose::Verdict::Pass, "{d:#?}");
}

/// Found by the generator: with clk_cnt_rise of pattern group 0 alone, its stop was read as
/// "stage 3 found the pattern" (a DQS1 open leaves group 1 hunting), and with init_done not
/// captured a failure was blamed on the group not probed. Neither can be told: it says so and
/// asks for group 1's counter.
#[test]
fn one_pattern_group_of_two_decides_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, opts) = saleae_nominal(&[0], dir.path());
    let mut c =
        Capture::from_source("saleae".into(), sniff::open(&path, &opts).unwrap(), None).unwrap();
    c.set_capture_end(600_000_000_000);
    let f = analyze(&c, &CFG);
    let why = undecidable(&f).expect("group 1 is not in the capture");
    assert!(
        why.contains("pattern group(s) 1") && why.contains("clk_cnt_rise[0]"),
        "{why}"
    );
}

/// Sampled at 100 MHz, clk_cnt_rise[0]'s per-cycle toggle aliases to a constant and a
/// one-cycle dlyce pulse can fall between samples: those nets are not read, and the report
/// says which rate would show them.
#[test]
fn a_net_sampled_too_slowly_is_not_evidence() {
    let r = run("golden/fault1.toml");
    let pick: Vec<&Probe> = r
        .nets
        .iter()
        .filter(|(n, _)| {
            [
                "tap_logic/tap_sel_done",
                "pattern_compare[0]/clk_cnt_rise[0]",
                "tap_logic/dlyce_dqs[0]",
            ]
            .contains(&n.canon.as_str())
        })
        .collect();
    assert_eq!(pick.len(), 3);
    let dump = export::sample(
        &pick,
        Style::Verilog,
        false,
        CLK_FS * 3 / 4,
        2 * CLK_FS,
        60_000,
    );
    let dir = tempfile::tempdir().unwrap();
    let (path, opts) = export::write(&dump, Fmt::Vcd, Style::Verilog, dir.path(), 0);
    let c = Capture::from_source("vcd".into(), sniff::open(&path, &opts).unwrap(), None).unwrap();
    let f = analyze(
        &c,
        &Config {
            profile: None,
            clock: None,
        },
    );
    assert!(
        f.unresolved.iter().any(|n| n.contains("clk_cnt_rise")),
        "{:?}",
        f.unresolved
    );
    assert!(f.pattern.is_empty() && f.per_dq.is_empty());
    let why = undecidable(&f).expect("stage 3 cannot be told at 100 MHz");
    assert!(why.contains("200 MS/s"), "{why}");
}

/// Found by the generator: a controller held in reset (IDELAYCTRL never ready) probed with
/// done flags only (no dlyce_dqs, no ctrl_dummyread_start) was read as a stall in the memory
/// setup; nothing moved, which says what the rule for a still capture says.
#[test]
fn still_done_flags_are_not_a_memory_setup_stall() {
    let src = sniff::open(
        &common::golden("idelayctrl_not_ready"),
        &OpenOptions::default(),
    )
    .unwrap();
    let wanted = [
        "tap_logic/calib_done_dqs",
        "tap_logic/data_tap_inc_done",
        "ddr_controller/init_done",
    ];
    let c = Capture::from_source_only("not ready".into(), src, None, Some(&wanted)).unwrap();
    let f = analyze(&c, &CFG);
    assert!(undecidable(&f).is_none());
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(d.stage, migcal::diagnose::Stage::Clocking, "{d:#?}");
    assert!(!d.cannot_tell.is_empty(), "{d:#?}");
}

/// Found by the generator: the command pins of a nominal run sampled at 250 MHz, not locked to
/// clk_0, hold each one-cycle REF for 4 or 8 ns, often between two mid-cycle decode points: the
/// refreshes after init were lost and the run read as a stall in PATTERN_READ_WAIT.
#[test]
fn a_bus_sampled_off_the_clock_keeps_its_refreshes() {
    let r = run("golden/nominal.toml");
    let pins: Vec<&Probe> = r
        .nets
        .iter()
        .filter(|(n, _)| n.canon.starts_with("pins/") && !n.canon.starts_with("pins/dq"))
        .collect();
    assert_eq!(pins.len(), 5);
    let dump = export::sample(&pins, Style::Ise, true, 3_000, 4_000_000, 75_001);
    let dir = tempfile::tempdir().unwrap();
    let (path, opts) = export::write(&dump, Fmt::ChipScoPy, Style::Ise, dir.path(), 0);
    let c = Capture::from_source("ila".into(), sniff::open(&path, &opts).unwrap(), None).unwrap();
    let f = analyze(&c, &CFG);
    let p = migcal::diagnose::bus_only::phases(&f.commands);
    assert!(p.refresh_after > 0, "{p:?}");
    let d = diagnose(&f, &RuleConfig::default());
    assert_eq!(d.verdict, migcal::diagnose::Verdict::Pass, "{d:#?}");
}
