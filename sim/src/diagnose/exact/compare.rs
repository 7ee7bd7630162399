//! The exact comparison of a capture with a simulated run: every signal the capture holds that
//! the model traces is compared at every sample (see [`super::sample`]) over the whole window
//! both cover. The capture side is streamed: each change is checked against the model's samples
//! as it arrives, so the capture is never held in memory and never cut.

use super::sample::{Sampled, SLOTS_PER_CYCLE};
use crate::analysis::Clock;
use migcal_traces::{Time, TimeBase, Value};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
pub fn precedence(name: &str) -> usize {
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

/// Where a compared signal's value in effect meets the reference next.
#[derive(Debug, Clone)]
enum Next {
    /// It differs from the reference's change at this index, in effect at this slot, unless
    /// the streamed side changes before.
    Mismatch(u64, usize),
    /// Checked clean up to this slot, where the reference's change at this index is next to
    /// check (a scan is cut after [`SCAN_STEP`] reference changes so that no single change costs
    /// more than that).
    Resume(u64, usize),
}

/// The queue's generation tag of a pending sample (to be committed once final), not a [`Next`].
const PENDING: u64 = u64::MAX;

/// Reference changes one scan looks at before it pauses ([`Next::Resume`]).
const SCAN_STEP: usize = 256;

/// One compared signal's state.
struct Track {
    /// Index of the reference signal.
    model: usize,
    /// The sample being built (the last change of a slot wins).
    pending: Option<(u64, Value)>,
    /// The committed sample in effect, and the slot it started.
    current: Option<(u64, Value)>,
    /// Where the value in effect departs from the reference next, if it does.
    next: Option<Next>,
    /// Bumped each time `current` changes: a queued [`Next`] of an older value is stale.
    generation: u64,
    /// Index of the first reference change after the last slot looked at (slots only grow).
    cursor: usize,
    /// This signal's first departure.
    departed: Option<(u64, String, String)>,
}

/// Compares a streamed side with a reference held in memory (in the replay the capture is
/// streamed against the model's run; in the catalogue the model's run is streamed against the
/// capture). Each value the streamed side commits is checked ahead against the reference at
/// once, so a departure is known as soon as the streamed side has passed its slot, not only when
/// that signal next changes: a run stopped at its first departure stops there ([`Self::departed`]).
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
    /// The queued [`Next`]s, earliest slot first: (slot, track, generation).
    queue: BinaryHeap<Reverse<(u64, u32, u64)>>,
    /// Some signal has departed.
    any_departed: bool,
    /// Fed in time order ([`Self::push`]): departures are queued and confirmed as the stream
    /// passes them. [`Self::push_sample`] alone (signal by signal) leaves them to the end.
    ordered: bool,
    /// Every bit equal ([`Self::strict`]), not [`same_value`].
    strict: bool,
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
                        next: None,
                        generation: 0,
                        cursor: 0,
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
            queue: BinaryHeap::new(),
            any_departed: false,
            ordered: false,
            strict: false,
        }
    }

    /// Two model runs compared bit for bit: an `x` is a value like any other, so a run that
    /// follows another strictly up to a slot makes there every comparison the other makes.
    pub fn strict(mut self) -> Self {
        self.strict = true;
        self
    }

    /// Has any signal departed yet? With [`Self::push`] (changes in time order) this is known
    /// as soon as the stream has passed the departing slot.
    pub fn departed(&self) -> bool {
        self.any_departed
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
    pub fn push(&mut self, t: Time, id: u32, v: &Value) {
        let Some(pad) = self.pads.get(id as usize).copied() else {
            return;
        };
        // No later change lands on a slot before this one (quarter slots are the finest).
        self.ordered = true;
        self.settle(self.slot(t, true));
        let slot = self.slot(t, pad);
        self.push_sample(id, slot, v);
    }

    /// One sample of capture signal `id` at `slot` (slots in order per signal; a later sample
    /// of the same slot replaces the earlier).
    pub fn push_sample(&mut self, id: u32, slot: u64, v: &Value) {
        let Some(Some(tr)) = self.tracks.get_mut(id as usize) else {
            return;
        };
        if tr.departed.is_some() {
            return;
        }
        match &mut tr.pending {
            Some((k, pv)) if *k == slot => assign(pv, v),
            _ => {
                // Final once the stream has passed its slot: queued to be committed then.
                if self.ordered {
                    self.queue.push(Reverse((slot, id, PENDING)));
                }
                let prev = tr.pending.replace((slot, v.clone()));
                if let Some(p) = prev {
                    self.commit(id as usize, p);
                }
            }
        }
    }

    /// Confirms the queued departures before slot `lb`, which every later change comes at or
    /// after, so the values in effect there are final.
    fn settle(&mut self, lb: u64) {
        while let Some(&Reverse((k, id, generation))) = self.queue.peek() {
            if k >= lb {
                return;
            }
            self.queue.pop();
            let id = id as usize;
            let Some(tr) = self.tracks[id].as_mut() else {
                continue;
            };
            if tr.departed.is_some() || (generation != PENDING && tr.generation != generation) {
                continue;
            }
            // A pending sample before `lb` is final: it takes effect first (it may end the value
            // whose departure is queued before that departure's slot).
            if tr.pending.as_ref().is_some_and(|(p, _)| *p < lb) {
                let p = tr.pending.take();
                if let Some(p) = p {
                    self.commit(id, p);
                }
                let Some(tr) = self.tracks[id].as_ref() else {
                    continue;
                };
                if tr.departed.is_some() || tr.generation != generation {
                    continue;
                }
            }
            if generation != PENDING {
                self.advance(id, u64::MAX, true);
            }
        }
    }

    /// Acts on the track's [`Next`] as far as slot `to` (exclusive): a mismatch before it is
    /// this signal's departure, a paused scan before it is continued (by one step when
    /// `queue`, queuing what it finds; else to `to`).
    fn advance(&mut self, id: usize, to: u64, queue: bool) {
        let Some(tr) = self.tracks[id].as_mut() else {
            return;
        };
        loop {
            match tr.next.take() {
                Some(Next::Mismatch(k, i)) if k < to => {
                    let v = tr.current.as_ref().map(|c| c.1.to_string());
                    let m = self.model.signals[tr.model].changes[i].1.to_string();
                    tr.departed = Some((k, v.unwrap_or_default(), m));
                    self.any_departed = true;
                    return;
                }
                Some(Next::Resume(k, i)) if k < to => {
                    let v = tr.current.as_ref().map(|c| c.1.clone());
                    let Some(v) = v else { return };
                    let look = Look {
                        offset: self.offset,
                        strict: self.strict,
                    };
                    tr.next = scan(self.model, tr, look, &v, None, i, to);
                    if queue {
                        if let (Some(n), true) = (&tr.next, self.ordered) {
                            self.queue
                                .push(Reverse((next_slot(n), id as u32, tr.generation)));
                        }
                        return;
                    }
                }
                other => {
                    tr.next = other;
                    return;
                }
            }
        }
    }

    /// Makes `sample` the value in effect, checking the one it ends against the model.
    fn commit(&mut self, id: usize, sample: (u64, Value)) {
        let Some(tr) = self.tracks[id].as_ref() else {
            return;
        };
        if tr.current.as_ref().is_some_and(|(_, v)| *v == sample.1) {
            return;
        }
        if tr.current.is_some() {
            // The value it ends held up to the sample's slot.
            self.advance(id, sample.0, false);
        }
        let Some(tr) = self.tracks[id].as_mut() else {
            return;
        };
        if tr.departed.is_some() {
            return;
        }
        let from = sample.0.max(self.start);
        tr.generation += 1;
        let look = Look {
            offset: self.offset,
            strict: self.strict,
        };
        tr.next = scan(self.model, tr, look, &sample.1, Some(from), 0, u64::MAX);
        tr.current = Some(sample);
        if let (Some(n), true) = (&tr.next, self.ordered) {
            self.queue
                .push(Reverse((next_slot(n), id as u32, tr.generation)));
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
            let live = self.tracks[id]
                .as_ref()
                .is_some_and(|t| t.departed.is_none() && t.current.is_some());
            if live {
                self.advance(id, end_slot, false);
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

/// `dst = src`, reusing `dst`'s buffer when the widths agree (a signal's samples all have one).
fn assign(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Bits(d), Value::Bits(s)) if d.len() == s.len() => d.copy_from_slice(s),
        (d, s) => *d = s.clone(),
    }
}

fn next_slot(n: &Next) -> u64 {
    match n {
        Next::Mismatch(k, _) | Next::Resume(k, _) => *k,
    }
}

/// How a scan compares: the reference's slot offset, and bit for bit or not.
#[derive(Clone, Copy)]
struct Look {
    offset: i64,
    strict: bool,
}

impl Look {
    fn same(self, a: &Value, b: &Value) -> bool {
        if self.strict {
            a == b
        } else {
            same_value(a, b)
        }
    }
}

/// Checks the streamed value `v` against the track's reference signal over the capture slots
/// from `from` (its value there, when given) up to `to` (exclusive) and the reference's end:
/// reference changes from index `first` on are looked at, [`SCAN_STEP`] of them at most when
/// `to` is unbounded. Returns the first mismatch, where the scan paused, or `None` (clean).
fn scan(
    model: &Sampled,
    tr: &mut Track,
    look: Look,
    v: &Value,
    from: Option<u64>,
    first: usize,
    to: u64,
) -> Option<Next> {
    let budget = if to == u64::MAX {
        SCAN_STEP
    } else {
        usize::MAX
    };
    let offset = look.offset;
    let model_end = model.end_slot as i64 + offset;
    let to = to.min((model_end + 1).max(0) as u64);
    let m = &model.signals[tr.model];
    let mut i = first;
    if let Some(from) = from {
        if from >= to {
            return None;
        }
        let mf = from as i64 - offset;
        // The reference's changes up to `mf` are behind every later look (slots only grow).
        while tr.cursor < m.changes.len() && (m.changes[tr.cursor].0 as i64) <= mf {
            tr.cursor += 1;
        }
        i = tr.cursor;
        if mf >= 0 && i > 0 {
            let mv = &m.changes[i - 1].1;
            if !look.same(v, mv) {
                return Some(Next::Mismatch(from, i - 1));
            }
        }
    }
    let mut looked = 0usize;
    while i < m.changes.len() {
        let (s, mv) = &m.changes[i];
        let k = *s as i64 + offset;
        if k >= 0 {
            if k as u64 >= to {
                return None;
            }
            if looked == budget {
                return Some(Next::Resume(k as u64, i));
            }
            looked += 1;
            if !look.same(v, mv) {
                return Some(Next::Mismatch(k as u64, i));
            }
        }
        i += 1;
    }
    None
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
            c.push_sample(id as u32, *k, v);
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

    #[test]
    fn power_up_unknowns_are_no_evidence_but_a_pulled_pin_is() {
        // Golden fault1 at cycle 1: DQ0..2 and DQ4..7 still `U` (folded to `x`), DQ3 held low
        // by its pull-down; the nominal board leaves the whole bus floating. Only DQ3 departs.
        assert!(same_value(
            &bits("zzzzzzzzxxxxzxxx"),
            &bits("zzzzzzzzzzzzzzzz")
        ));
        assert!(!same_value(
            &bits("zzzzzzzzxxxx0xxx"),
            &bits("zzzzzzzzzzzzzzzz")
        ));
        // Either side: the comparison streams the capture in the replay, the model in the
        // catalogue.
        assert!(same_value(
            &bits("zzzzzzzzzzzzzzzz"),
            &bits("zzzzzzzzxxxxzxxx")
        ));
    }
}
