//! The one streaming table engine every CSV reader feeds: [`TableSpec`] (what a format decided
//! from its header) in, [`TableSource`] (a [`ChangeSource`]) out.

use super::lines::{LineInput, LineLimit, LineTooLong, MAX_DATA_LINE};
use super::value::{bit_char, parse_decimal_fs, parse_u64, parse_value, Radix};
use crate::{ChangeRef, ChangeSource, Header, SignalId, Time, TraceError, ValueRef, Warnings};
use std::io::BufRead;
use std::path::PathBuf;

/// Options for sample-indexed captures.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Sample period in femtoseconds; overrides a rate stated in the file.
    pub sample_period_fs: Option<u64>,
}

/// How a table's row times are found.
#[derive(Debug, Clone, Copy)]
pub(super) enum TimeMode {
    /// No time column: the row's position (0, 1, 2, ...) times `period` (fs as num/den), or the
    /// position itself when there is no period.
    RowIndex { period: Option<(u64, u64)> },
    /// An integer sample-index column, scaled by `period` when there is one.
    Index {
        col: usize,
        period: Option<(u64, u64)>,
    },
    /// A decimal time column in units of 10^`exp10` fs, plus `offset_fs` (sigrok's one-period
    /// lead).
    Decimal {
        col: usize,
        exp10: u32,
        offset_fs: i128,
    },
}

/// What one field of a data row is.
#[derive(Debug, Clone, Copy)]
pub(super) enum ColumnRole {
    /// Not read (ILA `Sample in Window`, a time column already used).
    Skip,
    /// A signal: its id, value radix and width.
    Signal {
        signal: SignalId,
        radix: Radix,
        width: u32,
    },
}

/// Everything a format module decided from its header lines.
pub(super) struct TableSpec {
    /// Header handed to callers.
    pub header: Header,
    /// Field delimiter of the data rows.
    pub delimiter: u8,
    /// One role per field; rows must have exactly this many fields.
    pub columns: Vec<ColumnRole>,
    /// Where row times come from.
    pub time: TimeMode,
    /// Warnings already collected while reading the header.
    pub warnings: Warnings,
}

/// The streaming engine shared by every CSV reader.
pub struct TableSource {
    path: PathBuf,
    header: Header,
    reader: csv::Reader<LineLimit<Box<dyn BufRead + Send>>>,
    record: csv::ByteRecord,
    /// Lines consumed before the csv reader took over.
    line_offset: u64,
    columns: Vec<ColumnRole>,
    delimiter: u8,
    time_mode: TimeMode,
    warnings: Warnings,
    /// Per signal: offset into `values`.
    offsets: Vec<usize>,
    /// Current value of every signal, concatenated.
    values: Vec<u8>,
    scratch: Vec<u8>,
    wanted: Vec<bool>,
    /// Column indexes whose change is still to be handed out for the current row.
    pending: Vec<usize>,
    pending_pos: usize,
    time: Time,
    /// Time of the previous row in the file's own unit, for messages and the ordering check.
    prev_raw: Option<i128>,
    /// Added to every decimal time so a capture starting before 0 (Saleae pre-trigger) fits u64.
    shift_fs: i128,
    row_index: u64,
    have_prefetched: bool,
    done: bool,
    /// False for change-per-row exports ([`ChangeSource::end_known`]).
    end_known: bool,
    /// Shortest time between two rows ([`ChangeSource::min_sample_gap`]).
    min_row_gap: Option<Time>,
}

impl TableSource {
    /// Takes over `input` after the format's header lines and reads the first data row, so a
    /// header-only file fails here.
    pub(super) fn new(input: LineInput, spec: TableSpec) -> Result<TableSource, TraceError> {
        let (path, rd, line_offset) = input.into_rest();
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(spec.delimiter)
            .from_reader(LineLimit::new(rd, line_offset + 1, MAX_DATA_LINE));
        let mut offsets = Vec::with_capacity(spec.header.signals.len());
        let mut total = 0usize;
        for s in &spec.header.signals {
            offsets.push(total);
            total += s.width as usize;
        }
        let mut src = TableSource {
            path,
            wanted: vec![true; spec.header.signals.len()],
            header: spec.header,
            reader,
            record: csv::ByteRecord::new(),
            line_offset,
            columns: spec.columns,
            delimiter: spec.delimiter,
            time_mode: spec.time,
            warnings: spec.warnings,
            offsets,
            values: vec![b'x'; total],
            scratch: Vec::new(),
            pending: Vec::new(),
            pending_pos: 0,
            time: 0,
            prev_raw: None,
            shift_fs: 0,
            row_index: 0,
            have_prefetched: false,
            done: false,
            end_known: true,
            min_row_gap: None,
        };
        let mut more = src.read_record()?;
        while more && src.is_blank_record() {
            more = src.read_record()?;
        }
        if !more {
            return Err(TraceError::syntax(
                &src.path,
                src.line_offset + 1,
                "at least one data row after the header",
                b"",
            ));
        }
        src.have_prefetched = true;
        Ok(src)
    }

