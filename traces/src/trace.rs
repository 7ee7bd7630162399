//! The normalized trace: what every reader produces and every analysis consumes.
//!
//! Times are kept as integer **femtoseconds** ([`Time`]). The issue asks for picoseconds with exact
//! integer arithmetic; the GHDL goldens use a 1 fs timescale and carry stamps 1 fs after pad changes,
//! so femtoseconds is the smallest unit that keeps every real capture exact. Reports convert to ps.
//! Sample-indexed captures (ILA, logic analysers without a stated rate) use [`TimeBase::Samples`] and
//! count samples instead.

use std::fmt;

/// A point in time: femtoseconds for [`TimeBase::Femtoseconds`], sample index for [`TimeBase::Samples`].
pub type Time = u64;

/// Femtoseconds per picosecond.
pub const FS_PER_PS: u64 = 1_000;

/// Index of a signal in [`Header::signals`].
pub type SignalId = u32;

/// What the numbers in [`Time`] count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeBase {
    /// Real time in femtoseconds.
    Femtoseconds,
    /// Sample indices (no sample period known).
    Samples,
}

/// The kind of a variable, as far as the analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VarKind {
    /// A 4-state bit or vector (VCD wire/reg/integer/parameter, a CSV channel or bus).
    Bits,
    /// A VCD `real`.
    Real,
    /// A VCD `string` (GHDL/xsim enumerations).
    Str,
    /// A VCD `event`.
    Event,
}

/// One signal of a capture, under the name the capture gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignalInfo {
    /// Full hierarchical name, scopes joined with `/`, with any bit/range suffix as written
    /// (`tb/dut/tap_logic_00/dlyce_dqs[0]`, `u_ddr/dq<3>`).
    pub source_name: String,
    /// Width in bits (1 for reals, strings and events).
    pub width: u32,
    /// Kind of the variable.
    pub kind: VarKind,
    /// For a vector declared with a range (`[7:0]`, `[0:7]`), the index of the most significant
    /// (leftmost) bit and of the least significant (rightmost) bit; `None` for a scalar.
    pub range: Option<(i64, i64)>,
}

/// Everything known about a capture before its first change.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Header {
    /// The signals, indexed by [`SignalId`].
    pub signals: Vec<SignalInfo>,
    /// What [`Time`] counts.
    pub time_base: TimeBase,
    /// The file's own statement of its time unit (`1 fs`, `samplerate 1 MHz`, ...), for reports.
    pub timescale_text: Option<String>,
    /// Free-form facts the reader learned (writer version, `$date`, comments).
    pub notes: Vec<String>,
}

/// A borrowed 4-state value: the fast path readers hand out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// ASCII `0`,`1`,`x`,`z`, most significant bit first, exactly `width` characters.
    Bits(&'a [u8]),
    /// A real value.
    Real(f64),
    /// A string value.
    Str(&'a str),
}

/// An owned 4-state value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// ASCII `0`,`1`,`x`,`z`, most significant bit first, exactly `width` characters.
    Bits(Box<[u8]>),
    /// A real value.
    Real(f64),
    /// A string value.
    Str(Box<str>),
}

/// One change of one signal, borrowed from the reader's buffer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangeRef<'a> {
    /// When it happened.
    pub time: Time,
    /// Which signal changed.
    pub signal: SignalId,
    /// Its new value.
    pub value: ValueRef<'a>,
}

/// Counts of things a reader tolerated instead of failing on; reported, never hidden.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Warnings {
    /// VHDL 9-state characters folded to 4 states (`u`,`w`,`-` to `x`; `h`,`l` to `1`,`0`).
    pub nine_state_folded: u64,
    /// Timestamps that were not whole in the file's unit and were rounded to the nearest femtosecond.
    pub fractional_times_rounded: u64,
    /// Real or string variables seen and skipped or kept as opaque values.
    pub non_bit_values: u64,
    /// Other one-line notes, each at most once.
    pub notes: Vec<String>,
}

impl Warnings {
    /// True when nothing was tolerated.
    pub fn is_empty(&self) -> bool {
        self.nine_state_folded == 0
            && self.fractional_times_rounded == 0
            && self.non_bit_values == 0
            && self.notes.is_empty()
    }

