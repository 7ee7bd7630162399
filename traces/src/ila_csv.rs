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

use crate::csv_common::{
    check_unique, parse_bus_name, split_header, ColumnRole, CsvOptions, LineInput, Radix,
    TableSource, TableSpec, TimeMode,
};
use crate::{Header, SignalInfo, TimeBase, TraceError, VarKind, Warnings};
use std::path::Path;

/// Opens a comma-separated ILA CSV export.
pub fn open(path: &Path, opts: &CsvOptions) -> Result<TableSource, TraceError> {
    open_with(path, opts, None)
}

/// Opens an ILA-layout export with a given delimiter (`None`: taken from the header line, the
/// most frequent of tab, `;` and `,`). Shared with the legacy ChipScope reader.
pub(crate) fn open_with(
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
    let delim = delimiter.unwrap_or_else(|| crate::csv_common::guess_delimiter(line));
    let names = split_header(line, delim);
    let lower: Vec<Vec<u8>> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    if lower.first().map(Vec::as_slice) != Some(b"sample in buffer") {
        return Err(input.error("an ILA header starting `Sample in Buffer`", line));
    }
    check_unique(&input, &names)?;
    let header_line = input.line;

    // Which columns are bookkeeping rather than probes.
    let window_col = lower.iter().position(|n| n == b"sample in window");
    let mut signals = Vec::new();
    let mut probe_cols = Vec::new(); // (column, signal index)
    for (col, name) in names.iter().enumerate() {
        if col == 0 || Some(col) == window_col {
            continue;
        }
        let name_str = String::from_utf8(name.clone())
            .map_err(|_| TraceError::syntax(path, header_line, "a UTF-8 column name", name))?;
        let (range, width) = parse_bus_name(&name_str)
            .map_err(|expected| TraceError::syntax(path, header_line, expected, name))?;
        probe_cols.push((col, signals.len()));
        signals.push(SignalInfo {
            source_name: name_str,
            width,
            kind: VarKind::Bits,
            range,
        });
    }
    if signals.is_empty() {
        return Err(TraceError::syntax(
            path,
            header_line,
            "at least one probe column after `Sample in Buffer`",
            line_for(&names, delim),
        ));
    }

    // Optional radix row.
    let mut radixes: Vec<Option<Radix>> = vec![None; names.len()];
    let mut notes = Vec::new();
    match input.next_nonblank()? {
        None => {
            return Err(TraceError::syntax(
                path,
                header_line + 1,
                "at least one data row after the header",
                b"",
            ))
        }
        Some(l) if l.len() >= 5 && l[..5].eq_ignore_ascii_case(b"radix") => {
            let rest = l
                .iter()
                .position(|&c| c == b'-')
                .map(|p| &l[p + 1..])
                .unwrap_or(&l[5..]);
            let entries = split_header(rest, delim);
            let gap_col = lower.iter().position(|n| n == b"gap");
            let aligned: Vec<Option<Vec<u8>>> = if entries.len() == names.len() {
                entries.into_iter().map(Some).collect()
            } else if entries.len() + 1 == names.len() && gap_col.is_some() {
                // ChipScoPy leaves the GAP column out of the radix row.
                let g = gap_col.unwrap_or(0);
                let mut v: Vec<Option<Vec<u8>>> = entries.into_iter().map(Some).collect();
                v.insert(g, None);
                v
            } else {
                return Err(input.error(
                    format!("a radix row with {} entries like the header", names.len()),
                    input.current(),
                ));
            };
            for (col, entry) in aligned.into_iter().enumerate() {
                if let Some(e) = entry {
                    radixes[col] = Some(Radix::from_name(&e).ok_or_else(|| {
                        input.error(
                            format!(
                                "a radix (HEX, BINARY, UNSIGNED, SIGNED) in column {}",
                                col + 1
                            ),
                            &e,
                        )
                    })?);
                }
            }
            notes.push("radix row present".to_string());
        }
        Some(_) => {
            input.unread();
            notes.push("no radix row: probe values read as HEX".to_string());
        }
    }

    let mut columns = vec![ColumnRole::Skip; names.len()];
    for &(col, sig) in &probe_cols {
        let width = signals[sig].width;
        let radix = match radixes[col] {
            Some(r) => r,
            None if width == 1 => Radix::Bit,
            None => Radix::Hex,
        };
        // A 1-bit probe in HEX is written as one hex digit; Bit reads it the same and faster.
        let radix = if width == 1 && radix == Radix::Hex {
            Radix::Bit
        } else {
            radix
        };
        columns[col] = ColumnRole::Signal {
            signal: sig as u32,
            radix,
            width,
        };
    }
    let (time_base, period, timescale_text) = match opts.sample_period_fs {
        Some(p) => (
            TimeBase::Femtoseconds,
            Some((p, 1)),
            Some(format!("sample period {p} fs (given)")),
        ),
        None => (TimeBase::Samples, None, Some("1 sample".to_string())),
    };
    let spec = TableSpec {
        header: Header {
            signals,
            time_base,
            timescale_text,
            notes,
        },
        delimiter: delim,
        columns,
        time: TimeMode::Index { col: 0, period },
        warnings: Warnings::default(),
    };
    TableSource::new(input, spec)
}

fn line_for(names: &[Vec<u8>], delim: u8) -> Vec<u8> {
    names.join(&delim)
}
