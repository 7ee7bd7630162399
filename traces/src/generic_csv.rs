//! Generic probe tables: a time or sample column plus one column per channel.
//!
//! The time column is found by its name (`time`, `t`, `time_ns`, `time [us]`, `t(ps)`,
//! `timestamp`, `sample`, `index`, ...); a time without a unit is read as seconds, with a note.
//! Channels hold bits (`0`,`1`,`x`,`z`) or, for a `name[msb:lsb]` bus, decimal, `0x` hex or `0b`
//! binary values. The delimiter (`,`, `;` or tab) is taken from the header line.

use crate::csv_common::{
    check_unique, guess_delimiter, parse_bus_name, parse_time_column_name, split_header,
    ColumnRole, CsvOptions, LineInput, Radix, TableSource, TableSpec, TimeColumnKind, TimeMode,
};
use crate::{Header, SignalInfo, TimeBase, TraceError, VarKind, Warnings};
use std::path::Path;

/// Opens a generic CSV table. [`CsvOptions::sample_period_fs`] scales a sample column; a time
/// column with a unit keeps its own times.
pub fn open(path: &Path, opts: &CsvOptions) -> Result<TableSource, TraceError> {
    let mut input = LineInput::open(path)?;
    let expected = "a header with a time or sample column (time [ns], t, sample, index, ...)";
    let Some(line) = input.next_nonblank()? else {
        return Err(input.error(expected, b""));
    };
    let line = line.to_vec();
    let delim = guess_delimiter(&line);
    let names = split_header(&line, delim);
    check_unique(&input, &names)?;
    let lower: Vec<Vec<u8>> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    let Some((time_col, kind)) = lower
        .iter()
        .enumerate()
        .find_map(|(i, n)| parse_time_column_name(n).map(|k| (i, k)))
    else {
        return Err(input.error(expected, &line));
    };
    let mut signals = Vec::new();
    let mut columns = vec![ColumnRole::Skip; names.len()];
    for (col, name) in names.iter().enumerate() {
        if col == time_col {
            continue;
        }
        let name = String::from_utf8(name.clone())
            .map_err(|_| input.error("a UTF-8 column name", name))?;
        let (range, width) =
            parse_bus_name(&name).map_err(|expected| input.error(expected, &name))?;
        columns[col] = ColumnRole::Signal {
            signal: signals.len() as u32,
            radix: Radix::Auto,
            width,
        };
        signals.push(SignalInfo {
            source_name: name,
            width,
            kind: VarKind::Bits,
            range,
        });
    }
    if signals.is_empty() {
        return Err(input.error("at least one channel column besides the time", &line));
    }
    let mut warnings = Warnings::default();
    let mut notes = Vec::new();
    let (time_base, time, timescale_text) = match kind {
        TimeColumnKind::Index => match opts.sample_period_fs {
            Some(p) => (
                TimeBase::Femtoseconds,
                TimeMode::Index {
                    col: time_col,
                    period: Some((p, 1)),
                },
                Some(format!("sample period {p} fs (given)")),
            ),
            None => (
                TimeBase::Samples,
                TimeMode::Index {
                    col: time_col,
                    period: None,
                },
                Some("1 sample".to_string()),
            ),
        },
        TimeColumnKind::Decimal { exp10, unit_stated } => {
            if !unit_stated {
                warnings.note("time column has no unit; read as seconds");
                notes.push("time column has no unit; read as seconds".to_string());
            }
            if opts.sample_period_fs.is_some() {
                warnings.note("sample period ignored: the time column has real times");
            }
            (
                TimeBase::Femtoseconds,
                TimeMode::Decimal {
                    col: time_col,
                    exp10,
                    offset_fs: 0,
                },
                Some(format!(
                    "column {}",
                    String::from_utf8_lossy(&names[time_col])
                )),
            )
        }
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
        time,
        warnings,
    };
    TableSource::new(input, spec)
}