    /// Adds a note once.
    pub fn note(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.notes.contains(&text) {
            self.notes.push(text);
        }
    }
}

/// A streaming reader: yields changes in non-decreasing time order with memory that does not
/// grow with the file.
pub trait ChangeSource {
    /// The capture's header.
    fn header(&self) -> &Header;
    /// Restricts the changes returned to these signals (all when never called). Readers use it
    /// to skip work; callers must still tolerate seeing only wanted signals.
    fn set_filter(&mut self, wanted: &[SignalId]);
    /// The next change, `Ok(None)` at the end of the capture.
    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, crate::TraceError>;
    /// What the reader tolerated so far.
    fn warnings(&self) -> &Warnings;
    /// The latest time the reader has reached: the last timestamp or sample row read so far,
    /// which at the end of the capture can lie after its last change (a probe whose nets went
    /// quiet still covers the time to the end of the capture).
    fn last_time(&self) -> Time {
        0
    }
    /// Does the capture say where it ends? A simulator dump or a per-sample export runs to its
    /// last timestamp or row; a change-per-row export (Saleae Logic 2 CSV) ends at its last
    /// *change*, and says nothing of the time after it, so "never changed after T" is not
    /// evidence there.
    fn end_known(&self) -> bool {
        true
    }
    /// The shortest time between two sample rows read so far, whatever changed in them, when
    /// the format has rows (a per-sample CSV: its sample period): see [`Trace::min_change_gap`].
    fn min_sample_gap(&self) -> Option<Time> {
        None
    }
    /// `(bytes of the file read so far, the file's size)`, when the reader knows them (a VCD
    /// file; compressed bytes for a gzip): what a progress bar shows. `None` by default.
    fn read_progress(&self) -> Option<(u64, u64)> {
        None
    }
    /// Whether reading this source costs enough (a file to tokenize) that a consumer should read
    /// it ahead on a thread of its own ([`crate::pipeline::Pipelined`]); `false` for sources
    /// already in memory, where a thread would cost more than it saves. Wrappers forward it.
    fn worth_reading_ahead(&self) -> bool {
        false
    }
}

impl<'a> ValueRef<'a> {
    /// Copies the value out of the reader's buffer.
    pub fn to_owned(&self) -> Value {
        match *self {
            ValueRef::Bits(b) => Value::Bits(b.into()),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Str(s) => Value::Str(s.into()),
        }
    }
}

impl Value {
    /// Borrows the value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Bits(b) => ValueRef::Bits(b),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Str(s) => ValueRef::Str(s),
        }
    }

    /// A bit vector from an unsigned integer, `width` bits wide (at most 64 significant).
    pub fn from_u64(v: u64, width: u32) -> Value {
        let bits: Vec<u8> = (0..width)
            .rev()
            .map(|i| {
                if i < 64 && (v >> i) & 1 == 1 {
                    b'1'
                } else {
                    b'0'
                }
            })
            .collect();
        Value::Bits(bits.into())
    }

    /// The unsigned integer value when every bit is 0 or 1 and the width is at most 64.
    pub fn to_u64(&self) -> Option<u64> {
        self.as_ref().to_u64()
    }

    /// Width in bits (1 for reals and strings).
    pub fn width(&self) -> u32 {
        match self {
            Value::Bits(b) => b.len() as u32,
            _ => 1,
        }
    }

    /// Bit `i` (0 = least significant) as `b'0'`,`b'1'`,`b'x'`,`b'z'`; `None` when out of range or not bits.
    pub fn bit(&self, i: u32) -> Option<u8> {
        self.as_ref().bit(i)
    }
}

impl<'a> ValueRef<'a> {
    /// The unsigned integer value when every bit is 0 or 1 and the width is at most 64.
    pub fn to_u64(&self) -> Option<u64> {
        match self {
            ValueRef::Bits(b) if b.len() <= 64 => {
                let mut v = 0u64;
                for &c in b.iter() {
                    v = (v << 1)
                        | match c {
                            b'0' => 0,
                            b'1' => 1,
                            _ => return None,
                        };
                }
                Some(v)
            }
            _ => None,
        }
    }