    /// Marks the export as one row per change: its last row is the last change, not the end of
    /// the capture.
    pub(super) fn rows_are_changes(mut self) -> TableSource {
        self.end_known = false;
        self
    }

    /// Field `col` of the current row, trimmed of blanks (Saleae's `, ` separators). Trimming
    /// here rather than with `csv::Trim::All`, which rebuilds the whole record on every row.
    fn field(&self, col: usize) -> &[u8] {
        self.record.get(col).unwrap_or(b"").trim_ascii()
    }

    /// A line of only blanks (the csv crate skips empty lines but not `"   "`).
    fn is_blank_record(&self) -> bool {
        self.record.len() == 1 && self.field(0).is_empty() && self.columns.len() > 1
    }

    fn line(&self) -> u64 {
        self.line_offset + self.record.position().map_or(1, |p| p.line())
    }

    fn read_record(&mut self) -> Result<bool, TraceError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(more) => Ok(more),
            Err(e) => {
                let line = self.line_offset + e.position().map_or(1, |p| p.line());
                match e.into_kind() {
                    csv::ErrorKind::Io(source) => match too_long(&source) {
                        Some(t) => Err(TraceError::syntax(
                            &self.path,
                            t.line,
                            format!("a data line of at most {} bytes", t.limit),
                            format!("a line of more than {} bytes", t.limit),
                        )),
                        None => Err(TraceError::Io {
                            path: self.path.clone(),
                            source,
                        }),
                    },
                    other => Err(TraceError::syntax(
                        &self.path,
                        line,
                        "a well-formed CSV row",
                        format!("{other:?}"),
                    )),
                }
            }
        }
    }
}

/// The line-length error inside an I/O error from [`LineLimit`], if that is what it is.
fn too_long(e: &std::io::Error) -> Option<&LineTooLong> {
    e.get_ref().and_then(|e| e.downcast_ref::<LineTooLong>())
}

impl TableSource {
    fn row_error(&self, col: usize, expected: impl Into<String>) -> TraceError {
        let found = self.field(col);
        TraceError::syntax(
            &self.path,
            self.line(),
            format!("{} in column {}", expected.into(), col + 1),
            found,
        )
    }

    fn row_time(&mut self) -> Result<(), TraceError> {
        let row = self.row_index;
        let scaled = |idx: u64, period: Option<(u64, u64)>, w: &mut Warnings| -> Option<u64> {
            match period {
                None => Some(idx),
                Some((num, den)) if num % den == 0 => idx.checked_mul(num / den),
                Some((num, den)) => {
                    let p = u128::from(idx) * u128::from(num);
                    let q = p / u128::from(den);
                    let r = p % u128::from(den);
                    if r != 0 {
                        w.fractional_times_rounded += 1;
                    }
                    let q = if r * 2 >= u128::from(den) { q + 1 } else { q };
                    u64::try_from(q).ok()
                }
            }
        };
        let (raw, time) = match self.time_mode {
            TimeMode::RowIndex { period } => {
                let t = scaled(row, period, &mut self.warnings)
                    .ok_or_else(|| self.row_error(0, "a time below 2^64 fs"))?;
                (i128::from(row), t)
            }
            TimeMode::Index { col, period } => {
                let idx = parse_u64(self.field(col))
                    .ok_or_else(|| self.row_error(col, "a sample index (unsigned integer)"))?;
                let t = scaled(idx, period, &mut self.warnings)
                    .ok_or_else(|| self.row_error(col, "a time below 2^64 fs"))?;
                (i128::from(idx), t)
            }
            TimeMode::Decimal {
                col,
                exp10,
                offset_fs,
            } => {
                let (fs, rounded) = parse_decimal_fs(self.field(col), exp10)
                    .ok_or_else(|| self.row_error(col, "a decimal time"))?;
                let fs = fs + offset_fs;
                if rounded {
                    self.warnings.fractional_times_rounded += 1;
                }
                if self.prev_raw.is_none() && fs < 0 {
                    self.shift_fs = -fs;
                    self.warnings.note(format!(
                        "capture starts at a negative time; all times shifted by +{} fs so the first row is at 0",
                        -fs
                    ));
                }
                let t = u64::try_from(fs + self.shift_fs)
                    .map_err(|_| self.row_error(col, "a time between 0 and 2^64 fs"))?;
                (fs, t)
            }
        };
        if let Some(prev) = self.prev_raw {
            if raw < prev {
                // Sample indexes are reported as written; decimal times in fs, the unit both
                // values share after conversion.
                let (previous, found) = match self.time_mode {
                    TimeMode::Decimal { .. } => (format!("{prev} fs"), format!("{raw} fs")),
                    _ => (prev.to_string(), raw.to_string()),
                };
                return Err(TraceError::TimeBackwards {
                    at: crate::Location {
                        file: self.path.clone(),
                        line: self.line(),
                    },
                    previous,
                    found,
                });
            }
        }
        if self.prev_raw.is_some() && time > self.time {
            let gap = time - self.time;
            self.min_row_gap = Some(self.min_row_gap.map_or(gap, |g| g.min(gap)));
        }
        self.prev_raw = Some(raw);
        self.time = time;
        Ok(())
    }

