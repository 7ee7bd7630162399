//! Saleae Logic 2 (and Logic 1.x / Kingst) digital CSV exports (captures.md §1.4, §1.7).
//!
//! Header `Time [s],<channel>,<channel>,...` (`Time[s], Channel 0, ...` with `, ` separators in
//! the older tools); one row per instant at which any channel changes; values `0`/`1`, `X` for no
//! data. Times are decimal seconds, converted to femtoseconds with integer arithmetic only, so a
//! 15-decimal timestamp is exact. A capture whose first row is before 0 (pre-trigger) is shifted
//! so it starts at 0, with a warning note saying by how much.

use super::lines::{check_unique, guess_delimiter, split_header, LineInput};
use super::spec::{Clock, SpecBuilder};
use super::table::{CsvOptions, TableSource, TimeMode};
use super::value::Radix;
use crate::{TraceError, Warnings};
use std::path::Path;

/// Opens a Saleae digital CSV export. [`CsvOptions::sample_period_fs`] does not apply (the file
/// has real times).
pub fn open(path: &Path, opts: &CsvOptions) -> Result<TableSource, TraceError> {
    let _ = opts;
    let mut input = LineInput::open(path)?;
    let Some(line) = input.next_nonblank()? else {
        return Err(input.error("a Saleae header `Time [s],<channel>,...`", b""));
    };
    let line = line.to_vec();
    let delim = guess_delimiter(&line);
    let names = split_header(&line, delim);
    let first = names[0].to_ascii_lowercase();
    if first != b"time [s]" && first != b"time[s]" {
        return Err(input.error("a Saleae header `Time [s],<channel>,...`", &line));
    }
    check_unique(&input, &names)?;
    if names.len() < 2 {
        return Err(input.error("at least one channel column after `Time [s]`", &line));
    }
    let mut spec = SpecBuilder::new(names.len());
    for (col, name) in names.iter().enumerate().skip(1) {
        spec.named_column(&input, col, name, "channel", |width| {
            if width == 1 {
                Radix::Bit
            } else {
                Radix::Auto
            }
        })?;
    }
    let clock = Clock::femtoseconds(
        TimeMode::Decimal {
            col: 0,
            exp10: 15,
            offset_fs: 0,
        },
        Some("1 s (decimal)".to_string()),
    );
    let notes = vec!["Saleae digital CSV".to_string()];
    // Logic 2 writes a row only where a channel changes: the capture ran on past the last row
    // for as long as nothing changed.
    TableSource::new(input, spec.finish(delim, clock, notes, Warnings::default()))
        .map(TableSource::rows_are_changes)
}