    /// Bit `i` (0 = least significant); `None` when out of range or not bits.
    pub fn bit(&self, i: u32) -> Option<u8> {
        match self {
            ValueRef::Bits(b) => {
                let n = b.len();
                ((i as usize) < n).then(|| b[n - 1 - i as usize])
            }
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Bits(b) => f.write_str(std::str::from_utf8(b).unwrap_or("?")),
            Value::Real(r) => write!(f, "{r}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

/// A change list held in memory, read back as a [`ChangeSource`]: how a simulation hands its
/// own trace to the analysis without writing and parsing a file. Values are stored as the
/// 4-state ASCII bits a reader would give, back to back, so a change costs no allocation.
#[derive(Debug, Clone)]
pub struct MemorySource {
    header: Header,
    /// (time, signal, end offset of the value in `bytes`) per change, in time order.
    changes: Vec<(Time, SignalId, u32)>,
    bytes: Vec<u8>,
    next: usize,
    wanted: Option<Vec<bool>>,
    end: Time,
    warnings: Warnings,
}

impl MemorySource {
    /// An empty trace of these signals (every one [`VarKind::Bits`]).
    pub fn new(header: Header) -> MemorySource {
        MemorySource {
            header,
            changes: Vec::new(),
            bytes: Vec::new(),
            next: 0,
            wanted: None,
            end: 0,
            warnings: Warnings::default(),
        }
    }

    /// Appends a change. `bits` must be exactly the signal's width of `0 1 x z`, most
    /// significant first, and times must not decrease; a violation is a caller bug, reported as
    /// an error rather than stored.
    pub fn push(
        &mut self,
        time: Time,
        signal: SignalId,
        bits: &[u8],
    ) -> Result<(), crate::TraceError> {
        // Like the VCD writer, a bad change is an invalid-input error on the output.
        let bad = |message: String| crate::TraceError::Io {
            path: std::path::PathBuf::from("<memory trace>"),
            source: std::io::Error::new(std::io::ErrorKind::InvalidInput, message),
        };
        let width = self
            .header
            .signals
            .get(signal as usize)
            .map(|s| s.width as usize)
            .ok_or_else(|| bad(format!("signal {signal} is not declared")))?;
        if bits.len() != width || !bits.iter().all(|c| matches!(c, b'0' | b'1' | b'x' | b'z')) {
            return Err(bad(format!(
                "value {:?} of signal {signal} is not {width} characters of 0 1 x z",
                String::from_utf8_lossy(bits)
            )));
        }
        if let Some(&(last, _, _)) = self.changes.last() {
            if time < last {
                return Err(bad(format!(
                    "time {time} fs is before the previous change at {last} fs"
                )));
            }
        }
        self.bytes.extend_from_slice(bits);
        self.changes.push((time, signal, self.bytes.len() as u32));
        self.end = self.end.max(time);
        Ok(())
    }

    /// Marks that the trace runs to `time` even if nothing changes there
    /// ([`ChangeSource::last_time`]).
    pub fn end_at(&mut self, time: Time) {
        self.end = self.end.max(time);
    }

    /// Number of changes held.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// True when no change is held.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

impl ChangeSource for MemorySource {
    fn header(&self) -> &Header {
        &self.header
    }

    fn set_filter(&mut self, wanted: &[SignalId]) {
        let mut w = vec![false; self.header.signals.len()];
        for &id in wanted {
            if let Some(x) = w.get_mut(id as usize) {
                *x = true;
            }
        }
        self.wanted = Some(w);
    }

    fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, crate::TraceError> {
        while let Some(&(time, signal, end)) = self.changes.get(self.next) {
            let start = match self.next {
                0 => 0,
                i => self.changes[i - 1].2 as usize,
            };
            self.next += 1;
            if self
                .wanted
                .as_ref()
                .is_some_and(|w| !w.get(signal as usize).copied().unwrap_or(false))
            {
                continue;
            }
            return Ok(Some(ChangeRef {
                time,
                signal,
                value: ValueRef::Bits(&self.bytes[start..end as usize]),
            }));
        }
        Ok(None)
    }

    fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    fn last_time(&self) -> Time {
        self.end
    }
}

/// A loaded trace: every change of the signals an analysis asked for, kept in memory.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The capture's header (all signals, including those not loaded).
    pub header: Header,
    /// Per signal, its changes in time order; empty for signals not loaded.
    pub changes: Vec<Vec<(Time, Value)>>,
    /// Time of the last change or timestamp seen in the capture.
    pub end_time: Time,
    /// What the reader tolerated.
    pub warnings: Warnings,
    /// Per signal, changes dropped from the middle by [`Trace::load_capped`] (all zero for
    /// [`Trace::load`]).
    pub elided: Vec<u64>,
    /// Does [`Trace::end_time`] mark the end of the capture ([`ChangeSource::end_known`])?
    pub end_known: bool,
    /// The shortest time between two successive changes loaded (`None` with fewer than two
    /// distinct change times): every sample instant is a multiple of the sample period, so the
    /// sample period is at most this, which bounds what the capture can resolve.
    pub min_change_gap: Option<Time>,
}

impl Trace {
    /// Drains a source into memory, keeping only `wanted` (every signal when `None`).
    pub fn load(
        src: &mut dyn ChangeSource,
        wanted: Option<&[SignalId]>,
    ) -> Result<Trace, crate::TraceError> {
        Trace::load_capped(src, wanted, usize::MAX)
    }

    /// Like [`Trace::load`], keeping at most `cap` changes per signal: the first `cap / 2` and
    /// the last `cap / 2`. What lies between is counted in [`Trace::elided`], never silently
    /// lost. Memory is then bounded by the number of signals, not by the capture's length,
    /// while the start of every activity (the tap sweeps) and the end state (a stall) are kept.
    pub fn load_capped(
        src: &mut dyn ChangeSource,
        wanted: Option<&[SignalId]>,
        cap: usize,
    ) -> Result<Trace, crate::TraceError> {
        let header = src.header().clone();
        let n = header.signals.len();
        let half = (cap / 2).max(1);
        let mut changes: Vec<Vec<(Time, Value)>> = vec![Vec::new(); n];
        let mut tails: Vec<std::collections::VecDeque<(Time, Value)>> = vec![Default::default(); n];
        let mut elided = vec![0u64; n];
        if let Some(w) = wanted {
            src.set_filter(w);
        }
        let mut end_time = 0;
        let mut min_gap: Option<Time> = None;
        let mut prev_time: Option<Time> = None;
        while let Some(c) = src.next_change()? {
            end_time = c.time;
            if let Some(p) = prev_time.filter(|p| c.time > *p) {
                min_gap = Some(min_gap.map_or(c.time - p, |g| g.min(c.time - p)));
            }
            prev_time = Some(c.time);
            let i = c.signal as usize;
            let (head, tail) = (&mut changes[i], &mut tails[i]);
            // A capture may restate a value at the same or a later time; keep only real changes so
            // edge counting is not fooled by repeated samples.
            let last = tail.back().or(head.last());
            if last.map(|(_, v)| v.as_ref() == c.value).unwrap_or(false) {
                continue;
            }
            if head.len() < half || cap == usize::MAX {
                head.push((c.time, c.value.to_owned()));
            } else {
                if tail.len() == half {
                    tail.pop_front();
                    elided[i] += 1;
                }
                tail.push_back((c.time, c.value.to_owned()));
            }
        }
        for (head, tail) in changes.iter_mut().zip(tails) {
            head.extend(tail);
        }
        Ok(Trace {
            header,
            changes,
            end_time: end_time.max(src.last_time()),
            warnings: src.warnings().clone(),
            elided,
            end_known: src.end_known(),
            min_change_gap: match (min_gap, src.min_sample_gap()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        })
    }

    /// The value of `signal` at `time` (the last change at or before it).
    pub fn value_at(&self, signal: SignalId, time: Time) -> Option<&Value> {
        let list = self.changes.get(signal as usize)?;
        let idx = list.partition_point(|(t, _)| *t <= time);
        idx.checked_sub(1).map(|i| &list[i].1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source with one change at t = 5 whose capture runs to t = 100.
    struct Quiet(Header, bool, Warnings);
    impl ChangeSource for Quiet {
        fn header(&self) -> &Header {
            &self.0
        }
        fn set_filter(&mut self, _: &[SignalId]) {}
        fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, crate::TraceError> {
            if self.1 {
                return Ok(None);
            }
            self.1 = true;
            Ok(Some(ChangeRef {
                time: 5,
                signal: 0,
                value: ValueRef::Bits(b"1"),
            }))
        }
        fn warnings(&self) -> &Warnings {
            &self.2
        }
        fn last_time(&self) -> Time {
            100
        }
    }

    #[test]
    fn memory_source_replays_filters_and_rejects_bad_changes() {
        let sig = |name: &str, width: u32| SignalInfo {
            source_name: name.into(),
            width,
            kind: VarKind::Bits,
            range: None,
        };
        let header = Header {
            signals: vec![sig("a", 1), sig("b", 3)],
            time_base: TimeBase::Femtoseconds,
            timescale_text: Some("1 fs".into()),
            notes: vec![],
        };
        let mut m = MemorySource::new(header);
        m.push(0, 0, b"0").unwrap();
        m.push(0, 1, b"x01").unwrap();
        m.push(7, 0, b"1").unwrap();
        m.end_at(50);
        assert!(m.push(3, 0, b"0").is_err(), "time going back");
        assert!(m.push(9, 1, b"01").is_err(), "wrong width");
        assert!(m.push(9, 1, b"0a1").is_err(), "not 4-state");
        assert!(m.push(9, 2, b"0").is_err(), "undeclared");
        assert_eq!(m.len(), 3);
        let t = Trace::load(&mut m.clone(), None).unwrap();
        assert_eq!(t.end_time, 50);
        assert_eq!(t.changes[1], vec![(0, Value::Bits(b"x01".to_vec().into()))]);
        assert_eq!(t.changes[0].len(), 2);
        let t = Trace::load(&mut m, Some(&[0])).unwrap();
        assert!(t.changes[1].is_empty());
        assert_eq!(t.changes[0][1], (7, Value::Bits(b"1".to_vec().into())));
    }

    #[test]
    fn load_keeps_the_capture_end_after_the_last_change() {
        let header = Header {
            signals: vec![SignalInfo {
                source_name: "a".into(),
                width: 1,
                kind: VarKind::Bits,
                range: None,
            }],
            time_base: TimeBase::Femtoseconds,
            timescale_text: None,
            notes: vec![],
        };
        let t = Trace::load(&mut Quiet(header, false, Warnings::default()), None).unwrap();
        assert_eq!(t.end_time, 100);
    }

    /// A source toggling one bit `n` times, one change per time step.
    struct Toggle(Header, u64, u64, Warnings, [u8; 1]);
    impl ChangeSource for Toggle {
        fn header(&self) -> &Header {
            &self.0
        }
        fn set_filter(&mut self, _: &[SignalId]) {}
        fn next_change(&mut self) -> Result<Option<ChangeRef<'_>>, crate::TraceError> {
            if self.1 == self.2 {
                return Ok(None);
            }
            self.1 += 1;
            self.4 = [if self.1 % 2 == 1 { b'1' } else { b'0' }];
            Ok(Some(ChangeRef {
                time: self.1,
                signal: 0,
                value: ValueRef::Bits(&self.4),
            }))
        }
        fn warnings(&self) -> &Warnings {
            &self.3
        }
    }

    #[test]
    fn capped_load_keeps_head_and_tail_and_counts_the_rest() {
        let header = Header {
            signals: vec![SignalInfo {
                source_name: "a".into(),
                width: 1,
                kind: VarKind::Bits,
                range: None,
            }],
            time_base: TimeBase::Femtoseconds,
            timescale_text: None,
            notes: vec![],
        };
        let t = Trace::load_capped(
            &mut Toggle(header, 0, 1000, Warnings::default(), [0]),
            None,
            10,
        )
        .unwrap();
        let times: Vec<Time> = t.changes[0].iter().map(|(t, _)| *t).collect();
        assert_eq!(times, [1, 2, 3, 4, 5, 996, 997, 998, 999, 1000]);
        assert_eq!(t.elided[0], 990);
        assert_eq!(t.end_time, 1000);
    }
}
