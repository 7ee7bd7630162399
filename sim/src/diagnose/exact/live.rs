//! A candidate board compared with a capture while it runs: the model's changes are sampled and
//! checked against the capture (held sampled in memory) as they are produced, and the run stops
//! at the first departure. A candidate that departs at the dummy reads costs the simulation up
//! to the dummy reads, not the whole capture; one that explains the capture runs to its end.

use super::compare::{Comparer, Departure};
use super::sample::{Sampled, SLOTS_PER_CYCLE};
use super::{model_clock, Comparison, ExactError};
use crate::run::{drive, ChangeSink, RunError};
use crate::scenario::Scenario;
use migcal_traces::trace::SignalInfo;
use migcal_traces::{Header, TimeBase, TraceError, Value};

/// Where one model signal's bits go: (capture signal, its bit, the model bit), or a whole copy.
#[derive(Clone, Copy)]
enum Route {
    Whole(u32),
    Bit { out: u32, out_bit: u32, bit: u32 },
}

struct LiveSink<'a> {
    reference: &'a Sampled,
    comparer: Option<Comparer<'a>>,
    offset: i64,
    model_clock: crate::analysis::Clock,
    routes: Vec<Vec<Route>>,
    current: Vec<Value>,
    departed: bool,
    last_time: u64,
    strict: bool,
    /// First model cycle compared.
    start: u64,
}

/// The sentinel that stops a run at its first departure.
fn stop() -> TraceError {
    TraceError::Io {
        path: "<exact comparison>".into(),
        source: std::io::Error::other("departed"),
    }
}

impl ChangeSink for LiveSink<'_> {
    fn begin(&mut self, signals: &[SignalInfo]) -> Result<(), TraceError> {
        let header = Header {
            signals: signals.to_vec(),
            time_base: TimeBase::Femtoseconds,
            timescale_text: Some("1 fs".into()),
            notes: vec![],
        };
        let map = crate::run::sinks::model_name_map(&header)?;
        self.routes = vec![Vec::new(); signals.len()];
        let mut names = Vec::new();
        for (o, s) in self.reference.signals.iter().enumerate() {
            let o = o as u32;
            names.push((s.name.clone(), s.pad));
            self.current
                .push(Value::Bits(vec![b'x'; s.width as usize].into()));
            let (base, sel) = super::split_bit(&s.name);
            let Some(b) = map.get(base) else { continue };
            match (b.whole, sel) {
                (Some(w), None) => self.routes[w as usize].push(Route::Whole(o)),
                (Some(w), Some(i)) => self.routes[w as usize].push(Route::Bit {
                    out: o,
                    out_bit: 0,
                    bit: i,
                }),
                (None, _) => {
                    for (i, r) in b.bits.iter().enumerate() {
                        let Some(r) = r else { continue };
                        match sel {
                            Some(k) if k as usize != i => continue,
                            _ => {}
                        }
                        let out_bit = if sel.is_some() { 0 } else { i as u32 };
                        self.routes[r.signal as usize].push(Route::Bit {
                            out: o,
                            out_bit,
                            bit: r.bit,
                        });
                    }
                }
            }
        }
        // The streamed side is the model: the offset is the model's slot minus the capture's.
        let c = Comparer::new(
            self.reference,
            &names,
            self.model_clock,
            TimeBase::Femtoseconds,
            -self.offset,
            self.start,
        );
        self.comparer = Some(if self.strict { c.strict() } else { c });
        Ok(())
    }
    fn change(&mut self, time_fs: u64, id: u32, bits: &[u8]) -> Result<(), TraceError> {
        let Some(c) = self.comparer.as_mut() else {
            return Ok(());
        };
        self.last_time = time_fs;
        for r in &self.routes[id as usize] {
            let o = match *r {
                Route::Whole(o) => {
                    self.current[o as usize] = Value::Bits(bits.into());
                    o
                }
                Route::Bit { out, out_bit, bit } => {
                    let n = bits.len();
                    let b = if (bit as usize) < n {
                        bits[n - 1 - bit as usize]
                    } else {
                        b'x'
                    };
                    if let Value::Bits(v) = &mut self.current[out as usize] {
                        let w = v.len();
                        if (out_bit as usize) < w {
                            v[w - 1 - out_bit as usize] = b;
                        }
                    }
                    out
                }
            };
            c.push(time_fs, o, &self.current[o as usize]);
        }
        if c.departed() {
            self.departed = true;
            return Err(stop());
        }
        Ok(())
    }
    fn end(&mut self, time_fs: u64) -> Result<(), TraceError> {
        self.last_time = time_fs;
        Ok(())
    }
    fn wants(&self, id: u32) -> bool {
        self.routes.get(id as usize).is_some_and(|r| !r.is_empty())
    }
}

/// Runs `scn` and compares it with `capture` (sampled whole) as it runs, `offset_cycles` being
/// the capture's cycle count minus the model's; stops at the first departure.
pub fn compare_live(
    capture: &Sampled,
    scn: &Scenario,
    aligned_on: Option<(String, i64)>,
) -> Result<Comparison, ExactError> {
    run_live(capture, scn, aligned_on, false)
}

