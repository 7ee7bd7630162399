//! A trace seen the way the exact comparison sees it: every signal sampled on the clk_0 grid of
//! its own time base, in quarter-cycle slots. Controller signals are registered on the rising
//! edge, so they are sampled at each rising edge (slot `4 × cycle`); the pads (`pins/dq`,
//! `pins/dqs`, `pins/dm`, `pins/ck`) carry DDR data and flight delays that land on quarter
//! clocks, so they are sampled at every quarter. A sample is the value in effect at the sampling
//! instant, a change exactly on it included: the golden VCDs' sub-cycle stamps (combinational
//! settling 1 fs after a pad change) never reach a controller signal's sample unless they last
//! to the next edge. On a sample-indexed capture one sample is one cycle, so every signal is
//! sampled once per sample.

use crate::analysis::Clock;
use migcal_traces::{ChangeSource, Time, TimeBase, TraceError, Value};

/// Quarter-cycle slots per clk_0 cycle.
pub const SLOTS_PER_CYCLE: u64 = 4;

/// Is `name` a pad sampled at every quarter clock (DDR data, strobes, the memory clock)?
pub fn is_pad(name: &str) -> bool {
    let base = name.split('[').next().unwrap_or(name);
    matches!(base, "pins/dq" | "pins/dqs" | "pins/dm" | "pins/ck")
}

/// One signal's samples: `(slot, value)` at each slot where the sampled value changes.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledSignal {
    /// Canonical name.
    pub name: String,
    /// Width.
    pub width: u32,
    /// Sampled every quarter clock (a pad) or once per cycle.
    pub pad: bool,
    /// The changes of the sampled value, in slot order.
    pub changes: Vec<(u64, Value)>,
}

impl SampledSignal {
    /// The sampled value at `slot` (`None` before the first sample).
    pub fn at(&self, slot: u64) -> Option<&Value> {
        let i = self.changes.partition_point(|(s, _)| *s <= slot);
        i.checked_sub(1).map(|i| &self.changes[i].1)
    }
}

/// A whole trace, sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct Sampled {
    /// The signals, in the order of the source's header.
    pub signals: Vec<SampledSignal>,
    /// The last slot the trace covers.
    pub end_slot: u64,
    /// The clock the slots count.
    pub clock: Clock,
    /// The time base of the source.
    pub time_base: TimeBase,
}

impl Sampled {
    /// The signal named `name`.
    pub fn get(&self, name: &str) -> Option<&SampledSignal> {
        self.signals.iter().find(|s| s.name == name)
    }

    /// The first slot at which bit 0 of `name` is sampled 1.
    pub fn first_rise(&self, name: &str) -> Option<u64> {
        let s = self.get(name)?;
        s.changes
            .iter()
            .find(|(_, v)| v.bit(0) == Some(b'1'))
            .map(|(k, _)| *k)
    }

    /// Reads every change of `src` (a source under canonical names, e.g. a
    /// `CanonicalSource`) in one pass and samples it; no change is left out, whatever the
    /// length of the trace. `wanted` restricts it to the signals named (all when `None`).
    pub fn read(
        src: &mut dyn ChangeSource,
        clock: &Clock,
        wanted: Option<&dyn Fn(&str) -> bool>,
    ) -> Result<Sampled, TraceError> {
        let time_base = src.header().time_base;
        let mut sampler = Sampler::new(src.header(), clock, wanted);
        let ids: Vec<u32> = (0..sampler.keep.len() as u32)
            .filter(|i| sampler.keep[*i as usize])
            .collect();
        src.set_filter(&ids);
        let mut last = 0;
        while let Some(c) = src.next_change()? {
            last = c.time;
            if let Some(true) = sampler.keep.get(c.signal as usize) {
                sampler.push(c.time, c.signal, c.value.to_owned());
            }
        }
        let end = src.last_time().max(last);
        Ok(sampler.finish(end, time_base))
    }
}

/// Streams changes into samples.
pub struct Sampler {
    clock: Clock,
    keep: Vec<bool>,
    signals: Vec<SampledSignal>,
    samples_are_cycles: bool,
}

impl Sampler {
    /// A sampler for the signals of `header` (under canonical names) that `wanted` keeps.
    pub fn new(
        header: &migcal_traces::Header,
        clock: &Clock,
        wanted: Option<&dyn Fn(&str) -> bool>,
    ) -> Sampler {
        let keep = header
            .signals
            .iter()
            .map(|s| wanted.is_none_or(|w| w(&s.source_name)))
            .collect();
        let samples_are_cycles = header.time_base == TimeBase::Samples || clock.period < 4;
        Sampler {
            clock: *clock,
            keep,
            signals: header
                .signals
                .iter()
                .map(|s| SampledSignal {
                    name: s.source_name.clone(),
                    width: s.width,
                    pad: is_pad(&s.source_name) && !samples_are_cycles,
                    changes: Vec::new(),
                })
                .collect(),
            samples_are_cycles,
        }
    }

    /// The first slot whose sampling instant is at or after `t`.
    fn slot(&self, t: Time, pad: bool) -> u64 {
        let d = t.saturating_sub(self.clock.first_edge) as u128;
        let p = self.clock.period.max(1) as u128;
        if pad && !self.samples_are_cycles {
            (d * SLOTS_PER_CYCLE as u128).div_ceil(p) as u64
        } else {
            d.div_ceil(p) as u64 * SLOTS_PER_CYCLE
        }
    }

    /// One change, in time order.
    pub fn push(&mut self, t: Time, id: u32, v: Value) {
        let pad = self.signals[id as usize].pad;
        let slot = self.slot(t, pad);
        let s = &mut self.signals[id as usize];
        if let Some((k, last)) = s.changes.last_mut() {
            if *k == slot {
                *last = v;
                // A change back to the value before this slot is no change at all.
                let n = s.changes.len();
                if n >= 2 && s.changes[n - 2].1 == s.changes[n - 1].1 {
                    s.changes.pop();
                }
                return;
            }
            if *last == v {
                return;
            }
        }
        s.changes.push((slot, v));
    }

    /// The sampled trace; the source lasted to `end`.
    pub fn finish(self, end: Time, time_base: TimeBase) -> Sampled {
        // A sample-indexed capture's last row is a sample; a timed trace that ends on a
        // sampling instant holds nothing of that instant (a run stops just after its last edge),
        // so the last slot covered is the last one before the end.
        let end_slot = if self.samples_are_cycles {
            let d = end.saturating_sub(self.clock.first_edge) as u128;
            (d / self.clock.period.max(1) as u128) as u64 * SLOTS_PER_CYCLE + (SLOTS_PER_CYCLE - 1)
        } else {
            self.slot(end, true).saturating_sub(1)
        };
        let signals = self
            .signals
            .into_iter()
            .zip(&self.keep)
            .filter(|(_, k)| **k)
            .map(|(s, _)| s)
            .collect();
        Sampled {
            signals,
            end_slot,
            clock: self.clock,
            time_base,
        }
    }
}
