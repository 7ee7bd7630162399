//! Saleae Logic 2 binary exports (versions 0 and 1; a folder of `digital_N.bin`, or one file)
//! against their Logic 2 CSV twins, made by `tests/fixtures/saleae/make_saleae.py` from the
//! published format: the same trace. Every command takes them, standard input too, and damaged
//! or arbitrary bytes end in an error naming the file, never a panic.

mod common;

use common::oracle::{source_rows, Row};
use migcal_traces::sniff::{self, Format, OpenOptions};
use std::path::PathBuf;

fn saleae(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/saleae")
        .join(rel)
}

fn load(p: &std::path::Path) -> (Format, Vec<String>, Vec<Row>, Vec<String>) {
    let (f, mut src) = sniff::open_detected(p, &OpenOptions::default())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let names = src
        .header()
        .signals
        .iter()
        .map(|s| s.source_name.clone())
        .collect();
    let rows = source_rows(src.as_mut()).unwrap_or_else(|e| panic!("{e}"));
    (f, names, rows, src.warnings().notes.clone())
}

#[test]
fn a_version_0_folder_reads_as_its_csv_twin() {
    let (f, names, rows, notes) = load(&saleae("v0"));
    assert_eq!(f, Format::SaleaeBinary);
    assert_eq!(names, ["digital_0", "digital_1", "digital_2"]);
    let (cf, cnames, crows, cnotes) = load(&saleae("saleae_v0.csv"));
    assert_eq!(cf, Format::Csv(migcal_traces::csv::CsvFormat::Saleae));
    assert_eq!(names, cnames);
    assert_eq!(rows.len(), crows.len());
    for (i, (a, b)) in rows.iter().zip(&crows).enumerate() {
        assert_eq!(a, b, "change #{i}");
    }
    // Both start before 0 (pre-trigger) and are shifted the same way, saying so.
    assert_eq!(rows[0].0, 0);
    let shift = |n: &[String]| n.iter().find(|n| n.contains("shifted")).cloned();
    assert_eq!(shift(&notes), shift(&cnotes));
    assert!(shift(&notes).unwrap().contains("+1000000000 fs"));
}

#[test]
fn a_version_1_folder_with_a_gap_reads_as_its_csv_twin() {
    let (_, names, rows, _) = load(&saleae("v1"));
    let (_, cnames, crows, _) = load(&saleae("saleae_v1.csv"));
    assert_eq!(names, cnames);
    assert_eq!(rows, crows);
    // The gap between channel 0's chunks is `x`, from the first chunk's end (625 ns).
    assert!(
        rows.contains(&(625_000_000, 0, "x".to_string())),
        "{rows:?}"
    );
}

#[test]
fn one_channel_file_is_a_one_signal_capture() {
    let (f, names, rows, _) = load(&saleae("v1/digital_1.bin"));
    assert_eq!(
        (f, names),
        (Format::SaleaeBinary, vec!["digital_1".to_string()])
    );
    let (_, _, all, _) = load(&saleae("v1"));
    let ch1: Vec<Row> = all
        .into_iter()
        .filter(|r| r.1 == 1)
        .map(|(t, _, v)| (t, 0, v))
        .collect();
    assert_eq!(rows, ch1);
}

