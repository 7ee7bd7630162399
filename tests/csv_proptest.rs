//! Properties of the CSV-family readers: random traces written in each export's layout read
//! back exactly, and no input bytes make any reader panic.

use migcal_traces::csv::{self, CsvFormat, CsvOptions};
use migcal_traces::ValueRef;
use proptest::prelude::*;
use std::fmt::Write as _;

type Changes = Vec<(u64, u32, String)>;

/// A random capture: signal widths and, per row, a time step and every signal's value.
#[derive(Debug, Clone)]
struct Capture {
    widths: Vec<u32>,
    rows: Vec<(u64, Vec<String>)>,
}

fn value(width: u32, four_state_bits: bool) -> BoxedStrategy<String> {
    if width == 1 {
        let chars: &[&str] = if four_state_bits {
            &["0", "1", "x", "z"]
        } else {
            &["0", "1"]
        };
        proptest::sample::select(chars.to_vec())
            .prop_map(str::to_string)
            .boxed()
    } else {
        prop_oneof![
            8 => proptest::collection::vec(prop_oneof![Just('0'), Just('1')], width as usize)
                .prop_map(|v| v.into_iter().collect::<String>()),
            1 => Just("x".repeat(width as usize)),
        ]
        .boxed()
    }
}

fn capture(max_step: u64, four_state_bits: bool) -> impl Strategy<Value = Capture> {
    proptest::collection::vec(prop_oneof![3 => Just(1u32), 1 => 2u32..70], 1..5).prop_flat_map(
        move |widths| {
            let row = (
                0..=max_step,
                widths
                    .iter()
                    .map(|&w| value(w, four_state_bits))
                    .collect::<Vec<_>>(),
            );
            proptest::collection::vec(row, 1..30).prop_map(move |rows| Capture {
                widths: widths.clone(),
                rows,
            })
        },
    )
}

/// What a reader must report for `cap` when row `i` is at `times[i]`.
fn expected(cap: &Capture, times: &[u64]) -> Changes {
    let mut last: Vec<Option<String>> = vec![None; cap.widths.len()];
    let mut out = Vec::new();
    for ((_, vals), &t) in cap.rows.iter().zip(times) {
        for (s, v) in vals.iter().enumerate() {
            if last[s].as_deref() != Some(v.as_str()) {
                out.push((t, s as u32, v.clone()));
                last[s] = Some(v.clone());
            }
        }
    }
    out
}

fn bits_to_hex(bits: &str) -> String {
    if bits.starts_with('x') {
        return "X".repeat(bits.len().div_ceil(4));
    }
    let pad = (4 - bits.len() % 4) % 4;
    let padded = format!("{}{}", "0".repeat(pad), bits);
    padded
        .as_bytes()
        .chunks(4)
        .map(|c| {
            let n = c.iter().fold(0u32, |a, &b| a * 2 + u32::from(b - b'0'));
            char::from_digit(n, 16).unwrap().to_ascii_uppercase()
        })
        .collect()
}

