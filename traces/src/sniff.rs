//! Opening a capture whatever its format: the first bytes decide (FST/GHW magic, VCD keywords,
//! else the CSV family's own sniffing), never the file name, so a renamed or gzip'd file, or
//! one piped in as `-`, opens the same.

use crate::csv::{self, CsvFormat, CsvOptions};
use crate::{input, ChangeSource, TraceError};
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
    /// FST or GHW, read through `wellen`.
    Wave(crate::wave::WaveFormat),
    /// A sigrok / PulseView session (`.sr`).
    SigrokSession,
    /// A Saleae Logic 2 binary export: one digital channel file, or a folder of them.
    SaleaeBinary,
}

impl Format {
    /// The name reports use (`vcd`, `fst`, `sigrok_csv`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Format::Vcd => "vcd",
            Format::Csv(CsvFormat::Ila) => "ila_csv",
            Format::Csv(CsvFormat::ChipscopePrn) => "chipscope_prn",
            Format::Csv(CsvFormat::Sigrok) => "sigrok_csv",
            Format::Csv(CsvFormat::Saleae) => "saleae_csv",
            Format::Csv(CsvFormat::Generic) => "generic_csv",
            Format::Wave(w) => w.name(),
            Format::SigrokSession => "sigrok_session",
            Format::SaleaeBinary => "saleae_bin",
        }
    }
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
    sniff_explained(first).map(|(f, _)| f)
}

/// Recognises a capture format from its first bytes, and says what in them decided it (for
/// an error that names what the file was read as, and why).
pub fn sniff_explained(first: &[u8]) -> Option<(Format, &'static str)> {
    if let Some(w) = crate::wave::sniff(first) {
        return Some((
            Format::Wave(w),
            match w {
                crate::wave::WaveFormat::Fst => "it starts with an FST header block",
                crate::wave::WaveFormat::Ghw => "it starts with `GHDLwave`",
            },
        ));
    }
    if crate::saleae_bin::sniff(first) {
        return Some((Format::SaleaeBinary, "it starts with `<SALEAE>`"));
    }
    if crate::sigrok_session::sniff(first) {
        return Some((
            Format::SigrokSession,
            "it is a zip whose first member is a sigrok session's `version` or `metadata`",
        ));
    }
    let body = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(first);
    let mut body = skip_space(body);
    let mut meta = false;
    // sigrok-cli's VCD output starts with `META samplerate: <Hz>` lines before `$date`.
    while body.len() >= 5 && body[..5].eq_ignore_ascii_case(b"META ") {
        meta = true;
        let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
        body = skip_space(&body[end..]);
    }
    if VCD_KEYWORDS.iter().any(|k| starts_with_word(body, k)) {
        let why = if meta {
            "a `$` keyword follows sigrok's `META` line"
        } else {
            "it starts with a VCD `$` keyword"
        };
        return Some((Format::Vcd, why));
    }
    csv::sniff(first).map(|f| {
        (
            Format::Csv(f),
            "its first lines look like that export's header",
        )
    })
}

fn skip_space(body: &[u8]) -> &[u8] {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    &body[start..]
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
            "binary data, not text, and not an FST or GHW file: first bytes {}",
            crate::error::quote(&first[..first.len().min(16)])
        );
    }
    let line = first.split(|&b| b == b'\n').next().unwrap_or(first);
    format!(
        "expected a VCD (starting with $date, $version, $timescale, $scope, $comment or $var), an FST or GHW file, a sigrok session (.sr), a Saleae binary export (<SALEAE>), or a CSV export (ILA, ChipScope, sigrok, Saleae, time-plus-channels), found first line {}",
        crate::error::quote(line)
    )
}

/// Opens a capture (plain or gzip; a file, a FIFO, or `-` for standard input) with the reader its first
/// bytes call for.
pub fn open(path: &Path, opts: &OpenOptions) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    open_detected(path, opts).map(|(_, src)| src)
}

/// Like [`open`], and says which format was read. An error while reading the header names the
/// format the file was taken for and why ([`TraceError::ReadAs`]).
pub fn open_detected(
    path: &Path,
    opts: &OpenOptions,
) -> Result<(Format, Box<dyn ChangeSource + Send>), TraceError> {
    if input::is_stream(path) {
        let spool = input::spool_stream(path)?;
        let tmp = spool.path().to_path_buf();
        let (format, src) =
            open_file(&tmp, path, opts).map_err(|e| input::rename_in_error(e, &tmp, path))?;
        return Ok((format, Box::new(input::Kept::new(src, spool, path))));
    }
    if path.is_dir() {
        // A folder is a capture only as Logic 2 exports one: a binary file per channel.
        let src = crate::saleae_bin::open(path, path)?;
        return Ok((Format::SaleaeBinary, Box::new(src)));
    }
    open_file(path, path, opts)
}

/// Opens `file`, naming `shown` in errors.
fn open_file(
    file: &Path,
    shown: &Path,
    opts: &OpenOptions,
) -> Result<(Format, Box<dyn ChangeSource + Send>), TraceError> {
    let (format, why) = match opts.format {
        Some(f) => (f, None),
        None => {
            let first = crate::io::peek(file, SNIFF_BYTES)?;
            let (f, why) = sniff_explained(&first).ok_or_else(|| TraceError::UnknownFormat {
                path: shown.to_path_buf(),
                reason: describe(&first),
            })?;
            (f, Some(why))
        }
    };
    let src = match format {
        Format::Vcd => crate::vcd::open(file),
        Format::Csv(fmt) => csv::open(
            file,
            fmt,
            &CsvOptions {
                sample_period_fs: opts.sample_period_fs,
            },
        ),
        Format::Wave(w) => open_wave(file, shown, w),
        Format::SigrokSession => open_session(file, shown, opts.sample_period_fs),
        Format::SaleaeBinary => crate::saleae_bin::open(file, shown)
            .map(|s| Box::new(s) as Box<dyn ChangeSource + Send>),
    };
    match (src, why) {
        (Ok(src), _) => Ok((format, src)),
        (Err(e @ TraceError::Io { .. }), _) | (Err(e), None) => Err(e),
        (Err(e), Some(why)) => Err(TraceError::ReadAs {
            format: format.name(),
            why: why.to_string(),
            source: Box::new(e),
        }),
    }
}

fn open_session(
    file: &Path,
    shown: &Path,
    sample_period_fs: Option<u64>,
) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let plain = input::plain(input::Spooled::File(file.to_path_buf()), shown)?;
    let src = crate::sigrok_session::open(plain.path(), shown, sample_period_fs)?;
    Ok(Box::new(input::Kept::new(Box::new(src), plain, shown)))
}

fn open_wave(
    file: &Path,
    shown: &Path,
    w: crate::wave::WaveFormat,
) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let plain = input::plain(input::Spooled::File(file.to_path_buf()), shown)?;
    let src = crate::wave::open(plain.path(), shown, w)?;
    Ok(Box::new(input::Kept::new(Box::new(src), plain, shown)))
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
