//! The fuzz harness of issue 19: proptest strategies that generate the classes of hostile input
//! the mutation fuzzer found (huge declared widths and ranges, extreme timescales and times,
//! long names, truncation, invalid UTF-8, NUL, CRLF, a BOM) for every reader (VCD and the CSV
//! family, through `sniff::open` as the CLI does) and for the scenario parser. Readers and the
//! binder must return `Ok` or a typed error: never panic, abort or hang.
//!
//! The binary formats (Saleae binary, sigrok sessions) have the same classes in
//! `tests/fuzz_binary.rs`; FST and GHW are mutated from real files in `tests/wave_formats.rs`.
//!
//! In the test suite it runs with a fixed seed and a modest number of cases
//! ([`common::fuzz_config`]). A longer run of every fuzz target:
//! `MIGCAL_FUZZ_CASES=20000 cargo test --release --test fuzz_inputs --test fuzz_binary
//! --test wave_formats --test saleae_binary --test sigrok_session never_panic` (another seed:
//! `MIGCAL_FUZZ_SEED=<u64>`). A crashing input proptest finds is printed minimized; it goes
//! under `tests/fixtures/crash/` with its exit code and words in `CRASHES`
//! (`tests/fixture_files.rs`), which runs it through `signals` and `diagnose`.

mod common;
use migcal_traces::names::NameMap;
use migcal_traces::sniff::{self, OpenOptions};
use proptest::prelude::*;
use std::path::Path;

/// The most changes read from one generated capture (they are small; this bounds a bug).
const MAX_CHANGES: usize = 100_000;

fn config(default_cases: u32) -> proptest::test_runner::Config {
    common::fuzz_config(default_cases)
}

/// A declared width: ordinary, zero, one past the limit, and the fuzzer's huge ones.
fn width() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (1u32..=64).prop_map(|w| w.to_string()),
        1 => Just("0".to_string()),
        1 => Just("65537".to_string()),
        1 => Just("2147483648".to_string()),
        1 => Just("4294967295".to_string()),
        1 => Just("18446744073709551616".to_string()),
    ]
}

/// A name: MIG-like, long, with a huge range or bit index, or with odd bytes.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "init_state", "tap_sel_done", "comp_done", "init_done", "dlyce_dqs", "dlyinc_dqs",
            "cs_n", "ras_n", "cas_n", "we_n", "dq", "dqs", "calib_done_dqs",
        ]).prop_map(str::to_string),
        1 => (1usize..20_000).prop_map(|n| "n".repeat(n)),
        1 => Just("dq [100000000:99999999]".to_string()),
        1 => Just("dq [4294967295:0]".to_string()),
        1 => Just("dq[2147483648]".to_string()),
        1 => "[a-z]{1,8}\\[[0-9]{1,12}:[0-9]{1,12}\\]",
    ]
}

fn timescale() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["1", "10", "100", "0", "1000", "99999999999"]),
        prop::sample::select(vec!["fs", "ps", "ns", "NS", "us", "ms", "s", "parsec"]),
        any::<bool>(),
    )
        .prop_map(|(n, u, space)| format!("{n}{}{u}", if space { " " } else { "" }))
}

fn time() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u64..10_000).prop_map(|t| t.to_string()),
        1 => Just(u64::MAX.to_string()),
        1 => Just("18446744073709551616".to_string()),
        1 => Just("1.5".to_string()),
    ]
}

/// A VCD: a header of up to 6 vars and a body of timestamps and value changes.
fn vcd() -> impl Strategy<Value = Vec<u8>> {
    let var = (width(), name());
    let change = (0usize..6, "[01xzXZuw-]{0,70}", any::<bool>());
    (
        timescale(),
        prop::collection::vec(var, 1..6),
        prop::collection::vec((time(), prop::collection::vec(change, 0..4)), 0..20),
    )
        .prop_map(|(ts, vars, body)| {
            let mut o = format!("$timescale {ts} $end\n$scope module pins $end\n");
            for (i, (w, n)) in vars.iter().enumerate() {
                o += &format!("$var wire {w} {} {n} $end\n", id(i));
            }
            o += "$upscope $end\n$enddefinitions $end\n";
            let mut t_sorted: Vec<_> = body;
            t_sorted.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
            for (t, changes) in t_sorted {
                o += &format!("#{t}\n");
                for (v, bits, vector) in changes {
                    let v = v % vars.len();
                    if vector || bits.len() != 1 {
                        o += &format!("b{bits} {}\n", id(v));
                    } else {
                        o += &format!("{bits}{}\n", id(v));
                    }
                }
            }
            o.into_bytes()
        })
}

fn id(i: usize) -> char {
    (b'!' + i as u8) as char
}

/// A CSV of one of the families' header shapes, with the same hostile names and values.
fn csv() -> impl Strategy<Value = Vec<u8>> {
    let header = prop_oneof![
        Just("time_ns".to_string()),
        Just("Time [s]".to_string()),
        Just("Sample in Buffer,Sample in Window,TRIGGER".to_string()),
        Just("; Channels: 4\nlogic".to_string()),
    ];
    (
        header,
        prop::collection::vec(name(), 1..5),
        prop::collection::vec(
            prop::collection::vec("[0-9a-fA-FxX.eE+-]{0,24}", 1..7),
            0..20,
        ),
    )
        .prop_map(|(h, names, rows)| {
            let mut o = format!("{h},{}\n", names.join(","));
            for r in rows {
                o += &r.join(",");
                o.push('\n');
            }
            o.into_bytes()
        })
}

