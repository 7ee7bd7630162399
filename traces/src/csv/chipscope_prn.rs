//! Legacy ChipScope Pro Analyzer ASCII exports (ISE era, the Virtex-4 tool).
//!
//! captures.md §1.4 found no real sample of this layout, so nothing is assumed beyond what the
//! ILA CSV shares: a `Sample in Buffer` first column, `Sample in Window`/`TRIGGER` bookkeeping,
//! probe names with `[msb:lsb]` or ISE-style `<msb:lsb>` ranges, an optional `Radix - ...` row.
//! The delimiter is detected from the header line (tab in the exports users describe, but a
//! comma or semicolon works the same), never assumed. A public MATLAB ILA-import script quotes
//! such a tab-separated export with a tab-separated `Radix - UNSIGNED\tUNSIGNED\t...` row; that is
//! the layout the tests use.

use super::ila;
use super::table::{CsvOptions, TableSource};
use crate::TraceError;
use std::path::Path;

/// Opens a legacy ChipScope ASCII export, detecting its delimiter from the header line.
pub fn open(path: &Path, opts: &CsvOptions) -> Result<TableSource, TraceError> {
    ila::open_with(path, opts, None)
}