#[test]
fn every_command_takes_a_folder_and_a_piped_file() {
    let dir = saleae("v0");
    let d = dir.to_str().unwrap();
    let out = common::migcal(&["signals", d]);
    let so = common::text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    assert!(
        so.lines()
            .next()
            .unwrap()
            .contains("saleae_bin written by Saleae Logic, 3 signals"),
        "{so}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let map = common::write(
        tmp.path(),
        "map.toml",
        "\"dcm/locked\" = \"#2\"\n\"pins/init_done\" = \"digital_2\"\n",
    );
    let vcd = tmp.path().join("out.vcd");
    let out = common::migcal(&[
        "convert",
        d,
        "--map",
        map.to_str().unwrap(),
        "-o",
        vcd.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    let text = std::fs::read_to_string(&vcd).unwrap();
    assert!(
        text.contains(" locked $end") && text.contains(" init_done $end"),
        "{text}"
    );
    let out = common::migcal(&["diagnose", d, "--map", map.to_str().unwrap(), "--json"]);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        common::text(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(j["verdict"].is_string(), "{j}");

    // Standard input: one channel file piped in.
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(["signals", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(saleae("v1/digital_0.bin")).unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let so = common::text(&out.stdout);
    assert!(
        so.starts_with("-: saleae_bin written by Saleae Logic, 1 signals"),
        "{so}"
    );
    assert!(so.contains("stdin"), "{so}");
}

#[test]
fn damage_is_an_error_naming_the_file_and_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read(saleae("v0/digital_1.bin")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("cut.bin", good[..good.len() - 3].to_vec(), "cut short"),
        (
            "version.bin",
            {
                let mut b = good.clone();
                b[8] = 7;
                b
            },
            "version 0 or 1",
        ),
        (
            "state.bin",
            {
                let mut b = good.clone();
                b[16] = 9;
                b
            },
            "initial state 0 or 1",
        ),
        (
            "count.bin",
            {
                let mut b = good.clone();
                b[36..44].copy_from_slice(&u64::MAX.to_le_bytes());
                b
            },
            "cut short",
        ),
        (
            "order.bin",
            {
                let mut b = good.clone();
                let n = b.len();
                b[n - 8..].copy_from_slice(&(-1.0f64).to_le_bytes());
                b
            },
            "at or after the previous time",
        ),
        (
            "nan.bin",
            {
                let mut b = good.clone();
                b[20..28].copy_from_slice(&f64::NAN.to_le_bytes());
                b
            },
            "within 10^4 s",
        ),
    ];
    for (name, bytes, words) in cases {
        let p = tmp.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = match sniff::open(&p, &OpenOptions::default()) {
            Err(e) => e,
            Ok(mut src) => source_rows(src.as_mut()).expect_err(name),
        };
        let msg = e.to_string();
        assert!(msg.contains(name) && msg.contains(words), "{name}: {msg}");
    }
    let analog = tmp.path().join("analog_0.bin");
    std::fs::write(&analog, b"<SALEAE>\0\0\0\0\x01\0\0\0").unwrap();
    let e = sniff::open(&analog, &OpenOptions::default()).err().unwrap();
    assert!(e.to_string().contains("analog"), "{e}");
}

mod never_panic {
    use super::*;
    use proptest::prelude::*;

    fn drain(bytes: &[u8]) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("digital_9.bin");
        std::fs::write(&p, bytes).unwrap();
        match sniff::open(&p, &OpenOptions::default()) {
            Ok(mut src) => {
                if let Err(e) = source_rows(src.as_mut()) {
                    assert!(e.to_string().contains("digital_9.bin"), "{e}");
                }
            }
            Err(e) => assert!(e.to_string().contains("digital_9.bin"), "{e}"),
        }
    }

    fn mutated(rel: &'static str) -> impl Strategy<Value = Vec<u8>> {
        common::mutate::mutated(std::fs::read(saleae(rel)).unwrap(), 8)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 256,
            rng_seed: proptest::test_runner::RngSeed::Fixed(15),
            ..ProptestConfig::default()
        })]
        #[test]
        fn mutated_version_0(bytes in mutated("v0/digital_1.bin")) {
            drain(&bytes);
        }

        #[test]
        fn mutated_version_1(bytes in mutated("v1/digital_0.bin")) {
            drain(&bytes);
        }

        #[test]
        fn arbitrary_bytes_after_the_magic(
            version in 0u32..3,
            tail in proptest::collection::vec(any::<u8>(), 0..256),
        ) {
            let mut b = b"<SALEAE>".to_vec();
            b.extend(version.to_le_bytes());
            b.extend(0u32.to_le_bytes());
            b.extend(tail);
            drain(&b);
        }
    }
}
