//! The probes that decide between exact explanations: their simulations are compared with each
//! other on every signal the model traces, and the first signal and window where they differ is
//! where to look. Computed from the simulations, never written by hand.

use crate::analysis::Clock;
use crate::diagnose::exact::{self, same_value, ExactError, Sampled, SLOTS_PER_CYCLE};
use crate::scenario::Scenario;
use serde::Serialize;

/// Where two explanations' simulations differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextProbe {
    /// The canonical signal to capture.
    pub signal: String,
    /// First and last clk_0 cycle (the model's count) of the first stretch where they differ.
    pub window: (u64, u64),
    /// The two explanations, and what each puts on the signal at the window's start.
    pub tells_apart: Vec<(String, String)>,
}

/// The first stretch of slots from `from` where `a` and `b` differ on `name`.
fn window(a: &Sampled, b: &Sampled, name: &str, from: u64) -> (u64, u64) {
    let (Some(sa), Some(sb)) = (a.get(name), b.get(name)) else {
        return (from, from);
    };
    let mut slots: Vec<u64> = sa
        .changes
        .iter()
        .chain(&sb.changes)
        .map(|c| c.0)
        .filter(|k| *k > from)
        .collect();
    slots.sort_unstable();
    slots.dedup();
    let end = a.end_slot.min(b.end_slot);
    for k in slots {
        let same = match (sa.at(k), sb.at(k)) {
            (Some(x), Some(y)) => same_value(x, y),
            _ => true,
        };
        if same {
            return (from, k.saturating_sub(1));
        }
    }
    (from, end)
}

/// The probes found, and the pairs of explanations no traced signal tells apart.
pub type Deciding = (Vec<NextProbe>, Vec<(String, String)>);

/// The probes that tell the first of `boards` from each of the others (at most 6 others), and
/// the pairs that no traced signal tells apart (they differ only beyond what the model traces:
/// on the memory side of the board).
pub fn deciding(boards: &[(String, Scenario)], _clock: &Clock) -> Result<Deciding, ExactError> {
    let Some((first_name, first)) = boards.first() else {
        return Ok((Vec::new(), Vec::new()));
    };
    let mut same = Vec::new();
    let a = exact::simulate_all(first)?;
    let mut out: Vec<NextProbe> = Vec::new();
    for (name, scn) in boards.iter().skip(1).take(6) {
        let b = exact::simulate_all(scn)?;
        let cmp = exact::compare_in_memory(&b, &a, None);
        let Some(d) = cmp.first else {
            same.push((first_name.clone(), name.clone()));
            continue;
        };
        let from = d.cycle * SLOTS_PER_CYCLE + d.quarter as u64;
        let (s, e) = window(&a, &b, &d.signal, from);
        let probe = NextProbe {
            signal: d.signal.clone(),
            window: (s / SLOTS_PER_CYCLE, e / SLOTS_PER_CYCLE),
            tells_apart: vec![
                (first_name.clone(), d.model.clone()),
                (name.clone(), d.capture.clone()),
            ],
        };
        if let Some(p) = out
            .iter_mut()
            .find(|p| p.signal == probe.signal && p.window == probe.window)
        {
            p.tells_apart.extend(probe.tells_apart.into_iter().skip(1));
        } else {
            out.push(probe);
        }
    }
    Ok((out, same))
}
