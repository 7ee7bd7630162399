//! Differential test: the migcal reader and the `vcd` crate agree on every change of every
//! fixture and golden file (after folding 9-state values for the crate, which knows only 4).

mod common;

use common::oracle::{fold_for_oracle, source_rows, vcd_crate_rows};
use migcal_traces::{vcd, TimeBase};
use std::io::Read;
use std::path::Path;

fn compare(path: &Path) -> usize {
    let mut raw = Vec::new();
    migcal_traces::io::open_maybe_gz(path)
        .unwrap()
        .read_to_end(&mut raw)
        .unwrap();
    let mut src = vcd::open(path).unwrap_or_else(|e| panic!("{e}"));
    let samples = src.header().time_base == TimeBase::Samples;
    let ours = source_rows(src.as_mut()).unwrap_or_else(|e| panic!("{e}"));
    let folded = fold_for_oracle(&raw);
    let theirs = vcd_crate_rows(&folded[..], samples)
        .unwrap_or_else(|e| panic!("{}: vcd crate: {e}", path.display()));
    if std::env::var_os("VCD_DEBUG").is_some() {
        for i in 0..45.min(ours.len()).min(theirs.len()) {
            eprintln!("{:?} {:?}", ours[i], theirs[i]);
        }
    }
    assert_eq!(ours.len(), theirs.len(), "{}", path.display());
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        assert_eq!(a, b, "{}: change #{i}", path.display());
    }
    ours.len()
}

#[test]
fn goldens_agree_with_vcd_crate() {
    for name in [
        "nominal",
        "fault1",
        "fault2",
        "skew",
        "dq5_stuck_high",
        "dqs1_open",
        "idelayctrl_not_ready",
    ] {
        let n = compare(&common::golden(name));
        assert!(n > 10_000, "{name}: {n} changes");
    }
}

/// Hands out at most a few bytes per read, so tokens straddle every refill.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.step = self.step % 7 + 1;
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn synthetic_file_and_tiny_reads_agree() {
    let bytes = vcd::synth::write_synthetic(Vec::new(), 3 << 20, 7).unwrap();
    let theirs = vcd_crate_rows(&bytes[..], false).unwrap();
    let mut r = vcd::VcdReader::new(&bytes[..], Path::new("synth.vcd")).unwrap();
    let ours = source_rows(&mut r).unwrap();
    assert!(ours.len() > 100_000);
    assert!(ours == theirs, "synthetic file: readers differ");
    // Cut at a line end: a cut mid-line is (rightly) a truncation error.
    let cut = bytes[..200_000].iter().rposition(|&c| c == b'\n').unwrap() + 1;
    let mut r = vcd::VcdReader::new(
        Trickle {
            data: &bytes[..cut],
            step: 0,
        },
        Path::new("trickle.vcd"),
    )
    .unwrap();
    let trickled = source_rows(&mut r).unwrap();
    let mut r = vcd::VcdReader::new(&bytes[..cut], Path::new("whole.vcd")).unwrap();
    let whole = source_rows(&mut r).unwrap();
    assert!(trickled.len() > 1000);
    assert!(trickled == whole, "tiny reads change the result");
}
