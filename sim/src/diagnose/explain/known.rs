//! The catalogue's runs on one board, kept (issue 13 speed): each single fault is simulated once
//! per board and compared bit for bit with the board's own run, and where it first differs is
//! kept, with its values there. A capture is then compared with the board's run alone, and each
//! candidate follows from what is kept:
//! - one that never differs from the board makes every comparison the board makes;
//! - one that first differs after the board departs from the capture departs where the board
//!   does, with the board's values;
//! - one that first differs while the capture still follows the board departs there when one of
//!   its values there disagrees with the capture's.
//!
//! The others (a difference at the board's own departure, before the compared window, only on
//! signals the capture does not hold, or hidden by an `x` of the capture) and candidates not
//! kept are simulated against the capture as before.

use super::board_with;
use super::catalogue::Candidate;
use crate::diagnose::exact::{
    self, precedence, same_value, split_bit, Comparison, Departure, ExactError, Sampled,
    SLOTS_PER_CYCLE,
};
use crate::scenario::Scenario;
use migcal_traces::{TimeBase, Value};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// One candidate's run against the board's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// The candidate's name.
    pub name: String,
    /// The first model slot where its run differs from the board's, and every signal that
    /// differs there with the candidate's value; `None`: identical over the whole run.
    pub differs: Option<(u64, Vec<(String, String)>)>,
}

fn slot_of(d: &Departure) -> u64 {
    d.cycle * SLOTS_PER_CYCLE + d.quarter as u64
}

/// Simulates every candidate on `base` and compares it with `base`'s own run (in parallel; the
/// result in the candidates' order). Candidates the board does not accept are left out.
pub fn build(base: &Scenario, cands: &[Candidate]) -> Result<Vec<Known>, ExactError> {
    let reference = exact::simulate_all(base)?;
    let v: Vec<Option<Known>> = cands
        .par_iter()
        .map(|c| {
            let Some(scn) = board_with(base, &c.faults) else {
                return Ok(None);
            };
            let cmp = exact::diverge_live(&reference, &scn)?;
            let differs = cmp.first.as_ref().map(|d| {
                let k = slot_of(d);
                let vals = cmp
                    .per_signal
                    .iter()
                    .filter(|p| slot_of(p) == k)
                    .map(|p| (p.signal.clone(), p.model.clone()))
                    .collect();
                (k, vals)
            });
            Ok(Some(Known {
                name: c.name.clone(),
                differs,
            }))
        })
        .collect::<Result<_, ExactError>>()?;
    Ok(v.into_iter().flatten().collect())
}

/// The value of `v` (bits, most significant first) as the capture's signal `name` holds it:
/// the whole value, or one bit when `name` selects one of `signal`.
fn as_captured(name: &str, signal: &str, v: &str) -> Option<Value> {
    let whole = Value::Bits(v.as_bytes().into());
    if name == signal {
        return Some(whole);
    }
    match split_bit(name) {
        (base, Some(i)) if base == signal => Some(Value::Bits(vec![whole.bit(i)?].into())),
        _ => None,
    }
}

/// The comparison of the candidate `known` with `capture`, from the board's own comparison
/// `board` (aligned by `offset` cycles, capture minus model), when what is kept decides it.
pub fn resolve(
    known: &Known,
    board: &Comparison,
    capture: &Sampled,
    offset: i64,
) -> Option<Comparison> {
    let Some((k, vals)) = &known.differs else {
        return Some(board.clone());
    };
    let at = *k as i64 + offset * SLOTS_PER_CYCLE as i64;
    if at < SLOTS_PER_CYCLE as i64 {
        return None;
    }
    let at = at as u64;
    let departs = board.first.as_ref().map(slot_of);
    if departs.is_some_and(|n| at > n) || at / SLOTS_PER_CYCLE > board.window.1 {
        return Some(board.clone());
    }
    if departs == Some(at) {
        return None;
    }
    let mut found: Vec<Departure> = Vec::new();
    for s in &capture.signals {
        let Some(c) = s.at(at) else { continue };
        for (signal, v) in vals {
            let Some(m) = as_captured(&s.name, signal, v) else {
                continue;
            };
            if !same_value(c, &m) {
                found.push(departure(&s.name, at, capture, c, &m));
            }
        }
    }
    found.sort_by(|a, b| {
        (precedence(&a.signal), &a.signal).cmp(&(precedence(&b.signal), &b.signal))
    });
    let first = found.first()?.clone();
    Some(Comparison {
        first: Some(first),
        per_signal: found,
        ..board.clone()
    })
}

fn departure(name: &str, k: u64, capture: &Sampled, c: &Value, m: &Value) -> Departure {
    let clock = capture.clock;
    Departure {
        signal: name.to_string(),
        cycle: k / SLOTS_PER_CYCLE,
        quarter: (k % SLOTS_PER_CYCLE) as u8,
        time_ps: (capture.time_base == TimeBase::Femtoseconds).then(|| {
            (clock.first_edge as u128 + k as u128 * clock.period as u128 / SLOTS_PER_CYCLE as u128)
                as u64
                / 1000
        }),
        capture: c.to_string(),
        model: m.to_string(),
    }
}

/// What identifies the model these runs were made by: the version, and this executable's size
/// and modification time (a rebuild with a changed model is another model; no file is read).
pub fn model_identity() -> String {
    let exe = std::env::current_exe()
        .ok()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| {
            let t = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            format!(" exe {} bytes {t}", m.len())
        })
        .unwrap_or_default();
    format!("{}{exe}", env!("CARGO_PKG_VERSION"))
}
