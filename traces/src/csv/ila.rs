//! Vivado/ChipScoPy ILA CSV exports (captures.md §1.4, §1.7).
//!
//! Row 1: `Sample in Buffer,Sample in Window,TRIGGER,[GAP,]<probe>[msb:lsb],...`; an optional
//! row 2 `Radix - UNSIGNED,UNSIGNED,UNSIGNED,HEX,...` gives each column's radix (ChipScoPy does not
//! extend it over the GAP column, so it may be one short); then one row per sample. Time is the
//! `Sample in Buffer` index, or that index times [`CsvOptions::sample_period_fs`]. `TRIGGER` and
//! `GAP` are kept as 1-bit signals: the trigger position and gap samples matter to a diagnosis.
//! ChipScoPy's writer numbers `Sample in Buffer` across the whole buffer (window start + index in
//! window), so it only grows, with jumps when a sample range per window was exported; `Sample in
//! Window` restarts per window and is not needed.

use super::lines::{check_unique, guess_delimiter, split_header, LineInput};
use super::spec::{Clock, SpecBuilder};
use super::table::{CsvOptions, TableSource, TimeMode};
use super::value::Radix;
use crate::{TraceError, Warnings};
use std::path::Path;

/// Opens a comma-separated ILA CSV export.
pub fn open(path: &Path, opts: &CsvOptions) -> Result<TableSource, TraceError> {
    open_with(path, opts, None)
}

/// Opens an ILA-layout export with a given delimiter (`None`: taken from the header line, the
/// most frequent of tab, `;` and `,`). Shared with the legacy ChipScope reader.
pub(super) fn open_with(
    path: &Path,
    opts: &CsvOptions,
    delimiter: Option<u8>,
) -> Result<TableSource, TraceError> {
    let mut input = LineInput::open(path)?;
    let Some(line) = input.next_nonblank()? else {
        return Err(input.error(
            "an ILA header starting `Sample in Buffer`",
            b"an empty file",
        ));
    };
    let line = &line.to_vec();
    let delim = delimiter.unwrap_or_else(|| guess_delimiter(line));
    let names = split_header(line, delim);
    let lower: Vec<Vec<u8>> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    if lower.first().map(Vec::as_slice) != Some(b"sample in buffer") {
        return Err(input.error("an ILA header starting `Sample in Buffer`", line));
    }
    check_unique(&input, &names)?;
    let header_line = input.line;

    // Which columns are bookkeeping rather than probes.
    let window_col = lower.iter().position(|n| n == b"sample in window");
    let mut spec = SpecBuilder::new(names.len());
    for (col, name) in names.iter().enumerate() {
        if col == 0 || Some(col) == window_col {
            continue;
        }
        // Without a radix row, probes are HEX (a 1-bit probe reads as one bit).
        spec.named_column(&input, col, name, "column", |width| {
            if width == 1 {
                Radix::Bit
            } else {
                Radix::Hex
            }
        })?;
    }
    if spec.signals().is_empty() {
        return Err(TraceError::syntax(
            path,
            header_line,
            "at least one probe column after `Sample in Buffer`",
            names.join(&delim),
        ));
    }
    let notes = read_radix_row(&mut input, &lower, delim, &mut spec)?;
    let clock = Clock::samples(opts, |period| TimeMode::Index { col: 0, period });
    TableSource::new(input, spec.finish(delim, clock, notes, Warnings::default()))
}

/// Reads the optional `Radix - ...` row after the header (`lower`: the lower-case column
/// names) and applies it to the probe columns; returns the header note saying whether it was
/// there. A data row instead is left for the table.
fn read_radix_row(
    input: &mut LineInput,
    lower: &[Vec<u8>],
    delim: u8,
    spec: &mut SpecBuilder,
) -> Result<Vec<String>, TraceError> {
    let header_line = input.line;
    let l = match input.next_nonblank()? {
        None => {
            return Err(TraceError::syntax(
                &input.path,
                header_line + 1,
                "at least one data row after the header",
                b"",
            ))
        }
        Some(l) if l.len() >= 5 && l[..5].eq_ignore_ascii_case(b"radix") => l.to_vec(),
        Some(_) => {
            input.unread();
            return Ok(vec!["no radix row: probe values read as HEX".to_string()]);
        }
    };
    let rest = l
        .iter()
        .position(|&c| c == b'-')
        .map(|p| &l[p + 1..])
        .unwrap_or(&l[5..]);
    let entries = split_header(rest, delim);
    let gap_col = lower.iter().position(|n| n == b"gap");
    let aligned: Vec<Option<Vec<u8>>> = if entries.len() == lower.len() {
        entries.into_iter().map(Some).collect()
    } else if entries.len() + 1 == lower.len() && gap_col.is_some() {
        // ChipScoPy leaves the GAP column out of the radix row.
        let g = gap_col.unwrap_or(0);
        let mut v: Vec<Option<Vec<u8>>> = entries.into_iter().map(Some).collect();
        v.insert(g, None);
        v
    } else {
        return Err(input.error(
            format!("a radix row with {} entries like the header", lower.len()),
            input.current(),
        ));
    };
    for (col, entry) in aligned.into_iter().enumerate() {
        if let Some(e) = entry {
            let radix = Radix::from_name(&e).ok_or_else(|| {
                input.error(
                    format!(
                        "a radix (HEX, BINARY, UNSIGNED, SIGNED) in column {}",
                        col + 1
                    ),
                    &e,
                )
            })?;
            // A 1-bit probe in HEX is written as one hex digit; Bit reads it the same and faster.
            spec.set_radix(col, |width| {
                if width == 1 && radix == Radix::Hex {
                    Radix::Bit
                } else {
                    radix
                }
            });
        }
    }
    Ok(vec!["radix row present".to_string()])
}
