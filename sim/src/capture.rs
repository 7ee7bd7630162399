//! A capture as the analysis sees it: changes keyed by canonical MIG name (see
//! `migcal_traces::names`), whatever file format or hierarchy they came from.

use migcal_traces::{Time, TimeBase, Value};
use std::collections::BTreeMap;

/// The loaded signals of one capture, under canonical MIG names (`tap_logic/dlyce_dqs`,
/// `tap_ctrl[0]/tap_count`, `pins/cs_n`...).
#[derive(Debug, Clone)]
pub struct Capture {
    /// Where it came from (a file name, or `model` for a simulated run).
    pub source: String,
    /// What times count.
    pub time_base: TimeBase,
    /// The last time the capture covers.
    pub end_time: Time,
    /// Canonical name -> changes in time order (only real changes).
    pub signals: BTreeMap<String, Vec<(Time, Value)>>,
}

/// One bit's value over time: `b'0'`, `b'1'`, `b'x'`, `b'z'`.
pub type BitChanges = Vec<(Time, u8)>;

impl Capture {
    /// An empty capture.
    pub fn new(source: impl Into<String>, time_base: TimeBase) -> Capture {
        Capture { source: source.into(), time_base, end_time: 0, signals: BTreeMap::new() }
    }

    /// Adds (or replaces) a signal's changes.
    pub fn insert(&mut self, name: impl Into<String>, changes: Vec<(Time, Value)>) {
        if let Some((t, _)) = changes.last() {
            self.end_time = self.end_time.max(*t);
        }
        self.signals.insert(name.into(), changes);
    }

    /// True when the capture has `name`, or every bit of it is not needed: a bus `name` or a bit
    /// `name[i]` both count for `has("name")`.
    pub fn has(&self, name: &str) -> bool {
        self.signals.contains_key(name) || self.signals.keys().any(|k| bit_base(k) == Some(name))
    }

    /// The changes of a whole signal.
    pub fn get(&self, name: &str) -> Option<&[(Time, Value)]> {
        self.signals.get(name).map(|v| v.as_slice())
    }

    /// The changes of one bit: `name[i]` when the capture has it bit-blasted, else bit `i` of the
    /// bus `name`. Repeated values are dropped.
    pub fn bit(&self, name: &str, i: u32) -> Option<BitChanges> {
        if let Some(v) = self.signals.get(&format!("{name}[{i}]")) {
            return Some(dedup(v.iter().map(|(t, v)| (*t, v.bit(0).unwrap_or(b'x')))));
        }
        if i == 0 {
            if let Some(v) = self.signals.get(name) {
                if v.iter().all(|(_, v)| v.width() == 1) {
                    return Some(dedup(v.iter().map(|(t, v)| (*t, v.bit(0).unwrap_or(b'x')))));
                }
            }
        }
        let v = self.signals.get(name)?;
        if v.iter().all(|(_, v)| v.width() <= i) {
            return None;
        }
        Some(dedup(v.iter().map(|(t, v)| (*t, v.bit(i).unwrap_or(b'x')))))
    }

    /// The integer value over time (`None` while any bit is x/z).
    pub fn ints(&self, name: &str) -> Option<Vec<(Time, Option<u64>)>> {
        let v = self.signals.get(name)?;
        let mut out: Vec<(Time, Option<u64>)> = Vec::with_capacity(v.len());
        for (t, val) in v {
            let x = match val {
                Value::Real(r) if r.is_finite() && *r >= 0.0 => Some(*r as u64),
                _ => val.to_u64(),
            };
            if out.last().map(|(_, p)| *p != x).unwrap_or(true) {
                out.push((*t, x));
            }
        }
        Some(out)
    }

    /// The integer value of `name` at time `t`.
    pub fn int_at(&self, name: &str, t: Time) -> Option<u64> {
        let v = self.ints(name)?;
        let i = v.partition_point(|(ct, _)| *ct <= t);
        i.checked_sub(1).and_then(|i| v[i].1)
    }
}

/// `dlyce_dqs` for `dlyce_dqs[3]`.
fn bit_base(name: &str) -> Option<&str> {
    let open = name.rfind('[')?;
    name.ends_with(']').then_some(&name[..open])
}

fn dedup(it: impl Iterator<Item = (Time, u8)>) -> BitChanges {
    let mut out: BitChanges = Vec::new();
    for (t, b) in it {
        if out.last().map(|(_, p)| *p != b).unwrap_or(true) {
            out.push((t, b));
        }
    }
    out
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
