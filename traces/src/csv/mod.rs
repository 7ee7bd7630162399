//! CSV-family probe dumps (ILA, legacy ChipScope, sigrok, Saleae, generic): format sniffing,
//! dispatch, and the one streaming table engine every CSV reader feeds.
//!
//! Each format module only reads its own header lines and decides, per column, what it is (time,
//! ignored, or a signal with a radix) and how time is counted. [`TableSource`] then streams the
//! data rows through the `csv` crate with one reused record, so memory stays flat whatever the
//! file size, and emits a change only for the first row or when a value differs from the last one.
//!
//! One module per format ([`ila`], [`chipscope_prn`], [`sigrok`], [`saleae`], [`generic`]) over
//! the shared machinery: `lines` (header lines), `columns` (column names), `value` (cell values),
//! `spec` (assembling a table spec) and `table` (the engine). Readers depend on the
//! machinery, never the reverse; this file only sniffs and dispatches.

pub mod chipscope_prn;
mod columns;
pub mod generic;
pub mod ila;
mod lines;
pub mod saleae;
pub mod sigrok;
mod spec;
mod table;
mod value;

pub use columns::MAX_BUS_WIDTH;
pub use table::{CsvOptions, TableSource};
pub use value::{parse_decimal_fs, parse_value, Radix};

use crate::error::quote;
use crate::{ChangeSource, TraceError};
use columns::parse_time_column_name;
use lines::{guess_delimiter, trim_field, trim_line_end, UTF8_BOM};
use std::path::Path;

/// Which CSV-family export a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFormat {
    /// Vivado/ChipScope ILA CSV export.
    Ila,
    /// Legacy ChipScope ASCII (tab-separated) export.
    ChipscopePrn,
    /// sigrok-cli CSV output.
    Sigrok,
    /// Saleae Logic 2 digital CSV.
    Saleae,
    /// A time or sample column plus one column per channel.
    Generic,
}

/// Recognises a CSV-family export from the first bytes of the (decompressed) file.
///
/// A UTF-8 BOM and leading blank lines are skipped; CRLF line ends are fine. Returns `None` when
/// the bytes look like none of the CSV exports (a VCD, binary data, an unrelated table).
pub fn sniff(first: &[u8]) -> Option<CsvFormat> {
    let text = first.strip_prefix(UTF8_BOM).unwrap_or(first);
    let first_line = text
        .split(|&b| b == b'\n')
        .map(trim_line_end)
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))?;
    let lower = first_line.to_ascii_lowercase();
    if lower.starts_with(b"sample in buffer") {
        let tabs = lower.iter().filter(|&&b| b == b'\t').count();
        let commas = lower.iter().filter(|&&b| b == b',').count();
        return Some(if tabs > commas {
            CsvFormat::ChipscopePrn
        } else {
            CsvFormat::Ila
        });
    }
    if lower.starts_with(b";") || lower.starts_with(b"meta samplerate") {
        return Some(CsvFormat::Sigrok);
    }
    let delim = guess_delimiter(first_line);
    let first_field = first_line
        .split(|&b| b == delim)
        .next()
        .map(trim_field)
        .unwrap_or(b"");
    let first_field = first_field.to_ascii_lowercase();
    if first_field == b"time [s]" || first_field == b"time[s]" {
        return Some(CsvFormat::Saleae);
    }
    let has_delimiter = first_line.contains(&delim);
    if has_delimiter && parse_time_column_name(&first_field).is_some() {
        return Some(CsvFormat::Generic);
    }
    None
}

/// Opens a CSV-family export as a streaming change source.
///
/// Gzip'd files are decompressed transparently. The header is read and checked here, and the
/// first data row is read too, so a file with a header but no samples fails at open.
pub fn open(
    path: &Path,
    format: CsvFormat,
    opts: &CsvOptions,
) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let src = match format {
        CsvFormat::Ila => ila::open(path, opts)?,
        CsvFormat::ChipscopePrn => chipscope_prn::open(path, opts)?,
        CsvFormat::Sigrok => sigrok::open(path, opts)?,
        CsvFormat::Saleae => saleae::open(path, opts)?,
        CsvFormat::Generic => generic::open(path, opts)?,
    };
    Ok(Box::new(src))
}

/// Sniffs the file's first bytes and opens it with the matching reader.
pub fn open_sniffed(
    path: &Path,
    opts: &CsvOptions,
) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let first = crate::io::peek(path, 4096)?;
    let format = sniff(&first).ok_or_else(|| TraceError::UnknownFormat {
        path: path.to_path_buf(),
        reason: format!("first line {} is no known CSV export header", {
            let text = first.strip_prefix(UTF8_BOM).unwrap_or(&first);
            let end = memchr::memchr(b'\n', text).unwrap_or(text.len());
            quote(&text[..end])
        }),
    })?;
    open(path, format, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_export() {
        assert_eq!(
            sniff(b"\xEF\xBB\xBFSample in Buffer,Sample in Window,TRIGGER,a\r\n"),
            Some(CsvFormat::Ila)
        );
        assert_eq!(
            sniff(b"Sample in Buffer\tSample in Window\tTRIGGER\ta\n"),
            Some(CsvFormat::ChipscopePrn)
        );
        assert_eq!(
            sniff(b"; CSV generated by libsigrok 0.5.2\n"),
            Some(CsvFormat::Sigrok)
        );
        assert_eq!(sniff(b"META samplerate: 1000\n"), Some(CsvFormat::Sigrok));
        assert_eq!(sniff(b"Time [s],Channel 0\n"), Some(CsvFormat::Saleae));
        assert_eq!(sniff(b"Time[s], Channel 0\n"), Some(CsvFormat::Saleae));
        assert_eq!(sniff(b"time_ns,clk\n"), Some(CsvFormat::Generic));
        assert_eq!(sniff(b"sample;clk;dq[7:0]\n"), Some(CsvFormat::Generic));
        assert_eq!(sniff(b"$date\n"), None);
        assert_eq!(sniff(b"name,clk\n"), None);
        assert_eq!(sniff(b"\x00\x01\x02"), None);
        assert_eq!(sniff(b""), None);
    }
}
