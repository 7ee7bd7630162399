//! The fuzz harness of issue 19 for the binary capture formats migcal reads itself: Saleae
//! Logic 2 binary exports and sigrok sessions. The strategies build files from the documented
//! layouts and put the hostile classes where each format has them: declared sizes (transition
//! and chunk counts up to `u64::MAX`, a sigrok `unitsize` or probe number far past the limits),
//! extreme times (NaN, infinities, 1e300 s, a sample rate of 0 or 10^30 Hz), long names,
//! truncation, invalid UTF-8, NUL, CRLF and a BOM in the session's INI metadata. Every file
//! must read to its end or stop with an error that names it: never a panic, an abort, or more
//! changes than the file holds bytes. Seed and length as in `tests/fuzz_inputs.rs`
//! ([`common::fuzz_config`]); FST and GHW are mutated from real files in `tests/wave_formats.rs`.

mod common;
use migcal_traces::sniff::{self, OpenOptions};
use proptest::prelude::*;
use std::io::Write;
use std::path::Path;

/// Opens `path` as the CLI does and reads every change: an error must name `name`, and a file
/// cannot give more changes than a bound from its size (a damaged count is not a loop).
fn drain(path: &Path, name: &str, max_changes: u64) -> Result<(), TestCaseError> {
    let named = |e: &dyn std::fmt::Display| {
        let t = e.to_string();
        if t.contains(name) {
            Ok(())
        } else {
            Err(TestCaseError::fail(format!(
                "error without the file name: {t}"
            )))
        }
    };
    let mut src = match sniff::open(path, &OpenOptions::default()) {
        Ok(s) => s,
        Err(e) => return named(&e),
    };
    let mut n = 0u64;
    loop {
        match src.next_change() {
            Ok(Some(_)) => n += 1,
            Ok(None) => return Ok(()),
            Err(e) => return named(&e),
        }
        if n > max_changes {
            return Err(TestCaseError::fail(format!(
                "more than {max_changes} changes"
            )));
        }
    }
}

/// A time in seconds: ordinary, then what a damaged double holds.
fn seconds() -> impl Strategy<Value = f64> {
    prop_oneof![
        24 => -1e-3f64..1e-3,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(1e300),
        1 => Just(-1e300),
        1 => Just(f64::MIN_POSITIVE / 4.0),
        1 => Just(0.0),
    ]
}

/// A declared count: small and honest, or huge.
fn count() -> impl Strategy<Value = u64> {
    prop_oneof![
        12 => 0u64..12,
        1 => Just(u64::MAX),
        1 => Just(1 << 40),
        1 => Just(u32::MAX as u64),
    ]
}

/// One Saleae chunk (version 1 has a sample rate, version 0 none) and its transition times.
fn saleae_chunk(v1: bool) -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![12 => 0u32..2, 1 => Just(2u32)],
        seconds(),
        seconds(),
        seconds(),
        count(),
        prop::collection::vec(seconds(), 0..12),
        any::<bool>(),
    )
        .prop_map(move |(state, rate, begin, end, n, times, sorted)| {
            // Mostly an honest order (begin <= end), else whatever the doubles say.
            let (begin, end) = if sorted && begin > end {
                (end, begin)
            } else {
                (begin, end)
            };
            let mut b = state.to_le_bytes().to_vec();
            if v1 {
                b.extend(rate.abs().to_le_bytes());
            }
            b.extend(begin.to_le_bytes());
            b.extend(end.to_le_bytes());
            b.extend(n.to_le_bytes());
            let mut times = times;
            if sorted {
                times.sort_by(f64::total_cmp);
            }
            for t in times {
                b.extend(t.to_le_bytes());
            }
            b
        })
}

/// A Saleae binary export of version 0 or 1 (sometimes 7, or analog), cut anywhere.
fn saleae() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![12 => 0u32..2, 1 => Just(7u32)],
        prop_oneof![16 => Just(0u32), 1 => Just(1u32)],
        count(),
        prop::collection::vec((saleae_chunk(false), saleae_chunk(true)), 1..4),
        prop::option::weighted(0.2, any::<prop::sample::Index>()),
    )
        .prop_map(|(version, kind, chunks, bodies, cut)| {
            let mut b = b"<SALEAE>".to_vec();
            b.extend(version.to_le_bytes());
            b.extend(kind.to_le_bytes());
            if version == 1 {
                b.extend(chunks.to_le_bytes());
                for (_, c) in bodies {
                    b.extend(c);
                }
            } else {
                b.extend(&bodies[0].0);
            }
            if let Some(cut) = cut {
                b.truncate(cut.index(b.len() + 1));
            }
            b
        })
}

