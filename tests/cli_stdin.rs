//! `-` as the capture: standard input, plain or gzip'd, any format, sniffed from the first
//! bytes; and errors that say what the file was read as.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `migcal args` with `input` on standard input.
fn piped(args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn gzip_on_stdin_signals_and_diagnose() {
    let gz = std::fs::read(common::golden("fault1")).unwrap();
    let out = piped(&["signals", "-"], &gz);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stdout).starts_with("-: vcd written by GHDL, 114 signals"));
    let out = piped(&["diagnose", "-", "--json"], &gz);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["stage"], "read_latency");
    assert_eq!(doc["faulty_dq"], serde_json::json!([3]));
}

#[test]
fn plain_vcd_on_stdin() {
    let mut text = Vec::new();
    std::io::Read::read_to_end(
        &mut migcal_traces::io::open_maybe_gz(&common::golden("nominal")).unwrap(),
        &mut text,
    )
    .unwrap();
    let out = piped(&["diagnose", "-"], &text);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stdout).starts_with("capture: - "));
}

#[test]
fn fst_on_stdin_plain_and_gzipped() {
    let fst = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/wave/vcd2fst_icarus_dq_counter.fst"),
    )
    .unwrap();
    // The fixture's tb/dq and tb/dut/dq both claim pins/dq: the listing, then exit 2.
    let out = piped(&["signals", "-"], &fst);
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stdout).starts_with("-: fst written by Icarus Verilog, "));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&fst).unwrap();
    let out = piped(&["signals", "-", "--json"], &gz.finish().unwrap());
    assert!(common::text(&out.stderr).contains("two capture signals match"));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], "fst");
    assert_eq!(doc["capture"], "-");
}

#[test]
fn errors_on_stdin_name_dash_not_a_temporary_file() {
    let out = piped(
        &["signals", "-"],
        b"$date\nx $end\n$var wire 1 ! a $end\n$enddefinitions $end\n#0\n1?\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(err.contains("migcal: error: -:"), "{err}");
    assert!(!err.contains("migcal-stdin"), "{err}");
    let out = piped(&["signals", "-"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        common::text(&out.stderr).contains("-: not a capture migcal can read (the file is empty)")
    );
}

/// sigrok-cli's VCD starts with `META samplerate:`; it used to be taken for a sigrok CSV.
#[test]
fn sigrok_vcd_with_meta_line_is_read_as_vcd() {
    let p = common::fixture("sigrok_binary.vcd");
    let out = common::migcal(&["signals", p.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], "vcd");
    assert_eq!(doc["capture_signals"], 4);
}

/// A reader error says what the sniffer took the file for, and why.
#[test]
fn header_errors_name_the_format_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let p = common::write(dir.path(), "broken.vcd", "$timescale 7 parsecs $end\n");
    let out = common::migcal(&["signals", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::text(&out.stderr);
    assert!(err.contains("broken.vcd:1: expected a timescale"), "{err}");
    assert!(
        err.contains("(read as vcd because it starts with a VCD `$` keyword)"),
        "{err}"
    );
}

/// `diagnose` reads its capture twice (the write strobes in a second pass): both passes read
/// the one copy of standard input, and the copy is gone when the command ends.
#[test]
fn diagnose_reads_stdin_twice_and_leaves_no_copy() {
    let gz = std::fs::read(common::golden("fault1")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(["diagnose", "-"])
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&gz);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    assert!(common::text(&out.stdout).contains("DQ3"));
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// A FIFO as the capture (what a shell's `<(zcat big.vcd.gz)` hands over as `/dev/fd/N`), which
/// `diagnose` reads twice: both passes read one copy, as for `-` (regression: the second pass
/// found the FIFO drained and failed with `found first line "ate"`).
#[cfg(unix)]
#[test]
fn diagnose_reads_a_fifo_twice() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("capture.vcd");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available to make the FIFO");
        return;
    }
    let gz = std::fs::read(common::golden("fault1")).unwrap();
    let path = fifo.clone();
    // Opening a FIFO for writing blocks until the reader opens it; the writer thread does that.
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        let _ = f.write_all(&gz);
    });
    let out = Command::new(env!("CARGO_BIN_EXE_migcal"))
        .args(["diagnose", fifo.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["stage"], "read_latency");
    assert_eq!(doc["faulty_dq"], serde_json::json!([3]));
}
