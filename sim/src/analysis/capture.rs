//! A capture as the analysis sees it: a [`MigTrace`] (changes under canonical MIG names, see
//! `migcal_traces::names`), whatever file format or hierarchy it came from, with the bit and
//! integer views the analysis folds over.

use migcal_traces::names::{Mapping, MigTrace, NameMap};
use migcal_traces::sniff::{self, OpenOptions};
use migcal_traces::{ChangeSource, Time, TimeBase, TraceError, Value};
use std::path::Path;

/// Changes kept per signal (the first and last halves): long captures of a stalled controller
/// toggle `clk_cnt_rise` every cycle for ever, and memory must not grow with the file.
pub const HISTORY_CAP: usize = 1 << 15;

/// One bit's value over time: `b'0'`, `b'1'`, `b'x'`, `b'z'`.
pub type BitChanges = Vec<(Time, u8)>;

/// The loaded signals of one capture under canonical MIG names.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Where it came from (a file name, or `model` for a simulated run).
    pub source: String,
    /// The canonical view.
    pub mig: MigTrace,
    /// How the capture's own names were bound (for `missing` and reports).
    pub map: NameMap,
    /// Canonical signals hidden from the analysis because the capture's sampling cannot resolve
    /// them ([`Capture::blinded`]).
    blind: Vec<String>,
}

impl Capture {
    /// Reads a capture file of any supported format and binds its names.
    pub fn open(
        path: &Path,
        opts: &OpenOptions,
        mapping: Option<&Mapping>,
    ) -> Result<Capture, TraceError> {
        let src = sniff::open(path, opts)?;
        Capture::from_source(path.display().to_string(), src, mapping)
    }

    /// Binds and loads a change source (a reader, or the model's trace stream).
    pub fn from_source(
        source: String,
        src: Box<dyn ChangeSource + Send>,
        mapping: Option<&Mapping>,
    ) -> Result<Capture, TraceError> {
        Capture::from_source_only(source, src, mapping, None)
    }

    /// Like [`Capture::from_source`], keeping only the `wanted` names (canonical, bare or bit
    /// selections): what a probe dump of a few nets gives. With `None`, the signals the
    /// analysis reads ([`crate::analysis::reads`]).
    pub fn from_source_only(
        source: String,
        src: Box<dyn ChangeSource + Send>,
        mapping: Option<&Mapping>,
        wanted: Option<&[&str]>,
    ) -> Result<Capture, TraceError> {
        let map = NameMap::build(src.header(), mapping)?;
        match wanted {
            Some(w) => {
                let mig = MigTrace::load_capped(src, &map, Some(w), HISTORY_CAP)?;
                Ok(Capture {
                    source,
                    mig,
                    map,
                    blind: Vec::new(),
                })
            }
            None => Capture::with_map(source, src, map),
        }
    }

    /// Loads a change source whose names are already bound, keeping the signals the analysis
    /// reads, at most [`HISTORY_CAP`] changes each.
    pub fn with_map(
        source: String,
        src: Box<dyn ChangeSource + Send>,
        map: NameMap,
    ) -> Result<Capture, TraceError> {
        let names: Vec<String> = map
            .bindings()
            .iter()
            .map(|b| b.name.clone())
            .filter(|n| super::reads::reads(n))
            .collect();
        let wanted: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
        let mig = MigTrace::load_capped(src, &map, Some(&wanted), HISTORY_CAP)?;
        Ok(Capture {
            source,
            mig,
            map,
            blind: Vec::new(),
        })
    }

    /// Signals whose history was cut in the middle (name, changes not kept).
    pub fn elided(&self) -> Vec<(String, u64)> {
        self.mig
            .names()
            .zip(&self.mig.trace.elided)
            .filter(|(_, n)| **n > 0)
            .map(|(s, n)| (s.to_string(), *n))
            .collect()
    }

    /// The user's word for where the capture ends (`--capture-end`): the analysis then reasons
    /// about absence up to `end`, also in a change-per-row export that stops at its last change.
    pub fn set_capture_end(&mut self, end: Time) {
        self.mig.trace.end_time = self.mig.trace.end_time.max(end);
        self.mig.trace.end_known = true;
    }

    /// Does the capture say where it ends (see `ChangeSource::end_known`)?
    pub fn end_known(&self) -> bool {
        self.mig.trace.end_known
    }

    /// The shortest time between two successive changes: an upper bound of the sample period.
    pub fn min_change_gap(&self) -> Option<Time> {
        self.mig.trace.min_change_gap
    }

