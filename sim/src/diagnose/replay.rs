//! Replay: run the model beside a capture and report the first clk_0 cycle and signal where the
//! capture departs from it. A golden or a board that behaves like the model shows no departure;
//! a fault shows where its effect first becomes visible.

use crate::analysis::capture::{rising_edges, Capture};
use crate::analysis::Clock;
use migcal_traces::{Time, Value};
use serde::Serialize;

/// Signals compared, in the order a departure is looked for when two depart in the same cycle
/// (controller first: its state is the cause, the others the effect).
pub const COMPARED: &[&str] = &[
    "ddr_controller/init_state",
    "ddr_controller/done_200us",
    "ddr_controller/ctrl_dummyread_start",
    "tap_logic/dlyce_dqs",
    "tap_logic/dlyinc_dqs",
    "tap_logic/chan_done_dqs",
    "tap_logic/calib_done_dqs",
    "tap_logic/data_tap_inc_done",
    "tap_logic/tap_sel_done",
    "tap_ctrl[0]/current_state",
    "tap_ctrl[1]/current_state",
    "tap_ctrl[0]/tap_count",
    "tap_ctrl[1]/tap_count",
    "data_tap_inc[0]/calib_done_int",
    "data_tap_inc[1]/calib_done_int",
    "pattern_compare[0]/clk_cnt_rise",
    "pattern_compare[1]/clk_cnt_rise",
    "pattern_compare[0]/comp_done",
    "pattern_compare[1]/comp_done",
    "rd_data/comp_done",
    "ddr_controller/init_done",
    "pins/cs_n",
    "pins/ras_n",
    "pins/cas_n",
    "pins/we_n",
];

/// Where the capture first departs from the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Departure {
    /// Canonical signal.
    pub signal: String,
    /// clk_0 cycle (in the capture's own count).
    pub cycle: u64,
    /// Time in ps in the capture (`None` for sample-indexed captures).
    pub time_ps: Option<u64>,
    /// The capture's value.
    pub capture: String,
    /// The model's value.
    pub model: String,
}

/// The result of a replay.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay {
    /// The landmark the two were aligned on, and the capture-minus-model offset in cycles.
    pub aligned_on: Option<(String, i64)>,
    /// Signals both had and that were compared.
    pub compared: Vec<String>,
    /// The first departure, if any.
    pub first: Option<Departure>,
    /// Every signal's own first departure.
    pub per_signal: Vec<Departure>,
}

/// Landmarks to align a bench capture (whose t = 0 is arbitrary) with the model, best first.
const LANDMARKS: &[&str] = &[
    "ddr_controller/ctrl_dummyread_start",
    "tap_logic/dlyce_dqs",
    "tap_logic/tap_sel_done",
    "ddr_controller/done_200us",
];

fn first_rise_cycle(c: &Capture, name: &str, clock: &Clock) -> Option<u64> {
    c.bit(name, 0)
        .and_then(|b| rising_edges(&b).first().map(|t| clock.cycle(*t)))
}

/// The value of a change list at the end of `cycle` (after every change of that cycle).
fn value_in_cycle<'a>(v: &'a [(Time, Value)], cycle: u64, clock: &Clock) -> Option<&'a Value> {
    let end = clock.first_edge + (cycle + 1) * clock.period - 1;
    let i = v.partition_point(|(t, _)| *t <= end);
    i.checked_sub(1).map(|i| &v[i].1)
}

/// Compares `capture` with `model` (both under canonical names, both with clk_0 `clock`).
/// Captures that start at an arbitrary time are aligned on the first landmark both show.
pub fn replay(capture: &Capture, model: &Capture, clock: &Clock) -> Replay {
    let mut aligned_on = None;
    let mut offset: i64 = 0;
    for l in LANDMARKS {
        if let (Some(a), Some(b)) = (
            first_rise_cycle(capture, l, clock),
            first_rise_cycle(model, l, clock),
        ) {
            offset = a as i64 - b as i64;
            aligned_on = Some((l.to_string(), offset));
            break;
        }
    }
    let last_cycle = clock
        .cycle(capture.end_time())
        .min((clock.cycle(model.end_time()) as i64 + offset).max(0) as u64);
    let mut compared = Vec::new();
    let mut per_signal = Vec::new();
    for name in COMPARED {
        let (Some(cv), Some(mv)) = (capture.get(name), model.get(name)) else {
            continue;
        };
        compared.push(name.to_string());
        // Cycles at which either side changes, in the capture's count.
        let mut cycles: Vec<u64> = cv.iter().map(|(t, _)| clock.cycle(*t)).collect();
        cycles.extend(
            mv.iter()
                .filter_map(|(t, _)| u64::try_from(clock.cycle(*t) as i64 + offset).ok()),
        );
        cycles.sort_unstable();
        cycles.dedup();
        for cyc in cycles.into_iter().filter(|c| *c <= last_cycle) {
            let Some(mc) = u64::try_from(cyc as i64 - offset).ok() else {
                continue;
            };
            let a = value_in_cycle(&cv, cyc, clock);
            let b = value_in_cycle(&mv, mc, clock);
            let same = match (a, b) {
                (Some(a), Some(b)) => same_value(a, b),
                (None, None) => true,
                _ => false,
            };
            if !same {
                per_signal.push(Departure {
                    signal: name.to_string(),
                    cycle: cyc,
                    time_ps: (capture.time_base() == migcal_traces::TimeBase::Femtoseconds)
                        .then(|| (clock.first_edge + cyc * clock.period) / 1000),
                    capture: a.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
                    model: b.map(|v| v.to_string()).unwrap_or_else(|| "-".into()),
                });
                break;
            }
        }
    }
    // Earliest cycle first; on a tie, the order of COMPARED (controller before its effects).
    let first = per_signal
        .iter()
        .min_by_key(|d| (d.cycle, COMPARED.iter().position(|n| *n == d.signal)))
        .cloned();
    Replay {
        aligned_on,
        compared,
        first,
        per_signal,
    }
}

/// Equal values, treating an unknown in either as "no information" rather than a departure
/// (a capture's x/U before reset is not the model being wrong).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bits(x), Value::Bits(y)) => {
            let (x, y) = (x.as_ref(), y.as_ref());
            let n = x.len().max(y.len());
            (0..n).all(|i| {
                let bx = if i < n - x.len() {
                    b'0'
                } else {
                    x[i - (n - x.len())]
                };
                let by = if i < n - y.len() {
                    b'0'
                } else {
                    y[i - (n - y.len())]
                };
                bx == by || !matches!(bx, b'0' | b'1') || !matches!(by, b'0' | b'1')
            })
        }
        _ => a == b,
    }
}
