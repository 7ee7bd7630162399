//! The exact comparison of a capture with a simulated run: every signal the capture holds that
//! the model traces is compared at every sample (see [`super::sample`]) over the whole window
//! both cover. The capture side is streamed: each change is checked against the model's samples
//! as it arrives, so the capture is never held in memory and never cut.

use super::sample::{Sampled, SLOTS_PER_CYCLE};
use crate::analysis::Clock;
use migcal_traces::{Time, TimeBase, Value};
use serde::Serialize;

/// Where a capture first departs from a simulated run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Departure {
    /// Canonical signal.
    pub signal: String,
    /// clk_0 cycle, in the capture's own count.
    pub cycle: u64,
    /// Quarter of that cycle (0 = the rising edge; pads only are sampled at the others).
    pub quarter: u8,
    /// Time in ps in the capture (`None` for sample-indexed captures).
    pub time_ps: Option<u64>,
    /// The capture's value.
    pub capture: String,
    /// The model's value.
    pub model: String,
}

/// Order of precedence when two signals depart in the same slot: the controller's state is the
/// cause, the others its effects.
fn precedence(name: &str) -> usize {
    const ORDER: &[&str] = &[
        "ddr_controller",
        "tap_logic",
        "tap_ctrl",
        "data_tap_inc",
        "idelay_dq",
        "pattern_compare",
        "rd_data",
        "backend_fifos",
        "pins",
    ];
    let block = name.split('/').next().unwrap_or(name);
    let block = block.split('[').next().unwrap_or(block);
    ORDER
        .iter()
        .position(|b| *b == block)
        .unwrap_or(ORDER.len())
}

/// Equal samples: bits compared from the least significant up to the narrower width; an
/// unknown bit (`x`, the capture's folded `U`/`W`/`-`) on either side is no information, never
/// a departure; `z` is a value like 0 and 1 (an undriven pin is not a driven one).
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bits(x), Value::Bits(y)) => {
            let n = x.len().min(y.len());
            (0..n).all(|i| {
                let bx = x[x.len() - 1 - i].to_ascii_lowercase();
                let by = y[y.len() - 1 - i].to_ascii_lowercase();
                bx == by || !matches!(bx, b'0' | b'1' | b'z') || !matches!(by, b'0' | b'1' | b'z')
            })
        }
        _ => a == b,
    }
}

/// One compared signal's state.
struct Track {
    /// Index of the model signal.
    model: usize,
    /// The sample being built (the last change of a slot wins).
    pending: Option<(u64, Value)>,
    /// The committed sample in effect, and the slot it started.
    current: Option<(u64, Value)>,
    /// This signal's first departure.
    departed: Option<(u64, String, String)>,
}

/// Compares a streamed capture with a model run held in memory.
pub struct Comparer<'m> {
    model: &'m Sampled,
    clock: Clock,
    time_base: TimeBase,
    /// Capture slot minus model slot.
    offset: i64,
    /// First capture slot compared.
    start: u64,
    /// Per capture signal id: its track, when compared.
    tracks: Vec<Option<Track>>,
    names: Vec<String>,
    pads: Vec<bool>,
}