    /// A copy that hides every loaded signal `hide` picks (canonical names): a net sampled too
    /// slowly to show what the analysis reads from it must not be read at all.
    pub fn blinded(&self, hide: impl Fn(&str) -> bool) -> (Capture, Vec<String>) {
        let hidden: Vec<String> = self
            .mig
            .names()
            .filter(|n| hide(n))
            .map(|n| n.to_string())
            .collect();
        let mut c = self.clone();
        c.blind.extend(hidden.iter().cloned());
        (c, hidden)
    }

    fn hidden(&self, name: &str) -> bool {
        self.blind.iter().any(|b| {
            b == name
                || b.strip_prefix(name).is_some_and(|r| r.starts_with('['))
                || name
                    .strip_prefix(b.as_str())
                    .is_some_and(|r| r.starts_with('['))
        })
    }

    /// What times count.
    pub fn time_base(&self) -> TimeBase {
        self.mig.trace.header.time_base
    }

    /// The last time the capture covers.
    pub fn end_time(&self) -> Time {
        self.mig.end_time()
    }

    /// True when the capture has `name` (whole, or as a bit of a loaded bus).
    pub fn has(&self, name: &str) -> bool {
        if self.hidden(name) {
            return false;
        }
        self.mig.has(name)
            || self
                .mig
                .names()
                .any(|n| n.strip_prefix(name).is_some_and(|r| r.starts_with('[')))
    }

    /// The changes of a whole signal.
    pub fn get(&self, name: &str) -> Option<Vec<(Time, Value)>> {
        if self.hidden(name) {
            return None;
        }
        self.mig.changes(name).ok().flatten()
    }

    /// The changes of bit `i` of `name` (or of `name` itself when it is one bit and `i` = 0).
    pub fn bit(&self, name: &str, i: u32) -> Option<BitChanges> {
        let v = self.get(&format!("{name}[{i}]")).or_else(|| {
            let v = self.get(name)?;
            (i == 0 && v.iter().all(|(_, v)| v.width() == 1)).then_some(v)
        })?;
        let mut out: BitChanges = Vec::with_capacity(v.len());
        for (t, val) in v {
            let b = val.bit(0).unwrap_or(b'x');
            if out.last().map(|(_, p)| *p != b).unwrap_or(true) {
                out.push((t, b));
            }
        }
        Some(out)
    }

    /// The integer value over time (`None` while any bit is x/z).
    pub fn ints(&self, name: &str) -> Option<Vec<(Time, Option<u64>)>> {
        let v = self.get(name)?;
        let mut out: Vec<(Time, Option<u64>)> = Vec::with_capacity(v.len());
        for (t, val) in v {
            let x = match val {
                Value::Real(r) if r.is_finite() && r >= 0.0 => Some(r as u64),
                _ => val.to_u64(),
            };
            if out.last().map(|(_, p)| *p != x).unwrap_or(true) {
                out.push((t, x));
            }
        }
        Some(out)
    }

    /// The width of a loaded signal.
    pub fn width(&self, name: &str) -> Option<u32> {
        if self.hidden(name) {
            return None;
        }
        let s = self.mig.find(name).ok().flatten()?;
        Some(match s.bit {
            Some(_) => 1,
            None => self.mig.trace.header.signals[s.id as usize].width,
        })
    }
}

/// Times at which `bits` rises (goes to 1 from anything else).
pub fn rising_edges(bits: &[(Time, u8)]) -> Vec<Time> {
    let mut prev = b'x';
    let mut out = Vec::new();
    for &(t, b) in bits {
        if b == b'1' && prev != b'1' {
            out.push(t);
        }
        prev = b;
    }
    out
}

/// High intervals `[rise, fall)` of a bit; an interval still open at the end runs to `end`.
pub fn high_intervals(bits: &[(Time, u8)], end: Time) -> Vec<(Time, Time)> {
    let mut out = Vec::new();
    let mut start: Option<Time> = None;
    for &(t, b) in bits {
        match (b == b'1', start) {
            (true, None) => start = Some(t),
            (false, Some(s)) => {
                out.push((s, t));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, end.max(s)));
    }
    out
}

/// The value of a bit at time `t` (the last change at or before it).
pub fn bit_at(bits: &[(Time, u8)], t: Time) -> u8 {
    let i = bits.partition_point(|(ct, _)| *ct <= t);
    i.checked_sub(1).map(|i| bits[i].1).unwrap_or(b'x')
}
