//! The canonical view on the golden captures: names bind, and values read through canonical and
//! bare names match the event times and taps listed in ../shared/golden/README.md.

/// The shared data folder: `$MIGCAL_SHARED`, else `../shared` beside the repository, else
/// `/work/shared`.
fn shared_dir() -> std::path::PathBuf {
    if let Some(p) = std::env::var_os("MIGCAL_SHARED") {
        return p.into();
    }
    let beside = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if beside.is_dir() {
        return beside;
    }
    "/work/shared".into()
}

/// A golden GHDL capture of the MIG 1.7 minimodule.
fn golden(name: &str) -> std::path::PathBuf {
    shared_dir()
        .join("golden")
        .join(format!("mig17_minimodule_{name}.vcd.gz"))
}

use migcal_traces::names::{MigTrace, NameMap};
use migcal_traces::sniff::{self, OpenOptions};

const NS: u64 = 1_000_000;
const END: u64 = 600_000 * NS;

fn load(name: &str, wanted: Option<&[&str]>) -> MigTrace {
    let src = sniff::open(&golden(name), &OpenOptions::default()).unwrap();
    let map = NameMap::build(src.header(), None).unwrap();
    MigTrace::load(src, &map, wanted).unwrap()
}

/// Time of the first change of `name` to `value`.
fn first_time(t: &MigTrace, name: &str, value: &str) -> Option<u64> {
    t.changes(name)
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|(_, v)| v.to_string() == value)
        .map(|(time, _)| time)
}

fn final_taps(t: &MigTrace) -> Vec<u64> {
    (0..8)
        .map(|k| {
            t.value_at(&format!("idelay_dq[{k}]/tap"), END)
                .unwrap()
                .and_then(|v| v.to_u64())
                .unwrap()
        })
        .collect()
}

#[test]
fn nominal_events_and_taps() {
    let t = load("nominal", None);
    // 243 472.5 ns, 243 797.5 ns, 243 922.5 ns (README table).
    assert_eq!(first_time(&t, "tap_sel_done", "1"), Some(243_472_500_000));
    assert_eq!(
        first_time(&t, "rd_data/comp_done", "1"),
        Some(243_797_500_000)
    );
    assert_eq!(
        first_time(&t, "pins/init_done", "1").map(|x| x / 100_000),
        Some(2_439_225)
    );
    assert_eq!(final_taps(&t), vec![20, 17, 17, 17, 20, 17, 17, 17]);
    assert_eq!(
        t.value_at("calib_done_dqs", END)
            .unwrap()
            .unwrap()
            .to_string(),
        "11"
    );
    // A bit of a bus through a bare name.
    assert_eq!(
        first_time(&t, "calib_done_dqs[1]", "1"),
        Some(243_462_500_000)
    );
    // Bare names that exist in several blocks are refused, not guessed.
    assert!(t.find("comp_done").is_err());
}

#[test]
fn fault1_stalls_with_dq3_at_the_ceiling() {
    let t = load(
        "fault1",
        Some(&[
            "init_state",
            "pattern_compare[0]/comp_done",
            "pattern_compare[1]/clk_count_rise",
            "idelay_dq[0]/tap",
            "idelay_dq[1]/tap",
            "idelay_dq[2]/tap",
            "idelay_dq[3]/tap",
            "idelay_dq[4]/tap",
            "idelay_dq[5]/tap",
            "idelay_dq[6]/tap",
            "idelay_dq[7]/tap",
            "dcm/locked",
        ]),
    );
    assert_eq!(t.missing, vec!["dcm/locked".to_string()]);
    assert_eq!(final_taps(&t), vec![36, 47, 47, 9, 20, 17, 17, 17]);
    let v = |n: &str| t.value_at(n, END).unwrap().and_then(|v| v.to_u64());
    assert_eq!(v("init_state"), Some(0x0f));
    assert_eq!(v("pattern_compare[0]/comp_done"), Some(0));
    assert_eq!(v("clk_count_rise"), Some(4));
}

#[test]
fn every_golden_binds_the_same_names() {
    let names = |g: &str| -> Vec<String> {
        let src = sniff::open(&golden(g), &OpenOptions::default()).unwrap();
        let map = NameMap::build(src.header(), None).unwrap();
        map.bindings().iter().map(|b| b.name.clone()).collect()
    };
    let nominal = names("nominal");
    assert_eq!(nominal.len(), 113);
    for g in [
        "fault1",
        "fault2",
        "skew",
        "dq5_stuck_high",
        "dqs1_open",
        "idelayctrl_not_ready",
    ] {
        assert_eq!(names(g), nominal, "{g}");
    }
}
