//! The fault dictionary ranks each golden's real fault first (tied only with faults the capture
//! cannot tell apart), built from the nominal golden board.

mod common;
use migcal::analysis::capture::Capture;
use migcal::analysis::{analyze, Config};
use migcal::diagnose::dictionary::{build, rank, Entry, Signature};
use migcal::diagnose::{diagnose, RuleConfig};
use migcal::scenario::Scenario;
use std::sync::OnceLock;

fn dictionary() -> &'static [Entry] {
    static D: OnceLock<Vec<Entry>> = OnceLock::new();
    D.get_or_init(|| {
        let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("sim/scenarios/golden/nominal.toml");
        build(&Scenario::load(&p).unwrap()).unwrap()
    })
}

/// The faults scoring as well as the best one.
fn best(name: &str) -> Vec<String> {
    let c = Capture::open(&common::golden(name), &Default::default(), None).unwrap();
    let f = analyze(
        &c,
        &Config {
            profile: None,
            clock: None,
        },
    );
    let d = diagnose(&f, &RuleConfig::default());
    let r = rank(&Signature::of(&f, &d), dictionary(), 100);
    let top = r[0].score;
    r.into_iter()
        .filter(|c| c.score == top)
        .map(|c| c.fault)
        .collect()
}

#[test]
fn each_golden_fault_ranks_first() {
    for (golden, fault) in [
        ("nominal", "none"),
        ("fault1", "dq_open dq=3"),
        ("fault2", "dm_stuck lane=0 high"),
        ("dq5_stuck_high", "dq_stuck dq=5 high"),
        ("dqs1_open", "dqs_open lane=1"),
        ("idelayctrl_not_ready", "refclk_missing"),
    ] {
        let b = best(golden);
        assert!(b.contains(&fault.to_string()), "{golden}: best {b:?}");
        assert!(b.len() <= 3, "{golden}: too many ties {b:?}");
    }
}

#[test]
fn the_dictionary_is_deterministic_and_cached() {
    let dir = tempfile::tempdir().unwrap();
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sim/scenarios/golden/nominal.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let scn = Scenario::parse(&text, &p).unwrap();
    // The cache directory comes from MIGCAL_CACHE; this test is the only one in its binary
    // that sets it.
    std::env::set_var("MIGCAL_CACHE", dir.path());
    let a = migcal::diagnose::dictionary::cached(&scn, &text)
        .unwrap()
        .entries;
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "one cache file written"
    );
    let b = migcal::diagnose::dictionary::cached(&scn, &text)
        .unwrap()
        .entries;
    assert_eq!(a, b);
    assert_eq!(a, dictionary());
}