    fn process_row(&mut self) -> Result<(), TraceError> {
        if self.record.len() != self.columns.len() {
            let found = self.record.iter().collect::<Vec<_>>().join(&self.delimiter);
            return Err(TraceError::syntax(
                &self.path,
                self.line(),
                format!(
                    "{} fields like the header, not {}",
                    self.columns.len(),
                    self.record.len()
                ),
                found,
            ));
        }
        self.row_time()?;
        self.pending.clear();
        self.pending_pos = 0;
        let first = self.row_index == 0;
        for col in 0..self.columns.len() {
            let ColumnRole::Signal {
                signal,
                radix,
                width,
            } = self.columns[col]
            else {
                continue;
            };
            if !self.wanted[signal as usize] {
                continue;
            }
            let field = self.record.get(col).unwrap_or(b"").trim_ascii();
            let off = self.offsets[signal as usize];
            if radix == Radix::Bit && field.len() == 1 {
                // Fast path for the common one-character bit: no scratch copy.
                if let Some(b) = bit_char(field[0]) {
                    if first || self.values[off] != b {
                        self.values[off] = b;
                        self.pending.push(col);
                    }
                    continue;
                }
            }
            let mut scratch = std::mem::take(&mut self.scratch);
            let res = parse_value(field, radix, width, &mut scratch);
            if let Err(expected) = res {
                self.scratch = scratch;
                let name = &self.header.signals[signal as usize].source_name;
                return Err(self.row_error(col, format!("{expected} for {name}")));
            }
            let cur = &mut self.values[off..off + width as usize];
            if first || cur != scratch.as_slice() {
                cur.copy_from_slice(&scratch);
                self.pending.push(col);
            }
            self.scratch = scratch;
        }
        self.row_index += 1;
        Ok(())
    }
}

impl ChangeSource for TableSource {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        self.wanted.iter_mut().for_each(|w| *w = false);
        for &s in wanted {
            if let Some(w) = self.wanted.get_mut(s as usize) {
                *w = true;
            }
        }
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, TraceError> {
        loop {
            if self.pending_pos < self.pending.len() {
                let col = self.pending[self.pending_pos];
                self.pending_pos += 1;
                let ColumnRole::Signal { signal, width, .. } = self.columns[col] else {
                    continue;
                };
                let off = self.offsets[signal as usize];
                return Ok(Some(ChangeRef {
                    time: self.time,
                    signal,
                    value: ValueRef::Bits(&self.values[off..off + width as usize]),
                }));
            }
            if self.done {
                return Ok(None);
            }
            if self.have_prefetched {
                self.have_prefetched = false;
            } else if !self.read_record()? {
                self.done = true;
                return Ok(None);
            }
            if self.is_blank_record() {
                continue;
            }
            if let Err(e) = self.process_row() {
                self.done = true;
                return Err(e);
            }
        }
    }

    fn last_time(&self) -> Time {
        self.time
    }

    fn end_known(&self) -> bool {
        self.end_known
    }

    fn min_sample_gap(&self) -> Option<Time> {
        self.min_row_gap
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }
}