/// The damage a transfer or an editor does: truncation, a BOM, CRLF, NUL and invalid UTF-8.
fn damaged(base: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    (
        base,
        any::<bool>(),
        any::<bool>(),
        prop::option::of(any::<prop::sample::Index>()),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::sample::select(vec![0u8, 0xFF, 0xC3, b'\r', b'$', b'#']),
            ),
            0..4,
        ),
    )
        .prop_map(|(mut b, bom, crlf, cut, inserts)| {
            if crlf {
                b = String::from_utf8_lossy(&b)
                    .replace('\n', "\r\n")
                    .into_bytes();
            }
            for (at, byte) in inserts {
                let i = at.index(b.len() + 1);
                b.insert(i, byte);
            }
            if let Some(cut) = cut {
                b.truncate(cut.index(b.len() + 1));
            }
            if bom {
                b.splice(0..0, *b"\xEF\xBB\xBF");
            }
            b
        })
}

/// Opens `bytes` as a capture the way the CLI does, binds it leniently and reads every change:
/// any error is fine, a panic fails the case. When it binds, runs the analysis too.
fn read_capture(bytes: &[u8], ext: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("case.{ext}"));
    std::fs::write(&path, bytes).unwrap();
    let Ok(mut src) = sniff::open(&path, &OpenOptions::default()) else {
        return Ok(());
    };
    let Ok(names) = NameMap::build_lenient(src.header(), None) else {
        return Ok(());
    };
    let _ = names.missing();
    let mut n = 0;
    while let Ok(Some(_)) = src.next_change() {
        n += 1;
        if n > MAX_CHANGES {
            return Err(format!(
                "more than {MAX_CHANGES} changes from {} bytes",
                bytes.len()
            ));
        }
    }
    analyse(&path);
    Ok(())
}

fn analyse(path: &Path) {
    use migcal::analysis::capture::Capture;
    use migcal::analysis::{analyze, Config};
    if let Ok(c) = Capture::open(path, &Default::default(), None) {
        let f = analyze(
            &c,
            &Config {
                profile: None,
                clock: None,
            },
        );
        let _ = migcal::diagnose::diagnose(&f, &Default::default());
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn vcd_reader_never_panics(bytes in damaged(vcd())) {
        read_capture(&bytes, "vcd").map_err(TestCaseError::fail)?;
    }

    #[test]
    fn csv_readers_never_panic(bytes in damaged(csv())) {
        read_capture(&bytes, "csv").map_err(TestCaseError::fail)?;
    }
}

/// Scenario text with the same classes: huge and negative numbers, long arrays, odd bytes.
fn scenario() -> impl Strategy<Value = Vec<u8>> {
    let number = prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1e300".to_string()),
        Just("nan".to_string()),
        Just("18446744073709551615".to_string()),
        Just("4294967295".to_string()),
        (0u32..100_000).prop_map(|n| n.to_string()),
    ];
    let key = prop::sample::select(vec![
        "seed",
        "stop_time_us",
        "[clock]\nperiod_ps",
        "[memory]\ndata_width",
        "[memory]\ncl",
        "[board]\ntap_ps",
        "[board]\njitter_ps_rms",
        "[[fault]]\nkind = \"dq_open\"\ndq",
        "[[fault]]\nkind = \"dqs_open\"\nlane",
    ]);
    (prop::collection::vec((key, number), 0..5), 0usize..3000).prop_map(|(kv, array)| {
        let mut o = String::from("profile = \"minimodule\"\n");
        for (k, v) in kv {
            o += &format!("{k} = {v}\n");
        }
        if array > 0 {
            o += &format!("[board]\ndq_delay_ps = [{}]\n", vec!["1"; array].join(","));
        }
        o.into_bytes()
    })
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn scenario_parser_never_panics(bytes in damaged(scenario())) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = migcal::scenario::Scenario::parse(&text, Path::new("fuzz.toml"));
    }
}

proptest! {
    // The whole CLI over generated captures: exit 0, 1 or 2 only, never a signal, within the
    // hang detector's timeout (each run spawns a process: fewer cases).
    #![proptest_config(config(12))]

    #[test]
    fn the_cli_exits_0_1_or_2(bytes in damaged(vcd()), csv_bytes in damaged(csv())) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("case.vcd");
        std::fs::write(&p, &bytes).unwrap();
        let q = dir.path().join("case.csv");
        std::fs::write(&q, &csv_bytes).unwrap();
        let out = dir.path().join("out.vcd");
        for f in [&p, &q] {
            let f = f.to_str().unwrap();
            for args in [
                vec!["signals", f],
                vec!["diagnose", f, "--json"],
                vec!["convert", f, "-o", out.to_str().unwrap()],
            ] {
                common::bounded(&args);
            }
        }
    }
}
