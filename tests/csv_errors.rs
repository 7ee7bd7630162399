//! Bad input to the CSV-family readers: a clear error with file and 1-based line, never a panic.

use migcal_traces::csv::{self, CsvFormat, CsvOptions};
use migcal_traces::TraceError;
use std::path::PathBuf;

struct Case {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn file(content: &[u8]) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("capture.csv");
    std::fs::write(&path, content).unwrap();
    Case { _dir: dir, path }
}

/// Opens and drains; returns the first error, or the number of changes.
fn run(content: &[u8], fmt: CsvFormat) -> Result<usize, TraceError> {
    let case = file(content);
    let mut src = csv::open(&case.path, fmt, &CsvOptions::default())?;
    let mut n = 0;
    while src.next_change()?.is_some() {
        n += 1;
    }
    Ok(n)
}

/// Asserts a syntax error at `line` whose message mentions `needle`.
fn syntax_at(content: &[u8], fmt: CsvFormat, line: u64, needle: &str) {
    match run(content, fmt) {
        Err(e @ TraceError::Syntax { .. }) => {
            let TraceError::Syntax { at, .. } = &e else {
                unreachable!()
            };
            assert_eq!(at.line, line, "{e}");
            assert!(at.file.ends_with("capture.csv"), "{e}");
            let msg = e.to_string();
            assert!(msg.contains(needle), "{msg:?} should mention {needle:?}");
        }
        other => panic!("expected a syntax error at line {line}, got {other:?}"),
    }
}

const ILA_HEAD: &str = "Sample in Buffer,Sample in Window,TRIGGER,a/tap[5:0]\nRadix - UNSIGNED,UNSIGNED,UNSIGNED,HEX\n";

fn ila(body: &str) -> Vec<u8> {
    format!("{ILA_HEAD}{body}").into_bytes()
}

#[test]
fn ragged_row() {
    syntax_at(&ila("0,0,0,00\n1,1,0\n"), CsvFormat::Ila, 4, "4 fields");
    syntax_at(&ila("0,0,0,00,7\n"), CsvFormat::Ila, 3, "4 fields");
}

#[test]
fn non_numeric_time() {
    syntax_at(
        &ila("0,0,0,00\nabc,1,0,01\n"),
        CsvFormat::Ila,
        4,
        "sample index",
    );
    syntax_at(
        b"time_ns,a\n0,1\n1.5.2,0\n",
        CsvFormat::Generic,
        3,
        "decimal time",
    );
    syntax_at(
        b"Time [s],a\n0.1,1\nnan,0\n",
        CsvFormat::Saleae,
        3,
        "decimal time",
    );
}

#[test]
fn time_going_backwards() {
    let err = run(&ila("0,0,0,00\n5,1,0,01\n4,2,0,02\n"), CsvFormat::Ila).unwrap_err();
    match err {
        TraceError::TimeBackwards {
            at,
            previous,
            found,
        } => {
            assert_eq!(at.line, 5);
            assert_eq!(previous, "5");
            assert_eq!(found, "4");
        }
        e => panic!("expected TimeBackwards, got {e:?}"),
    }
    let err = run(b"Time [s],a\n0.2,1\n0.1,0\n", CsvFormat::Saleae).unwrap_err();
    assert!(
        matches!(&err, TraceError::TimeBackwards { at, .. } if at.line == 3),
        "{err:?}"
    );
}

#[test]
fn duplicate_column_names() {
    syntax_at(
        b"Sample in Buffer,Sample in Window,TRIGGER,a,a\n0,0,0,0,0\n",
        CsvFormat::Ila,
        1,
        "unique column names",
    );
    syntax_at(b"time_ns,a,a\n0,1,1\n", CsvFormat::Generic, 1, "unique");
    syntax_at(b"Time [s],a,a\n0,1,1\n", CsvFormat::Saleae, 1, "unique");
    // sigrok's repeated names are read as `d#1`, `d#2` (issue 15), not refused.
    let n = run(
        b"; Channels (2/2): d, d\nMETA samplerate: 1000\nlogic,logic\n0,0\n",
        CsvFormat::Sigrok,
    );
    assert_eq!(n.unwrap(), 2);
}

#[test]
fn unknown_value_characters() {
    syntax_at(&ila("0,0,0,0G\n"), CsvFormat::Ila, 3, "hex digits");
    syntax_at(b"time_ns,a\n0,2\n", CsvFormat::Generic, 2, "a bit value");
    syntax_at(b"Time [s],a\n0,q\n", CsvFormat::Saleae, 2, "a bit value");
    syntax_at(
        b"META samplerate: 1000\nlogic\n0\n7\n",
        CsvFormat::Sigrok,
        4,
        "a bit value",
    );
    syntax_at(
        b"Sample in Buffer,Sample in Window,TRIGGER,a[3:0]\nRadix - U,U,U,HEX\n0,0,0,0\n",
        CsvFormat::Ila,
        2,
        "a radix",
    );
}

#[test]
fn value_wider_than_bus() {
    syntax_at(&ila("0,0,0,40\n"), CsvFormat::Ila, 3, "fits the 6-bit bus");
    syntax_at(
        b"time_ns,b[3:0]\n0,16\n",
        CsvFormat::Generic,
        2,
        "4-bit bus",
    );
    syntax_at(
        b"time_ns,b[3:0]\n0,0x1f\n",
        CsvFormat::Generic,
        2,
        "4-bit bus",
    );
    syntax_at(
        b"Sample in Buffer,Sample in Window,TRIGGER,s[3:0]\nRadix - UNSIGNED,UNSIGNED,UNSIGNED,SIGNED\n0,0,0,-9\n",
        CsvFormat::Ila,
        3,
        "fits 4 bits",
    );
}

