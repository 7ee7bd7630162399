//! The model as the judge: a simulated run and a capture compared on every signal the capture
//! holds (pins included), over the whole capture, on the capture's own time base. A candidate
//! board either explains the capture exactly or departs first at one cycle on one signal, with
//! both values. `--replay` and the fault catalogue both use this comparison.
//!
//! Time bases: a femtosecond capture that starts at power-up is compared cycle for cycle from
//! cycle 1 (before the first edge the goldens show power-up `U`); a sample-indexed probe dump or
//! a triggered window (a capture whose first change comes after the first cycles) is aligned on
//! the first event both show ([`LANDMARKS`]).

pub mod compare;
pub mod live;
pub mod sample;

pub use compare::{compare_sampled, precedence, same_value, Comparer, Departure};
pub use live::{compare_live, diverge_live};
pub use sample::{is_pad, Sampled, SampledSignal, SLOTS_PER_CYCLE};

use crate::analysis::capture::{rising_edges, Capture};
use crate::analysis::Clock;
use crate::run::RunError;
use crate::scenario::Scenario;
use migcal_traces::names::CanonicalSource;
use migcal_traces::{ChangeSource, TimeBase, TraceError};
use serde::Serialize;

/// Events to align a capture whose t = 0 is arbitrary with the model, best first.
pub const LANDMARKS: &[&str] = &[
    "ddr_controller/ctrl_dummyread_start",
    "tap_logic/dlyce_dqs",
    "tap_logic/tap_sel_done",
    "ddr_controller/done_200us",
];

/// The result of comparing a capture with one simulated run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The landmark the two were aligned on, and the capture-minus-model offset in cycles
    /// (`None`: compared cycle for cycle from power-up).
    pub aligned_on: Option<(String, i64)>,
    /// The capture's signals that were compared (all it holds that the model traces).
    pub compared: Vec<String>,
    /// The capture's signals the model does not trace (not compared).
    pub not_compared: Vec<String>,
    /// The capture cycles compared, first and last.
    pub window: (u64, u64),
    /// The first departure (`None`: the run explains the capture exactly).
    pub first: Option<Departure>,
    /// Every departing signal's own first departure, earliest first.
    pub per_signal: Vec<Departure>,
}

impl Comparison {
    /// Does the run explain the capture exactly (no departure on any compared signal)?
    pub fn exact(&self) -> bool {
        self.first.is_none() && !self.compared.is_empty()
    }
}