impl<'m> Comparer<'m> {
    /// Compares the capture signals `names` (indexed like the capture's changes; `pad` marks
    /// the ones sampled every quarter clock) against `model`, from capture cycle `start_cycle`
    /// on; `offset_cycles` is the capture's cycle count minus the model's for one event.
    pub fn new(
        model: &'m Sampled,
        names: &[(String, bool)],
        clock: Clock,
        time_base: TimeBase,
        offset_cycles: i64,
        start_cycle: u64,
    ) -> Comparer<'m> {
        let tracks = names
            .iter()
            .map(|(n, _)| {
                model
                    .signals
                    .iter()
                    .position(|s| s.name == *n)
                    .map(|m| Track {
                        model: m,
                        pending: None,
                        current: None,
                        departed: None,
                    })
            })
            .collect();
        Comparer {
            model,
            clock,
            time_base,
            offset: offset_cycles * SLOTS_PER_CYCLE as i64,
            start: start_cycle * SLOTS_PER_CYCLE,
            tracks,
            names: names.iter().map(|(n, _)| n.clone()).collect(),
            pads: names.iter().map(|(_, p)| *p).collect(),
        }
    }

    /// Has any signal departed yet?
    pub fn departed(&self) -> bool {
        self.tracks.iter().flatten().any(|t| t.departed.is_some())
    }

    /// The names compared (the capture's signals the model also traces).
    pub fn compared(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.tracks)
            .filter(|(_, t)| t.is_some())
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The capture signals with no counterpart in the model.
    pub fn not_compared(&self) -> Vec<String> {
        self.names
            .iter()
            .zip(&self.tracks)
            .filter(|(_, t)| t.is_none())
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn slot(&self, t: Time, pad: bool) -> u64 {
        let d = t.saturating_sub(self.clock.first_edge) as u128;
        let p = self.clock.period.max(1) as u128;
        let cycles = self.time_base == TimeBase::Samples || self.clock.period < 4;
        if pad && !cycles {
            (d * SLOTS_PER_CYCLE as u128).div_ceil(p) as u64
        } else {
            d.div_ceil(p) as u64 * SLOTS_PER_CYCLE
        }
    }

    /// One change of capture signal `id` at `t` (changes in time order).
    pub fn push(&mut self, t: Time, id: u32, v: Value) {
        let Some(pad) = self.pads.get(id as usize).copied() else {
            return;
        };
        let slot = self.slot(t, pad);
        self.push_sample(id, slot, v);
    }

    /// One sample of capture signal `id` at `slot` (slots in order per signal; a later sample
    /// of the same slot replaces the earlier).
    pub fn push_sample(&mut self, id: u32, slot: u64, v: Value) {
        let Some(Some(tr)) = self.tracks.get_mut(id as usize) else {
            return;
        };
        if tr.departed.is_some() {
            return;
        }
        match &mut tr.pending {
            Some((k, pv)) if *k == slot => *pv = v,
            _ => {
                let prev = tr.pending.replace((slot, v));
                if let Some(p) = prev {
                    self.commit(id as usize, p);
                }
            }
        }
    }

    /// Makes `sample` the value in effect, checking the one it ends against the model.
    fn commit(&mut self, id: usize, sample: (u64, Value)) {
        let Some(tr) = self.tracks[id].as_mut() else {
            return;
        };
        if tr.current.as_ref().is_some_and(|(_, v)| *v == sample.1) {
            return;
        }
        if let Some((from, v)) = tr.current.replace(sample.clone()) {
            self.check(id, from, sample.0, &v);
        }
    }

    /// Checks capture value `v` held over slots `[from, to)` against the model.
    fn check(&mut self, id: usize, from: u64, to: u64, v: &Value) {
        let model = self.model;
        let offset = self.offset;
        let model_end = model.end_slot as i64 + offset;
        let to = to.min((model_end + 1).max(0) as u64);
        let from = from.max(self.start);
        if from >= to {
            return;
        }
        let Some(tr) = self.tracks[id].as_mut() else {
            return;
        };
        let m = &model.signals[tr.model];
        let mf = from as i64 - offset;
        // The model's value at `from`, then each model change inside the interval.
        let mut checks: Vec<(u64, Option<&Value>)> = Vec::new();
        if mf >= 0 {
            checks.push((from, m.at(mf as u64)));
        }
        let lo = m.changes.partition_point(|(s, _)| (*s as i64) <= mf);
        for (s, mv) in &m.changes[lo..] {
            let k = *s as i64 + offset;
            if k < 0 {
                continue;
            }
            if k as u64 >= to {
                break;
            }
            checks.push((k as u64, Some(mv)));
        }
        for (k, mv) in checks {
            if let Some(mv) = mv {
                if !same_value(v, mv) {
                    tr.departed = Some((k, v.to_string(), mv.to_string()));
                    return;
                }
            }
        }
    }

    /// Ends the comparison: the streamed side lasted to `end` (its time).
    pub fn finish(self, end: Time) -> Vec<Departure> {
        // The first slot not covered (see `Sampler::finish`).
        let cycles = self.time_base == TimeBase::Samples || self.clock.period < 4;
        let end_slot = if cycles {
            self.slot(end, false) + SLOTS_PER_CYCLE
        } else {
            self.slot(end, true)
        };
        self.finish_at_slot(end_slot)
    }

    /// Ends the comparison at `end_slot`, the first slot the streamed side does not cover.
    pub fn finish_at_slot(mut self, end_slot: u64) -> Vec<Departure> {
        for id in 0..self.tracks.len() {
            let pending = self.tracks[id].as_mut().and_then(|t| t.pending.take());
            if let Some(p) = pending {
                self.commit(id, p);
            }
            let current = self.tracks[id].as_ref().and_then(|t| t.current.clone());
            if let Some((from, v)) = current {
                let done = self.tracks[id]
                    .as_ref()
                    .is_some_and(|t| t.departed.is_some());
                if !done {
                    self.check(id, from, end_slot, &v);
                }
            }
        }
        let mut out: Vec<Departure> = self
            .tracks
            .iter()
            .zip(&self.names)
            .filter_map(|(t, n)| {
                let (k, c, m) = t.as_ref()?.departed.clone()?;
                Some(Departure {
                    signal: n.clone(),
                    cycle: k / SLOTS_PER_CYCLE,
                    quarter: (k % SLOTS_PER_CYCLE) as u8,
                    time_ps: (self.time_base == TimeBase::Femtoseconds).then(|| {
                        (self.clock.first_edge as u128
                            + k as u128 * self.clock.period as u128 / SLOTS_PER_CYCLE as u128)
                            as u64
                            / 1000
                    }),
                    capture: c,
                    model: m,
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (a.cycle, a.quarter, precedence(&a.signal), &a.signal).cmp(&(
                b.cycle,
                b.quarter,
                precedence(&b.signal),
                &b.signal,
            ))
        });
        out
    }
}

/// Compares two sampled traces held in memory (a capture and a model run), as [`Comparer`].
pub fn compare_sampled(
    capture: &Sampled,
    model: &Sampled,
    offset_cycles: i64,
    start_cycle: u64,
) -> (Vec<String>, Vec<Departure>) {
    let names: Vec<(String, bool)> = capture
        .signals
        .iter()
        .map(|s| (s.name.clone(), s.pad))
        .collect();
    let mut c = Comparer::new(
        model,
        &names,
        capture.clock,
        capture.time_base,
        offset_cycles,
        start_cycle,
    );
    for (id, s) in capture.signals.iter().enumerate() {
        for (k, v) in &s.changes {
            c.push_sample(id as u32, *k, v.clone());
        }
    }
    let compared = c.compared();
    (compared, c.finish_at_slot(capture.end_slot + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(s: &str) -> Value {
        Value::Bits(s.as_bytes().into())
    }

    #[test]
    fn unknowns_match_anything_but_z_is_a_value() {
        assert!(same_value(&bits("1x"), &bits("10")));
        assert!(!same_value(&bits("z"), &bits("0")));
        assert!(same_value(&bits("Z"), &bits("z")));
        // LSB-aligned over the narrower width.
        assert!(same_value(&bits("01"), &bits("1")));
    }
}