fn bits_to_decimal(bits: &str) -> String {
    if bits.starts_with('x') {
        return "X".into();
    }
    // Exact for any width: repeated doubling on a decimal digit vector.
    let mut digits = vec![0u8];
    for b in bits.bytes() {
        let mut carry = u8::from(b == b'1');
        for d in digits.iter_mut().rev() {
            let v = *d * 2 + carry;
            *d = v % 10;
            carry = v / 10;
        }
        if carry > 0 {
            digits.insert(0, carry);
        }
    }
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

fn read_all(path: &std::path::Path, fmt: CsvFormat, opts: &CsvOptions) -> Changes {
    let mut src = csv::open(path, fmt, opts).unwrap();
    let mut out = Vec::new();
    while let Some(c) = src.next_change().unwrap() {
        let ValueRef::Bits(b) = c.value else {
            panic!("bits expected")
        };
        out.push((c.time, c.signal, String::from_utf8(b.to_vec()).unwrap()));
    }
    out
}

fn write_tmp(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn name(i: usize, w: u32) -> String {
    if w == 1 {
        format!("top/sig{i}")
    } else {
        format!("top/bus{i}[{}:0]", w - 1)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn ila_round_trip(cap in capture(3, false), radix_pick in proptest::collection::vec(0u8..3, 5)) {
        let mut text = String::from("Sample in Buffer,Sample in Window,TRIGGER");
        let mut radix_row = String::from("Radix - UNSIGNED,UNSIGNED,UNSIGNED");
        for (i, &w) in cap.widths.iter().enumerate() {
            write!(text, ",{}", name(i, w)).unwrap();
            radix_row.push_str([",HEX", ",BINARY", ",UNSIGNED"][radix_pick[i] as usize]);
        }
        text.push('\n');
        text.push_str(&radix_row);
        text.push('\n');
        let mut times = Vec::new();
        let mut idx = 0u64;
        for (k, (step, vals)) in cap.rows.iter().enumerate() {
            idx += step;
            times.push(idx);
            write!(text, "{idx},{k},0").unwrap();
            for (i, v) in vals.iter().enumerate() {
                let cell = match radix_pick[i] {
                    0 => bits_to_hex(v),
                    1 => v.clone(),
                    _ => bits_to_decimal(v),
                };
                write!(text, ",{cell}").unwrap();
            }
            text.push('\n');
        }
        let (_d, path) = write_tmp(&text);
        let got = read_all(&path, CsvFormat::Ila, &CsvOptions::default());
        // Signal 0 is TRIGGER (always 0); the probes follow.
        let mut want = vec![(times[0], 0, "0".to_string())];
        want.extend(expected(&cap, &times).into_iter().map(|(t, s, v)| (t, s + 1, v)));
        prop_assert_eq!(got, want);
    }

    #[test]
    fn generic_round_trip(cap in capture(5_000_000, true), style in proptest::collection::vec(0u8..3, 5), tab in any::<bool>()) {
        let d = if tab { '\t' } else { ',' };
        let mut text = String::from("time [ns]");
        for (i, &w) in cap.widths.iter().enumerate() {
            write!(text, "{d}{}", name(i, w)).unwrap();
        }
        text.push('\n');
        let mut times = Vec::new();
        let mut t = 0u64;
        for (step, vals) in &cap.rows {
            t += step;
            times.push(t);
            write!(text, "{}.{:06}", t / 1_000_000, t % 1_000_000).unwrap();
            for (i, v) in vals.iter().enumerate() {
                let cell = if cap.widths[i] == 1 {
                    v.clone()
                } else {
                    match style[i] {
                        0 => format!("0x{}", bits_to_hex(v)),
                        1 => format!("0b{v}"),
                        _ => bits_to_decimal(v),
                    }
                };
                write!(text, "{d}{cell}").unwrap();
            }
            text.push('\n');
        }
        let (_d, path) = write_tmp(&text);
        prop_assert_eq!(read_all(&path, CsvFormat::Generic, &CsvOptions::default()), expected(&cap, &times));
    }

    #[test]
    fn saleae_round_trip(cap in capture(3_000_000_000, false), crlf in any::<bool>()) {
        let eol = if crlf { "\r\n" } else { "\n" };
        let widths: Vec<u32> = cap.widths.iter().map(|_| 1).collect();
        let cap = Capture {
            rows: cap.rows.iter().map(|(s, v)| {
                (*s, v.iter().map(|x| x[..1].replace('x', "0")).collect())
            }).collect(),
            widths,
        };
        let mut text = String::from("Time [s]");
        for i in 0..cap.widths.len() {
            write!(text, ",Channel {i}").unwrap();
        }
        text.push_str(eol);
        let mut times = Vec::new();
        let mut t = 0u64;
        for (step, vals) in &cap.rows {
            t += step;
            times.push(t);
            write!(text, "{}.{:015}", t / 1_000_000_000_000_000, t % 1_000_000_000_000_000).unwrap();
            for v in vals {
                write!(text, ",{v}").unwrap();
            }
            text.push_str(eol);
        }
        let (_d, path) = write_tmp(&text);
        prop_assert_eq!(read_all(&path, CsvFormat::Saleae, &CsvOptions::default()), expected(&cap, &times));
    }

    #[test]
    fn sigrok_round_trip(cap in capture(0, false), rate_pick in 0usize..5, labels in any::<bool>()) {
        let rates = [1_000_000_000u64, 400_000_000, 125_000_000, 1_000_000, 200_000];
        let rate = rates[rate_pick];
        let widths: Vec<u32> = cap.widths.iter().map(|_| 1).collect();
        let cap = Capture {
            rows: cap.rows.iter().map(|(s, v)| {
                (*s, v.iter().map(|x| x[..1].replace('x', "1")).collect())
            }).collect(),
            widths,
        };
        let names: Vec<String> = (0..cap.widths.len()).map(|i| format!("ch{i}")).collect();
        let mut text = String::from("; CSV generated by libsigrok 0.5.2\n");
        writeln!(text, "; Channels ({0}/{0}): {1}", names.len(), names.join(", ")).unwrap();
        writeln!(text, "META samplerate: {rate}").unwrap();
        if labels {
            writeln!(text, "{}", names.join(",")).unwrap();
        } else {
            writeln!(text, "{}", vec!["logic"; names.len()].join(",")).unwrap();
        }
        let period = 1_000_000_000_000_000 / rate;
        let times: Vec<u64> = (0..cap.rows.len() as u64).map(|r| r * period).collect();
        for (_, vals) in &cap.rows {
            writeln!(text, "{}", vals.join(",")).unwrap();
        }
        let (_d, path) = write_tmp(&text);
        prop_assert_eq!(read_all(&path, CsvFormat::Sigrok, &CsvOptions::default()), expected(&cap, &times));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = csv::sniff(&bytes);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        std::fs::write(&path, &bytes).unwrap();
        for fmt in ALL {
            drain_ignoring_errors(&path, fmt);
        }
    }

    #[test]
    fn mutated_fixtures_never_panic(pick in 0usize..FIXTURES.len(), edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..8)) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csv").join(FIXTURES[pick]);
        let mut bytes = std::fs::read(path).unwrap();
        for (at, op, b) in edits {
            let i = at.index(bytes.len().max(1));
            match op {
                0 if !bytes.is_empty() => {
                    let j = i.min(bytes.len() - 1);
                    bytes[j] = b;
                }
                1 => {
                    let j = i.min(bytes.len());
                    bytes.insert(j, b);
                }
                _ if !bytes.is_empty() => { let j = i.min(bytes.len() - 1);
                    bytes.remove(j); }
                _ => {}
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.csv");
        std::fs::write(&path, &bytes).unwrap();
        let _ = csv::sniff(&bytes);
        for fmt in ALL {
            drain_ignoring_errors(&path, fmt);
        }
    }
}

const ALL: [CsvFormat; 5] = [
    CsvFormat::Ila,
    CsvFormat::ChipscopePrn,
    CsvFormat::Sigrok,
    CsvFormat::Saleae,
    CsvFormat::Generic,
];

const FIXTURES: [&str; 15] = [
    "ila_tab_radix.prn",
    "sigrok_small_samples.csv",
    "sigrok_small_sr_nolabel.csv",
    "ila_chipscopy_gap.csv",
    "ila_vivado_mixed_radix_crlf.csv",
    "ila_no_radix.csv",
    "chipscope_legacy.prn",
    "sigrok_small.csv",
    "sigrok_small_labels.csv",
    "sigrok_small_sr_dedup.csv",
    "saleae_logic2.csv",
    "saleae_logic1.csv",
    "generic_time_ns.csv",
    "generic_sample_semicolon.csv",
    "ila_chipscopy_gap.csv.gz",
];

/// Opens and drains, discarding errors: only a panic fails. Times must stay ordered.
fn drain_ignoring_errors(path: &std::path::Path, fmt: CsvFormat) {
    let opts = CsvOptions {
        sample_period_fs: None,
    };
    let Ok(mut src) = csv::open(path, fmt, &opts) else {
        return;
    };
    let widths: Vec<u32> = src.header().signals.iter().map(|s| s.width).collect();
    let mut last = 0;
    while let Ok(Some(c)) = src.next_change() {
        assert!(c.time >= last, "time order");
        last = c.time;
        let ValueRef::Bits(b) = c.value else {
            panic!("bits expected")
        };
        assert_eq!(b.len() as u32, widths[c.signal as usize]);
        assert!(b.iter().all(|c| b"01xz".contains(c)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// GenericCsvWriter -> generic reader gives back exactly the changes written (after the
    /// reader's own rule: a change only when the value differs, all signals in the first row).
    #[test]
    fn generic_writer_round_trip(cap in capture(1_000_000, true), samples in any::<bool>()) {
        use migcal_traces::csv::generic::GenericCsvWriter;
        use migcal_traces::{SignalInfo, TimeBase, VarKind};
        let signals: Vec<SignalInfo> = cap
            .widths
            .iter()
            .enumerate()
            .map(|(i, &w)| SignalInfo {
                // A comma and a quote in a name exercise the writer's quoting.
                source_name: if i == 0 { "top/\"odd\", name".to_string() } else { format!("s{i}") },
                width: w,
                kind: VarKind::Bits,
                range: None,
            })
            .collect();
        let base = if samples { TimeBase::Samples } else { TimeBase::Femtoseconds };
        let mut w = GenericCsvWriter::new(Vec::new(), base, &signals).unwrap();
        let mut times = Vec::new();
        let mut t = 0u64;
        for (step, vals) in &cap.rows {
            t += step;
            times.push(t);
            for (s, v) in vals.iter().enumerate() {
                w.change(t, s as u32, ValueRef::Bits(v.as_bytes())).unwrap();
            }
        }
        let text = String::from_utf8(w.finish().unwrap()).unwrap();
        let (_d, path) = write_tmp(&text);
        // Rows at equal times merge into one row holding the last values.
        let mut merged: Vec<(u64, Vec<String>)> = Vec::new();
        for ((_, vals), &t) in cap.rows.iter().zip(&times) {
            match merged.last_mut() {
                Some((lt, lv)) if *lt == t => *lv = vals.clone(),
                _ => merged.push((t, vals.clone())),
            }
        }
        let merged_cap = Capture { widths: cap.widths.clone(), rows: merged.iter().map(|(_, v)| (0, v.clone())).collect() };
        let merged_times: Vec<u64> = merged.iter().map(|(t, _)| *t).collect();
        prop_assert_eq!(
            read_all(&path, CsvFormat::Generic, &CsvOptions::default()),
            expected(&merged_cap, &merged_times)
        );
    }
}
