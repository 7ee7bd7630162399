//! Generic probe tables: a time or sample column plus one column per channel.
//!
//! The time column is found by its name (`time`, `t`, `time_ns`, `time [us]`, `t(ps)`,
//! `timestamp`, `sample`, `index`, ...); a time without a unit is read as seconds, with a note.
//! Channels hold bits (`0`,`1`,`x`,`z`) or, for a `name[msb:lsb]` bus, decimal, `0x` hex or `0b`
//! binary values. The delimiter (`,`, `;` or tab) is taken from the header line.

use super::columns::{parse_bus_name, parse_time_column_name, TimeColumnKind};
use super::lines::{check_unique, guess_delimiter, split_header, LineInput};
use super::spec::{Clock, SpecBuilder};
use super::table::{CsvOptions, TableSource, TimeMode};
use super::value::Radix;
use crate::{SignalInfo, TimeBase, TraceError, Warnings};
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
    let mut spec = SpecBuilder::new(names.len());
    for (col, name) in names.iter().enumerate() {
        if col != time_col {
            spec.named_column(&input, col, name, "column", |_| Radix::Auto)?;
        }
    }
    if spec.signals().is_empty() {
        return Err(input.error("at least one channel column besides the time", &line));
    }
    let mut warnings = Warnings::default();
    let mut notes = Vec::new();
    let clock = match kind {
        TimeColumnKind::Index => Clock::samples(opts, |period| TimeMode::Index {
            col: time_col,
            period,
        }),
        TimeColumnKind::Decimal { exp10, unit_stated } => {
            if !unit_stated {
                warnings.note("time column has no unit; read as seconds");
                notes.push("time column has no unit; read as seconds".to_string());
            }
            if opts.sample_period_fs.is_some() {
                warnings.note("sample period ignored: the time column has real times");
            }
            Clock::femtoseconds(
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
    TableSource::new(input, spec.finish(delim, clock, notes, warnings))
}

/// Writes a trace as a generic CSV table that [`open`] reads back exactly: a `time [fs]` (or
/// `sample`) column, then one column per signal; one row per instant at which anything changes,
/// holding every signal's current value (`x` before its first change). Bits are written as
/// `0`/`1`/`x`/`z` for 1-bit signals and `0b...` for buses, so 4-state values survive. Meant for
/// `migcal convert`.
pub struct GenericCsvWriter<W: std::io::Write> {
    out: csv::Writer<W>,
    widths: Vec<u32>,
    /// Current value of every signal, as the cell text.
    cells: Vec<Vec<u8>>,
    time: Option<crate::Time>,
    dirty: bool,
    rows: u64,
}

impl<W: std::io::Write> GenericCsvWriter<W> {
    /// Starts the table and writes the header row. A bus without a declared range gets
    /// `[width-1:0]` appended to its name so the width is read back.
    pub fn new(out: W, time_base: TimeBase, signals: &[SignalInfo]) -> std::io::Result<Self> {
        let mut out = csv::WriterBuilder::new().from_writer(out);
        let mut header: Vec<String> = vec![match time_base {
            TimeBase::Femtoseconds => "time [fs]".to_string(),
            TimeBase::Samples => "sample".to_string(),
        }];
        for s in signals {
            let has_range = parse_bus_name(&s.source_name)
                .map(|(r, w)| r.is_some() && w == s.width)
                .unwrap_or(false);
            header.push(if s.width > 1 && !has_range {
                format!("{}[{}:0]", s.source_name, s.width - 1)
            } else {
                s.source_name.clone()
            });
        }
        out.write_record(&header).map_err(csv_io)?;
        Ok(GenericCsvWriter {
            out,
            widths: signals.iter().map(|s| s.width).collect(),
            cells: signals
                .iter()
                .map(|s| {
                    if s.width == 1 {
                        b"x".to_vec()
                    } else {
                        [&b"0b"[..], &vec![b'x'; s.width as usize]].concat()
                    }
                })
                .collect(),
            time: None,
            dirty: false,
            rows: 0,
        })
    }

    /// Records a change. Times must not decrease; only bit values of the signal's width are
    /// accepted (CSV has no reals or strings).
    pub fn change(
        &mut self,
        time: crate::Time,
        signal: crate::SignalId,
        value: crate::ValueRef<'_>,
    ) -> std::io::Result<()> {
        let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
        if let Some(t) = self.time {
            if time < t {
                return Err(invalid(format!("time goes backwards: {time} after {t}")));
            }
            if time > t && self.dirty {
                self.write_row()?;
            }
        }
        self.time = Some(time);
        let width = *self
            .widths
            .get(signal as usize)
            .ok_or_else(|| invalid(format!("no signal {signal}")))?;
        let crate::ValueRef::Bits(bits) = value else {
            return Err(invalid("a CSV table holds bit values only".into()));
        };
        if bits.len() != width as usize || !bits.iter().all(|b| b"01xz".contains(b)) {
            return Err(invalid(format!(
                "signal {signal}: {width} bits of 0/1/x/z expected"
            )));
        }
        let cell = &mut self.cells[signal as usize];
        cell.clear();
        if width > 1 {
            cell.extend_from_slice(b"0b");
        }
        cell.extend_from_slice(bits);
        self.dirty = true;
        Ok(())
    }

    fn write_row(&mut self) -> std::io::Result<()> {
        let t = self.time.unwrap_or(0).to_string();
        self.out
            .write_field(t.as_bytes())
            .and_then(|()| {
                self.cells
                    .iter()
                    .try_for_each(|c| self.out.write_field(c.as_slice()))
            })
            .and_then(|()| self.out.write_record(None::<&[u8]>))
            .map_err(csv_io)?;
        self.dirty = false;
        self.rows += 1;
        Ok(())
    }

    /// Writes the last row and flushes; returns the output. A trace without any change still
    /// gets one all-`x` row at its time (0 when none was seen), since a table needs a data row.
    pub fn finish(mut self) -> std::io::Result<W> {
        if self.dirty || self.rows == 0 {
            self.write_row()?;
        }
        self.out
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
