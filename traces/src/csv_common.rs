//! CSV-family probe dumps. INTERFACE STUB: replaced by the CSV work; signatures are the contract.

use crate::{ChangeSource, TraceError};
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

/// Options for sample-indexed captures.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Sample period in femtoseconds; overrides a rate stated in the file.
    pub sample_period_fs: Option<u64>,
}

/// Recognises a CSV-family export from the first bytes of the (decompressed) file.
pub fn sniff(first: &[u8]) -> Option<CsvFormat> {
    let _ = first;
    None
}

/// Opens a CSV-family export as a streaming change source.
pub fn open(
    path: &Path,
    format: CsvFormat,
    opts: &CsvOptions,
) -> Result<Box<dyn ChangeSource + Send>, TraceError> {
    let _ = (format, opts);
    Err(TraceError::UnknownFormat {
        path: path.to_path_buf(),
        reason: "CSV readers not built yet".into(),
    })
}
