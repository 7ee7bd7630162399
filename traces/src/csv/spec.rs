//! Assembling a [`TableSpec`] from what a format read in its header lines: the signal columns
//! (name, bus range, radix) and how time is counted. Every CSV reader builds its spec here, so the
//! column and signal lists always agree and a sample clock is described the same way everywhere.

use super::columns::parse_bus_name;
use super::lines::LineInput;
use super::table::{ColumnRole, CsvOptions, TableSpec, TimeMode};
use super::value::Radix;
use crate::{Header, SignalInfo, TimeBase, TraceError, VarKind, Warnings};

/// The signal columns of a table, collected header column by header column.
pub(super) struct SpecBuilder {
    signals: Vec<SignalInfo>,
    columns: Vec<ColumnRole>,
}

impl SpecBuilder {
    /// A table of `ncols` fields per row, none of them read yet.
    pub(super) fn new(ncols: usize) -> SpecBuilder {
        SpecBuilder {
            signals: Vec::new(),
            columns: vec![ColumnRole::Skip; ncols],
        }
    }

    /// Field `col` is the signal `name` (a bus when the name ends in `[msb:lsb]` or `<msb:lsb>`),
    /// read in `radix(width)`. `what` names the column in the message for a name that is not
    /// UTF-8 (`column`, `channel`); errors are at the header line `input` stands on.
    pub(super) fn named_column(
        &mut self,
        input: &LineInput,
        col: usize,
        name: &[u8],
        what: &str,
        radix: impl Fn(u32) -> Radix,
    ) -> Result<(), TraceError> {
        let name = String::from_utf8(name.to_vec())
            .map_err(|_| input.error(format!("a UTF-8 {what} name"), name))?;
        let (range, width) =
            parse_bus_name(&name).map_err(|expected| input.error(expected, &name))?;
        self.signal(col, name, width, range, radix(width));
        Ok(())
    }

    /// Field `col` is the signal `name` of `width` bits, read in `radix`.
    pub(super) fn signal(
        &mut self,
        col: usize,
        name: String,
        width: u32,
        range: Option<(i64, i64)>,
        radix: Radix,
    ) {
        self.columns[col] = ColumnRole::Signal {
            signal: self.signals.len() as u32,
            radix,
            width,
        };
        self.signals.push(SignalInfo {
            source_name: name,
            width,
            kind: VarKind::Bits,
            range,
        });
    }

    /// The signals so far, in column order.
    pub(super) fn signals(&self) -> &[SignalInfo] {
        &self.signals
    }

    /// Re-reads signal column `col` in `radix(width)` (a radix row after the names); no effect
    /// on a column that holds no signal.
    pub(super) fn set_radix(&mut self, col: usize, radix: impl Fn(u32) -> Radix) {
        if let Some(ColumnRole::Signal {
            radix: r, width, ..
        }) = self.columns.get_mut(col)
        {
            *r = radix(*width);
        }
    }

    /// The finished spec: the signals under `clock`'s time base, rows split on `delimiter`.
    pub(super) fn finish(
        self,
        delimiter: u8,
        clock: Clock,
        notes: Vec<String>,
        warnings: Warnings,
    ) -> TableSpec {
        TableSpec {
            header: Header {
                signals: self.signals,
                time_base: clock.time_base,
                timescale_text: clock.timescale_text,
                notes,
            },
            delimiter,
            columns: self.columns,
            time: clock.mode,
            warnings,
        }
    }
}

/// How a table counts time: the mode rows are timed by, the time base it yields and the words
/// the header shows for it.
pub(super) struct Clock {
    /// Where row times come from.
    pub mode: TimeMode,
    /// The unit of those times.
    pub time_base: TimeBase,
    /// The timescale as the header shows it.
    pub timescale_text: Option<String>,
}

impl Clock {
    /// Samples counted by `mode(period)`: femtoseconds when the user gave a sample period
    /// ([`CsvOptions::sample_period_fs`]), else bare sample numbers.
    pub(super) fn samples(
        opts: &CsvOptions,
        mode: impl Fn(Option<(u64, u64)>) -> TimeMode,
    ) -> Clock {
        Clock::given_period(opts, &mode).unwrap_or(Clock {
            mode: mode(None),
            time_base: TimeBase::Samples,
            timescale_text: Some("1 sample".to_string()),
        })
    }

    /// Samples counted by `mode(period)` at the period the user gave, if any.
    pub(super) fn given_period(
        opts: &CsvOptions,
        mode: impl Fn(Option<(u64, u64)>) -> TimeMode,
    ) -> Option<Clock> {
        let p = opts.sample_period_fs?;
        Some(Clock {
            mode: mode(Some((p, 1))),
            time_base: TimeBase::Femtoseconds,
            timescale_text: Some(format!("sample period {p} fs (given)")),
        })
    }

    /// Real times in femtoseconds, as `mode` reads them.
    pub(super) fn femtoseconds(mode: TimeMode, timescale_text: Option<String>) -> Clock {
        Clock {
            mode,
            time_base: TimeBase::Femtoseconds,
            timescale_text,
        }
    }
}