#[test]
fn empty_file_and_blank_file() {
    for fmt in all_formats() {
        for content in [&b""[..], b"\n\n", b"\xEF\xBB\xBF"] {
            let err = run(content, fmt).unwrap_err();
            assert!(
                matches!(&err, TraceError::Syntax { at, .. } if at.line >= 1),
                "{fmt:?}: {err:?}"
            );
        }
    }
}

#[test]
fn header_only() {
    syntax_at(
        ILA_HEAD.as_bytes(),
        CsvFormat::Ila,
        3,
        "at least one data row",
    );
    syntax_at(
        b"time_ns,a\n",
        CsvFormat::Generic,
        2,
        "at least one data row",
    );
    syntax_at(
        b"Time [s],a\r\n",
        CsvFormat::Saleae,
        2,
        "at least one data row",
    );
    syntax_at(
        b"; CSV generated by libsigrok 0.5.2\nMETA samplerate: 1000\nlogic\n",
        CsvFormat::Sigrok,
        4,
        "at least one data row",
    );
}

#[test]
fn binary_garbage_into_every_reader() {
    let mut garbage = vec![0x1f, 0x8c, 0, 0xff, 0xfe];
    garbage.extend((0..3000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    assert_eq!(csv::sniff(&garbage), None);
    for fmt in all_formats() {
        assert!(run(&garbage, fmt).is_err(), "{fmt:?}");
    }
}

#[test]
fn truncated_last_row_vs_missing_final_newline() {
    // A complete last row without a newline is fine.
    assert_eq!(run(&ila("0,0,0,00\n1,1,0,01"), CsvFormat::Ila).unwrap(), 3);
    // Blank-only lines (trailing spaces, a stray CR) are skipped like empty ones.
    assert_eq!(
        run(&ila("0,0,0,00\n  \n1,1,0,01\n \r\n"), CsvFormat::Ila).unwrap(),
        3
    );
    // A row cut in the middle is ragged.
    syntax_at(&ila("0,0,0,00\n1,1,"), CsvFormat::Ila, 4, "4 fields");
    syntax_at(
        b"Time [s],a,b\n0,1,0\n0.5,1",
        CsvFormat::Saleae,
        3,
        "3 fields",
    );
}

#[test]
fn bom_and_crlf_are_fine() {
    let mut content = b"\xEF\xBB\xBF".to_vec();
    content.extend_from_slice(
        &ila("0,0,0,00\n1,1,0,01\n")
            .iter()
            .flat_map(|&b| {
                if b == b'\n' {
                    vec![b'\r', b'\n']
                } else {
                    vec![b]
                }
            })
            .collect::<Vec<u8>>(),
    );
    assert_eq!(csv::sniff(&content), Some(CsvFormat::Ila));
    assert_eq!(run(&content, CsvFormat::Ila).unwrap(), 3);
    let case = file(b"\xEF\xBB\xBFTime [s],a\r\n0.0,1\r\n1e-9,0\r\n");
    let mut src = csv::open(&case.path, CsvFormat::Saleae, &CsvOptions::default()).unwrap();
    assert_eq!(src.header().signals[0].source_name, "a");
    let c = src.next_change().unwrap().unwrap();
    assert_eq!(c.time, 0);
    let c = src.next_change().unwrap().unwrap();
    assert_eq!(c.time, 1_000_000);
}

#[test]
fn wrong_header_for_the_format() {
    syntax_at(b"time_ns,a\n0,1\n", CsvFormat::Ila, 1, "Sample in Buffer");
    syntax_at(b"time_ns,a\n0,1\n", CsvFormat::Saleae, 1, "Time [s]");
    syntax_at(
        b"name,a\n0,1\n",
        CsvFormat::Generic,
        1,
        "time or sample column",
    );
    syntax_at(
        b"Sample in Buffer,Sample in Window\n0,0\n",
        CsvFormat::Ila,
        1,
        "at least one probe",
    );
    syntax_at(
        b"time_ns,b[x:0]\n0,1\n",
        CsvFormat::Generic,
        1,
        "integer bounds",
    );
}

#[test]
fn open_sniffed_reports_unknown_formats() {
    let case = file(b"$date today $end\n");
    let err = csv::open_sniffed(&case.path, &CsvOptions::default())
        .err()
        .unwrap();
    assert!(matches!(err, TraceError::UnknownFormat { .. }), "{err:?}");
}

fn all_formats() -> [CsvFormat; 5] {
    [
        CsvFormat::Ila,
        CsvFormat::ChipscopePrn,
        CsvFormat::Sigrok,
        CsvFormat::Saleae,
        CsvFormat::Generic,
    ]
}

/// Issue 19: a data line past the limit is an error naming the line and the limit, after the
/// rows before it were read (and without buffering the line: the reader stops at the limit).
#[test]
fn a_huge_data_line_is_an_error_with_line_and_limit() {
    let mut body = b"time_ns,clk\n0,1\n5,0\n".to_vec();
    body.extend(std::iter::repeat_n(b'1', (1 << 20) + 10));
    body.extend(b"\n10,1\n");
    syntax_at(
        &body,
        CsvFormat::Generic,
        4,
        "a data line of at most 1048576 bytes",
    );
    // A line just under the limit is only a bad value, not a length error.
    let mut body = b"time_ns,clk\n0,1\n".to_vec();
    body.extend(std::iter::repeat_n(b'1', 1000));
    body.extend(b",0\n");
    let e = run(&body, CsvFormat::Generic).unwrap_err().to_string();
    assert!(!e.contains("data line of at most"), "{e}");
}