/// Runs `scn` and compares it bit for bit with `reference` (another run of the model, sampled
/// whole, cycle for cycle); stops at the first slot where they differ. Every signal that differs
/// there is among [`Comparison::per_signal`], with this run's value as `model`. Compared from
/// cycle 0 (a capture aligned later than the model looks at the model's first cycles).
pub fn diverge_live(reference: &Sampled, scn: &Scenario) -> Result<Comparison, ExactError> {
    run_live(reference, scn, None, true)
}

fn run_live(
    capture: &Sampled,
    scn: &Scenario,
    aligned_on: Option<(String, i64)>,
    strict: bool,
) -> Result<Comparison, ExactError> {
    let clock = model_clock(scn);
    let offset = aligned_on.as_ref().map(|a| a.1).unwrap_or(0);
    let mut sink = LiveSink {
        reference: capture,
        comparer: None,
        offset,
        model_clock: clock,
        routes: Vec::new(),
        current: Vec::new(),
        departed: false,
        last_time: 0,
        strict,
        start: if strict {
            0
        } else {
            (1 - offset).max(0) as u64
        },
    };
    match drive(scn, true, &mut sink) {
        Ok(()) => {}
        Err(RunError::Trace(_)) if sink.departed => {}
        Err(e) => return Err(e.into()),
    }
    let Some(c) = sink.comparer.take() else {
        return Err(ExactError::Run(RunError::Trace(stop())));
    };
    let compared = c.compared();
    let not_compared = c.not_compared();
    let end = sink.last_time;
    let departures = c.finish(end);
    // Back to the capture's count and labels: the streamed side was the model.
    let cap_clock = capture.clock;
    let per_signal: Vec<Departure> = departures
        .into_iter()
        .map(|d| {
            let k = (d.cycle * SLOTS_PER_CYCLE + d.quarter as u64) as i64
                + offset * SLOTS_PER_CYCLE as i64;
            let k = k.max(0) as u64;
            Departure {
                signal: d.signal,
                cycle: k / SLOTS_PER_CYCLE,
                quarter: (k % SLOTS_PER_CYCLE) as u8,
                time_ps: (capture.time_base == TimeBase::Femtoseconds).then(|| {
                    (cap_clock.first_edge as u128
                        + k as u128 * cap_clock.period as u128 / SLOTS_PER_CYCLE as u128)
                        as u64
                        / 1000
                }),
                capture: d.model,
                model: d.capture,
            }
        })
        .collect();
    let model_last = clock.cycle(end) as i64 + offset;
    let window = (
        1,
        (capture.end_slot / SLOTS_PER_CYCLE).min(model_last.max(0) as u64),
    );
    Ok(Comparison {
        aligned_on,
        compared,
        not_compared,
        window,
        first: per_signal.first().cloned(),
        per_signal,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnose::exact::{compare_in_memory, simulate_all};
    use std::path::Path;

    fn board(faults: &str) -> Scenario {
        let text = format!(
            "profile = \"minimodule\"\nseed = 1\nstop_time_us = 260\n[clock]\nperiod_ps = 5000\n[memory]\npart = \"MT46V32M8\"\ncl = 3\nbl = 2\nal = 0\n[board]\ntap_ps = 78.0\n{faults}"
        );
        Scenario::parse(&text, Path::new("board.toml")).unwrap()
    }

    #[test]
    fn stopping_at_the_first_departure_finds_the_departure_of_the_whole_run() {
        // The capture: DQ3 open (its pin pulled low from power-up). The candidates depart at
        // power-up on a pin whose model value then holds for the whole 200 us wait, at the
        // dummy reads, or nowhere; stopped early or run whole, the first departure is the same.
        let capture = simulate_all(&board("[[fault]]\nkind = \"dq_open\"\ndq = 3\n")).unwrap();
        for cand in [
            "",
            "[[fault]]\nkind = \"cmd_stuck\"\npin = \"ras_n\"\nhigh = true\n",
            "[[fault]]\nkind = \"dq_open\"\ndq = 5\n",
            "[[fault]]\nkind = \"dq_delay\"\ndq = 3\nps = 500\n",
            "[[fault]]\nkind = \"dq_open\"\ndq = 3\n",
        ] {
            let scn = board(cand);
            let live = compare_live(&capture, &scn, None).unwrap();
            let whole = compare_in_memory(&capture, &simulate_all(&scn).unwrap(), None);
            assert_eq!(live.first, whole.first, "{cand}");
            // And the run stopped there, not when the departing pin next changed (the first
            // write, 48 000 cycles on).
            if let Some(d) = &live.first {
                assert!(
                    live.window.1 <= d.cycle + 2,
                    "{cand}: ran to {:?}",
                    live.window
                );
            }
            assert_eq!(live.compared, whole.compared, "{cand}");
        }
    }
}