/// Errors of the comparison.
#[derive(Debug, thiserror::Error)]
pub enum ExactError {
    /// The simulation failed.
    #[error("simulating the board: {0}")]
    Run(#[from] RunError),
    /// A trace could not be read.
    #[error(transparent)]
    Trace(#[from] TraceError),
}

/// The clock of a scenario's model run (fs, first edge at half a period).
pub fn model_clock(scn: &Scenario) -> Clock {
    let period = (scn.clock.period_ps * 1000.0).round() as u64;
    Clock {
        period,
        first_edge: period / 2,
    }
}

/// `scn` made to run at least `cycles` clk_0 cycles (a capture longer than the scenario's stop
/// time is compared to its end), within the scenario limits.
pub fn covering(scn: &Scenario, cycles: u64) -> Scenario {
    let mut s = scn.clone();
    s.expect = None;
    let need_us = (cycles as f64 + 2.0) * scn.clock.period_ps / 1e6;
    let max_us = if scn.clocking.is_some() {
        1_000_000.0
    } else {
        100_000.0
    };
    if need_us > s.stop_time_us {
        s.stop_time_us = need_us.min(max_us);
    }
    s
}

/// The canonical names a comparison with `capture` needs from the model: the whole names of
/// every signal the capture holds.
pub fn wanted_names(capture: &Capture) -> Vec<String> {
    let mut v: Vec<String> = capture
        .map
        .bindings()
        .iter()
        .map(|b| base_name(&b.name).to_string())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// `pins/dq` of `pins/dq[3]`.
fn base_name(n: &str) -> &str {
    match n.rfind('[') {
        Some(i) if n.ends_with(']') && !n[..i].ends_with('/') => {
            // `tap_ctrl[0]/x` keeps its instance index; only a trailing bit select goes.
            if n[i..].contains('/') {
                n
            } else {
                &n[..i]
            }
        }
        _ => n,
    }
}

/// `("pins/dq", Some(3))` of `pins/dq[3]`; `(name, None)` when it names no single bit.
pub fn split_bit(n: &str) -> (&str, Option<u32>) {
    let base = base_name(n);
    if base.len() == n.len() {
        return (n, None);
    }
    match n[base.len()..]
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
    {
        Ok(i) => (base, Some(i)),
        Err(_) => (n, None),
    }
}

/// Simulates `scn` keeping the canonical signals `names`, sampled.
pub fn simulate_sampled(scn: &Scenario, names: &[String]) -> Result<Sampled, ExactError> {
    let (mem, map) = crate::run::trace_signals(scn, names)?;
    let bindings = map
        .bindings()
        .iter()
        .filter(|b| names.contains(&b.name))
        .cloned()
        .collect();
    let mut src = CanonicalSource::new(Box::new(mem), bindings);
    Ok(Sampled::read(&mut src, &model_clock(scn), None)?)
}

/// Simulates `scn` keeping every signal the model traces, sampled (what two candidate boards
/// are compared on to find the probe that tells them apart).
pub fn simulate_all(scn: &Scenario) -> Result<Sampled, ExactError> {
    let (mem, map) = crate::run::trace_signals(scn, &[])?;
    let mut src = CanonicalSource::all(Box::new(mem), &map);
    Ok(Sampled::read(&mut src, &model_clock(scn), None)?)
}

/// Bit selections of the capture (`pins/dq[3]` bound alone) read from the model's whole signal.
pub fn add_bit_selections(model: &mut Sampled, names: &[String]) {
    for n in names {
        if model.get(n).is_some() {
            continue;
        }
        let base = base_name(n);
        let Some(i) = n[base.len()..]
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<u32>()
            .ok()
        else {
            continue;
        };
        let Some(whole) = model.get(base) else {
            continue;
        };
        let mut changes: Vec<(u64, migcal_traces::Value)> = Vec::new();
        for (k, v) in &whole.changes {
            let b = v.bit(i).unwrap_or(b'x');
            let bv = migcal_traces::Value::Bits(vec![b].into());
            if changes.last().is_none_or(|(_, p)| *p != bv) {
                changes.push((*k, bv));
            }
        }
        let pad = whole.pad;
        model.signals.push(SampledSignal {
            name: n.clone(),
            width: 1,
            pad,
            changes,
        });
    }
}

/// The alignment of `capture` on `model`: the first landmark both show, and the offset.
pub fn align(capture: &Capture, clock: &Clock, model: &Sampled) -> Option<(String, i64)> {
    LANDMARKS.iter().find_map(|l| {
        let c = capture
            .bit(l, 0)
            .and_then(|b| rising_edges(&b).first().map(|t| clock.cycle(*t)))?;
        let m = model.first_rise(l)? / SLOTS_PER_CYCLE;
        Some((l.to_string(), c as i64 - m as i64))
    })
}

/// Streams the capture `src` (its own reader, bound by `capture.map`) through a comparison with
/// the `model` run: every change of every signal, nothing cut.
pub fn compare_stream(
    src: Box<dyn ChangeSource + Send>,
    capture: &Capture,
    clock: &Clock,
    model: &Sampled,
    aligned_on: Option<(String, i64)>,
) -> Result<Comparison, ExactError> {
    let mut canon = CanonicalSource::all(src, &capture.map);
    let cycles = capture.time_base() == TimeBase::Samples || clock.period < 4;
    let names: Vec<(String, bool)> = canon
        .header()
        .signals
        .iter()
        .map(|s| (s.source_name.clone(), is_pad(&s.source_name) && !cycles))
        .collect();
    let offset = aligned_on.as_ref().map(|a| a.1).unwrap_or(0);
    let mut c = Comparer::new(model, &names, *clock, capture.time_base(), offset, 1);
    let compared = c.compared();
    let not_compared = c.not_compared();
    let mut last = 0;
    while let Some(ch) = canon.next_change()? {
        last = ch.time;
        c.push(ch.time, ch.signal, &ch.value.to_owned());
    }
    let end = canon.last_time().max(last).max(capture.end_time());
    let per_signal = c.finish(end);
    let model_last = (model.end_slot / SLOTS_PER_CYCLE) as i64 + offset;
    let window = (1, clock.cycle(end).min(model_last.max(0) as u64));
    Ok(Comparison {
        aligned_on,
        compared,
        not_compared,
        window,
        first: per_signal.first().cloned(),
        per_signal,
    })
}

/// Compares a capture held sampled in memory with a model run (the catalogue's path: one
/// capture, many candidates).
pub fn compare_in_memory(
    capture: &Sampled,
    model: &Sampled,
    aligned_on: Option<(String, i64)>,
) -> Comparison {
    let offset = aligned_on.as_ref().map(|a| a.1).unwrap_or(0);
    let (compared, per_signal) = compare_sampled(capture, model, offset, 1);
    let not_compared = capture
        .signals
        .iter()
        .filter(|s| !compared.contains(&s.name))
        .map(|s| s.name.clone())
        .collect();
    let model_last = (model.end_slot / SLOTS_PER_CYCLE) as i64 + offset;
    let window = (
        1,
        (capture.end_slot / SLOTS_PER_CYCLE).min(model_last.max(0) as u64),
    );
    Comparison {
        aligned_on,
        compared,
        not_compared,
        window,
        first: per_signal.first().cloned(),
        per_signal,
    }
}
