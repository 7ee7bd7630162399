//! Opening a capture whatever its format: the first bytes decide (VCD keywords, else the CSV
//! family's own sniffing), never the file name, so a renamed or gzip'd file opens the same.

use crate::csv::{self, CsvFormat, CsvOptions};
use crate::{ChangeSource, TraceError};
use std::path::Path;

/// How many leading (decompressed) bytes the sniffers see: enough for a CSV export's comment and
/// header rows, small enough to be instant.
pub const SNIFF_BYTES: usize = 8192;

/// Which reader to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Value change dump.
    Vcd,
    /// One of the CSV-family exports.
    Csv(CsvFormat),
}

/// Options for [`open`].
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Sample period for sample-indexed captures, in femtoseconds (overrides a rate in the file).
    pub sample_period_fs: Option<u64>,
    /// Skip sniffing and use this reader.
    pub format: Option<Format>,
}

/// VCD section keywords a file may start with (after a byte-order mark and white space).
const VCD_KEYWORDS: [&[u8]; 8] = [
    b"$date",
    b"$version",
    b"$timescale",
    b"$scope",
    b"$comment",
    b"$var",
    b"$enddefinitions",
    b"$upscope",
];

/// Recognises a capture format from its first bytes.
pub fn sniff(first: &[u8]) -> Option<Format> {
    let body = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(first);
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let body = &body[start..];
    if VCD_KEYWORDS.iter().any(|k| starts_with_word(body, k)) {
        return Some(Format::Vcd);
    }
    csv::sniff(first).map(Format::Csv)
}

fn starts_with_word(body: &[u8], kw: &[u8]) -> bool {
    body.len() >= kw.len()
        && body[..kw.len()].eq_ignore_ascii_case(kw)
        && !matches!(body.get(kw.len()), Some(b) if !b.is_ascii_whitespace())
}

/// Describes what the first bytes look like, for an "unknown format" message.
fn describe(first: &[u8]) -> String {
    if first.is_empty() {
        return "the file is empty".to_string();
    }
    let sample = &first[..first.len().min(512)];
    let binary = sample
        .iter()
        .filter(|&&b| b == 0 || (b < 0x20 && !b"\t\r\n\x0c".contains(&b)))
        .count();
    if binary > 0 && std::str::from_utf8(sample).is_err() || binary * 20 > sample.len() {
        return format!(
            "binary data, not text: first bytes {}",
            crate::error::quote(&first[..first.len().min(16)])
        );
    }
    let line = first.split(|&b| b == b'\n').next().unwrap_or(first);
    format!(
        "expected a VCD (starting with $date, $version, $timescale, $scope, $comment or $var) or a CSV export (ILA, ChipScope, sigrok, Saleae, time-plus-channels), found first line {}",
        crate::error::quote(line)
    )
}

/// Opens a capture (plain or gzip) with the reader its first bytes call for.
pub fn open(path: &Path, opts: &OpenOptions) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let format = match opts.format {
        Some(f) => f,
        None => {
            let first = crate::io::peek(path, SNIFF_BYTES)?;
            sniff(&first).ok_or_else(|| TraceError::UnknownFormat {
                path: path.to_path_buf(),
                reason: describe(&first),
            })?
        }
    };
    match format {
        Format::Vcd => crate::vcd::open(path),
        Format::Csv(fmt) => csv::open(
            path,
            fmt,
            &CsvOptions {
                sample_period_fs: opts.sample_period_fs,
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcd_keywords_after_bom_and_space() {
        assert_eq!(sniff(b"$date today $end"), Some(Format::Vcd));
        assert_eq!(
            sniff(b"\xef\xbb\xbf\n  $timescale 1ps $end"),
            Some(Format::Vcd)
        );
        assert_eq!(sniff(b"\t$var wire 1 ! a $end"), Some(Format::Vcd));
        assert_eq!(sniff(b"$comment\nhi $end"), Some(Format::Vcd));
        assert_eq!(sniff(b"$dated"), csv::sniff(b"$dated").map(Format::Csv));
    }

    #[test]
    fn garbage_is_described() {
        assert!(describe(b"\x00\x01\x02\xff\xfe binary").starts_with("binary data"));
        assert!(describe(b"hello world\nmore").contains("\"hello world\""));
        assert_eq!(describe(b""), "the file is empty");
    }

    #[test]
    fn open_unknown_format_names_what_was_seen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("junk.bin");
        std::fs::write(&p, [0u8, 159, 146, 150, 1, 2, 3, 0, 0, 7]).unwrap();
        match open(&p, &OpenOptions::default()) {
            Err(TraceError::UnknownFormat { path, reason }) => {
                assert_eq!(path, p);
                assert!(reason.contains("binary"), "{reason}");
            }
            Err(e) => panic!("unexpected error {e}"),
            Ok(_) => panic!("garbage opened"),
        }
    }

    #[test]
    fn missing_file_is_io_error() {
        let p = Path::new("/nonexistent/migcal/x.vcd");
        assert!(matches!(
            open(p, &OpenOptions::default()),
            Err(TraceError::Io { .. })
        ));
    }
}
