//! sigrok / PulseView `.sr` sessions against sigrok-cli's own VCD export of the same session,
//! the golden diagnosis through a session, and damaged zips. One test per fixture file.

mod common;

use migcal_traces::sniff::{self, Format, OpenOptions};
use migcal_traces::{TimeBase, Trace};
use std::path::{Path, PathBuf};

fn sr(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sr")
        .join(name)
}

fn load(path: &Path, opts: &OpenOptions) -> (Format, Trace) {
    let (f, mut src) =
        sniff::open_detected(path, opts).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (f, Trace::load(src.as_mut(), None).unwrap())
}

/// The session and its VCD twin: same names, same changes, same end.
fn same_as_twin(name: &str) -> usize {
    let (f, a) = load(&sr(name), &OpenOptions::default());
    assert_eq!(f, Format::SigrokSession);
    let (g, b) = load(&sr(&format!("{name}.vcd")), &OpenOptions::default());
    assert_eq!(g, Format::Vcd);
    let names = |t: &Trace| -> Vec<String> {
        t.header
            .signals
            .iter()
            .map(|s| s.source_name.clone())
            .collect()
    };
    assert_eq!(
        names(&a),
        names(&b)
            .iter()
            .map(|n| n.trim_start_matches("libsigrok/").to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(a.changes, b.changes, "{name}");
    assert_eq!(a.end_time, b.end_time, "{name}");
    a.changes.iter().map(Vec::len).sum()
}

#[test]
fn sigrok_small_sr_matches_sigrok_clis_vcd_of_it() {
    assert!(same_as_twin("sigrok_small.sr") >= 4);
}

#[test]
fn demo_12ch_sr_two_chunks_unitsize_2_matches_its_vcd() {
    let (_, t) = load(&sr("demo_12ch.sr"), &OpenOptions::default());
    assert_eq!(t.header.signals.len(), 12);
    assert_eq!(t.header.timescale_text.as_deref(), Some("samplerate 1 MHz"));
    assert!(same_as_twin("demo_12ch.sr") > 1000);
}

#[test]
fn sample_period_overrides_the_samplerate() {
    let opts = OpenOptions {
        sample_period_fs: Some(2_500_000),
        format: None,
    };
    let (_, t) = load(&sr("demo_12ch.sr"), &opts);
    assert_eq!(t.header.time_base, TimeBase::Femtoseconds);
    assert_eq!(t.end_time, 3000 * 2_500_000);
}

fn diagnosis(p: &Path) -> serde_json::Value {
    let out = common::migcal(&["diagnose", p.to_str().unwrap(), "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", common::text(&out.stderr)));
    serde_json::json!([
        doc["verdict"],
        doc["stage"],
        doc["faulty_dq"],
        out.status.code()
    ])
}

/// The spec §7 probe cut of a golden, as a session, diagnoses as its sigrok CSV does.
#[test]
fn golden_fault1_s7_sr_diagnoses_like_its_csv() {
    let csv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv/golden_fault1_s7.sigrok.csv.gz");
    let d = diagnosis(&sr("golden_fault1_s7.sr"));
    assert_eq!(d, diagnosis(&csv));
    assert_eq!(d[0], "fail");
}

#[test]
fn golden_nominal_s7_sr_passes() {
    let csv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/csv/golden_nominal_s7.sigrok.csv.gz");
    let d = diagnosis(&sr("golden_nominal_s7.sr"));
    assert_eq!(d, diagnosis(&csv));
    assert_eq!(d[0], "pass");
}

mod never_panic {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::common::fuzz_config(96))]
        /// Mutated and cut sessions read or stop with an error naming the file.
        #[test]
        fn mutated_sessions(
            edits in proptest::collection::vec((0usize..4096, any::<u8>()), 1..6),
            cut in 0usize..4096,
        ) {
            let mut b = std::fs::read(sr("demo_12ch.sr")).unwrap();
            let n = b.len();
            for (i, v) in edits {
                b[i % n] = v;
            }
            b.truncate((cut % n).max(40));
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("capture.sr");
            std::fs::write(&p, &b).unwrap();
            if let Ok(mut src) = sniff::open(&p, &OpenOptions::default()) {
                loop {
                    match src.next_change() {
                        Ok(Some(_)) => {}
                        Ok(None) => break,
                        Err(e) => {
                            prop_assert!(e.to_string().contains("capture.sr"), "{}", e);
                            break;
                        }
                    }
                }
            }
        }
    }
}