/// A probe name: a MIG name, a long one, or odd bytes.
fn probe_name() -> impl Strategy<Value = Vec<u8>> {
    let odd = prop::sample::select(vec![&b"dq\xff\xfe"[..], b"a\0b", b""]);
    prop_oneof![
        8 => prop::sample::select(vec!["clk", "tap_sel_done", "dlyce_dqs[0]", "init_done"])
            .prop_map(|s| s.as_bytes().to_vec()),
        1 => (1usize..40_000).prop_map(|n| vec![b'n'; n]),
        1 => odd.prop_map(<[u8]>::to_vec),
    ]
}

/// An honest value most of the time, else one of the hostile ones.
fn mostly(honest: &'static str, hostile: Vec<&'static str>) -> impl Strategy<Value = &'static str> {
    prop_oneof![6 => Just(honest), 1 => prop::sample::select(hostile)]
}

/// A session's `metadata`: the keys libsigrok writes with hostile values, and the damage.
fn metadata() -> impl Strategy<Value = Vec<u8>> {
    let rate = mostly(
        "1 GHz",
        vec![
            "0 Hz",
            "1 Hz",
            "1000000000000000000000000000000 Hz",
            "-5 MHz",
            "nan GHz",
            "18446744073709551615 kHz",
            "GHz",
            "",
        ],
    );
    let unitsize = mostly("1", vec!["2", "8", "0", "9", "4294967296", "-1"]);
    let probe_no =
        prop_oneof![12 => 1u64..9, 1 => Just(65u64), 1 => Just(u64::MAX), 1 => Just(0u64)];
    let insert = (
        any::<prop::sample::Index>(),
        prop::sample::select(vec![0u8, 0xFF, b'\r', b'=']),
    );
    (
        rate,
        unitsize,
        prop::collection::vec((probe_no, probe_name()), 1..6),
        any::<bool>(),
        any::<bool>(),
        prop::option::weighted(0.25, insert),
    )
        .prop_map(|(rate, unit, probes, crlf, bom, insert)| {
            let mut m = Vec::new();
            if bom {
                m.extend(b"\xEF\xBB\xBF");
            }
            m.extend(b"[global]\nsigrok version=0.5.2\n\n[device 1]\ncapturefile=logic-1\n");
            m.extend(
                format!(
                    "total probes={}\nsamplerate={rate}\nunitsize={unit}\n",
                    probes.len()
                )
                .as_bytes(),
            );
            for (n, name) in probes {
                m.extend(format!("probe{n}=").as_bytes());
                m.extend(name);
                m.push(b'\n');
            }
            if crlf {
                m = m
                    .iter()
                    .flat_map(|&c| {
                        if c == b'\n' {
                            vec![b'\r', b'\n']
                        } else {
                            vec![c]
                        }
                    })
                    .collect();
            }
            if let Some((at, byte)) = insert {
                let i = at.index(m.len() + 1);
                m.insert(i, byte);
            }
            m
        })
}

/// A whole session: `version`, the metadata, and up to three sample chunks, as libsigrok zips
/// them; sometimes cut.
fn session() -> impl Strategy<Value = Vec<u8>> {
    (
        metadata(),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 1..3),
        prop::option::weighted(0.2, any::<prop::sample::Index>()),
    )
        .prop_map(|(meta, chunks, cut)| {
            let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let o = zip::write::SimpleFileOptions::default();
            z.start_file("version", o).unwrap();
            z.write_all(b"2").unwrap();
            z.start_file("metadata", o).unwrap();
            z.write_all(&meta).unwrap();
            for (i, c) in chunks.iter().enumerate() {
                z.start_file(format!("logic-1-{}", i + 1), o).unwrap();
                z.write_all(c).unwrap();
            }
            let mut b = z.finish().unwrap().into_inner();
            if let Some(cut) = cut {
                b.truncate(cut.index(b.len() + 1));
            }
            b
        })
}

proptest! {
    #![proptest_config(common::fuzz_config(128))]

    #[test]
    fn saleae_binary_reader_never_panics(bytes in saleae()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("digital_0.bin");
        std::fs::write(&p, &bytes).unwrap();
        // Every change is a transition time of 8 bytes (or a gap's `x`, one per chunk header).
        drain(&p, "digital_0.bin", 2 + bytes.len() as u64 / 8)?;
    }

    #[test]
    fn sigrok_session_reader_never_panics(bytes in session()) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("capture.sr");
        std::fs::write(&p, &bytes).unwrap();
        // At most one change per channel (64) per sample bit, and the first row.
        drain(&p, "capture.sr", 64 * (1 + 8 * bytes.len() as u64))?;
    }
}
